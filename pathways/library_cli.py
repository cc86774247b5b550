"""``python -m pathways library``: the case library without the window (no Qt).

Coordinators and scripts prepare agendas from files, record decisions and sign meetings off::

    python -m pathways library --db DB add-case CASE.json            # prints the new case id
    python -m pathways library --db DB update-case ID CASE.json
    python -m pathways library --db DB new-meeting TITLE YYYY-MM-DD  # prints the meeting id
    python -m pathways library --db DB agenda-add MEETING CASE_ID
    python -m pathways library --db DB attendees MEETING "NAME=ROLE" ...
    python -m pathways library --db DB decide MEETING CASE_ID REGIMEN --by NAME [--note TEXT]
        [--dissent TEXT] [--off-pathway-reason CODE] [--detail TEXT] [--alternative REGIMEN]...
        [--supersedes DECISION_ID]
    python -m pathways library --db DB sign-off MEETING --by NAME
    python -m pathways library --db DB amend MEETING --by NAME --reason TEXT
    python -m pathways library --db DB init                          # create or upgrade it
    python -m pathways library --db DB list [--json]
    python -m pathways library copy SRC DST   # a whole library into an empty one, verified

``decide`` asks the engine whether the choice is on the pathway and stores a snapshot of what the
engine answered. ``DB`` is an SQLite file or a PostgreSQL database (``postgresql://USER@HOST/DB``
or ``service=NAME``; the password comes from pgpass or the service file); on PostgreSQL the
database login is recorded as who decided or signed, and ``--by`` may be left out. Exit 0; 2 on
bad input, with one line on stderr (never a traceback).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from pathways.case import dump_case, load_case, parse_case
from pathways.content import Content, load_content
from pathways.engine import Engine
from pathways.errors import PathwayError
from pathways.library import (
    OFF_PATHWAY_REASONS,
    SCHEMA_VERSION,
    Attendee,
    CaseLibrary,
    LibraryError,
    is_server_location,
)
from pathways.network_fs import network_problem
from pathways.snapshot_diff import is_on_pathway, take_snapshot

EXIT_OK = 0
EXIT_BAD_INPUT = 2
DB_ENV = "HER2_PATHWAYS_DB"
PROG = "python -m pathways library"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message} (see --help)\n")


class _Refused(Exception):
    """A request the library or the engine refuses; the message is one line for stderr."""


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("the date must be YYYY-MM-DD") from None


def _attendee(text: str) -> Attendee:
    name, _, role = text.partition("=")
    if not name.strip():
        raise argparse.ArgumentTypeError("an attendee is NAME=ROLE (the role may be empty)")
    return Attendee(name.strip(), role.strip())


_BY_HELP = (
    "who does it (required with an SQLite library; on PostgreSQL the database login is "
    "recorded instead)"
)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="the case library without the window")
    parser.add_argument(
        "--db",
        metavar="DB",
        help=f"the case library: an SQLite file, or a PostgreSQL database as "
        f"postgresql://USER@HOST/DB or service=NAME (default: ${DB_ENV})",
    )
    parser.add_argument("--content", type=Path, help="content folder (default: the bundled one)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("add-case", help="store a case file; prints the new case id")
    p.add_argument("case", type=Path, help="case file (JSON)")
    p = sub.add_parser("update-case", help="replace a stored case with a case file")
    p.add_argument("case_id", type=int, metavar="ID")
    p.add_argument("case", type=Path, help="case file (JSON)")
    p = sub.add_parser("new-meeting", help="create a meeting; prints the meeting id")
    p.add_argument("title")
    p.add_argument("date", type=_day, metavar="YYYY-MM-DD")
    p = sub.add_parser("agenda-add", help="put a stored case on a meeting's agenda")
    p.add_argument("meeting", type=int, metavar="MEETING")
    p.add_argument("case_id", type=int, metavar="CASE_ID")
    p = sub.add_parser("attendees", help="set a meeting's attendees (NAME=ROLE ...)")
    p.add_argument("meeting", type=int, metavar="MEETING")
    p.add_argument("attendees", type=_attendee, nargs="*", metavar="NAME=ROLE")
    p = sub.add_parser("decide", help="record the board's decision on an agenda case")
    p.add_argument("meeting", type=int, metavar="MEETING")
    p.add_argument("case_id", type=int, metavar="CASE_ID")
    p.add_argument("regimen", help="regimen id or name (aliases such as T-DXd are accepted)")
    p.add_argument("--by", metavar="NAME", help=_BY_HELP)
    p.add_argument("--note", default="", metavar="TEXT")
    p.add_argument("--dissent", default="", metavar="TEXT")
    p.add_argument("--off-pathway-reason", choices=OFF_PATHWAY_REASONS, metavar="CODE")
    p.add_argument("--detail", default="", metavar="TEXT", help="the off-pathway reason in words")
    p.add_argument(
        "--alternative", action="append", default=[], metavar="REGIMEN", help="discussed too"
    )
    p.add_argument("--supersedes", type=int, metavar="DECISION_ID", help="correct this decision")
    p = sub.add_parser("sign-off", help="the chair signs the minutes: the meeting is frozen")
    p.add_argument("meeting", type=int, metavar="MEETING")
    p.add_argument("--by", metavar="NAME", help=_BY_HELP)
    p = sub.add_parser("amend", help="reopen a signed-off meeting as a new version")
    p.add_argument("meeting", type=int, metavar="MEETING")
    p.add_argument("--by", metavar="NAME", help=_BY_HELP)
    p.add_argument("--reason", required=True, metavar="TEXT")
    sub.add_parser(
        "init",
        help="create the library, or upgrade it to this version's schema "
        "(on PostgreSQL: with the login that is to own its tables)",
    )
    p = sub.add_parser("list", help="cases, meetings, agendas and decisions")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p = sub.add_parser("copy", help="copy a whole library into an empty one, then verify it")
    # Text, not Path: a Path would fold the "//" of a postgresql:// address.
    p.add_argument("src", metavar="SRC", help="SQLite file, postgresql://… or service=NAME")
    p.add_argument("dst", metavar="DST", help="an empty (or new) library, same forms")
    return parser


def _db(args: argparse.Namespace) -> Path | str:
    """The library's location: a PostgreSQL address as given, or an SQLite file's path."""
    text = args.db if args.db is not None else os.environ.get(DB_ENV, "").strip()
    if not text:
        raise _Refused(f"give the case library with --db DB (or set {DB_ENV})")
    return text if is_server_location(text) else Path(text)


def _by(args: argparse.Namespace, library: CaseLibrary) -> str:
    """Who acts: the database login on PostgreSQL (the server records it), else ``--by``."""
    if library.login is not None:
        return library.login
    if not args.by:
        raise _Refused("say who does it with --by NAME")
    return str(args.by)


def _regimen(content: Content, name: str) -> str:
    resolved = content.resolve_regimen(name)
    if resolved is None:
        # Not a regimen of the content: the board may still choose it, off the pathway.
        return name.strip()
    return resolved


def run(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    if args.command == "copy":  # names its two libraries itself; --db is not used
        from pathways.library_copy import copy_library

        for line in copy_library(args.src, args.dst).lines():
            print(line)
        return EXIT_OK
    db = _db(args)
    if args.command == "init":
        if isinstance(db, Path) and (problem := network_problem(db)) is not None:
            raise _Refused(problem)
        with CaseLibrary.open(db) as library:
            if library.read_only:
                raise _Refused(
                    f"{library.where}: the case library is read-only ({library.read_only_reason})"
                )
            print(f"{library.where}: case library ready (schema {SCHEMA_VERSION})")
        return EXIT_OK
    if args.command == "list":
        if isinstance(db, Path) and not db.exists():
            raise _Refused(f"{db}: there is no case library there")
        with CaseLibrary.open(db, read_only=True) as library:
            _list(library, args.json)
        return EXIT_OK
    content = load_content(args.content)
    if isinstance(db, Path):
        problem = network_problem(db)  # SQLite written over a network can be damaged: refused
        if problem is not None:
            raise _Refused(problem)
    with CaseLibrary.open(db) as library:
        if library.read_only:
            raise _Refused(
                f"{library.where}: the case library is read-only ({library.read_only_reason})"
            )
        out = _edit(args, library, content)
    if out is not None:
        print(out)
    return EXIT_OK


def _edit(args: argparse.Namespace, library: CaseLibrary, content: Content) -> int | None:
    command = args.command
    if command == "add-case":
        return library.add_case(dump_case(load_case(args.case, content)))
    if command == "update-case":
        library.update_case(args.case_id, dump_case(load_case(args.case, content)))
        return None
    if command == "new-meeting":
        return library.create_meeting(args.title, args.date)
    if command == "agenda-add":
        library.add_to_agenda(args.meeting, args.case_id)
        return None
    if command == "attendees":
        library.set_attendees(args.meeting, args.attendees)
        return None
    if command == "sign-off":
        library.sign_off(args.meeting, _by(args, library))
        return None
    if command == "amend":
        library.amend_meeting(args.meeting, _by(args, library), args.reason)
        return None
    assert command == "decide"
    return _decide(args, library, content)


def _decide(args: argparse.Namespace, library: CaseLibrary, content: Content) -> int:
    meeting, case_id = args.meeting, args.case_id
    if library.get_meeting(meeting).signed_off:
        raise _Refused(f"meeting {meeting} is signed off: amend it (with a reason) before deciding")
    if case_id not in [c.id for c in library.agenda(meeting)]:
        raise _Refused(f"case {case_id} is not on the agenda of meeting {meeting}")
    stored = library.get_case(case_id)
    case = parse_case(stored.case_json, f"library case {case_id}", content)
    snapshot, rec = take_snapshot(Engine(content), case)
    regimen = _regimen(content, args.regimen)
    on_pathway = is_on_pathway(rec, regimen)
    tier = rec.tier_of(regimen)
    if on_pathway and args.off_pathway_reason is not None:
        raise _Refused(
            f"{regimen} is {tier} on the pathway for this case: it takes no off-pathway reason"
        )
    if not on_pathway and args.off_pathway_reason is None:
        raise _Refused(
            f"{regimen} is {tier} for this case (not preferred or alternative on the pathway): "
            f"give --off-pathway-reason, one of {', '.join(OFF_PATHWAY_REASONS)}"
        )
    alternatives = [_regimen(content, a) for a in args.alternative]
    return library.record_decision(
        meeting,
        case_id,
        chosen_regimen=regimen,
        on_pathway=on_pathway,
        off_pathway_reason=args.off_pathway_reason,
        off_pathway_detail=args.detail.strip(),
        alternatives=[a for a in dict.fromkeys(alternatives) if a != regimen],
        note=args.note.strip(),
        dissent=args.dissent.strip(),
        recorded_by=_by(args, library),
        snapshot=snapshot,
        supersedes=args.supersedes,
    )


def _list(library: CaseLibrary, as_json: bool) -> None:
    cases = library.list_cases()
    meetings: list[dict[str, Any]] = []
    for m in library.list_meetings():
        decisions = library.meeting_decisions(m.id)
        meetings.append(
            {
                "id": m.id,
                "title": m.title,
                "date": m.date.isoformat(),
                "signed_off": m.signed_off,
                "agenda": [c.id for c in library.agenda(m.id)],
                "decisions": [
                    {
                        "id": d.id,
                        "case": d.case_id,
                        "regimen": d.chosen_regimen,
                        "on_pathway": d.on_pathway,
                        "off_pathway_reason": d.off_pathway_reason,
                        "version": d.version,
                        "current": d.is_current,
                        "supersedes": d.supersedes,
                        "recorded_by": d.recorded_by,
                        "recorded_at": d.recorded_at.isoformat(),
                        "snapshot": d.snapshot is not None,
                    }
                    for d in decisions
                ],
            }
        )
    payload: dict[str, Any] = {
        "cases": [
            {"id": c.id, "label": c.label, "updated_at": c.updated_at.isoformat()} for c in cases
        ],
        "meetings": meetings,
    }
    if as_json:
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    print(f"Cases ({len(cases)}):")
    for c in cases:
        print(f"  {c.id:>5}  {c.label}")
    print(f"Meetings ({len(meetings)}):")
    for entry in meetings:
        state = " [signed off]" if entry["signed_off"] else ""
        print(f"  {entry['id']:>5}  {entry['date']}  {entry['title']}{state}")
        print(f"         agenda: {', '.join(str(i) for i in entry['agenda']) or '-'}")
        for d in entry["decisions"]:
            if d["current"]:
                pathway = "on pathway" if d["on_pathway"] else "off pathway"
                print(
                    f"         case {d['case']}: {d['regimen']} ({pathway}), "
                    f"decision {d['id']} v{d['version']} by {d['recorded_by']}"
                )


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2, one line printed)
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    except PathwayError as exc:
        return _fail(exc.one_line())
    except (LibraryError, _Refused) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``… | head``): stop quietly, and keep Python's own flush at
        # exit from reporting the same closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except (OSError, RecursionError, MemoryError) as exc:
        return _fail(f"{type(exc).__name__}: {getattr(exc, 'strerror', None) or exc}")


def _fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT
