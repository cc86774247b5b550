"""The import report: what was read, what was not and why, and what was inferred.

The clinician reviews it before the imported case replaces anything, so every guess the importer
makes is listed. It never holds patient identifiers: the importer redacts them (see
:meth:`ImportReport.redact`) before the report leaves :mod:`pathways.fhir.importer`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

HIDDEN = "[hidden]"
# Everything the report repeats from the file is cut to these lengths (after redaction, so a cut
# never leaves part of an identifier behind): a 24-million-character id must not become a
# 24-million-character report line.
MAX_ID_CHARS = 64
MAX_CODE_CHARS = 120
MAX_TEXT_CHARS = 600
# Identifiers are matched by their first characters: a text cut to MAX_TEXT_CHARS still holds a
# whole prefix of this length wherever it holds the start of the identifier.
MAX_SECRET_CHARS = 48
# More identifying strings than this (a Patient with thousands of names) cannot all be checked
# quickly; then every resource id is hidden as well.
MAX_SECRETS = 64


@dataclass(frozen=True)
class ReportItem:
    """A resource the importer used, and what it took from it."""

    resource_type: str
    resource_id: str
    what: str


@dataclass(frozen=True)
class SkippedItem:
    """A resource (or part of one) the importer did not use. ``code`` is "system|code" or ""."""

    resource_type: str
    resource_id: str
    code: str
    reason: str


@dataclass(frozen=True)
class UnmatchedLine:
    """Anticancer drugs given together that match no regimen of the content: add by hand."""

    setting: str
    start: str
    end: str
    agents: tuple[str, ...]
    reason: str


@dataclass
class ImportReport:
    recognised: list[ReportItem] = field(default_factory=list)
    skipped: list[SkippedItem] = field(default_factory=list)
    inferred: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unmatched_lines: list[UnmatchedLine] = field(default_factory=list)
    container: str = ""
    resource_count: int = 0
    _warned: set[str] = field(default_factory=set, repr=False, compare=False)

    # ------------------------------------------------------------------ building
    def use(self, resource_type: str, resource_id: str, what: str) -> None:
        self.recognised.append(ReportItem(resource_type, resource_id, what))

    def skip(self, resource_type: str, resource_id: str, code: str, reason: str) -> None:
        self.skipped.append(SkippedItem(resource_type, resource_id, code, reason))

    def infer(self, text: str) -> None:
        self.inferred.append(text)

    def warn(self, text: str) -> None:
        # A set beside the list: a file can produce many thousands of distinct warnings.
        if text not in self._warned:
            self._warned.add(text)
            self.warnings.append(text)

    def redact(self, names: Iterable[str], identifiers: Iterable[str] = ()) -> None:
        """Hide every patient identifier found in the record, everywhere; then cut long texts.

        The importer never writes identifiers into the report on purpose; this is the safety net
        for identifiers that turn up where nobody expects them: a resource id equal to the MRN or
        embedding it ("obs-MRN123-1"), a code or a Bundle type holding a name. Names are hidden
        as whole words (a surname "Best" spares "best"); record numbers, birth dates and other
        identifier values hide the whole token they appear in; a resource id that contains any
        of them (in any case) is hidden entirely.
        """
        redactor = Redactor(names, identifiers)
        if redactor.overflow:
            self.warn(
                "The Patient resource holds too many names and identifiers to check them all; "
                "every resource id is hidden in this report."
            )
        text, code, rid = redactor.text, redactor.code, redactor.resource_id

        def used(i: ReportItem) -> ReportItem:
            new = (rid(i.resource_id), text(i.what))
            return i if new == (i.resource_id, i.what) else ReportItem(i.resource_type, *new)

        def skipped(i: SkippedItem) -> SkippedItem:
            new = (rid(i.resource_id), code(i.code), text(i.reason))
            same = new == (i.resource_id, i.code, i.reason)
            return i if same else SkippedItem(i.resource_type[:MAX_ID_CHARS], *new)

        self.recognised = [used(i) for i in self.recognised]
        self.skipped = [skipped(i) for i in self.skipped]
        self.inferred = [text(t) for t in self.inferred]
        self.warnings = [text(t) for t in self.warnings]
        self._warned = set(self.warnings)
        self.unmatched_lines = [replace(u, reason=text(u.reason)) for u in self.unmatched_lines]
        self.container = text(self.container)

    # ------------------------------------------------------------------ output
    def to_dict(self) -> dict[str, Any]:
        return {
            "container": self.container,
            "resource_count": self.resource_count,
            "warnings": list(self.warnings),
            "inferred": list(self.inferred),
            "unmatched_lines": [
                {**asdict(u), "agents": list(u.agents)} for u in self.unmatched_lines
            ],
            "recognised": [asdict(i) for i in self.recognised],
            "skipped": [asdict(i) for i in self.skipped],
        }

    def to_text(self) -> str:
        out = ["FHIR import report", "=================="]
        out.append(
            f"Read {self.resource_count} resources ({self.container or 'unknown container'}): "
            f"{len(self.recognised)} items used, {len(self.skipped)} skipped."
        )
        _section(out, "Warnings", [f"- {w}" for w in self.warnings])
        _section(out, "Inferred (please check)", [f"- {t}" for t in self.inferred])
        _section(
            out,
            "Not recognised as a regimen (left out of the case; add by hand)",
            [
                f"- {u.setting}, {u.start} to {u.end}: {' + '.join(u.agents)} ({u.reason})"
                for u in self.unmatched_lines
            ],
        )
        _section(
            out,
            "Recognised",
            [f"- {i.resource_type} {_short(i.resource_id)}: {i.what}" for i in self.recognised],
        )
        _section(out, "Skipped", _skipped_lines(self.skipped), count=len(self.skipped))
        return "\n".join(out) + "\n"


def _section(out: list[str], title: str, lines: list[str], count: int | None = None) -> None:
    out.append("")
    if not lines:
        out.append(f"{title}: none")
        return
    heading = f"{title} ({len(lines) if count is None else count})"
    out.append(heading)
    out.append("-" * len(heading))
    out.extend(lines)


def _short(resource_id: str) -> str:
    # Synthea ids are 36-character UUIDs; the first 8 characters identify a row well enough.
    return resource_id if len(resource_id) <= 16 else resource_id[:8] + "…"


# Resource types the importer never reads are summarised on one line each, not listed one by one.
def _skipped_lines(items: list[SkippedItem]) -> list[str]:
    bulk = Counter(
        (i.resource_type, i.reason) for i in items if i.reason.startswith("resource type")
    )
    lines = [f"- {kind} ×{count}: {reason}" for (kind, reason), count in sorted(bulk.items())]
    for i in items:
        if i.reason.startswith("resource type"):
            continue
        code = f" [{i.code}]" if i.code else ""
        lines.append(f"- {i.resource_type} {_short(i.resource_id)}{code}: {i.reason}")
    return lines


# Characters that end a token: an identifier inside "obs-MRN123-1" hides the whole token.
_DELIMITERS = " \t\n\r,;()[]{}\"'"
_DELIMITER = re.compile(r"[\s,;()\[\]{}\"']")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _usable(values: Iterable[str]) -> list[str]:
    # Single characters would blank out ordinary text; long values are matched by their prefix.
    out = {v.strip()[:MAX_SECRET_CHARS] for v in values if isinstance(v, str)}
    return sorted((v for v in out if len(v) >= 2), key=lambda v: (-len(v), v))


# Identifiers at least this long hide the whole token they are found in ("obs-MRN123-1"); shorter
# ones, and names, only whole words (a record number "12" must not blank every date of 2012).
_TOKEN_SECRET_CHARS = 6
# Secrets at least this long hide a resource id that merely contains them.
_ID_SUBSTRING_CHARS = 4


class Redactor:
    """Hides identifiers in report texts.

    Identifiers are bounded in number (:data:`MAX_SECRETS`) and length (:data:`MAX_SECRET_CHARS`),
    so the patterns searched for are small whatever the file holds, and each text is scanned a
    bounded number of times.
    """

    def __init__(self, names: Iterable[str], identifiers: Iterable[str] = ()) -> None:
        name_list, id_list = _usable(names), _usable(identifiers)
        self.overflow = len(name_list) + len(id_list) > MAX_SECRETS
        id_list = id_list[:MAX_SECRETS]
        name_list = name_list[: max(0, MAX_SECRETS - len(id_list))]
        every = [*id_list, *name_list]
        # (pattern, hides the whole token): names are case-sensitive (a surname "Best" spares
        # "best"), record numbers and other identifier values are not.
        self._patterns = [
            (re.compile(re.escape(s), re.IGNORECASE), len(s) >= _TOKEN_SECRET_CHARS)
            for s in id_list
        ] + [(re.compile(re.escape(s)), False) for s in name_list]
        # One pass per text finds whether anything may occur at all (most texts hold nothing).
        body = "|".join(re.escape(s) for s in every)
        self._any = re.compile(body, re.IGNORECASE) if every else None
        self._in_ids = [s.casefold() for s in every if len(s) >= _ID_SUBSTRING_CHARS]
        self._done: dict[str, str] = {}  # report texts repeat ("observation not used")

    def resource_id(self, rid: str) -> str:
        if not rid or rid == HIDDEN:
            return rid
        if self.overflow:
            return HIDDEN
        if self._any is not None and self._any.search(rid):
            folded = rid.casefold()
            if any(s in folded for s in self._in_ids) or self._spans(rid):
                return HIDDEN
        return _cut(rid, MAX_ID_CHARS)

    def code(self, text: str) -> str:
        return _cut(self._clean(text), MAX_CODE_CHARS)

    def text(self, text: str) -> str:
        return _cut(self._clean(text), MAX_TEXT_CHARS)

    def _clean(self, text: str) -> str:
        if self._any is None or not text:
            return text
        done = self._done.get(text)
        if done is not None:
            return done
        cleaned = self._hide(text) if self._any.search(text) else text
        if len(text) <= MAX_TEXT_CHARS:  # long texts are rare; keeping them would cost memory
            self._done[text] = cleaned
        return cleaned

    def _spans(self, text: str) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        for pattern, token in self._patterns:
            spans += _token_spans(text, pattern) if token else _word_spans(text, pattern)
        return spans

    def _hide(self, text: str) -> str:
        spans = self._spans(text)
        if not spans:
            return text
        out, at = [], 0
        for start, end in sorted(spans):
            if end <= at:
                continue
            if start >= at:
                out.append(text[at:start])
                out.append(HIDDEN)
            at = max(at, end)
        out.append(text[at:])
        return "".join(out)


def _word_spans(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    spans = []
    for found in pattern.finditer(text):
        at, end = found.span()
        before = text[at - 1] if at else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            spans.append((at, end))
    return spans


def _token_spans(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    end = 0
    found = pattern.search(text)
    while found is not None:
        at = found.start()
        # The token starts after the last delimiter, searched back no further than the
        # previous token's end: each character is looked at a bounded number of times.
        start = max(text.rfind(d, end, at) for d in _DELIMITERS) + 1
        start = max(start, end)
        stop = _DELIMITER.search(text, found.end())
        end = stop.start() if stop else len(text)
        spans.append((start, end))
        found = pattern.search(text, end)
    return spans
