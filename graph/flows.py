"""Where the money goes, as numbers a picture can draw: the aggregation behind every chart.

Pictures never read documents themselves: they take the figures computed here, a projection of
the facts (kg.graph.facts: the records walked once), all in 万元, each with the places (file:line,
file p.N, file!Sheet!B7) it was read from, so every band, box and bar can say where its number comes from.

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
from typing import Iterable, NamedTuple, Optional, Sequence

from kg.model import BudgetDocument
from kg.text import document_number

from .facts import Entity, Observation, Ref, facts, where
from .identity import BUDGET_FUNDS

ROUNDING = 0.05
"""万元 two totals may differ by from rounding each row to the cent (PDF tables in 元 give 6 decimals)."""
OTHER = "其他"
"""Label stem of a group of small flows; the count follows: 其他 (7项)."""


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


# ------------------------------------------------------------------ the facts a picture reads


class Cite(NamedTuple):
    """Where a project cites a policy as its legal basis (立项依据), and the policy's title and issuer."""

    place: str
    title: Optional[str]
    issuer: Optional[str]


@dataclass
class ProjectFacts:
    """A project as the facts state it (``key`` is its graph node id), with the policies it rests on
    (policy identity, the graph's → its citations)."""

    key: str
    name: str
    amount_wan: Optional[Decimal]
    carryover: bool
    category: Optional[str]
    place: str
    cites: dict[str, list[Cite]] = field(default_factory=dict)

    def item(self, places: tuple[str, ...] = (), **kw) -> Item:
        """The project as a picture's ``Item`` (万元; placed where it is printed unless ``places`` says more)."""
        return Item(self.key, self.name + ("（上年结转）" if self.carryover else ""), wan(self.amount_wan),
                    places or (self.place,), **kw)


@dataclass
class YearFacts:
    """What one document (a department's year) prints that pictures draw, gathered from its facts."""

    file: str
    department: str
    year: Optional[int]
    place: str = ""
    """Where the department is named."""
    totals: dict[str, tuple[Decimal, str]] = field(default_factory=dict)
    """Headline figure (budget item) → (万元, place)."""
    income: list[tuple[str, Decimal, str]] = field(default_factory=list)
    """(budget type, 万元, place) as 收入总表 prints them."""
    classes: list[tuple[str, str, dict]] = field(default_factory=list)
    """Functional classes (类) with an amount: (code, name, the spends_on amounts and place)."""
    projects: dict[Ref, ProjectFacts] = field(default_factory=dict)

    def figure(self, item: str) -> float:
        return wan(self.totals.get(item, (None,))[0])


