"""Policy pictures: which projects rest on a policy (bars by amount, grouped by department), and which
policies of a county carry the most money. Amounts in 万元; a project that cites two policies counts
for each of them, which the subtitle says.
"""

from __future__ import annotations

from typing import Sequence

from ..flows import Item, PolicyProjects, Scope, money
from .bars import bars, draw_rows

KIND = "policy"


def policy_title(p: PolicyProjects) -> tuple[str, str]:
    years = p.scope.when
    name = p.key + (f"《{p.title}》" if p.title and not p.key.startswith("《") else "")
    return (f"政策 {name}：以它为立项依据的项目（{years}）",
            f"{len(p.projects)} 个项目，{len(p.departments)} 个部门，合计 {money(p.total)}"
            + (f"；发文机关 {p.issuer}" if p.issuer else ""))


def top_title(items: Sequence[Item], scope: Scope) -> tuple[str, str]:
    return (f"{scope.where} {scope.when} 承载资金最多的政策",
            f"前 {len(items)} 个政策，按引用它的项目金额合计（万元）；一个项目引用多个政策时分别计入")


def _rows_policy(p: PolicyProjects) -> list[tuple[str, list[Item]]]:
    by_dep = {d: [] for d in p.departments}
    for item in sorted(p.projects, key=lambda i: (-i.amount, i.label)):
        by_dep[item.group].append(item)
    return list(by_dep.items())


# ------------------------------------------------------------------ HTML


def policy_figure(p: PolicyProjects) -> dict:
    head, sub = policy_title(p)
    return bars(_rows_policy(p), head, sub, lambda i: [("金额", money(i.amount)), *i.extra])


def top_figure(items: Sequence[Item], scope: Scope) -> dict:
    head, sub = top_title(items, scope)
    return bars([("", list(items))], head, sub, lambda i: [("金额合计", money(i.amount)), *i.extra])


# ------------------------------------------------------------------ print


def policy_draw(p: PolicyProjects, fmt: str = "svg", *, keep_figure: bool = False):
    head, sub = policy_title(p)
    return draw_rows(_rows_policy(p), head, sub, [p.scope.source_note], fmt, keep_figure)


def top_draw(items: Sequence[Item], scope: Scope, fmt: str = "svg", *, keep_figure: bool = False):
    head, sub = top_title(items, scope)

    def label(i: Item) -> str:
        title = dict(i.extra).get("标题")
        return f"{i.label}" + (f"《{title}》" if title and not i.label.startswith("《") else "") + f"（{i.count}个项目）"

    return draw_rows([("", list(items))], head, sub, [scope.source_note], fmt, keep_figure, label)



