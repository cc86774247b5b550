"""@frozen_value classes behave as the frozen dataclasses they replace."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass, field
from typing import Any

import pytest

from pathways.frozen import FrozenValue, frozen_value


@frozen_value
class Shared(FrozenValue):
    name: str
    count: int = 0
    tags: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Generated:
    name: str
    count: int = 0
    tags: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)


ARGUMENTS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    (("a",), {}),
    (("a", 2), {}),
    (("a",), {"count": 3, "tags": ("x",)}),
    ((), {"name": "b", "tags": ("y", "z")}),
    (("a", 1, ("t",), ["n"]), {}),
]


@pytest.mark.parametrize(("args", "kwargs"), ARGUMENTS)
def test_builds_compares_and_prints_as_a_frozen_dataclass(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    shared, generated = Shared(*args, **kwargs), Generated(*args, **kwargs)
    assert dataclasses.astuple(shared) == dataclasses.astuple(generated)
    assert dataclasses.asdict(shared) == dataclasses.asdict(generated)
    assert repr(shared) == repr(generated).replace("Generated", "Shared")
    assert shared == Shared(*args, **kwargs)
    assert shared != Shared("other")
    assert shared != generated  # another class, even with the same fields
    for unhashable in (shared, generated):  # a list field: neither hashes
        with pytest.raises(TypeError, match="unhashable"):
            hash(unhashable)


@frozen_value
class Point(FrozenValue):
    x: int
    y: int


@dataclass(frozen=True)
class GeneratedPoint:
    x: int
    y: int


def test_hashes_as_a_frozen_dataclass() -> None:
    assert hash(Point(1, 2)) == hash(GeneratedPoint(1, 2)) == hash(Point(y=2, x=1))
    assert len({Point(1, 2), Point(1, 2), Point(2, 1)}) == 2


def test_each_instance_gets_its_own_default_from_the_factory() -> None:
    first, second = Shared("a"), Shared("b")
    assert first.notes == [] and first.notes is not second.notes


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {}, "missing argument 'name'"),
        (("a",), {"colour": "red"}, "unexpected colour"),
        (("a",), {"name": "b"}, "'name' twice"),
        (("a", 1, (), [], "extra"), {}, "takes 4 arguments, 5 given"),
    ],
)
def test_wrong_arguments_are_a_type_error(
    args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        Shared(*args, **kwargs)


def test_fields_cannot_be_set_or_deleted() -> None:
    value = Shared("a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.name = "b"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del value.count  # type: ignore[misc]
    with pytest.raises(AttributeError):
        value.other = 1  # type: ignore[attr-defined]  # slotted: no other attributes
    assert value == Shared("a")


def test_replace_copy_and_pickle_keep_the_value() -> None:
    value = Shared("a", 2, ("t",))
    assert dataclasses.replace(value, count=5) == Shared("a", 5, ("t",))
    assert copy.copy(value) == value
    assert copy.deepcopy(value) == value
    assert pickle.loads(pickle.dumps(value)) == value
    match value:
        case Shared(name, count):
            assert (name, count) == ("a", 2)
        case _:
            pytest.fail("no positional pattern")


def test_what_it_cannot_honour_is_refused_when_the_class_is_made() -> None:
    with pytest.raises(TypeError, match="__post_init__"):

        @frozen_value
        class Checked(FrozenValue):
            name: str

            def __post_init__(self) -> None:
                raise AssertionError("never run")

    with pytest.raises(TypeError, match="init=False"):

        @frozen_value
        class Derived(FrozenValue):
            name: str
            size: int = field(init=False, default=0)

    with pytest.raises(TypeError, match="not a FrozenValue"):
        frozen_value(type("Plain", (), {"__annotations__": {"name": "str"}}))


@frozen_value
class Noted(FrozenValue):
    name: str
    note: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class GeneratedNoted:
    name: str
    note: str = field(default="", compare=False, repr=False)


def test_fields_left_out_of_comparison_and_repr_are_left_out() -> None:
    assert Noted("a", "x") == Noted("a", "y")
    assert hash(Noted("a", "x")) == hash(Noted("a", "y")) == hash(GeneratedNoted("a", "z"))
    assert Noted("a", "x") != Noted("b", "x")
    assert repr(Noted("a", "x")) == repr(GeneratedNoted("a", "x")).replace(
        "GeneratedNoted", "Noted"
    )
    assert pickle.loads(pickle.dumps(Noted("a", "x"))).note == "x"  # kept, only not compared
