"""Snapshots compared with today's answer, and local practice (pathways/snapshot_diff.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from pathways.bundled import bundled_folder
from pathways.case import Case, load_case
from pathways.content import Content, load_content
from pathways.engine import Engine
from pathways.library import Decision, DecisionSnapshot
from pathways.snapshot_diff import (
    compare_recommendations,
    local_practice,
    since_decision,
    take_snapshot,
)

CASES = bundled_folder("cases")  # through the installed package


def option(
    regimen: str, tier: str, *sources: str, evidence: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {
        "regimen": regimen,
        "name": regimen.upper(),
        "tier": tier,
        "evidence": list(evidence),
        "explanation": [{"source": s, "text": "", "from": None, "to": tier} for s in sources],
    }


def rec(*options: dict[str, Any], position: str = "tdxd", line: int | None = 3) -> dict[str, Any]:
    return {"position": position, "line": line, "options": list(options), "warnings": []}


def test_same_answer_has_no_change() -> None:
    then = rec(option("a", "preferred", "transition:x"), option("b", "alternative"))
    assert compare_recommendations(then, then) == ()


def test_added_removed_retiered_with_their_sources() -> None:
    then = rec(
        option("a", "preferred", "transition:t-a", evidence=("trial-a",)),
        option("b", "alternative", "transition:t-b"),
        option("gone", "alternative", "transition:t-gone", evidence=("trial-g",)),
    )
    now = rec(
        option("a", "preferred", "transition:t-a", evidence=("trial-a",)),
        option("b", "avoid", "transition:t-b", "rule:cardiac-hold"),
        option("new", "alternative", "transition:t-new"),
    )
    changes = {c.regimen: c for c in compare_recommendations(then, now)}
    assert set(changes) == {"b", "gone", "new"}
    b = changes["b"]
    assert (b.kind, b.before, b.after) == ("retiered", "alternative", "avoid")
    assert "rule:cardiac-hold" in b.sources
    gone = changes["gone"]
    assert (gone.kind, gone.before, gone.after, gone.sources) == (
        "removed",
        "alternative",
        None,
        ("transition:t-gone",),
    )
    assert (changes["new"].kind, changes["new"].after) == ("added", "alternative")


def test_reordering_only_counts_real_swaps() -> None:
    then = rec(option("a", "alternative"), option("b", "alternative"), option("c", "alternative"))
    shifted = rec(option("new", "preferred"), *then["options"])  # all move down one place
    assert [c.kind for c in compare_recommendations(then, shifted)] == ["added"]
    a, b, c = then["options"]
    swapped = rec(b, a, c)
    kinds = {c.regimen: c.kind for c in compare_recommendations(then, swapped)}
    assert kinds == {"a": "reordered", "b": "reordered"}


def test_damaged_snapshot_dicts_do_not_raise() -> None:
    for broken in ({}, {"options": "x"}, {"options": [1, None, {"tier": "x"}]}):
        assert compare_recommendations(broken, rec(option("a", "preferred")))[0].kind == "added"


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(None)


def _decision(
    n: int, case_id: int, regimen: str, snapshot: DecisionSnapshot, current: bool = True
) -> Decision:
    return Decision(
        id=n,
        meeting_id=1,
        case_id=case_id,
        version=1,
        chosen_regimen=regimen,
        on_pathway=True,
        off_pathway_reason=None,
        off_pathway_detail="",
        alternatives=(),
        note="",
        dissent="",
        recorded_by="A",
        recorded_at=dt.datetime(2026, 5, 12, tzinfo=dt.UTC),
        supersedes=None,
        superseded_by=None if current else n + 100,
        snapshot=snapshot,
    )


def test_snapshot_and_since_decision(content: Content) -> None:
    engine = Engine(content)
    case = load_case(CASES / "02-after-first-line.json", content)
    snapshot, recommendation = take_snapshot(engine, case)
    assert snapshot.recommendation == recommendation.to_dict(content)
    assert snapshot.content_digest == content.digest
    assert snapshot.content_version == content.version
    same = since_decision(snapshot, engine, case, snapshot.case_json)
    assert not same.anything_changed
    edited: Case = dataclasses.replace(case, label="Edited")
    from pathways.case import dump_case

    changed = since_decision(snapshot, engine, edited, dump_case(edited))
    assert changed.case_changed and not changed.answer_changed
    unreadable = since_decision(snapshot, engine, None, "{}")
    assert unreadable.case_unreadable and unreadable.changes == ()


def test_local_practice_counts_current_decisions_at_the_same_point(content: Content) -> None:
    engine = Engine(content)
    case = load_case(CASES / "02-after-first-line.json", content)
    snapshot, recommendation = take_snapshot(engine, case)
    elsewhere, _ = take_snapshot(engine, load_case(CASES / "01-new-metastatic.json", content))
    brain = dataclasses.replace(
        case, factors=dataclasses.replace(case.factors, brain_metastases="active")
    )
    other_brain, _ = take_snapshot(engine, brain)
    decisions = [
        _decision(1, 10, "tdxd", snapshot),
        _decision(2, 11, "tdxd", snapshot),
        _decision(3, 12, "tdm1", snapshot),
        _decision(4, 13, "tdm1", snapshot, current=False),  # superseded: not counted
        _decision(5, 14, "tdm1", elsewhere),  # another decision point
        _decision(6, 15, "tdm1", other_brain),  # different brain-metastasis status
        _decision(7, 99, "tdm1", snapshot),  # the case itself
    ]
    today = recommendation.to_dict(content)
    practice = local_practice(decisions, today, case, exclude_case=99)
    assert practice.total == 3
    assert practice.chosen == (("tdxd", 2), ("tdm1", 1))
    assert practice.position == today["position"]
    none = local_practice([], today, case)
    assert none.total == 0 and none.chosen == ()
