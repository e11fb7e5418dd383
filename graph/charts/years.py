"""Year on year: a department's (or a county's) headline figures in every year the store holds, side by side,
with the change from the year before. Each bar is a printed figure (a county's is the sum of its
departments' printed figures) and says where it was read; a year that prints no figure has no bar.
"""

from __future__ import annotations

from ..flows import Item, YearOnYear, money
from .bars import bars, draw_rows

KIND = "years"


def title(t: YearOnYear) -> tuple[str, str]:
    span = f"{t.years[0]}–{t.years[-1]}年" if len(t.years) > 1 else f"{t.years[0]}年"
    return (f"{t.scope.where} {span} 主要支出逐年对比",
            f"{len(t.years)} 个年度的预算公开文件所列数字（万元）；每条注明较上年的变化")


def _groups(t: YearOnYear) -> list[tuple[str, list[Item]]]:
    return [(name, list(items)) for name, items in t.rows]


def _hover(i: Item) -> list[tuple[str, str]]:
    return [("金额", money(i.amount)), *i.extra]


def figure(t: YearOnYear) -> dict:
    head, sub = title(t)
    return bars(_groups(t), head, sub, _hover)


def notes(t: YearOnYear) -> list[str]:
    return [*t.missing, t.scope.source_note]


def draw(t: YearOnYear, fmt: str = "svg", *, keep_figure: bool = False):
    head, sub = title(t)

    def label(i: Item) -> str:
        extra = dict(i.extra)
        return f"{extra['年度']}年" + (f"（较上年 {extra['较上年']}）" if extra["较上年"] != "首个年度" else "")

    return draw_rows(_groups(t), head, sub, notes(t), fmt, keep_figure, label, group_total=False)
