"""The clinical diff: records added, removed, re-worded, figures and tiers changed, and the
scenario answers that change, each with the record that caused it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pathways.cli import main
from pathways.content import Content, load_content
from pathways.content_diff import diff_content
from pathways.scenarios import load_scenarios
from tests.pathways.content_variants import FIGURE, changed_content


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("diff") / "new"
    return folder, changed_content(folder)


def test_identical_content_has_no_diff(content: Content) -> None:
    diff = diff_content(content, content, load_scenarios())
    assert diff.empty and diff.scenarios_run >= 29


def test_diff_names_each_record_change(
    content: Content, changed: tuple[Path, dict[str, str]]
) -> None:
    folder, what = changed
    diff = diff_content(content, load_content(folder), load_scenarios())
    kinds = {(r.section, r.id): (r.kind, r.detail) for r in diff.records}
    assert kinds[("regimen", what["regimen"])] == ("removed", "")
    kind, detail = kinds[("evidence", what["evidence"])]
    assert kind == "figures" and f"{FIGURE[0]} -> {FIGURE[1]}" in detail
    kind, detail = kinds[("transition", what["transition"])]
    assert kind == "retiered" and "tier alternative -> preferred" in detail
    text = diff.to_text()
    assert f"removed          regimen {what['regimen']}" in text
    assert f"figures changed  evidence {what['evidence']}" in text


def test_diff_lists_the_answers_that_change_with_their_cause(
    content: Content, changed: tuple[Path, dict[str, str]]
) -> None:
    folder, what = changed
    diff = diff_content(content, load_content(folder), load_scenarios())
    retier = [a for a in diff.answers if a.kind == "retiered" and a.regimen == "tdm1"]
    # After THP with T-DXd available, T-DM1 is now preferred: caused by the transition.
    assert any(a.scenario == "after-thp-tdxd-available" for a in retier), diff.to_text()
    assert all(f"transition {what['transition']}" in a.causes for a in retier)
    removed = [a for a in diff.answers if a.kind == "removed"]
    assert removed and {a.regimen for a in removed} == {what["regimen"]}
    assert all(f"regimen {what['regimen']}" in a.causes for a in removed)


def test_cli_diff_text_and_json(
    changed: tuple[Path, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, what = changed
    from pathways.content import bundled_content_dir

    assert main(["diff", str(bundled_content_dir()), str(folder)]) == 0
    assert f"regimen {what['regimen']}" in capsys.readouterr().out
    assert main(["diff", str(bundled_content_dir()), str(folder), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"section": "regimen", "id": what["regimen"], "kind": "removed", "detail": ""} in data[
        "records"
    ]
    assert any(a["kind"] == "retiered" for a in data["answers"])
