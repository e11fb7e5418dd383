"""Where the money goes, as numbers a picture can draw: the aggregation behind every chart.

Pictures never read documents themselves: they take the figures computed here from records
(``BudgetDocument``), all in 万元, each with the places (file:line) it was read from, so every
band, box and bar can say where its number comes from.

The money flow follows the tables a budget document prints, and only links that the tables state:

    资金来源 (收入总表: 一般公共预算, 政府性基金 …, 上年结转) → 部门
    部门 → 功能分类 类 (支出总表, 合计)
    类 → 基本支出 / 项目支出 (the same rows' 基本支出 and 项目支出 columns)
    项目支出 → the largest projects (项目支出表), the rest as “其他 (N项)”

Projects are not tied to a functional class in the documents (their tables print no 科目 column),
so the flow passes through 项目支出 rather than drawing class → project links nobody printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Iterable, Optional, Sequence

from kg.model import BudgetDocument, Provenance, format_place

from .identity import BUDGET_FUNDS, Identities

ROUNDING = 0.05
"""万元 two totals may differ by from rounding each row to the cent (PDF tables in 元 give 6 decimals)."""
OTHER = "其他"
"""Label stem of a group of small flows; the count follows: 其他 (7项)."""


def where(source: Optional[Provenance], file: Optional[str] = None) -> str:
    """A place a person can open: ``file:line``, or ``file p.N`` where the record knows a page."""
    if source is None:
        return file or ""
    return source.where


def _total_place(d: BudgetDocument, name: str) -> str:
    """Where a headline figure of ``d.totals`` was read (file:line, or file p.N in a PDF)."""
    return format_place(d.source, d.totals.lines.get(name), d.totals.pages.get(name))


def wan(value) -> float:
    """万元 as a float rounded to the cent, the precision budget tables print."""
    return round(float(value or 0), 2)


def money(value: float) -> str:
    """The one way a picture writes money: 1,950.40 万元."""
    return f"{value:,.2f} 万元"


# ------------------------------------------------------------------ choosing documents


class SelectionError(LookupError):
    """No document matches a picture's selection; the message says what to try."""


def select_documents(docs: Iterable[BudgetDocument], *, department: Optional[str] = None,
                     county: Optional[str] = None, year: Optional[int] = None) -> list[BudgetDocument]:
    """The documents one picture is about: one department (exact name, else a part of it) or every
    department of a county, in one year (the latest the store holds unless ``year`` is given)."""
    docs = list(docs)
    if department:
        exact = [d for d in docs if d.department.name == department]
        found = exact or [d for d in docs if department in d.department.name]
        names = sorted({d.department.name for d in found})
        if len(names) > 1:
            raise SelectionError(f"{department!r} matches {len(names)} departments ({'、'.join(names[:5])}); "
                                 "give the full name")
        what = f"department {department!r}"
    elif county:
        found = [d for d in docs if d.department.county == county]
        found = found or [d for d in docs if county in (d.department.county or "")]
        what = f"county {county!r}"
    else:
        found, what = docs, "the store"
    if year is not None:
        found = [d for d in found if d.department.fiscal_year == year]
    elif found:
        latest = max(d.department.fiscal_year or 0 for d in found)
        found = [d for d in found if (d.department.fiscal_year or 0) == latest]
    if not found:
        counties = sorted({d.department.county for d in docs if d.department.county})
        hint = f"; counties in the store: {'、'.join(counties)}" if county and counties else ""
        raise SelectionError(f"no document for {what}{' in ' + str(year) if year else ''}{hint}; "
                             "see `kg stats` or `kg search`")
    # one document per department and year: the last ingested wins, as in the store
    unique = {(d.department.name, d.department.fiscal_year): d for d in sorted(found, key=lambda d: d.source)}
    return [unique[k] for k in sorted(unique)]


@dataclass(frozen=True)
class Scope:
    """What, when and where a picture shows, and from which files: the parts of every title."""

    where: str
    """The department name, or the county (with the number of departments)."""
    year: Optional[int]
    """Budget year shown."""
    files: tuple[str, ...]
    """Source documents the figures were read from."""
    county: bool = False
    """True when the picture covers every department of a county."""

    @property
    def when(self) -> str:
        return f"{self.year}年" if self.year else "年度不详"

    @property
    def source_note(self) -> str:
        """The source line printed under every picture."""
        names = [f.rsplit("/", 1)[-1] for f in self.files]
        shown = "、".join(names[:3]) + (f" 等 {len(names)} 份" if len(names) > 3 else "")
        return f"数据来源：部门预算公开文件 {shown}（budget-kg 读取，金额单位 万元）"


