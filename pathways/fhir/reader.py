"""Reading a FHIR file: size limit, JSON, containers, duplicates and reference resolution.

Real exports come as Bundles of any type (collection, transaction, message, searchset, document,
history), as a bare JSON array of resources, as NDJSON (one resource per line) or as a single
resource. All of them are flattened into one list of resources; nothing here knows about cancer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pathways.errors import PathwayError, shown
from pathways.fhir.report import ImportReport
from pathways.fhir.resource_types import (
    NON_CLINICAL_TYPES,
    OLDER_RESOURCE_TYPES,
    R4_RESOURCE_TYPES,
)

# A whole-patient export with years of labs is a few megabytes; 25 MB leaves ample room while
# refusing files that would take the window minutes to parse or exhaust memory. Checked before
# the file is read or parsed.
MAX_FHIR_BYTES = 25 * 1024 * 1024
# Bundles inside Bundles (a message carrying a document...) are followed this deep, no deeper.
MAX_BUNDLE_NESTING = 4
_SHARED_ID_WARNINGS = 5

Resource = dict[str, Any]


class FhirImportError(PathwayError):
    """A file that cannot be imported as FHIR at all (too large, not JSON, not FHIR)."""


@dataclass(frozen=True)
class Found:
    """One resource and where it was in the file."""

    resource: Resource
    place: str
    full_url: str | None = None

    @property
    def type(self) -> str:
        return str(self.resource.get("resourceType", ""))

    @property
    def id(self) -> str:
        value = self.resource.get("id")
        return value if isinstance(value, str) else ""


@dataclass
class References:
    """Finds the resource a reference points to: by fullUrl, Type/id, bare id or contained."""

    by_full_url: dict[str, Resource] = field(default_factory=dict)
    by_type_id: dict[tuple[str, str], Resource] = field(default_factory=dict)
    by_id: dict[str, list[Resource]] = field(default_factory=dict)

    def add(self, found: Found) -> None:
        if found.full_url:
            self.by_full_url.setdefault(found.full_url, found.resource)
        if found.id:
            self.by_type_id.setdefault((found.type, found.id), found.resource)
            self.by_id.setdefault(found.id, []).append(found.resource)

    def resolve(self, reference: Any, context: Resource | None = None) -> Resource | None:
        """The resource a Reference (or reference string) points to, or None."""
        ref = reference.get("reference") if isinstance(reference, dict) else reference
        if not isinstance(ref, str) or not ref.strip():
            return None
        ref = ref.strip()
        if ref.startswith("#"):
            return _contained(context, ref[1:])
        if ref in self.by_full_url:
            return self.by_full_url[ref]
        parts = [p for p in ref.split("/_history/")[0].split("/") if p]
        if len(parts) >= 2 and (parts[-2], parts[-1]) in self.by_type_id:
            return self.by_type_id[(parts[-2], parts[-1])]
        # "urn:uuid:X" without a matching fullUrl, or a bare id: files without fullUrls (a JSON
        # array) still use them. Only an unambiguous id is trusted.
        bare = ref.rsplit(":", 1)[-1] if ref.startswith("urn:") else parts[-1] if parts else ""
        candidates = self.by_id.get(bare, [])
        if len(candidates) == 1:
            return candidates[0]
        return None


def _contained(context: Resource | None, local_id: str) -> Resource | None:
    if context is None:
        return None
    contained = context.get("contained")
    if not isinstance(contained, list):
        return None
    for item in contained:
        if isinstance(item, dict) and item.get("id") == local_id:
            return item
    return None


@dataclass
class ReadResult:
    resources: list[Found]
    references: References
    container: str
    bundles: list[Found] = field(default_factory=list)  # the Bundles the resources came in


# ---------------------------------------------------------------------------- public entry points
def check_size(size: int, source: str) -> None:
    if size > MAX_FHIR_BYTES:
        raise FhirImportError(
            source,
            "",
            f"file is too large to import ({size / 1_048_576:.1f} MB; the limit is "
            f"{MAX_FHIR_BYTES // 1_048_576} MB). Export a shorter period or fewer resource types.",
        )


def read_file_bytes(path: Path) -> bytes:
    """The file's bytes: regular files only (a FIFO or /dev/zero is refused before reading),
    with the size limit enforced while reading (a file that grows cannot exhaust memory)."""
    from pathways.safe_write import read_bounded

    try:
        return read_bounded(path, MAX_FHIR_BYTES, "a FHIR file", FhirImportError)
    except FhirImportError as exc:
        if "too large" not in exc.problem:
            raise
        advice = "Export a shorter period or fewer resource types."
        raise FhirImportError(exc.source, exc.place, f"{exc.problem}. {advice}") from None


def read_resources(data: bytes, source: str, report: ImportReport) -> ReadResult:
    """Every resource in the file, de-duplicated and indexed for references."""
    check_size(len(data), source)
    text = _decode(data, source)
    top, ndjson = _parse(text, source)
    if _SURROGATE_ESCAPE.search(text):
        replaced = _Counter()
        top = _replace_lone_surrogates(top, replaced)
        if replaced.count:
            report.warn(
                f"{replaced.count} text(s) in the file hold invalid Unicode (a lone surrogate "
                "escape such as \\ud800); each such character was replaced by \ufffd."
            )
    container = _describe_container(top, ndjson)
    bundles: list[Found] = []
    found = list(_top_level(top, ndjson, source, report, bundles))
    resources = _drop_duplicates(found, report)
    references = References()
    for item in resources:
        references.add(item)
    _require_patient_data(resources, container, source)
    report.container = container
    report.resource_count = len(resources)
    return ReadResult(resources, references, container, bundles)


# ---------------------------------------------------------------------------- decoding and JSON
def _decode(data: bytes, source: str) -> str:
    if not data.strip():
        raise FhirImportError(source, "", "file is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FhirImportError(source, f"byte {exc.start}", "not UTF-8 text") from None


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


class DuplicateKey(ValueError):
    """A JSON object with the same key twice: the later value would silently win."""

    def __init__(self, key: str) -> None:
        # Keys of FHIR elements are short names; any other key could be data, so it is not shown.
        shown_key = shown(key) if _ELEMENT_NAME.fullmatch(key) else "a key"
        super().__init__(f"{shown_key} appears twice in one object; refused, as it is ambiguous")


_ELEMENT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return out


def _loads(text: str) -> Any:
    return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)


# A \uD800-\uDFFF escape: JSON joins valid pairs, so only a lone one survives parsing.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Counter:
    count = 0


def _replace_lone_surrogates(value: Any, replaced: _Counter) -> Any:
    """``value`` with every lone surrogate replaced: they cannot be encoded, shown or saved."""

    def fix(text: str) -> str:
        new, count = _SURROGATE.subn("\ufffd", text)
        replaced.count += count > 0
        return new

    # Iterative, not recursive: nesting depth is bounded only by the JSON parser's limit.
    root: list[Any] = [value]
    stack: list[tuple[list[Any] | dict[str, Any], Any]] = [(root, 0)]
    while stack:
        holder, key = stack.pop()
        item = holder[key]
        if isinstance(item, str):
            if _SURROGATE.search(item):
                holder[key] = fix(item)
        elif isinstance(item, list):
            stack.extend((item, i) for i in range(len(item)))
        elif isinstance(item, dict):
            if any(_SURROGATE.search(k) for k in item):
                fixed = {fix(k): v for k, v in item.items()}
                holder[key] = fixed
                item = fixed
            stack.extend((item, k) for k in item)
    return root[0]


def _parse_line(text: str, source: str, place: str) -> Any:
    try:
        return _loads(text)
    except json.JSONDecodeError as exc:
        raise FhirImportError(
            source, f"{place}, column {exc.colno}", f"not valid JSON ({exc.msg})"
        ) from None
    except RecursionError:
        raise FhirImportError(
            source, place, "JSON is nested far too deeply to be a FHIR record"
        ) from None
    except ValueError as exc:
        raise FhirImportError(source, place, f"not valid JSON ({exc})") from None


def _parse(text: str, source: str) -> tuple[Any, bool]:
    """The parsed JSON, and whether it was NDJSON (one resource per line)."""
    stripped = text.lstrip()
    if stripped.startswith("<"):
        raise FhirImportError(
            source, "", "looks like XML; only FHIR JSON (or NDJSON) files can be imported"
        )
    try:
        return _loads(text), False
    except json.JSONDecodeError as exc:
        # A second JSON value after the first is what NDJSON looks like to a JSON parser.
        if exc.msg == "Extra data" and stripped.startswith("{"):
            return _parse_ndjson(text, source), True
        raise FhirImportError(
            source, f"line {exc.lineno}, column {exc.colno}", f"not valid JSON ({exc.msg})"
        ) from None
    except RecursionError:
        raise FhirImportError(
            source, "", "JSON is nested far too deeply to be a FHIR record"
        ) from None
    except ValueError as exc:
        raise FhirImportError(source, "", f"not valid JSON ({exc})") from None


def _parse_ndjson(text: str, source: str) -> list[Any]:
    items: list[Any] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            items.append(_parse_line(line, source, f"line {number}"))
    return items


# ---------------------------------------------------------------------------- containers
def _describe_container(top: Any, ndjson: bool) -> str:
    if ndjson:
        return "NDJSON"
    if isinstance(top, list):
        return "JSON array of resources"
    if isinstance(top, dict) and top.get("resourceType") == "Bundle":
        return f"Bundle ({str(top.get('type', 'no type'))[:30]})"
    if isinstance(top, dict):
        return f"single {str(top.get('resourceType'))[:40]} resource"
    return "JSON"


def _top_level(
    top: Any, ndjson: bool, source: str, report: ImportReport, bundles: list[Found]
) -> Iterator[Found]:
    if isinstance(top, list):
        kind = "NDJSON file" if ndjson else "JSON array"
        if not any(isinstance(i, dict) and "resourceType" in i for i in top):
            raise FhirImportError(
                source, "(top level)", f"a {kind} but none of its items is a FHIR resource"
            )
        for i, item in enumerate(top):
            place = f"line {i + 1}" if ndjson else f"[{i}]"
            yield from _item(item, place, None, 0, source, report, bundles)
        return
    if not isinstance(top, dict):
        raise FhirImportError(
            source, "(top level)", f"JSON but not FHIR (a {_json_kind(top)}, not a resource)"
        )
    type_name = top.get("resourceType")
    if type_name is None:
        raise FhirImportError(
            source, "(top level)", "JSON but not FHIR (an object without a resourceType)"
        )
    if not isinstance(type_name, str) or type_name not in R4_RESOURCE_TYPES:
        raise FhirImportError(
            source,
            "resourceType",
            # Only something shaped like a type name is quoted: the value could be any data.
            f"{_quoted_type(type_name)} is not a FHIR R4 resource type",
        )
    yield from _item(top, "(top level)", None, 0, source, report, bundles)


def _quoted_type(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z]{1,64}", value):
        return shown(value)
    return f"the {_json_kind(value)} given"


def _json_kind(value: Any) -> str:
    kinds = {str: "string", bool: "true/false", type(None): "null", list: "list", dict: "object"}
    return kinds.get(type(value), "number")


def _item(
    item: Any,
    place: str,
    full_url: str | None,
    depth: int,
    source: str,
    report: ImportReport,
    bundles: list[Found],
) -> Iterator[Found]:
    if not isinstance(item, dict) or not isinstance(item.get("resourceType"), str):
        report.skip("(not a resource)", "", "", f"{place}: not a FHIR resource")
        return
    kind = item["resourceType"]
    found = Found(item, place, full_url)
    if kind == "Bundle":
        bundles.append(found)
        yield from _bundle(found, depth, source, report, bundles)
        return
    if kind not in R4_RESOURCE_TYPES:
        older = kind in OLDER_RESOURCE_TYPES
        reason = (
            "resource type from an older FHIR version (DSTU2/STU3); this app reads R4"
            if older
            else "not a FHIR R4 resource type"
        )
        report.skip(kind[:60], found.id, "", f"{place}: {reason}")
        return
    yield found


def _bundle(
    found: Found, depth: int, source: str, report: ImportReport, bundles: list[Found]
) -> Iterator[Found]:
    if depth >= MAX_BUNDLE_NESTING:
        report.skip("Bundle", found.id, "", f"{found.place}: Bundles nested too deeply; not read")
        return
    entries = found.resource.get("entry", [])
    if not isinstance(entries, list):
        raise FhirImportError(source, f"{found.place}.entry", "Bundle.entry is not a list")
    for i, entry in enumerate(entries):
        place = f"entry[{i}]" if depth == 0 else f"{found.place}.entry[{i}]"
        if not isinstance(entry, dict):
            report.skip("(not a resource)", "", "", f"{place}: not a Bundle entry")
            continue
        if _is_search_outcome(entry):
            report.skip("OperationOutcome", "", "", f"{place}: search outcome message")
            continue
        resource = entry.get("resource")
        if resource is None:
            report.skip("(no resource)", "", "", f"{place}: entry without a resource")
            continue
        full_url = entry.get("fullUrl")
        yield from _item(
            resource,
            place,
            full_url if isinstance(full_url, str) else None,
            depth + 1,
            source,
            report,
            bundles,
        )


def _is_search_outcome(entry: dict[str, Any]) -> bool:
    search = entry.get("search")
    return isinstance(search, dict) and search.get("mode") == "outcome"


def _drop_duplicates(found: list[Found], report: ImportReport) -> list[Found]:
    """Drop exact repeats of a resource; keep (and flag) different resources sharing an id."""
    first: dict[tuple[str, str], Found] = {}
    shared: set[tuple[str, str]] = set()
    kept: list[Found] = []
    for item in found:
        if not item.id:
            kept.append(item)
            continue
        key = (item.type, item.id)
        earlier = first.get(key)
        if earlier is None:
            first[key] = item
            kept.append(item)
        elif earlier.resource == item.resource:
            report.skip(item.type, item.id, "", f"{item.place}: exact repeat of {earlier.place}")
        else:
            shared.add(key)
            kept.append(item)
    for kind, rid in sorted(shared)[:_SHARED_ID_WARNINGS]:
        report.warn(
            f"Several different {kind} resources share the id {rid}; each was read on its own, "
            "and references to that id point to the first of them."
        )
    if len(shared) > _SHARED_ID_WARNINGS:
        report.warn(
            f"… and {len(shared) - _SHARED_ID_WARNINGS} more ids shared by several resources."
        )
    return kept


def _require_patient_data(resources: list[Found], container: str, source: str) -> None:
    clinical = [r for r in resources if r.type not in NON_CLINICAL_TYPES]
    if clinical:
        return
    if not resources:
        raise FhirImportError(source, "", "the file holds no FHIR resources to import")
    kinds = sorted({r.type for r in resources})
    raise FhirImportError(
        source,
        "",
        f"the file holds no patient data (only {', '.join(kinds)})",
    )
