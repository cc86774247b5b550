"""Command-line options of tumor-board mode, and the headless ``--report``.

``main.py CASE.json --report OUT.pdf`` writes a case report; ``main.py --meeting ID --report
OUT.pdf [--db PATH|ADDRESS]`` writes a meeting report. Exit 0, or 2 with one line on stderr.
``--show-identifiers`` puts patient identifiers into exports (they are hidden by default).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def library_location(text: str) -> Path | str:
    """``--db``: a PostgreSQL address (``postgresql://…``, ``service=NAME``) stays text."""
    from pathways.library import is_server_location

    return text.strip() if is_server_location(text) else Path(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("tumor board")
    group.add_argument(
        "--db",
        type=library_location,
        metavar="PATH|ADDRESS",
        help="case library: an SQLite file, or a shared PostgreSQL database "
        "(postgresql://user@host/db or service=NAME); default: $HER2_PATHWAYS_DB, else the "
        "library last opened, else the user's app data folder",
    )
    group.add_argument(
        "--meeting", type=int, metavar="ID", help="the meeting to open, present or report on"
    )
    group.add_argument(
        "--report",
        type=Path,
        metavar="OUT.pdf",
        help="write a PDF report of the case (or of --meeting) and exit, showing nothing",
    )
    group.add_argument(
        "--show-identifiers",
        action="store_true",
        help="include patient names, record numbers and birth dates in exports",
    )


def _fail(message: str) -> int:
    print(f"main.py: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def run_report(args: argparse.Namespace, engine: object, default_case: Path) -> int:
    """Write the report asked for by ``args`` (a QApplication must exist)."""
    from app.tumor_board import report
    from app.tumor_board.storage import resolve_db_path
    from pathways.case import load_case
    from pathways.engine import Engine
    from pathways.errors import PathwayError
    from pathways.library import CaseLibrary, LibraryError

    assert isinstance(engine, Engine)
    content = engine.content
    out: Path = args.report
    if out.suffix.lower() != ".pdf":
        return _fail(f"--report {out}: the report is a PDF; name it *.pdf")
    try:
        if args.meeting is not None:
            if args.case is not None:
                return _fail("give either a case file or --meeting, not both")
            db = resolve_db_path(args.db)
            if isinstance(db, Path) and not db.exists():
                return _fail(f"--db {db}: no case library there")
            with CaseLibrary.open(db) as library:
                doc = report.meeting_document(
                    content, engine, library, args.meeting, args.show_identifiers
                )
        else:
            case = load_case(args.case or default_case, content)
            doc = report.case_document(
                content, engine, case, show_identifiers=args.show_identifiers
            )
        inputs = [p for p in (args.case, args.db) if isinstance(p, Path)] or [default_case]
        report.write_pdf(doc, out, content, inputs)
    except PathwayError as exc:
        return _fail(exc.one_line())
    except (LibraryError, report.ReportError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{out}: {exc.strerror or exc}")
    return EXIT_OK
