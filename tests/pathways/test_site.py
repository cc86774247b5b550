"""Site settings: the site file, its validation, its footer line, and the engine applying it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from pathways.bundled import bundled_folder
from pathways.content import Content
from pathways.content_cache import CACHE_DIR_ENV
from pathways.engine import Engine
from pathways.errors import ContentError
from pathways.known_valid import KnownValid
from pathways.site import KNOWN_VALID_CODE, SiteSettings, load_site, parse_site, save_site
from tests.fresh_process import PYDANTIC, pydantic_after_importing, report
from tests.pathways.conftest import line, make_case

ROOT = Path(__file__).parents[2]

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


# ---------------------------------------------------------------------------- known valid
def _known(path: Path) -> bool:
    store = KnownValid("site", KNOWN_VALID_CODE)
    return store.digest(path.read_bytes()) in store


def test_a_site_file_read_again_is_the_same_and_new_bytes_are_validated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: Content
) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    path = tmp_path / "site.yaml"
    path.write_text(GOOD.replace("ESMO", "ESMO\nreview_max_age_months: 12"), "utf-8")
    first = load_site(path, content)
    assert _known(path)
    assert load_site(path, content) == first  # read without validation
    # The agents are checked against the content on every read, known or not.
    other = dict(content.agents)
    del other["trastuzumab-deruxtecan"]
    with pytest.raises(ContentError, match=r"line 4, unavailable_agents\[0\]: unknown agent"):
        load_site(path, dataclasses.replace(content, agents=other))
    path.write_text(GOOD.replace("guideline_first: ESMO", "guideline_first: WHO"), "utf-8")
    with pytest.raises(ContentError, match="line 5, guideline_first"):
        load_site(path, content)
    assert not _known(path)


def test_a_file_pydantic_coerces_is_not_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pydantic makes "true" the number 1 where a number is due; the records built without it
    # would keep True: such a file is validated at every read, so that both ways never differ.
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    path = tmp_path / "site.yaml"
    path.write_text(GOOD + "review_max_age_months: true\n", "utf-8")
    site = load_site(path)
    assert site.review_max_age_months == 1 and type(site.review_max_age_months) is int
    assert not _known(path)
    assert load_site(path) == site


def test_a_list_that_lies_lets_no_invalid_site_file_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A digest planted for bytes never found valid (a damaged or forged list) is no way
    round validation: what cannot be built is validated, and refused with its place."""
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    path = tmp_path / "site.yaml"
    path.write_text(GOOD + "review_max_age_months: [6]\n", "utf-8")
    store = KnownValid("site", KNOWN_VALID_CODE)
    store.add(store.digest(path.read_bytes()))
    assert _known(path)
    with pytest.raises(ContentError, match="review_max_age_months"):
        load_site(path)


_START = f"""
import dataclasses, json, sys
from pathlib import Path
from pathways.content import load_content
from pathways.site import load_site
site = load_site(Path(sys.argv[1]), load_content())
print(json.dumps({{
    "site": {{k: sorted(v) if isinstance(v, frozenset) else v
             for k, v in dataclasses.asdict(site).items()}},
    "pydantic": {PYDANTIC},
}}))
"""


def _start(cache: Path, site_file: Path) -> dict[str, Any]:
    return report(_START, str(site_file), cache=cache)


@pytest.mark.slow
def test_a_second_start_with_the_same_site_file_imports_no_pydantic(tmp_path: Path) -> None:
    site_file = tmp_path / "site.yaml"
    site_file.write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    first = _start(tmp_path / "cache", site_file)
    assert first["site"]["unavailable_agents"] == ["margetuximab", "pyrotinib"]
    assert first["pydantic"]  # content and site file validated
    second = _start(tmp_path / "cache", site_file)
    assert second["pydantic"] == []
    assert second["site"] == first["site"]


@pytest.mark.slow
def test_the_site_and_scenario_modules_import_no_pydantic() -> None:
    assert pydantic_after_importing("pathways.site", "pathways.scenarios") == []
