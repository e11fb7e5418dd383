"""Readers for the summary tables that every budget layout prints in some form.

收支总表, 支出总表, 基本支出表, “三公”经费表, 机关运行经费 and 政府采购 carry the
same meaning across provinces; only titles, column order and converters differ.
These readers find them by title words and row labels, never by position in the file.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Optional, Sequence

from kg.model import EconomicSpending, FunctionalSpending, Provenance, Totals

from .tables import CODE, Row, Sheet, compact, find_sheets, parse_amount, values_after

ZERO = Decimal("0")

BUDGET_SOURCES = {
    "general_budget": r"一般公共预算",
    "government_fund": r"政府性基金",
    "state_capital": r"国有资本经营",
    "special_account": r"财政专户",
    "unit_funds": r"单位资金",
}
"""Budget sources (资金性质) by glossary identifier and the words that name them in headers and rows."""


def blank_as_zero(total: Optional[Decimal], part: Optional[Decimal], *others: Optional[Decimal]) -> Optional[Decimal]:
    """A blank part is 0 when the row's total shows it: total minus the other parts leaves nothing."""
    if part is not None or total is None:
        return part
    known = sum((o for o in others if o is not None), ZERO)
    return ZERO if total - known == ZERO else None


def _first(sheets: Sequence[Sheet], *patterns: str, exclude: str = r"$^") -> Optional[Sheet]:
    found = find_sheets(sheets, *patterns, exclude=exclude)
    return found[0] if found else None


def _row_with(sheet: Optional[Sheet], label: str, numeric: bool = False) -> Optional[Row]:
    """The first row with a cell matching ``label`` (and, if ``numeric``, some figure: not the header)."""
    if sheet is None:
        return None
    rx = re.compile(label)
    for row in sheet.rows:
        if any(rx.search(compact(c)) for c in row.cells if c):
            if not numeric or any(parse_amount(c) is not None for c in row.cells):
                return row
    return None


def _after(sheet: Optional[Sheet], label: str) -> tuple[Optional[Decimal], Optional[int]]:
    row = _row_with(sheet, label)
    if row is None:
        return None, None
    for i, cell in enumerate(row.cells):
        if cell and re.search(label, compact(cell)):
            nxt = row.cells[i + 1] if i + 1 < len(row.cells) else ""
            return parse_amount(nxt), row.line
    return None, row.line


def _after_number(sheet: Optional[Sheet], label: str) -> tuple[Optional[Decimal], Optional[int]]:
    """Like ``_after``, skipping rows where the label is a column header (no number after it)."""
    for row in sheet.rows if sheet is not None else ():
        for i, cell in enumerate(row.cells):
            if cell and re.search(label, compact(cell)):
                value = parse_amount(row.cells[i + 1]) if i + 1 < len(row.cells) else None
                if value is not None:
                    return value, row.line
                break
    return None, None


def read_totals(sheets: Sequence[Sheet], prose: str) -> Totals:
    """Headline totals in 万元 with the line each came from."""
    values: dict[str, Optional[Decimal]] = {}
    lines: dict[str, int] = {}

    def put(field: str, value: Optional[Decimal], line: Optional[int]) -> None:
        values[field] = value
        if line is not None and value is not None:
            lines[field] = line

    overview = _first(sheets, r"收支总表", exclude=r"财政拨款")
    put("income_total", *_after(overview, r"^收入总计$"))
    put("expenditure_total", *_after(overview, r"^支出总计$"))
    put("current_year_income", *_after(overview, r"^本年收入合计$"))
    carry, carry_line = _after(overview, r"^上年结转(?:结余)?$")
    if carry is None and values.get("income_total") is not None and values.get("current_year_income") is not None:
        carry = values["income_total"] - values["current_year_income"]
    put("carryover_income", carry, carry_line)

    spending = _first(sheets, r"支出总表", exclude=r"收支|财政拨款")
    total_row = _row_with(spending, r"^合计$", numeric=True)
    if total_row is not None:
        total, basic, project = values_after(total_row, r"^合计$", 3)
        put("basic_expenditure", blank_as_zero(total, basic, project), total_row.line)
        put("project_expenditure", blank_as_zero(total, project, basic), total_row.line)

    economic = _first(sheets, r"基本支出", exclude=r"政府性基金|国有资本")
    econ_total = _row_with(economic, r"^合计$", numeric=True)
    if econ_total is not None:
        total, personnel, public = values_after(econ_total, r"^合计$", 3)
        put("personnel", blank_as_zero(total, personnel, public), econ_total.line)
        put("public_use", blank_as_zero(total, public, personnel), econ_total.line)

    values["income_by_source"] = _income_by_source(overview, values.get("current_year_income"), lines)
    _three_public(_first(sheets, r"三公"), put)
    _operating_costs(_first(sheets, r"机关运行经费.*表"), prose, put)
    _procurement(_first(sheets, r"政府采购"), prose, put)
    return Totals(**values, lines=lines)


def _income_by_source(sheet: Optional[Sheet], current: Optional[Decimal], lines: dict[str, int]) -> dict[str, Decimal]:
    """一、一般公共预算 1422.60 / 二、政府性基金预算 … in the income column of the 收支总表."""
    found: dict[str, Optional[Decimal]] = {}
    if sheet is None:
        return {}
    for key, words in BUDGET_SOURCES.items():
        value, line = _after(sheet, rf"^[一二三四五六七八九十]+、{words}")
        if line is not None:
            found[key] = value
            lines[f"income_by_source.{key}"] = line
    known = sum((v for v in found.values() if v is not None), ZERO)
    if current is not None and known == current:
        return {k: (v if v is not None else ZERO) for k, v in found.items()}  # the total shows the blanks are 0
    return {k: v for k, v in found.items() if v is not None}


