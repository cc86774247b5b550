"""Checks on what the content claims, beyond the schema and the cross-file references.

A record's ``status`` says how sure the content is of it; the header's source list says how
reliable each cited source is. A record may not claim more than its best source supports:

- a primary source can support ``confirmed``;
- if every source is secondary (news or summary sites), at most ``secondary``;
- if every source is of low reliability (e.g. AI-generated pages), only ``unconfirmed``.

An endpoint carries no sources of its own, so it may not claim more than its trial record: a
figure of a trial seen only in news reports is itself "secondary" wherever it is shown alone.

Qt-free; returns :class:`ContentError` values so the loader can add them to its own list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pathways.errors import ContentError
from pathways.schema import Evidence, Guideline, Pitfall, SafetyNote, Source

# How sure a status is; a record's status may not rank above what its sources allow.
STATUS_RANK: dict[str, int] = {"unconfirmed": 0, "secondary": 1, "confirmed": 2}
# The most a record may claim when its best source has this reliability.
CEILING: dict[str, str] = {"primary": "confirmed", "secondary": "secondary", "low": "unconfirmed"}
_RELIABILITY_RANK: dict[str, int] = {"low": 0, "secondary": 1, "primary": 2}


def status_ceiling(keys: Iterable[str], reliability: Mapping[str, str]) -> str | None:
    """The highest status the sources ``keys`` support, or None if none of them is known.

    Unknown keys are skipped: the loader's reference check reports them.
    """
    known = [reliability[k] for k in keys if k in reliability]
    if not known:
        return None
    return CEILING[max(known, key=_RELIABILITY_RANK.__getitem__)]


def _exceeds(status: str, ceiling: str | None) -> bool:
    return ceiling is not None and STATUS_RANK[status] > STATUS_RANK[ceiling]


def status_problems(
    sources: Iterable[Source],
    evidence: Iterable[Evidence] = (),
    guidelines: Iterable[Guideline] = (),
    safety: Iterable[SafetyNote] = (),
    pitfalls: Iterable[Pitfall] = (),
) -> list[ContentError]:
    """Every record whose status claims more than its sources (or its trial) support."""
    reliability = {s.key: s.reliability for s in sources}
    errors: list[ContentError] = []

    def check(file: str, place: str, status: str, keys: Iterable[str]) -> None:
        keys = tuple(keys)
        ceiling = status_ceiling(keys, reliability)
        if _exceeds(status, ceiling):
            named = ", ".join(f"{k} ({reliability[k]})" for k in keys if k in reliability)
            errors.append(
                ContentError(
                    file,
                    f"{place}.status",
                    f"{status!r} but its sources are {named}: at most {ceiling!r}",
                )
            )

    for ev in evidence:
        place = f"evidence {ev.id}"
        check("evidence.yaml", place, ev.status, ev.citation.sources)
        for i, endpoint in enumerate(ev.endpoints):
            if STATUS_RANK[endpoint.status] > STATUS_RANK[ev.status]:
                errors.append(
                    ContentError(
                        "evidence.yaml",
                        f"{place}.endpoints[{i}] ({endpoint.name}).status",
                        f"{endpoint.status!r} but the trial record is {ev.status!r}: an endpoint "
                        "may not claim more than its record",
                    )
                )
    for g in guidelines:
        check("evidence.yaml", f"guideline {g.id}", g.status, g.sources)
    for note in safety:
        check("evidence.yaml", f"safety {note.id}", note.status, note.sources)
    for p in pitfalls:
        check("rules.yaml", f"pitfall {p.id}", p.status, p.sources)
    return errors


__all__ = ["CEILING", "STATUS_RANK", "status_ceiling", "status_problems"]
