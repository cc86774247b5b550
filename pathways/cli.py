"""Command line: ``python -m pathways next|steps|validate|import-fhir`` (no Qt).

``diff``, ``review-packet`` and ``sign-off`` live in :mod:`pathways.governance_cli`.

Exit codes: 0 success; 2 bad input, with one line on stderr naming the file, place and problem;
1 an internal error (a bug), also one line and no traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import NoReturn

from pathways import safe_write
from pathways.case import Case, dump_case, load_case, revalidated, save_case
from pathways.content import Content, load_content
from pathways.engine import Engine, Recommendation
from pathways.errors import PathwayError, cut
from pathways.version import APP_VERSION

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INTERNAL_ERROR = 1


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not a usage dump: the contract is "exit 2 and one clear line".
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {cut(message, 300)} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m pathways", description=__doc__)
    parser.add_argument("--content", type=Path, help="content folder (default: the bundled one)")
    parser.add_argument(
        "--version",
        action="version",
        version=f"her2-pathways-cli {APP_VERSION}",
        help="print the app version and exit (validate prints the content's)",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, doc in (
        ("next", "the next options for a case"),
        ("steps", "the options at every step of a case's history"),
    ):
        p = sub.add_parser(name, help=doc, description=doc)
        p.add_argument("case", type=Path, help="case file (JSON)")
        p.add_argument("--json", action="store_true", help="print one JSON object")
    p = sub.add_parser("validate", help="validate the content", description="validate the content")
    p.add_argument("folder", type=Path, nargs="?", help="content folder (default: bundled)")
    p.add_argument("--site", type=Path, help="site file (its key checks the signature)")
    p = sub.add_parser(
        "import-fhir",
        help="make a case from a FHIR R4 / mCODE export",
        description="make a case from a FHIR R4 / mCODE export",
    )
    p.add_argument("file", type=Path, help="FHIR JSON, NDJSON or Bundle")
    p.add_argument("-o", "--output", type=Path, help="write the case here (else stdout)")
    p.add_argument("--report", type=Path, help="write the import report here (else stderr)")
    return parser


def _format_recommendation(rec: Recommendation, content: Content, title: str = "") -> str:
    out = []
    where = f"line {rec.line}" if rec.line is not None else "early setting"
    out.append(f"{title}{where} — position: {content.node_name(rec.position)}")
    for o in rec.options:
        place = f"{o.order}." if o.order is not None else "-"
        out.append(f"  {place:>3} [{o.tier:<11}] {o.name} ({o.regimen})")
        out.append(f"                {o.why}")
        if o.order is not None:
            decided = content.message("tie") if o.tied else f"order set by {o.ordered_by}"
            out.append(f"                ({decided})")
        for w in o.warnings:
            out.append(f"                ! {w.kind}: {w.text}")
    for w in rec.warnings:
        out.append(f"  WARNING {w.kind}: {w.title + ' — ' if w.title else ''}{w.text}")
    return "\n".join(out)


def _footer(content: Content) -> str:
    return (
        f"Content {content.version}, reviewed {content.reviewed}. "
        f"{content.header.disclaimer.strip()}"
    )


def run(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "validate":
        content = load_content(args.folder or args.content)
        # Last line: the sign-off state (pathways/signoff.py); a refused signature exits 2.
        from pathways.governance_cli import signoff_state_line

        signoff = signoff_state_line(args.folder or args.content, content, args.site)
        print(
            f"OK: content {content.version} ({len(content.regimens)} regimens, "
            f"{len(content.evidence)} evidence records, {len(content.transitions)} transitions)"
        )
        print(signoff)
        return EXIT_OK
    content = load_content(args.content)
    if args.command == "import-fhir":
        return _import_fhir(args, content)
    engine = Engine(content)
    case: Case = load_case(args.case, content)
    if args.command == "next":
        rec = engine.next_options(case)
        if args.json:
            print(json.dumps(rec.to_dict(content), indent=2, ensure_ascii=False))
        else:
            print(_format_recommendation(rec, content))
            print(_footer(content))
        return EXIT_OK
    results = engine.steps(case)
    if args.json:
        payload = {
            "steps": [
                {
                    "step": s.index,
                    **s.recommendation.to_dict(content),
                    "given_next": s.given.regimen if s.given else None,
                    "given_next_tier": s.given_tier,
                    "on_pathway": s.on_pathway,
                }
                for s in results
            ],
            "content": {"version": content.version, "reviewed": content.reviewed},
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return EXIT_OK
    for s in results:
        print(_format_recommendation(s.recommendation, content, f"Step {s.index}: "))
        if s.given:
            print(f"  -> given next: {s.given.regimen} ({s.given_tier})")
        print()
    print(_footer(content))
    return EXIT_OK


def _import_fhir(args: argparse.Namespace, content: Content) -> int:
    from pathways.fhir import import_fhir_file

    if args.output and args.report and _same_file(args.output, args.report):
        raise PathwayError(str(args.report), "", "--report and -o name the same file")
    result = import_fhir_file(args.file, content.agents, content.regimens)
    revalidated(result.case, "the imported case", content)  # would it open once saved?
    report = result.report.to_text()
    # Whole or not at all, never over the input (same device and inode: hard links count).
    if args.output:
        save_case(result.case, args.output, inputs=(args.file,))
    if args.report:
        safe_write.write_text(args.report, report, inputs=(args.file,))
    else:
        print(report, file=sys.stderr)
    if not args.output:
        print(dump_case(result.case), end="")
    return EXIT_OK


def _same_file(a: Path, b: Path) -> bool:
    if a.absolute() == b.absolute():
        return True
    try:
        return a.samefile(b)
    except OSError:
        return False


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["library"]:  # its own parser and commands: pathways/library_cli.py
        from pathways.library_cli import main as library_main

        return library_main(args[1:])
    if args[:1] and args[0] in ("diff", "review-packet", "sign-off"):  # content governance
        from pathways.governance_cli import main as governance_main

        return governance_main(args)
    _escape_unencodable()
    try:
        return run(argv)
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except PathwayError as exc:
        return _error(exc.one_line())
    except KeyboardInterrupt:
        return 130
    except (OSError, RecursionError, MemoryError) as exc:
        return _error(cut(f"{type(exc).__name__}: {exc}", 300))
    except Exception as exc:  # a bug of ours: one line (no traceback, which may quote data)
        _error(f"internal error ({type(exc).__name__}); please report it with the command used")
        return EXIT_INTERNAL_ERROR


def _error(line: str) -> int:
    try:
        print(f"error: {line}", file=sys.stderr)
    except BrokenPipeError:
        return _quiet_broken_pipe(EXIT_BAD_INPUT)
    return EXIT_BAD_INPUT


def _escape_unencodable() -> None:
    # A lone surrogate (from a file name or a file's text) must print as an escape, not raise.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")


def _quiet_broken_pipe(code: int = EXIT_OK) -> int:
    """The reader went away (``... | head``): stop quietly, as a Unix filter does.

    Python would report the failed flush of stdout at exit; pointing stdout at /dev/null
    first makes that flush succeed.
    """
    with suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return code


if __name__ == "__main__":
    sys.exit(main())
