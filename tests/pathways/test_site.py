"""Site settings: the site file, its validation, its footer line, and the engine applying it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pathways.bundled import bundled_folder
from pathways.content import Content
from pathways.engine import Engine
from pathways.errors import ContentError
from pathways.site import SiteSettings, load_site, parse_site, save_site
from tests.pathways.conftest import line, make_case

EXAMPLE = bundled_folder("site") / "example-site.yaml"
GOOD = """\
format: her2-pathway-site
version: 1
name: Example hospital
unavailable_agents: [trastuzumab-deruxtecan]
guideline_first: ESMO
"""


def test_example_site_file_is_valid_against_the_content(content: Content) -> None:
    site = load_site(EXAMPLE, content)
    assert site.unavailable_agents == {"pyrotinib", "margetuximab"}
    assert site.guideline_first is None and site.max_age_days == 183


def test_footer_names_the_site_and_its_choices(content: Content) -> None:
    site = parse_site(GOOD, "site.yaml", content)
    assert site.footer(content) == (
        "Site: Example hospital — not available: "
        f"{content.agents['trastuzumab-deruxtecan'].name}; "
        "follows ESMO first where guidelines differ"
    )
    assert SiteSettings("Plain").footer() == "Site: Plain — no site choices"


def test_unknown_agent_is_named_with_its_line(content: Content) -> None:
    with pytest.raises(ContentError) as info:
        parse_site(GOOD.replace("[trastuzumab-deruxtecan]", "[t-dxd, x]"), "site.yaml", content)
    assert (
        info.value.one_line() == "site.yaml: line 4, unavailable_agents[0]: unknown agent 't-dxd'"
    )


@pytest.mark.parametrize(
    ("change", "place"),
    [
        (("guideline_first: ESMO", "guideline_first: WHO"), "line 5, guideline_first"),
        (("name: Example hospital", "name: ''"), "line 3, name"),
        (("version: 1", "version: 2"), "line 2, version"),
        (("guideline_first: ESMO", "colour: red"), "line 5, colour"),
        (("guideline_first: ESMO", "content_public_key: abc"), "line 5, content_public_key"),
    ],
)
def test_bad_site_file_names_the_place(change: tuple[str, str], place: str) -> None:
    with pytest.raises(ContentError) as info:
        parse_site(GOOD.replace(*change), "site.yaml")
    assert info.value.one_line().startswith(f"site.yaml: {place}:")


def test_not_yaml_and_missing_file_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match=r"site.yaml: line \d+, column \d+: not valid YAML"):
        parse_site("name: [", "site.yaml")
    with pytest.raises(ContentError):
        load_site(tmp_path / "missing.yaml")


def test_saved_site_reads_back_the_same(tmp_path: Path, content: Content) -> None:
    site = parse_site(GOOD, "site.yaml", content)
    save_site(site, tmp_path / "sub" / "site.yaml")
    assert load_site(tmp_path / "sub" / "site.yaml", content) == site


def test_unavailable_agent_is_avoid_with_the_sites_reason(content: Content) -> None:
    site = parse_site(GOOD, "site.yaml", content)
    case = make_case(line("pertuzumab-trastuzumab-taxane"))
    plain = Engine(content).next_options(case).option("tdxd")
    assert plain is not None and plain.tier == "preferred"
    rec = Engine(content, site=site).next_options(case)
    tdxd = rec.option("tdxd")
    assert tdxd is not None and tdxd.tier == "avoid"
    # Explained as a site rule, never as evidence.
    assert any(step.source.startswith("site") for step in tdxd.explanation)
    assert tdxd.evidence == plain.evidence
    kinds = {w.kind for w in rec.warnings} | {w.kind for w in tdxd.warnings}
    assert "site" in kinds
