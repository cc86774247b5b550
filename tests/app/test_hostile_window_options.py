"""``main.py`` with bad option values, and every window output written whole or not at all."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.main import EXIT_BAD_INPUT, main
from app.main_window import MainWindow
from app.tumor_board import report
from pathways.case import load_case, save_case
from pathways.content import Content
from pathways.engine import Engine
from pathways.safe_write import TEMP_SUFFIX
from tests.app.conftest import CASES, DialogCalls
from tests.app.tumor_board_support import BoardDialogs, make_board
from tests.disks import fill, mounted_tmpfs

CASE = str(CASES / "04-after-thp-and-tdxd.json")
OLD = b"an earlier export\n"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--select", "UNKNOWN"], "--select: unknown regimen or entry point"),
        (["--select", "x" * 100_000], "--select: unknown regimen or entry point"),
        (["--what-if", "y" * 100_000], "--what-if: unknown regimen"),
        (["--what-if", "tdm1:" + "z" * 100_000], "unknown outcome"),
        (["--step", "-1"], "--step -1 is outside"),
        (["--step", "9999"], "--step 9999 is outside"),
        (["--step", "x" * 100_000], "invalid int value"),
        (["--meeting", "0"], "--meeting 0: meeting ids start at 1"),
        (["--db", "/nonexistent-folder/library.sqlite3"], "the folder does not exist"),
        (["--db", "/"], "not a case library file"),
        (["--screenshot", "shot.jpg"], "the screenshot is a PNG"),
        (["--content", "/nonexistent-content"], "content folder not found"),
        (["--report", "out.txt"], "the report is a PDF"),
        (["/dev/zero", "--screenshot", "shot.png"], "not a regular file"),
    ],
)
def test_bad_option_values_exit_2_with_one_short_line(
    qtbot: QtBot,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    expected: str,
) -> None:
    os.chdir(tmp_path)  # relative outputs land in the test's folder
    if not args[0].startswith("/dev"):
        args = [CASE, *args]
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own errors exit from inside parse_args
        code = int(exc.code or 0)
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err[:300]
    assert expected in err
    assert len(err) < 600
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with mounted_tmpfs(tmp_path / "disk", "48k") as disk:
        yield disk


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(TEMP_SUFFIX)]


def test_pdf_png_svg_on_a_full_disk_keep_the_old_file(
    qtbot: QtBot, small_disk: Path, content: Content, engine: Engine
) -> None:
    case = load_case(Path(CASE), content)
    doc = report.case_document(content, engine, case)
    scene = report.graph_scene(content, engine)
    report.show_case(scene, content, engine, case)
    for name in ("case.pdf", "graph.png", "graph.svg"):
        (small_disk / "filler").unlink(missing_ok=True)
        path = small_disk / name
        path.write_bytes(OLD)
        fill(small_disk)
        with pytest.raises(report.ReportError, match="the disk is full"):
            if name.endswith(".pdf"):
                report.write_pdf(doc, path, content)
            else:
                report.export_graph(scene, path)
        assert path.read_bytes() == OLD, name
        assert _leftovers(small_disk) == []


def test_headless_report_on_a_full_disk_and_onto_its_input(
    qtbot: QtBot, small_disk: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = small_disk / "case.pdf"
    out.write_bytes(OLD)
    fill(small_disk)
    assert main([CASE, "--report", str(out)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "the disk is full" in err and err.count("\n") == 1
    assert out.read_bytes() == OLD
    # A case file named *.pdf, reported onto itself through a hard link: refused.
    source = tmp_path / "case-as.pdf"
    source.write_bytes(Path(CASE).read_bytes())
    alias = tmp_path / "report.pdf"
    os.link(source, alias)
    assert main([str(source), "--report", str(alias)]) == EXIT_BAD_INPUT
    assert "same file as the input" in capsys.readouterr().err
    assert source.read_bytes() == Path(CASE).read_bytes()


def test_screenshot_on_a_full_disk_keeps_the_old_picture(
    qtbot: QtBot, small_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = small_disk / "shot.png"
    out.write_bytes(OLD)
    fill(small_disk)
    assert main([CASE, "--screenshot", str(out)]) == EXIT_BAD_INPUT
    assert "the disk is full" in capsys.readouterr().err
    assert out.read_bytes() == OLD
    assert _leftovers(small_disk) == []


def test_exports_keep_permissions_and_refuse_read_only_files(
    qtbot: QtBot, tmp_path: Path, content: Content, engine: Engine
) -> None:
    case = load_case(Path(CASE), content)
    doc = report.case_document(content, engine, case)
    private = tmp_path / "private.pdf"
    private.write_bytes(OLD)
    private.chmod(0o600)
    report.write_pdf(doc, private, content)
    assert private.read_bytes().startswith(b"%PDF")
    assert private.stat().st_mode & 0o777 == 0o600
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(OLD)
    locked.chmod(0o444)
    with pytest.raises(report.ReportError, match="read-only"):
        report.write_pdf(doc, locked, content)
    assert locked.read_bytes() == OLD


def test_unknown_meeting_exits_2(
    qtbot: QtBot, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = [CASE, "--db", str(tmp_path / "library.sqlite3"), "--meeting", "5"]
    assert main([*args, "--screenshot", str(tmp_path / "shot.png")]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--meeting 5: no such meeting" in err
    assert not (tmp_path / "shot.png").exists()


def test_window_exports_never_replace_the_open_case(
    window: MainWindow, tmp_path: Path, dialog_calls: DialogCalls, monkeypatch: pytest.MonkeyPatch
) -> None:
    board_dialogs = BoardDialogs(monkeypatch)  # no tumor-board dialog may open unscripted
    board_dialogs.answer("ask_include_identifiers", False)
    case_file = tmp_path / "case.json"
    save_case(window.document.case, case_file)
    assert window.open_case(case_file, ask=False)
    before = case_file.read_bytes()
    board = make_board(window, tmp_path / "library.sqlite3")
    dialog_calls.answer("show_error", None)
    for name in ("case.pdf", "graph.png"):
        alias = tmp_path / name
        os.link(case_file, alias)  # the same file under an export's name
        exported = (
            board.exports.export_case_pdf(None, alias)
            if name.endswith(".pdf")
            else board.exports.export_graph(alias)
        )
        assert not exported
        assert "same file as the input" in str(dialog_calls.calls[-1][1][2])
        assert case_file.read_bytes() == before
