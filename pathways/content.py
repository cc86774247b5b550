"""Load and validate the clinical content (resources/pathway/*.yaml).

Each file is checked against :mod:`pathways.schema`; then the files are checked against each
other. Every problem names the file, the line and the path inside it, and what is wrong.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from pathways.errors import ContentError, ContentErrors, shown
from pathways.names import Resolution
from pathways.placed_yaml import read_yaml, validate
from pathways.records import Record
from pathways.safe_write import read_bounded
from pathways.schema import (
    Agent,
    ComponentChoice,
    Condition,
    DrugsFile,
    EntryPoint,
    Evidence,
    EvidenceFile,
    Guideline,
    Header,
    Messages,
    Pitfall,
    Product,
    Regimen,
    RulesFile,
    SafetyNote,
    ScopedRule,
    Transition,
    TransitionsFile,
)

FILES: dict[str, type[Record]] = {
    "pathway.yaml": Header,
    "drugs.yaml": DrugsFile,
    "evidence.yaml": EvidenceFile,
    "transitions.yaml": TransitionsFile,
    "rules.yaml": RulesFile,
}
MAX_CONTENT_BYTES = 5_000_000
M = TypeVar("M", bound=Record)

# Placeholders each built-in message may use; a typo in the content is caught on load.
MESSAGE_FIELDS: dict[str, set[str]] = {
    "repeated_regimen": {"regimen", "line"},
    "repeated_agent": {"agents", "regimen"},
    "beyond_progression": {"regimen"},
    "continue_ongoing": {"regimen"},
    "clinical_trial": set(),
    "no_transitions": {"regimen"},
    "population_naive": {"trial", "agents"},
    "population_required": {"trial", "agents"},
    "population_lines": {"trial", "count"},
    "population_max_lines": {"trial", "count", "lines"},
    "population_classes": {"trial", "classes"},
    "early_relapse_during": set(),
    "relapse_grey_zone": {"months"},
    "relapse_unknown": set(),
    "early_relapse": {"months"},
    "unconfirmed_guideline": {"body"},
    "hypothetical": set(),
    "previously_given": {"regimen"},
    "derived_factor": {"factor", "line", "regimen", "detail"},
    "site_unavailable": {"agents", "site"},
    "later_lines": set(),
    "tie": set(),
    "change_added": {"regimen", "tier", "why"},
    "change_removed": {"regimen"},
    "change_tier": {"regimen", "old", "new", "why"},
    "change_first": {"regimen", "why"},
    "change_order": {"regimen", "why"},
}


def bundled_content_dir() -> Path:
    # Through importlib.resources (source tree, wheel and frozen bundle alike), not a str() cast.
    from pathways.bundled import bundled_folder

    return bundled_folder("pathway")


# ---------------------------------------------------------------------------- the content
@dataclass(frozen=True, eq=False)  # identity hash: one object per content digest (cached)
class Content:
    """The validated content, indexed by id. Immutable; shared by the engine and the window."""

    header: Header
    agents: Mapping[str, Agent]
    regimens: Mapping[str, Regimen]
    evidence: Mapping[str, Evidence]
    guidelines: Mapping[str, Guideline]
    safety: Mapping[str, SafetyNote]
    transitions: tuple[Transition, ...]
    rules: tuple[ScopedRule, ...]
    pitfalls: tuple[Pitfall, ...]
    messages: Messages
    digest: str
    origin: str
    drug_products: tuple[Product, ...] = ()
    _aliases: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def version(self) -> str:
        return self.header.content_version

    @property
    def reviewed(self) -> str:
        return self.header.reviewed.isoformat()

    @cached_property
    def entry_points(self) -> dict[str, EntryPoint]:
        return {e.id: e for e in self.header.entry_points}

    def node_name(self, node: str) -> str:
        if node in self.regimens:
            return self.regimens[node].name
        return self.entry_points[node].name

    def resolve_regimen(self, name: str) -> str | None:
        """Canonical regimen id for an id, name or alias (case-insensitive), or None."""
        return self._aliases.get(_norm(name))

    def regimen_setting(self, regimen_id: str) -> str:
        return self.regimens[regimen_id].setting

    @cached_property
    def _definite_agents(self) -> dict[str, frozenset[str]]:
        return {
            r.id: frozenset(c for c in r.components if isinstance(c, str))
            for r in self.regimens.values()
        }

    def definite_agents(self, regimen_id: str) -> frozenset[str]:
        """Agents that every instance of the regimen contains (not the any-of choices)."""
        return self._definite_agents[regimen_id]

    @cached_property
    def _possible_agents(self) -> dict[str, frozenset[str]]:
        out: dict[str, frozenset[str]] = {}
        for r in self.regimens.values():
            ids: set[str] = set()
            for c in r.components:
                ids.update((c,) if isinstance(c, str) else c.any_of)
            out[r.id] = frozenset(ids)
        return out

    def possible_agents(self, regimen_id: str) -> frozenset[str]:
        return self._possible_agents[regimen_id]

    @cached_property
    def regimens_defined_by(self) -> dict[str, tuple[str, ...]]:
        """Agent id → the regimens it defines (for the no-re-use rule, without a full scan)."""
        out: dict[str, list[str]] = {}
        for r in self.regimens.values():
            for agent in r.defining_agents:
                out.setdefault(agent, []).append(r.id)
        return {agent: tuple(ids) for agent, ids in out.items()}

    @cached_property
    def maintained(self) -> frozenset[str]:
        """Regimens that another regimen continues as maintenance within the same line."""
        return frozenset(m for r in self.regimens.values() for m in r.maintenance_of)

    @cached_property
    def _any_agents(self) -> dict[str, frozenset[str]]:
        out: dict[str, frozenset[str]] = {}
        for r in self.regimens.values():
            ids: set[str] = set()
            for c in r.components:
                if isinstance(c, str):
                    ids.add(c)
                elif not c.optional:
                    ids.update(c.any_of)
            out[r.id] = frozenset(ids)
        return out

    def any_agents(self, regimen_id: str) -> frozenset[str]:
        """Agents some variant of the regimen must contain (choices of required slots too; not
        optional add-ons): what an exclusion rule looks at."""
        return self._any_agents[regimen_id]

    def any_classes(self, regimen_id: str) -> frozenset[str]:
        return frozenset(
            cls for a in self._any_agents[regimen_id] for cls in self.agents[a].classes
        )

    @cached_property
    def transition_ids(self) -> tuple[str, ...]:
        """A readable id per transition (its own, or "from->to"), unique."""
        out: list[str] = []
        seen: dict[str, int] = {}
        for t in self.transitions:
            base = t.id or f"{t.from_[0]}->{t.to}"
            seen[base] = seen.get(base, 0) + 1
            out.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
        return tuple(out)

    @cached_property
    def products(self) -> dict[str, tuple[str, ...]]:
        """Normalised brand name of a fixed combination -> its agents (e.g. Phesgo)."""
        return {_norm(name): p.agents for p in self.drug_products for name in (p.name, *p.aliases)}

    def resolve(self, name: str, setting: str | None = None) -> Resolution:
        """What a regimen or drug name given in a case means in this setting: one regimen, or
        the candidates to choose from (see :mod:`pathways.names`)."""
        from pathways.names import resolve_name

        return resolve_name(self, name, setting)

    def agent_classes(self, regimen_id: str) -> frozenset[str]:
        """Classes of the regimen's required agents (an any-of slot counts if all choices share)."""
        regimen = self.regimens[regimen_id]
        classes: set[str] = set()
        for c in regimen.components:
            if isinstance(c, str):
                classes.update(self.agents[c].classes)
            elif not c.optional:
                shared = set.intersection(*(set(self.agents[a].classes) for a in c.any_of))
                classes.update(shared)
        return frozenset(classes)

    def message(self, name: str, **fields: object) -> str:
        template: str = getattr(self.messages, name)
        return template.format(**fields)


