"""``python -m pathways library``: agendas, decisions and sign-off without the window."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pathways.bundled import bundled_folder
from pathways.case import load_case
from pathways.cli import main
from pathways.content import Content, load_content
from pathways.engine import Engine
from pathways.library import CaseLibrary

ROOT = Path(__file__).resolve().parents[2]
CASES = bundled_folder("cases")  # through the installed package
AFTER_FIRST_LINE = CASES / "02-after-first-line.json"


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(None)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["library", *args])
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 0, err
    assert err == ""
    return out.strip()


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 2, out
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


@pytest.fixture
def agenda(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str, str]:
    """A library with one meeting and the after-first-line demo case on its agenda."""
    db = str(tmp_path / "library.sqlite3")
    case_id = ok(capsys, "--db", db, "add-case", str(AFTER_FIRST_LINE))
    meeting = ok(capsys, "--db", db, "new-meeting", "Breast board", "2026-05-12")
    assert ok(capsys, "--db", db, "agenda-add", meeting, case_id) == ""
    return db, meeting, case_id


def test_prepare_decide_and_sign_off(
    agenda: tuple[str, str, str], capsys: pytest.CaptureFixture[str], content: Content
) -> None:
    db, meeting, case_id = agenda
    rec = Engine(content).next_options(load_case(AFTER_FIRST_LINE, content))
    preferred = rec.preferred[0]
    ok(capsys, "--db", db, "attendees", meeting, "Dr A=medical oncology", "Dr B=surgery")
    decision = ok(
        capsys, "--db", db, "decide", meeting, case_id, preferred.name,
        "--by", "Dr A", "--note", "as discussed", "--alternative", rec.options[1].regimen,
    )  # fmt: skip
    with CaseLibrary.open(Path(db)) as library:
        (d,) = library.decisions(int(case_id))
        assert d.id == int(decision) and d.chosen_regimen == preferred.regimen  # name resolved
        assert d.on_pathway and d.off_pathway_reason is None and d.note == "as discussed"
        assert d.alternatives == (rec.options[1].regimen,)
        assert d.snapshot is not None
        assert d.snapshot.recommendation == rec.to_dict(content)
        assert d.snapshot.content_digest == content.digest

    # off the pathway: the engine says so, and a reason is required
    avoid = next(o for o in rec.options if o.tier == "avoid")
    err = refused(
        capsys, "--db", db, "decide", meeting, case_id, avoid.regimen, "--by", "Dr A",
        "--supersedes", decision,
    )  # fmt: skip
    assert "avoid" in err and "--off-pathway-reason" in err
    err = refused(
        capsys, "--db", db, "decide", meeting, case_id, preferred.regimen, "--by", "Dr A",
        "--supersedes", decision, "--off-pathway-reason", "comorbidity",
    )  # fmt: skip
    assert "takes no off-pathway reason" in err
    corrected = ok(
        capsys, "--db", db, "decide", meeting, case_id, avoid.regimen, "--by", "Dr A",
        "--supersedes", decision, "--off-pathway-reason", "prior-toxicity",
        "--dissent", "Dr B disagrees",
    )  # fmt: skip

    ok(capsys, "--db", db, "sign-off", meeting, "--by", "Dr Chair")
    err = refused(
        capsys, "--db", db, "decide", meeting, case_id, preferred.regimen, "--by", "Dr A",
        "--supersedes", corrected,
    )  # fmt: skip
    assert "signed off" in err
    late = ok(capsys, "--db", db, "add-case", str(CASES / "01-new-metastatic.json"))
    assert "signed off" in refused(capsys, "--db", db, "agenda-add", meeting, late)

    listing = json.loads(ok(capsys, "--db", db, "list", "--json"))
    (m,) = listing["meetings"]
    assert m["signed_off"] and m["agenda"] == [int(case_id)]
    assert [(d["id"], d["current"], d["on_pathway"]) for d in m["decisions"]] == [
        (int(decision), False, True),
        (int(corrected), True, False),
    ]
    text = ok(capsys, "--db", db, "list")
    assert "[signed off]" in text and "off pathway" in text

    ok(capsys, "--db", db, "amend", meeting, "--by", "Dr Chair", "--reason", "typo in the note")
    with CaseLibrary.open(Path(db)) as library:
        assert not library.get_meeting(int(meeting)).signed_off


def test_update_case(
    agenda: tuple[str, str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db, _meeting, case_id = agenda
    edited = json.loads(AFTER_FIRST_LINE.read_text(encoding="utf-8"))
    edited["label"] = "Edited by the coordinator"
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(edited), encoding="utf-8")
    ok(capsys, "--db", db, "update-case", case_id, str(path))
    with CaseLibrary.open(Path(db)) as library:
        assert library.get_case(int(case_id)).label == "Edited by the coordinator"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new-meeting", "Board", "2026-13-45"], "YYYY-MM-DD"),
        (["agenda-add", "999", "1"], "no meeting 999"),
        (["decide", "1", "999", "tdm1", "--by", "A"], "case 999"),
        (["decide", "1", "1", "tdm1"], "--by"),
        (["add-case", "missing.json"], "missing.json"),
        (["decide", "1", "1", "tdm1", "--by", "A", "--off-pathway-reason", "whim"], "choice"),
        (["attendees", "1", "=role"], "NAME=ROLE"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    agenda: tuple[str, str, str],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    db = agenda[0]
    code, _out, err = run(capsys, "--db", db, *args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_no_library_given_or_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HER2_PATHWAYS_DB", raising=False)
    assert "--db" in refused(capsys, "list")
    missing = tmp_path / "none.sqlite3"
    assert "no case library there" in refused(capsys, "--db", str(missing), "list")
    assert not missing.exists()  # listing never creates a library
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_text("not a database", encoding="utf-8")
    assert "not a case library" in refused(capsys, "--db", str(garbage), "list")


def test_case_not_on_the_agenda_is_refused(
    agenda: tuple[str, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    db, meeting, _case_id = agenda
    other = ok(capsys, "--db", db, "add-case", str(CASES / "01-new-metastatic.json"))
    err = refused(capsys, "--db", db, "decide", meeting, other, "tdxd", "--by", "A")
    assert "not on the agenda" in err


@pytest.mark.slow
def test_as_a_real_process(tmp_path: Path) -> None:
    db = tmp_path / "library.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "pathways", "library", "--db", str(db)]
    added = subprocess.run(
        [*command, "add-case", str(AFTER_FIRST_LINE)],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip().isdigit()
    bad = subprocess.run(
        [*command, "agenda-add", "5", "1"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_init_creates_a_library_that_list_can_then_read(
    location: Path | str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``init`` makes the library (``list`` only reads: it refuses a library not made yet)."""
    db = str(location)
    if isinstance(location, str):  # an empty PostgreSQL database: not a library yet
        assert "created or upgraded" in refused(capsys, "--db", db, "list")
    assert "case library ready (schema" in ok(capsys, "--db", db, "init")
    assert json.loads(ok(capsys, "--db", db, "list", "--json")) == {"cases": [], "meetings": []}
    assert "ready" in ok(capsys, "--db", db, "init")  # again: nothing to do


def test_on_postgresql_the_login_is_who_decided(
    postgres_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = ok(capsys, "--db", postgres_dsn, "add-case", str(AFTER_FIRST_LINE))
    meeting = ok(capsys, "--db", postgres_dsn, "new-meeting", "Breast board", "2026-05-12")
    ok(capsys, "--db", postgres_dsn, "agenda-add", meeting, case_id)
    decision = ok(capsys, "--db", postgres_dsn, "decide", meeting, case_id, "tdxd")  # no --by
    ok(capsys, "--db", postgres_dsn, "sign-off", meeting, "--by", "Someone Else")
    listed = json.loads(ok(capsys, "--db", postgres_dsn, "list", "--json"))
    (entry,) = listed["meetings"][0]["decisions"]
    assert entry["id"] == int(decision) and entry["recorded_by"] == "postgres"
    with CaseLibrary.open(postgres_dsn) as library:
        assert library.minutes_history(int(meeting))[0].by == "postgres"
