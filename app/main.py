"""Start-up: arguments → logging → QApplication → content and engine → window → event loop.

``python main.py [CASE.json] [--step N] [--screenshot OUT.png] [--content DIR] [--self-test]``
Exit codes: 0 success; 1 self-test failure; 2 bad arguments or bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import gc
import linecache
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

# First, before Qt: the domain and its libraries (see app.startup_imports for why).
import app.startup_imports  # noqa: F401
from pathways.bundled import bundled_folder
from pathways.case import Case, Outcome
from pathways.errors import cut, shown
from pathways.version import APP_VERSION

# isort: split
from PySide6.QtCore import QMessageLogContext, QSize, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from app.tumor_board.cli import add_arguments as add_tumor_board_arguments

if TYPE_CHECKING:  # only for annotations: both load late, once arguments are sane
    from app.settings import AppSettings
    from pathways.content import Content

EXIT_OK = 0
EXIT_SELF_TEST_FAILED = 1
EXIT_BAD_INPUT = 2
SCREENSHOT_SIZE = QSize(1600, 1000)
DEFAULT_CASE = bundled_folder("cases") / "04-after-thp-and-tdxd.json"

log = logging.getLogger("app")
qt_log = logging.getLogger("qt")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse quotes the bad value whole: cut, so the line stays one short line.
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {cut(message, 300)} (see --help)\n")


def _whatif(value: str) -> tuple[str, Outcome]:
    regimen, _, outcome = value.partition(":")
    try:
        return regimen.strip(), Outcome(outcome.strip() or "progression")
    except ValueError:
        choices = ", ".join(o.value for o in Outcome)
        raise argparse.ArgumentTypeError(
            f"unknown outcome {shown(outcome)} (one of: {choices})"
        ) from None


def _size(value: str) -> QSize:
    width, sep, height = value.lower().partition("x")
    try:
        size = QSize(int(width), int(height)) if sep else QSize()
    except ValueError:
        size = QSize()
    if not (320 <= size.width() <= 8192 and 240 <= size.height() <= 8192):
        raise argparse.ArgumentTypeError("expected WxH, e.g. 1366x768 (320..8192 x 240..8192)")
    return size


def _scale(value: str) -> float:
    try:
        scale = float(value)
    except ValueError:
        scale = 0.0
    if not 0.5 <= scale <= 4.0:  # also refuses nan and inf
        raise argparse.ArgumentTypeError("expected a display scale from 0.5 to 4, e.g. 1.5")
    return scale


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="main.py",
        description="HER2 Pathways: step through a case and see the next options with evidence.",
    )
    parser.add_argument("case", nargs="?", type=Path, help="case file (JSON); default: demo 4")
    parser.add_argument("--step", type=int, help="show the situation before line N (0 = start)")
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="OUT.png",
        help="render the window (1600×1000) to a PNG and exit, showing nothing",
    )
    parser.add_argument(
        "--size",
        type=_size,
        metavar="WxH",
        help="with --screenshot: the picture's size in screen pixels (default 1600x1000)",
    )
    parser.add_argument(
        "--scale",
        type=_scale,
        metavar="F",
        help="with --screenshot: the display scale, e.g. 1.5 or 2 (the window is WxH / F)",
    )
    parser.add_argument("--content", type=Path, metavar="DIR", help="content folder")
    parser.add_argument(
        "--what-if",
        dest="whatif",
        action="append",
        type=_whatif,
        default=[],
        metavar="REGIMEN[:OUTCOME]",
        help="add a hypothetical next line (repeatable), e.g. tdm1:progression",
    )
    parser.add_argument("--select", metavar="REGIMEN", help="select this option or node")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="build the window, step through every demo case, exit 0 or 1",
    )
    parser.add_argument("--debug", action="store_true", help="log debug messages to stderr")
    parser.add_argument(
        "--version", action="store_true", help="print the app and content versions and exit"
    )
    add_tumor_board_arguments(parser)  # --db, --meeting, --report, --show-identifiers
    return parser


def _qt_message_handler(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    level = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }.get(mode, logging.WARNING)
    if "propagateSizeHints" in message:  # offscreen/xvfb plugin noise, harmless
        level = logging.DEBUG
    qt_log.log(level, "%s", message)


def _fail(message: str) -> int:
    log.info("refused: %s", message)  # the log file only: stderr gets exactly one line
    if sys.stderr is None:  # the windowed app on Windows: no console, so say it in a dialog
        _show_startup_error(message)
    else:
        print(f"main.py: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _show_startup_error(message: str) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    # A reference kept while the box is shown: an unreferenced QApplication is deleted at once.
    _app = QApplication.instance() or QApplication(sys.argv[:1] or ["her2-pathways"])
    box = QMessageBox(QMessageBox.Icon.Critical, "HER2 Pathways", message)
    box.setObjectName("startup_error_dialog")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()


def _start_logging(debug: bool) -> None:
    """The rotating log file (local app data), faulthandler, and logging excepthooks."""
    from app.crash import install_excepthooks
    from app.logging_setup import setup_logging

    setup_logging(debug)
    install_excepthooks(None)  # no dialog before the QApplication exists: log and stderr


def _start_crash_reports(app: QApplication, content_version: str) -> None:
    """From now on an unhandled exception also shows the crash dialog; the window icon."""
    from PySide6.QtGui import QIcon

    from app.crash import CrashReporter, install_excepthooks

    reporter = CrashReporter(app)
    reporter.content_version = content_version
    install_excepthooks(reporter)
    app.setWindowIcon(QIcon(str(bundled_folder("icons") / "her2-pathways.svg")))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))

    # Late imports: the domain and the window once the arguments are known to be sane.
    from app.settings import init_application_names
    from pathways.errors import PathwayError

    init_application_names()
    # The process's own log and crash hooks only when this call owns the application (not when
    # a test or a host program already runs one and calls main() in it).
    starting = QApplication.instance() is None
    # Called as the program (not by a test or host with its own arguments): the heap is ours.
    own_process = starting and argv is None
    if starting:
        _start_logging(args.debug)
    else:
        logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING)
    try:
        # The content in use and its sign-off; refused when the site's key does not verify it.
        from app.content_update import load_governed, make_engine

        content, governance = load_governed(args.content)
        engine = make_engine(content, governance.site)
        if own_process:  # imports and content stay: later collections need not walk them
            gc.freeze()
            gc.enable()  # main.py pauses the collector during the imports
    except PathwayError as exc:
        return _fail(exc.one_line())
    if args.version:
        print(
            f"her2-pathways {APP_VERSION} (content {content.version}, reviewed {content.reviewed})"
        )
        return EXIT_OK

    if (args.size is not None or args.scale is not None) and args.screenshot is None:
        return _fail("--size and --scale go with --screenshot")
    existing = QApplication.instance()
    owns_app = existing is None
    if args.scale is not None and owns_app:
        # Qt reads the scale once, when the application starts: as a 150 % or 200 % display.
        os.environ["QT_SCALE_FACTOR"] = f"{args.scale:g}"
    app = (
        existing
        if isinstance(existing, QApplication)
        else QApplication([sys.argv[0] if sys.argv else "her2-pathways"])
    )
    init_application_names()
    previous = None
    if owns_app:
        _start_crash_reports(app, content.version)
        app.setStyle("Fusion")
        previous = qInstallMessageHandler(_qt_message_handler)
    try:
        if args.self_test:
            return _self_test(app, engine)
        if args.report is not None:
            from app.tumor_board.cli import run_report

            return run_report(args, engine, DEFAULT_CASE)
        return _run(args, app, engine, owns_app, freeze=own_process)
    finally:
        if owns_app:
            qInstallMessageHandler(previous)


def _run(
    args: argparse.Namespace,
    app: QApplication,
    engine: object,
    owns_app: bool,
    freeze: bool = False,
) -> int:
    from app import dialogs
    from app.main_window import MainWindow
    from app.settings import AppSettings
    from app.tumor_board.install import install_tumor_board
    from pathways.case import load_case
    from pathways.engine import Engine
    from pathways.errors import PathwayError

    if freeze:
        # PySide6's import hook read the source of every module imported after it (to look
        # for "PySide6" in it) into linecache: ~2 MB of text the process never needs (a
        # traceback reads the lines it shows again). The window's modules are in by now.
        linecache.clearcache()
    assert isinstance(engine, Engine)
    content = engine.content
    headless = args.screenshot is not None
    case_path: Path = args.case or DEFAULT_CASE
    case: Case | None = None
    error = ""
    try:
        case = load_case(case_path, content)
    except PathwayError as exc:
        error = exc.one_line()
    if error and headless:
        return _fail(error)
    if case is not None and args.step is not None and not 0 <= args.step <= len(case.history):
        return _fail(f"--step {args.step} is outside 0..{len(case.history)} for this case")
    problem = _bad_window_option(args, content)
    if problem:
        return _fail(problem)
    whatifs: list[tuple[str, Outcome]] = []
    for regimen, outcome in args.whatif:
        regimen_id = content.resolve_regimen(regimen)
        if regimen_id is None:
            return _fail(f"--what-if: unknown regimen {shown(regimen)}")
        whatifs.append((regimen_id, outcome))

    with tempfile.TemporaryDirectory(prefix="her2-pathways-") as scratch:
        # Screenshots never read or write the user's settings: they must be reproducible.
        settings = AppSettings.ephemeral(scratch) if headless else AppSettings()
        window = MainWindow(content, engine, settings, case=case, case_path=case_path)
        board = install_tumor_board(window, args.db, args.show_identifiers, args.meeting)
        if args.meeting is not None and board.meeting_id() != args.meeting:
            return _fail(f"--meeting {args.meeting}: no such meeting in the case library")
        from app.content_update import install_governance

        install_governance(window, content)
        if case is not None and args.step is not None:
            window.document.set_step(args.step)
        try:
            for regimen_id, outcome in whatifs:
                window.document.add_whatif(regimen_id, outcome)
        except PathwayError as exc:
            return _fail(f"--what-if: {exc.one_line()}")
        if args.select:
            window.select(content.resolve_regimen(args.select) or args.select)
        elif window.document.recommendation.options:  # show the top option's evidence
            window.select(window.document.recommendation.options[0].regimen)
        if freeze:
            # What start-up built (modules, content, window) lives until the process ends:
            # frozen, the cyclic collector no longer walks it at every full collection, nor
            # once more at exit (~100 ms). Not when a test or host process owns the heap.
            gc.freeze()
        if headless:
            image = window.render_image(_logical_size(args, app))
            # Hidden, not closed: closing saves the window's state, here into throwaway
            # settings (a file written and synced in a folder deleted right after).
            window.hide()
            window.deleteLater()
            from app.safe_output import png_writer, qt_output

            try:  # whole or not at all: an existing picture survives a full disk
                with qt_output(args.screenshot) as out:
                    writer = png_writer(out.device)
                    if image.isNull() or not writer.write(image):
                        out.fail(f"cannot write the screenshot ({writer.errorString()})")
            except PathwayError as exc:
                return _fail(exc.one_line())
            return EXIT_OK
        _remove_leftovers(settings, case_path)
        window.show()
        if error:
            dialogs.show_error(window, window.tr("Cannot open the case"), error)
        if not owns_app:
            return EXIT_OK
        return app.exec()


def _bad_window_option(args: argparse.Namespace, content: Content) -> str:
    """Why an option of the window's command line cannot be honoured, or "" (exit 2 then)."""
    if args.select and not (
        content.resolve_regimen(args.select) or args.select in content.entry_points
    ):
        return f"--select: unknown regimen or entry point {shown(args.select)}"
    if args.screenshot is not None and args.screenshot.suffix.lower() != ".png":
        return f"--screenshot {shown(str(args.screenshot))}: the screenshot is a PNG; name it *.png"
    if args.meeting is not None and args.meeting < 1:
        return f"--meeting {args.meeting}: meeting ids start at 1"
    if isinstance(args.db, Path):  # a server address (--db postgresql://…) is not a file
        if args.db.exists() and not args.db.is_file():
            return f"--db {shown(str(args.db))}: not a case library file"
        if not args.db.parent.is_dir():
            return f"--db {shown(str(args.db))}: the folder does not exist"
    return ""


