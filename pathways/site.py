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
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pathways.content import MAX_CONTENT_BYTES, Content
from pathways.errors import ContentError
from pathways.placed_yaml import compose, found_repr, place_of, read_yaml, validate
from pathways.safe_write import read_bounded, write_text

SITE_FORMAT = "her2-pathway-site"
MAX_SITE_BYTES = 64_000
Guideline = Literal["NCCN", "ESMO", "ASCO"]


class SiteError(ContentError):
    """The site file is malformed or names an agent the content does not have."""


@dataclass(frozen=True)
class SiteSettings:
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


class _SiteFile(BaseModel):
    # made when a site file is first read (most starts have none)
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    format: Literal["her2-pathway-site"]
    version: Literal[1]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    unavailable_agents: tuple[
        Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)], ...
    ] = Field(default=(), max_length=200)
    guideline_first: Guideline | None = None
    review_max_age_months: int = Field(default=6, ge=1, le=60)
    content_public_key: Annotated[str, Field(max_length=200)] | None = None

    @field_validator("content_public_key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        if value is not None:
            from pathways.signoff import parse_public_key

            parse_public_key(value)  # raises ValueError with the reason
        return value


def parse_site(text: str, name: str = "<site>", content: Content | None = None) -> SiteSettings:
    """Validate a site file's text; with ``content``, every agent id must exist in it."""
    parsed = read_yaml(name, text, MAX_CONTENT_BYTES)
    model = validate(parsed, _SiteFile, SiteError, found_repr(100))
    if content is not None:
        root = compose(parsed)
        for i, agent in enumerate(model.unavailable_agents):
            if agent not in content.agents:
                where: tuple[int | str, ...] = ("unavailable_agents", i)
                raise SiteError(name, place_of(root, where), f"unknown agent {agent!r}")
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
    return parse_site(text, str(path), content)


def save_site(site: SiteSettings, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, site.to_yaml())
