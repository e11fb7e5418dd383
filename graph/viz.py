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
from .facts import where

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
PROJECT_DETAIL = ("policy", "funding", "indicator")
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
    # every project drawn brings what it rests on, is paid from and promises (indicators stay folded)
    for v in [v for v in keep if g.nodes[v]["kind"] == "project"]:
        keep |= {u for u in nx.all_neighbors(g, v) if g.nodes[u]["kind"] in PROJECT_DETAIL}
    return induced(g, keep), centres, title


def induced(g: nx.MultiDiGraph, keep: set[str]) -> nx.MultiDiGraph:
    """The subgraph on ``keep``, nodes and edges in ``g``'s order. ``g.subgraph(keep)`` walks a small selection
    in the order of the set, which follows the string hash seed and so changes from run to run."""
    sub = g.__class__()
    sub.graph.update(g.graph)
    sub.add_nodes_from((v, dict(a)) for v, a in g.nodes(data=True) if v in keep)
    sub.add_edges_from((u, v, k, dict(d)) for u, v, k, d in g.edges(keys=True, data=True) if u in keep and v in keep)
    return sub


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


LAYERS = {"department": 0, "unit": 0, "project": 1, "policy": 2, "funding": 2}
"""Columns left to right: who spends, on what (projects are the unit), resting on which policy / paid from where."""
FOLDED = ("indicator", "functional", "economic", "document")
"""Details kept behind a click (HTML) and left out of print pictures: they would drown the projects."""
COLUMN_GAP = 420.0
DETAIL_X = 4 * COLUMN_GAP
"""Where a clicked node's folded details are stacked: right of every column, so they meet no other label."""
LABEL_PX = 220.0
"""Widest a node label runs (px) before it wraps; the column gap leaves room for it."""
FONT_PX = 12.0


def _label_lines(text: str) -> int:
    """Lines a label wraps into at ``LABEL_PX`` (CJK ~1 em, Latin/digits ~0.6 em)."""
    return sum(max(1, math.ceil(sum(FONT_PX if ord(ch) > 0x2E80 else FONT_PX * 0.6 for ch in line) / LABEL_PX))
               for line in text.split("\n"))


def _wan(attrs: dict) -> Optional[float]:
    """The one money unit of a picture: 万元 (元 amounts of funding blocks divided by 10,000)."""
    if attrs.get("amount_wan") is not None:
        return float(attrs["amount_wan"])
    if attrs.get("amount_yuan") is not None:
        return float(attrs["amount_yuan"]) / 10000
    return None


def layout(g: nx.MultiDiGraph, centres: Optional[list[str]] = None) -> dict[str, tuple[float, float]]:
    """Positions computed once in Python, in columns by kind, every node given the height its wrapped label
    needs, so no two labels overlap (the page never runs a physics simulation either).

    Projects are ordered by department and amount; policies and funding sources sit level with the
    projects they serve (their mean height), pushed apart where they would collide. Folded details
    (indicators, codes, documents) are placed by the page when a node is opened."""
    centres = set(centres or [])
    visible = [v for v, a in g.nodes(data=True) if a["kind"] not in FOLDED or v in centres]
    amounts = {v: _node_amount(g, v, g.nodes[v]) or 0.0 for v in visible}
    layer = {v: LAYERS.get(g.nodes[v]["kind"], 3) for v in visible}
    top = max(amounts.values(), default=0.0)
    pos: dict[str, tuple[float, float]] = {}

    def height(v: str) -> float:
        return max(_node_size(amounts[v], top), _label_lines(_full_label(g.nodes[v])) * FONT_PX * 1.3) + 14

    def stack(nodes: list[str], x: float, wanted: Optional[dict[str, float]] = None) -> None:
        y_free = 0.0
        for v in nodes:
            h = height(v)
            y = max(y_free, (wanted or {}).get(v, y_free + h / 2) - h / 2)
            pos[v] = (x, round(y + h / 2, 1))
            y_free = y + h

    left = sorted((v for v in visible if layer[v] == 0), key=lambda v: (-amounts[v], g.nodes[v]["label"], v))
    stack(left, 0.0)
    rank = {v: i for i, v in enumerate(left)}

    def owner(v: str) -> int:
        parents = [u for u in g.predecessors(v) if u in rank]
        return min((rank[u] for u in parents), default=len(rank))

    middle = sorted((v for v in visible if layer[v] == 1), key=lambda v: (owner(v), -amounts[v], g.nodes[v]["label"], v))
    if left and middle:  # centre the departments on their projects
        stack(middle, COLUMN_GAP)
        wanted = {}
        for d in left:
            ys = [pos[p][1] for p in g.successors(d) if p in pos and layer.get(p) == 1]
            if ys:
                wanted[d] = _mean(ys)
        stack(left, 0.0, wanted)
    else:
        stack(middle, COLUMN_GAP)
    for col in (2, 3):
        nodes = [v for v in visible if layer[v] == col]
        wanted = {}
        for v in nodes:
            ys = [pos[u][1] for u in nx.all_neighbors(g, v) if u in pos]
            wanted[v] = _mean(ys) if ys else 0.0
        stack(sorted(nodes, key=lambda v: (wanted[v], g.nodes[v]["label"], v)), col * COLUMN_GAP, wanted)
    return pos


