"""The knowledge graph as a networkx MultiDiGraph, built from records only.

Node ids are ``kind:identity`` (``project:泽州县…/2026/遗属补助``); every node has
``kind`` and ``label``; amounts sit on nodes and edges in 万元 (``amount_wan``)
or 元 (``amount_yuan``), never mixed. Every entity links to its source
document with the line it was read from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

import networkx as nx

from kg.exports.jsonout import number
from kg.model import BudgetDocument

from .identity import BUDGET_FUNDS, FUNDING_SOURCES, Identities

KINDS = ("department", "unit", "project", "policy", "indicator", "funding", "functional", "economic", "document")


def node_id(kind: str, identity: str) -> str:
    return f"{kind}:{identity}"


def build(documents: Iterable[BudgetDocument]) -> nx.MultiDiGraph:
    docs = sorted(documents, key=lambda d: d.source)
    ids = Identities(docs)
    g = nx.MultiDiGraph()

    def node(kind: str, identity: str, label: str, **attrs) -> str:
        nid = node_id(kind, identity)
        if nid not in g:
            g.add_node(nid, kind=kind, label=label)
        for k, v in attrs.items():
            if v is not None and (k not in g.nodes[nid] or k in ("amount_wan",)):
                g.nodes[nid][k] = v
        return nid

    def edge(a: str, b: str, relation: str, **attrs) -> None:
        g.add_edge(a, b, key=f"{relation}#{g.number_of_edges(a, b)}", relation=relation,
                   **{k: v for k, v in attrs.items() if v is not None})

    for fid, label in {**FUNDING_SOURCES, **BUDGET_FUNDS}.items():
        node("funding", fid, label)

    for d in docs:
        dep = d.department
        year = dep.fiscal_year
        doc_node = node("document", d.source, Path(d.source).name, file=d.source, layout=d.layout, fiscal_year=year)
        dn = node("department", ids.department(d), dep.name, code=dep.code, province=dep.province, county=dep.county)
        edge(dn, doc_node, "source", line=dep.source.line, fiscal_year=year)
        edge(dn, node("funding", "carryover", BUDGET_FUNDS["carryover"]), "income_from",
             amount_wan=number(d.totals.carryover_income), fiscal_year=year) if d.totals.carryover_income else None
        for key, value in d.totals.income_by_source.items():
            if value:
                edge(dn, node("funding", key, BUDGET_FUNDS[key]), "income_from", amount_wan=number(value),
                     fiscal_year=year, line=d.totals.lines.get(f"income_by_source.{key}"))
        for unit in dep.subunits:
            edge(dn, node("unit", unit, unit), "has_unit", fiscal_year=year)
        for r in d.functional_spending:
            fn = node("functional", r.code, r.name, code=r.code, level=r.level)
            if r.parent_code:
                parent = node("functional", r.parent_code, r.parent_code, code=r.parent_code)
                if not g.has_edge(fn, parent):
                    edge(fn, parent, "broader")
            edge(dn, fn, "spends_on", amount_wan=number(r.total), basic_wan=number(r.basic),
                 project_wan=number(r.project), fiscal_year=year, file=d.source, line=r.source.line,
                 page=r.source.page)
        for r in d.economic_spending:
            en = node("economic", r.code or r.name, r.name, code=r.code)
            edge(dn, en, "spends_on_economic", amount_wan=number(r.total), personnel_wan=number(r.personnel),
                 public_use_wan=number(r.public_use), fiscal_year=year, file=d.source, line=r.source.line)
        for i, p in enumerate(d.projects):
            pid = "/".join(ids.project(d, i))
            pn = node("project", pid, p.name, amount_wan=number(p.amount_wan), fiscal_year=year, carryover=p.carryover,
                      project_code=p.project_code, category=p.category, department=dep.name,
                      file=d.source, line=p.source.line, page=p.source.page)
            edge(dn, pn, "has_project", amount_wan=number(p.amount_wan), fiscal_year=year)
            edge(pn, doc_node, "source", line=p.source.line)
            if p.carryover:
                edge(pn, node("funding", "carryover", BUDGET_FUNDS["carryover"]), "funded_by",
                     amount_wan=number(p.amount_wan))
            for key, value in p.budget_sources.items():
                if value and not p.carryover:
                    edge(pn, node("funding", key, BUDGET_FUNDS[key]), "funded_by", amount_wan=number(value))
            if p.funding is not None:
                for key in FUNDING_SOURCES:
                    value = getattr(p.funding, key)
                    if value:
                        edge(pn, node("funding", key, FUNDING_SOURCES[key]), "funded_by", amount_yuan=number(value),
                             line=p.funding.source.line if p.funding.source else None)
            for b in p.legal_bases:
                key = ids.policy(b)
                bn = node("policy", key, key, doc_number=b.doc_number, title=b.title or ids.policy_title(key),
                          issuer=b.issuer, issuer_prefix=b.issuer_prefix)
                edge(pn, bn, "cites", as_printed=b.as_printed, file=d.source, line=b.source.line,
                     page=b.source.page)
            for n, ind in enumerate(p.indicators):
                iname = node("indicator", f"{pid}#{n + 1}", ind.name, level1=ind.level1, level2=ind.level2,
                             value=ind.value, number=number(ind.parsed.number), unit=ind.parsed.unit,
                             comparator=ind.parsed.comparator, file=d.source, line=ind.source.line,
                             page=ind.source.page)
                edge(pn, iname, "has_indicator")
        for n, ind in enumerate(d.department_indicators):
            iname = node("indicator", f"{dep.name}/{year}#{n + 1}", ind.name, level1=ind.level1, level2=ind.level2,
                         value=ind.value, file=d.source, line=ind.source.line)
            edge(dn, iname, "has_indicator", fiscal_year=year)
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
                out[k] = v if k in ("line", "page", "fiscal_year") else float(v)  # one type per attribute
        return out

    for n, attrs in g.nodes(data=True):
        h.add_node(n, **clean(attrs))
    for a, b, k, attrs in g.edges(keys=True, data=True):
        h.add_edge(a, b, key=k, **clean(attrs))
    return h


def write_graph(documents: Iterable[BudgetDocument], fmt: str, output: Path) -> Path:
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    g = _flat(build(documents))
    if fmt == "graphml":
        nx.write_graphml(g, output, encoding="utf-8", prettyprint=True)
    elif fmt == "gexf":
        nx.write_gexf(g, output, encoding="utf-8", prettyprint=True)
    else:  # pragma: no cover
        raise ValueError(fmt)
    return output


def find_nodes(g: nx.MultiDiGraph, name: str, kind: Optional[str] = None) -> list[str]:
    """Nodes whose label or id matches ``name``: exact first, then containing it."""
    from kg.search.query import document_number

    number = document_number(name)
    if number and node_id("policy", number) in g:
        return [node_id("policy", number)]
    cands = [(n, a) for n, a in g.nodes(data=True) if kind is None or a["kind"] == kind]
    exact = [n for n, a in cands if a["label"] == name or n == name]
    if exact:
        return sorted(exact)
    return sorted(n for n, a in cands if name in a["label"] and a["kind"] != "document")
