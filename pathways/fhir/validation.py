"""Optional strict check with fhir.resources (R4B models), shown as warnings only.

The import itself is tolerant: real files with two value[x] or placeholder dates still import.
This check tells the clinician which parts of the file break the FHIR rules. fhir.resources is
imported lazily and the check is skipped when the package is absent.
"""

from __future__ import annotations

import importlib
import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError

from pathways.fhir.reader import Found

# Validation of a large export takes seconds; above this size it is skipped (and said so).
VALIDATE_MAX_BYTES = 2 * 1024 * 1024
MAX_FINDINGS = 20
_PER_RESOURCE = 3


def _model_lookup() -> Callable[[str], Any] | None:
    try:
        with warnings.catch_warnings():
            # The library's own deprecation notices are not the user's problem.
            warnings.simplefilter("ignore")
            module = importlib.import_module("fhir.resources.R4B")
    except ImportError:
        return None
    lookup = getattr(module, "get_fhir_model_class", None)
    return lookup if callable(lookup) else None


def validate_resources(resources: list[Found], bundles: Sequence[Found] = ()) -> list[str]:
    """Findings of the strict check, one line each; [] when valid or when the library is absent.

    Each resource is checked on its own (so a bare JSON array can be checked too); Bundles are
    checked without their entries, for their own elements (id, type).
    """
    lookup = _model_lookup()
    if lookup is None:
        return []
    shells = [
        Found({k: v for k, v in b.resource.items() if k != "entry"}, b.place, b.full_url)
        for b in bundles
    ]
    findings: list[str] = []
    failed = 0
    for found in [*shells, *resources]:
        try:
            model = lookup(found.type)
        except (KeyError, ValueError, AttributeError):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.model_validate(found.resource)
        except ValidationError as exc:
            failed += 1
            for err in exc.errors()[:_PER_RESOURCE]:
                findings.append(_describe(found, err))
        except (ValueError, TypeError, RecursionError):
            failed += 1
            findings.append(f"{found.type} {found.id or found.place}: could not be checked")
    if not findings:
        return []
    shown = findings[:MAX_FINDINGS]
    if len(findings) > MAX_FINDINGS:
        shown.append(f"… and {len(findings) - MAX_FINDINGS} more")
    return [f"{failed} resource(s) break strict FHIR R4 rules (imported anyway):", *shown]


_ELEMENT = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}|\(an unknown element\)")


def _part(part: Any) -> str:
    """A step of an error's location: an index or an element name; anything else is hidden."""
    if isinstance(part, int):
        return str(part)
    return part if isinstance(part, str) and _ELEMENT.fullmatch(part) else "…"


def _describe(found: Found, err: Any) -> str:
    # Only the location and the rule are shown, never the offending value: values can be
    # identifiers (a name, a record number).
    loc = list(err.get("loc", ()))
    if err.get("type") == "extra_forbidden" and loc:
        loc[-1] = "(an unknown element)"  # an unknown key's name can itself be data
    place = ".".join(_part(p) for p in loc) or "(resource)"
    message = str(err.get("msg", "invalid")).replace("Value error, ", "")
    if len(message) > 100:
        message = message[:100] + "…"
    return f"{found.type} {found.id or found.place}: {place}: {message}"
