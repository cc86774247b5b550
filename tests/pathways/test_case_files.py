"""Case files: the format round-trips, and every kind of bad input gets one clear error."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from pathways.bundled import bundled_folder
from pathways.case import MAX_CASE_BYTES, Case, dump_case, load_case, parse_case, save_case
from pathways.content import Content
from pathways.errors import CaseError

CASES = sorted(bundled_folder("cases").glob("*.json"))  # through the installed package
GOOD = {
    "format": "her2-pathway-case",
    "version": 1,
    "label": "x",
    "factors": {"hormone_receptor": "positive"},
    "metastatic_diagnosis": "2023-01-02",
    "history": [
        {
            "regimen": "THP",
            "setting": "metastatic",
            "start": "2023-01-10",
            "end": "2024-02-01",
            "outcome": "progression",
        }
    ],
}


def _bad(text: str, content: Content) -> str:
    with pytest.raises(CaseError) as info:
        parse_case(text, "case.json", content)
    msg = info.value.one_line()
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_demo_cases_load_and_round_trip(path: Path, content: Content) -> None:
    case = load_case(path, content)
    again = parse_case(dump_case(case), "again", content)
    assert again == case


def test_at_least_six_demo_cases() -> None:
    assert len(CASES) >= 6


def test_aliases_are_canonicalised(content: Content) -> None:
    case = parse_case(json.dumps(GOOD), "c", content)
    assert case.history[0].regimen == "pertuzumab-trastuzumab-taxane"


def test_save_is_atomic_and_round_trips(tmp_path: Path, content: Content) -> None:
    case = parse_case(json.dumps(GOOD), "c", content)
    target = tmp_path / "c.json"
    save_case(case, target)
    assert load_case(target, content) == case
    assert [p.name for p in tmp_path.iterdir()] == ["c.json"]


def test_hypothetical_lines_are_never_saved(content: Content) -> None:
    case = parse_case(json.dumps(GOOD), "c", content)
    what_if = dataclasses.replace(case.history[0], regimen="tdxd", hypothetical=True)
    dumped = json.loads(dump_case(dataclasses.replace(case, history=(*case.history, what_if))))
    assert len(dumped["history"]) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{", "line 1, column 2"),
        ('{"format": "her2-pathway-case", "version": 1,\n "label": }', "line 2, column 11"),
        ("[]", "expected a JSON object"),
        ('{"format": "other", "version": 1}', "format"),
        ('{"format": "her2-pathway-case", "version": 7}', "version"),
        (
            '{"format": "her2-pathway-case", "version": 1, "factors": {"lvef": "low"}}',
            "factors.lvef",
        ),
        ('{"format": "her2-pathway-case", "version": 1, "factors": {"lvef": NaN}}', "NaN"),
        (
            '{"format": "her2-pathway-case", "version": 1, "factors": {"brain_metastases": "yes"}}',
            "factors.brain_metastases",
        ),
        (
            '{"format": "her2-pathway-case", "version": 1, "factors": {"smoker": true}}',
            "factors.smoker",
        ),
        (
            '{"format": "her2-pathway-case", "version": 1, "history": [{"regimen": "aspirin", '
            '"setting": "metastatic", "outcome": "progression"}]}',
            'unknown regimen "aspirin"',
        ),
        (
            '{"format": "her2-pathway-case", "version": 1, "history": [{"regimen": "tdxd", '
            '"setting": "metastatic", "outcome": "progression", "start": "2024-13-01"}]}',
            "history[0].start",
        ),
        (
            '{"format": "her2-pathway-case", "version": 1, "history": [{"regimen": "tdxd", '
            '"setting": "metastatic", "outcome": "progression", "start": "2024-05-01", '
            '"end": "2024-01-01"}]}',
            "history[0].end",
        ),
        (
            '{"format": "her2-pathway-case", "version": 1, "history": [{"regimen": "tdxd", '
            '"setting": "metastatic", "outcome": "ongoing"}, {"regimen": "tdm1", '
            '"setting": "metastatic", "outcome": "progression"}]}',
            "history[0].outcome",
        ),
        (
            '{"format": "her2-pathway-case", "version": 1, "history": [{"regimen": "tdxd", '
            '"setting": "metastatic", "outcome": "progression", "toxicity_detail": "cardiac"}]}',
            "toxicity_detail",
        ),
        (
            '{"format": "her2-pathway-case", "version": 1, "history": [{"regimen": "tdm1", '
            '"setting": "metastatic", "outcome": "progression"}, {"regimen": "adjuvant-tdm1", '
            '"setting": "adjuvant", "outcome": "completed"}]}',
            "history[1].setting",
        ),
        (
            '{"format": "her2-pathway-case", "version": 1, "history": [{"regimen": "adjuvant-tdm1",'
            ' "setting": "metastatic", "outcome": "progression"}]}',
            "early-setting regimen",
        ),
        ('{"format": "her2-pathway-case", "version": 1, "history": "THP"}', "history"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_bad_case_files_name_the_problem(text: str, expected: str, content: Content) -> None:
    assert expected in _bad(text, content)


def test_missing_file_and_folder(tmp_path: Path, content: Content) -> None:
    with pytest.raises(CaseError, match="file not found"):
        load_case(tmp_path / "nope.json", content)
    with pytest.raises(CaseError, match="folder"):
        load_case(tmp_path, content)


def test_huge_file_refused_before_parsing(tmp_path: Path, content: Content) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_CASE_BYTES + 1))
    with pytest.raises(CaseError, match="too large"):
        load_case(big, content)


def test_binary_file(tmp_path: Path, content: Content) -> None:
    path = tmp_path / "bin.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CaseError, match="not UTF-8"):
        load_case(path, content)


def test_patient_identifiers_round_trip_and_are_optional(content: Content) -> None:
    data = dict(GOOD, patient={"name": "A B", "record_number": "R1", "birth_date": "1960-01-02"})
    case = parse_case(json.dumps(data), "c", content)
    assert case.patient is not None and case.patient.record_number == "R1"
    assert "patient" not in json.loads(dump_case(Case()))
