"""The load test's own checks find what they are meant to find (no server needed).

The load benchmark (benchmarks/library_load.py) reports a PostgreSQL library intact when these
checks find nothing; here each is shown a broken agenda or decision history and must say so.
"""

from __future__ import annotations

from benchmarks.library_load import Op, WorkerLog, _agenda_problems, _chain_problems, _why


def chain(*rows: tuple[int, int, int, int | None]) -> dict[int, tuple[int, int, int, int | None]]:
    return {r[0]: r for r in rows}


def test_an_intact_chain_passes() -> None:
    # meeting 1 case 7: 10 -> 12 -> 15; meeting 1 case 8: 11 alone.
    rows = chain((10, 1, 7, None), (11, 1, 8, None), (12, 1, 7, 10), (15, 1, 7, 12))
    assert _chain_problems(rows) == []


def test_two_first_versions_are_found() -> None:
    rows = chain((10, 1, 7, None), (12, 1, 7, None))
    assert _chain_problems(rows) == ["meeting 1 case 7: 2 first versions"]


def test_a_fork_is_found() -> None:
    rows = chain((10, 1, 7, None), (12, 1, 7, 10), (13, 1, 7, 10))
    problems = _chain_problems(rows)
    assert "meeting 1 case 7: decision 10 superseded 2 times" in problems
    assert "meeting 1 case 7: 2 current versions" in problems


def test_a_correction_from_another_case_breaks_the_chain() -> None:
    # 12 corrects case 8's decision 11 but is stored under case 7: case 7's chain lacks it.
    rows = chain((10, 1, 7, None), (11, 1, 8, None), (12, 1, 7, 11))
    assert "meeting 1 case 7: chain of 1 holds 2 versions" in _chain_problems(rows)


def test_an_intact_agenda_passes() -> None:
    agenda = [(1, 5, 1), (1, 6, 0), (2, 5, 0)]
    assert _agenda_problems([1, 2, 3], agenda, [(1, 6), (2, 5)]) == []


def test_repeated_or_missing_positions_are_found() -> None:
    problems = _agenda_problems([1], [(1, 5, 0), (1, 6, 0), (1, 7, 2)], [])
    assert problems == ["meeting 1: positions not 0..2 (repeated [0])"]
    assert _agenda_problems([1], [(1, 5, 0), (1, 6, 2)], []) == [
        "meeting 1: positions not 0..1 (repeated [])"
    ]


def test_a_lost_agenda_entry_is_found() -> None:
    assert _agenda_problems([1], [(1, 5, 0)], [(1, 5), (1, 9)]) == [
        "case 9 added to meeting 1 is not on it"
    ]


def test_races_are_refusals_and_anything_else_a_failure() -> None:
    race = "decision 4 is not the current decision for case 2 at meeting 1 (that is 6)"
    assert _why(race) == ("refused", "not the current decision (corrected meanwhile)")
    gave_up = "PostgreSQL 127.0.0.1:5/x: other workstations kept changing the same records"
    assert _why(gave_up) == ("failed", "failed after all retries")
    assert _why("PostgreSQL h:1/db: the database refused it (SQLSTATE 23505)") == (
        "failed",
        "the database refused it (SQLSTATE N)",
    )


def test_a_worker_log_survives_its_file() -> None:
    log = WorkerLog(3, [Op("add case", 1.5, "ok")], 2, [7], [9], [(1, 7)], "")
    assert WorkerLog.from_json(log.to_json()) == log