def _placeholder_problem(template: str, allowed: set[str]) -> str | None:
    """Why ``template`` is not a safe message, or None.

    Only bare ``{name}`` placeholders: a format spec (``{regimen:>999999999}``) could make one
    message gigabytes long, and attribute or index access (``{regimen.__class__}``) reaches
    into objects.
    """
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:  # an unmatched brace
        return f"not a valid message template ({exc}); write a literal brace as {{{{ or }}}}"
    used: set[str] = set()
    for _, field_name, spec, conversion in parts:
        if field_name is None:
            continue
        if spec or conversion or not field_name.isidentifier():
            return (
                f"placeholder {shown('{' + field_name + '}', 40)} is not allowed: only bare "
                "placeholders such as {regimen}, without format specs, conversions or indexes"
            )
        used.add(field_name)
    if not used <= allowed:
        return f"unknown placeholder(s) {sorted(used - allowed)}; allowed: {sorted(allowed)}"
    return None


def _norm(name: str) -> str:
    return " ".join(name.replace("_", " ").replace("+", " + ").lower().split())


def _index(items: Iterable[M], what: str, file: str, errors: list[ContentError]) -> dict[str, M]:
    out: dict[str, M] = {}
    for i, item in enumerate(items):
        key = str(getattr(item, "id"))  # noqa: B009 - every indexed model has an id
        if key in out:
            errors.append(ContentError(file, f"{what}[{i}].id", f"duplicate id {key!r}"))
        out[key] = item
    return out


