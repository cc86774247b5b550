"""Lines of therapy inferred from medication dates and progression signals.

mCODE has no "line of therapy" element, so lines are worked out here:

1. Doses of one agent less than :data:`EPISODE_GAP` apart form one episode of that agent.
2. Episodes starting within :data:`START_WINDOW` of each other are one regimen start.
3. A regimen start opens a new line, unless no progression or other change was recorded since the
   current line began and the new agents only restart, complete (within :data:`ADD_WINDOW`) or
   add endocrine therapy to the current line's HER2-directed maintenance.
   Agents still given when a new line starts (trastuzumab continued beyond progression) join the
   new line when that makes a regimen of the content.
4. A line continues through maintenance: when the taxane stops and pertuzumab + trastuzumab go on,
   no new regimen starts, so the line goes on.
5. Each line's outcome comes from the signals dated within it: progression (disease status
   worsening, stopped for no response), toxicity (stopped as not tolerated, adverse reaction,
   ILD / pneumonitis); without a signal it is assumed and the assumption is reported.

Every decision that is not read straight from the record is added to the report's "inferred" list.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import combinations

from pathways.case import Outcome, Setting, ToxicityDetail
from pathways.fhir.findings import Evidence, Signal
from pathways.fhir.medications import Intent, MedicationUse
from pathways.fhir.regimens import (
    RegimenMatch,
    SettingName,
    is_endocrine_partner,
    is_her2_directed,
    match_regimen,
    regimen_slots,
)
from pathways.fhir.report import ImportReport
from pathways.schema import Agent, Regimen

# Weekly to three-weekly schedules with delays of a few weeks stay one episode; a pause of two
# months or more is a new start.
EPISODE_GAP = timedelta(days=60)
# Drugs of one regimen start on the same day in clean data; oral drugs and delayed first cycles
# start up to two weeks apart.
START_WINDOW = timedelta(days=14)
# A drug added this soon after a line starts (pertuzumab from cycle 2) completes that line.
ADD_WINDOW = timedelta(days=42)
# The same drugs restarted after a pause shorter than this (a cardiac hold) are the same line;
# after a longer pause they are a new line (a re-challenge).
RESTART_WINDOW = timedelta(days=180)
# Staging is often recorded a few weeks after the first treatment of metastatic disease.
STAGING_LAG = timedelta(days=31)
# Surgery within this time after an early line starts makes that line neoadjuvant.
NEOADJUVANT_SPAN = timedelta(days=270)
# An ILD diagnosis this soon after a line's last dose is blamed on that line.
ILD_LAG = timedelta(days=90)


@dataclass
class Episode:
    agent: str
    start: date
    end: date
    ongoing: bool
    intents: set[Intent] = field(default_factory=set)


@dataclass
class _Draft:
    start: date
    agents: set[str]  # the regimen the line is matched on
    episodes: list[Episode]
    setting: SettingName
    notes: list[str] = field(default_factory=list)
    # Kept up to date as episodes join, so that a line of thousands of episodes costs no more
    # per new start than a short one: the agents given and each agent's last dose.
    last_end: dict[str, date] = field(default_factory=dict)

    def __post_init__(self) -> None:
        episodes, self.episodes = self.episodes, []
        self.extend(episodes)

    def extend(self, episodes: list[Episode]) -> None:
        self.episodes.extend(episodes)
        for e in episodes:
            known = self.last_end.get(e.agent)
            if known is None or e.end > known:
                self.last_end[e.agent] = e.end

    @property
    def last_dose(self) -> date:
        return max(self.last_end.values())


@dataclass(frozen=True)
class InferredLine:
    number: int
    setting: Setting
    start: date
    end: date | None  # None while ongoing
    agents: tuple[str, ...]
    regimen: RegimenMatch | None
    outcome: Outcome
    toxicity_detail: ToxicityDetail | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class SettingEvidence:
    metastatic_since: date | None  # earliest dated evidence of metastatic disease
    metastatic_undated: bool  # evidence of metastatic disease without any date
    early_evidence: bool  # staging that says "not metastatic" at some point


@dataclass(frozen=True)
class LineInference:
    lines: tuple[InferredLine, ...]
    metastatic_diagnosis: date | None


def build_episodes(uses: list[MedicationUse]) -> list[Episode]:
    by_agent: dict[str, list[MedicationUse]] = {}
    for use in uses:
        for agent in use.agents:
            by_agent.setdefault(agent, []).append(use)
    episodes: list[Episode] = []
    for agent, agent_uses in by_agent.items():
        current: Episode | None = None
        for use in sorted(agent_uses, key=lambda u: (u.start, u.end)):
            if current is not None and use.start <= current.end + EPISODE_GAP:
                current.end = max(current.end, use.end)
                current.ongoing = current.ongoing or use.ongoing
            else:
                current = Episode(agent, use.start, use.end, use.ongoing)
                episodes.append(current)
            if use.intent is not None:
                current.intents.add(use.intent)
    episodes.sort(key=lambda e: (e.start, e.agent))
    return episodes


class LineBuilder:
    def __init__(
        self,
        regimens: Mapping[str, Regimen],
        agents: Mapping[str, Agent],
        evidence: SettingEvidence,
        report: ImportReport,
    ) -> None:
        self.regimens = regimens
        self.agents = agents
        self.evidence = evidence
        self.report = report

    # ------------------------------------------------------------------ settings
    def setting_at(self, when: date, intents: set[Intent]) -> SettingName:
        if "palliative" in intents:
            return "metastatic"
        if "curative" in intents:
            return "early"
        since = self.evidence.metastatic_since
        if since is not None:
            return "metastatic" if when >= since - STAGING_LAG else "early"
        if self.evidence.metastatic_undated:
            return "metastatic"
        if self.evidence.early_evidence:
            return "early"
        return "metastatic"

    def _match(self, agents: set[str], when: date, intents: set[Intent]) -> RegimenMatch | None:
        setting = self.setting_at(when, intents)
        return match_regimen(agents, setting, self.regimens, self.agents)

    # ------------------------------------------------------------------ grouping
    def group(self, episodes: list[Episode], signals: list[Signal]) -> list[_Draft]:
        """Lines from episodes; ``signals`` must be sorted by date."""
        drafts: list[_Draft] = []
        when = [s.when for s in signals]
        for cluster in _clusters(episodes):
            start = cluster[0].start
            new_agents = {e.agent for e in cluster}
            intents = set().union(*(e.intents for e in cluster))
            setting = self.setting_at(start, intents)
            current = drafts[-1] if drafts else None
            if current is None:
                drafts.append(_Draft(start, new_agents, list(cluster), setting))
                continue
            reasons = signals[bisect_right(when, current.start) : bisect_right(when, start)]
            same_setting = setting == current.setting
            if not reasons and same_setting and self._joins(current, cluster, start, intents):
                continue
            drafts.append(self._new_line(current, cluster, start, intents, reasons))
        return drafts

    def _joins(
        self, current: _Draft, cluster: list[Episode], start: date, intents: set[Intent]
    ) -> bool:
        """Whether drugs starting at ``start`` belong to the current line (no new regimen)."""
        new_agents = {e.agent for e in cluster}
        names = " + ".join(sorted(new_agents))
        if new_agents <= current.last_end.keys() and start - current.last_dose <= RESTART_WINDOW:
            current.extend(cluster)
            current.notes.append(f"{names} restarted on {start} without a new regimen")
            return True
        combined = current.agents | new_agents
        if start - current.start <= ADD_WINDOW and self._match(combined, start, intents):
            current.agents = combined
            current.extend(cluster)
            current.notes.append(f"{names} added on {start}, within 6 weeks of the line's start")
            return True
        # Early-setting regimens are often sequential (anthracycline, then taxane + HER2
        # antibodies): a first part that is no regimen on its own is completed by the next.
        incomplete = current.setting == "early" and not self._match(
            current.agents, current.start, set()
        )
        if incomplete and self._match(combined, start, intents):
            current.agents = combined
            current.extend(cluster)
            current.notes.append(f"{names} from {start} completes a sequential regimen")
            return True
        running_her2 = any(
            end >= start and is_her2_directed(agent, self.agents)
            for agent, end in current.last_end.items()
        )
        if running_her2 and all(is_endocrine_partner(a, self.agents) for a in new_agents):
            current.extend(cluster)
            current.notes.append(
                f"{names} added to HER2-directed maintenance on {start}: same line"
            )
            return True
        return False

    def _new_line(
        self,
        current: _Draft,
        cluster: list[Episode],
        start: date,
        intents: set[Intent],
        reasons: list[Signal],
    ) -> _Draft:
        new_agents = {e.agent for e in cluster}
        continuing = [e for e in current.episodes if e.end > start and e.agent not in new_agents]
        carried = self._carried_over(new_agents, continuing, start, intents)
        setting = self.setting_at(start, intents)
        draft = _Draft(
            start,
            new_agents | carried,
            list(cluster) + [e for e in continuing if e.agent in carried],
            setting,
        )
        if reasons:
            why = f"after {reasons[-1].what} on {reasons[-1].when}"
        elif setting != current.setting:
            why = f"therapy for {setting} disease"
        else:
            why = "a new anticancer regimen started (no progression recorded before it)"
        draft.notes.append(f"new line on {start}: {why}")
        if carried:
            draft.notes.append(
                f"{' + '.join(sorted(carried))} continued from the previous line into this one"
            )
        return draft

    def _carried_over(
        self, new_agents: set[str], continuing: list[Episode], start: date, intents: set[Intent]
    ) -> set[str]:
        """The largest set of still-running agents that, with the new ones, makes a regimen.

        Of several largest sets, the first in alphabetical order. Only agents some regimen of
        the setting can hold are candidates, and a regimen holds at most as many agents as it
        has components, so the search is bounded by the content, not by the number of agents
        running (27 running agents used to mean 2^27 tries).
        """
        running = sorted({e.agent for e in continuing})
        setting = self.setting_at(start, intents)
        best: tuple[str, ...] | None = None
        for regimen in self.regimens.values():
            if regimen.setting != setting:
                continue
            slots = regimen_slots(regimen)
            room = len(slots) - len(new_agents)
            if room < 1:
                continue
            holdable = set().union(*(slot.options for slot in slots))
            if not new_agents <= holdable:
                continue
            candidates = [a for a in running if a in holdable]
            for size in range(min(room, len(candidates)), 0, -1):
                if best is not None and size < len(best):
                    break
                found = next(
                    (
                        subset
                        for subset in combinations(candidates, size)
                        if self._match(new_agents | set(subset), start, intents)
                    ),
                    None,
                )
                if found is not None:
                    if best is None or len(found) > len(best) or found < best:
                        best = found
                    break
        return set(best) if best is not None else set()

    # ------------------------------------------------------------------ lines and outcomes
    def infer(
        self,
        uses: list[MedicationUse],
        signals: list[Signal],
        ild: list[Evidence],
        surgeries: list[date],
    ) -> LineInference:
        all_signals = sorted(
            signals + [u.stop for u in uses if u.stop is not None], key=lambda s: s.when
        )
        drafts = self.group(build_episodes(uses), all_signals)
        when = [s.when for s in all_signals]
        ild = sorted((e for e in ild if e.when is not None), key=lambda e: e.when or date.min)
        lines: list[InferredLine] = []
        metastatic_seen = False
        for i, draft in enumerate(drafts):
            following = drafts[i + 1] if i + 1 < len(drafts) else None
            setting_name = draft.setting
            if metastatic_seen and setting_name == "early":
                draft.notes.append("treated as metastatic: it follows a metastatic line")
                setting_name = "metastatic"
            metastatic_seen = metastatic_seen or setting_name == "metastatic"
            setting = (
                self._early_setting(draft, surgeries)
                if setting_name == "early"
                else (Setting.METASTATIC)
            )
            upto = len(when) if following is None else bisect_right(when, following.start)
            own = all_signals[bisect_right(when, draft.start) : upto]
            outcome, detail = self._outcome(draft, following, own, ild, setting)
            end = None if outcome is Outcome.ONGOING else self._end(draft, following)
            match = match_regimen(draft.agents, setting_name, self.regimens, self.agents)
            lines.append(
                InferredLine(
                    number=i + 1,
                    setting=setting,
                    start=draft.start,
                    end=end,
                    agents=tuple(sorted(draft.agents)),
                    regimen=match,
                    outcome=outcome,
                    toxicity_detail=detail,
                    notes=tuple(draft.notes),
                )
            )
        return LineInference(tuple(lines), self._metastatic_diagnosis(lines))

    @staticmethod
    def _end(draft: _Draft, following: _Draft | None) -> date:
        """The last dose of the line, not counting drugs carried on into the next line."""
        if following is None:
            return draft.last_dose
        carried = {id(e) for e in following.episodes}
        own = [e.end for e in draft.episodes if id(e) not in carried]
        return min(max(own), following.start) if own else following.start

    def _early_setting(self, draft: _Draft, surgeries: list[date]) -> Setting:
        after = [s for s in surgeries if draft.start < s <= draft.start + NEOADJUVANT_SPAN]
        if after:
            draft.notes.append(f"neoadjuvant: cancer surgery on {min(after)} followed its start")
            return Setting.NEOADJUVANT
        if any(s <= draft.start for s in surgeries):
            draft.notes.append("adjuvant: it started after cancer surgery")
        else:
            draft.notes.append("adjuvant assumed: no cancer surgery date in the record")
        return Setting.ADJUVANT

    def _outcome(
        self,
        draft: _Draft,
        following: _Draft | None,
        own: list[Signal],
        ild: list[Evidence],
        setting: Setting,
    ) -> tuple[Outcome, ToxicityDetail | None]:
        outcome, detail = self._outcome_from_signals(draft, following, own, ild, setting)
        # Post-neoadjuvant T-DM1 / T-DXd is given for residual disease (KATHERINE).
        adc_next = following is not None and any(
            "her2-adc" in self.agents[a].classes for a in following.agents if a in self.agents
        )
        if (
            outcome is Outcome.COMPLETED
            and setting is Setting.NEOADJUVANT
            and following is not None
            and following.setting == "early"
            and adc_next
        ):
            draft.notes.append(
                "outcome residual disease assumed: an antibody-drug conjugate followed surgery"
            )
            return Outcome.RESIDUAL_DISEASE, None
        return outcome, detail

    def _outcome_from_signals(
        self,
        draft: _Draft,
        following: _Draft | None,
        own: list[Signal],
        ild: list[Evidence],
        setting: Setting,
    ) -> tuple[Outcome, ToxicityDetail | None]:
        progression = [s for s in own if s.kind == "progression"]
        toxicity = [s for s in own if s.kind == "toxicity"]
        window_end = following.start if following else draft.last_dose + ILD_LAG
        # ``ild`` holds dated evidence only, sorted by date.
        dates = [e.when or date.min for e in ild]
        ild_here = ild[bisect_right(dates, draft.start) : bisect_right(dates, window_end)]
        if progression:
            draft.notes.append(
                f"outcome progression: {progression[0].what} on {progression[0].when}"
            )
            return Outcome.PROGRESSION, None
        if toxicity or ild_here:
            if ild_here:
                draft.notes.append(
                    f"outcome toxicity: ILD / pneumonitis diagnosed on {ild_here[0].when}; its "
                    "grade is not in the record, grade 2 or higher assumed (the cautious choice)"
                )
                return Outcome.TOXICITY, ToxicityDetail.ILD_GRADE2_PLUS
            draft.notes.append(f"outcome toxicity: {toxicity[0].what} on {toxicity[0].when}")
            return Outcome.TOXICITY, ToxicityDetail.OTHER
        if following is None:
            if any(e.ongoing for e in draft.episodes):
                draft.notes.append("ongoing: still active in the record")
                return Outcome.ONGOING, None
            draft.notes.append("outcome completed assumed: stopped without a recorded reason")
            return Outcome.COMPLETED, None
        if setting.is_early:
            draft.notes.append("outcome completed assumed for early-setting therapy")
            return Outcome.COMPLETED, None
        draft.notes.append(
            "outcome progression assumed: a new line followed and no reason was recorded"
        )
        return Outcome.PROGRESSION, None

    def _metastatic_diagnosis(self, lines: list[InferredLine]) -> date | None:
        since = self.evidence.metastatic_since
        first = next((ln.start for ln in lines if ln.setting is Setting.METASTATIC), None)
        if since is not None and first is not None and first < since:
            self.report.infer(
                f"Metastatic diagnosis set to {first}, the start of the first metastatic line "
                f"(the staging that shows metastatic disease is dated {since})."
            )
            return first
        return since


def _clusters(episodes: list[Episode]) -> list[list[Episode]]:
    clusters: list[list[Episode]] = []
    for episode in episodes:
        if clusters and episode.start - clusters[-1][0].start <= START_WINDOW:
            clusters[-1].append(episode)
        else:
            clusters.append([episode])
    return clusters