def scope_of(docs: Sequence[BudgetDocument]) -> Scope:
    names = sorted({d.department.name for d in docs})
    counties = sorted({d.department.county for d in docs if d.department.county})
    years = sorted({d.department.fiscal_year for d in docs if d.department.fiscal_year})
    if len(names) == 1:
        place = names[0]
        county = False
    else:
        place = f"{'、'.join(counties) or '多地'}（{len(names)}个部门）"
        county = True
    return Scope(place, years[-1] if years else None, tuple(sorted({d.source for d in docs})), county)


# ------------------------------------------------------------------ grouping small items


@dataclass(frozen=True)
class Item:
    """One thing with an amount: a project, a class, a department, a policy."""

    key: str
    """Stable identity (a graph node id where there is one: the page links to it)."""
    label: str
    amount: float
    """万元."""
    places: tuple[str, ...] = ()
    """file:line (or file p.N) where the figures were read."""
    count: int = 1
    """How many records this item stands for (more than 1 for a 其他 group)."""
    group: str = ""
    """Colour group: functional class, department or kind, depending on the picture."""
    extra: tuple[tuple[str, str], ...] = ()
    """More lines for the hover text, as (name, value)."""


def keep_largest(items: Sequence[Item], keep: int, min_share: float = 0.0, unit: str = "项",
                 key: str = "other") -> list[Item]:
    """The ``keep`` largest items, each at least ``min_share`` of the total; the rest as one
    “其他 (N项)” item carrying their sum, so a picture stays readable and still adds up."""
    ordered = sorted(items, key=lambda i: (-i.amount, i.label))
    total = sum(i.amount for i in ordered) or 1.0
    big = [i for i in ordered[:keep] if i.amount / total >= min_share]
    rest = ordered[len(big):]
    if len(rest) <= 1:
        return ordered
    n = sum(i.count for i in rest)
    return big + [Item(f"{key}:{len(big)}", f"{OTHER} ({n}{unit})", round(sum(i.amount for i in rest), 2),
                       tuple(p for i in rest for p in i.places), n, OTHER,
                       tuple((i.label, money(i.amount)) for i in rest[:12])
                       + ((("…", f"另 {len(rest) - 12} 项"),) if len(rest) > 12 else ()))]


# ------------------------------------------------------------------ the money flow


COLUMNS = ("资金来源", "部门", "功能分类（类）", "支出类型", "项目")
"""Column titles of the flow, left to right."""


@dataclass(frozen=True)
class Node:
    key: str
    """Graph node id where there is one (``department:…``, ``functional:201``, ``project:…``), else a local id."""
    label: str
    column: int
    """Index into ``COLUMNS``."""
    amount: float
    """万元 through this node: the larger of what flows in and what flows out."""
    places: tuple[str, ...] = ()
    count: int = 1
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    amount: float
    """万元."""
    places: tuple[str, ...] = ()


@dataclass(frozen=True)
class MoneyFlow:
    """A Sankey's worth of figures: nodes by column and the links between them, all in 万元."""

    scope: Scope
    nodes: tuple[Node, ...]
    links: tuple[Link, ...]
    total: float
    """Total expenditure shown (支出总计 summed over the documents)."""
    notes: tuple[str, ...] = field(default=())
    """Where the figures do not add up as printed (shown under the picture)."""


