"""The code table (resources/fhir/codes.yaml): loads, agrees with the content, fails clearly."""

from __future__ import annotations

import copy
import re
from importlib import resources
from typing import Any

import pytest
import yaml

from pathways.errors import ContentError
from pathways.fhir.codes import load_code_table, parse_code_table
from tests.fhir.conftest import Drugs

TEXT = (resources.files("resources") / "fhir" / "codes.yaml").read_text(encoding="utf-8")
RAW: dict[str, Any] = yaml.safe_load(TEXT)
# Anticancer drugs that real records hold but the pathway content does not (their lines are
# reported as "not recognised").
OUTSIDE_CONTENT = {
    "ribociclib",
    "alpelisib",
    "fluorouracil",
    "doxorubicin-liposomal",
    "paclitaxel-poliglumex",
}
# Content agents without any code: not marketed in the US (pyrotinib), so no RxNorm code.
WITHOUT_CODE = {"pyrotinib"}


def test_table_loads() -> None:
    table = load_code_table()
    assert table.medications[("rxnorm", "224905")].agents == ("trastuzumab",)  # rxnorm.yaml
    assert table.medications[("rxnorm", "36567")].supportive == "statin"  # codes.yaml
    assert table.is_a(table.coded("http://loinc.org", "97509-4"), "disease-status-test")
    assert table.is_a(table.coded("http://hl7.org/fhir/sid/icd-10-cm", "C79.31"), "secondary-brain")
    assert table.is_a(
        table.coded("http://hl7.org/fhir/sid/icd-10-cm", "C78.01"), "secondary-distant"
    )


def test_agent_ids_agree_with_the_content(drugs: Drugs) -> None:
    table = load_code_table()
    in_table = {a for med in table.medications.values() for a in med.agents}
    assert in_table - set(drugs.agents) == OUTSIDE_CONTENT
    assert set(drugs.agents) - in_table == WITHOUT_CODE


def test_every_unconfirmed_entry_is_marked_in_a_comment() -> None:
    lines = TEXT.splitlines()
    for number, line in enumerate(lines):
        if "unconfirmed: true" in line:
            above = "\n".join(lines[max(0, number - 4) : number + 1])
            assert "UNCONFIRMED" in above, f"line {number + 1} lacks an UNCONFIRMED comment"
    assert len(re.findall(r"unconfirmed: true", TEXT)) >= 1


def _broken(change: Any) -> ContentError:
    raw = copy.deepcopy(RAW)
    change(raw)
    with pytest.raises(ContentError) as caught:
        parse_code_table(raw)
    assert caught.value.source == "resources/fhir/codes.yaml"
    return caught.value


def test_unknown_group_is_named() -> None:
    err = _broken(lambda raw: raw["concepts"].update({"her3-test": []}))
    assert "her3-test" in err.place


def test_duplicate_medication_code() -> None:
    err = _broken(lambda raw: raw["medications"].append(dict(raw["medications"][0])))
    assert "listed twice" in err.problem


def test_medication_with_two_roles() -> None:
    def change(raw: dict[str, Any]) -> None:
        raw["medications"][0]["supportive"] = "statin"

    err = _broken(change)
    assert err.place == "medications[0]"
    assert "exactly one" in err.problem


def test_contradictory_answer_codes() -> None:
    def change(raw: dict[str, Any]) -> None:
        raw["concepts"]["answer-negative"].append(dict(raw["concepts"]["answer-positive"][0]))

    err = _broken(change)
    assert "answer-negative" in err.problem and "answer-positive" in err.problem


def test_system_without_uri() -> None:
    err = _broken(lambda raw: raw["systems"].pop("rxnorm"))
    assert "rxnorm" in err.problem


def test_wrong_format_marker() -> None:
    err = _broken(lambda raw: raw.update({"format": "something-else"}))
    assert err.place == "format"
