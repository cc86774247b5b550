"""The schema of the clinical content files (resources/pathway/*.yaml).

Each file is a frozen dataclass record (:class:`pathways.records.Record`), validated by
pydantic on load (:func:`pathways.records.validate`; only when the content is not read back
from its cache, :mod:`pathways.content_cache`); cross-file checks (every reference resolves,
every regimen has evidence, every evidence record has a citation) live in
:mod:`pathways.content`. The ``#:`` comments over the fields are the reviewer's guide to the
YAML; :class:`~pathways.records.Limits` in an annotation states what values a field accepts.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Annotated, ClassVar, Literal

from pathways.records import Limits, Record, record
from pathways.vocab import TIER_ORDER as TIER_ORDER
from pathways.vocab import AgentClass as AgentClass
from pathways.vocab import OutcomeName as OutcomeName
from pathways.vocab import RelapseTiming as RelapseTiming
from pathways.vocab import Tier as Tier
from pathways.vocab import ToxicityName as ToxicityName
from pathways.vocab import WarningKind as WarningKind

Id = Annotated[str, Limits(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Text = Annotated[str, Limits(min_length=1, max_length=4000)]
SourceKey = Annotated[str, Limits(pattern=r"^S\d+[a-z]?$")]

# "confirmed" = the figure or position is in the checked clinical reference;
# "secondary" = only a secondary (news or summary) source had it;
# "unconfirmed" = the reference marks it UNCONFIRMED: the app must show it as such.
Status = Literal["confirmed", "secondary", "unconfirmed"]

# Records are keyword-only (kw_only): required and defaulted fields mix freely, in the order a
# reviewer reads them in the files.


# ---------------------------------------------------------------------------- header
@record
class Source(Record):
    key: SourceKey
    title: Text
    reliability: Literal["primary", "secondary", "low"]


@record
class Reviewer(Record):
    name: Annotated[str, Limits(min_length=1, max_length=200)]
    role: Annotated[str, Limits(min_length=1, max_length=200)]
    # datetime.date, not date: in a slotted record the field ``date`` hides the type's name.
    date: datetime.date


@record
class SignOff(Record):
    """Who reviewed the content, and the digest of exactly what they reviewed.

    The digest covers the five content files with this ``signoff`` block itself left out
    (``python -m pathways sign-off`` computes it; :mod:`pathways.signoff` checks it).
    """

    digest: Annotated[str, Limits(pattern=r"^[0-9a-f]{64}$")]
    reviewers: Annotated[tuple[Reviewer, ...], Limits(min_length=1, max_length=50)]


@record
class Header(Record):
    """pathway.yaml: what this content is, who checked it, and when."""

    schema_version: Literal[1]
    content_version: Annotated[str, Limits(pattern=r"^\d+\.\d+\.\d+$")]
    reviewed: datetime.date
    review_note: Text
    scope: Text
    disclaimer: Text
    sources: Annotated[tuple[Source, ...], Limits(min_length=1)]
    entry_points: Annotated[tuple[EntryPoint, ...], Limits(min_length=1)]
    signoff: SignOff | None = None
    engine: EngineSettings


@record
class Thresholds(Record):
    """Cut-offs the engine applies; each is a guideline's number, with its source."""

    #: ASCO 5.0: relapse within this many months of (neo)adjuvant trastuzumab-based therapy
    #: follows the second-line pathway
    early_relapse_months: Annotated[float, Limits(gt=0, le=60)]
    #: NCCN footnote e: rapid relapse after (neo)adjuvant therapy
    rapid_relapse_months: Annotated[float, Limits(gt=0, le=60)]
    #: NCCN footnote e: the same, when it contained pertuzumab
    rapid_relapse_months_pertuzumab: Annotated[float, Limits(gt=0, le=60)]
    #: from this metastatic line on, every later-line option not yet given stays available
    #: (ASCO 3.x)
    later_lines_from: Annotated[int, Limits(ge=2, le=10)]
    #: LVEF band 'hold' below this
    lvef_hold_below: Annotated[float, Limits(gt=0, lt=100)]
    #: LVEF band 'caution' from lvef_hold_below up to this
    lvef_caution_below: Annotated[float, Limits(gt=0, lt=100)]
    sources: Annotated[tuple[SourceKey, ...], Limits(min_length=1)]

    def _validate(self) -> None:
        if self.lvef_hold_below >= self.lvef_caution_below:
            raise ValueError("lvef_hold_below must be below lvef_caution_below")
        if self.rapid_relapse_months > self.early_relapse_months:
            raise ValueError("rapid_relapse_months must not exceed early_relapse_months")


