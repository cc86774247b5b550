"""The scenario library: clinical cases with the answer the guidelines expect, as data.

Each file under ``resources/scenarios/`` holds scenarios (format described in each file's header).
A scenario is a case (the body of a case file) plus what the engine must answer for it, and the
guideline section or reference that the expectation comes from. The library is run by the test
suite, printed in the review packet beside the engine's answers, and replayed by the clinical
diff to show which answers a content change moves.

Loading validates every file (:func:`pathways.records.validate`: pydantic, imported only then)
and names the file, line and place of each problem, as
the content loader does. Running a scenario never raises: a scenario that cannot be run on some
content (a regimen it names was removed) comes back with the reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pathways.case import Case, check_history
from pathways.content import MAX_CONTENT_BYTES, Content
from pathways.engine import Engine, Recommendation
from pathways.errors import CaseError, ContentError, ContentErrors
from pathways.placed_yaml import compose, found_repr, line_of, place_of, read_yaml, validate
from pathways.records import Limits, Record, record
from pathways.vocab import WarningKind

SCENARIO_FORMAT = "her2-pathway-scenarios"
MAX_SCENARIO_FILES = 200  # a library is a handful of files; more is not a library
Id = Annotated[str, Limits(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
RegimenId = Annotated[str, Limits(min_length=1, max_length=80)]
Text = Annotated[str, Limits(min_length=1, max_length=2000)]
# Expect.line when the file has no "line" key: the answer's line is not checked ("line: null"
# expects the early setting). Metastatic lines count from 1, so no line a file may name is it.
LINE_NOT_CHECKED: Final = 0


class ScenarioError(ContentError):
    """A scenario file is malformed, or names something the content does not have."""


@record
class Expect(Record):
    """What the engine must answer. Every key is optional; an absent key is not checked."""

    # The options ranked first, exactly (several = they tie).
    first: tuple[RegimenId, ...] = ()
    # Exactly the set of preferred options (an empty list: no option is preferred).
    preferred: tuple[RegimenId, ...] | None = None
    # Listed at most as alternative or avoid, or not listed.
    not_preferred: tuple[RegimenId, ...] = ()
    # Listed, as avoid.
    avoid: tuple[RegimenId, ...] = ()
    # Listed, and not as avoid.
    offered: tuple[RegimenId, ...] = ()
    # Not listed, or listed as avoid.
    absent: tuple[RegimenId, ...] = ()
    # Warning kinds that must be present (on the answer or on any option).
    warnings: tuple[WarningKind, ...] = ()
    # Warning kinds that must not be present.
    no_warnings: tuple[WarningKind, ...] = ()
    # The metastatic line of the answer (null: the early setting).
    line: Annotated[int, Limits(ge=1)] | None = LINE_NOT_CHECKED
    # Pairs [a, b]: a is listed before b (ranked strictly ahead when the engine ranks).
    before: tuple[tuple[RegimenId, RegimenId], ...] = ()

    def regimens(self) -> set[str]:
        ids = {*self.first, *(self.preferred or ()), *self.not_preferred, *self.avoid}
        ids |= {*self.offered, *self.absent, *(r for pair in self.before for r in pair)}
        return ids


@record
class Scenario(Record):
    id: Id
    title: Text
    reference: Text
    case: Case
    step: Annotated[int, Limits(ge=0, le=1000)] | None = None
    expect: Expect
    # Filled in by the loader: where the scenario came from.
    file: str = field(default="", metadata={"exclude": True})
    line_no: int | None = field(default=None, metadata={"exclude": True})

    @classmethod
    def _prepare(cls, data: Any) -> Any:
        # The case body is a case file without its format and version; the title labels it.
        if isinstance(data, dict) and isinstance(data.get("case"), dict):
            case = dict(data["case"])
            if isinstance(data.get("title"), str):
                case.setdefault("label", data["title"][:200])
            data = {**data, "case": case}
        return data

    def _validate(self) -> None:
        if self.step is not None and self.step > len(self.case.history):
            raise ValueError(f"step {self.step} is beyond the history ({len(self.case.history)})")


@record
class ScenarioFile(Record):
    format: Literal["her2-pathway-scenarios"]
    version: Literal[1]
    scenarios: tuple[Scenario, ...] = ()


def bundled_scenarios_dir() -> Path:
    from pathways.bundled import bundled_folder

    return bundled_folder("scenarios")


# ---------------------------------------------------------------------------- loading
def parse_scenarios(
    text: str, name: str = "<scenarios>", content: Content | None = None
) -> tuple[Scenario, ...]:
    """Validate one scenario file's text; with ``content``, also every regimen id it names."""
    parsed = read_yaml(name, text, MAX_CONTENT_BYTES)
    # Values are shown only for short scalars of the scenario file itself (ids, kinds); scenario
    # cases are invented, never patients', but stay cautious all the same.
    model = validate(parsed, ScenarioFile, ScenarioError, found_repr(120))
    root = compose(parsed)
    out = []
    errors: list[ContentError] = []
    for i, s in enumerate(model.scenarios):
        loc: tuple[int | str, ...] = ("scenarios", i)
        line_no = line_of(root, loc)
        unknown = False
        if content is not None:
            for j, entry in enumerate(s.case.history):
                if entry.regimen not in content.regimens:
                    unknown = True
                    where = (*loc, "case", "history", j, "regimen")
                    errors.append(
                        ScenarioError(
                            name, place_of(root, where), f"unknown regimen {entry.regimen!r}"
                        )
                    )
            for where, regimen in _expect_places(s.expect):
                if regimen not in content.regimens:
                    at = (*loc, "expect", *where)
                    errors.append(
                        ScenarioError(name, place_of(root, at), f"unknown regimen {regimen!r}")
                    )
        try:
            # The regimens' settings can only be checked once every regimen is known.
            check_history(s.case, name, None if unknown else content)
        except CaseError as exc:
            sub = _loc_of(exc.place)
            errors.append(ScenarioError(name, place_of(root, (*loc, "case", *sub)), exc.problem))
        out.append(dataclasses.replace(s, file=name, line_no=line_no))
    if errors:
        raise ContentErrors(errors)
    return tuple(out)