def load_content(directory: Path | None = None) -> Content:
    """Load the content from a folder of the five YAML files (the bundled one by default)."""
    directory = directory or bundled_content_dir()
    if not directory.is_dir():
        raise ContentError(str(directory), "", "content folder not found")
    texts: dict[str, str] = {}
    for name in FILES:
        path = directory / name
        # A regular file within the size limit, checked while reading (a FIFO or /dev/zero
        # planted in the folder must neither block nor exhaust memory).
        data = read_bounded(path, MAX_CONTENT_BYTES, "a content file", ContentError)
        try:
            texts[name] = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ContentError(str(path), f"byte {exc.start}", "not UTF-8 text") from None
    # Validated once, then read back from the user's cache while the files stay the same.
    from pathways.content_cache import cached_content

    return cached_content(texts, str(directory), load_content_texts)


_CACHE: dict[str, Content] = {}


def load_content_texts(texts: Mapping[str, str], origin: str = "<content>") -> Content:
    """Validate the five files given as text. Results are cached by the texts' hash."""
    digest = hashlib.sha256(
        b"\0".join(f"{n}\0{texts.get(n, '')}".encode() for n in FILES)
    ).hexdigest()
    if digest in _CACHE:
        return _CACHE[digest]
    # The parse and validation allocate many small objects and free none of them; the cyclic
    # garbage collector would scan them again and again (it triples the load of large content).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load(texts, origin, digest)
    finally:
        if collecting:
            gc.enable()


def _load(texts: Mapping[str, str], origin: str, digest: str) -> Content:
    errors: list[ContentError] = []
    models: dict[str, Record] = {}
    for name, model in FILES.items():
        if name not in texts:
            errors.append(ContentError(name, "", "file missing"))
            continue
        try:
            models[name] = validate(read_yaml(name, texts[name], MAX_CONTENT_BYTES), model)
        except ContentErrors as exc:
            errors.extend(exc.errors)
        except ContentError as exc:
            errors.append(exc)
    if errors:
        raise ContentErrors(errors)
    header = models["pathway.yaml"]
    drugs = models["drugs.yaml"]
    ev = models["evidence.yaml"]
    tr = models["transitions.yaml"]
    ru = models["rules.yaml"]
    assert isinstance(header, Header) and isinstance(drugs, DrugsFile)
    assert isinstance(ev, EvidenceFile) and isinstance(tr, TransitionsFile)
    assert isinstance(ru, RulesFile)
    content = Content(
        header=header,
        agents=_index(drugs.agents, "agents", "drugs.yaml", errors),
        regimens=_index(drugs.regimens, "regimens", "drugs.yaml", errors),
        evidence=_index(ev.evidence, "evidence", "evidence.yaml", errors),
        guidelines=_index(ev.guidelines, "guidelines", "evidence.yaml", errors),
        safety=_index(ev.safety, "safety", "evidence.yaml", errors),
        transitions=tr.transitions,
        rules=ru.rules,
        pitfalls=ru.pitfalls,
        messages=ru.messages,
        drug_products=drugs.products,
        digest=digest,
        origin=origin,
    )
    _index(header.entry_points, "entry_points", "pathway.yaml", errors)
    _index(ru.rules, "rules", "rules.yaml", errors)
    _index(ru.pitfalls, "pitfalls", "rules.yaml", errors)
    errors.extend(_cross_check(content))
    errors.extend(_rule_model_check(content))
    if errors:
        raise ContentErrors(errors)
    _CACHE[digest] = content
    return content


