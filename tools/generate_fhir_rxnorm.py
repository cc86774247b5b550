"""Regenerate resources/fhir/rxnorm.yaml: the RxNorm codes of every agent of the content.

Developer tool, not shipped in the wheel. Run it from the project folder after the content's
agents change or a newer copy of the RxNorm list arrives:

    python tools/generate_fhir_rxnorm.py ../shared/rxnorm/medications.json

It reads the public RxNorm list (see SOURCE below: a list of cancer-drug concepts at every term
type: ingredients, clinical and branded drugs, forms, packs) and writes one entry per concept that
contains an agent of resources/pathway/drugs.yaml, with every agent the concept contains (Phesgo:
pertuzumab + trastuzumab). It also writes the slice of the list the tests check the table against
(tests/fhir/data/rxnorm/medications-subset.json), copied unchanged.

How a concept's agents are found (display names are read HERE, once, by a reviewed script; the
importer itself reads codes only):
- a brand in brackets decides ("Trastuzumab Injection [KADCYLA]" is T-DM1, not trastuzumab),
  except that a content alias naming one agent of a combination product does not shrink it;
- otherwise every ingredient and brand name found in the name counts ("Kisqali 200 MG - Femara
  2.5 MG Daily Dose Carton" is ribociclib + letrozole);
- ingredient names are the content's agent names and aliases plus the RxNorm spellings below;
  biosimilar suffixes ("trastuzumab-dkst") are dropped; brands are the content's aliases plus
  those the list itself pairs with ingredients ("... [Ogivri]");
- a multi-ingredient name with an ingredient nobody mapped stops the script, so nothing is
  silently mapped to part of its ingredients.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DRUGS = ROOT / "resources" / "pathway" / "drugs.yaml"
OUTPUT = ROOT / "resources" / "fhir" / "rxnorm.yaml"
SUBSET = ROOT / "tests" / "fhir" / "data" / "rxnorm" / "medications-subset.json"

SOURCE = {
    "repository": "mcode/clinical-trial-matching-app",
    "commit": "4891254e9f80edca25aa8041ed93f92990b7c3aa",
    "path": "src/assets/optimizedPatientDataElements/medications.json",
    "author": "MITRE",
    "licence": "Apache-2.0",
}
RXNORM_URI = "http://www.nlm.nih.gov/research/umls/rxnorm"

# RxNorm spellings the content's names and aliases do not cover. Agent ids outside the content
# (liposomal doxorubicin, paclitaxel poliglumex, ribociclib) make a line "not recognised", which
# is right: mapping them to the content's conventional drug would claim a regimen never given.
EXTRA_INGREDIENTS: dict[str, str] = {
    "paclitaxel protein-bound": "nab-paclitaxel",
    "paclitaxel poliglumex": "paclitaxel-poliglumex",
    "doxorubicin liposome": "doxorubicin-liposomal",
    "doxorubicin hydrochloride liposome": "doxorubicin-liposomal",
    "ribociclib": "ribociclib",
}
EXTRA_BRANDS: dict[str, str] = {
    "doxil": "doxorubicin-liposomal",
    "lipodox": "doxorubicin-liposomal",
}
# Co-ingredients that are not anticancer agents: the enzyme of subcutaneous trastuzumab and
# pertuzumab, and an excipient of one cyclophosphamide product.
IGNORED_INGREDIENTS = frozenset({"hyaluronidase", "mannitol"})
# Content aliases that are abbreviations, not names an RxNorm concept could carry.
_MIN_ALIAS_LENGTH = 4
# Words of strengths, forms and packs: a " / " part made only of these names no ingredient.
_FORM_WORDS = frozenset(
    {
        *("mg", "ml", "unt", "mcg", "meq", "hr", "actuat", "per", "as", "for"),
        *("injection", "injectable", "solution", "suspension", "product", "oral", "tablet"),
        *("capsule", "pill", "pack", "prefilled", "syringe", "daily", "dose", "carton"),
        *("liquid", "extended", "release", "delayed", "topical", "cream", "kit", "vial"),
        *("powder", "reconstitution", "chewable", "lyophilized", "anhydrous"),
        *("hydrochloride", "citrate", "mesylate", "maleate", "ditosylate", "tartrate"),
    }
)


@dataclass(frozen=True)
class Agent:
    id: str
    names: tuple[str, ...]  # lowercase name and aliases


def load_agents(path: Path = DRUGS) -> list[Agent]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    agents = []
    for item in raw["agents"]:
        names = [str(item["name"]), *(str(a) for a in item.get("aliases", []) or [])]
        usable = [n.lower() for n in names if len(n) >= _MIN_ALIAS_LENGTH]
        agents.append(Agent(str(item["id"]), tuple(dict.fromkeys(usable))))
    return agents


def _pattern(names: Iterable[str]) -> re.Pattern[str]:
    # Longest first, so "ado-trastuzumab emtansine" wins over "trastuzumab"; a biosimilar's
    # four-letter suffix ("-dkst") is part of the match.
    ordered = sorted(set(names), key=len, reverse=True)
    body = "|".join(re.escape(n) for n in ordered)
    return re.compile(rf"(?<![\w-])({body})(?:-[a-z]{{4}})?(?![\w-])")


_BRACKET = re.compile(r"\s*\[([^\]]+)\]\s*$")


class Mapper:
    """Finds the agents of one RxNorm concept from its name (see the module docstring)."""

    def __init__(self, agents: Sequence[Agent], entries: Sequence[Mapping[str, Any]]) -> None:
        # The content's names and aliases (generic and brand names alike) and RxNorm spellings.
        self.names: dict[str, str] = dict(EXTRA_INGREDIENTS)
        for agent in agents:
            for name in agent.names:
                self.names.setdefault(name, agent.id)
        for ignored in IGNORED_INGREDIENTS:
            self.names[ignored] = ""
        self._names_re = _pattern(self.names)
        # Brands the content does not list, learned from the list itself ("... [Ogivri]").
        self.brands: dict[str, frozenset[str]] = {
            b: frozenset({a}) for b, a in EXTRA_BRANDS.items()
        }
        self._learn_brands(entries)
        self._brands_re = _pattern(self.brands)

    def _learn_brands(self, entries: Sequence[Mapping[str, Any]]) -> None:
        learned: dict[str, set[frozenset[str]]] = {}
        for entry in entries:
            match = _BRACKET.search(entry["display"])
            if match is None:
                continue
            brand = match.group(1).lower()
            if brand in self.brands:
                continue  # the script already says what this brand is
            found = self._named(entry["display"][: match.start()])
            if found:
                learned.setdefault(brand, set()).add(found)
        for brand, sets in sorted(learned.items()):
            own = self.names.get(brand)
            if own is not None:
                # A content alias wins ("Trastuzumab Injection [KADCYLA]" is T-DM1), unless it
                # names one agent of a combination product (Phesgo listed under one antibody).
                wider = {found for found in sets if own in found and len(found) > 1}
                if len(wider) == 1:
                    self.brands[brand] = wider.pop()
                    del self.names[brand]
                continue
            if len(sets) > 1:
                raise SystemExit(f"brand {brand!r} pairs with different agents: {sorted(sets)}")
            self.brands[brand] = sets.pop()
        self._names_re = _pattern(self.names)

    def _named(self, text: str) -> frozenset[str]:
        hits = {self.names[m.group(1)] for m in self._names_re.finditer(text.lower())}
        return frozenset(h for h in hits if h)

    def _bracket_brand(self, brand: str) -> frozenset[str] | None:
        agent = self.names.get(brand)
        if agent:
            return frozenset({agent})
        return self.brands.get(brand)

    def agents_of(self, display: str) -> frozenset[str]:
        bracket = _BRACKET.search(display)
        if bracket is not None:
            known = self._bracket_brand(bracket.group(1).lower())
            if known is not None:
                return known
            display = display[: bracket.start()]
        found = set(self._named(display))
        for match in self._brands_re.finditer(display.lower()):
            found |= self.brands[match.group(1)]
        if found:
            self._check_parts(display)
        return frozenset(found)

    def _check_parts(self, display: str) -> None:
        parts = re.split(r" / | - ", display.lower())
        if len(parts) < 2:
            return
        for part in parts:
            words = [w for w in re.findall(r"[a-z][a-z-]{3,}", part) if w not in _FORM_WORDS]
            if not words:
                continue
            if self._names_re.search(part) is None and self._brands_re.search(part) is None:
                raise SystemExit(
                    f"{display!r}: part {part!r} names no known ingredient; add its spelling to "
                    "EXTRA_INGREDIENTS or IGNORED_INGREDIENTS"
                )


def mentions(entry: Mapping[str, Any], agents: Sequence[Agent]) -> bool:
    """Whether an entry of the list names a content agent anywhere (the tests' slice).

    Deliberately broader than the mapping: plain substrings of names, aliases and the
    list's own category names, so the tests see every concept the mapping could have missed.
    """
    text = " ".join([entry["display"], *entry.get("category", [])]).lower()
    words = {n for agent in agents for n in agent.names} | set(EXTRA_INGREDIENTS)
    stems = {w.split("-")[-1] if w.startswith(("ado-", "fam-")) else w for w in words}
    return any(stem in text for stem in stems)


def build(
    entries: Sequence[Mapping[str, Any]], agents: Sequence[Agent]
) -> list[tuple[str, tuple[str, ...], str]]:
    """(code, agents, RxNorm name) for every concept holding a content agent, by code."""
    # The content's agents, and the variants named above on purpose so that a line holding
    # one is reported as not recognised rather than built without it.
    wanted = {a.id for a in agents} | set(EXTRA_INGREDIENTS.values()) | set(EXTRA_BRANDS.values())
    mapper = Mapper(agents, entries)
    rows = []
    for entry in entries:
        if entry.get("system") != RXNORM_URI:
            continue
        found = mapper.agents_of(entry["display"])
        if found & wanted:
            rows.append((str(entry["code"]), tuple(sorted(found)), str(entry["display"])))
    rows.sort(key=lambda row: (row[1], int(row[0]) if row[0].isdigit() else 0, row[0]))
    return rows


def render(rows: Sequence[tuple[str, tuple[str, ...], str]], agents: Sequence[Agent]) -> str:
    content = {a.id for a in agents}
    missing = sorted(content - {a for _, found, _ in rows for a in found})
    out = [
        "# GENERATED by tools/generate_fhir_rxnorm.py: do not edit by hand; change the script or",
        "# the content's agents and run it again (see the script's docstring).",
        "#",
        "# The RxNorm codes of every agent of resources/pathway/drugs.yaml, at every term",
        "# type (ingredient, clinical and branded drug, dose form, pack). The importer reads",
        '# codes only; "note" is the RxNorm name, for reviewers. A product of two agents lists',
        "# both.",
        "#",
        "# Source (codes copied from it; keep this attribution with the data):",
        f"#   {SOURCE['repository']} @ {SOURCE['commit']},",
        f"#   {SOURCE['path']} ({SOURCE['author']}),",
        f"#   licence {SOURCE['licence']}. RxNorm is produced by the U.S. National Library of "
        "Medicine.",
        f"# Content agents with no concept in that list: {', '.join(missing) or 'none'}.",
        "format: her2-pathway-fhir-rxnorm",
        "version: 1",
        "source:",
        *(f"  {key}: {json.dumps(value)}" for key, value in SOURCE.items()),
        "medications:",
    ]
    for code, found, name in rows:
        out.append(
            f"  - {{code: {json.dumps(code)}, agents: [{', '.join(found)}], "
            f"note: {json.dumps(name, ensure_ascii=True)}}}"
        )
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("medications", type=Path, help="medications.json of the RxNorm list")
    args = parser.parse_args(argv)
    entries = json.loads(args.medications.read_text(encoding="utf-8"))
    agents = load_agents()
    rows = build(entries, agents)
    OUTPUT.write_text(render(rows, agents), encoding="utf-8")
    subset = [e for e in entries if mentions(e, agents)]
    SUBSET.parent.mkdir(parents=True, exist_ok=True)
    SUBSET.write_text(
        json.dumps(subset, indent=0, ensure_ascii=True).replace("\n", "") + "\n",
        encoding="utf-8",
    )
    print(
        f"{OUTPUT.relative_to(ROOT)}: {len(rows)} codes; {SUBSET.relative_to(ROOT)}: "
        f"{len(subset)} of {len(entries)} concepts"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
