"""The generated RxNorm table (resources/fhir/rxnorm.yaml) against the public RxNorm list.

The list's slice (tests/fhir/data/rxnorm, with its source and licence) is read here with checks
simpler than the generator's, so a concept the generator misses or maps wrongly fails a test.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from importlib import resources
from types import ModuleType
from typing import Any

import pytest
import yaml

from pathways.errors import ContentError
from pathways.fhir.codes import load_code_table, parse_code_table, parse_rxnorm_table
from tests.fhir import builders as b
from tests.fhir.conftest import DATA, Drugs, Importer

SUBSET: list[dict[str, Any]] = json.loads(
    (DATA / "rxnorm" / "medications-subset.json").read_text(encoding="utf-8")
)
RXNORM_TEXT = (resources.files("resources") / "fhir" / "rxnorm.yaml").read_text(encoding="utf-8")
# Content agents the list has no concept for (not marketed in the US, or too new for the list).
NOT_IN_LIST = {"pyrotinib", "margetuximab"}
_BRACKET = re.compile(r"\[([^\]]+)\]\s*$")
# Drugs whose RxNorm names contain another agent's name: what they map to instead.
VARIANTS = {
    "liposom": "doxorubicin-liposomal",
    "doxil": "doxorubicin-liposomal",
    "lipodox": "doxorubicin-liposomal",
    "poliglumex": "paclitaxel-poliglumex",
    "protein-bound": "nab-paclitaxel",  # RxNorm's name for albumin-bound paclitaxel
}


def _names(drugs: Drugs) -> dict[str, str]:
    """Lowercase name or alias → agent id (abbreviations such as "H" left out)."""
    out: dict[str, str] = {}
    for agent_id, agent in drugs.agents.items():
        for name in (agent.name, *agent.aliases):
            if len(name) >= 4:
                out[name.lower()] = agent_id
    return out


def _mentioned(text: str, names: dict[str, str]) -> set[str]:
    """Agents named in ``text`` as whole words (a biosimilar suffix such as "-dkst" allowed)."""
    lowered = text.lower()
    return {
        agent
        for name, agent in names.items()
        if re.search(rf"(?<![\w-]){re.escape(name)}(?:-[a-z]{{4}})?(?![\w-])", lowered)
    }


def _agents(code: str) -> set[str]:
    entry = load_code_table().medications.get(("rxnorm", code))
    assert entry is not None, f"rxnorm|{code} is not in the code table"
    return set(entry.agents)


def test_every_content_agent_has_its_ingredient_code(drugs: Drugs) -> None:
    names = _names(drugs)
    exact: dict[str, set[str]] = {}
    for entry in SUBSET:
        agent = names.get(entry["display"].lower())
        if agent is not None:
            exact.setdefault(agent, set()).add(entry["code"])
    assert set(drugs.agents) - set(exact) == NOT_IN_LIST
    for agent, found in exact.items():
        for code in found:
            assert _agents(code) == {agent}, f"rxnorm|{code}"


def test_every_concept_naming_a_content_agent_is_in_the_table(drugs: Drugs) -> None:
    names = _names(drugs)
    checked = 0
    for entry in SUBSET:
        display = entry["display"]
        mentioned = _mentioned(display, names)
        if not mentioned:
            continue
        checked += 1
        mapped = _agents(entry["code"])
        variant = next((v for word, v in VARIANTS.items() if word in display.lower()), None)
        if variant is not None:
            assert mapped == {variant}, f"{entry['code']} {display}"
            continue
        assert mapped & mentioned, f"{entry['code']} {display}: {mapped} vs {mentioned}"
        bracket = _BRACKET.search(display)
        brand = names.get(bracket.group(1).lower()) if bracket else None
        if brand is not None:  # a content brand in brackets decides: "... [KADCYLA]" is T-DM1
            assert mapped == {brand}, f"{entry['code']} {display}"
        elif " / " in display or " - " in display:  # every ingredient of a combination counts
            assert mentioned <= mapped, f"{entry['code']} {display}"
    assert checked > 400  # the slice is the whole set of concepts for the content's agents


@pytest.mark.parametrize(
    ("code", "agents"),
    [
        ("2267576", {"trastuzumab-deruxtecan"}),  # fam-trastuzumab deruxtecan 100 MG Injection
        ("2267578", {"trastuzumab-deruxtecan"}),  # ... [Enhertu]
        ("1658087", {"trastuzumab-emtansine"}),  # KADCYLA 100 MG Injection
        ("1658086", {"trastuzumab-emtansine"}),  # "Trastuzumab Injection [KADCYLA]"
        ("2382609", {"pertuzumab", "trastuzumab"}),  # Phesgo 1,200 MG / 600 MG ... Injection
        ("2382605", {"pertuzumab", "trastuzumab"}),  # Phesgo (brand name)
        ("1860485", {"docetaxel"}),  # 4 ML docetaxel 20 MG/ML Injection
        ("589511", {"nab-paclitaxel"}),  # Abraxane
        ("2179758", {"trastuzumab"}),  # Ogivri 150 MG Injection (a biosimilar's own brand)
        ("2119719", {"trastuzumab"}),  # Herceptin Hylecta (subcutaneous, with hyaluronidase)
        ("1923054", {"letrozole", "ribociclib"}),  # Kisqali 200 MG - Femara 2.5 MG carton
        ("2284506", {"doxorubicin-liposomal"}),  # "DOXOrubicin Injection [Doxil]"
    ],
)
def test_products_named_in_the_issue_and_other_traps(code: str, agents: set[str]) -> None:
    assert _agents(code) == agents


def test_variants_outside_the_content_stay_outside(drugs: Drugs) -> None:
    # Liposomal doxorubicin and paclitaxel poliglumex are other drugs: their lines must be
    # "not recognised", not taken for the content's doxorubicin or paclitaxel.
    assert "doxorubicin-liposomal" not in drugs.agents
    assert "paclitaxel-poliglumex" not in drugs.agents
    assert _agents("2473230") == {"paclitaxel-poliglumex"}


def _generator() -> ModuleType:
    path = DATA.parents[2] / "tools" / "generate_fhir_rxnorm.py"
    spec = importlib.util.spec_from_file_location("generate_fhir_rxnorm", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_the_table_is_what_the_generator_writes() -> None:
    # The committed file must not drift from the script (edited by hand, or content changed).
    generator = _generator()
    agents = generator.load_agents()
    assert generator.render(generator.build(SUBSET, agents), agents) == RXNORM_TEXT


def test_the_table_keeps_its_attribution() -> None:
    header = RXNORM_TEXT.split("format:")[0]
    for needed in ("mcode/clinical-trial-matching-app", "4891254e9f80edca25aa8041ed93f92990b7c3aa"):
        assert needed in header
    assert "Apache-2.0" in header
    raw = yaml.safe_load(RXNORM_TEXT)
    assert raw["source"]["licence"] == "Apache-2.0"
    entry = load_code_table().medications[("rxnorm", "2267576")]
    assert entry.source.startswith("rxnorm-list:mcode/clinical-trial-matching-app@4891254e")


def test_a_code_in_both_files_is_refused() -> None:
    codes_raw = yaml.safe_load(
        (resources.files("resources") / "fhir" / "codes.yaml").read_text(encoding="utf-8")
    )
    rxnorm = parse_rxnorm_table(yaml.safe_load(RXNORM_TEXT))
    codes_raw["medications"].append(
        {"system": "rxnorm", "code": rxnorm[0].code, "agents": ["docetaxel"], "source": "x"}
    )
    with pytest.raises(ContentError) as caught:
        parse_code_table(codes_raw, rxnorm=rxnorm)
    assert caught.value.source == "resources/fhir/rxnorm.yaml"
    assert "also listed" in caught.value.problem


def test_a_malformed_generated_table_names_the_place() -> None:
    raw = yaml.safe_load(RXNORM_TEXT)
    raw["medications"][3]["agents"] = []
    with pytest.raises(ContentError) as caught:
        parse_rxnorm_table(raw)
    assert caught.value.place == "medications[3].agents"


# ---------------------------------------------------------------------------- imports
def _line_of(run: Importer, *requests: dict[str, Any]) -> list[str]:
    result = run(b.bundle([b.patient(), *requests]))
    return [line.regimen for line in result.case.history]


@pytest.mark.parametrize(
    ("code", "regimen"),
    [
        ("2267576", "tdxd"),  # SCD
        ("2267578", "tdxd"),  # SBD component [Enhertu]
        ("1658087", "tdm1"),  # SBD, brand first
        ("1658089", "tdm1"),  # SCD, 160 mg
    ],
)
def test_a_record_coded_only_with_a_product_code_imports_its_line(
    run: Importer, code: str, regimen: str
) -> None:
    assert _line_of(run, b.med_request(code, "2023-01-10", "2023-06-01")) == [regimen]


def test_phesgo_imports_as_pertuzumab_and_trastuzumab(run: Importer) -> None:
    phesgo = b.med_request("2382609", "2022-03-01", "2022-09-01")
    docetaxel = b.med_request("1860485", "2022-03-01", "2022-06-01")  # 4 ML docetaxel 20 MG/ML
    result = run(b.bundle([b.patient(), phesgo, docetaxel]))
    assert [line.regimen for line in result.case.history] == ["pertuzumab-trastuzumab-taxane"]
    used = [i.what for i in result.report.recognised if i.resource_id == phesgo["id"]]
    assert used and used[0].startswith("pertuzumab + trastuzumab (rxnorm|2382609)")


def test_phesgo_alone_after_thp_continues_the_line_as_maintenance(run: Importer) -> None:
    thp = [
        b.med_request("1298948", "2022-03-01", "2022-06-01"),  # pertuzumab 14 ML vial
        b.med_request("1922509", "2022-03-01", "2022-06-01"),  # trastuzumab 150 MG Injection
        b.med_request("1860485", "2022-03-01", "2022-06-01"),  # docetaxel
    ]
    phesgo = b.med_request("2383307", "2022-06-20", "2023-01-01")  # Phesgo 600/600 per 10 ML
    assert _line_of(run, *thp, phesgo) == ["pertuzumab-trastuzumab-taxane"]


def _entry(code: str, display: str) -> dict[str, Any]:
    uri = "http://www.nlm.nih.gov/research/umls/rxnorm"
    return {"code": code, "display": display, "system": uri, "category": [], "cancerType": []}


def test_the_generator_stops_on_a_combination_with_an_unknown_ingredient() -> None:
    # Mapping "trastuzumab / foobarinib" to trastuzumab alone would claim the wrong regimen.
    generator = _generator()
    entries = [_entry("1", "Foobarinib 10 MG / trastuzumab 20 MG Injection")]
    with pytest.raises(SystemExit, match="foobarinib"):
        generator.build(entries, generator.load_agents())


def test_the_generator_stops_on_a_brand_paired_with_different_agents() -> None:
    generator = _generator()
    entries = [
        _entry("1", "Trastuzumab 150 MG Injection [Newbrand]"),
        _entry("2", "Pertuzumab 30 MG/ML [Newbrand]"),
    ]
    with pytest.raises(SystemExit, match="newbrand"):
        generator.build(entries, generator.load_agents())


def test_the_generator_learns_brands_from_the_list() -> None:
    generator = _generator()
    entries = [
        _entry("1", "Trastuzumab-abcd 150 MG [Newbrand]"),
        _entry("2", "Newbrand 150 MG Injection"),
        _entry("3", "Hyaluronidase / newbrand"),
    ]
    rows = generator.build(entries, generator.load_agents())
    assert [(code, agents) for code, agents, _ in rows] == [
        ("1", ("trastuzumab",)),
        ("2", ("trastuzumab",)),
        ("3", ("trastuzumab",)),
    ]


def test_a_content_alias_naming_one_agent_of_a_combination_does_not_shrink_it() -> None:
    # Should the content list "Phesgo" under trastuzumab alone, Phesgo stays two agents.
    generator = _generator()
    agents = [
        generator.Agent(a.id, (*a.names, "phesgo")) if a.id == "trastuzumab" else a
        for a in generator.load_agents()
    ]
    rows = {code: found for code, found, _ in generator.build(SUBSET, agents)}
    for code in ("2382605", "2382607", "2382609"):
        assert rows[code] == ("pertuzumab", "trastuzumab")
    assert rows["1658086"] == ("trastuzumab-emtansine",)  # "Trastuzumab Injection [KADCYLA]"