def money_flow(docs: Sequence[BudgetDocument], *, keep_projects: int = 12, keep_departments: int = 12,
               min_share: float = 0.005) -> MoneyFlow:
    """The flow of money through ``docs`` (one department, or every department of a county)."""
    if not docs:
        raise SelectionError("no documents to draw")
    ids = Identities(docs)
    links: dict[tuple[str, str], list] = {}
    labels: dict[str, tuple[str, int]] = {}
    places: dict[str, list[str]] = {}
    extra: dict[str, tuple] = {}
    counts: dict[str, int] = {}
    notes: list[str] = []

    def add(src: str, dst: str, amount: float, place: str = "") -> None:
        if amount <= 0.0049:
            return
        entry = links.setdefault((src, dst), [0.0, []])
        entry[0] += amount
        if place:
            entry[1].append(place)

    def node(key: str, label: str, column: int, place: str = "") -> str:
        labels.setdefault(key, (label, column))
        if place:
            places.setdefault(key, []).append(place)
        return key

    # departments: the largest keep their own node, the rest share one
    dep_items = [Item(f"department:{d.department.name}", d.department.name, wan(d.totals.expenditure_total)
                      or sum(wan(r.total) for r in d.functional_spending if len(r.code) == 3), (where(d.department.source),))
                 for d in docs]
    grouped = keep_largest(dep_items, keep_departments, 0.0, unit="个部门", key="department-other")
    dep_node = {}
    for item in grouped:
        node(item.key, item.label, 1, *item.places[:1])
        counts[item.key] = item.count
        extra[item.key] = item.extra
    for d, item in zip(docs, dep_items):
        dep_node[d.source] = item.key if item.key in labels else grouped[-1].key

    projects: list[Item] = []
    for d in docs:
        dn = dep_node[d.source]
        t = d.totals
        # 1. sources → department
        income = 0.0
        for key, value in t.income_by_source.items():
            add(node(f"funding:{key}", BUDGET_FUNDS.get(key, key), 0), dn, wan(value),
                _total_place(d, f"income_by_source.{key}"))
            income += wan(value)
        if t.carryover_income:
            add(node("funding:carryover", BUDGET_FUNDS["carryover"], 0), dn, wan(t.carryover_income),
                _total_place(d, "carryover_income"))
            income += wan(t.carryover_income)
        classes = [r for r in d.functional_spending if len(r.code) == 3 and r.total]
        spent = sum(wan(r.total) for r in classes) if classes else wan(t.expenditure_total)
        if spent - income > ROUNDING + 0.005 * len(classes):
            add(node("funding:unstated", "未列明来源", 0), dn, round(spent - income, 2), d.source)
            if income:
                notes.append(f"{d.department.name}: 收入按来源合计 {money(income)}，少于支出 {money(spent)}")
        # 2. department → classes → basic / project expenditure
        for r in classes:
            cn = node(f"functional:{r.code}", r.name, 2, where(r.source))
            add(dn, cn, wan(r.total), where(r.source))
            basic, project = wan(r.basic), wan(r.project)
            if not basic and not project:
                basic = wan(r.total)
            add(cn, node("spending:basic", "基本支出", 3), basic, where(r.source))
            add(cn, node("spending:project", "项目支出", 3), project, where(r.source))
        if not classes:
            add(dn, node("spending:basic", "基本支出", 3), wan(t.basic_expenditure), d.source)
            add(dn, node("spending:project", "项目支出", 3), wan(t.project_expenditure), d.source)
        # 3. project expenditure → projects
        for i, p in enumerate(d.projects):
            if p.amount_wan:
                label = p.name + ("（上年结转）" if p.carryover else "")
                projects.append(Item("project:" + "/".join(ids.project(d, i)), label, wan(p.amount_wan),
                                     (where(p.source),), extra=(("部门", d.department.name),)))
    projects = _distinct_labels(projects)
    project_total = sum(p.amount for p in projects)
    stated = sum(links.get((k, "spending:project"), [0.0])[0] for k in labels if k.startswith("functional:"))
    stated = stated or sum(wan(d.totals.project_expenditure) for d in docs)
    for item in keep_largest(projects, keep_projects, min_share * 2, key="project-other"):
        node(item.key, item.label, 4, *item.places[:1])
        counts[item.key] = item.count
        extra[item.key] = item.extra
        add("spending:project", item.key, item.amount, item.places[0] if item.count == 1 and item.places else "")
    if stated - project_total > ROUNDING:
        add("spending:project", node("project:unlisted", "未列明项目", 4), round(stated - project_total, 2))
        if projects:
            notes.append(f"项目表合计 {money(project_total)}，少于支出表项目支出 {money(stated)}")
    elif project_total - stated > ROUNDING and stated:
        notes.append(f"项目表合计 {money(project_total)}，多于支出表项目支出 {money(stated)}")

    inflow: dict[str, float] = {}
    outflow: dict[str, float] = {}
    for (a, b), (amount, _) in links.items():
        outflow[a] = outflow.get(a, 0.0) + amount
        inflow[b] = inflow.get(b, 0.0) + amount
    nodes = tuple(Node(k, label, col, round(max(inflow.get(k, 0.0), outflow.get(k, 0.0)), 2),
                       tuple(dict.fromkeys(places.get(k, []))), counts.get(k, 1), extra.get(k, ()))
                  for k, (label, col) in labels.items() if k in inflow or k in outflow)
    nodes = tuple(sorted(nodes, key=lambda n: (n.column, "-other:" in n.key,
                                               -n.amount, n.label)))
    out = tuple(Link(a, b, round(amount, 2), tuple(dict.fromkeys(p))) for (a, b), (amount, p) in links.items())
    total = sum(n.amount for n in nodes if n.column == 1)
    return MoneyFlow(scope_of(docs), nodes, out, round(total, 2), tuple(notes))


def _distinct_labels(items: list[Item]) -> list[Item]:
    """Two departments' projects of the same name get their department added, so no two read alike."""
    seen: dict[str, int] = {}
    for i in items:
        seen[i.label] = seen.get(i.label, 0) + 1
    return [replace(i, label=f"{i.label}（{dict(i.extra).get('部门', '')}）") if seen[i.label] > 1 else i
            for i in items]