# ---------------------------------------------------------------------------- cross-file checks
def _rule_model_check(c: Content) -> list[ContentError]:
    """What the engine relies on: its entry points, ranking-only fields only in pitfalls,
    product and agent references, and no single-drug name that silently means a combination."""
    from pathways.conditions import RANKING_FIELDS, fields_used
    from pathways.content_checks import status_problems
    from pathways.names import agent_index, made_of

    errors: list[ContentError] = status_problems(
        c.header.sources, c.evidence.values(), c.guidelines.values(), c.safety.values(), c.pitfalls
    )
    nodes = c.header.engine.nodes
    for role, node in ((f.name, getattr(nodes, f.name)) for f in dataclasses.fields(nodes)):
        if node not in c.entry_points:
            errors.append(
                ContentError(
                    "pathway.yaml",
                    f"engine.nodes.{role}",
                    f"{node!r} is not one of the entry points; the engine needs it",
                )
            )

    def ranking_only(cond: Condition | None, file: str, place: str) -> None:
        used = RANKING_FIELDS & set(fields_used(cond))
        if used:
            errors.append(
                ContentError(
                    file,
                    place,
                    f"{sorted(used)} can only be used in pitfalls (they read the ranking itself)",
                )
            )

    for i, t in enumerate(c.transitions):
        place = f"transitions[{i}] ({'/'.join(t.from_)} -> {t.to})"
        ranking_only(t.when, "transitions.yaml", f"{place}.when")
        for j, adj in enumerate(t.adjust):
            ranking_only(adj.when, "transitions.yaml", f"{place}.adjust[{j}].when")
    for rule in c.rules:
        ranking_only(rule.when, "rules.yaml", f"rule {rule.id}.when")
    for agent in c.agents.values():
        for inc in agent.includes:
            if inc not in c.agents:
                errors.append(
                    ContentError(
                        "drugs.yaml", f"agent {agent.id}.includes", f"unknown agent {inc!r}"
                    )
                )
    for product in c.drug_products:
        for agent_id in product.agents:
            if agent_id not in c.agents:
                errors.append(
                    ContentError(
                        "drugs.yaml",
                        f"product {product.name}.agents",
                        f"unknown agent {agent_id!r}",
                    )
                )
    drugs = agent_index(c)
    for r in c.regimens.values():
        for alias in (r.name, r.short, *r.aliases):
            named = drugs.get(" ".join(alias.replace("_", " ").lower().split()))
            if named is not None and not made_of(r, {named}):
                errors.append(
                    ContentError(
                        "drugs.yaml",
                        f"regimen {r.id}.aliases",
                        f"{alias!r} names the drug {named!r} alone, not this combination: a "
                        "drug name must not silently stand for a regimen with other drugs",
                    )
                )
    return errors


