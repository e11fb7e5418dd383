"""Sums inside the totals tables (表内勾稽): income against spending, totals against their rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator, Optional

from kg.model import BudgetDocument, Provenance

from .finding import Evidence, Finding, Rule, evidence, fmt, grade

SOURCE_NAMES = {"general_budget": "一般公共预算", "government_fund": "政府性基金", "state_capital": "国有资本经营",
                "special_account": "财政专户管理资金", "unit_funds": "单位资金"}


def total_line(doc: BudgetDocument, field: str) -> Optional[Provenance]:
    """Where a headline figure was read; its excerpt is filled when the store has one."""
    line = doc.totals.lines.get(field)
    if line is None:
        return None
    return Provenance(file=doc.source, line=line, page=doc.totals.pages.get(field),
                      excerpt=doc.totals.excerpts.get(field))


def table_of(doc: BudgetDocument, line: Optional[int]) -> Optional[Provenance]:
    """The title of the printed table holding ``line``: where a sum over its rows is shown."""
    if line is None:
        return None
    before = [t for t in doc.tables if t.source.line <= line]
    return before[-1].source if before else None


def total(doc: BudgetDocument, field: str, what: str) -> Evidence:
    return evidence(what, getattr(doc.totals, field), "万元", total_line(doc, field), doc.source)


def _sum_finding(rule: str, doc: BudgetDocument, whole: Evidence, parts: list[Decimal], found: Evidence,
                 message: str, gloss: str, severity: str = "error", subject: Optional[str] = None,
                 concerns: tuple = ()) -> Iterator[Finding]:
    level = grade(whole.value, found.value, parts, severity)
    if level:
        yield Finding(rule, level, f"{message}：{fmt(whole.value)} ≠ {fmt(found.value)}", gloss, doc.source,
                      whole, found, subject or message, concerns)


def income_equals_spending(doc: BudgetDocument) -> Iterator[Finding]:
    t = doc.totals
    if "决算" in (doc.department.doc_kind or ""):
        return  # a 决算's expenditure_total is 本年支出合计: 年末结转和结余 stand between it and 收入总计
    if t.income_total is not None and t.expenditure_total is not None:
        yield from _sum_finding("B-001", doc, total(doc, "income_total", "收入总计"), [],
                                total(doc, "expenditure_total", "支出总计"),
                                "收入总计 ≠ 支出总计", "total income differs from total spending")


def income_split(doc: BudgetDocument) -> Iterator[Finding]:
    t = doc.totals
    if None in (t.income_total, t.current_year_income, t.carryover_income):
        return
    parts = [t.current_year_income, t.carryover_income]
    found = Evidence("本年收入 + 上年结转", sum(parts), "万元", *_loc(total(doc, "current_year_income", "")))
    yield from _sum_finding("B-101", doc, total(doc, "income_total", "收入总计"), parts, found,
                            "本年收入 + 上年结转 ≠ 收入总计", "this year's income plus carry-over differs from total income")


def income_by_source(doc: BudgetDocument) -> Iterator[Finding]:
    t = doc.totals
    sources = [v for v in t.income_by_source.values() if v is not None]
    if t.current_year_income is None or not sources or "决算" in (doc.department.doc_kind or ""):
        return  # a 决算's income also has 事业收入 / 其他收入, which the record does not split
    found = Evidence("+".join(SOURCE_NAMES.get(k, k) for k in t.income_by_source), sum(sources), "万元",
                     doc.source)
    yield from _sum_finding("B-002", doc, total(doc, "current_year_income", "本年收入合计"), sources, found,
                            "本年收入各资金来源之和 ≠ 本年收入合计",
                            "this year's income by source (general budget, funds, state capital …) does not add up")


def spending_split(doc: BudgetDocument) -> Iterator[Finding]:
    t = doc.totals
    if None in (t.expenditure_total, t.basic_expenditure, t.project_expenditure):
        return
    parts = [t.basic_expenditure, t.project_expenditure]
    found = Evidence("基本支出 + 项目支出", sum(parts), "万元", *_loc(total(doc, "basic_expenditure", "")))
    yield from _sum_finding("B-007", doc, total(doc, "expenditure_total", "支出总计"), parts, found,
                            "基本支出 + 项目支出 ≠ 支出总计", "basic plus project spending differs from total spending")


def basic_split(doc: BudgetDocument) -> Iterator[Finding]:
    t = doc.totals
    if None not in (t.basic_expenditure, t.personnel, t.public_use):
        parts = [t.personnel, t.public_use]
        found = Evidence("人员经费 + 公用经费", sum(parts), "万元", *_loc(total(doc, "personnel", "")))
        yield from _sum_finding("B-003", doc, total(doc, "basic_expenditure", "基本支出"), parts, found,
                                "人员经费 + 公用经费 ≠ 基本支出", "personnel plus running costs differ from basic spending")
    for r in doc.economic_spending:
        if None in (r.total, r.personnel, r.public_use) or r.name in ("栏次", "序号"):
            continue
        parts = [r.personnel, r.public_use]
        whole = evidence(f"{r.name} 合计", r.total, "万元", r.source)
        found = evidence(f"{r.name} 人员经费 + 公用经费", sum(parts), "万元", r.source)
        yield from _sum_finding("B-003", doc, whole, parts, found, f"{r.name}：人员经费 + 公用经费 ≠ 合计",
                                f"{r.name}: personnel plus running costs differ from the row total")


def three_public_sum(doc: BudgetDocument) -> Iterator[Finding]:
    t = doc.totals
    parts = [t.overseas_travel, t.official_reception, t.vehicle]
    if t.three_public is None or any(p is None for p in parts):
        return
    found = Evidence("因公出国（境）费 + 公务接待费 + 公务用车购置及运行费", sum(parts), "万元",
                     *_loc(total(doc, "official_reception", "")))
    yield from _sum_finding("B-004", doc, total(doc, "three_public", "“三公”经费合计"), parts, found,
                            "“三公”经费各项之和 ≠ 合计", "the three official expenses do not add up to their total")


def functional_sums(doc: BudgetDocument) -> Iterator[Finding]:
    t = doc.totals
    classes = [r for r in doc.functional_spending if len(r.code) == 3 and r.total is not None]
    if classes and t.expenditure_total is not None:
        parts = [r.total for r in classes]
        found = evidence("各类（3位科目）之和", sum(parts), "万元", table_of(doc, classes[0].source.line), doc.source)
        yield from _sum_finding("B-007", doc, total(doc, "expenditure_total", "支出总计"), parts, found,
                                "支出功能分类各类之和 ≠ 支出总计",
                                "the functional classes do not add up to total spending")
    by_parent: dict[str, list] = {}
    for c in doc.functional_spending:
        if c.parent_code and c.total is not None:
            by_parent.setdefault(c.parent_code, []).append(c)
    for r in doc.functional_spending:
        children = by_parent.get(r.code, [])
        if children and r.total is not None:
            parts = [c.total for c in children]
            found = evidence(f"{r.code} 下级科目之和", sum(parts), "万元", children[0].source)
            yield from _sum_finding("B-007", doc, evidence(f"{r.code} {r.name}", r.total, "万元", r.source), parts,
                                    found, f"{r.code} {r.name}：下级科目之和 ≠ 本级",
                                    f"{r.code}: the sub-items do not add up to the item")
        if None not in (r.total, r.basic, r.project):
            parts = [r.basic, r.project]
            found = evidence(f"{r.code} 基本支出 + 项目支出", sum(parts), "万元", r.source)
            yield from _sum_finding("B-007", doc, evidence(f"{r.code} {r.name} 合计", r.total, "万元", r.source),
                                    parts, found, f"{r.code} {r.name}：基本支出 + 项目支出 ≠ 合计",
                                    f"{r.code}: basic plus project spending differ from the row total")


def _loc(e: Evidence) -> tuple:
    return (e.file, e.line, e.page, e.excerpt)


RULES = [
    Rule("B-001", "error", "收支平衡", "Total income (收入总计) equals total spending (支出总计).",
         income_equals_spending, anchor="B-001"),
    Rule("B-101", "error", "收入构成", "Total income equals this year's income plus the carry-over (上年结转).",
         income_split),
    Rule("B-002", "error", "收入来源分解",
         "This year's income equals the sum of its sources (一般公共预算, 政府性基金, 国有资本经营, 财政专户, 单位资金).",
         income_by_source, anchor="B-002"),
    Rule("B-003", "error", "基本支出人员/公用拆分",
         "Basic spending equals personnel plus running costs, in total and on every economic-classification row.",
         basic_split, anchor="B-003"),
    Rule("B-004", "error", "三公合计", "The “三公” total equals overseas travel plus reception plus vehicles.",
         three_public_sum, anchor="B-004"),
    Rule("B-007", "error", "支出总表行级汇总",
         "Total spending equals basic plus project spending and the sum of the functional classes; every class, "
         "款 and 项 row adds up.", lambda d: [*spending_split(d), *functional_sums(d)], anchor="B-007"),
]