# ------------------------------------------------------------------ projects and policies


KIND_ORDER = ("经常性项目", "一次性项目", "上年结转", "未注明属性")
"""How a project is coloured in a treemap: recurring, one-off, carried over from last year, or not stated.
(The documents do not tie projects to a functional class, so the class cannot colour them.)"""


def project_kind(category: Optional[str], carryover: bool) -> str:
    if carryover:
        return "上年结转"
    if category and "经常" in category:
        return "经常性项目"
    if category and "一次" in category:
        return "一次性项目"
    return "未注明属性"


def project_items(docs: Sequence[BudgetDocument]) -> list[Item]:
    """Every project with an amount, keyed by its graph node id, grouped by kind, department in ``extra``."""
    ids = Identities(docs)
    out = []
    for d in docs:
        for i, p in enumerate(d.projects):
            if not p.amount_wan:
                continue
            extra = [("部门", d.department.name), ("年度", str(d.department.fiscal_year or ""))]
            if p.category:
                extra.append(("项目属性", p.category))
            if p.legal_bases:
                extra.append(("立项依据", "、".join(dict.fromkeys(b.key for b in p.legal_bases))))
            out.append(Item("project:" + "/".join(ids.project(d, i)),
                            p.name + ("（上年结转）" if p.carryover else ""), wan(p.amount_wan),
                            (where(p.source),), group=project_kind(p.category, p.carryover), extra=tuple(extra)))
    return _distinct_labels(out)


@dataclass(frozen=True)
class PolicyProjects:
    """One policy and the projects that cite it, for the policy bar chart."""

    key: str
    """Policy identity: the normalised number, or 《title》."""
    title: Optional[str]
    issuer: Optional[str]
    projects: tuple[Item, ...]
    """Projects citing the policy; ``extra`` holds 部门; ``places`` the line of the citation."""
    scope: Scope

    @property
    def total(self) -> float:
        return round(sum(p.amount for p in self.projects), 2)

    @property
    def departments(self) -> list[str]:
        """Departments by the money their citing projects carry, largest first."""
        sums: dict[str, float] = {}
        for p in self.projects:
            sums[p.group] = sums.get(p.group, 0.0) + p.amount
        return sorted(sums, key=lambda k: (-sums[k], k))


def policy_projects(docs: Sequence[BudgetDocument], text: str) -> PolicyProjects:
    """The projects (of any department and year in ``docs``) that cite the policy ``text`` (number in any
    bracket style, or title)."""
    from kg.search.query import document_number

    ids = Identities(docs)
    number = document_number(text)
    wanted = number or f"《{text.strip('《》')}》"
    items, used = [], []
    title = issuer = None
    for d in docs:
        for i, p in enumerate(d.projects):
            cites = [b for b in p.legal_bases if ids.policy(b) == wanted]
            if not cites:
                continue
            title, issuer = title or cites[0].title, issuer or cites[0].issuer
            used.append(d)
            items.append(Item("project:" + "/".join(ids.project(d, i)),
                              p.name + ("（上年结转）" if p.carryover else ""), wan(p.amount_wan),
                              (where(cites[0].source), where(p.source)), group=d.department.name,
                              extra=(("部门", d.department.name), ("年度", str(d.department.fiscal_year or "")))))
    if not items:
        raise SelectionError(f"no project cites {text!r}" + (f" (read as {number})" if number else "")
                             + "; try `kg search` with a part of the number or title")
    return PolicyProjects(wanted, title or ids.policy_title(wanted), issuer, tuple(_distinct_labels(items)),
                          scope_of(used))


def top_policies(docs: Sequence[BudgetDocument], keep: int = 15) -> list[Item]:
    """Policies ranked by the money of the projects citing them (a project citing two policies counts for
    both), each with its number of projects and departments in ``extra``."""
    ids = Identities(docs)
    sums: dict[str, list] = {}
    for d in docs:
        for p in d.projects:
            for key in dict.fromkeys(ids.policy(b) for b in p.legal_bases):
                entry = sums.setdefault(key, [0.0, 0, set(), []])
                entry[0] += wan(p.amount_wan)
                entry[1] += 1
                entry[2].add(d.department.name)
                entry[3].extend(where(b.source) for b in p.legal_bases if ids.policy(b) == key)
    items = [Item(f"policy:{k}", k, round(v[0], 2), tuple(dict.fromkeys(v[3])), v[1], "",
                  (("标题", ids.policy_title(k) or ""), ("项目数", str(v[1])), ("部门数", str(len(v[2]))),
                   ("部门", "、".join(sorted(v[2])))))
             for k, v in sums.items() if v[0] > 0]
    return sorted(items, key=lambda i: (-i.amount, i.key))[:keep]
