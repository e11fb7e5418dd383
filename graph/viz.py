"""Graph pictures a person opens in a browser, offline.

The page is one file: Cytoscape.js (installed from the npm registry at setup,
pinned in package-lock.json) and the data are inlined; a Content-Security-Policy
forbids every network request. Document text reaches the page only as JSON data
that the script puts into canvas labels and ``textContent``, never as HTML, so a
project named ``<script>…`` shows as text.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from pathlib import Path
from typing import Optional

import networkx as nx

from .build import find_nodes
from kg.model import format_place

STYLE = {
    "department": ("#1f77b4", "round-rectangle", "部门 department"),
    "unit": ("#9ecae1", "round-rectangle", "所属单位 unit"),
    "project": ("#ff7f0e", "ellipse", "项目 project"),
    "policy": ("#2ca02c", "diamond", "政策 policy"),
    "indicator": ("#9467bd", "triangle", "绩效指标 indicator"),
    "funding": ("#8c564b", "hexagon", "资金来源 funding"),
    "functional": ("#17becf", "rectangle", "功能分类 functional code"),
    "economic": ("#bcbd22", "rectangle", "经济分类 economic code"),
    "document": ("#7f7f7f", "tag", "来源文件 document"),
}
"""Colour, Cytoscape shape and legend text per node kind."""

DEFAULT_DEPTH = {"policy": 2, "department": 1, "project": 1, "search": 1}
VIEW_KINDS = {"policy": {"policy", "project", "department", "funding"}}
"""A policy picture answers “which projects in which departments, and how much”: indicators would drown it."""

_HERE = Path(__file__).resolve().parent
TEMPLATE = _HERE / "viz_template.html"


class VizError(LookupError):
    """The selection matched nothing, or the page cannot be built; the message says what to do."""


def cytoscape_js() -> str:
    """Cytoscape.js as built into the package (kg/graph/vendor, copied from npm at build time), or, in a
    development checkout, from node_modules (`make setup`), or the file named by $KG_CYTOSCAPE_JS."""
    candidates = [os.environ.get("KG_CYTOSCAPE_JS", ""), str(_HERE / "vendor" / "cytoscape.min.js")]
    for base in (Path.cwd(), _HERE.parent, *_HERE.parents):
        candidates.append(str(base / "node_modules" / "cytoscape" / "dist" / "cytoscape.min.js"))
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c).read_text(encoding="utf-8")
    raise VizError("Cytoscape.js is missing from this installation; reinstall budget-kg from a wheel or sdist, "
                   "or in a development checkout run `make setup`; or set KG_CYTOSCAPE_JS to a cytoscape.min.js file")


# ---------------------------------------------------------------- selecting


def select(g: nx.MultiDiGraph, *, policy: Optional[str] = None, department: Optional[str] = None,
           project: Optional[str] = None, search_nodes: Optional[list[str]] = None,
           depth: Optional[int] = None) -> tuple[nx.MultiDiGraph, list[str], str]:
    """The subgraph to draw, its centre nodes and a title."""
    from .queries import neighbourhood

    if policy:
        centres, kind, title = find_nodes(g, policy, "policy"), "policy", f"政策 {policy}"
    elif department:
        centres, kind, title = find_nodes(g, department, "department"), "department", f"部门 {department}"
    elif project:
        centres, kind, title = find_nodes(g, project, "project"), "project", f"项目 {project}"
    elif search_nodes is not None:
        centres, kind, title = search_nodes, "search", "检索"
    else:
        raise VizError("choose what to draw: --policy, --department, --project or --search")
    if not centres:
        raise VizError(f"nothing in the graph matches; try `kg search {policy or department or project or ''}`".strip())
    if kind != "search":
        centres = centres[:1]
        title = f"{title.split()[0]} {g.nodes[centres[0]]['label']}"
    d = depth if depth is not None else DEFAULT_DEPTH[kind]
    keep: set[str] = set()
    for c in centres:
        keep |= set(neighbourhood(g, c, d, VIEW_KINDS.get(kind)).nodes)
    return g.subgraph(keep).copy(), centres, title


def search_hits_to_nodes(g: nx.MultiDiGraph, hits) -> list[str]:
    """Graph nodes for search hits (projects by name and department, policies by key, indicators by place)."""
    out: list[str] = []
    for h in hits:
        for n, a in g.nodes(data=True):
            kind = a["kind"]
            if kind != h.type and not (h.type == "text" and kind == "department"):
                continue
            if h.type == "project" and a["label"] == h.label and a.get("department") == h.department:
                out.append(n)
            elif h.type == "policy" and a["label"] == h.label:
                out.append(n)
            elif h.type == "department" and a["label"] == h.label:
                out.append(n)
            elif h.type == "indicator" and a["label"] == h.label and a.get("line") == h.line and a.get("file") == h.file:
                out.append(n)
            elif h.type == "text" and kind == "department" and a["label"] == h.department:
                out.append(n)
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------- layout and elements


RINGS = (("department",), ("project", "policy"), ("funding", "unit"), ("functional", "economic"), ("indicator",),
         ("document",))
"""Ring order around one centre: money first, then classifications, then what was promised."""


def layout(g: nx.MultiDiGraph, centres: Optional[list[str]] = None) -> dict[str, tuple[float, float]]:
    """Positions computed once in Python: the page never runs a physics simulation, so thousands of nodes do not stall.

    A star around one centre (a department with a hundred rows) is drawn as rings by kind; other graphs by force."""
    n = g.number_of_nodes()
    if n == 0:
        return {}
    simple = nx.Graph(g.to_undirected())
    scale = 120 * math.sqrt(n) + 200
    if centres and len(centres) == 1 and simple.degree(centres[0]) > 30:
        centre = centres[0]
        shells = [[centre]]
        for kinds in RINGS:
            ring = sorted(v for v, a in g.nodes(data=True) if a["kind"] in kinds and v != centre)
            if ring:
                shells.append(ring)
        pos = nx.shell_layout(simple, nlist=shells)
    elif n <= 1500:
        pos = nx.spring_layout(simple, seed=7, iterations=60 if n <= 400 else 30, k=1.6 / math.sqrt(n))
    else:
        kinds = sorted({a["kind"] for _, a in g.nodes(data=True)}, key=list(STYLE).index)
        shells = [[v for v, a in sorted(g.nodes(data=True)) if a["kind"] == k] for k in kinds]
        pos = nx.shell_layout(simple, nlist=shells)
    return {v: (round(float(x) * scale, 1), round(float(y) * scale, 1)) for v, (x, y) in pos.items()}


def _amount_text(attrs: dict) -> str:
    if attrs.get("amount_wan") is not None:
        return f"{attrs['amount_wan']:,.2f} 万元"
    if attrs.get("amount_yuan") is not None:
        return f"{attrs['amount_yuan']:,.0f} 元"
    return ""


def _node_amount(g: nx.MultiDiGraph, v: str, a: dict) -> Optional[float]:
    """万元 a node stands for: its own amount, or what its projects carry (policies, departments)."""
    if a.get("amount_wan") is not None:
        return a["amount_wan"]
    if a["kind"] == "policy":
        return sum(g.nodes[u].get("amount_wan") or 0 for u, _, d in g.in_edges(v, data=True)
                   if d.get("relation") == "cites") or None
    if a["kind"] == "department":
        return sum(d.get("amount_wan") or 0 for _, _, d in g.out_edges(v, data=True)
                   if d.get("relation") == "has_project") or None
    return None


def elements(g: nx.MultiDiGraph, centres: list[str]) -> list[dict]:
    pos = layout(g, centres)
    amounts = {v: _node_amount(g, v, a) for v, a in g.nodes(data=True)}
    top = max([x for x in amounts.values() if x] or [1])
    ids = {v: f"n{i}" for i, v in enumerate(sorted(g.nodes))}
    out: list[dict] = []
    for v in sorted(g.nodes):
        a = g.nodes[v]
        color, shape, _ = STYLE.get(a["kind"], ("#999999", "ellipse", a["kind"]))
        amount = amounts[v]
        size = 22 + (46 * math.sqrt(amount / top) if amount else 0)
        lines = [a["label"], STYLE.get(a["kind"], ("", "", a["kind"]))[2]]
        if amount:
            lines.append(f"金额 {amount:,.2f} 万元")
        for key, name in (("value", "指标值"), ("level2", "二级指标"), ("title", "标题"), ("issuer", "发文机关"),
                          ("fiscal_year", "年度"), ("code", "编码"), ("project_code", "项目编码")):
            if a.get(key) not in (None, ""):
                lines.append(f"{name} {a[key]}")
        if a.get("file"):
            lines.append(format_place(a["file"], a.get("line"), a.get("page")))
        label = a["label"] if len(a["label"]) <= 18 else a["label"][:17] + "…"
        x, y = pos.get(v, (0.0, 0.0))
        out.append({"group": "nodes", "data": {"id": ids[v], "key": v, "label": label, "kind": a["kind"],
                                               "color": color, "shape": shape, "size": round(size, 1),
                                               "tooltip": "\n".join(str(x) for x in lines),
                                               "centre": v in centres},
                    "position": {"x": x, "y": y}})
    for i, (u, v, d) in enumerate(sorted(g.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("relation", "")))):
        text = _amount_text(d)
        tip = [d.get("relation", ""), text]
        if d.get("file"):
            tip.append(format_place(d["file"], d.get("line"), d.get("page")))
        out.append({"group": "edges", "data": {"id": f"e{i}", "source": ids[u], "target": ids[v],
                                               "relation": d.get("relation", ""), "elabel": text,
                                               "tooltip": "\n".join(t for t in tip if t)}})
    return out


def _json_for_script(data) -> str:
    """JSON that cannot close its <script> element or open a comment: <, > and & are written as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_html(g: nx.MultiDiGraph, centres: list[str], title: str) -> str:
    data = {"title": title, "elements": elements(g, centres),
            "legend": [{"kind": k, "color": c, "shape": s, "text": t} for k, (c, s, t) in STYLE.items()
                       if any(a["kind"] == k for _, a in g.nodes(data=True))]}
    values = {"__TITLE__": html.escape(title), "__DATA__": _json_for_script(data),
              "/*__CYTOSCAPE__*/": cytoscape_js().replace("</script", "<\\/script")}
    # one pass over the template: text inserted for one marker is never searched for another
    return re.sub(r"__TITLE__|__DATA__|/\*__CYTOSCAPE__\*/", lambda m: values[m.group(0)],
                  TEMPLATE.read_text(encoding="utf-8"))


def write_html(g: nx.MultiDiGraph, centres: list[str], title: str, output: Path) -> Path:
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_html(g, centres, title), encoding="utf-8")
    return output
