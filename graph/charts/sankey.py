"""Money-flow (Sankey) picture: 资金来源 → 部门 → 功能分类（类）→ 基本/项目支出 → largest projects.

Band widths are 万元; every node is labelled with its name and amount (each project node has one
band, so its label is the band's). Figures come from ``kg.graph.flows.money_flow``.
"""

from __future__ import annotations

from ..flows import COLUMNS, MoneyFlow, money
from .canvas import (LINE, MUTED, OTHER_COLOUR, PALETTE, Canvas, footer, footer_height, text_size, title_block,
                     wrap)
from .common import hover_lines, node_link, plain

KIND = "sankey"


def title(flow: MoneyFlow) -> tuple[str, str]:
    s = flow.scope
    what = "各部门预算资金流向" if s.county else "部门预算资金流向"
    return (f"{s.where} {s.when} {what}",
            f"资金来源 → 部门 → 功能分类（类）→ 基本/项目支出 → 主要项目；带宽按金额，合计 {money(flow.total)}")


def _colours(flow: MoneyFlow) -> dict[str, str]:
    out, i = {}, 0
    for n in flow.nodes:
        if n.count > 1 or n.key in ("project:unlisted", "funding:unstated"):
            out[n.key] = OTHER_COLOUR
        else:
            out[n.key] = PALETTE[i % len(PALETTE)]
            i += 1
    return out


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


# ------------------------------------------------------------------ HTML (plotly)


def figure(flow: MoneyFlow) -> dict:
    """A plotly figure (as JSON data) of the flow."""
    head, sub = title(flow)
    index = {n.key: i for i, n in enumerate(flow.nodes)}
    colours = _colours(flow)
    columns = sorted({n.column for n in flow.nodes})
    per_col = max(sum(1 for n in flow.nodes if n.column == c) for c in columns)
    node_hover = [hover_lines(n.label, [("金额", money(n.amount)), ("栏", COLUMNS[n.column]),
                                        *(("项数", str(n.count)),) * (n.count > 1), *n.extra],
                              n.places) for n in flow.nodes]
    link_hover = []
    for link in flow.links:
        a, b = flow.nodes[index[link.source]], flow.nodes[index[link.target]]
        link_hover.append(hover_lines(f"{a.label} → {b.label}", [("金额", money(link.amount))], link.places))
    return {
        "data": [{
            "type": "sankey", "arrangement": "fixed", "valueformat": ",.2f", "valuesuffix": " 万元",
            "node": {"label": [f"{plain(n.label)} {n.amount:,.2f}" for n in flow.nodes],
                     "color": [colours[n.key] for n in flow.nodes],
                     "customdata": [[node_link(n.key), h] for n, h in zip(flow.nodes, node_hover)],
                     "hovertemplate": "%{customdata[1]}<extra></extra>", "pad": 14, "thickness": 16,
                     "line": {"color": "#555", "width": 0.5}},
            "link": {"source": [index[link.source] for link in flow.links],
                     "target": [index[link.target] for link in flow.links],
                     "value": [link.amount for link in flow.links],
                     "color": [_rgba(colours[link.source], 0.35) for link in flow.links],
                     "customdata": [[node_link(link.target), h] for link, h in zip(flow.links, link_hover)],
                     "hovertemplate": "%{customdata[1]}<extra></extra>"},
        }],
        "layout": {"title": {"text": f"{plain(head)}<br><sup>{plain(sub)}</sup>", "x": 0.01},
                   "height": max(520, 46 * per_col + 200), "margin": {"l": 20, "r": 20, "t": 90, "b": 60},
                   "font": {"size": 12}},
    }


# ------------------------------------------------------------------ print (matplotlib)


NODE_W = 10.0
LABEL_SIZE = 9.0
LABEL_WIDTH = 190.0
"""Widest a label may run before it wraps (points)."""
BAND_ROOM = 90.0
"""Horizontal room the bands get between one column's labels and the next column's nodes."""


