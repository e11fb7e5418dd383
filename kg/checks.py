"""Does a document add up? Its totals against its rows, its projects against their target tables.

Each check compares two figures the document prints itself; a difference above rounding (0.01 万元,
or 100 元 for funding blocks given in 元) is a finding with the lines to look at.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Iterator, Optional

from kg.model import BudgetDocument

TOLERANCE_WAN = Decimal("0.01")


@dataclass(frozen=True)
class Finding:
    check: str
    """Stable identifier, e.g. ``expenditure-split``."""
    message: str
    expected: Decimal
    found: Decimal
    file: str
    lines: tuple[int, ...]
    pages: tuple[int, ...] = ()
    """PDF pages of those lines (empty for text files)."""

    @property
    def where(self) -> str:
        """``file:12,14`` for text, ``file p.9,12`` for a PDF."""
        if self.pages:
            return f"{self.file} p.{','.join(map(str, self.pages))}"
        return f"{self.file}:{','.join(map(str, self.lines))}"

    def as_dict(self) -> dict:
        return {"check": self.check, "message": self.message, "expected": float(self.expected),
                "found": float(self.found), "difference": float(self.found - self.expected),
                "source": {"file": self.file, "lines": list(self.lines)}
                | ({"pages": list(self.pages)} if self.pages else {})}


def _differs(a: Optional[Decimal], b: Optional[Decimal], tolerance: Decimal = TOLERANCE_WAN) -> bool:
    return a is not None and b is not None and abs(a - b) > tolerance


def check(doc: BudgetDocument) -> list[Finding]:
    findings = list(_findings(doc))
    pages = _pages_of_lines(doc) if findings else {}
    if not pages:
        return findings
    return [replace(f, pages=tuple(sorted({pages[n] for n in f.lines if n in pages}))) for f in findings]


def _pages_of_lines(doc: BudgetDocument) -> dict[int, int]:
    """Line → PDF page, from every fact that carries both."""
    out = {doc.totals.lines[k]: p for k, p in doc.totals.pages.items() if k in doc.totals.lines}
    for r in (*doc.functional_spending, *doc.economic_spending, *doc.projects):
        if r.source.page:
            out[r.source.line] = r.source.page
    return out


def dep_kind(doc: BudgetDocument) -> Optional[str]:
    return doc.department.doc_kind


def _lists_every_project(doc: BudgetDocument) -> bool:
    """Whether the layout reads a table of all projects (not a few described ones, as 项目经费情况说明 are)."""
    from kg.ingest.layouts import LAYOUTS

    return getattr(LAYOUTS.get(doc.layout), "LISTS_EVERY_PROJECT", True)


def _findings(doc: BudgetDocument) -> Iterator[Finding]:
    t, f = doc.totals, doc.source

    def line(*fields: str) -> tuple[int, ...]:
        return tuple(sorted({t.lines[k] for k in fields if k in t.lines}))

    if t.basic_expenditure is not None and t.project_expenditure is not None and \
            _differs(t.expenditure_total, t.basic_expenditure + t.project_expenditure):
        yield Finding("expenditure-split", "基本支出 + 项目支出 ≠ 支出总计", t.expenditure_total,
                      t.basic_expenditure + t.project_expenditure, f,
                      line("expenditure_total", "basic_expenditure"))
    if t.current_year_income is not None and t.carryover_income is not None and \
            _differs(t.income_total, t.current_year_income + t.carryover_income):
        yield Finding("income-split", "本年收入 + 上年结转 ≠ 收入总计", t.income_total,
                      t.current_year_income + t.carryover_income, f, line("income_total", "current_year_income"))
    if _differs(t.income_total, t.expenditure_total) and dep_kind(doc) != "部门决算":
        # a 决算's expenditure_total is 本年支出合计: 年末结转和结余 stand between it and 收入总计
        yield Finding("balance", "收入总计 ≠ 支出总计", t.income_total, t.expenditure_total, f,
                      line("income_total", "expenditure_total"))
    classes = [r for r in doc.functional_spending if len(r.code) == 3 and r.total is not None]
    if classes and _differs(t.expenditure_total, sum(r.total for r in classes)):
        yield Finding("functional-classes", "支出功能分类各类之和 ≠ 支出总计", t.expenditure_total,
                      sum(r.total for r in classes), f, tuple(r.source.line for r in classes))
    for r in doc.functional_spending:
        children = [c for c in doc.functional_spending if c.parent_code == r.code and c.total is not None]
        if children and r.total is not None and _differs(r.total, sum(c.total for c in children)):
            yield Finding("functional-children", f"{r.code} {r.name}: 下级科目之和 ≠ 本级", r.total,
                          sum(c.total for c in children), f, (r.source.line, *(c.source.line for c in children)))
        if r.total is not None and r.basic is not None and r.project is not None and \
                _differs(r.total, r.basic + r.project):
            yield Finding("functional-row", f"{r.code} {r.name}: 基本支出 + 项目支出 ≠ 合计", r.total,
                          r.basic + r.project, f, (r.source.line,))
    parts = [t.overseas_travel, t.official_reception, t.vehicle]
    if t.three_public is not None and all(p is not None for p in parts) and _differs(t.three_public, sum(parts)):
        yield Finding("three-public", "“三公”经费各项之和 ≠ 合计", t.three_public, sum(parts), f, line("three_public"))
    amounts = [p.amount_wan for p in doc.projects if p.amount_wan is not None]
    if amounts and t.project_expenditure is not None and _lists_every_project(doc) \
            and _differs(t.project_expenditure, sum(amounts)):
        yield Finding("projects-total", "各项目金额之和 ≠ 项目支出", t.project_expenditure, sum(amounts), f,
                      line("project_expenditure"))
    for p in doc.projects:
        if p.funding is None or p.funding.total is None or p.amount_wan is None:
            continue
        in_wan = p.funding.total / Decimal(10000)
        if _differs(p.amount_wan, in_wan, Decimal("0.005")):
            lines = (p.source.line,) + ((p.funding.source.line,) if p.funding.source else ())
            yield Finding("project-funding", f"{p.name}: 项目表金额 ≠ 绩效目标表资金总额", p.amount_wan, in_wan, f, lines)
        split = [getattr(p.funding, k) for k in ("central", "provincial", "local", "self_raised", "other")]
        known = [v for v in split if v is not None]
        if len(known) == len(split) and _differs(p.funding.total, sum(known), Decimal(100)):
            yield Finding("funding-sources", f"{p.name}: 各资金来源之和 ≠ 资金总额", p.funding.total, sum(known), f,
                          (p.funding.source.line,) if p.funding.source else ())