def _expect_places(e: Expect) -> list[tuple[tuple[int | str, ...], str]]:
    """Each regimen id an expectation names, with its place inside ``expect``."""
    out: list[tuple[tuple[int | str, ...], str]] = []
    for key in ("first", "preferred", "not_preferred", "avoid", "offered", "absent"):
        out += [((key, i), r) for i, r in enumerate(getattr(e, key) or ())]
    for i, pair in enumerate(e.before):
        out += [(("before", i, j), r) for j, r in enumerate(pair)]
    return out


def _loc_of(place: str) -> tuple[int | str, ...]:
    """'history[1].end' → ('history', 1, 'end'), to find the line of a case check's place."""
    out: list[int | str] = []
    for part in place.replace("[", ".[").split("."):
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            out.append(int(part[1:-1]))
        elif part:
            out.append(part)
    return tuple(out)


def load_scenarios(
    directory: Path | None = None, content: Content | None = None
) -> tuple[Scenario, ...]:
    """Every scenario of every ``*.yaml`` file in ``directory`` (the bundled library by default).

    Ids are unique across the library. Raises :class:`ContentErrors` listing every problem.
    """
    directory = directory or bundled_scenarios_dir()
    if not directory.is_dir():
        raise ScenarioError(str(directory), "", "scenario folder not found")
    paths = sorted(directory.glob("*.yaml"))
    if len(paths) > MAX_SCENARIO_FILES:
        raise ScenarioError(str(directory), "", f"more than {MAX_SCENARIO_FILES} scenario files")
    texts: dict[str, str] = {}
    for path in paths:
        try:
            texts[path.name] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(str(path), "", f"cannot read ({exc})") from None
    return load_scenario_texts(texts, content)


def load_scenario_texts(
    texts: Mapping[str, str], content: Content | None = None
) -> tuple[Scenario, ...]:
    errors: list[ContentError] = []
    out: list[Scenario] = []
    seen: dict[str, str] = {}
    for name, text in texts.items():
        try:
            scenarios = parse_scenarios(text, name, content)
        except ContentErrors as exc:
            errors.extend(exc.errors)
            continue
        except ContentError as exc:
            errors.append(exc)
            continue
        for s in scenarios:
            if s.id in seen:
                place = f"line {s.line_no}, id" if s.line_no else "id"
                errors.append(
                    ScenarioError(name, place, f"duplicate id {s.id!r} (also in {seen[s.id]})")
                )
            seen[s.id] = name
            out.append(s)
    if errors:
        raise ContentErrors(errors)
    return tuple(out)


# ---------------------------------------------------------------------------- running
@dataclass(frozen=True)
class Check:
    """One expectation of a scenario against the engine's answer."""

    key: str  # the Expect field ("first", "avoid", ...)
    expected: str  # in words, for the review packet
    actual: str
    ok: bool


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    recommendation: Recommendation | None
    checks: tuple[Check, ...]
    error: str | None = None  # why the scenario could not be run on this content

    @property
    def passed(self) -> bool:
        return self.error is None and all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


def option_order(rec: Recommendation) -> dict[str, int]:
    """Regimen → 1-based place in the answer; ties share a place where the engine says so."""
    # Options to avoid have no place (order None): they are not part of the ranking.
    return {o.regimen: o.order for o in rec.options if o.order is not None}


def warning_kinds(rec: Recommendation) -> set[str]:
    return {w.kind for w in rec.warnings} | {w.kind for o in rec.options for w in o.warnings}


