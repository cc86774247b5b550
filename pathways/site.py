"""Site settings: what this hospital has and follows, kept apart from the clinical content.

A small YAML file (``resources/site/example-site.yaml`` documents the format)::

    format: her2-pathway-site
    version: 1
    name: "St Elsewhere Oncology"
    unavailable_agents: [pyrotinib, margetuximab]   # agent ids of resources/pathway/drugs.yaml
    guideline_first: ESMO                           # NCCN, ESMO, ASCO, or null
    review_max_age_months: 6                        # older content reviews are flagged stale
    content_public_key: null                        # base64 Ed25519 key: only signed content

The engine applies the settings as explained site rules ("not available at this site"), shown
as site choices and never mixed into the evidence. Every PDF's footer carries
:meth:`SiteSettings.footer`.

The file is read at every start of a site that has one. Validating it imports pydantic (~0.1 s,
19 MB), so a file accepted once is remembered by its digest (:mod:`pathways.known_valid`): the
same bytes, with the same code, are then read without it. The agents it names are checked
against the content each time (the content may have changed).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pathways.content import MAX_CONTENT_BYTES, Content
from pathways.errors import ContentError
from pathways.frozen import FrozenValue, frozen_value
from pathways.known_valid import KnownValid
from pathways.placed_yaml import Parsed, compose, found_repr, place_of, read_yaml, validate
from pathways.records import Limits, Record, from_valid_data, record
from pathways.safe_write import read_bounded, write_text

SITE_FORMAT = "her2-pathway-site"
MAX_SITE_BYTES = 64_000
Guideline = Literal["NCCN", "ESMO", "ASCO"]
# The modules that decide whether a site file is valid: a change to any of them forgets the
# files known to be valid (pathways.known_valid).
KNOWN_VALID_CODE: Final = ("site.py", "records.py", "frozen.py", "placed_yaml.py", "signoff.py")


class SiteError(ContentError):
    """The site file is malformed or names an agent the content does not have."""


@frozen_value
class SiteSettings(FrozenValue):
    name: str
    unavailable_agents: frozenset[str] = frozenset()
    guideline_first: Guideline | None = None
    review_max_age_months: int = 6
    content_public_key: str | None = None

    @property
    def max_age_days(self) -> int:
        return round(self.review_max_age_months * 30.44)

    def public_key(self) -> bytes | None:
        from pathways.signoff import parse_public_key

        return parse_public_key(self.content_public_key) if self.content_public_key else None

    def choices(self, content: Content | None = None) -> list[str]:
        """The site's choices in words (agent names from the content where it has them)."""

        def name(agent: str) -> str:
            if content is not None and agent in content.agents:
                return content.agents[agent].name
            return agent

        out = []
        if self.unavailable_agents:
            agents = ", ".join(sorted(name(a) for a in self.unavailable_agents))
            out.append(f"not available: {agents}")
        if self.guideline_first:
            out.append(f"follows {self.guideline_first} first where guidelines differ")
        return out

    def footer(self, content: Content | None = None) -> str:
        """The line every PDF carries: whose site choices shaped the answers."""
        choices = self.choices(content)
        return f"Site: {self.name}" + (
            f" — {'; '.join(choices)}" if choices else " — no site choices"
        )

    def to_yaml(self) -> str:
        data: dict[str, Any] = {
            "format": SITE_FORMAT,
            "version": 1,
            "name": self.name,
            "unavailable_agents": sorted(self.unavailable_agents),
            "guideline_first": self.guideline_first,
            "review_max_age_months": self.review_max_age_months,
            "content_public_key": self.content_public_key,
        }
        import yaml  # (imported when needed: most starts read no YAML)

        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


class _After:
    """``Annotated[str, _After(check)]``: ``check`` runs on the value once its type is valid
    (pydantic's AfterValidator, which would import pydantic with this module); a ValueError it
    raises is reported at the field's place."""

    __slots__ = ("check",)

    def __init__(self, check: Callable[[Any], Any]) -> None:
        self.check = check

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(self.check, handler(source))


def _public_key_text(value: str) -> str:
    from pathways.signoff import parse_public_key

    parse_public_key(value)  # raises ValueError with the reason
    return value


@record
class _SiteFile(Record):
    format: Literal["her2-pathway-site"]
    version: Literal[1]
    name: Annotated[str, Limits(min_length=1, max_length=200)]
    unavailable_agents: Annotated[
        tuple[Annotated[str, Limits(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)], ...],
        Limits(max_length=200),
    ] = ()
    guideline_first: Guideline | None = None
    review_max_age_months: Annotated[int, Limits(ge=1, le=60)] = 6
    content_public_key: Annotated[str, Limits(max_length=200), _After(_public_key_text)] | None = (
        None
    )


def parse_site(text: str, name: str = "<site>", content: Content | None = None) -> SiteSettings:
    """Validate a site file's text; with ``content``, every agent id must exist in it."""
    parsed = read_yaml(name, text, MAX_CONTENT_BYTES)
    return _settings(parsed, _validated(parsed), content)


def _validated(parsed: Parsed) -> _SiteFile:
    return validate(parsed, _SiteFile, SiteError, found_repr(100))


def _settings(parsed: Parsed, model: _SiteFile, content: Content | None) -> SiteSettings:
    if content is not None:
        for i, agent in enumerate(model.unavailable_agents):
            if agent not in content.agents:
                where: tuple[int | str, ...] = ("unavailable_agents", i)
                place = place_of(compose(parsed), where)
                raise SiteError(parsed.name, place, f"unknown agent {agent!r}")
    return SiteSettings(
        name=model.name,
        unavailable_agents=frozenset(model.unavailable_agents),
        guideline_first=model.guideline_first,
        review_max_age_months=model.review_max_age_months,
        content_public_key=model.content_public_key,
    )


def load_site(path: Path, content: Content | None = None) -> SiteSettings:
    data = read_bounded(path, MAX_SITE_BYTES, "site file", SiteError)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SiteError(str(path), "", "not UTF-8 text") from None
    parsed = read_yaml(str(path), text, MAX_CONTENT_BYTES)
    known = KnownValid("site", KNOWN_VALID_CODE)
    digest = known.digest(data)
    model = _fast(parsed) if digest in known else None
    if model is None:  # not known (or a list of digests that lies): validated
        model = _validated(parsed)
        if _rebuilt_alike(parsed, model):
            known.add(digest)
    return _settings(parsed, model, content)


def _fast(parsed: Parsed) -> _SiteFile | None:
    """The settings built without pydantic, or None for data that cannot be converted."""
    try:
        made: _SiteFile = from_valid_data(_SiteFile, parsed.data)
    except (TypeError, ValueError, KeyError, AttributeError, StopIteration):
        return None
    return made


def _rebuilt_alike(parsed: Parsed, model: _SiteFile) -> bool:
    """Whether the data, built without pydantic, makes exactly what pydantic made of it (the
    same values of the same types: a file saying ``true`` where a number is due is made 1 by
    pydantic), so that the next start may skip it."""
    fast = _fast(parsed)
    return fast is not None and fast == model and repr(fast) == repr(model)


def save_site(site: SiteSettings, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, site.to_yaml())
