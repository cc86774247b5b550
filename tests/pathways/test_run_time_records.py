"""pathways.records: what a record does without pydantic, and what validation adds."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import field
from datetime import date
from typing import Annotated, Any, ClassVar

import pytest

from pathways.records import (
    Limits,
    Record,
    RecordError,
    from_valid_data,
    record,
    to_data,
    validate,
)
from pathways.vocab import Outcome

Code = Annotated[str, Limits(pattern=r"^[a-z]+$", max_length=8)]


@record
class Dose(Record):
    drug: Code
    mg: Annotated[float, Limits(gt=0, le=1000)] | None = None
    days: tuple[int, ...] = ()


@record
class Course(Record):
    from_: Annotated[tuple[Code, ...], Limits(min_length=1)]
    doses: tuple[Dose, ...] = ()
    start: date | None = None
    outcome: Outcome = Outcome.PROGRESSION
    note: str = field(default="", metadata={"exclude": True})
    _aliases: ClassVar[dict[str, str]] = {"from_": "from"}

    def _validate(self) -> None:
        if len(self.doses) > 3:
            raise ValueError("at most three doses")


@dataclasses.dataclass(frozen=True, kw_only=True)
class PlainDose:  # what the standard decorator makes, for comparison
    drug: str
    mg: float | None = None
    days: tuple[int, ...] = ()


def test_built_with_defaults_compared_and_hashed_by_value() -> None:
    a = Dose(drug="tdxd", mg=5.4)
    assert a == Dose(drug="tdxd", mg=5.4, days=())
    assert a != Dose(drug="tdxd")
    assert hash(a) == hash(Dose(drug="tdxd", mg=5.4))
    assert len({a, Dose(drug="tdxd", mg=5.4), Dose(drug="tdm")}) == 2
    assert a != PlainDose(drug="tdxd", mg=5.4)  # another class is never equal
    assert repr(a) == repr(PlainDose(drug="tdxd", mg=5.4)).replace("PlainDose", "Dose")


def test_frozen_and_keyword_only() -> None:
    a = Dose(drug="tdxd")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.drug = "tdm"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del a.mg
    with pytest.raises(TypeError, match="missing argument 'drug'"):
        Dose()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected dose"):
        Dose(drug="x", dose=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Dose("tdxd")  # type: ignore[call-arg]
    assert not hasattr(a, "__dict__")  # slotted


def test_replace_fields_and_pickle_as_dataclasses_do() -> None:
    course = Course(from_=("a",), doses=(Dose(drug="x", days=(1, 8)),), start=date(2024, 1, 2))
    assert dataclasses.replace(course, outcome=Outcome.TOXICITY).outcome is Outcome.TOXICITY
    assert [f.name for f in dataclasses.fields(Course)] == [
        "from_",
        "doses",
        "start",
        "outcome",
        "note",
    ]
    again = pickle.loads(pickle.dumps(course, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == course and again is not course


def test_validation_applies_limits_aliases_and_checks() -> None:
    data: dict[str, Any] = {
        "from": ["a"],
        "doses": [{"drug": "x", "mg": 5, "days": [1]}],
        "start": "2024-01-02",
        "outcome": "toxicity",
    }
    course = validate(Course, data)
    assert course.doses[0].mg == 5.0 and course.start == date(2024, 1, 2)
    assert course == from_valid_data(Course, data)
    assert to_data(course) == {**data, "doses": [{"drug": "x", "mg": 5.0, "days": [1]}]}

    def errors(bad: dict[str, Any]) -> list[tuple[tuple[int | str, ...], str]]:
        with pytest.raises(RecordError) as caught:
            validate(Course, bad)
        return [(e["loc"], e["type"]) for e in caught.value.errors()]

    assert errors({**data, "from": []}) == [(("from",), "too_short")]
    assert (("from", 0), "string_pattern_mismatch") in errors({**data, "from": ["A"]})
    assert errors({**data, "extra": 1}) == [(("extra",), "extra_forbidden")]
    assert errors({**data, "doses": [{"drug": "x", "mg": 0}]}) == [
        (("doses", 0, "mg"), "greater_than")
    ]
    assert errors({**data, "doses": [{"drug": "x"}] * 4}) == [((), "value_error")]
