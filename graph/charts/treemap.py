"""Treemap of projects by amount: which projects are the big ones (per department, or per county with
one block per department). Box area is 万元; colour is the project's kind (recurring, one-off, carried
over), because the documents tie projects to no functional class. Labels are drawn only where they fit
their box; in HTML every box shows its name, amount and source on hover.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from kg.model import BudgetDocument

from ..flows import KIND_ORDER, Item, Scope, keep_largest, money, project_items, read, scope_of, select_documents
from .canvas import LINE, MUTED, Canvas, footer, footer_height, text_size, title_block, wrap
from .common import hover_lines, node_link, plain

KIND = "treemap"
KIND_COLOURS = dict(zip(KIND_ORDER, ("#4e79a7", "#f28e2b", "#59a14f", "#bab0ac")))


@dataclass(frozen=True)
class ProjectMap:
    scope: Scope
    departments: tuple[tuple[str, tuple[Item, ...]], ...]
    """(department, its projects largest first), departments largest first."""
    unpriced: int = 0
    """Projects whose document prints no amount for them (no box: a size would be invented); said in the subtitle."""

    @property
    def total(self) -> float:
        return round(sum(i.amount for _, items in self.departments for i in items), 2)

    @property
    def count(self) -> int:
        return sum(len(items) for _, items in self.departments)


def project_map(docs: Sequence[BudgetDocument]) -> ProjectMap:
    by_dep: dict[str, list[Item]] = {}
    years = read(docs)
    for item in project_items(docs, years):
        by_dep.setdefault(dict(item.extra)["部门"], []).append(item)
    deps = sorted(by_dep.items(), key=lambda kv: (-sum(i.amount for i in kv[1]), kv[0]))
    unpriced = sum(1 for y in years for p in y.projects.values() if p.amount_wan is None)
    return ProjectMap(scope_of(docs), tuple((d, tuple(sorted(items, key=lambda i: (-i.amount, i.label))))
                                            for d, items in deps), unpriced)


def title(m: ProjectMap) -> tuple[str, str]:
    s = m.scope
    return (f"{s.where} {s.when} 项目支出：哪些项目最大",
            f"{m.count} 个项目，合计 {money(m.total)}" + (f"（另 {m.unpriced} 个项目未列金额）" if m.unpriced else "")
            + "；面积按金额，颜色按项目属性")


# ------------------------------------------------------------------ HTML


def figure(m: ProjectMap) -> dict:
    head, sub = title(m)
    legend = "  ".join(f'<span style="color:{c}">■</span> {k}' for k, c in KIND_COLOURS.items())
    ids, labels, parents, values, colours, custom = ["all"], [plain(m.scope.where)], [""], [m.total], ["#ffffff"], [
        ["", hover_lines(m.scope.where, [("合计", money(m.total))])]]
    texts = [labels[0]]
    for dep, items in m.departments:
        dep_id = f"department:{dep}"
        if m.scope.county:
            ids.append(dep_id)
            labels.append(plain(dep))
            parents.append("all")
            values.append(round(sum(i.amount for i in items), 2))
            colours.append("#eeeeee")
            texts.append(plain(dep))
            custom.append([node_link(dep_id), hover_lines(dep, [("项目合计", money(values[-1])), ("项目数", str(len(items)))])])
        for i in items:
            ids.append(i.key)
            labels.append(plain(i.label))
            parents.append(dep_id if m.scope.county else "all")
            values.append(i.amount)
            colours.append(KIND_COLOURS[i.group])
            texts.append(_lines(i.label))
            custom.append([node_link(i.key), hover_lines(i.label, [("金额", money(i.amount)), ("属性", i.group), *i.extra],
                                              i.places)])
    return {
        "data": [{"type": "treemap", "ids": ids, "labels": labels, "parents": parents, "values": values,
                  "branchvalues": "total", "marker": {"colors": colours, "line": {"color": "#ffffff", "width": 1}},
                  "text": texts, "texttemplate": "%{text}<br>%{value:,.2f} 万元", "customdata": custom,
                  "hovertemplate": "%{customdata[1]}<extra></extra>", "pathbar": {"visible": m.scope.county},
                  "tiling": {"pad": 2}, "sort": True}],
        "layout": {"title": {"text": f"{plain(head)}<br><sup>{plain(sub)}　{legend}</sup>", "x": 0.01},
                   "height": 760, "margin": {"l": 10, "r": 10, "t": 90, "b": 20},
                   "uniformtext": {"minsize": 9, "mode": "hide"}},
    }


def _lines(name: str, per_line: int = 9) -> str:
    """Plotly does not wrap box text: break long names every few characters so they fit narrow boxes."""
    parts = [name[i:i + per_line] for i in range(0, len(name), per_line)]
    if len(parts) > 1 and len(parts[-1]) <= 2:  # no line of a lone bracket
        parts[-2:] = [parts[-2] + parts[-1]]
    return "<br>".join(plain(p) for p in parts)


# ------------------------------------------------------------------ print


WIDTH, HEIGHT = 1100.0, 680.0
"""The map's own area in points (the title, legend and footer come on top)."""