def read(docs: Sequence[BudgetDocument]) -> list[YearFacts]:
    """The facts of ``docs`` gathered per document, in the order of ``docs`` (the order a picture lists them)."""
    years: dict[str, YearFacts] = {}
    latest: dict[Ref, Entity] = {}
    for fact in facts(docs, findings=False):
        if isinstance(fact, Entity):
            latest[fact.ref] = fact
            if fact.ref.kind == "document":
                a = fact.attrs
                y = years[fact.ref.key] = YearFacts(a["file"], a["department"], a["fiscal_year"])
        elif isinstance(fact, Observation):
            if fact.dataset == "totals":
                y.totals[fact.dimension("budget_item")] = (fact.value, where(fact.attrs))
            elif fact.dataset == "income":
                y.income.append((fact.dimension("budget_type"), fact.value, where(fact.attrs)))
        elif fact.relation == "source" and fact.subject.kind == "department":
            y.place = where(fact.attrs)
        elif fact.relation == "spends_on" and len(fact.object.key) == 3 and fact.attrs["amount_wan"]:
            y.classes.append((fact.object.key, latest[fact.object].label, fact.attrs))
        elif fact.relation == "has_project":
            p = latest[fact.object]
            y.projects[fact.object] = ProjectFacts(fact.object.id, p.label, p.attrs["amount_wan"], p.attrs["carryover"],
                                                   p.attrs["category"], where(p.attrs))
        elif fact.relation == "cites":
            policy = latest[fact.object].attrs
            y.projects[fact.subject].cites.setdefault(fact.object.key, []).append(
                Cite(where(fact.attrs), policy["title"], policy["issuer"]))
    return [years[d.source] for d in docs]


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
    years = read(docs)
    links: dict[tuple[str, str], list] = {}
    shown: dict[str, list] = {}  # node key → [label, column, places, count, extra]
    notes: list[str] = []

    def add(src: str, dst: str, amount: float, place: str = "") -> None:
        if amount <= 0.0049:
            return
        entry = links.setdefault((src, dst), [0.0, []])
        entry[0] += amount
        if place:
            entry[1].append(place)

    def node(key: str, label: str, column: int, place: str = "", count: int = 1, extra: tuple = ()) -> str:
        entry = shown.setdefault(key, [label, column, [], count, extra])
        if place:
            entry[2].append(place)
        return key

    # departments: the largest keep their own node, the rest share one
    dep_items = [Item(f"department:{y.department}", y.department, y.figure("expenditure_total")
                      or sum(wan(a["amount_wan"]) for _, _, a in y.classes), (y.place,)) for y in years]
    grouped = keep_largest(dep_items, keep_departments, 0.0, unit="个部门", key="department-other")
    for item in grouped:
        node(item.key, item.label, 1, *item.places[:1], count=item.count, extra=item.extra)

    projects: list[Item] = []
    for y, item in zip(years, dep_items):
        dn = item.key if item.key in shown else grouped[-1].key
        # 1. sources → department
        carryover = y.totals.get("carryover_income", (None, ""))
        income = 0.0
        for key, value, place in y.income + ([("carryover", *carryover)] if carryover[0] else []):
            add(node(f"funding:{key}", BUDGET_FUNDS.get(key, key), 0), dn, wan(value), place)
            income += wan(value)
        spent = sum(wan(a["amount_wan"]) for _, _, a in y.classes) if y.classes else y.figure("expenditure_total")
        if spent - income > ROUNDING + 0.005 * len(y.classes):
            add(node("funding:unstated", "未列明来源", 0), dn, round(spent - income, 2), y.file)
            if income:
                notes.append(f"{y.department}: 收入按来源合计 {money(income)}，少于支出 {money(spent)}")
        # 2. department → classes → basic / project expenditure
        for code, name, a in y.classes:
            place = where(a)
            cn = node(f"functional:{code}", name, 2, place)
            add(dn, cn, wan(a["amount_wan"]), place)
            basic, project = wan(a["basic_wan"]), wan(a["project_wan"])
            if not basic and not project:  # a row printing no split: all of it basic
                basic = wan(a["amount_wan"])
            add(cn, node("spending:basic", "基本支出", 3), basic, place)
            add(cn, node("spending:project", "项目支出", 3), project, place)
        if not y.classes:
            add(dn, node("spending:basic", "基本支出", 3), y.figure("basic_expenditure"), y.file)
            add(dn, node("spending:project", "项目支出", 3), y.figure("project_expenditure"), y.file)
        # 3. project expenditure → projects
        projects += [p.item(extra=(("部门", y.department),)) for p in y.projects.values() if p.amount_wan]
    projects = _distinct_labels(projects)
    project_total = sum(p.amount for p in projects)
    stated = sum(links.get((k, "spending:project"), [0.0])[0] for k in shown if k.startswith("functional:"))
    stated = stated or sum(y.figure("project_expenditure") for y in years)
    for item in keep_largest(projects, keep_projects, min_share * 2, key="project-other"):
        node(item.key, item.label, 4, *item.places[:1], count=item.count, extra=item.extra)
        add("spending:project", item.key, item.amount, item.places[0] if item.count == 1 and item.places else "")
    if stated - project_total > ROUNDING:
        add("spending:project", node("project:unlisted", "未列明项目", 4), round(stated - project_total, 2))
        if projects:
            notes.append(f"项目表合计 {money(project_total)}，少于支出表项目支出 {money(stated)}")
    elif project_total - stated > ROUNDING and stated:
        notes.append(f"项目表合计 {money(project_total)}，多于支出表项目支出 {money(stated)}")

    through: dict[str, list[float]] = {}  # node key → [in, out]
    for (a, b), (amount, _) in links.items():
        through.setdefault(a, [0.0, 0.0])[1] += amount
        through.setdefault(b, [0.0, 0.0])[0] += amount
    nodes = tuple(Node(k, label, col, round(max(through[k]), 2), tuple(dict.fromkeys(places)), count, extra)
                  for k, (label, col, places, count, extra) in shown.items() if k in through)
    nodes = tuple(sorted(nodes, key=lambda n: (n.column, "-other:" in n.key, -n.amount, n.label)))
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


