"""The command line: output shapes, exit codes, and one clear line on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

from pathways.bundled import bundled_folder
from pathways.cli import main
from pathways.schema import WarningKind

ROOT = Path(__file__).parents[2]
DEMO = bundled_folder("cases") / "04-after-thp-and-tdxd.json"  # through the installed package
KINDS = set(get_args(WarningKind))  # the documented kinds: one list, in the schema


def test_next_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["next", str(DEMO), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["line"] == 3 and out["setting"] == "metastatic"
    assert set(out["content"]) == {"version", "reviewed"}
    first = out["options"][0]
    assert {"regimen", "name", "tier", "why", "evidence", "warnings"} <= set(first)
    tiers = [o["tier"] for o in out["options"]]
    order = {"preferred": 0, "alternative": 1, "avoid": 2}
    assert tiers == sorted(tiers, key=order.__getitem__)
    for w in out["warnings"] + [w for o in out["options"] for w in o["warnings"]]:
        assert w["kind"] in KINDS and w["text"]


def test_next_text_mentions_disclaimer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["next", str(DEMO)]) == 0
    out = capsys.readouterr().out
    assert "Tucatinib" in out and "judgement" in out


def test_steps_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["steps", str(DEMO), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    steps = out["steps"]
    assert len(steps) == 4
    assert steps[0]["given_next"] == "pertuzumab-trastuzumab-taxane"
    assert steps[0]["on_pathway"] is True
    assert steps[-1]["given_next"] is None


def test_validate(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    assert capsys.readouterr().out.startswith("OK")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{", "line 1, column 2"),
        (
            '{"format": "her2-pathway-case", "version": 1, "history": [{"regimen": "aspirin", '
            '"setting": "metastatic", "outcome": "progression"}]}',
            "aspirin",
        ),
        ('{"format": "her2-pathway-case", "version": 1, "factors": {"lvef": []}}', "lvef"),
    ],
)
def test_bad_case_exit_2_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert main(["next", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err and str(path) in err


def test_missing_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["next", str(tmp_path / "none.json")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_bad_arguments_exit_2_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_bad_content_folder_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pathway.yaml").write_text("schema_version: 1\n", encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_module_entry_point_runs_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("not json", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pathways", "next", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
