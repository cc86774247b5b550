"""The pathway as a ``networkx.DiGraph``: entry points and regimens, edges "may follow".

The graph is not acyclic (T-DM1 may follow T-DXd and the reverse); the engine terminates
through its own rules, not through the graph's shape.
"""

from __future__ import annotations

from functools import lru_cache

import networkx as nx

from pathways.content import Content


@lru_cache(maxsize=8)
def build_graph(content: Content) -> nx.DiGraph[str]:
    """Nodes carry ``kind`` (entry/regimen), ``name``, ``short``, ``setting`` and ``line``;
    edges carry the base ``tier`` and ``rank`` and ``transitions`` (indices into the content)."""
    graph: nx.DiGraph[str] = nx.DiGraph(version=content.version)
    for entry in content.header.entry_points:
        graph.add_node(
            entry.id,
            kind="entry",
            name=entry.name,
            short=entry.name,
            setting=entry.setting,
            line=entry.line,
        )
    for regimen in content.regimens.values():
        graph.add_node(
            regimen.id,
            kind="regimen",
            name=regimen.name,
            short=regimen.short,
            setting=regimen.setting,
            line=regimen.line,
        )
    for index, t in enumerate(content.transitions):
        for src in t.from_:
            if graph.has_edge(src, t.to):
                data = graph.edges[src, t.to]
                data["transitions"] = (*data["transitions"], index)
                data["evidence"] = tuple(dict.fromkeys((*data["evidence"], *t.evidence)))
                if (t.rank, t.tier) < (data["rank"], data["tier"]):
                    data.update(tier=t.tier, rank=t.rank)
            else:
                graph.add_edge(
                    src,
                    t.to,
                    tier=t.tier,
                    rank=t.rank,
                    evidence=t.evidence,
                    conditional=t.when is not None,
                    transitions=(index,),
                )
    return graph
