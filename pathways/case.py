"""A patient's case: factors plus an ordered treatment history, and its JSON file format.

The file format (``"format": "her2-pathway-case", "version": 1``) is documented in the README and
read by other tools, so it stays stable: new optional keys only, never renamed ones.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Final, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pathways.errors import CaseError
from pathways.vocab import BrainMetastases as BrainMetastases
from pathways.vocab import HormoneReceptor as HormoneReceptor
from pathways.vocab import Outcome as Outcome
from pathways.vocab import Setting as Setting
from pathways.vocab import ToxicityDetail as ToxicityDetail

CASE_FORMAT: Final = "her2-pathway-case"
CASE_VERSION: Final = 1
# A case file is a few kilobytes; anything far larger is not a case file and is refused before
# parsing so that a hostile file cannot exhaust memory.
MAX_CASE_BYTES = 2_000_000


_MODEL = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Factors(BaseModel):
    """Patient factors that change the ranking. All optional; defaults as in the file format."""

    model_config = _MODEL

    hormone_receptor: HormoneReceptor = "unknown"
    brain_metastases: BrainMetastases = "none"
    ild_history: bool = False
    tdxd_available: bool = True
    lvef: Annotated[float, Field(ge=5, le=90, allow_inf_nan=False)] | None = None
    heart_failure: bool = False
    pregnant: bool = False
    taxane_contraindicated: bool = False
    chemotherapy_unsuitable: bool = False
    residual_high_risk: bool = False


class Patient(BaseModel):
    """Identifiers. Shown only where asked (presentation mode hides them); never logged."""

    model_config = _MODEL

    name: Annotated[str, Field(max_length=200)] | None = None
    record_number: Annotated[str, Field(max_length=100)] | None = None
    birth_date: date | None = None
    age: Annotated[int, Field(ge=0, le=120)] | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.record_number or self.birth_date or self.age is not None)


class TreatmentLine(BaseModel):
    """One line of therapy as given (or, with ``hypothetical``, as explored in a what-if)."""

    model_config = _MODEL

    regimen: Annotated[str, Field(min_length=1, max_length=200)]
    setting: Setting
    start: date | None = None
    end: date | None = None
    outcome: Outcome
    toxicity_detail: ToxicityDetail | None = None
    note: Annotated[str, Field(max_length=2000)] | None = None
    # Resumes the line above after an interruption (e.g. T-DXd after grade 1 ILD resolved):
    # the same line of therapy continues, no new line starts.
    resumed: bool = False
    # Not part of the file format: set only on what-if lines inside the app, never saved.
    hypothetical: bool = Field(default=False, exclude=True)


class Case(BaseModel):
    model_config = _MODEL

    format: Literal["her2-pathway-case"] = CASE_FORMAT
    version: Literal[1] = CASE_VERSION
    label: Annotated[str, Field(min_length=1, max_length=200)] = "Untitled case"
    factors: Factors = Factors()
    metastatic_diagnosis: date | None = None
    history: tuple[TreatmentLine, ...] = ()
    patient: Patient | None = None

    @field_validator("history", mode="before")
    @classmethod
    def _history_is_list(cls, value: Any) -> Any:
        if isinstance(value, list):
            return tuple(value)
        return value

    def cut(self, k: int) -> Case:
        """The case as it stood before line ``k`` (0 = before any line)."""
        k = max(0, min(k, len(self.history)))
        return self.model_copy(update={"history": self.history[:k]})

    @property
    def metastatic_lines(self) -> tuple[TreatmentLine, ...]:
        return tuple(line for line in self.history if line.setting is Setting.METASTATIC)

    @property
    def real_history(self) -> tuple[TreatmentLine, ...]:
        return tuple(line for line in self.history if not line.hypothetical)


class RegimenCatalogue(Protocol):
    """What the case loader needs from the content: alias resolution and each regimen's setting."""

    def resolve_regimen(self, name: str) -> str | None: ...

    def regimen_setting(self, regimen_id: str) -> str: ...


