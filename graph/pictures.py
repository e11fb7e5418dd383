"""Static pictures for reports (PNG/SVG, matplotlib): a subgraph, and a department's budget chart.

The chart is the one people expect from budget data: spending by functional
class as a sunburst (类 inside, 款 outside) and the funding mix of the
department's projects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import networkx as nx

from kg.model import BudgetDocument

from .viz import STYLE, layout

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
             "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "Arial Unicode MS")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    chosen = [f for f in CJK_FONTS if f in installed]
    matplotlib.rcParams.update({
        "font.sans-serif": chosen + ["DejaVu Sans"], "font.family": "sans-serif", "axes.unicode_minus": False,
        "svg.hashsalt": "budget-kg", "svg.fonttype": "path",
    })
    return plt, bool(chosen)


def font_warning() -> Optional[str]:
    """A note when no Chinese font is installed (labels would show as boxes)."""
    _, ok = _pyplot()
    return None if ok else "no Chinese font found; install one (Debian: apt-get install fonts-noto-cjk) for readable labels"


def _save(fig, output: Path) -> Path:
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    fmt = output.suffix.lstrip(".").lower() or "png"
    fig.savefig(output, format=fmt, dpi=150, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else {})
    return output


def draw_graph(g: nx.MultiDiGraph, centres: list[str], title: str, output: Path) -> Path:
    plt, _ = _pyplot()
    pos = layout(g, centres)
    n = g.number_of_nodes()
    side = min(28, 8 + n ** 0.5)
    fig, ax = plt.subplots(figsize=(side, side * 0.75))
    simple = nx.DiGraph(g)
    nx.draw_networkx_edges(simple, pos, ax=ax, edge_color="#b0b0b0", arrows=True, arrowsize=8, width=0.8)
    for kind, (color, _, text) in STYLE.items():
        nodes = [v for v, a in g.nodes(data=True) if a["kind"] == kind]
        if not nodes:
            continue
        sizes = [120 + 30 * ((g.nodes[v].get("amount_wan") or 0) ** 0.5) for v in nodes]
        nx.draw_networkx_nodes(simple, pos, nodelist=nodes, node_color=color, node_size=sizes, ax=ax, label=text,
                               edgecolors=["#d62728" if v in centres else "#333333" for v in nodes],
                               linewidths=[2.5 if v in centres else 0.5 for v in nodes])
    labels = {v: (a["label"] if len(a["label"]) <= 14 else a["label"][:13] + "…") for v, a in g.nodes(data=True)}
    nx.draw_networkx_labels(simple, pos, labels=labels, font_size=7 if n > 60 else 9, ax=ax,
                            font_family=plt.rcParams["font.sans-serif"])
    if simple.number_of_edges() <= 80:
        edge_labels = {}
        for u, v, d in g.edges(data=True):
            if d.get("amount_wan") is not None:
                edge_labels[(u, v)] = f"{d['amount_wan']:,.2f}万元"
            elif d.get("amount_yuan") is not None:
                edge_labels[(u, v)] = f"{d['amount_yuan']:,.0f}元"
        nx.draw_networkx_edge_labels(simple, pos, edge_labels=edge_labels, font_size=6, ax=ax,
                                     font_family=plt.rcParams["font.sans-serif"])
    ax.set_title(title, fontsize=14)
    ax.legend(loc="upper left", fontsize=8, markerscale=0.5, frameon=True)
    ax.axis("off")
    out = _save(fig, output)
    plt.close(fig)
    return out


def department_chart(doc: BudgetDocument, output: Path) -> Path:
    """Spending by functional class (sunburst: 类 inner ring, 款 outer) and the projects' funding mix."""
    plt, _ = _pyplot()
    import matplotlib

    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 7), gridspec_kw={"width_ratios": [1.1, 1]})
    rows = [r for r in doc.functional_spending if r.total]
    classes = [r for r in rows if len(r.code) == 3]
    palette = matplotlib.colormaps["tab20"]
    inner_vals, inner_labels, inner_colors, outer_vals, outer_labels, outer_colors = [], [], [], [], [], []
    grand = sum(float(c.total) for c in classes) or 1.0
    for i, c in enumerate(classes):
        color = palette(i * 2 % 20)
        inner_vals.append(float(c.total))
        inner_labels.append(f"{c.name}\n{float(c.total):,.2f}" if float(c.total) / grand >= 0.04 else "")
        inner_colors.append(color)
        subs = [r for r in rows if len(r.code) == 5 and r.code.startswith(c.code)]
        rest = float(c.total) - sum(float(s.total) for s in subs)
        for s in subs:
            outer_vals.append(float(s.total))
            outer_labels.append(s.name if float(s.total) / grand >= 0.03 else "")
            outer_colors.append(palette((i * 2 + 1) % 20))
        if rest > 0.005:
            outer_vals.append(rest)
            outer_labels.append("")
            outer_colors.append("#eeeeee")
    if inner_vals:
        left.pie(inner_vals, radius=0.65, labels=inner_labels, labeldistance=0.35, colors=inner_colors,
                 wedgeprops={"width": 0.65, "edgecolor": "white"}, textprops={"fontsize": 8}, startangle=90,
                 counterclock=False)
        left.pie(outer_vals, radius=1.0, labels=outer_labels, labeldistance=1.05, colors=outer_colors,
                 wedgeprops={"width": 0.35, "edgecolor": "white"}, textprops={"fontsize": 7}, startangle=90,
                 counterclock=False)
    left.set_title(f"支出功能分类（万元）合计 {sum(inner_vals):,.2f}", fontsize=12)
    left.axis("equal")

    sources = {"中央财政资金": 0.0, "省级财政资金": 0.0, "市县（区）财政资金": 0.0, "单位自筹": 0.0, "其他资金": 0.0,
               "上年结转": 0.0, "未分来源": 0.0}
    for p in doc.projects:
        if p.carryover:
            sources["上年结转"] += float(p.amount_wan or 0)
            continue
        f = p.funding
        if f is None or f.total is None:
            sources["未分来源"] += float(p.amount_wan or 0)
            continue
        split = 0.0
        for key, name in (("central", "中央财政资金"), ("provincial", "省级财政资金"), ("local", "市县（区）财政资金"),
                          ("self_raised", "单位自筹"), ("other", "其他资金")):
            value = float(getattr(f, key) or 0) / 10000
            sources[name] += value
            split += value
        sources["未分来源"] += max(0.0, float(f.total) / 10000 - split)
    names = [k for k, v in sources.items() if v > 0.0049]
    values = [sources[k] for k in names]
    bars = right.barh(names[::-1], values[::-1], color="#ff7f0e")
    for bar, value in zip(bars, values[::-1]):
        right.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {value:,.2f}", va="center", fontsize=9)
    right.set_title(f"项目资金来源（万元）{len(doc.projects)} 个项目", fontsize=12)
    right.set_xlabel("万元")
    right.spines[["top", "right"]].set_visible(False)
    fig.suptitle(f"{doc.department.name} {doc.department.fiscal_year or ''} 年度预算", fontsize=15)
    out = _save(fig, output)
    plt.close(fig)
    return out
