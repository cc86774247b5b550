"""Matching a set of agents given together onto a regimen of the pathway content.

A regimen matches when every required component is filled by a distinct agent of the set and no
agent of the set is left unexplained. Of several matches the most specific wins (most required
components, then fewest optional slots), then the content's own order.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

from pathways.schema import Agent, ComponentChoice, Regimen

SettingName = Literal["early", "metastatic"]
HER2_CLASSES = frozenset({"her2-antibody", "her2-adc", "her2-tki"})


@dataclass(frozen=True)
class RegimenMatch:
    regimen_id: str
    alternatives: tuple[str, ...] = ()  # other regimens that explain the same agents


@dataclass(frozen=True)
class Slot:
    options: frozenset[str]
    required: bool


def regimen_slots(regimen: Regimen) -> list[Slot]:
    """The regimen's components as slots an agent can fill (an ``any_of`` is one slot)."""
    slots = []
    for component in regimen.components:
        if isinstance(component, ComponentChoice):
            slots.append(Slot(frozenset(component.any_of), not component.optional))
        else:
            slots.append(Slot(frozenset({component}), True))
    return slots


def _explains(slots: list[Slot], present: frozenset[str]) -> bool:
    """True if the slots can take every present agent, one agent per slot, all required filled."""

    def fill(index: int, left: frozenset[str]) -> bool:
        if index == len(slots):
            return not left
        slot = slots[index]
        for agent in sorted(slot.options & left):
            if fill(index + 1, left - {agent}):
                return True
        return not slot.required and fill(index + 1, left)

    # More agents than slots can never be explained; the check keeps the search trivially small.
    return len(present) <= len(slots) and fill(0, present)


def match_regimen(
    agent_ids: Collection[str],
    setting: SettingName,
    regimens: Mapping[str, Regimen],
    agents: Mapping[str, Agent],
) -> RegimenMatch | None:
    """The content regimen that the agents given together make up, or None."""
    present = frozenset(agent_ids)
    if not present or not present <= agents.keys():
        return None  # an agent the content does not know can never be explained
    ranked: list[tuple[int, int, int, str]] = []
    for order, (regimen_id, regimen) in enumerate(regimens.items()):
        if regimen.setting != setting:
            continue
        slots = regimen_slots(regimen)
        if _explains(slots, present):
            required = sum(1 for s in slots if s.required)
            ranked.append((-required, len(slots), order, regimen_id))
    if not ranked:
        return None
    ranked.sort()
    best = ranked[0][3]
    return RegimenMatch(best, tuple(r[3] for r in ranked[1:]))


def is_her2_directed(agent_id: str, agents: Mapping[str, Agent]) -> bool:
    agent = agents.get(agent_id)
    return agent is not None and bool(HER2_CLASSES.intersection(agent.classes))


def is_endocrine_partner(agent_id: str, agents: Mapping[str, Agent]) -> bool:
    """Endocrine drugs and CDK4/6 inhibitors, which are added to HER2 maintenance."""
    agent = agents.get(agent_id)
    return agent is not None and bool({"endocrine", "cdk46-inhibitor"}.intersection(agent.classes))