@record
class EngineNodes(Record):
    """The entry points the engine places a patient on; each must be an entry point id."""

    early_diagnosis: Id
    residual_disease: Id
    pathologic_complete_response: Id
    metastatic_diagnosis: Id
    relapse_early: Id
    relapse_late: Id
    later_lines: Id


@record
class EngineSettings(Record):
    nodes: EngineNodes
    thresholds: Thresholds


@record
class EntryPoint(Record):
    """A graph node that is not a regimen: where a patient enters the pathway."""

    id: Id
    name: Text
    setting: Literal["early", "metastatic"]
    #: column in the graph layout (0 = early)
    line: Annotated[int, Limits(ge=0, le=6)]
    description: Text


# ---------------------------------------------------------------------------- drugs
@record
class Agent(Record):
    id: Id
    name: Text
    classes: Annotated[tuple[AgentClass, ...], Limits(min_length=1)]
    aliases: tuple[str, ...] = ()
    #: agents this one contains (T-DXd and T-DM1 carry the trastuzumab antibody): a patient
    #: who received it counts as exposed to them in trial populations
    includes: tuple[Id, ...] = ()


@record
class Product(Record):
    """A brand name for a fixed combination of agents (e.g. Phesgo: pertuzumab + trastuzumab)."""

    name: Text
    agents: Annotated[tuple[Id, ...], Limits(min_length=2)]
    aliases: tuple[str, ...] = ()


@record
class ComponentChoice(Record):
    """One slot of a regimen filled by any one of several agents (e.g. any taxane)."""

    any_of: Annotated[tuple[Id, ...], Limits(min_length=1)]
    optional: bool = False


Component = Id | ComponentChoice


@record
class Regimen(Record):
    id: Id
    name: Text
    short: Annotated[str, Limits(min_length=1, max_length=24)]
    setting: Literal["early", "metastatic"]
    #: usual line, used for the graph layout (0 = early)
    line: Annotated[int, Limits(ge=0, le=6)]
    components: Annotated[tuple[Component, ...], Limits(min_length=1)]
    #: agents whose prior progression rules this regimen out (no re-use after progression);
    #: trastuzumab is usually left out because it is continued beyond progression
    defining_agents: tuple[Id, ...] = ()
    #: regimens this one continues as maintenance within the same line (e.g. HP after THP):
    #: it does not start a new line
    maintenance_of: tuple[Id, ...] = ()
    #: may be given again after progression on it, with a partner from its choice slot not
    #: given before (trastuzumab beyond progression, GBG 26)
    beyond_progression: bool = False
    aliases: tuple[str, ...] = ()
    summary: Text
    dosing: Text | None = None
    evidence: Annotated[tuple[Id, ...], Limits(min_length=1)]
    guidelines: tuple[Id, ...] = ()
    safety: tuple[Id, ...] = ()


# ---------------------------------------------------------------------------- evidence
@record
class Endpoint(Record):
    #: e.g. "median PFS", "ORR", "3-yr iDFS"
    name: Annotated[str, Limits(min_length=1, max_length=60)]
    value: float | None = None  # experimental arm
    comparator_value: float | None = None
    unit: Literal["months", "%", "ratio"] | None = None
    hr: Annotated[float, Limits(gt=0, lt=10)] | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p: str | None = None  # as reported: "<0.001", "0.02", "NS"
    note: str | None = None
    status: Status = "confirmed"

    def _validate(self) -> None:
        if (self.ci_low is None) != (self.ci_high is None):
            raise ValueError("give both ci_low and ci_high, or neither")
        if self.ci_low is not None and self.ci_high is not None:
            if self.ci_low > self.ci_high:
                raise ValueError("ci_low is above ci_high")
            if self.hr is not None and not self.ci_low <= self.hr <= self.ci_high:
                raise ValueError(f"hr {self.hr} lies outside its CI {self.ci_low}-{self.ci_high}")
        if self.value is None and self.hr is None and self.note is None:
            raise ValueError("an endpoint needs a value, an hr or a note")


@record
class Population(Record):
    description: Text
    #: drug classes every enrolled patient had received (e.g. a taxane)
    prior_required_classes: tuple[AgentClass, ...] = ()
    #: agents every enrolled patient had received
    prior_required: tuple[Id, ...] = ()
    #: agents no enrolled patient had received (or that did not exist)
    naive_to: tuple[Id, ...] = ()
    min_prior_her2_lines: Annotated[int, Limits(ge=0, le=10)] | None = None
    max_prior_lines: Annotated[int, Limits(ge=0, le=10)] | None = None


