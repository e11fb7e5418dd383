"""Hebei county layout: 部门预算公开表 (9 tables) + 项目绩效目标表 with 项目编码.

Seen in 2024 township disclosures. There is no project expenditure table: each
project is one target table (项目编码, 项目名称, 预算数 in 万元) whose indicator
table has six clean columns, the last being 指标值确定依据, where policy documents
are cited to justify one indicator's target value. The form prints no 立项依据, so a
policy cited there is a citation of the project (mentions), not its legal basis;
only a number in the project's own name is.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Optional, Sequence

from kg.model import BudgetDocument, Department, Funding, LegalBasis, Provenance

from .. import legal
from ..common import find_county, find_province, header_row, text_sections
from ..indicators import read_columns
from ..projects import TargetTable, clean_name, project_from
from ..summary import blank_as_zero, read_economic, read_functional, read_totals
from ..tables import Row, Sheet, compact, find_sheets, parse_amount, sheets as cut_sheets

NAME = "hebei"
DESCRIPTION = "部门预算公开表 + 项目绩效目标表 with 项目编码 and 指标值确定依据; Hebei counties"

_DEPT = re.compile(r"^(\d{3,6})\s*([\u4e00-\u9fff][\u4e00-\u9fff0-9A-Za-z（）()·\-]{3,40})$")
"""A budget code then the department name: 909卢龙县刘家营乡人民政府, 990 峰峰西固义乡人民政府."""
ORG_NAME_END = re.compile(r"(?:政府|局|委员会|委|部|中心|办公室|办事处|办|院|所|站|会|处|室|队|校|馆|社|团|厅|署|台|公司)$")
"""How the names of budget units end (人民政府, 财政局, 街道办事处, 卫生院 …)."""

_CODE_YEAR = re.compile(r"^\d{6}(\d{2})[A-Z]")


def detect(doc) -> float:
    text = doc.text
    score = 0.0
    if "项目编码" in text:
        score += 0.3
    if "指标值确定依据" in text:
        score += 0.3
    if "预算年度" in text:
        score += 0.2
    if "部门预算信息公开" in text or "部门预算公开表" in text:
        score += 0.2
    return score


def parse(doc) -> BudgetDocument:
    text, source, rows = doc.text, doc.source, doc.rows
    all_sheets = cut_sheets(rows)
    department = _department(rows, text, source)
    year = department.fiscal_year
    projects = []
    for sheet in find_sheets(all_sheets, r"绩效目标表$"):
        t = _target_table(sheet, source)
        if t is None:
            continue
        carryover = _carried_over(t.project_code, year)
        projects.append(project_from(t.name, t.amount_wan, carryover, Provenance(file=source, line=t.line), t))
    return BudgetDocument(
        source=source, sha256="", layout=NAME, department=department,
        totals=read_totals(all_sheets, text),
        functional_spending=tuple(read_functional(all_sheets, source)),
        economic_spending=tuple(read_economic(all_sheets, source)),
        projects=tuple(projects),
        department_indicators=(),
        sections=tuple(text_sections(all_sheets, source)),
    )


def _carried_over(code: Optional[str], year: Optional[int]) -> bool:
    """项目编码 carries the year the project was set up (13032423P…: 2023); older than the budget year is 上年结转."""
    m = _CODE_YEAR.match(code or "")
    return bool(m and year and int(m.group(1)) < year % 100)


def _department(rows: Sequence[Row], text: str, source: str) -> Department:
    code = name = None
    line = 1
    for row in rows[:200]:
        for cell in row.cells:
            m = _DEPT.match(compact(cell).replace(" ", ""))
            if m and ORG_NAME_END.search(m.group(2)):
                code, name, line = m.group(1), m.group(2), row.line
                break
        if name:
            break
    year = None
    m = re.search(r"预算年度[:：]\s*(\d{4})", text)
    if m:
        year = int(m.group(1))
    else:
        m = re.search(r"(\d{4})\s*年\s*部门预算", text)
        year = int(m.group(1)) if m else None
    kind = "单位预算" if "单位预算信息公开" in text[:2000] else "部门预算"
    name = name or ""
    return Department(name=name, code=code, province=find_province(text), county=find_county(text, name),
                      fiscal_year=year, doc_kind=kind, subunits=tuple(_subunits(rows, name)),
                      source=Provenance(file=source, line=line))


def _subunits(rows: Sequence[Row], name: str) -> list[str]:
    """Units of the 部门机构设置情况 table."""
    header = header_row(rows, ("单位名称", "单位性质"))
    if header is None:
        return []
    out = []
    for row in rows:
        if row.line <= header.line:
            continue
        if len(row.texts) < 3:
            break
        unit = compact(row.texts[0])
        if unit and unit != name and unit not in out:
            out.append(unit)
    return out


def _target_table(sheet: Sheet, source: str) -> Optional[TargetTable]:
    rows = list(sheet.rows)
    t = TargetTable(name="", line=sheet.line, file=source)
    goals: list[str] = []
    fiscal = other = None
    for i, row in enumerate(rows):
        label = compact(row.texts[0]) if row.texts else ""
        if row.index_of(r"^项目编码$") is not None:
            t.project_code = _next(row, r"^项目编码$")
            t.name = clean_name(_next(row, r"^项目名称$") or "")
            t.line = row.line
        elif label.startswith("预算规模"):
            t.amount_wan = parse_amount(_next(row, r"^预算数$"))
            fiscal = parse_amount(_next(row, r"财政\s*资金"))
            other = parse_amount(_next(row, r"^其他资金$", allow_label=False))
            if i + 1 < len(rows) and len(rows[i + 1].texts) == 1:
                t.overview = rows[i + 1].texts[0]
        elif label == "绩效目标":
            goals += row.texts[1:]
        elif goals and len(row.texts) == 1 and re.match(r"^\d+[.、]", row.texts[0]):
            goals.append(row.texts[0])
    if not t.name:
        return None
    t.goals = "\n".join(g.strip('"') for g in goals) or None
    if t.amount_wan is not None:
        total = t.amount_wan * Decimal(10000)
        other_yuan = other * Decimal(10000) if other is not None else None
        fiscal_yuan = fiscal * Decimal(10000) if fiscal is not None else None
        t.funding = Funding(total=total, other=blank_as_zero(total, other_yuan, fiscal_yuan), fiscal=fiscal_yuan,
                            printed_unit="万元", source=Provenance(file=source, line=t.line))
    header = header_row(rows, ("一级指标", "三级指标", "指标值"))
    if header is not None:
        t.indicators = read_columns([r for r in rows if r.line > header.line], header, source)
    t.legal_bases, t.citations = _bases(t)
    basis_texts = [ind.basis for ind in t.indicators if ind.basis]
    t.basis_text = "；".join(dict.fromkeys(basis_texts)) or None
    return t


def _bases(t: TargetTable) -> tuple[list[LegalBasis], list[LegalBasis]]:
    """(legal bases, citations) of one project, each policy once.

    A number in the project's own name (邯财预【2023】25号提前下达…资金) is the allocation the
    project rests on: a legal basis. A policy cited in 指标值确定依据 justifies one indicator's
    target value, not the project, so it is a citation, unless the name cites it too."""
    seen: set[str] = set()
    bases = []
    for basis in legal.extract(t.name, t.file, t.line):
        if basis.doc_number and basis.key not in seen:
            seen.add(basis.key)
            bases.append(basis)
    cited = []
    for ind in t.indicators:
        for basis in legal.extract(ind.basis, t.file, ind.source.line):
            if basis.key not in seen:
                seen.add(basis.key)
                cited.append(basis)
    return bases, cited


def _next(row: Row, pattern: str, allow_label: bool = True) -> Optional[str]:
    idx = row.index_of(pattern)
    if idx is None:
        return None
    for cell in row.cells[idx + 1:]:
        if cell.strip():
            text = compact(cell)
            if not allow_label and parse_amount(text) is None:
                return None
            return text
    return None