def project_items(docs: Sequence[BudgetDocument], years: Optional[list[YearFacts]] = None) -> list[Item]:
    """Every project with an amount, keyed by its graph node id, grouped by kind, department in ``extra``
    (``years``: ``read(docs)`` when the caller has it already)."""
    out = []
    for y in read(docs) if years is None else years:
        for p in y.projects.values():
            if p.amount_wan:
                extra = [("部门", y.department), ("年度", str(y.year or ""))]
                if p.category:
                    extra.append(("项目属性", p.category))
                if p.cites:
                    extra.append(("立项依据", "、".join(p.cites)))
                out.append(p.item(group=project_kind(p.category, p.carryover), extra=tuple(extra)))
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
    number = document_number(text)
    wanted = number or f"《{text.strip('《》')}》"
    years = read(docs)
    cited = _citing(years).get(wanted)
    if not cited:
        raise SelectionError(f"no project cites {text!r}" + (f" (read as {number})" if number else "")
                             + "; try `kg search` with a part of the number or title")
    items = [p.item((cites[0].place, p.place), group=y.department,
                    extra=(("部门", y.department), ("年度", str(y.year or "")))) for y, p, cites in cited]
    title = next((cites[0].title for _, _, cites in cited if cites[0].title), None)
    issuer = next((cites[0].issuer for _, _, cites in cited if cites[0].issuer), None)
    used = [d for d, y in zip(docs, years) if any(y is u for u, _, _ in cited)]
    return PolicyProjects(wanted, title, issuer, tuple(_distinct_labels(items)), scope_of(used))


def _citing(years: list[YearFacts]) -> dict[str, list[tuple[YearFacts, ProjectFacts, list[Cite]]]]:
    """Policy → the projects resting on it (in document order), each with its citations of that policy."""
    out: dict[str, list] = {}
    for y in years:
        for p in y.projects.values():
            for key, cites in p.cites.items():
                out.setdefault(key, []).append((y, p, cites))
    return out


def top_policies(docs: Sequence[BudgetDocument], keep: int = 15) -> list[Item]:
    """Policies ranked by the money of the projects citing them (a project citing two policies counts for
    both), each with its number of projects and departments in ``extra``."""
    items = []
    for key, cited in _citing(read(docs)).items():
        amount = sum(wan(p.amount_wan) for _, p, _ in cited)
        deps = sorted({y.department for y, _, _ in cited})
        if amount > 0:
            items.append(Item(f"policy:{key}", key, round(amount, 2),
                              tuple(dict.fromkeys(c.place for _, _, cites in cited for c in cites)), len(cited), "",
                              (("标题", cited[0][2][0].title or ""), ("项目数", str(len(cited))),
                               ("部门数", str(len(deps))), ("部门", "、".join(deps)))))
    return sorted(items, key=lambda i: (-i.amount, i.key))[:keep]


# ------------------------------------------------------------------ year on year


