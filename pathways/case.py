"""A patient's case: factors plus an ordered treatment history, and its JSON file format.

The file format (``"format": "her2-pathway-case", "version": 1``) is documented in the README and
read by other tools, so it stays stable: new optional keys only, never renamed ones.

The records are plain frozen dataclasses (:mod:`pathways.records`): pydantic checks a file the
first time its exact bytes are seen; :func:`load_case` then remembers the file's digest (never its
text: see :mod:`pathways.known_valid`) and builds the same bytes again without importing pydantic.
The checks that are not pydantic's (the history against the content, dates, the content size) run
at every load.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Final, Literal, Protocol

from pathways import records, safe_write, strict_json
from pathways.errors import AmbiguousRegimenError, CaseError, shown
from pathways.known_valid import KnownValid
from pathways.records import Limits, Record, record
from pathways.vocab import BrainMetastases as BrainMetastases
from pathways.vocab import HormoneReceptor as HormoneReceptor
from pathways.vocab import Outcome as Outcome
from pathways.vocab import Setting as Setting
from pathways.vocab import ToxicityDetail as ToxicityDetail

if TYPE_CHECKING:  # pathways.names reads the content's schema: not needed to read a case
    from pathways.names import Resolution

CASE_FORMAT: Final = "her2-pathway-case"
CASE_VERSION: Final = 1
# Limits on content, not formatting. A case holds at most MAX_HISTORY_LINES lines, and its saved
# form (``dump_case``) at most MAX_CASE_CONTENT_BYTES: checked on every load and save, so a case
# that opens always saves into a file that opens. The file itself may be up to MAX_CASE_BYTES
# (other tools may indent more or escape every character); anything larger is refused before
# it is read, so a hostile file cannot exhaust memory. The largest valid case (200 lines, every
# note 2,000 escaped control characters) saves to about 2.5 MB.
MAX_HISTORY_LINES = 200
MAX_CASE_CONTENT_BYTES = 3_000_000
MAX_CASE_BYTES = 6_000_000
EARLIEST_DATE = date(1900, 1, 1)


_CONFIG: Final[dict[str, Any]] = {"extra": "forbid", "str_strip_whitespace": True}


@record
class Factors(Record):
    """Patient factors that change the ranking. All optional; defaults as in the file format."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _CONFIG

    hormone_receptor: HormoneReceptor = "unknown"
    brain_metastases: BrainMetastases = "none"
    ild_history: bool = False
    tdxd_available: bool = True
    lvef: Annotated[float, Limits(ge=5, le=90, allow_inf_nan=False)] | None = None
    heart_failure: bool = False
    pregnant: bool = False
    taxane_contraindicated: bool = False
    chemotherapy_unsuitable: bool = False
    residual_high_risk: bool = False


@record
class Patient(Record):
    """Identifiers. Shown only where asked (presentation mode hides them); never logged."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _CONFIG

    name: Annotated[str, Limits(max_length=200)] | None = None
    record_number: Annotated[str, Limits(max_length=100)] | None = None
    birth_date: date | None = None
    age: Annotated[int, Limits(ge=0, le=120)] | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.record_number or self.birth_date or self.age is not None)


@record
class TreatmentLine(Record):
    """One line of therapy as given (or, with ``hypothetical``, as explored in a what-if)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _CONFIG

    regimen: Annotated[str, Limits(min_length=1, max_length=200)]
    setting: Setting
    start: date | None = None
    end: date | None = None
    outcome: Outcome
    toxicity_detail: ToxicityDetail | None = None
    note: Annotated[str, Limits(max_length=2000)] | None = None
    # Resumes the line above after an interruption (e.g. T-DXd after grade 1 ILD resolved):
    # the same line of therapy continues, no new line starts.
    resumed: bool = False
    # Not part of the file format: set only on what-if lines inside the app, never saved.
    hypothetical: bool = field(default=False, metadata={"exclude": True})


