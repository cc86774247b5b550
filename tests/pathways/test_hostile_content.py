"""Content attacks on the loader: each is a clear, placed error, never a traceback or a hang."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pathways.content import FILES, MAX_CONTENT_BYTES, bundled_content_dir, load_content
from pathways.content import load_content_texts as load_texts
from pathways.errors import ContentError, ContentErrors

ROOT = Path(__file__).resolve().parents[2]
REPEATED = (
    'repeated_regimen: "The disease progressed on {regimen} ({line}); it is not offered again."'
)
SELF_LOOP_MARK = "    to: tdxd\n    when: {last_toxicity: [ild-grade1]}\n    rechallenge: true\n"


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    folder = bundled_content_dir()
    return {name: (folder / name).read_text(encoding="utf-8") for name in FILES}


def problems(texts: dict[str, str], name: str, old: str, new: str) -> list[str]:
    assert texts[name].count(old) == 1, old
    changed = {**texts, name: texts[name].replace(old, new)}
    with pytest.raises(ContentError) as caught:
        load_texts(changed)
    errors = caught.value.errors if isinstance(caught.value, ContentErrors) else [caught.value]
    return [e.one_line() for e in errors]


@pytest.mark.parametrize(
    "placeholder",
    ["{regimen:>999999999}", "{regimen!r}", "{regimen.__class__}", "{regimen[0]}", "{0}", "{}"],
)
def test_only_bare_placeholders(texts: dict[str, str], placeholder: str) -> None:
    found = problems(texts, "rules.yaml", REPEATED, REPEATED.replace("{regimen}", placeholder))
    assert any("messages.repeated_regimen" in p and "is not allowed" in p for p in found), found


def test_unmatched_brace_is_an_error_not_a_traceback(texts: dict[str, str]) -> None:
    found = problems(texts, "rules.yaml", REPEATED, REPEATED.replace("{line}", "{line"))
    assert any("not a valid message template" in p for p in found), found


def test_impossible_date_is_placed(texts: dict[str, str]) -> None:
    found = problems(texts, "pathway.yaml", "reviewed: 2026-11-26", "reviewed: 2026-13-45")
    assert found == [
        "pathway.yaml: line 21, reviewed: Input should be a valid date or datetime, month value "
        'is outside expected range of 1-12 (found "2026-13-45")'
    ]


def test_duplicate_yaml_keys_are_refused(texts: dict[str, str]) -> None:
    found = problems(texts, "rules.yaml", REPEATED, REPEATED + "\n  " + REPEATED)
    assert len(found) == 1 and "duplicate key" in found[0] and "repeated_regimen" in found[0]
    assert found[0].startswith("rules.yaml: line ")


def test_self_loop_needs_the_rechallenge_mark(texts: dict[str, str]) -> None:
    found = problems(
        texts, "transitions.yaml", SELF_LOOP_MARK, SELF_LOOP_MARK.replace("true", "false")
    )
    assert any("a regimen follows itself" in p for p in found), found


def test_bundled_content_has_no_unmarked_self_loop() -> None:
    content = load_content()
    loops = [t for t in content.transitions if t.to in t.from_]
    assert loops and all(t.rechallenge and t.evidence for t in loops)


def test_special_and_oversize_content_files_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    for name in FILES:
        (folder / name).write_bytes((bundled_content_dir() / name).read_bytes())
    (folder / "rules.yaml").unlink()
    os.mkfifo(folder / "rules.yaml")  # would block a plain open() for ever
    with pytest.raises(ContentError, match="not a regular file"):
        load_content(folder)
    (folder / "rules.yaml").unlink()
    (folder / "rules.yaml").write_bytes(b"#" * (MAX_CONTENT_BYTES + 1))
    with pytest.raises(ContentError, match="too large"):
        load_content(folder)


def test_validate_reports_a_bad_date_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    for name in FILES:
        text = (bundled_content_dir() / name).read_text(encoding="utf-8")
        (folder / name).write_text(text.replace("reviewed: 2026-11-26", "reviewed: 2026-13-45"))
    done = subprocess.run(
        [sys.executable, "-m", "pathways", "validate", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "reviewed" in done.stderr and "2026-13-45" in done.stderr