YEAR_ITEMS = {"expenditure_total": "支出总计", "basic_expenditure": "基本支出", "project_expenditure": "项目支出",
              "three_public": "“三公”经费", "operating_costs": "机关运行经费"}
"""Headline figures compared across years (budget item → the name the tables print)."""


@dataclass(frozen=True)
class YearOnYear:
    """Headline figures of one department (or a county's departments summed) for every year the store holds."""

    rows: tuple[tuple[str, tuple[Item, ...]], ...]
    """(figure name, one item per year, oldest first); an item's ``extra`` holds the change from the year before."""
    years: tuple[int, ...]
    scope: Scope
    missing: tuple[str, ...] = ()
    """Years in which a compared document does not print a figure (said under the picture, never drawn as 0)."""


def change(now: float, before: Optional[float]) -> str:
    """较上年: +12.3% / -4.0% / 持平, or 上年未列 when the year before printed nothing to compare."""
    if before is None:
        return "上年未列"
    if not before:
        return "上年为 0" if now else "持平"
    pct = (now - before) / before * 100
    return "持平" if abs(pct) < 0.05 else f"{pct:+.1f}%"


def year_on_year(docs: Sequence[BudgetDocument], *, department: Optional[str] = None,
                 county: Optional[str] = None) -> YearOnYear:
    """Each year's headline figures as printed (支出总计, 基本/项目支出, 三公, 机关运行经费), with the change from the
    year before; a county's departments are summed only over those that print the figure, which the notes say."""
    years = sorted({d.department.fiscal_year for d in docs if d.department.fiscal_year})
    chosen: list[tuple[int, list[BudgetDocument]]] = []
    for y in years:
        try:
            chosen.append((y, select_documents(docs, department=department, county=county, year=y)))
        except SelectionError:
            continue
    if not chosen:
        select_documents(docs, department=department, county=county)  # raises with the message that says what to try
    what = department or county
    if len(chosen) < 2:
        raise SelectionError(f"the store holds one year of {what} ({chosen[0][0]}); a year-on-year picture needs "
                             "two: `kg ingest` another year's disclosure of it")
    missing = []
    # a county is compared over the departments it holds in every year, or the sums would compare unlike sets
    every = set.intersection(*({d.department.name for d in ds} for _, ds in chosen))
    left_out = sorted({d.department.name for _, ds in chosen for d in ds} - every)
    if not every:
        raise SelectionError(f"no department of {what} has a disclosure in every year ({'、'.join(map(str, years))}); "
                             "choose one with --department, or --year for one year's pictures")
    if left_out:
        missing.append(f"未计入（并非每年都有公开文件）：{'、'.join(left_out)}")
        chosen = [(y, [d for d in ds if d.department.name in every]) for y, ds in chosen]
    rows = []
    read_years = [(y, read(ds)) for y, ds in chosen]  # each year's facts once, not once per figure compared
    for item, name in YEAR_ITEMS.items():
        items, before = [], None
        for n, (y, facts_of_year) in enumerate(read_years):
            printed = [f for f in facts_of_year if item in f.totals]
            if len(printed) < len(facts_of_year):
                missing.append(f"{y}年 {name}：{len(facts_of_year) - len(printed)} 份文件未列")
            if not printed:
                before = None
                continue
            amount = round(sum(f.figure(item) for f in printed), 2)
            key = f"department:{printed[0].department}" if len({f.department for f in printed}) == 1 else f"year:{y}"
            items.append(Item(key, f"{name} {y}年", amount, tuple(f.totals[item][1] for f in printed), len(printed),
                              name, (("年度", str(y)), ("较上年", change(amount, before) if n else "首个年度"))))
            before = amount
        if items:
            rows.append((name, tuple(items)))
    scope = scope_of([d for _, ds in chosen for d in ds])
    if county:
        scope = replace(scope, where=f"{county}（{len(every)}个部门）", county=True)
    return YearOnYear(tuple(rows), tuple(y for y, _ in chosen), scope, tuple(missing))