@record
class Case(Record):
    __pydantic_config__: ClassVar[dict[str, Any]] = _CONFIG

    format: Literal["her2-pathway-case"] = CASE_FORMAT
    version: Literal[1] = CASE_VERSION
    label: Annotated[str, Limits(min_length=1, max_length=200)] = "Untitled case"
    factors: Factors = Factors()
    metastatic_diagnosis: date | None = None
    history: tuple[TreatmentLine, ...] = ()
    patient: Patient | None = None

    def cut(self, k: int) -> Case:
        """The case as it stood before line ``k`` (0 = before any line)."""
        k = max(0, min(k, len(self.history)))
        return dataclasses.replace(self, history=self.history[:k])

    @property
    def metastatic_lines(self) -> tuple[TreatmentLine, ...]:
        return tuple(line for line in self.history if line.setting is Setting.METASTATIC)

    @property
    def real_history(self) -> tuple[TreatmentLine, ...]:
        return tuple(line for line in self.history if not line.hypothetical)


class RegimenCatalogue(Protocol):
    """What the case loader needs from the content: alias resolution and each regimen's setting."""

    def resolve_regimen(self, name: str) -> str | None: ...

    def resolve(self, name: str, setting: str | None = None) -> Resolution: ...

    def regimen_setting(self, regimen_id: str) -> str: ...


