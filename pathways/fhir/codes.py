"""The local code table (resources/fhir/codes.yaml): what each drug, test and answer code means.

No terminology server is available at run time, so every code the importer understands is listed
in that file, with where it was found. Lookups are by (code system, code) only; display text in the
records is never consulted, because real files pair codes with wrong displays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pathways.errors import ContentError

TABLE_SOURCE = "resources/fhir/codes.yaml"
RXNORM_SOURCE = "resources/fhir/rxnorm.yaml"

SystemName = Literal[
    "rxnorm",
    "snomed",
    "loinc",
    "icd10cm",
    "ajcc",
    "ncit",
    "v3-interpretation",
    "v2-0203",
    "mcode-snomed-requested",
]
SupportiveClass = Literal[
    "bone-agent", "antiemetic", "growth-factor", "statin", "ovarian-suppression"
]
ConceptGroup = Literal[
    "her2-test",
    "her2-numeric-test",
    "er-test",
    "pr-test",
    "hormone-receptor-test",
    "answer-positive",
    "answer-negative",
    "disease-status-test",
    "trend-worsening",
    "trend-stable",
    "trend-improved",
    "trend-remission",
    "trend-undetermined",
    "metastasis-present",
    "treatment-status-test",
    "treatment-changed",
    "history-of-metastasis",
    "stage-group-test",
    "distant-metastasis-test",
    "m1",
    "m0",
    "stage-4",
    "stage-early",
    "primary-breast-cancer",
    "secondary-brain",
    "secondary-distant",
    "secondary-regional",
    "body-site-brain",
    "ild",
    "intent-curative",
    "intent-palliative",
    "intent-supportive",
    "stop-no-response",
    "stop-not-tolerated",
    "stop-other",
    "identifier-record-number",
]
AgentId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
CodeText = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^\S+$")]

_STRICT = ConfigDict(frozen=True, extra="forbid")
_Model = TypeVar("_Model", bound=BaseModel)


class MedicationCode(BaseModel):
    model_config = _STRICT

    system: SystemName
    code: CodeText
    level: Literal["IN", "PIN", "MIN", "SCD", "SCDF", "SBD", "SBDF", "BN"] | None = None
    agents: tuple[AgentId, ...] = ()
    supportive: SupportiveClass | None = None
    note: str | None = None
    source: Annotated[str, Field(min_length=1)]
    unconfirmed: bool = False

    @model_validator(mode="after")
    def _one_role(self) -> MedicationCode:
        if bool(self.agents) == (self.supportive is not None):
            raise ValueError("give either agents or supportive (exactly one)")
        return self


class Concept(BaseModel):
    model_config = _STRICT

    system: SystemName
    code: CodeText
    match: Literal["exact", "prefix"] = "exact"
    note: str | None = None
    source: Annotated[str, Field(min_length=1)]
    unconfirmed: bool = False


class CodeTableFile(BaseModel):
    model_config = _STRICT

    format: Literal["her2-pathway-fhir-codes"]
    version: Literal[1]
    systems: dict[SystemName, tuple[Annotated[str, Field(min_length=1)], ...]]
    medications: tuple[MedicationCode, ...] = Field(min_length=1)
    concepts: dict[ConceptGroup, tuple[Concept, ...]]

    @model_validator(mode="after")
    def _consistent(self) -> CodeTableFile:
        used = {m.system for m in self.medications} | {
            c.system for group in self.concepts.values() for c in group
        }
        missing = sorted(used - set(self.systems))
        if missing:
            raise ValueError(f"code systems used but not given a URI: {', '.join(missing)}")
        seen: set[tuple[str, str]] = set()
        for med in self.medications:
            key = (med.system, med.code)
            if key in seen:
                raise ValueError(f"medication code {med.system}|{med.code} is listed twice")
            seen.add(key)
        return self


class RxNormEntry(BaseModel):
    """One concept of the generated RxNorm table: its code and every content agent it holds."""

    model_config = _STRICT

    code: CodeText
    agents: tuple[AgentId, ...] = Field(min_length=1)
    note: str | None = None


class RxNormSource(BaseModel):
    """Where the generated table's codes were copied from (kept with the data: licence)."""

    model_config = _STRICT

    repository: Annotated[str, Field(min_length=1)]
    commit: Annotated[str, Field(pattern=r"^[0-9a-f]{40}$")]
    path: Annotated[str, Field(min_length=1)]
    author: Annotated[str, Field(min_length=1)]
    licence: Annotated[str, Field(min_length=1)]


class RxNormFile(BaseModel):
    model_config = _STRICT

    format: Literal["her2-pathway-fhir-rxnorm"]
    version: Literal[1]
    source: RxNormSource
    medications: tuple[RxNormEntry, ...] = Field(min_length=1)


Coded = tuple[str, str]
"""(system name from the table, code), or (raw system URI, code) for systems the table lacks."""


def normalise_system(uri: str) -> str:
    # Real files differ in case and trailing slashes; the URIs themselves are never ambiguous.
    return uri.strip().rstrip("/").lower()


