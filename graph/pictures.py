"""Static pictures for reports (PNG/SVG, matplotlib): a subgraph, and the CJK font set-up every print
picture shares (the charts in graph/charts/ use it too)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import networkx as nx

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