def _place(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_case(
    text: str | bytes,
    source: str = "<case>",
    catalogue: RegimenCatalogue | None = None,
    choices: Mapping[int, str] | None = None,
) -> Case:
    """Parse and check a case file's text. Raises :class:`CaseError` naming the place."""
    return case_from_dict(_parse_json(text, source), source, catalogue, choices)


def _parse_json(text: str | bytes, source: str) -> Any:
    """A case file's text as JSON data (refused over :data:`MAX_CASE_BYTES`)."""
    if len(text) > MAX_CASE_BYTES:
        raise CaseError(
            source,
            "",
            f"file is too large for a case file ({len(text):,} bytes; "
            f"the limit is {MAX_CASE_BYTES:,})",
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CaseError(source, f"byte {exc.start}", "not UTF-8 text") from None
    try:
        raw = strict_json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseError(
            source, f"line {exc.lineno}, column {exc.colno}", f"not valid JSON ({exc.msg})"
        ) from None
    except strict_json.DuplicateKeyError as exc:
        # Only a case-file key is named: any other key may be an identifier.
        known = exc.key in _ALL_KEYS
        what = f'the key "{exc.key}" appears twice' if known else "a key appears twice"
        raise CaseError(source, "", f"{what} in one object (which one counts is unclear)") from None
    except RecursionError:
        raise CaseError(source, "", "JSON is nested too deeply to be a case file") from None
    except ValueError as exc:
        raise CaseError(source, "", f"not valid JSON ({exc})") from None
    return raw


_ALL_KEYS = frozenset(
    key for model in (Case, Factors, TreatmentLine, Patient) for key in strict_json.file_keys(model)
)
# Values never quoted in an error: identifiers, and free text that may name people.
_UNQUOTED = frozenset({"patient", "note", "label"})


def case_from_dict(
    raw: Any,
    source: str,
    catalogue: RegimenCatalogue | None = None,
    choices: Mapping[int, str] | None = None,
) -> Case:
    """Check parsed JSON strictly and build the case; stops at the first problem."""
    if not isinstance(raw, dict):
        raise CaseError(source, "(top level)", "expected a JSON object")
    fmt = raw.get("format")
    if type(fmt) is not str or fmt != CASE_FORMAT:
        raise CaseError(source, "format", f'expected "{CASE_FORMAT}", found {shown(fmt)}')
    version = raw.get("version")
    if type(version) is not int or version != CASE_VERSION:  # `true == 1` in Python
        raise CaseError(
            source,
            "version",
            f"this app reads case format version {CASE_VERSION}, found {shown(version)}",
        )
    try:
        strict_json.check_shape(
            raw,
            Case,
            caps={"history": (MAX_HISTORY_LINES, "lines of therapy")},
            hidden=frozenset({"patient"}),
        )
    except strict_json.ShapeError as exc:
        raise CaseError(source, exc.place, exc.problem) from None
    raw = _resolved(raw, source, catalogue, choices)
    try:
        case = records.validate(Case, raw)
    except records.RecordError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        value = err.get("input")
        quiet = (
            isinstance(value, dict | list)
            or err["type"] == "extra_forbidden"
            or any(part in _UNQUOTED for part in loc)
        )
        found = "" if quiet else f" (found {shown(value)})"
        raise CaseError(source, _place(loc), f"{err['msg']}{found}") from None
    return _checked(case, source, catalogue)


def _resolved(
    raw: dict[str, Any],
    source: str,
    catalogue: RegimenCatalogue | None,
    choices: Mapping[int, str] | None,
) -> dict[str, Any]:
    """``raw`` with the history's regimen names as the content's ids."""
    if catalogue is None or not isinstance(raw.get("history"), list):
        return raw
    out = dict(raw)
    out["history"] = [
        _resolve_entry(e, i, source, catalogue, choices or {}) for i, e in enumerate(raw["history"])
    ]
    return out


def _checked(case: Case, source: str, catalogue: RegimenCatalogue | None) -> Case:
    """The checks beyond the file's shape, made at every load (they depend on the content and
    on today's date, not only on the file's bytes)."""
    check_history(case, source, catalogue)
    _check_content_size(case, source)
    return case


def _check_content_size(case: Case, source: str) -> bytes:
    """The case's saved form, refused over the content limit or if it cannot be encoded."""
    try:
        data = dump_case(case).encode("utf-8")
    except UnicodeEncodeError:
        raise CaseError(source, "", "contains text that is not valid Unicode") from None
    if len(data) > MAX_CASE_CONTENT_BYTES:
        raise CaseError(
            source,
            "",
            f"the case holds too much text ({len(data):,} bytes saved; "
            f"the limit is {MAX_CASE_CONTENT_BYTES:,})",
        )
    return data


def _resolve_entry(
    entry: Any,
    index: int,
    source: str,
    catalogue: RegimenCatalogue,
    choices: Mapping[int, str],
) -> Any:
    if not isinstance(entry, dict) or not isinstance(entry.get("regimen"), str):
        return entry
    setting = entry.get("setting") if isinstance(entry.get("setting"), str) else None
    found = catalogue.resolve(entry["regimen"], setting)
    if found.regimen is not None:
        return {**entry, "regimen": found.regimen}
    if found.ambiguous and choices.get(index) in found.candidates:
        return {**entry, "regimen": choices[index]}
    place = f"history[{index}].regimen"
    if (
        found.candidates
        and setting is not None
        and all(
            catalogue.regimen_setting(c) != ("metastatic" if setting == "metastatic" else "early")
            for c in found.candidates
        )
    ):
        raise CaseError(
            source,
            place,
            f"{shown(entry['regimen'])} is an "
            f"{catalogue.regimen_setting(found.candidates[0])}-setting regimen, not {setting}",
        )
    if found.candidates:
        raise AmbiguousRegimenError(
            index,
            found.candidates,
            source,
            place,
            f"{shown(entry['regimen'])} is ambiguous in the {setting or 'any'} setting: "
            f"write one of {', '.join(found.candidates)}",
        )
    unknown = f"unknown regimen {shown(entry['regimen'])} (not an id or alias in the content)"
    raise CaseError(source, place, unknown)


def check_history(case: Case, source: str, catalogue: RegimenCatalogue | None = None) -> None:
    """Reject histories that cannot have happened."""
    if len(case.history) > MAX_HISTORY_LINES:
        raise CaseError(
            source,
            "history",
            f"has {len(case.history):,} lines of therapy; the limit is {MAX_HISTORY_LINES}",
        )
    _check_dates(case, source)
    seen_metastatic = False
    previous_start: date | None = None
    for i, line in enumerate(case.history):
        place = f"history[{i}]"
        if line.start and line.end and line.end < line.start:
            raise CaseError(
                source, f"{place}.end", f"ends ({line.end}) before it starts ({line.start})"
            )
        if line.start and previous_start and line.start < previous_start:
            raise CaseError(
                source, f"{place}.start", f"starts ({line.start}) before the line above it"
            )
        previous_start = line.start or previous_start
        if line.setting.is_early and seen_metastatic:
            raise CaseError(
                source, f"{place}.setting", "an early-setting line after metastatic lines"
            )
        seen_metastatic = seen_metastatic or not line.setting.is_early
        if line.outcome is Outcome.ONGOING and i != len(case.history) - 1:
            raise CaseError(
                source, f"{place}.outcome", '"ongoing" is only possible on the last line'
            )
        if line.toxicity_detail is not None and line.outcome is not Outcome.TOXICITY:
            raise CaseError(
                source, f"{place}.toxicity_detail", 'only allowed with outcome "toxicity"'
            )
        if line.resumed:
            before = case.history[i - 1] if i else None
            if (
                before is None
                or before.regimen != line.regimen
                or before.outcome is not Outcome.TOXICITY
            ):
                raise CaseError(
                    source,
                    f"{place}.resumed",
                    "only a line that resumes the same regimen after a toxicity pause can be "
                    '"resumed"',
                )
        early_only = (Outcome.RESIDUAL_DISEASE, Outcome.PATHOLOGIC_COMPLETE_RESPONSE)
        if line.outcome in early_only and line.setting is not Setting.NEOADJUVANT:
            raise CaseError(
                source, f"{place}.outcome", f'"{line.outcome}" only follows neoadjuvant therapy'
            )
        if catalogue is not None:
            expected = catalogue.regimen_setting(line.regimen)
            actual = "early" if line.setting.is_early else "metastatic"
            if expected != actual:
                raise CaseError(
                    source,
                    f"{place}.setting",
                    f'regimen "{line.regimen}" is a {expected}-setting regimen, '
                    f"not {line.setting.value}",
                )
    if case.metastatic_diagnosis and case.metastatic_lines:
        first = case.metastatic_lines[0]
        if first.start and first.start < case.metastatic_diagnosis:
            raise CaseError(
                source, "metastatic_diagnosis", "is after the start of the first metastatic line"
            )
    if case.factors.lvef is not None and not math.isfinite(case.factors.lvef):
        raise CaseError(source, "factors.lvef", "must be a number")


def _check_dates(case: Case, source: str) -> None:
    today = date.today()
    if case.patient is not None and case.patient.birth_date is not None:
        born = case.patient.birth_date
        # No value quoted: a birth date is an identifier.
        if born > today:
            raise CaseError(source, "patient.birth_date", "is in the future")
        if born < EARLIEST_DATE:
            raise CaseError(source, "patient.birth_date", f"is before {EARLIEST_DATE.year}")
    dated: list[tuple[str, date | None]] = [("metastatic_diagnosis", case.metastatic_diagnosis)]
    for i, line in enumerate(case.history):
        dated += [(f"history[{i}].start", line.start), (f"history[{i}].end", line.end)]
    for place, when in dated:
        if when is not None and when < EARLIEST_DATE:
            raise CaseError(source, place, f"is before {EARLIEST_DATE.year} (found {when})")


def load_case(
    path: Path,
    catalogue: RegimenCatalogue | None = None,
    choices: Mapping[int, str] | None = None,
) -> Case:
    """Read and check a case file: a regular file of at most ``MAX_CASE_BYTES``.

    ``choices`` settles names that could mean several regimens (history index -> regimen id),
    as picked by the user after an :class:`AmbiguousRegimenError`.

    A file whose very bytes (with the same regimen ids and the same code) passed pydantic
    before is built without it (:data:`KNOWN_CASES`); the other checks still run."""
    data = safe_write.read_bounded(path, MAX_CASE_BYTES, "a case file", CaseError)
    source = str(path)
    raw = _parse_json(data, source)
    digest = _known_digest(data, raw, source, catalogue, choices)
    if digest is not None and digest in KNOWN_CASES:
        known = _rebuilt(_resolved(raw, source, catalogue, choices))
        if known is not None:  # (None: a list of digests that lies; validate as usual)
            return _checked(known, source, catalogue)
    case = case_from_dict(raw, source, catalogue, choices)
    if digest is not None and _rebuilds(_resolved(raw, source, catalogue, choices), case):
        KNOWN_CASES.add(digest)
    return case


# What decides whether a case file's bytes are valid: the records, the strict JSON walk, the
# vocabulary (the enums' values) and this module. The content only resolves regimen names,
# and the resolved ids are part of each digest (:func:`_known_digest`).
CASE_CODE: Final = ("case.py", "records.py", "frozen.py", "strict_json.py", "vocab.py")
KNOWN_CASES = KnownValid("cases", CASE_CODE)


def _known_digest(
    data: bytes,
    raw: Any,
    source: str,
    catalogue: RegimenCatalogue | None,
    choices: Mapping[int, str] | None,
) -> str | None:
    """The digest under which the file is known valid: its bytes and, with a catalogue, the
    regimen ids its names resolve to (other content may resolve them otherwise). None when
    it cannot be valid (not an object, a name that does not resolve): the full checks then
    say why, in their order."""
    if not isinstance(raw, dict):
        return None
    history = raw.get("history", [])
    # Names are resolved here before the shape is checked: only as many as a case may hold,
    # and only text a file may hold.
    if not isinstance(history, list) or len(history) > MAX_HISTORY_LINES:
        return None
    names = [e.get("regimen") if isinstance(e, dict) else None for e in history]
    if not all(isinstance(n, str) and strict_json.valid_unicode(n) for n in names):
        return None
    try:
        resolved = _resolved(raw, source, catalogue, choices)
    except CaseError:
        return None
    ids = [e["regimen"] for e in resolved.get("history", [])] if catalogue is not None else None
    key = json.dumps(ids).encode()
    return KNOWN_CASES.digest(key + b"\0" + data)


def _rebuilt(valid: dict[str, Any]) -> Case | None:
    """The case :func:`records.from_valid_data` makes of ``valid``, or None for data it
    cannot convert."""
    try:
        rebuilt: Case = records.from_valid_data(Case, valid)
    except (TypeError, ValueError, KeyError, AttributeError, StopIteration):
        return None
    return rebuilt


def _rebuilds(valid: dict[str, Any], case: Case) -> bool:
    """Whether :func:`records.from_valid_data` makes exactly ``case`` of the data pydantic
    accepted (the same values of the same types: ``repr`` tells 1 from 1.0 and True): only
    then may the same bytes skip pydantic next time."""
    rebuilt = _rebuilt(valid)
    return rebuilt is not None and rebuilt == case and repr(rebuilt) == repr(case)


def case_to_dict(case: Case) -> dict[str, Any]:
    """The file-format dict: defaults written out for factors, hypothetical lines left out."""
    data: dict[str, Any] = records.to_data(case, exclude_none=True)
    data["history"] = [_line_to_dict(line) for line in case.history if not line.hypothetical]
    if case.patient is None or case.patient.is_empty:
        data.pop("patient", None)
    return data


def _line_to_dict(line: TreatmentLine) -> dict[str, Any]:
    out: dict[str, Any] = records.to_data(line, exclude_none=True)
    if not line.resumed:
        del out["resumed"]  # optional key: files without it stay as they were
    return out


def revalidated(case: Case, source: str, catalogue: RegimenCatalogue | None = None) -> Case:
    """The case as it would read back from its file: a case built by another route (a FHIR
    import) must pass the same checks as one opened from disk, or it would save into a file
    that then refuses to open. Raises :class:`CaseError`."""
    return parse_case(dump_case(case), source, catalogue)


def dump_case(case: Case) -> str:
    """The file's text: indented JSON, UTF-8 (the content limit counts this very text)."""
    return json.dumps(case_to_dict(case), indent=2, ensure_ascii=False) + "\n"


def save_case(case: Case, path: Path, inputs: Iterable[Path] = ()) -> None:
    """Write whole or not at all (see :mod:`pathways.safe_write`); raises :class:`PathwayError`.

    A case over the content limit is refused before anything is written (it could not be
    opened again); the file on disk then stays as it was.
    """
    data = _check_content_size(case, str(path))
    safe_write.write_bytes(path, data, inputs)


LineFactory = Callable[..., TreatmentLine]