def _mean(values: list[float]) -> float:
    """The mean, the same whatever order the values come in (a plain float sum differs in its last bit, which
    was enough to swap two nodes wanting the same height)."""
    return math.fsum(values) / len(values)


def _node_size(amount: Optional[float], top: float = 0.0) -> float:
    return 22.0 if not amount or not top else 22 + 40 * math.sqrt(amount / top)


def _full_label(a: dict) -> str:
    """The label a node shows: its full name (wrapped by the page, never cut) and its amount in 万元."""
    amount = a.get("_wan")
    return a["label"] + (f"\n{amount:,.2f} 万元" if amount else "")


def _node_amount(g: nx.MultiDiGraph, v: str, a: dict) -> Optional[float]:
    """万元 a node stands for: its own amount, or what its projects carry (policies, departments)."""
    if a.get("amount_wan") is not None:
        return float(a["amount_wan"])
    if a["kind"] == "policy":
        return sum(float(g.nodes[u].get("amount_wan") or 0) for u, _, d in g.in_edges(v, data=True)
                   if d.get("relation") == "cites") or None
    if a["kind"] == "department":
        return sum(float(d.get("amount_wan") or 0) for _, _, d in g.out_edges(v, data=True)
                   if d.get("relation") == "has_project") or None
    if a["kind"] == "funding":
        return sum(_wan(d) or 0 for _, _, d in g.in_edges(v, data=True) if d.get("relation") == "funded_by") or None
    return None


def with_amounts(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose nodes carry ``_wan``, the 万元 each stands for (labels and sizes use it)."""
    h = g.copy()
    for v, a in h.nodes(data=True):
        a["_wan"] = _node_amount(g, v, a)
    return h


def elements(g: nx.MultiDiGraph, centres: list[str]) -> list[dict]:
    g = with_amounts(g)
    pos = layout(g, centres)
    top = max([a["_wan"] or 0 for _, a in g.nodes(data=True)] or [1]) or 1
    ids = {v: f"n{i}" for i, v in enumerate(sorted(g.nodes))}
    out: list[dict] = []
    for v in sorted(g.nodes):
        a = g.nodes[v]
        color, shape, _ = STYLE.get(a["kind"], ("#999999", "ellipse", a["kind"]))
        amount = a["_wan"]
        lines = [a["label"], STYLE.get(a["kind"], ("", "", a["kind"]))[2]]
        if amount:
            lines.append(f"金额 {amount:,.2f} 万元")
        for key, name in (("value", "指标值"), ("level2", "二级指标"), ("title", "标题"), ("issuer", "发文机关"),
                          ("fiscal_year", "年度"), ("code", "编码"), ("project_code", "项目编码")):
            if a.get(key) not in (None, ""):
                lines.append(f"{name} {a[key]}")
        if a.get("file"):
            lines.append(where(a))
        folded = a["kind"] in FOLDED and v not in centres
        owners = [ids[u] for u in nx.all_neighbors(g, v) if g.nodes[u]["kind"] not in FOLDED] if folded else []
        x, y = pos.get(v, (DETAIL_X, 0.0))
        out.append({"group": "nodes", "data": {"id": ids[v], "key": v, "label": _full_label(a), "kind": a["kind"],
                                               "color": color, "shape": shape,
                                               "size": round(_node_size(amount, top), 1),
                                               "tooltip": "\n".join(str(x) for x in lines),
                                               "centre": v in centres, "folded": folded,
                                               "owners": sorted(set(owners))},
                    "position": {"x": x, "y": y}, "classes": "folded" if folded else ""})
    edges = sorted(g.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("relation", ""),
                                                      json.dumps(e[2], sort_keys=True, default=str)))
    for i, (u, v, d) in enumerate(edges):
        amount = _wan(d)
        tip = [d.get("relation", ""), f"{amount:,.2f} 万元" if amount is not None else ""]
        if d.get("file"):
            tip.append(where(d))
        hidden = any(g.nodes[x]["kind"] in FOLDED and x not in centres for x in (u, v))
        out.append({"group": "edges", "data": {"id": f"e{i}", "source": ids[u], "target": ids[v],
                                               "relation": d.get("relation", ""),
                                               "tooltip": "\n".join(t for t in tip if t)},
                    "classes": "folded" if hidden else ""})
    return out


def _json_for_script(data) -> str:
    """JSON that cannot close its <script> element or open a comment: <, > and & are written as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_html(g: nx.MultiDiGraph, centres: list[str], title: str) -> str:
    from .charts.page import link_base

    data = {"title": title, "elements": elements(g, centres), "detail_x": DETAIL_X, "label_px": LABEL_PX,
            "link_base": link_base(),
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
