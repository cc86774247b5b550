"""The import report: what was read, what was not and why, and what was inferred.

The clinician reviews it before the imported case replaces anything, so every guess the importer
makes is listed. It never holds patient identifiers: the importer redacts them (see
:meth:`ImportReport.redact`) before the report leaves :mod:`pathways.fhir.importer`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from typing import Any

HIDDEN = "[hidden]"


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

    # ------------------------------------------------------------------ building
    def use(self, resource_type: str, resource_id: str, what: str) -> None:
        self.recognised.append(ReportItem(resource_type, resource_id, what))

    def skip(self, resource_type: str, resource_id: str, code: str, reason: str) -> None:
        self.skipped.append(SkippedItem(resource_type, resource_id, code, reason))

    def infer(self, text: str) -> None:
        self.inferred.append(text)

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def redact(self, secrets: set[str]) -> None:
        """Replace every patient identifier found in the record by "[hidden]", everywhere.

        The importer never writes identifiers into the report on purpose; this is the safety net
        for identifiers that turn up where nobody expects them (a resource id equal to the MRN).
        """
        pattern = _secret_pattern(secrets)
        if pattern is None:
            return

        def clean(text: str) -> str:
            return pattern.sub(HIDDEN, text)

        def dirty(*texts: str) -> bool:
            return any(pattern.search(t) for t in texts)

        self.recognised = [
            replace(i, resource_id=clean(i.resource_id), what=clean(i.what))
            if dirty(i.resource_id, i.what)
            else i
            for i in self.recognised
        ]
        self.skipped = [
            replace(i, resource_id=clean(i.resource_id), code=clean(i.code), reason=clean(i.reason))
            if dirty(i.resource_id, i.code, i.reason)
            else i
            for i in self.skipped
        ]
        self.inferred = [clean(t) for t in self.inferred]
        self.warnings = [clean(t) for t in self.warnings]
        self.unmatched_lines = [replace(u, reason=clean(u.reason)) for u in self.unmatched_lines]

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


def _secret_pattern(secrets: set[str]) -> re.Pattern[str] | None:
    # Single letters and empty strings would blank out ordinary words; everything else is hidden
    # wherever it appears as a whole word (case-sensitive, so a surname "Best" spares "best").
    usable = sorted({s.strip() for s in secrets if len(s.strip()) >= 2}, key=len, reverse=True)
    if not usable:
        return None
    alternatives = "|".join(re.escape(s) for s in usable)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")