def _cross_check(c: Content) -> list[ContentError]:
    errors: list[ContentError] = []

    def need(ok: bool, file: str, place: str, problem: str) -> None:
        if not ok:
            errors.append(ContentError(file, place, problem))

    sources = {s.key for s in c.header.sources}
    nodes = set(c.regimens) | set(c.entry_points)
    need(
        not (set(c.regimens) & set(c.entry_points)),
        "drugs.yaml",
        "regimens",
        "a regimen id is also an entry point id",
    )
    things = set(c.regimens) | set(c.agents)

    def refs(
        ids: Iterable[str], pool: Mapping[str, object] | set[str], file: str, place: str, what: str
    ) -> None:
        for ref in ids:
            need(ref in pool, file, place, f"unknown {what} {ref!r}")

    def cond(cnd: Condition | None, file: str, place: str) -> None:
        if cnd is None:
            return
        for name in ("received_any", "received_none", "progressed_on_any", "toxicity_on_any"):
            refs(getattr(cnd, name) or (), things, file, f"{place}.{name}", "regimen or agent")
        for i, sub in enumerate(cnd.any_of or ()):
            cond(sub, file, f"{place}.any_of[{i}]")
        for i, sub in enumerate(cnd.none_of or ()):
            cond(sub, file, f"{place}.none_of[{i}]")

    for agent in c.agents.values():
        need(
            agent.id not in c.regimens,
            "drugs.yaml",
            f"agent {agent.id}",
            "an agent id is also a regimen id",
        )
    aliases: dict[str, str] = {}
    for r in c.regimens.values():
        place = f"regimen {r.id}"
        for comp in r.components:
            refs(
                (comp,) if isinstance(comp, str) else comp.any_of,
                c.agents,
                "drugs.yaml",
                f"{place}.components",
                "agent",
            )
        refs(r.defining_agents, c.agents, "drugs.yaml", f"{place}.defining_agents", "agent")
        refs(r.maintenance_of, c.regimens, "drugs.yaml", f"{place}.maintenance_of", "regimen")
        refs(r.evidence, c.evidence, "drugs.yaml", f"{place}.evidence", "evidence id")
        refs(r.guidelines, c.guidelines, "drugs.yaml", f"{place}.guidelines", "guideline id")
        refs(r.safety, c.safety, "drugs.yaml", f"{place}.safety", "safety note")
        for name in (r.id, r.name, r.short, *r.aliases):
            key = _norm(name)
            other = aliases.get(key)
            need(
                other in (None, r.id),
                "drugs.yaml",
                f"{place}.aliases",
                f"alias {name!r} also names regimen {other!r}",
            )
            aliases.setdefault(key, r.id)
    c._aliases.update(aliases)
    for e in c.evidence.values():
        place = f"evidence {e.id}"
        refs(e.citation.sources, sources, "evidence.yaml", f"{place}.citation.sources", "source")
        refs(e.population.prior_required, c.agents, "evidence.yaml", place, "agent")
        refs(e.population.naive_to, c.agents, "evidence.yaml", place, "agent")
    for g in c.guidelines.values():
        refs(g.regimens, c.regimens, "evidence.yaml", f"guideline {g.id}.regimens", "regimen")
        refs(g.sources, sources, "evidence.yaml", f"guideline {g.id}.sources", "source")
    for s in c.safety.values():
        refs(s.agents, c.agents, "evidence.yaml", f"safety {s.id}.agents", "agent")
        refs(s.sources, sources, "evidence.yaml", f"safety {s.id}.sources", "source")
    for i, t in enumerate(c.transitions):
        place = f"transitions[{i}] ({'/'.join(t.from_)} -> {t.to})"
        refs(t.from_, nodes, "transitions.yaml", f"{place}.from", "node")
        refs((t.to,), c.regimens, "transitions.yaml", f"{place}.to", "regimen")
        refs(t.evidence, c.evidence, "transitions.yaml", f"{place}.evidence", "evidence id")
        refs(t.guidelines, c.guidelines, "transitions.yaml", f"{place}.guidelines", "guideline")
        cond(t.when, "transitions.yaml", f"{place}.when")
        for j, adj in enumerate(t.adjust):
            cond(adj.when, "transitions.yaml", f"{place}.adjust[{j}].when")
            refs(adj.evidence, c.evidence, "transitions.yaml", f"{place}.adjust[{j}]", "evidence")
    for rule in c.rules:
        place = f"rule {rule.id}"
        refs(rule.agents, c.agents, "rules.yaml", f"{place}.agents", "agent")
        refs(rule.regimens, c.regimens, "rules.yaml", f"{place}.regimens", "regimen")
        refs(rule.evidence, c.evidence, "rules.yaml", f"{place}.evidence", "evidence id")
        refs(rule.sources, sources, "rules.yaml", f"{place}.sources", "source")
        need(
            bool(rule.agents or rule.classes or rule.regimens),
            "rules.yaml",
            place,
            "a rule needs a scope: agents, classes or regimens",
        )
        cond(rule.when, "rules.yaml", f"{place}.when")
    for p in c.pitfalls:
        refs(p.sources, sources, "rules.yaml", f"pitfall {p.id}.sources", "source")
        refs(p.evidence, c.evidence, "rules.yaml", f"pitfall {p.id}.evidence", "evidence id")
        cond(p.when, "rules.yaml", f"pitfall {p.id}.when")
    for name, allowed in MESSAGE_FIELDS.items():
        problem = _placeholder_problem(getattr(c.messages, name), allowed)
        need(problem is None, "rules.yaml", f"messages.{name}", problem or "")
    for i, t in enumerate(c.transitions):
        place = f"transitions[{i}] ({'/'.join(t.from_)} -> {t.to})"
        # Cycles between regimens are by design (T-DM1 after T-DXd and the reverse); a regimen
        # following itself is a rechallenge, and must say so and cite its evidence.
        if t.to in t.from_ and not t.rechallenge:
            need(
                False,
                "transitions.yaml",
                place,
                "a regimen follows itself: mark the transition `rechallenge: true` "
                "(with its evidence) or remove it",
            )
        elif t.rechallenge and t.to not in t.from_:
            need(False, "transitions.yaml", place, "`rechallenge: true` needs `to` among `from`")
        elif t.rechallenge and not t.evidence:
            need(False, "transitions.yaml", place, "a rechallenge needs its evidence")
    # Every metastatic regimen must be reachable from an entry point, or no patient can get it.
    reachable: set[str] = set(c.entry_points)
    frontier = list(reachable)
    out_edges: dict[str, set[str]] = {}
    for t in c.transitions:
        for src in t.from_:
            out_edges.setdefault(src, set()).add(t.to)
    while frontier:
        for nxt in out_edges.get(frontier.pop(), ()):
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    for r in c.regimens.values():
        need(
            r.id in reachable,
            "transitions.yaml",
            f"regimen {r.id}",
            "no transition leads to this regimen from any entry point",
        )
    return errors


__all__ = [
    "ComponentChoice",
    "Content",
    "bundled_content_dir",
    "load_content",
    "load_content_texts",
]
