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
    """The graph for print: the columns of the HTML view (departments → projects → policies and funding),
    indicators and codes left out, every label its full name and 万元, placed where it cannot collide."""
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(graph_canvas(g, centres, title).save(out.suffix.lstrip(".").lower() or "png"))
    return out


def graph_canvas(g: nx.MultiDiGraph, centres: list[str], title: str):
    """The print graph drawn on an open Canvas (tests read its text boxes)."""
    from .charts.canvas import MUTED, Canvas, footer, footer_height, text_size, title_block, wrap
    from .viz import FOLDED, LABEL_PX, _full_label, _node_size, with_amounts

    g = with_amounts(g)
    keep = sorted(v for v, a in g.nodes(data=True) if a["kind"] not in FOLDED or v in centres)
    pos = layout(g, centres)
    scale = 0.75  # page px → print points (12 px labels → 9 pt)
    xs = [pos[v][0] for v in keep] or [0.0]
    ys = [pos[v][1] for v in keep] or [0.0]
    years = sorted({a.get("fiscal_year") for _, a in g.nodes(data=True) if a.get("fiscal_year")})
    files = sorted({a["file"] for _, a in g.nodes(data=True) if a.get("file")})
    head = f"{title}（{'、'.join(map(str, years))}年）" if years else title
    sub = "部门 → 项目 → 政策与资金来源；节点大小与标注金额均为万元；绩效指标与科目见 HTML 版（点击展开）"
    names = [f.rsplit("/", 1)[-1] for f in files]
    notes = ["数据来源：" + "、".join(names[:4]) + (f" 等 {len(names)} 份" if len(names) > 4 else "")]
    label_w = LABEL_PX * scale
    width = max((max(xs) - min(xs)) * scale + label_w + 80, text_size(head, 15)[0] + 40, text_size(sub, 9.5)[0] + 40)
    notes = [wrap(n, width - 32, 8.5) for n in notes]
    top = 60 + 40
    height = top + (max(ys) - min(ys)) * scale + 40 + footer_height(notes)
    c = Canvas(width, height)
    title_block(c, head, sub)
    x = 16.0
    for kind, (colour, _, text) in STYLE.items():
        if kind in FOLDED or not any(g.nodes[v]["kind"] == kind for v in keep):
            continue
        c.ax.add_patch(c.plt.Rectangle((x, top - 30), 10, 10, color=colour, lw=0))
        c.text(x + 14, top - 25, text, 9, va="center")
        x += 14 + text_size(text, 9)[0] + 16

    def at(v):
        return 30 + (pos[v][0] - min(xs)) * scale, top + 10 + (pos[v][1] - min(ys)) * scale

    shown = set(keep)
    for u, v in sorted({(u, v) for u, v in g.edges() if u in shown and v in shown}):  # drawn in one order every run
        (x0, y0), (x1, y1) = at(u), at(v)
        c.ax.plot([x0, x1], [y0, y1], color="#c8c8c8", lw=0.6, zorder=0)
    amounts = [g.nodes[v]["_wan"] or 0 for v in keep]
    top_amount = max(amounts, default=0.0)
    for v in keep:
        a = g.nodes[v]
        colour = STYLE.get(a["kind"], ("#999999",))[0]
        size = _node_size(a["_wan"], top_amount) * scale
        x0, y0 = at(v)
        c.ax.add_patch(c.plt.Circle((x0, y0), size / 2, fc=colour, ec="#d62728" if v in centres else "#333333",
                                    lw=2 if v in centres else 0.4, zorder=2))
        label = "\n".join(wrap(part, label_w - size / 2 - 4, 8.5) for part in _full_label(a).split("\n"))
        c.text(x0 + size / 2 + 4, y0, label, 8.5, va="center",
               linespacing=1.2, color=MUTED if a["kind"] == "funding" else "#222222", zorder=3)
    footer(c, notes)
    return c