def _three_public(sheet: Optional[Sheet], put) -> None:
    """“三公”经费: once the table is printed, a blank part is 0 (the explanations say so in words)."""
    if sheet is None:
        return
    overseas, l1 = _after(sheet, r"因公出国")
    reception, l2 = _after(sheet, r"公务接待")
    vehicle, l3 = _after(sheet, r"公务用车购置及运[行维]")
    buy, _ = _after(sheet, r"公务用车购置费")
    run, l4 = _after(sheet, r"公务用车运行维护费")
    if vehicle is None and (buy is not None or run is not None):
        vehicle, l3 = (buy or ZERO) + (run or ZERO), l4
    total, l0 = _after_number(sheet, r"^(?:合\s*计|“三公”经费小计|三公经费小计)$")
    overseas, reception, vehicle = (v if v is not None else ZERO for v in (overseas, reception, vehicle))
    if total is None:
        total = overseas + reception + vehicle
    line = l0 or sheet.line
    put("three_public", total, line)
    put("overseas_travel", overseas, l1 or line)
    put("official_reception", reception, l2 or line)
    put("vehicle", vehicle, l3 or line)


_OPERATING = re.compile(r"机关运行经费[^。；]{0,40}?(?:预算|共计安排|安排)\s*(\d[\d,]*(?:\.\d+)?)\s*万元")
_PROCUREMENT = re.compile(r"政府采购预算总额\s*(\d[\d,]*(?:\.\d+)?)\s*万元")


def _prose_amount(rx: re.Pattern, prose: str) -> tuple[Optional[Decimal], Optional[int]]:
    m = rx.search(prose)
    if not m:
        return None, None
    return parse_amount(m.group(1)), prose.count("\n", 0, m.start()) + 1


def _operating_costs(sheet: Optional[Sheet], prose: str, put) -> None:
    if sheet is not None:
        value, line = _after(sheet, r"^(?:部门合计|合计)$")
        if value is not None:
            put("operating_costs", value, line)
            return
    put("operating_costs", *_prose_amount(_OPERATING, prose))


def _procurement(sheet: Optional[Sheet], prose: str, put) -> None:
    value, line = _prose_amount(_PROCUREMENT, prose)
    if value is None and sheet is not None:
        row = _row_with(sheet, r"^合计$", numeric=True)
        if row is not None:
            nums = [parse_amount(c) for c in row.cells if parse_amount(c) is not None]
            value, line = (nums[0], row.line) if nums else (None, None)
        elif any("无政府采购" in c for r in sheet.rows for c in r.cells):
            value, line = ZERO, sheet.line
    put("procurement_total", value, line)


def read_functional(sheets: Sequence[Sheet], file: str) -> list[FunctionalSpending]:
    """Rows of the expenditure summary by functional code (类/款/项), all levels."""
    sheet = _first(sheets, r"支出总表", exclude=r"收支|财政拨款")
    if sheet is None:
        return []
    out: list[FunctionalSpending] = []
    seen: set[str] = set()
    for row in sheet.rows:
        idx = next((i for i, c in enumerate(row.cells) if CODE.match(c.strip())), None)
        if idx is None or idx + 1 >= len(row.cells):
            continue
        code, name = row.cells[idx].strip(), compact(row.cells[idx + 1])
        if code in seen or not name:
            continue
        seen.add(code)
        figures = [parse_amount(c) for c in row.cells[idx + 2: idx + 5]] + [None, None, None]
        total, basic, project = figures[:3]
        out.append(FunctionalSpending(code=code, name=name, total=total,
                                      basic=blank_as_zero(total, basic, project),
                                      project=blank_as_zero(total, project, basic),
                                      source=Provenance(file=file, line=row.line)))
    return out


def read_economic(sheets: Sequence[Sheet], file: str) -> list[EconomicSpending]:
    """Basic expenditure by economic classification; with codes (Hebei) or with government classes (Shanxi)."""
    sheet = _first(sheets, r"基本支出", exclude=r"政府性基金|国有资本")
    if sheet is None:
        return []
    out: list[EconomicSpending] = []
    started = False
    for row in sheet.rows:
        cells = [c.strip() for c in row.cells]
        if any(compact(c) == "合计" for c in cells) and any(parse_amount(c) is not None for c in cells):
            started = True
            continue
        if not started:
            continue
        idx = next((i for i, c in enumerate(cells) if CODE.match(c)), None)
        if idx is not None:
            code, name, gov, figures = cells[idx], compact(cells[idx + 1]) if idx + 1 < len(cells) else "", None, cells[idx + 2: idx + 5]
        else:
            texts = [i for i, c in enumerate(cells) if c and parse_amount(c) is None]
            if not texts or texts[0] > 1:
                continue
            first = texts[0]
            code, name = None, compact(cells[first])
            gov = compact(cells[first + 1]) if first + 1 < len(cells) and parse_amount(cells[first + 1]) is None else None
            figures = cells[first + 2: first + 5]
        if not name:
            continue
        total, personnel, public = ([parse_amount(c) for c in figures] + [None] * 3)[:3]
        if total is None:
            continue
        out.append(EconomicSpending(name=name, code=code, government_class=gov or None, total=total,
                                    personnel=blank_as_zero(total, personnel, public),
                                    public_use=blank_as_zero(total, public, personnel),
                                    source=Provenance(file=file, line=row.line)))
    return out