def draw(flow: MoneyFlow, fmt: str = "svg", *, keep_figure: bool = False):
    """The flow as SVG/PNG bytes (or, with ``keep_figure``, the open Canvas for checks)."""
    head, sub = title(flow)
    colours = _colours(flow)
    columns = sorted({n.column for n in flow.nodes})
    labels = {n.key: wrap(n.label, LABEL_WIDTH, LABEL_SIZE) + f"\n{money(n.amount)}" for n in flow.nodes}
    sizes = {k: text_size(v, LABEL_SIZE) for k, v in labels.items()}
    # vertical scale: the fullest column's money gets 420 points, then every node gets at least its label's height
    full = max(sum(n.amount for n in flow.nodes if n.column == c) for c in columns) or 1.0
    scale = 420.0 / full
    gap = 6.0
    slot = {n.key: max(n.amount * scale, sizes[n.key][1] + 4) + gap for n in flow.nodes}
    col_height = {c: sum(slot[n.key] for n in flow.nodes if n.column == c) for c in columns}
    body = max(col_height.values())
    # horizontal: column 0 labels on the left of their nodes, every other column's on the right
    widths = {c: max(sizes[n.key][0] for n in flow.nodes if n.column == c) for c in columns}
    x, xs = 16.0 + widths[columns[0]] + 6, {}
    for i, c in enumerate(columns):
        xs[c] = x
        x += NODE_W + (widths[c] + 6 + BAND_ROOM if i < len(columns) - 1 else 6 + widths[c])
    width = max(x + 16, text_size(head, 15)[0] + 40, text_size(sub, 9.5)[0] + 40)
    notes = [*flow.notes, flow.scope.source_note]
    notes = [wrap(line, width - 32, 8.5) for line in notes]
    top = 60 + 24
    height = top + body + footer_height(notes) + 8
    c = Canvas(width, height)
    title_block(c, head, sub)
    for col in columns:
        anchor = "right" if col == columns[0] else "left"
        hx = xs[col] + NODE_W if anchor == "right" else xs[col]
        c.text(hx, top - 6, COLUMNS[col], 9, ha=anchor, va="bottom", color=MUTED, weight="bold")
    # node boxes: each column centred vertically in the body; departments and projects largest first, the
    # other columns ordered by where their money comes from (or, for sources, goes to) so bands cross less
    order = _orders(flow, columns)
    y_of: dict[str, tuple[float, float]] = {}
    for col in [columns[1] if len(columns) > 1 else columns[0], *columns]:
        if any(n.key in y_of for n in order[col]):
            continue
        if col not in (1, 4):
            order[col] = _by_neighbours(flow, order[col], y_of)
        y = top + (body - col_height[col]) / 2
        for n in order[col]:
            h = max(n.amount * scale, 1.0)
            mid = y + slot[n.key] / 2
            y_of[n.key] = (mid - h / 2, h)
            c.ax.add_patch(c.plt.Rectangle((xs[col], mid - h / 2), NODE_W, h, color=colours[n.key], lw=0))
            if col == columns[0]:
                c.text(xs[col] - 6, mid, labels[n.key], LABEL_SIZE, ha="right", va="center", linespacing=LINE)
            else:
                c.text(xs[col] + NODE_W + 6, mid, labels[n.key], LABEL_SIZE, ha="left", va="center",
                       linespacing=LINE, bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none",
                                               "alpha": 0.75})
            y += slot[n.key]
    # bands: at each node, stacked in the vertical order of the nodes at their other end, so they do not cross
    col_of = {n.key: n.column for n in flow.nodes}
    mid_y = {k: y + h / 2 for k, (y, h) in y_of.items()}
    start: dict[int, float] = {}
    end: dict[int, float] = {}
    for key in y_of:
        used = 0.0
        for i, link in sorted(((i, lk) for i, lk in enumerate(flow.links) if lk.source == key),
                              key=lambda t: mid_y[t[1].target]):
            start[i] = y_of[key][0] + used
            used += link.amount * scale
        used = 0.0
        for i, link in sorted(((i, lk) for i, lk in enumerate(flow.links) if lk.target == key),
                              key=lambda t: mid_y[t[1].source]):
            end[i] = y_of[key][0] + used
            used += link.amount * scale
    from matplotlib.path import Path as MPath
    from matplotlib.patches import PathPatch

    for i, link in enumerate(flow.links):
        h = link.amount * scale
        sy, ty = start[i], end[i]
        x0, x1 = xs[col_of[link.source]] + NODE_W, xs[col_of[link.target]]
        mx = (x0 + x1) / 2
        verts = [(x0, sy), (mx, sy), (mx, ty), (x1, ty), (x1, ty + h), (mx, ty + h), (mx, sy + h), (x0, sy + h),
                 (x0, sy)]
        codes = [MPath.MOVETO, MPath.CURVE4, MPath.CURVE4, MPath.CURVE4, MPath.LINETO, MPath.CURVE4, MPath.CURVE4,
                 MPath.CURVE4, MPath.CLOSEPOLY]
        c.ax.add_patch(PathPatch(MPath(verts, codes), fc=colours[link.source], alpha=0.35, lw=0, zorder=0))
    footer(c, notes)
    return c if keep_figure else c.save(fmt)


def _orders(flow: MoneyFlow, columns: list[int]) -> dict[int, list]:
    return {c: [n for n in flow.nodes if n.column == c] for c in columns}


def _by_neighbours(flow: MoneyFlow, nodes: list, placed: dict[str, tuple[float, float]]) -> list:
    """Nodes sorted by the money-weighted height of the placed nodes they exchange money with; groups
    (其他, 未列明) stay last."""
    def centre(n) -> float:
        total = weight = 0.0
        for link in flow.links:
            other = link.source if link.target == n.key else link.target if link.source == n.key else None
            if other in placed:
                y, h = placed[other]
                total += (y + h / 2) * link.amount
                weight += link.amount
        return total / weight if weight else float("inf")

    return sorted(nodes, key=lambda n: (n.count > 1 or n.key in ("project:unlisted", "funding:unstated"), centre(n)))
