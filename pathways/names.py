"""What a regimen or drug name written in a case means, in the setting of its line.

A regimen's own names and aliases resolve directly when the regimen belongs to the line's
setting. Otherwise the name is read as drugs ("Kadcyla", "Phesgo", "trastuzumab + vinorelbine",
brand or generic names, joined by "+", "," or "and") and matched against the regimens of that
setting: it resolves only when exactly one regimen is made of exactly those drugs. A single drug
never silently becomes a combination ("lapatinib" is not "lapatinib + capecitabine"): the
candidates are returned, for the command line to name and the window to offer as a choice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pathways.frozen import FrozenValue, frozen_value
from pathways.schema import Regimen

if TYPE_CHECKING:
    from pathways.content import Content

_SPLIT = re.compile(r"\s*(?:\+|,|/|\band\b|\bwith\b|\bplus\b)\s*", re.IGNORECASE)
MAX_NAME = 200


@frozen_value
class Resolution(FrozenValue):
    regimen: str | None
    candidates: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.regimen is None and bool(self.candidates)


def early_or_metastatic(setting: str | None) -> str | None:
    if setting is None:
        return None
    return "metastatic" if setting == "metastatic" else "early"


def resolve_name(content: Content, name: str, setting: str | None = None) -> Resolution:
    """``setting`` is a line's setting (neoadjuvant, adjuvant, metastatic) or None (any)."""
    name = name[:MAX_NAME]
    wanted = early_or_metastatic(setting)
    direct = content.resolve_regimen(name)
    if direct is not None and (wanted is None or content.regimens[direct].setting == wanted):
        return Resolution(direct)
    agents = drug_agents(content, name)
    if agents is None:
        # Not drugs we know: a regimen name of the other setting says what is wrong.
        return Resolution(None, (direct,) if direct is not None else ())
    pool = [r for r in content.regimens.values() if wanted is None or r.setting == wanted]
    exact = [r.id for r in pool if made_of(r, agents)]
    if len(exact) == 1:
        return Resolution(exact[0])
    if exact:
        return Resolution(None, tuple(sorted(exact)))
    containing = [r.id for r in pool if agents <= content.possible_agents(r.id)]
    return Resolution(None, tuple(sorted(containing)))


def drug_agents(content: Content, name: str) -> frozenset[str] | None:
    """The agents a drug-name text lists, or None if a part is not a known drug."""
    agents: set[str] = set()
    index = agent_index(content)
    whole = _norm(name)
    if whole in content.products:
        return frozenset(content.products[whole])
    if whole in index:
        return frozenset({index[whole]})
    parts = [p for p in _SPLIT.split(name.strip()) if p]
    if not parts:
        return None
    for part in parts:
        key = _norm(part)
        if key in content.products:
            agents.update(content.products[key])
        elif key in index:
            agents.add(index[key])
        else:
            return None
    return frozenset(agents)


def agent_index(content: Content) -> dict[str, str]:
    out: dict[str, str] = {}
    for agent in content.agents.values():
        for label in (agent.id, agent.name, *agent.aliases):
            out.setdefault(_norm(label), agent.id)
    return out


def made_of(regimen: Regimen, agents: Iterable[str]) -> bool:
    """Can one instance of the regimen consist of exactly these agents?"""
    given = set(agents)
    used: set[str] = set()
    for comp in regimen.components:
        if isinstance(comp, str):
            if comp not in given:
                return False
            used.add(comp)
            continue
        chosen = given & set(comp.any_of)
        if not chosen and not comp.optional:
            return False
        used |= chosen
    return used == given


def _norm(name: str) -> str:
    return " ".join(name.replace("_", " ").lower().split())
