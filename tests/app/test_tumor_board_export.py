"""PDF reports (case and meeting), privacy in exports, graph PNG/SVG, print, headless CLI."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from app.main import EXIT_BAD_INPUT, EXIT_OK, main
from app.main_window import MainWindow
from app.tumor_board import report, summary
from pathways.case import load_case
from pathways.content import Content, bundled_content_dir
from pathways.engine import Engine
from tests.app.conftest import CASES, ROOT
from tests.app.tumor_board_support import (
    BIRTH_DATE,
    IDENTIFIED_CASE,
    NAME,
    RECORD_NUMBER,
    BoardDialogs,
    board_on_agenda,
    draft,
    fill_library,
    flat,
    make_board,
)
from tests.disks import mounted_tmpfs, remount


@pytest.fixture(autouse=True)
def board_dialogs(monkeypatch: pytest.MonkeyPatch) -> BoardDialogs:
    return BoardDialogs(monkeypatch)


def pdf_text(path: Path) -> tuple[int, str]:
    reader = pypdf.PdfReader(path)
    return len(reader.pages), flat(" ".join(page.extract_text() for page in reader.pages))


def test_case_pdf_holds_the_report_and_no_hidden_identifier(
    qtbot: QtBot, tmp_path: Path, content: Content, engine: Engine
) -> None:
    case = load_case(CASES / IDENTIFIED_CASE, content)
    out = tmp_path / "case.pdf"
    report.write_pdf(report.case_document(content, engine, case), out, content)
    pages, text = pdf_text(out)
    assert pages >= 2
    assert case.label in text
    rec = engine.next_options(case)
    for option in rec.options[:3]:
        assert flat(option.name) in text
    assert "PMID" in text  # citations
    assert "Decision support only" in text
    assert flat(content.header.disclaimer)[:40] in text
    assert f"content {content.version}" in text and content.reviewed in text
    assert "No decision recorded" in text
    for identifier in (NAME, RECORD_NUMBER, BIRTH_DATE):
        assert identifier not in text
    assert "Age: 64" in text

    shown = tmp_path / "shown.pdf"
    doc = report.case_document(content, engine, case, show_identifiers=True)
    report.write_pdf(doc, shown, content)
    _pages, text = pdf_text(shown)
    for identifier in (NAME, RECORD_NUMBER, BIRTH_DATE):
        assert identifier in text


def test_export_asks_each_time_whether_to_include_identifiers(
    window: MainWindow, tmp_path: Path, board_dialogs: BoardDialogs
) -> None:
    assert window.open_case(CASES / IDENTIFIED_CASE, ask=False)
    board = make_board(window, tmp_path / "library.sqlite3")
    out = tmp_path / "window.pdf"
    board_dialogs.answer("ask_pdf_path", out)
    board_dialogs.answer("ask_include_identifiers", False)
    board.actions.export_pdf.trigger()
    assert NAME not in pdf_text(out)[1]
    board_dialogs.answer("ask_include_identifiers", True)
    board.actions.export_pdf.trigger()
    assert NAME in pdf_text(out)[1]
    before = out.read_bytes()
    board_dialogs.answer("ask_include_identifiers", None)  # cancelled: nothing written
    board.actions.export_pdf.trigger()
    assert out.read_bytes() == before
    assert board_dialogs.calls.count("ask_include_identifiers") == 3
    # the presentation's toggle does not decide for exports
    board.actions.show_identifiers.setChecked(True)
    board_dialogs.answer("ask_include_identifiers", False)
    board.actions.export_pdf.trigger()
    assert NAME not in pdf_text(out)[1]


def test_export_without_identifiers_does_not_ask(
    window: MainWindow, tmp_path: Path, board_dialogs: BoardDialogs
) -> None:
    assert window.open_case(CASES / "05-brain-metastases.json", ask=False)
    assert not summary.has_identifiers(window.document.case)
    board = make_board(window, tmp_path / "library.sqlite3")
    out = tmp_path / "plain.pdf"
    board_dialogs.answer("ask_pdf_path", out)
    board.actions.export_pdf.trigger()
    assert out.exists() and "ask_include_identifiers" not in board_dialogs.calls


def test_meeting_pdf_starts_with_the_decisions(
    window: MainWindow, tmp_path: Path, content: Content, board_dialogs: BoardDialogs
) -> None:
    db = tmp_path / "library.sqlite3"
    names = ["02-after-first-line.json", IDENTIFIED_CASE]
    _meeting, ids = fill_library(db, content, names)
    board = make_board(window, db)
    board.panel.show()
    board.panel.select_agenda_case(ids[1])
    board_dialogs.answer("ask_decision", draft("tdm1", note="Discussed at length"))
    board.record_decision()
    board_dialogs.answer(
        "ask_decision", draft("tucatinib-trastuzumab-capecitabine", note="Corrected")
    )
    board.record_decision(correct=True)
    out = tmp_path / "meeting.pdf"
    board_dialogs.answer("ask_pdf_path", out)
    board_dialogs.answer("ask_include_identifiers", False)
    board.actions.export_meeting_pdf.trigger()
    pages, text = pdf_text(out)
    assert pages >= 3  # a summary, then one section per case
    labels = [load_case(CASES / n, content).label for n in names]
    summary_at = text.index("Decisions (2 cases on the agenda)")
    assert all(text.index(label) > summary_at for label in labels)
    assert "corrected: version 2" in text
    assert "Earlier versions" in text and "Corrected" in text
    assert NAME not in text and RECORD_NUMBER not in text
    assert "Options the board saw" in text  # the decided case comes from its snapshot
    table = text[text.index("Decisions (2 cases") :]
    for column in ("Pathway", "reason", "Dissent", "Note", "Recorded by"):
        assert column in table
    assert "Attendees: none recorded" in text and "Open (not signed off)" in text


def _content_without(folder: Path, regimen: str, position: str) -> Path:
    """A copy of the bundled content where ``regimen`` no longer follows ``position``."""
    import shutil

    import yaml

    source = bundled_content_dir()  # through the installed package
    target = folder / "content"
    shutil.copytree(source, target)
    data = yaml.safe_load((target / "transitions.yaml").read_text(encoding="utf-8"))
    kept = [t for t in data["transitions"] if not (t["to"] == regimen and position in t["from"])]
    assert len(kept) < len(data["transitions"])
    data["transitions"] = kept
    (target / "transitions.yaml").write_text(
        yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    return target


def test_meeting_pdf_shows_what_was_decided_and_what_changed_since(
    window: MainWindow, tmp_path: Path, content: Content, board_dialogs: BoardDialogs
) -> None:
    from pathways.content import load_content
    from pathways.library import CaseLibrary

    db = tmp_path / "library.sqlite3"
    meeting, ids = fill_library(db, content, ["02-after-first-line.json"])
    seen = load_case(CASES / "02-after-first-line.json", content)
    rec = Engine(content).next_options(seen)
    top = rec.options[0]
    board = make_board(window, db)
    board.panel.show()
    board.panel.select_agenda_case(ids[0])
    board_dialogs.answer("ask_decision", draft(top.regimen, note="Chosen at the board"))
    assert board.record_decision() is not None
    board.close()

    # afterwards: the case is edited, and the content no longer offers the chosen option there
    with CaseLibrary.open(db) as library:
        edited = dataclasses.replace(seen, label="Relabelled after the meeting")
        from pathways.case import dump_case

        library.update_case(ids[0], dump_case(edited))
        later = load_content(_content_without(tmp_path, top.regimen, rec.position))
        doc = report.meeting_document(later, Engine(later), library, meeting)
    out = tmp_path / "later.pdf"
    report.write_pdf(doc, out, later)
    _pages, text = pdf_text(out)
    assert seen.label in text  # the case as presented, not as edited
    assert "Options the board saw" in text and flat(top.name) in text
    assert "Chosen at the board" in text
    assert "Since this decision" in text
    assert f"No longer offered: {flat(top.name)}" in text
    assert "The case was edited since." in text and "The content files changed since" in text
    note = text.split("Since this decision", 1)[1]
    assert "changed: transition" in note.split("Citations")[0]  # the transition that went


def test_graph_exports_png_and_svg(
    window: MainWindow, tmp_path: Path, board_dialogs: BoardDialogs
) -> None:
    board = make_board(window, tmp_path / "library.sqlite3")
    png, svg = tmp_path / "graph.png", tmp_path / "graph.svg"
    board_dialogs.answer("ask_graph_path", png)
    board.actions.export_graph.trigger()
    image = QImage(str(png))
    assert not image.isNull() and image.width() == report.GRAPH_IMAGE_WIDTH
    assert board.exports.export_graph(svg)
    body = svg.read_text(encoding="utf-8")
    assert body.lstrip().startswith("<?xml") and "<svg" in body and "T-DXd" in body


def test_print_goes_through_the_print_dialog(
    window: MainWindow, tmp_path: Path, board_dialogs: BoardDialogs
) -> None:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    board = make_board(window, tmp_path / "library.sqlite3")
    board_dialogs.answer("ask_include_identifiers", False)
    board_dialogs.answer("ask_printer", printer)
    board.actions.print_case.trigger()
    del printer
    assert window.document.case.label in pdf_text(out)[1]


def test_cli_case_report(qtbot: QtBot, tmp_path: Path) -> None:
    out = tmp_path / "cli.pdf"
    assert main([str(CASES / IDENTIFIED_CASE), "--report", str(out)]) == EXIT_OK
    assert NAME not in pdf_text(out)[1]
    assert (
        main([str(CASES / IDENTIFIED_CASE), "--report", str(out), "--show-identifiers"]) == EXIT_OK
    )
    assert NAME in pdf_text(out)[1]


def test_cli_meeting_report(qtbot: QtBot, tmp_path: Path, content: Content) -> None:
    db = tmp_path / "library.sqlite3"
    meeting, _ids = fill_library(db, content, ["01-new-metastatic.json", IDENTIFIED_CASE])
    out = tmp_path / "meeting.pdf"
    args = ["--meeting", str(meeting), "--db", str(db), "--report", str(out)]
    assert main(args) == EXIT_OK
    assert "Breast board" in pdf_text(out)[1]


def test_cli_meeting_report_from_a_read_only_disk(
    qtbot: QtBot, tmp_path: Path, content: Content
) -> None:
    with mounted_tmpfs(tmp_path / "disk") as disk:
        db = disk / "library.sqlite3"
        meeting, _ids = fill_library(db, content, ["01-new-metastatic.json"])
        remount(disk, "ro")
        out = tmp_path / "read-only.pdf"
        args = ["--meeting", str(meeting), "--db", str(db), "--report", str(out)]
        assert main(args) == EXIT_OK  # opened read-only: printing needs no write
        assert "Breast board" in pdf_text(out)[1]
        assert sorted(p.name for p in disk.iterdir()) == ["library.sqlite3"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--meeting", "999"], "no meeting 999"),
        (["--report-to-nowhere"], "unrecognized"),
        ([str(CASES / "01-new-metastatic.json"), "--meeting", "1"], "not both"),
    ],
)
def test_cli_report_bad_input_exits_2(
    qtbot: QtBot,
    tmp_path: Path,
    content: Content,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    db = tmp_path / "library.sqlite3"
    fill_library(db, content, ["01-new-metastatic.json"])
    full = [*args, "--db", str(db), "--report", str(tmp_path / "x.pdf")]
    with pytest.raises(SystemExit) if "unrecognized" in message else _nothing():
        code = main(full)
        assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x.pdf").exists()


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.mark.slow
def test_cli_report_as_a_real_process(tmp_path: Path) -> None:
    out = tmp_path / "process.pdf"
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), str(CASES / IDENTIFIED_CASE), "--report", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        check=False,
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert out.stat().st_size > 10_000


def test_case_pdf_of_a_decided_library_case_says_what_changed_since(
    window: MainWindow, tmp_path: Path, content: Content, board_dialogs: BoardDialogs
) -> None:
    db = tmp_path / "library.sqlite3"
    board, meeting, ids = board_on_agenda(window, db, content, ["05-brain-metastases.json"], 0)
    board_dialogs.answer("ask_decision", draft("tdm1", note="Decided"))
    assert board.record_decision() is not None
    assert board.library_control.open_case(ids[0])
    window.document.set_label("Back after three months")
    out = tmp_path / "case.pdf"
    assert board.exports.export_case_pdf(meeting, out)
    text = pdf_text(out)[1]
    assert "Back after three months" in text and "Decided" in text
    assert "Since this decision" in text and "The case was edited since." in text