@record
class Citation(Record):
    text: Text
    pmid: Annotated[str, Limits(pattern=r"^\d{6,9}$")] | None = None
    doi: Annotated[str, Limits(pattern=r"^10\.\d{4,9}/\S+$")] | None = None
    sources: Annotated[tuple[SourceKey, ...], Limits(min_length=1)]
    identifier_note: Text | None = None

    def _validate(self) -> None:
        if not (self.pmid or self.doi or self.identifier_note):
            raise ValueError(
                "a citation needs a pmid or doi, or an identifier_note saying why neither is given"
            )


@record
class Evidence(Record):
    id: Id
    trial: Text
    phase: Annotated[str, Limits(max_length=40)]
    n: Annotated[int, Limits(gt=0)] | None = None
    design: Text
    arms: Text
    comparator: Text
    population: Population
    endpoints: Annotated[tuple[Endpoint, ...], Limits(min_length=1)]
    safety: Text | None = None
    citation: Citation
    year: Annotated[int, Limits(ge=1990, le=2030)]
    status: Status = "confirmed"
    note: Text | None = None


# ---------------------------------------------------------------------------- guidelines
GuidelineBody = Literal["NCCN", "ESMO", "ASCO"]
LvefBand = Literal["hold", "caution", "normal", "unknown"]


@record
class Guideline(Record):
    """A guideline body's position on a regimen in a setting, stated in our own words."""

    id: Id
    body: Literal["NCCN", "ESMO", "ASCO", "FDA", "EMA"]
    version: Annotated[str, Limits(min_length=1, max_length=60)]
    regimens: Annotated[tuple[Id, ...], Limits(min_length=1)]
    setting: Text  # "first line", "second line", "third line and later", "brain metastases", ...
    position: Literal[
        "preferred", "recommended", "option", "selected-patients", "not-recommended", "approved"
    ]
    strength: Annotated[str, Limits(max_length=120)] | None = None  # "category 1", "Strong; EB; H"
    statement: Text
    status: Status
    sources: Annotated[tuple[SourceKey, ...], Limits(min_length=1)]


# ---------------------------------------------------------------------------- safety
@record
class SafetyNote(Record):
    id: Id
    agents: Annotated[tuple[Id, ...], Limits(min_length=1)]
    kind: Literal[
        "monitoring",
        "dose-modification",
        "contraindication",
        "interaction",
        "pregnancy",
        "toxicity",
    ]
    text: Text
    status: Status = "confirmed"
    sources: Annotated[tuple[SourceKey, ...], Limits(min_length=1)]


# ---------------------------------------------------------------------------- conditions
@record
class Condition(Record):
    """All given fields must hold (AND). ``any_of`` holds if one of its conditions holds.

    Patient factors are matched against their *effective* value: a toxicity recorded in the
    history counts like the factor (a line stopped for cardiac toxicity → heart failure; for
    grade >= 2 ILD → prior ILD), and the explanation names the line it came from."""

    # -- patient factors (one field per factor of pathways.vocab.FACTORS)
    hormone_receptor: tuple[Literal["positive", "negative", "unknown"], ...] | None = None
    brain_metastases: tuple[Literal["none", "stable", "active", "symptomatic"], ...] | None = None
    ild_history: bool | None = None
    tdxd_available: bool | None = None
    heart_failure: bool | None = None
    pregnant: bool | None = None
    taxane_contraindicated: bool | None = None
    chemotherapy_unsuitable: bool | None = None
    residual_high_risk: bool | None = None
    lvef_below: Annotated[float, Limits(gt=0, lt=100)] | None = None
    #: bands from pathway.yaml engine.thresholds
    lvef_band: tuple[LvefBand, ...] | None = None
    # -- where the patient is
    line_at_least: int | None = None
    line_at_most: int | None = None
    setting: Literal["early", "metastatic"] | None = None
    relapse: tuple[RelapseTiming, ...] | None = None
    early_pertuzumab: bool | None = None
    last_outcome: tuple[OutcomeName, ...] | None = None
    last_toxicity: tuple[ToxicityName, ...] | None = None
    # -- what the history holds
    #: regimen or agent ids; true if any was ever given
    received_any: tuple[Id, ...] | None = None
    received_none: tuple[Id, ...] | None = None
    progressed_on_any: tuple[Id, ...] | None = None
    #: with toxicity_detail: a line with these agents stopped for it
    toxicity_on_any: tuple[Id, ...] | None = None
    toxicity_detail: tuple[ToxicityName, ...] | None = None
    # -- the site's choices (site settings, apart from the content)
    guideline_first: tuple[GuidelineBody, ...] | None = None
    # -- what the rules decided (pitfalls only: evaluated after the options are ranked)
    #: pitfalls only: all these regimens are offered (not avoid)
    offered: tuple[Id, ...] | None = None
    #: pitfalls only: none of these regimens is offered
    not_offered: tuple[Id, ...] | None = None
    any_of: tuple[Condition, ...] | None = None
    none_of: tuple[Condition, ...] | None = None