def _remove_leftovers(settings: AppSettings, case_path: Path) -> None:
    """Temporary files of writes killed last time, next to the files this user works on."""
    from pathways.safe_write import remove_stale_temporaries

    folders = {case_path.parent, *(Path(f).parent for f in settings.recent_files)}
    if settings.last_dir:
        folders.add(Path(settings.last_dir))
    for folder in folders:
        remove_stale_temporaries(folder)


def _logical_size(args: argparse.Namespace, app: QApplication) -> QSize:
    """The window's size in Qt's (device-independent) pixels, so that the picture has the
    requested number of screen pixels at the display scale."""
    size: QSize = args.size or SCREENSHOT_SIZE
    ratio = app.devicePixelRatio()
    return QSize(round(size.width() / ratio), round(size.height() / ratio))


def _self_test(app: QApplication, engine: object) -> int:
    """Build the window for real, load and step through every demo case, render each one."""
    from app.main_window import MainWindow, demo_cases
    from app.settings import AppSettings
    from pathways.case import load_case
    from pathways.engine import Engine

    assert isinstance(engine, Engine)
    content = engine.content
    problems: list[str] = []
    cases = demo_cases()
    with tempfile.TemporaryDirectory(prefix="her2-pathways-") as scratch:
        window = MainWindow(content, engine, AppSettings.ephemeral(scratch))
        window.show()
        for _label, path in cases:
            try:
                window.document.load(load_case(path, content), path)
                for k in range(window.document.step_count):
                    window.document.set_step(k)
                    app.processEvents()
                image = window.grab().toImage()
                if image.isNull() or image.width() < 100:
                    problems.append(f"{path.name}: blank render")
            except Exception as exc:
                problems.append(f"{path.name}: {type(exc).__name__}: {exc}")
        window.document.undo_stack.setClean()
        window.close()
    if problems:
        for p in problems:
            print(f"self-test: FAIL {p}", file=sys.stderr)
        return EXIT_SELF_TEST_FAILED
    print(
        f"self-test: OK ({len(cases)} demo cases, content {content.version}, "
        f"platform {app.platformName()})"
    )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