def _squarify(values: list[float], x: float, y: float, w: float, h: float) -> list[tuple[float, float, float, float]]:
    import squarify

    if not values:
        return []
    sizes = squarify.normalize_sizes(values, w, h)
    return [(r["x"], r["y"], r["dx"], r["dy"]) for r in squarify.squarify(sizes, x, y, w, h)]


def _fit_label(name: str, amount: float, w: float, h: float) -> tuple[str, float] | None:
    """The largest label (name wrapped, amount below) that fits inside a w × h box, or None."""
    for size in (11, 10, 9, 8):
        if w < 2 * size or h < 2 * size * LINE:
            continue
        text = wrap(name, w - 6, size, max_lines=max(1, int((h - 6) / (size * LINE)) - 1)) + "\n" + money(amount)
        tw, th = text_size(text, size)
        if tw <= w - 6 and th <= h - 6 and "…" not in text:
            return text, size
    return None


def draw(m: ProjectMap, fmt: str = "svg", *, keep_figure: bool = False):
    head, sub = title(m)
    notes = [m.scope.source_note]
    width = max(WIDTH + 32, text_size(head, 15)[0] + 40)
    notes = [wrap(n, width - 32, 8.5) for n in notes]
    top = 60 + 22
    c = Canvas(width, top + HEIGHT + footer_height(notes) + 22)
    title_block(c, head, sub)
    x = 16.0
    for kind, colour in KIND_COLOURS.items():
        c.ax.add_patch(c.plt.Rectangle((x, top - 16), 10, 10, color=colour, lw=0))
        c.text(x + 14, top - 11, kind, 9, va="center")
        x += 14 + text_size(kind, 9)[0] + 16
    top += 4
    unlabelled = 0
    deps = [(d, keep_largest(items, 60, 0.002, key=f"other:{d}")) for d, items in m.departments]
    dep_boxes = _squarify([sum(i.amount for i in items) for _, items in deps], 16, top, WIDTH, HEIGHT)
    for (dep, items), (dx, dy, dw, dh) in zip(deps, dep_boxes):
        if m.scope.county:
            c.ax.add_patch(c.plt.Rectangle((dx, dy), dw, dh, fc="#f2f2f2", ec="white", lw=2))
            head_text = wrap(f"{dep}  {money(sum(i.amount for i in items))}", dw - 8, 9, max_lines=1)
            c.text(dx + 4, dy + 3, head_text, 9, va="top", weight="bold", color=MUTED)
            dy, dh = dy + 18, dh - 20
            dx, dw = dx + 2, dw - 4
        for item, (x0, y0, w, h) in zip(items, _squarify([i.amount for i in items], dx, dy, dw, dh)):
            colour = KIND_COLOURS.get(item.group, "#c8c8c8")
            c.ax.add_patch(c.plt.Rectangle((x0, y0), w, h, fc=colour, ec="white", lw=1))
            label = _fit_label(item.label, item.amount, w, h)
            if label:
                c.text(x0 + 3, y0 + 3, label[0], label[1], va="top", color="white", linespacing=LINE)
            else:
                unlabelled += 1
    if unlabelled:
        c.text(16 + WIDTH, top + HEIGHT + 6, f"{unlabelled} 个小方块放不下名称（HTML 版悬停可见）", 8.5, ha="right",
               va="top", color=MUTED)
    footer(c, notes)
    return c if keep_figure else c.save(fmt)


def for_selection(docs, **selection) -> ProjectMap:
    return project_map(select_documents(docs, **selection))
