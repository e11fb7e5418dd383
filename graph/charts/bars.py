"""Grouped horizontal bars, the shape of the policy and year-on-year pictures: offline HTML (plotly) and print.

Groups are (name, items): a department's projects, or one headline figure's years. Amounts in 万元.
"""

from __future__ import annotations

from ..flows import Item, money
from .canvas import LINE, MUTED, PALETTE, Canvas, footer, footer_height, text_size, title_block, wrap
from .common import hover_lines, node_link, plain

LABEL_W = 280.0
BAR_W = 420.0
SIZE = 9.5


def bars(groups: list[tuple[str, list[Item]]], head: str, sub: str, hover_extra) -> dict:
    traces = []
    order = [i.label for _, items in groups for i in items]
    for n, (group, items) in enumerate(groups):
        traces.append({"type": "bar", "orientation": "h", "name": plain(group) if group else "政策",
                       "y": [plain(i.label) for i in items], "x": [i.amount for i in items],
                       "text": [money(i.amount) for i in items], "textposition": "outside", "cliponaxis": False,
                       "marker": {"color": PALETTE[n % len(PALETTE)]},
                       "customdata": [[node_link(i.key), hover_lines(i.label, hover_extra(i), i.places)] for i in items],
                       "hovertemplate": "%{customdata[1]}<extra></extra>"})
    return {"data": traces,
            "layout": {"title": {"text": f"{plain(head)}<br><sup>{plain(sub)}</sup>", "x": 0.01},
                       "height": max(360, 34 * len(order) + 200), "barmode": "overlay",
                       "yaxis": {"categoryorder": "array", "categoryarray": [plain(x) for x in reversed(order)],
                                 "automargin": True},
                       "xaxis": {"title": {"text": "万元"}, "tickformat": ",.0f", "automargin": True},
                       "margin": {"l": 20, "r": 120, "t": 90, "b": 50},
                       "legend": {"orientation": "h", "y": -0.12}, "showlegend": len(groups) > 1}}


def draw_rows(groups: list[tuple[str, list[Item]]], head: str, sub: str, notes: list[str], fmt: str,
               keep_figure: bool, label_of=lambda i: i.label, group_total: bool = True):
    """Print version: a heading per group (with its total where adding up makes sense), a labelled bar per item."""
    top_amount = max((i.amount for _, items in groups for i in items), default=1.0) or 1.0
    rows = []  # (kind, text, item, colour, height)
    for n, (group, items) in enumerate(groups):
        colour = PALETTE[n % len(PALETTE)]
        if group:
            heading = f"{group}  {money(sum(i.amount for i in items))}" if group_total else group
            rows.append(("group", wrap(heading, LABEL_W + BAR_W, SIZE,
                                       max_lines=2), None, colour, SIZE * LINE * 1.6))
        for i in items:
            text = wrap(label_of(i), LABEL_W, SIZE)
            rows.append(("bar", text, i, colour, max(text_size(text, SIZE)[1], 16) + 8))
    amount_w = max((text_size(money(i.amount), SIZE)[0] for _, items in groups for i in items), default=40)
    width = max(16 + LABEL_W + 10 + BAR_W + 8 + amount_w + 24, text_size(head, 15)[0] + 40,
                text_size(sub, 9.5)[0] + 40)
    notes = [wrap(n, width - 32, 8.5) for n in notes]
    top = 60 + 12
    c = Canvas(width, top + sum(r[4] for r in rows) + footer_height(notes) + 12)
    title_block(c, head, sub)
    y = top
    x_bar = 16 + LABEL_W + 10
    for kind, text, item, colour, h in rows:
        if kind == "group":
            c.text(16, y + h / 2, text, SIZE, va="center", weight="bold", color=MUTED)
        else:
            w = max(item.amount / top_amount * BAR_W, 1.0)
            c.ax.add_patch(c.plt.Rectangle((x_bar, y + 4), w, h - 8, color=colour, lw=0))
            c.text(16 + LABEL_W, y + h / 2, text, SIZE, ha="right", va="center", linespacing=LINE)
            c.text(x_bar + w + 6, y + h / 2, money(item.amount), SIZE, va="center")
        y += h
    footer(c, notes)
    return c if keep_figure else c.save(fmt)
