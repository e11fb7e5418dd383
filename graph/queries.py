"""Graph questions the CLI asks: a policy and the money that rests on it, a node and its neighbours, paths."""

from __future__ import annotations

from typing import Optional

import networkx as nx

from kg.model import BudgetDocument
from kg.text import document_number

from .build import build, find_nodes, node_id
from .facts import Entity, Ref, Relation, facts, where


class NotFound(LookupError):
    """Nothing in the graph matches; the message says what to try."""


def policy_report(documents: list[BudgetDocument], text: str) -> dict:
    """The policy (number, title, issuer, type, year), the projects resting on it (立项依据) with department and
    amount and their total, and the projects that cite it elsewhere (保证项目实施的制度、措施 …: ``cited_in``)."""
    number = document_number(text)
    wanted = Ref("policy", number or f"《{text.strip('《》')}》")
    known: dict[Ref, dict] = {}
    labels: dict[Ref, str] = {}
    found: dict[str, list] = {"cites": [], "mentions": []}
    seen: set = set()
    printed = set()
    for fact in facts(documents, findings=False):
        if isinstance(fact, Entity):
            if fact.ref.kind in ("project", "policy"):
                labels.setdefault(fact.ref, fact.label)
                attrs = known.setdefault(fact.ref, {})
                for k, v in fact.attrs.items():
                    if attrs.get(k) is None:
                        attrs[k] = v
        elif isinstance(fact, Relation) and fact.relation in found and fact.object == wanted and (fact.relation, fact.subject) not in seen:
            seen.add((fact.relation, fact.subject))
            printed.add(fact.attrs["as_printed"])
            p = known[fact.subject]
            found[fact.relation].append({
                "name": labels[fact.subject], "department": p["department"], "fiscal_year": p["fiscal_year"],
                "amount_wan": float(p["amount_wan"]) if p["amount_wan"] is not None else None,
                "carryover": p["carryover"], "source": _source(fact.attrs)})
    projects, cited_in = found["cites"], found["mentions"]
    if not projects and not cited_in:
        raise NotFound(f"no project cites {text!r}" + (f" (read as {number})" if number else "")
                       + "; try `kg search` with a part of the number or title")
    for rows in (projects, cited_in):
        rows.sort(key=lambda p: (-(p["amount_wan"] or 0), p["department"], p["name"]))
    total = round(sum(p["amount_wan"] or 0 for p in projects), 2)
    policy = known[wanted]
    return {"doc_number": number, "title": policy["title"], "issuer": policy["issuer"],
            "document_type": policy["document_type"], "document_year": policy["document_year"],
            "issuing_body": policy["issuing_body"],
            "as_printed": sorted(printed), "projects": projects, "total_wan": total,
            "departments": sorted({p["department"] for p in projects}), "cited_in": cited_in}


def resolve(g: nx.MultiDiGraph, name: str, kind: Optional[str] = None) -> str:
    found = find_nodes(g, name, kind)
    if not found:
        raise NotFound(f"nothing named {name!r} in the graph; try `kg search {name}`")
    return found[0]


def describe(g: nx.MultiDiGraph, node: str) -> dict:
    """A node with its attributes and every neighbour, the relation and its amounts."""
    attrs = dict(g.nodes[node])
    links = []
    for _, other, data in g.out_edges(node, data=True):
        links.append(_link("out", other, g.nodes[other], data))
    for other, _, data in g.in_edges(node, data=True):
        links.append(_link("in", other, g.nodes[other], data))
    links.sort(key=lambda x: (x["relation"], x["direction"], x["kind"], x["label"]))
    return {"id": node, **attrs, "neighbours": links}


def _link(direction: str, other: str, attrs: dict, edge: dict) -> dict:
    return {"direction": direction, "relation": edge.get("relation"), "id": other, "kind": attrs.get("kind"),
            "label": attrs.get("label"),
            **{k: v for k, v in edge.items() if k not in ("relation",)}}


def neighbourhood(g: nx.MultiDiGraph, node: str, depth: int = 1, kinds: Optional[set[str]] = None) -> nx.MultiDiGraph:
    """The subgraph within ``depth`` hops (either direction), source-document nodes left out unless asked for."""
    undirected = g.to_undirected(as_view=True)
    keep = {node}
    frontier = {node}
    for _ in range(depth):
        nxt = set()
        for n in frontier:
            for m in undirected.neighbors(n):
                if m in keep:
                    continue
                if g.nodes[m]["kind"] == "document" and (kinds is None or "document" not in kinds):
                    continue
                if kinds and g.nodes[m]["kind"] not in kinds and m != node:
                    continue
                nxt.add(m)
        keep |= nxt
        frontier = nxt
    return g.subgraph(keep).copy()


def shortest_path(g: nx.MultiDiGraph, a: str, b: str) -> list[dict]:
    undirected = nx.Graph()
    for u, v, data in g.edges(data=True):
        if g.nodes[u]["kind"] == "document" or g.nodes[v]["kind"] == "document":
            continue
        undirected.add_edge(u, v, relation=data.get("relation"))
    try:
        path = nx.shortest_path(undirected, a, b)
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        raise NotFound(f"no path between {a} and {b}") from None
    return [{"id": n, "kind": g.nodes[n]["kind"], "label": g.nodes[n]["label"],
             "relation_to_next": undirected.edges[n, path[i + 1]]["relation"] if i + 1 < len(path) else None}
            for i, n in enumerate(path)]


__all__ = ["build", "node_id", "policy_report", "describe", "neighbourhood", "shortest_path", "resolve", "NotFound"]


def _source(attrs: dict) -> dict:
    """file and line, plus the place as people read it where a page (or sheet and cell) says more than a line."""
    source = {"file": attrs["file"], "line": attrs["line"]}
    return source | ({"where": where(attrs)} if attrs.get("page") or attrs.get("sheet") else {})
