"""PDF reports (case and meeting), privacy in exports, graph PNG/SVG, print, headless CLI."""

from __future__ import annotations

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
from app.tumor_board import report
from pathways.case import load_case
from pathways.content import Content
from pathways.engine import Engine
from tests.app.conftest import CASES, ROOT
from tests.app.tumor_board_support import (
    BIRTH_DATE,
    IDENTIFIED_CASE,
    NAME,
    RECORD_NUMBER,
    BoardDialogs,
    draft,
    fill_library,
    flat,
    make_board,
)


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


def test_export_from_the_window_follows_the_privacy_toggle(
    window: MainWindow, tmp_path: Path, board_dialogs: BoardDialogs
) -> None:
    board = make_board(window, tmp_path / "library.sqlite3")
    out = tmp_path / "window.pdf"
    board_dialogs.answer("ask_pdf_path", out)
    board.actions.export_pdf.trigger()
    assert NAME not in pdf_text(out)[1]
    board.actions.show_identifiers.setChecked(True)
    assert board.export_case_pdf(out)
    assert NAME in pdf_text(out)[1]


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
    board.actions.export_meeting_pdf.trigger()
    pages, text = pdf_text(out)
    assert pages >= 3  # a summary, then one section per case
    labels = [load_case(CASES / n, content).label for n in names]
    summary_at = text.index("Decisions (2 cases on the agenda)")
    assert all(text.index(label) > summary_at for label in labels)
    assert "corrected: version 2" in text
    assert "Earlier versions" in text and "Corrected" in text
    assert NAME not in text and RECORD_NUMBER not in text


def test_graph_exports_png_and_svg(
    window: MainWindow, tmp_path: Path, board_dialogs: BoardDialogs
) -> None:
    board = make_board(window, tmp_path / "library.sqlite3")
    png, svg = tmp_path / "graph.png", tmp_path / "graph.svg"
    board_dialogs.answer("ask_graph_path", png)
    board.actions.export_graph.trigger()
    image = QImage(str(png))
    assert not image.isNull() and image.width() == report.GRAPH_IMAGE_WIDTH
    assert board.export_graph(svg)
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
