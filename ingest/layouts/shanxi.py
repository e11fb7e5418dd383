"""Shanxi county layout: 预算公开表1-13, 项目支出绩效目标表, 整体支出绩效目标申报表.

Seen in 2026 county disclosures (部门预算 and 单位预算). The project expenditure
tables (本年预算 / 上年结转) list every project; each project of the current
year has a two-sided target table (实施期目标 | 年度目标) with its funding in 元,
its 立项依据 and its indicators.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from typing import Optional, Sequence

from kg.model import BudgetDocument, Department, Funding, Problem, Provenance

from .. import legal
from ..common import department_code, find_county, find_province, header_row, text_sections
from ..indicators import read_two_sided
from ..projects import TargetTable, build_projects, clean_name, project_from, read_project_rows
from ..summary import blank_as_zero, read_economic, read_functional, read_totals
from ..tables import Row, Sheet, compact, find_sheets, parse_amount, sheets as cut_sheets

NAME = "shanxi"
DESCRIPTION = "预算公开表1-13 + 项目支出绩效目标表 (two-sided) + 整体支出绩效目标申报表; Shanxi counties"

_TITLE = re.compile(r"(\d{4})\s*年度?\s*(部门|单位)预算公开")


def detect(doc) -> float:
    """Confidence that the text is of this layout, from words its tables always print."""
    text = doc.text
    score = 0.0
    if _TITLE.search(text[:3000]):
        score += 0.4
    if "项目支出绩效目标表" in text:
        score += 0.3
    if re.search(r"项目支出预算表[（(]本年预算[)）]", text):
        score += 0.2
    if "预算公开表" in text or "部门名称：" in text or "单位名称：" in text:
        score += 0.1
    return score


def parse(doc) -> BudgetDocument:
    text, source, rows = doc.text, doc.source, doc.rows
    all_sheets = cut_sheets(rows)
    problems: list[Problem] = []
    department = _department(rows, all_sheets, text, source)

    subunits = set(department.subunits) | {department.name}
    current = _project_rows(all_sheets, r"本年预算", False, subunits)
    carried = _project_rows(all_sheets, r"上年结转", True, subunits)
    targets = [_target_table(s, source) for s in find_sheets(all_sheets, r"项目支出绩效目标表")]
    targets = [t for t in targets if t is not None]
    projects, unmatched = build_projects(current + carried, targets, source)
    for t in unmatched:
        problems.append(Problem(code="unmatched-target-table", file=source, line=t.line,
                                message=f"target table «{t.name}» matches no row of the project tables; kept as its own project",
                                excerpt=t.name))
        projects.append(project_from(t.name, t.funding_wan, False, Provenance(file=source, line=t.line), t))
    for p in projects:
        if not p.carryover and p.target_source is None and targets:
            problems.append(Problem(code="no-target-table", file=source, line=p.source.line,
                                    message=f"project «{p.name}» has no target table (no indicators, funding or legal basis)",
                                    excerpt=p.name))

    return BudgetDocument(
        source=source, sha256="", layout=NAME, department=department,
        totals=read_totals(all_sheets, text),
        functional_spending=tuple(read_functional(all_sheets, source)),
        economic_spending=tuple(read_economic(all_sheets, source)),
        projects=tuple(projects),
        department_indicators=tuple(_department_indicators(all_sheets, source)),
        sections=tuple(text_sections(all_sheets, source)),
        problems=tuple(problems),
    )


def _department(rows: Sequence[Row], all_sheets: Sequence[Sheet], text: str, source: str) -> Department:
    names: Counter[str] = Counter()
    first_line: dict[str, int] = {}
    for row in rows:
        for cell in row.cells:
            m = re.match(r"^(?:部门|单位)名称[:：]\s*(.+?)(?:\s+单位[:：].*)?$", cell.strip())
            if m and compact(m.group(1)):
                name = compact(m.group(1))
                name = re.sub(r"^\d{3,6}[-－—]", "", name)
                names[name] += 1
                first_line.setdefault(name, row.line)
    year = kind = None
    title_line = 1
    for row in rows[:40]:
        m = _TITLE.search(compact(row.single or ""))
        if m:
            year, kind, title_line = int(m.group(1)), m.group(2) + "预算", row.line
            break
    if names:
        name = names.most_common(1)[0][0]
        line = first_line[name]
    else:
        before = [r for r in rows[:40] if r.line < title_line and r.single]
        name, line = (compact(before[-1].single), before[-1].line) if before else ("", 1)
    return Department(
        name=name, code=department_code(text, name), province=find_province(text), county=find_county(text, name),
        fiscal_year=year, doc_kind=kind, subunits=tuple(_subunits(all_sheets, name)),
        source=Provenance(file=source, line=line),
    )


def _subunits(all_sheets: Sequence[Sheet], name: str) -> list[str]:
    """Units listed in the 机关运行经费 table, other than the department itself."""
    out: list[str] = []
    for sheet in find_sheets(all_sheets, r"机关运行经费"):
        for row in sheet.rows:
            first = compact(row.texts[0]) if row.texts else ""
            if len(row.texts) >= 2 and parse_amount(row.texts[1]) is not None and first not in ("部门合计", "合计"):
                if first != name and first not in out and parse_amount(first) is None:
                    out.append(first)
    return out


def _project_rows(all_sheets, which: str, carryover: bool, skip: set[str]):
    rows = []
    for sheet in find_sheets(all_sheets, r"项目支出预算表", which):
        rows += read_project_rows(sheet.rows, carryover, skip)
    return rows


_FUNDING_LABELS = {
    "total": r"资金总额",
    "central": r"中央财政资金",
    "provincial": r"省级财政资金",
    "local": r"市.{0,4}[县区].{0,4}财政资金|市县|县级财政资金",
    "self_raised": r"单位自筹|自筹资金",
    "other": r"^其他资金",
}


def _target_table(sheet: Sheet, source: str) -> Optional[TargetTable]:
    rows = list(sheet.rows)
    name = None
    t = TargetTable(name="", line=sheet.line, file=source)
    funding: dict[str, Optional[Decimal]] = {}
    funding_line = None
    for i, row in enumerate(rows):
        label = compact(row.texts[0]) if row.texts else ""
        if name is None and label.startswith("项目") and label not in ("项目属性", "项目期限", "项目概况", "项目实施计划") \
                and not label.startswith(("项目资金", "项目设立", "项目期")) and len(row.texts) >= 2:
            name = clean_name(row.texts[1])
            t.line = row.line
            continue
        if label.startswith("主管部门"):
            m = re.match(r"(\d{3,6})", compact(row.texts[1]) if len(row.texts) > 1 else "")
            t.department_code = m.group(1) if m else None
            unit = row.after(r"实施单位")
            t.implementing_unit = compact(unit) if unit else _next_text(row, r"实施单位")
        for cell in row.texts:
            if re.search(r"(?:一次性|经常性|阶段性|长期性|延续性)项目", cell) and t.category is None:
                t.category = compact(cell)
        for key, pattern in _FUNDING_LABELS.items():
            if key in funding:
                continue
            value = _amount_after(row, pattern)
            if value is not _MISSING:
                funding[key] = value
                funding_line = funding_line or row.line
        if label == "项目概况":
            t.overview = _longest(row)
        elif label == "立项依据":
            t.basis_text = _longest(row)
            t.legal_bases = legal.extract(t.basis_text, source, row.line)
        elif label == "总体目标":
            t.goals = _longest(row)
        elif label.startswith("保证项目实施"):
            t.citations = legal.extract(_longest(row), source, row.line)
    if not name:
        return None
    t.name = name
    if funding:
        total = funding.get("total")
        parts = {k: funding.get(k) for k in ("central", "provincial", "local", "self_raised", "other")}
        for k, v in parts.items():
            others = [o for kk, o in parts.items() if kk != k]
            parts[k] = blank_as_zero(total, v, *others)
        t.funding = Funding(total=total, **parts, source=Provenance(file=source, line=funding_line or t.line))
        t.amount_wan = total / Decimal(10000) if total is not None else None
    header = header_row(rows, ("一级指标", "三级指标"))
    if header is not None:
        body = [r for r in rows if r.line > header.line]
        end = next((k for k, r in enumerate(body) if _is_footer_start(r)), len(body))
        t.indicators = read_two_sided(body[:end], header, source)
    return t


_MISSING = object()


def _amount_after(row: Row, pattern: str):
    """The amount right after the first cell matching ``pattern`` (left half of two-sided rows)."""
    rx = re.compile(pattern)
    for i, cell in enumerate(row.cells):
        if cell and len(cell) <= 20 and rx.search(compact(cell)):
            for nxt in row.cells[i + 1:]:
                if nxt.strip():
                    value = parse_amount(nxt)
                    return value if value is not None else None
                # blank cells between label and figure are OCR column shifts
            return None
    return _MISSING


def _next_text(row: Row, pattern: str) -> Optional[str]:
    idx = row.index_of(pattern)
    if idx is None:
        return None
    for cell in row.cells[idx + 1:]:
        if cell.strip():
            return compact(cell)
    return None


def _longest(row: Row) -> Optional[str]:
    texts = row.texts[1:]
    return max(texts, key=len).strip() if texts else None


def _is_footer_start(row: Row) -> bool:
    return any(compact(c).startswith(("负责人", "填报日期", "经办人")) for c in row.cells)


def _department_indicators(all_sheets: Sequence[Sheet], source: str):
    out = []
    for sheet in find_sheets(all_sheets, r"整体支出绩效目标"):
        rows = list(sheet.rows)
        header = header_row(rows, ("一级指标", "三级指标"))
        if header is None:
            continue
        out += read_two_sided([r for r in rows if r.line > header.line], header, source)
    return out
