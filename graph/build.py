"""The knowledge graph as a networkx MultiDiGraph: a short projection of graph/facts.py.

Node ids are ``kind:identity`` (``project:泽州县…/2026/遗属补助``); every node has
``kind`` and ``label``; amounts sit on nodes and edges in 万元 (``amount_wan``)
or 元 (``amount_yuan``), never mixed. Every entity links to its source
document with the line it was read from.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional

import networkx as nx

from kg.exports.jsonout import number
from kg.model import BudgetDocument

from .facts import KINDS, PROSE_ATTRS, PROSE_KINDS, Entity, Relation, facts  # noqa: F401  (KINDS is part of this module's interface)

if TYPE_CHECKING:
    from kg.checks.stored import FindingsOf


def node_id(kind: str, identity: str) -> str:
    return f"{kind}:{identity}"


def build(documents: Iterable[BudgetDocument], findings_of: Optional["FindingsOf"] = None) -> nx.MultiDiGraph:
    """The graph as a projection of the facts: an entity is a node, a relation an edge (amounts as numbers).
    Printed figures (observations) are on the edges already (``spends_on`` carries its amounts); prose is
    left to the search index. ``findings_of(doc)`` gives the findings of ``kg check`` (kg.checks.stored),
    else they are computed here."""
    g = nx.MultiDiGraph()
    for fact in facts(documents, findings_of=findings_of):
        if isinstance(fact, Entity) and fact.ref.kind in PROSE_KINDS or not isinstance(fact, (Entity, Relation)):
            continue
        attrs = {k: number(v) if isinstance(v, Decimal) else v for k, v in fact.attrs.items() if k not in PROSE_ATTRS}
        if isinstance(fact, Entity):
            nid = fact.ref.id
            if nid not in g:
                g.add_node(nid, kind=fact.ref.kind, label=fact.label)
            node = g.nodes[nid]
            for k, v in attrs.items():
                if v is not None and (k not in node or k == "amount_wan"):
                    node[k] = v
        else:
            a, b = fact.subject.id, fact.object.id
            if fact.once and g.has_edge(a, b):
                continue
            g.add_edge(a, b, key=f"{fact.relation}#{g.number_of_edges(a, b)}", relation=fact.relation,
                       **{k: v for k, v in attrs.items() if v is not None})
    return g


def _flat(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """GraphML/GEXF take only strings, numbers and booleans: drop None, keep the rest."""
    h = nx.MultiDiGraph()
    def clean(attrs: dict) -> dict:
        out = {}
        for k, v in attrs.items():
            if isinstance(v, bool) or isinstance(v, str):
                out[k] = v
            elif isinstance(v, (int, float)):
                out[k] = v if k in ("line", "fiscal_year") else float(v)  # one type per attribute
        return out

    for n, attrs in g.nodes(data=True):
        h.add_node(n, **clean(attrs))
    for a, b, k, attrs in g.edges(keys=True, data=True):
        h.add_edge(a, b, key=k, **clean(attrs))
    return h


def write_graph(documents: Iterable[BudgetDocument], fmt: str, output: Path,
                findings_of: Optional["FindingsOf"] = None) -> Path:
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    g = _flat(build(documents, findings_of))
    if fmt == "graphml":
        nx.write_graphml(g, output, encoding="utf-8", prettyprint=True)
    elif fmt == "gexf":
        nx.write_gexf(g, output, encoding="utf-8", prettyprint=True)
    else:  # pragma: no cover
        raise ValueError(fmt)
    return output


def find_nodes(g: nx.MultiDiGraph, name: str, kind: Optional[str] = None) -> list[str]:
    """Nodes whose label or id matches ``name``: exact first, then containing it."""
    from kg.text import document_number

    number = document_number(name)
    if number and node_id("policy", number) in g:
        return [node_id("policy", number)]
    cands = [(n, a) for n, a in g.nodes(data=True) if kind is None or a["kind"] == kind]
    exact = [n for n, a in cands if a["label"] == name or n == name]
    if exact:
        return sorted(exact)
    return sorted(n for n, a in cands if name in a["label"] and a["kind"] != "document")
