"""Build changed copies of the bundled content for the diff, review-packet and update tests."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from pathways.content import bundled_content_dir
from pathways.content_diff import transition_key
from pathways.records import validate
from pathways.schema import Transition

REMOVED = "tucatinib-tdm1"
RETIERED_TO = "tdm1"
THP = "pertuzumab-trastuzumab-taxane"
FIGURE = (29.0, 31.5)  # DESTINY-Breast03 median PFS, changed


def _load(folder: Path, name: str) -> Any:
    return yaml.safe_load((folder / name).read_text(encoding="utf-8"))


def _dump(folder: Path, name: str, data: Any) -> None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    (folder / name).write_text(text, encoding="utf-8")


def changed_content(target: Path) -> dict[str, str]:
    """A copy with a changed figure, a re-tiered transition and a removed regimen.

    Returns what was changed: the evidence id, the transition's from/to, the regimen removed.
    """
    shutil.copytree(bundled_content_dir(), target)
    # A figure: 29.0 -> 31.5 months in the one endpoint that has it.
    evidence = _load(target, "evidence.yaml")
    changed_evidence = ""
    for record in evidence["evidence"]:
        for endpoint in record["endpoints"]:
            if endpoint.get("value") == FIGURE[0]:
                endpoint["value"] = FIGURE[1]
                changed_evidence = record["id"]
    assert changed_evidence
    # The regimen: out of drugs, transitions, guidelines and rules.
    drugs = _load(target, "drugs.yaml")
    drugs["regimens"] = [r for r in drugs["regimens"] if r["id"] != REMOVED]
    for r in drugs["regimens"]:
        r["maintenance_of"] = [m for m in r.get("maintenance_of", []) if m != REMOVED]
    _dump(target, "drugs.yaml", drugs)
    dropped_guidelines = set()
    kept = []
    for g in evidence.get("guidelines", []):
        g["regimens"] = [r for r in g["regimens"] if r != REMOVED]
        if g["regimens"]:
            kept.append(g)
        else:
            dropped_guidelines.add(g["id"])
    evidence["guidelines"] = kept
    _dump(target, "evidence.yaml", evidence)
    transitions = _load(target, "transitions.yaml")
    out = []
    retiered = ""
    for t in transitions["transitions"]:
        if t["to"] == REMOVED:
            continue
        t["from"] = [f for f in t["from"] if f != REMOVED]
        if not t["from"]:
            continue
        t["guidelines"] = [g for g in t.get("guidelines", []) if g not in dropped_guidelines]
        # The transition THP -> T-DM1 (second line) becomes preferred.
        if (
            not retiered
            and t["to"] == RETIERED_TO
            and THP in t["from"]
            and t["tier"] != "preferred"
        ):
            t["tier"] = "preferred"
            retiered = transition_key(validate(Transition, t))
        out.append(t)
    assert retiered
    transitions["transitions"] = out
    _dump(target, "transitions.yaml", transitions)
    rules = _load(target, "rules.yaml")
    for rule in rules.get("rules", []):
        if REMOVED in rule.get("regimens", []):
            rule["regimens"] = [r for r in rule["regimens"] if r != REMOVED]
    rules["rules"] = [
        r
        for r in rules.get("rules", [])
        if r.get("regimens") or r.get("agents") or r.get("classes")
    ]
    _dump(target, "rules.yaml", rules)
    return {"evidence": changed_evidence, "transition": retiered, "regimen": REMOVED}