@dataclass(frozen=True)
class CodeTable:
    """The loaded table, indexed for lookups by (system name, code)."""

    medications: dict[Coded, MedicationCode]
    groups: dict[Coded, frozenset[ConceptGroup]]
    prefixes: tuple[tuple[str, str, ConceptGroup, bool], ...]
    unconfirmed: frozenset[Coded]
    system_names: dict[str, SystemName] = field(repr=False)
    # Memo of groups_of(): a large export repeats the same few hundred codes thousands of times.
    _memo: dict[Coded, frozenset[ConceptGroup]] = field(default_factory=dict, repr=False)

    def coded(self, system: str, code: str) -> Coded:
        """(system name, code) when the table knows the system, else (the raw URI, code)."""
        name = self.system_names.get(normalise_system(system))
        return (name if name is not None else system.strip(), code.strip())

    def groups_of(self, coded: Coded) -> frozenset[ConceptGroup]:
        known = self._memo.get(coded)
        if known is not None:
            return known
        exact = self.groups.get(coded, frozenset())
        from_prefix = {
            group
            for system, prefix, group, _ in self.prefixes
            if coded[0] == system and coded[1].startswith(prefix)
        }
        result = exact | from_prefix if from_prefix else exact
        self._memo[coded] = result
        return result

    def groups_of_all(self, codes: Iterable[Coded]) -> frozenset[ConceptGroup]:
        out: frozenset[ConceptGroup] = frozenset()
        for coded in codes:
            out |= self.groups_of(coded)
        return out

    def is_a(self, coded: Coded, group: ConceptGroup) -> bool:
        return group in self.groups_of(coded)

    def any_is_a(self, codes: Iterable[Coded], group: ConceptGroup) -> bool:
        return any(self.is_a(c, group) for c in codes)

    def is_unconfirmed(self, coded: Coded) -> bool:
        if coded in self.unconfirmed:
            return True
        return any(
            unconfirmed and coded[0] == system and coded[1].startswith(prefix)
            for system, prefix, _, unconfirmed in self.prefixes
        )


def show(coded: Coded) -> str:
    """How a code appears in the report: "snomed|10828004"."""
    return f"{coded[0]}|{coded[1]}"


def _place(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _validated(model: type[_Model], raw: Any, source: str) -> _Model:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ContentError(source, _place(tuple(err["loc"])), err["msg"][:200]) from None


def parse_rxnorm_table(raw: Any, source: str = RXNORM_SOURCE) -> tuple[MedicationCode, ...]:
    """The generated RxNorm table's entries, as medication codes naming their source."""
    table = _validated(RxNormFile, raw, source)
    where = f"rxnorm-list:{table.source.repository}@{table.source.commit[:8]}"
    return tuple(
        MedicationCode(system="rxnorm", code=e.code, agents=e.agents, note=e.note, source=where)
        for e in table.medications
    )


def parse_code_table(
    raw: Any,
    source: str = TABLE_SOURCE,
    rxnorm: tuple[MedicationCode, ...] = (),
    rxnorm_source: str = RXNORM_SOURCE,
) -> CodeTable:
    """The code table from codes.yaml plus the generated RxNorm entries (a code in one only)."""
    table = _validated(CodeTableFile, raw, source)
    system_names: dict[str, SystemName] = {}
    for name, uris in table.systems.items():
        for uri in uris:
            system_names[normalise_system(uri)] = name
    groups: dict[Coded, set[ConceptGroup]] = {}
    prefixes: list[tuple[str, str, ConceptGroup, bool]] = []
    unconfirmed: set[Coded] = set()
    for group, concepts in table.concepts.items():
        for concept in concepts:
            key = (concept.system, concept.code)
            if concept.match == "prefix":
                prefixes.append((concept.system, concept.code, group, concept.unconfirmed))
                continue
            groups.setdefault(key, set()).add(group)
            if concept.unconfirmed:
                unconfirmed.add(key)
    _check_no_contradictions(groups, source)
    medications: dict[Coded, MedicationCode] = {(m.system, m.code): m for m in table.medications}
    for index, med in enumerate(rxnorm):
        key = (med.system, med.code)
        if key in medications:
            raise ContentError(
                rxnorm_source,
                f"medications[{index}]",
                f"{show(key)} is also listed in {source}; keep it in one file",
            )
        medications[key] = med
    unconfirmed.update(key for key, med in medications.items() if med.unconfirmed)
    return CodeTable(
        medications=medications,
        groups={key: frozenset(value) for key, value in groups.items()},
        prefixes=tuple(prefixes),
        unconfirmed=frozenset(unconfirmed),
        system_names=system_names,
    )


# A code in two of these groups would make the importer contradict itself.
_EXCLUSIVE: tuple[tuple[ConceptGroup, ...], ...] = (
    ("answer-positive", "answer-negative"),
    ("trend-worsening", "trend-stable", "trend-improved", "trend-remission", "trend-undetermined"),
    ("m0", "m1"),
    ("stage-4", "stage-early"),
    ("stop-no-response", "stop-not-tolerated", "stop-other"),
    ("intent-curative", "intent-palliative", "intent-supportive"),
)


def _check_no_contradictions(groups: dict[Coded, set[ConceptGroup]], source: str) -> None:
    for key, names in groups.items():
        for exclusive in _EXCLUSIVE:
            clash = sorted(names.intersection(exclusive))
            if len(clash) > 1:
                raise ContentError(
                    source, f"concepts ({show(key)})", f"listed in both {clash[0]} and {clash[1]}"
                )


def _read_yaml(name: str, source: str) -> Any:
    path = resources.files("resources") / "fhir" / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContentError(source, "", f"cannot read ({exc.strerror})") from None
    try:
        # The C loader, where PyYAML has it, reads the table several times faster.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}" if mark is not None else ""
        raise ContentError(source, place, "not valid YAML") from None


@lru_cache(maxsize=1)
def load_code_table() -> CodeTable:
    """The tables shipped with the app (read once per process)."""
    rxnorm = parse_rxnorm_table(_read_yaml("rxnorm.yaml", RXNORM_SOURCE))
    return parse_code_table(_read_yaml("codes.yaml", TABLE_SOURCE), rxnorm=rxnorm)