def _place(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_case(
    text: str | bytes, source: str = "<case>", catalogue: RegimenCatalogue | None = None
) -> Case:
    """Parse and check a case file's text. Raises :class:`CaseError` naming the place."""
    if len(text) > MAX_CASE_BYTES:
        raise CaseError(source, "", f"file is too large for a case file ({len(text):,} bytes)")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CaseError(source, f"byte {exc.start}", "not UTF-8 text") from None
    try:
        raw = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise CaseError(
            source, f"line {exc.lineno}, column {exc.colno}", f"not valid JSON ({exc.msg})"
        ) from None
    except RecursionError:
        raise CaseError(source, "", "JSON is nested too deeply to be a case file") from None
    except ValueError as exc:
        raise CaseError(source, "", str(exc)) from None
    return case_from_dict(raw, source, catalogue)


def _reject_constant(name: str) -> float:
    raise ValueError(f"not valid JSON ({name} is not a JSON number)")


def case_from_dict(raw: Any, source: str, catalogue: RegimenCatalogue | None = None) -> Case:
    if not isinstance(raw, dict):
        raise CaseError(source, "(top level)", "expected a JSON object")
    if raw.get("format") != CASE_FORMAT:
        raise CaseError(
            source, "format", f'expected "{CASE_FORMAT}", found {json.dumps(raw.get("format"))}'
        )
    if raw.get("version") != CASE_VERSION:
        raise CaseError(
            source,
            "version",
            f"this app reads case format version {CASE_VERSION}, "
            f"found {json.dumps(raw.get('version'))}",
        )
    if catalogue is not None and isinstance(raw.get("history"), list):
        raw = dict(raw)
        raw["history"] = [
            _resolve_entry(e, i, source, catalogue) for i, e in enumerate(raw["history"])
        ]
    try:
        case = Case.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        value = err.get("input")
        shown = (
            "" if isinstance(value, dict | list) else f" (found {json.dumps(value, default=str)})"
        )
        raise CaseError(source, _place(tuple(err["loc"])), f"{err['msg']}{shown}") from None
    check_history(case, source, catalogue)
    return case


def _resolve_entry(entry: Any, index: int, source: str, catalogue: RegimenCatalogue) -> Any:
    if not isinstance(entry, dict) or not isinstance(entry.get("regimen"), str):
        return entry
    resolved = catalogue.resolve_regimen(entry["regimen"])
    if resolved is None:
        raise CaseError(
            source,
            f"history[{index}].regimen",
            f"unknown regimen {json.dumps(entry['regimen'])} (not an id or alias in the content)",
        )
    return {**entry, "regimen": resolved}


def check_history(case: Case, source: str, catalogue: RegimenCatalogue | None = None) -> None:
    """Reject histories that cannot have happened."""
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


def load_case(path: Path, catalogue: RegimenCatalogue | None = None) -> Case:
    try:
        size = path.stat().st_size
        if size > MAX_CASE_BYTES:
            raise CaseError(str(path), "", f"file is too large for a case file ({size:,} bytes)")
        data = path.read_bytes()
    except FileNotFoundError:
        raise CaseError(str(path), "", "file not found") from None
    except IsADirectoryError:
        raise CaseError(str(path), "", "is a folder, not a case file") from None
    except OSError as exc:
        raise CaseError(str(path), "", f"cannot read ({exc.strerror})") from None
    return parse_case(data, str(path), catalogue)


def case_to_dict(case: Case) -> dict[str, Any]:
    """The file-format dict: defaults written out for factors, hypothetical lines left out."""
    data = case.model_dump(mode="json", exclude_none=True)
    data["history"] = [_line_to_dict(line) for line in case.history if not line.hypothetical]
    if case.patient is None or case.patient.is_empty:
        data.pop("patient", None)
    return data


def _line_to_dict(line: TreatmentLine) -> dict[str, Any]:
    out = line.model_dump(mode="json", exclude_none=True)
    if not line.resumed:
        del out["resumed"]  # optional key: files without it stay as they were
    return out


def dump_case(case: Case) -> str:
    return json.dumps(case_to_dict(case), indent=2, ensure_ascii=False) + "\n"


def save_case(case: Case, path: Path) -> None:
    """Write atomically: a crash mid-write leaves the old file intact, never a truncated one."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(dump_case(case), encoding="utf-8")
    tmp.replace(path)


LineFactory = Callable[..., TreatmentLine]
