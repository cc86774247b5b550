"""Command line for content governance (no Qt): ``diff``, ``review-packet`` and ``sign-off``.

    python -m pathways diff OLD_DIR NEW_DIR [--json]
    python -m pathways review-packet OUT.pdf [CONTENT_DIR] [--against SIGNED_DIR] [--site FILE]
    python -m pathways sign-off [CONTENT_DIR] --name NAME --role ROLE [--date YYYY-MM-DD]
                                [--signing-key KEY.pem]

Exit codes as the rest of the CLI: 0 success; 2 bad input with one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn

from pathways.content import Content, bundled_content_dir, load_content
from pathways.errors import PathwayError
from pathways.safe_write import read_bounded
from pathways.schema import Reviewer
from pathways.site import SiteSettings, load_site

COMMANDS = ("diff", "review-packet", "sign-off")
EXIT_OK = 0
EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m pathways", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("diff", help="the clinical diff between two content folders")
    p.add_argument("old", type=Path, help="old content folder")
    p.add_argument("new", type=Path, help="new content folder")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--scenarios", type=Path, help="scenario folder (default: the bundled one)")
    p = sub.add_parser("review-packet", help="write the clinical review packet (PDF)")
    p.add_argument("output", type=Path, help="the PDF to write")
    p.add_argument("folder", type=Path, nargs="?", help="content folder (default: bundled)")
    p.add_argument("--against", type=Path, help="the last signed content folder, to diff against")
    p.add_argument("--site", type=Path, help="site file (its choices go in the footer)")
    p.add_argument("--scenarios", type=Path, help="scenario folder (default: the bundled one)")
    p = sub.add_parser("sign-off", help="record a reviewer's sign-off into the content")
    p.add_argument("folder", type=Path, nargs="?", help="content folder (default: bundled)")
    p.add_argument("--name", required=True, help="the reviewer's name")
    p.add_argument("--role", required=True, help="the reviewer's role")
    p.add_argument("--date", type=date.fromisoformat, default=None, help="YYYY-MM-DD (today)")
    p.add_argument("--signing-key", type=Path, help="Ed25519 private key (PEM): also sign")
    return parser


def _site(path: Path | None, content: Content) -> SiteSettings | None:
    return load_site(path, content) if path else None


def signoff_state_line(folder: Path | None, content: Content, site_file: Path | None) -> str:
    """The sign-off state of a content folder, as ``validate`` prints it last."""
    from pathways.signoff import DEFAULT_MAX_AGE_DAYS, SignatureError, check_folder

    folder = folder or bundled_content_dir()
    site = _site(site_file, content)
    key = site.public_key() if site else None
    age = site.max_age_days if site else DEFAULT_MAX_AGE_DAYS
    state = check_folder(folder, content, key, age)
    if state.status == "refused":
        raise SignatureError(str(folder), "", state.reason)
    stale = state.staleness()
    return f"Sign-off: {state.summary()}" + (f". WARNING: {stale}" if stale else "")


def run(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "diff":
        from pathways.content_diff import diff_content
        from pathways.scenarios import load_scenarios

        old, new = load_content(args.old), load_content(args.new)
        diff = diff_content(old, new, load_scenarios(args.scenarios))
        print(diff.to_json() if args.json else diff.to_text(), end="\n" if args.json else "")
        return EXIT_OK
    if args.command == "review-packet":
        return _review_packet(args)
    return _sign_off(args)


def _review_packet(args: argparse.Namespace) -> int:
    from pathways.content_diff import diff_content
    from pathways.review_packet import PacketInputs, write_packet
    from pathways.scenarios import load_scenarios
    from pathways.signoff import check_folder, read_texts, review_digest

    folder = args.folder or bundled_content_dir()
    content = load_content(folder)
    site = _site(args.site, content)
    scenarios = load_scenarios(args.scenarios)
    state = check_folder(folder, content, site.public_key() if site else None)
    diff = None
    if args.against:
        diff = diff_content(load_content(args.against), content, scenarios)
    inputs = PacketInputs(
        content=content,
        digest=review_digest(read_texts(folder)),
        state=state,
        scenarios=scenarios,
        diff=diff,
        against=str(args.against or ""),
        site=site,
    )
    write_packet(args.output, inputs)
    print(f"Wrote {args.output}")
    return EXIT_OK


def _sign_off(args: argparse.Namespace) -> int:
    from pathways.signoff import record_signoff, sign_folder

    folder = args.folder or bundled_content_dir()
    load_content(folder)  # only valid content can be signed
    try:
        reviewer = Reviewer(name=args.name, role=args.role, date=args.date or date.today())
    except ValueError as exc:
        raise PathwayError("sign-off", "", f"bad reviewer ({exc.__class__.__name__})") from None
    digest = record_signoff(folder, [reviewer])
    if args.signing_key:
        sign_folder(folder, read_bounded(args.signing_key, 64_000, "signing key"))
    print(f"Signed off: digest {digest}")
    return EXIT_OK


def main(argv: Sequence[str]) -> int:
    try:
        return run(argv)
    except PathwayError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OSError, RecursionError, MemoryError) as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