def recommend(engine: Engine, scenario: Scenario) -> Recommendation:
    if scenario.step is None:
        return engine.next_options(scenario.case)
    return engine.options_at(scenario.case, scenario.step)


def run_scenario(engine: Engine, scenario: Scenario) -> ScenarioResult:
    content = engine.content
    missing = sorted(
        ({e.regimen for e in scenario.case.history} | scenario.expect.regimens())
        - set(content.regimens)
    )
    if missing:
        return ScenarioResult(
            scenario, None, (), f"the content has no regimen {', '.join(missing)}"
        )
    rec = recommend(engine, scenario)
    return ScenarioResult(scenario, rec, tuple(_checks(scenario.expect, rec, content)))


def run_library(engine: Engine, scenarios: Iterable[Scenario]) -> list[ScenarioResult]:
    return [run_scenario(engine, s) for s in scenarios]


def _checks(e: Expect, rec: Recommendation, content: Content) -> list[Check]:
    tiers: dict[str, str] = {o.regimen: o.tier for o in rec.options}
    order = option_order(rec)
    kinds = warning_kinds(rec)

    def names(ids: Iterable[str]) -> str:
        shown = [content.regimens[r].short if r in content.regimens else r for r in ids]
        return ", ".join(shown) if shown else "none"

    def tier(r: str) -> str:
        return tiers.get(r, "not listed")

    out: list[Check] = []
    if e.first:
        top = [r for r, n in order.items() if n == 1]
        out.append(Check("first", f"first: {names(e.first)}", names(top), set(top) == set(e.first)))
    if e.preferred is not None:
        pref = [r for r, t in tiers.items() if t == "preferred"]
        out.append(
            Check(
                "preferred",
                f"preferred: {names(e.preferred)}",
                names(pref),
                set(pref) == set(e.preferred),
            )
        )
    for r in e.not_preferred:
        ok = tiers.get(r) in ("alternative", "avoid", None)
        out.append(Check("not_preferred", f"{names([r])} not preferred", tier(r), ok))
    for r in e.avoid:
        out.append(Check("avoid", f"{names([r])} avoid", tier(r), tiers.get(r) == "avoid"))
    for r in e.offered:
        ok = tiers.get(r) not in ("avoid", None)
        out.append(Check("offered", f"{names([r])} offered", tier(r), ok))
    for r in e.absent:
        ok = tiers.get(r) in ("avoid", None)
        out.append(Check("absent", f"{names([r])} not offered", tier(r), ok))
    for k in e.warnings:
        out.append(
            Check("warnings", f"warning: {k}", "present" if k in kinds else "absent", k in kinds)
        )
    for k in e.no_warnings:
        out.append(
            Check(
                "no_warnings",
                f"no warning: {k}",
                "present" if k in kinds else "absent",
                k not in kinds,
            )
        )
    if e.line != LINE_NOT_CHECKED:
        want = "early setting" if e.line is None else f"line {e.line}"
        got = "early setting" if rec.line is None else f"line {rec.line}"
        out.append(Check("line", want, got, rec.line == e.line))
    for a, b in e.before:
        ok = a in order and (b not in order or order[a] < order[b])
        got = f"{order.get(a, '-')} vs {order.get(b, '-')}"
        out.append(Check("before", f"{names([a])} before {names([b])}", got, ok))
    return out


def describe_expect(e: Expect, content: Content | None = None) -> list[str]:
    """The expectation in words, one item a line (for the review packet)."""

    def names(ids: Sequence[str]) -> str:
        if content is None:
            return ", ".join(ids)
        return ", ".join(content.regimens[r].short if r in content.regimens else r for r in ids)

    out = []
    if e.first:
        out.append(f"ranked first: {names(e.first)}")
    if e.preferred is not None:
        out.append(f"preferred: {names(e.preferred) or 'none'}")
    for key, label in (
        ("not_preferred", "not preferred"),
        ("avoid", "avoid"),
        ("offered", "offered"),
        ("absent", "not offered"),
    ):
        ids: tuple[str, ...] = getattr(e, key)
        if ids:
            out.append(f"{label}: {names(ids)}")
    if e.warnings:
        out.append(f"warnings: {', '.join(e.warnings)}")
    if e.no_warnings:
        out.append(f"no warnings: {', '.join(e.no_warnings)}")
    if e.line != LINE_NOT_CHECKED:
        out.append("early setting" if e.line is None else f"line {e.line}")
    for a, b in e.before:
        out.append(f"{names([a])} before {names([b])}")
    return out


def describe_answer(rec: Recommendation) -> list[str]:
    """The engine's answer in words: each option with its place and tier."""
    order = option_order(rec)
    return [f"{order.get(o.regimen, '?')}. {o.name} ({o.tier})" for o in rec.options]