@record
class Adjustment(Record):
    """A change to an option's tier or order when a condition holds; its reason is shown.

    ``rank`` sets the option's place within its tier; when several rules set a rank, the one
    with the highest ``priority`` decides (then the later one in the files), and the window
    names it."""

    id: Id | None = None
    when: Condition
    tier: Tier | None = None
    mode: Literal["set", "cap", "raise"] = "set"
    rank: Annotated[int, Limits(ge=0, le=99)] | None = None
    priority: Annotated[int, Limits(ge=0, le=100)] = 0
    reason: Text
    warning: WarningKind | None = None
    evidence: tuple[Id, ...] = ()


@record
class Transition(Record):
    """Edges "may follow": from each node in ``from`` to the regimen ``to``."""

    # ``from`` is a Python keyword: the attribute is ``from_``, the key in the file ``from``.
    _aliases: ClassVar[Mapping[str, str]] = {"from_": "from"}

    id: Id | None = None
    from_: Annotated[tuple[Id, ...], Limits(min_length=1)]
    to: Id
    tier: Tier
    rank: Annotated[int, Limits(ge=0, le=99)]
    why: Text
    evidence: tuple[Id, ...] = ()
    guidelines: tuple[Id, ...] = ()
    when: Condition | None = None
    adjust: tuple[Adjustment, ...] = ()
    #: a regimen offered again after itself (a self-loop), with its evidence
    rechallenge: bool = False
    #: the option resumes the current line after a pause (not a new line)
    resumes: bool = False


@record
class ScopedRule(Record):
    """A rule over every option whose regimen matches the scope (agents, classes or ids).

    A rule that lowers a tier (``cap``, or ``set`` to avoid) applies when ANY variant of the
    regimen contains the agent or class; one that raises or sets a better tier only when EVERY
    variant does."""

    id: Id
    agents: tuple[Id, ...] = ()
    classes: tuple[AgentClass, ...] = ()
    regimens: tuple[Id, ...] = ()
    when: Condition
    tier: Tier | None = None
    mode: Literal["set", "cap", "raise"] = "cap"
    rank: Annotated[int, Limits(ge=0, le=99)] | None = None
    priority: Annotated[int, Limits(ge=0, le=100)] = 0
    reason: Text
    warning: WarningKind | None = None
    evidence: tuple[Id, ...] = ()
    sources: Annotated[tuple[SourceKey, ...], Limits(min_length=1)]


@record
class Pitfall(Record):
    """A case-level warning shown when its condition holds at the current step."""

    id: Id
    kind: WarningKind
    title: Annotated[str, Limits(min_length=1, max_length=120)]
    text: Text
    when: Condition
    sources: Annotated[tuple[SourceKey, ...], Limits(min_length=1)]
    evidence: tuple[Id, ...] = ()
    status: Status = "confirmed"


@record
class Messages(Record):
    """Texts of the engine's built-in rules; ``{placeholders}`` are filled in by the engine."""

    repeated_regimen: Text
    repeated_agent: Text
    beyond_progression: Text
    continue_ongoing: Text
    clinical_trial: Text
    no_transitions: Text
    population_naive: Text
    population_required: Text
    population_lines: Text
    population_max_lines: Text
    population_classes: Text
    early_relapse_during: Text
    relapse_grey_zone: Text
    relapse_unknown: Text
    early_relapse: Text
    unconfirmed_guideline: Text
    hypothetical: Text
    previously_given: Text
    derived_factor: Text
    site_unavailable: Text
    later_lines: Text
    tie: Text
    change_added: Text
    change_removed: Text
    change_tier: Text
    change_first: Text
    change_order: Text


@record
class TransitionsFile(Record):
    transitions: Annotated[tuple[Transition, ...], Limits(min_length=1)]


@record
class RulesFile(Record):
    rules: tuple[ScopedRule, ...] = ()
    pitfalls: tuple[Pitfall, ...] = ()
    messages: Messages


@record
class DrugsFile(Record):
    agents: Annotated[tuple[Agent, ...], Limits(min_length=1)]
    products: tuple[Product, ...] = ()
    regimens: Annotated[tuple[Regimen, ...], Limits(min_length=1)]


@record
class EvidenceFile(Record):
    evidence: Annotated[tuple[Evidence, ...], Limits(min_length=1)]
    guidelines: tuple[Guideline, ...] = ()
    safety: tuple[SafetyNote, ...] = ()
