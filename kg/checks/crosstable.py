"""One table against another (表间勾稽): projects against 项目支出, 机关运行经费 against 公用经费,
the 三公 table against the economic codes, the whole-department performance table against the budget tables."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Iterator, Optional

from kg.model import BudgetDocument, LabelledFigure, PrintedTable

from .balance import table_of, total
from .finding import Evidence, Finding, Rule, evidence, fmt, grade, slack


def current_projects(doc: BudgetDocument) -> list:
    return [p for p in doc.projects if not p.carryover and p.amount_wan is not None]


def project_candidates(doc: BudgetDocument) -> list[Evidence]:
    """The figures a document may mean by 项目支出: all projects (with carry-over) or this year's only."""
    out = []
    if doc.totals.project_expenditure is not None:
        out.append(total(doc, "project_expenditure", "预算支出总表 项目支出"))
    current = current_projects(doc)
    if current and len(current) < len([p for p in doc.projects if p.amount_wan is not None]):
        out.append(evidence("本年预算项目金额之和", sum(p.amount_wan for p in current), "万元",
                            table_of(doc, current[0].source.line), doc.source))
    return out


def lists_every_project(doc: BudgetDocument) -> bool:
    """Whether the layout reads a table of all projects (not a few described ones, as 项目经费情况说明 are)."""
    from kg.ingest.layouts import LAYOUTS

    return getattr(LAYOUTS.get(doc.layout), "LISTS_EVERY_PROJECT", True)


def projects_total(doc: BudgetDocument) -> Iterator[Finding]:
    amounts = [p.amount_wan for p in doc.projects if p.amount_wan is not None]
    if not amounts or doc.totals.project_expenditure is None or not lists_every_project(doc):
        return
    whole = total(doc, "project_expenditure", "项目支出")
    found = evidence(f"{len(amounts)} 个项目金额之和", sum(amounts), "万元", table_of(doc, doc.projects[0].source.line),
                     doc.source)
    level = grade(whole.value, found.value, amounts)
    if level:
        yield Finding("GJ-001", level, f"各项目金额之和 ≠ 项目支出：{fmt(whole.value)} ≠ {fmt(found.value)}",
                      "the projects do not add up to project spending", doc.source, whole, found, "项目支出")


def operating_costs(doc: BudgetDocument) -> Iterator[Finding]:
    """机关运行经费 (administrative and 参公 units' running costs from 财政拨款) is part of 公用经费: never more.
    It may be less (a department's 事业单位 also have running costs), so only an excess is a finding."""
    t = doc.totals
    if t.operating_costs is None or t.public_use is None:
        return
    whole = total(doc, "public_use", "基本支出 公用经费")
    found = total(doc, "operating_costs", "机关运行经费")
    if found.value <= whole.value:
        return
    level = grade(whole.value, found.value, severity="warning")
    if level:
        yield Finding("GJ-002", level, f"机关运行经费 {fmt(found.value)} 万元 超过公用经费 {fmt(whole.value)} 万元",
                      "the office running costs (机关运行经费) exceed the running costs of basic spending",
                      doc.source, whole, found, "机关运行经费")


THREE_PUBLIC_CODES = (
    ("30217", "公务接待费", "official_reception"),
    ("30231", "公务用车运行维护费", "vehicle"),
    ("31013", "公务用车购置", "vehicle"),
    ("30212", "因公出国（境）费用", "overseas_travel"),
)
"""Economic codes of basic spending that belong to the 三公 table, and the 三公 column they fall in."""


def three_public_codes(doc: BudgetDocument) -> Iterator[Finding]:
    """The basic-spending rows of a 三公 kind cannot exceed what the 三公 table gives that kind."""
    for code, name, field in THREE_PUBLIC_CODES:
        rows = [r for r in doc.economic_spending if r.total and (r.code == code or (r.code is None and
                                                                                  r.name.startswith(name[:6])))]
        if not rows:
            continue
        row = rows[0]
        stated: Optional[Decimal] = getattr(doc.totals, field)
        label = {"official_reception": "公务接待费", "vehicle": "公务用车购置及运行费",
                 "overseas_travel": "因公出国（境）费"}[field]
        three = next((t for t in doc.tables if "三公" in t.title), None)
        if stated is None and three is None:
            continue
        expected = total(doc, field, f"“三公”经费表 {label}") if stated is not None else \
            evidence(f"“三公”经费表 {label}", Decimal(0), "万元", three.source)
        if expected.value is None:
            expected = Evidence(expected.what, Decimal(0), "万元", *_loc_of(three))
        if row.total > expected.value + slack(row.total, expected.value):
            found = evidence(f"基本支出经济分类 {code} {row.name}", row.total, "万元", row.source)
            yield Finding("GJ-003", "warning",
                          f"基本支出中{row.name} {fmt(row.total)} 万元，超过“三公”经费表的{label} {fmt(expected.value)} 万元",
                          f"basic spending on {code} exceeds the matching column of the 三公 table",
                          doc.source, expected, found, label)


def _loc_of(table: Optional[PrintedTable]) -> tuple:
    if table is None:
        return (None, None, None, None)
    return (table.source.file, table.source.line, getattr(table.source, "page", None), table.source.excerpt)


