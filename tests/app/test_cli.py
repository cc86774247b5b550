"""``main.py``: arguments, screenshots, exit codes; in-process and as a real process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from app.main import DEFAULT_CASE, EXIT_BAD_INPUT, EXIT_OK, main
from tests.app.conftest import CASES, ROOT, DialogCalls
from tests.fresh_process import PYDANTIC, report


def _content() -> list[str]:
    folder = os.environ.get("HER2_PATHWAYS_TEST_CONTENT")  # as in tests/app/conftest.py
    return ["--content", folder] if folder else []


def _not_blank(path: Path) -> QImage:
    image = QImage(str(path))
    assert not image.isNull()
    colours = {
        image.pixel(x, y) for y in range(0, image.height(), 9) for x in range(0, image.width(), 9)
    }
    assert len(colours) > 40, "the screenshot looks blank"
    return image


def test_default_case_is_demo_4() -> None:
    assert DEFAULT_CASE == ROOT / "resources" / "cases" / "04-after-thp-and-tdxd.json"


def test_screenshot_in_process(qtbot: QtBot, tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    code = main(
        [
            str(CASES / "04-after-thp-and-tdxd.json"),
            "--step",
            "3",
            "--screenshot",
            str(out),
            *_content(),
        ]
    )
    assert code == EXIT_OK
    image = _not_blank(out)
    assert (image.width(), image.height()) == (1600, 1000)


def test_screenshot_with_a_whatif(qtbot: QtBot, tmp_path: Path) -> None:
    out = tmp_path / "whatif.png"
    assert (
        main(
            [
                str(CASES / "02-after-first-line.json"),
                "--what-if",
                "tdxd:progression",
                "--screenshot",
                str(out),
                *_content(),
            ]
        )
        == EXIT_OK
    )
    _not_blank(out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--step", "99"], "outside"),
        (["--what-if", "unobtainium"], "unknown regimen"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    qtbot: QtBot,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    code = main(
        [
            str(CASES / "04-after-thp-and-tdxd.json"),
            *args,
            "--screenshot",
            str(tmp_path / "x.png"),
            *_content(),
        ]
    )
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert message in err and len(err.strip().splitlines()) == 1


def test_bad_case_file_in_screenshot_mode(
    qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main([str(bad), "--screenshot", str(tmp_path / "x.png"), *_content()]) == 2
    err = capsys.readouterr().err
    assert "bad.json" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.png").exists()


def test_bad_case_file_interactive_shows_an_error_and_opens_empty(
    qtbot: QtBot, tmp_path: Path, dialog_calls: DialogCalls
) -> None:
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow

    def main_windows() -> set[MainWindow]:
        return {w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)}

    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something-else"}')
    dialog_calls.answer("show_error", None)
    before = main_windows()
    assert main([str(bad), *_content()]) == EXIT_OK  # the test's QApplication runs the loop
    name, args = dialog_calls.calls[-1]
    assert name == "show_error" and "bad.json" in args[2]
    windows = main_windows() - before
    assert len(windows) == 1 and next(iter(windows)).document.case.history == ()
    for window in windows:
        window.document.undo_stack.setClean()
        window.close()
        window.deleteLater()


def test_unknown_option_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--no-such-option"])
    assert exc.value.code == EXIT_BAD_INPUT
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


@pytest.mark.slow
def test_screenshot_as_a_process(tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    proc = subprocess.run(
        [
            sys.executable,
            "main.py",
            "resources/cases/04-after-thp-and-tdxd.json",
            "--step",
            "3",
            "--screenshot",
            str(out),
            *_content(),
        ],
        cwd=ROOT,
        env=_env(QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    _not_blank(out)


_REPORT_IMPORTS = f"""
import json, runpy, sys
sys.argv = ["main.py", *sys.argv[1:]]
try:
    runpy.run_path("main.py", run_name="__main__")
except SystemExit as exc:
    status = exc.code
print(json.dumps({{"pydantic": {PYDANTIC}, "exit": status}}))
"""


@pytest.mark.slow
def test_a_start_with_known_files_imports_no_pydantic(tmp_path: Path) -> None:
    """Pydantic validates what is new (~0.1 s, 19 MB); a start with the same content and the
    same case as before reads them without it (pathways.records, content cache, known_valid)."""
    case = tmp_path / "case.json"
    shutil.copy(CASES / "08-full-sequence.json", case)
    args = [str(case), "--screenshot", str(tmp_path / "shot.png"), *_content()]

    def start() -> tuple[set[str], object]:
        """The top-level pydantic packages the start imported, and its exit code."""
        result = report(
            _REPORT_IMPORTS, *args, cache=tmp_path / "cache", env={"QT_QPA_PLATFORM": "offscreen"}
        )
        return {m.split(".")[0] for m in result["pydantic"]}, result["exit"]

    validated = ({"pydantic", "pydantic_core"}, 0)
    assert start() == validated  # and remembered
    assert start() == (set(), 0)
    _not_blank(tmp_path / "shot.png")
    with case.open("a", encoding="utf-8") as f:
        f.write("\n")  # other bytes: validated again
    assert start() == validated


@pytest.mark.slow
def test_bad_case_as_a_process_exits_2(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "main.py",
            str(tmp_path / "missing.json"),
            "--screenshot",
            str(tmp_path / "x.png"),
            *_content(),
        ],
        cwd=ROOT,
        env=_env(QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "file not found" in proc.stderr


@pytest.mark.slow
def test_self_test_offscreen() -> None:
    proc = subprocess.run(
        [sys.executable, "main.py", "--self-test", *_content()],
        cwd=ROOT,
        env=_env(QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    assert "self-test: OK" in proc.stdout


XVFB = shutil.which("xvfb-run")


@pytest.mark.slow
@pytest.mark.skipif(XVFB is None, reason="xvfb-run is not installed: no real X11 smoke test")
def test_real_x11_window_under_xvfb() -> None:
    """Show the window for real (xcb platform) under Xvfb, step every demo case, exit 0."""
    assert XVFB is not None
    env = _env(QT_QPA_PLATFORM="xcb")
    env.pop("WAYLAND_DISPLAY", None)
    proc = subprocess.run(
        [
            XVFB,
            "-a",
            "-s",
            "-screen 0 1920x1200x24",
            sys.executable,
            "main.py",
            "--self-test",
            *_content(),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "platform xcb" in proc.stdout