_WHOLE = re.compile(r"整体.*绩效|绩效.*整体")


def whole_performance_table(doc: BudgetDocument) -> Optional[PrintedTable]:
    return next((t for t in doc.tables if _WHOLE.search(t.title)), None)


def _label(table: PrintedTable, *names: str) -> Optional[LabelledFigure]:
    return next((f for f in table.figures_by_label if f.label in names), None)


def whole_performance_totals(doc: BudgetDocument) -> Iterator[Finding]:
    """整体支出绩效目标表 年度预算情况 (合计 / 基本支出 / 项目支出) against the budget tables."""
    table = whole_performance_table(doc)
    if table is None:
        return
    t = doc.totals
    wanted = [("合计", [total(doc, "current_year_income", "本年收入合计"), total(doc, "income_total", "收入总计")]),
              ("基本支出", [total(doc, "basic_expenditure", "基本支出")]),
              ("项目支出", project_candidates(doc))]
    for label, candidates in wanted:
        fig = _label(table, label, "合 计")
        candidates = [c for c in candidates if c.value is not None]
        if fig is None or not candidates:
            continue
        found = evidence(f"整体支出绩效目标表 {label}", fig.value, "万元", fig.source)
        yield from _against_candidates("GJ-004", doc, candidates, found, "整体支出绩效目标表",
                                       f"整体支出绩效目标表{label}与预算表不符",
                                       f"the whole-department performance table gives a different {label}")


def _against_candidates(rule: str, doc: BudgetDocument, candidates: list[Evidence], found: Evidence, subject: str,
                        message: str, gloss: str, severity: str = "error", comparator: Optional[str] = None,
                        scale: Decimal = Decimal(1)) -> Iterator[Finding]:
    """A finding unless ``found`` agrees (up to rounding, or within its bound) with one of the candidates."""
    grades = []
    for c in candidates:
        value = found.value * scale
        if comparator in ("≤", "<") and c.value <= value + slack(value, c.value):
            return
        if comparator in ("≥", ">") and c.value + slack(value, c.value) >= value:
            return
        level = grade(c.value, value, severity=severity if comparator in (None, "=") else "warning")
        if level is None:
            return
        grades.append((abs(c.value - value), level, c))
    _, level, nearest = min(grades, key=lambda g: g[0])
    yield Finding(rule, level, f"{message}：{fmt(nearest.value)} ≠ {(comparator or '')}{fmt(found.value)}", gloss,
                  doc.source, nearest, found, subject)


_MONEY_UNIT = {"万元": Decimal(1), "万": Decimal(1), "元": Decimal("0.0001")}


def whole_performance_costs(doc: BudgetDocument) -> Iterator[Finding]:
    """Cost indicators of the whole-department table named 基本支出 / 项目支出 / 三公经费 against the tables."""
    for ind in doc.department_indicators:
        v = ind.parsed
        if v.number is None or v.unit not in _MONEY_UNIT:
            continue
        name = ind.name
        if re.search(r"项目支出", name):
            candidates = project_candidates(doc)
        elif re.search(r"基本支出", name):
            candidates = [total(doc, "basic_expenditure", "基本支出")]
        elif re.search(r"三公", name):
            candidates = [total(doc, "three_public", "“三公”经费合计")]
        elif re.search(r"公用经费|机关运行", name):
            candidates = [total(doc, "public_use", "公用经费")]
        else:
            continue
        candidates = [c for c in candidates if c.value is not None]
        if not candidates:
            continue
        found = evidence(f"整体绩效成本指标 {name}", v.number, v.unit if v.unit != "万" else "万元", ind.source)
        yield from _against_candidates("GJ-005", doc, candidates, found, "整体支出绩效目标表",
                                       f"整体绩效成本指标“{name}”与预算表不符",
                                       f"the whole-department cost indicator {name} contradicts the tables",
                                       comparator=v.comparator, scale=_MONEY_UNIT[v.unit])


RULES = [
    Rule("GJ-001", "error", "项目合计与项目支出",
         "The projects listed in the project tables add up to 项目支出 of the spending summary.", projects_total,
         anchor="R010"),
    Rule("GJ-002", "warning", "机关运行经费与公用经费",
         "The 机关运行经费 do not exceed the running costs (公用经费) of basic spending they are part of.",
         operating_costs,
         anchor="B-011/R009"),
    Rule("GJ-003", "warning", "三公表与经济分类",
         "Basic spending under 30217 公务接待费, 30231 公务用车运行维护费, 31013 公务用车购置, 30212 因公出国 "
         "does not exceed the matching column of the 三公 table.", three_public_codes),
    Rule("GJ-004", "error", "整体绩效表与预算表",
         "The 年度预算情况 block of the whole-department performance table (合计, 基本支出, 项目支出) matches the "
         "budget tables.", whole_performance_totals),
    Rule("GJ-005", "error", "整体绩效成本指标与预算表",
         "Cost indicators of the whole-department table that name 项目支出, 基本支出 or 三公经费 agree with (or bound) "
         "the tables.", whole_performance_costs),
]
