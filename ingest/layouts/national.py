"""The national form (全国统一格式): nine standard tables, read by their titles and header words.

部门预算 / 单位预算 print 财务收支预算总表, 收入预算总表, 支出预算总表, 财政拨款收支预算总表,
一般公共预算支出功能分类预算表, 政府性基金 and 国有资本经营 budget tables, 一般公共预算基本支出
(经济分类) and “三公”经费和机关运行经费预算表; 部门决算 prints their 决算 equivalents. Each
table states its unit (单位：元 / 万元); figures are converted exactly to the record's 万元.
Projects come from 项目经费情况说明 sections and 绩效目标表. Nothing here depends on the
province: only on what the tables are called and what their headers say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional, Sequence

from kg.model import BudgetDocument, Department, EconomicSpending, FunctionalSpending, Problem, Project, Provenance, Totals

from .. import legal
from ..columns import assign, center, figures, header_centers, under_header
from ..common import find_county, find_province, text_sections
from ..indicators import read_columns
from ..ocr_confusions import restore
from ..projects import match_key
from ..common import header_row
from ..summary import BUDGET_SOURCES, blank_as_zero
from ..tables import Row, Sheet, compact, parse_amount

NAME = "national"
DESCRIPTION = "national nine-table form (部门预算/单位预算/部门决算: 收支总表 … “三公”经费表) + 项目经费情况说明; any province"

LISTS_EVERY_PROJECT = False
"""Projects come from the few 项目经费情况说明 a document prints, not a table of every project: their sum is
not 项目支出 (``kg check`` knows this)."""

STANDARD_TABLES: tuple[tuple[str, str, str, str], ...] = (
    ("three_public", "“三公”经费表", r"三公", r"$^"),
    ("fund", "政府性基金预算支出表", r"政府性基金", r"$^"),
    ("capital", "国有资本经营预算支出表", r"国有资本经营", r"$^"),
    ("basic", "一般公共预算基本支出表（经济分类）", r"基本支出", r"$^"),
    ("general", "一般公共预算支出表（功能分类）", r"一般公共预算.*支出", r"$^"),
    ("fiscal", "财政拨款收支总表", r"财政拨款收.*支.*总?表", r"$^"),
    ("overview", "收支总表", r"收支.*总表|收入支出.*总表", r"$^"),
    ("income", "收入总表", r"收入(?:预算|决算)?总?表", r"支出"),
    ("spending", "支出总表", r"支出(?:预算|决算)?总?表", r"收入|收支"),
)
"""Key, name shown to users, title pattern, exclusion; a title takes the first key it matches."""

_NUMBERING = re.compile(r"^(?:\d+\s*[.．、]\s*|[一二三四五六七八九十]+、|表[一二三四五六七八九十\d]+[：:、]?)")
_UNIT = re.compile(r"单位[：:]\s*(万元|千元|元)")
_SCALE = {"元": Decimal(10000), "千元": Decimal(10), "万元": Decimal(1)}
_EXPLANATION = re.compile(r"(?:经费|项目|专项)情况说明$")
_HEADING = re.compile(r"^(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[)）])")
_CODE_PART = re.compile(r"^\d{2,7}$")
_DEPT_LABEL = re.compile(r"(?:编制部门|预算主管部门|预算单位|编制单位|部门名称|单位名称)[：:]\s*([^\s|：:]{2,40})")
_FINAL_TITLE = re.compile(r"(?:第[一二三四]部分)?([\u4e00-\u9fffA-Za-z（）()]{3,40}?)\s*(\d{4})\s*年度?\s*(?:部门|单位)决算")
_YEAR = re.compile(r"(\d{4})\s*年度?\s*(?:区级|市级|县级|省级)?\s*(?:部门|单位|预算单位)?\s*(?:预算|决算)")
PERSONNEL_CLASSES = ("301", "303")
"""Economic classes that are 人员经费 by the national classification (工资福利, 对个人和家庭的补助); the rest is 公用经费."""


@dataclass
class Table:
    """A standard table: its rows (pages joined), the unit it states and where its title is."""

    key: str
    title: str
    line: int
    rows: list[Row]
    scale: Optional[Decimal]
    """Divide printed figures by this to get 万元; None when the table prints no unit."""
    ocr: bool = False
    """Read by OCR: a blank cell may be a figure withheld as doubtful, so a blank is never taken as 0 here
    unless the table's own total shows it."""

    def wan(self, value: Optional[Decimal]) -> Optional[Decimal]:
        if value is None:
            return None
        return value / (self.scale or Decimal(1))


def table_key(title: str) -> Optional[str]:
    t = compact(_NUMBERING.sub("", compact(title)))
    if not t.endswith("表") and not re.search(r"表[（(]?续[)）]?$|续表$", t):
        return None
    for key, _, pattern, exclude in STANDARD_TABLES:
        if re.search(pattern, t) and not re.search(exclude, t):
            return key
    return None


def _is_title(row: Row, in_table: bool = False) -> Optional[str]:
    """The title a row starts a part with: a table title, a 说明 title, or (outside tables) a numbered heading."""
    texts = row.texts
    if len(texts) != 1 or len(texts[0]) > 70:
        return None
    t = compact(texts[0])
    if t.startswith(("注", "单位", "编制")):
        return None
    body = _NUMBERING.sub("", t)
    if body.endswith("表") or re.search(r"续表$|[（(]续[)）]$", body):
        return t
    if _EXPLANATION.search(t) and not _HEADING.match(t):
        return t
    if t.endswith("说明") and len(t) <= 30:
        return t
    if t.startswith("第") and _HEADING.match(t):
        return t
    if not in_table and _HEADING.match(t) and len(t) <= 40 and not t.endswith("。"):
        return t
    return None


def cut(rows: Sequence[Row]) -> list[Sheet]:
    """Titled parts: a table runs on across pages until the next title (repeated headers stay in it)."""
    out: list[Sheet] = []
    title, line, body = "", 0, []
    for row in rows:
        t = _is_title(row, in_table=title.endswith("表"))
        if t is not None and re.fullmatch(r"续表\d*|[（(]续[表]?[)）]", t):
            continue  # a continuation mark: the table goes on
        if t is not None:
            out.append(Sheet(title, line, tuple(body)))
            title, line, body = t, row.line, []
        else:
            body.append(row)
    out.append(Sheet(title, line, tuple(body)))
    return out


def standard_tables(parts: Sequence[Sheet], scanned: frozenset[int] = frozenset()) -> dict[str, Table]:
    """Each standard table found, its continuations (续表) joined; table-of-contents entries (no rows) ignored.
    ``scanned``: the pages read by OCR."""
    found: dict[str, Table] = {}
    for part in parts:
        key = table_key(part.title)
        if key is None or not part.rows:
            continue
        unit = next((m.group(1) for r in part.rows[:8] for c in r.cells if (m := _UNIT.search(compact(c)))), None)
        rows = _grid(part.rows)
        ocr = any(r.page in scanned for r in rows)
        if key in found:
            found[key].rows.extend(rows)
            found[key].ocr = found[key].ocr or ocr
            continue
        found[key] = Table(key, part.title, part.line, rows, _SCALE.get(unit) if unit else None, ocr)
    return found


def _grid(rows: Sequence[Row]) -> list[Row]:
    """Text rows without positions: a row as wide as the table's grid (the commonest width of its rows)
    gets its column numbers as positions; a narrower row (merged or dropped cells) gets none, so its
    figures are read by order only when that is unambiguous."""
    if any(r.spans for r in rows):
        return list(rows)
    widths = [len(r.cells) for r in rows if len(r.texts) >= 2]
    if not widths:
        return list(rows)
    width = max(set(widths), key=widths.count)
    return [Row(r.line, r.cells, tuple((float(i), float(i + 1)) for i in range(width)), r.page)
            if len(r.cells) == width else r for r in rows]


def read_rows(doc) -> tuple[Row, ...]:
    """The rows as this reader reads them. On pages read by OCR (``doc.ocr_pages``), words it looks
    for that tesseract misread by a known confusion are restored (财务收文预算总表 → 财务收支预算总表)
    and a table title OCR split at a wide gap is joined again; rows of a text layer are left exact."""
    scanned = getattr(doc, "ocr_pages", frozenset())
    if not scanned:
        return doc.rows
    return tuple(_restored(r) if r.page in scanned else r for r in doc.rows)


def _restored(row: Row) -> Row:
    cells = tuple(restore(c) for c in row.cells)
    texts = [c for c in cells if c]
    if len(texts) >= 2 and all(parse_amount(c) is None for c in texts):
        joined = "".join(compact(c) for c in texts)
        if len(joined) <= 70 and table_key(joined) is not None:
            spans = ((row.spans[0][0], row.spans[-1][1]),) if row.spans else ()
            return Row(row.line, (joined,), spans, row.page)
    return row if cells == row.cells else Row(row.line, cells, row.spans, row.page)


def _ocr_titles(doc, tables: dict[str, Table]) -> list[Problem]:
    """A warning for each table found only because a misread title was restored: the user can check the page."""
    out = []
    for t in tables.values():
        row = next((r for r in doc.rows if r.line == t.line), None)
        if row is None or row.page not in getattr(doc, "ocr_pages", frozenset()):
            continue
        seen = "".join(compact(c) for c in row.texts)
        if table_key(seen) != t.key:
            out.append(Problem(code="ocr-title-restored", file=doc.source, line=t.line, excerpt=seen,
                               message=f"page {row.page}: OCR read the title «{seen}», taken as «{t.title}» "
                                       "(a known OCR misreading); check the page"))
    return out


def detect(doc) -> float:
    """Share of the standard tables whose titles are printed (0.9 when five or more)."""
    keys = {table_key(r.texts[0]) for r in read_rows(doc) if len(r.texts) == 1}
    keys.discard(None)
    return min(0.9, 0.18 * len(keys))


def parse(doc) -> BudgetDocument:
    source, rows, text = doc.source, read_rows(doc), doc.text
    parts = cut(rows)
    tables = standard_tables(parts, getattr(doc, "ocr_pages", frozenset()))
    problems: list[Problem] = _ocr_titles(doc, tables)
    for t in tables.values():
        if t.scale is None:
            problems.append(Problem(code="unit-not-printed", file=source, line=t.line,
                                    message=f"«{t.title}» prints no unit (单位：元/万元); its figures are taken as 万元"))
    flat = [k for k, t in tables.items() if t.rows and not any(len(r.texts) >= 2 for r in t.rows)]
    if flat:
        names = dict((k, n) for k, n, _, _ in STANDARD_TABLES)
        problems.append(Problem(code="table-without-columns", file=source, line=tables[flat[0]].line,
                                message=f"{len(flat)} standard tables print one value per line (the conversion lost "
                                        f"their columns: {'、'.join(names[k] for k in flat)}); their figures are not "
                                        "read: ingest the PDF itself"))
        for k in flat:
            del tables[k]
    department = _department(rows, text, source, tables)
    totals = _totals(tables, text)
    projects = _projects(rows, parts, source, problems)
    return BudgetDocument(
        source=source, sha256="", layout=NAME, department=department, totals=totals,
        functional_spending=tuple(_functional(tables.get("spending") or tables.get("general"), source)),
        economic_spending=tuple(_economic(tables.get("basic"), source)),
        projects=tuple(projects), sections=tuple(text_sections(parts, source)), problems=tuple(problems))


def found_and_missing(doc) -> tuple[list[str], list[str]]:
    """Names of the standard tables printed in a document and of those it lacks."""
    keys = {table_key(r.texts[0]) for r in read_rows(doc) if len(r.texts) == 1}
    names = [(k, n) for k, n, _, _ in STANDARD_TABLES]
    order = ["overview", "income", "spending", "fiscal", "general", "fund", "capital", "basic", "three_public"]
    by_key = dict(names)
    return [by_key[k] for k in order if k in keys], [by_key[k] for k in order if k not in keys]


def has_figures(doc) -> bool:
    """True when some standard table holds a figure (a blank template holds none)."""
    tables = standard_tables(cut(read_rows(doc)))
    return any(parse_amount(c) is not None and not _CODE_PART.match(c.strip())
               for t in tables.values() for r in t.rows for c in r.cells)


def figures_in_text(doc) -> bool:
    """Whether money amounts are printed somewhere (``371,514,655.00``), cells or not."""
    return re.search(r"\d{1,3}(?:,\d{3})+\.\d{2}|\d+\.\d{2}(?!\d)", doc.text) is not None


# ---------------------------------------------------------------- department


def _department(rows: Sequence[Row], text: str, source: str, tables: dict[str, Table]) -> Department:
    head = rows[:400]
    name, line = "", 1
    for row in head:
        for cell in row.cells:
            m = _DEPT_LABEL.search(compact(cell))
            if m:
                name, line = m.group(1), row.line
                break
        if name:
            break
    joined = [(r.line, compact("".join(r.texts))) for r in head]
    if not name:
        for i, (ln, t) in enumerate(joined):
            m = _FINAL_TITLE.search(t)
            if m and m.group(1):
                name, line = re.sub(r"^第[一二三四]部分", "", m.group(1)), ln
                break
            if i + 1 < len(joined) and re.fullmatch(r"\d{4}年度?(?:部门|单位)(?:预算|决算)", joined[i + 1][1]) and 3 <= len(t) <= 40:
                name, line = t, ln
                break
    year = None
    for _, t in joined[:80]:
        m = _YEAR.search(t)
        if m:
            year = int(m.group(1))
            break
    head_text = "\n".join(t for _, t in joined[:120])
    titles = " ".join(t.title for t in tables.values())
    if "决算" in titles or re.search(r"\d{4}年度?(?:部门|单位)决算", head_text):
        kind = "部门决算"
    elif "单位预算" in head_text or "预算单位" in titles or re.search(r"\d{4}年单位", titles):
        kind = "单位预算"
    else:
        kind = "部门预算"
    return Department(name=name, province=find_province(text), county=find_county(text, name) if name else None,
                      fiscal_year=year, doc_kind=kind, source=Provenance(file=source, line=line))


# ---------------------------------------------------------------- totals


def _value_after(table: Optional[Table], label: str, nth: int = 0) -> tuple[Optional[Decimal], Optional[int], bool]:
    """(万元 value, line, printed) of the cell after the ``nth`` cell matching ``label``; printed=False when no such label."""
    if table is None:
        return None, None, False
    rx = re.compile(label)
    seen = 0
    for row in table.rows:
        for i, cell in enumerate(row.cells):
            if cell and rx.search(compact(cell)):
                if seen < nth:
                    seen += 1
                    continue
                nxt = next((c for c in row.cells[i + 1:] if c.strip()), "")
                return table.wan(parse_amount(nxt)), row.line, True
    return None, None, False


def _totals(tables: dict[str, Table], text: str) -> Totals:
    values: dict[str, Optional[Decimal]] = {}
    lines: dict[str, int] = {}

    def put(field: str, value: Optional[Decimal], line: Optional[int]) -> None:
        values[field] = value
        if value is not None and line is not None:
            lines[field] = line

    overview = tables.get("overview")
    income, line, printed = _value_after(overview, r"^收入总计$")
    if not printed:
        income, line, _ = _value_after(overview, r"^总计$")
    put("income_total", income, line)
    spent, line, printed = _value_after(overview, r"^本年支出合计$")  # a 决算's 总计 also holds 年末结转和结余
    if spent is None:
        spent, line, printed = _value_after(overview, r"^支出总计$")
    if not printed:
        spent, line, _ = _value_after(overview, r"^总计$", nth=1)
    put("expenditure_total", spent, line)
    carry, carry_line, carry_printed = _value_after(overview, r"^(?:上年结转(?:结余)?|年初结转和?结余)$")
    current, cur_line, _ = _value_after(overview, r"^本年收入合计$")
    unread = carry is None and carry_printed and overview is not None and overview.ocr  # maybe withheld, not 0
    if current is None and income is not None and not unread:
        current, cur_line = income - (carry or Decimal(0)), lines.get("income_total")
    if carry is None and carry_printed and not unread:
        carry = Decimal(0)
    if carry is None and income is not None and current is not None:
        carry, carry_line = income - current, lines.get("income_total")
    put("current_year_income", current, cur_line)
    put("carryover_income", carry, carry_line)

    sources: dict[str, Decimal] = {}
    if overview is not None:
        for key, words in BUDGET_SOURCES.items():
            value, ln, printed = _value_after(overview, rf"^(?:[一二三四五六七八九十]+、|\d+[.．、]?)?{words}")
            if printed and (value is not None or not overview.ocr):
                sources[key] = value if value is not None else Decimal(0)
                lines[f"income_by_source.{key}"] = ln
    values["income_by_source"] = sources

    spending = tables.get("spending") or tables.get("general")
    row = _total_row(spending)
    if row is not None:
        split = _split(row, spending, {"basic": r"^基本支", "project": r"^项目支", "upper": r"上缴上级",
                                       "business": r"^经营支", "subsidiary": r"附属单位"}, ["basic", "project"])
        put("basic_expenditure", split.get("basic"), row.line)
        put("project_expenditure", split.get("project"), row.line)

    basic = tables.get("basic")
    row = _total_row(basic)
    if row is not None:
        split = _split(row, basic, {"personnel": r"^人员经费", "public": r"^公用经费"}, ["personnel", "public"])
        put("personnel", split.get("personnel"), row.line)
        put("public_use", split.get("public"), row.line)
    else:
        put("personnel", *_value_after(basic, r"^人员经费合计$")[:2])
        put("public_use", *_value_after(basic, r"^公用经费合计$")[:2])

    _three_public(tables.get("three_public"), put)
    if values.get("operating_costs") is None:
        put("operating_costs", *_prose(r"机关运行经费[^。；\d]{0,30}?(?:预算|支出|安排)\D{0,6}?(\d[\d,]*(?:\.\d+)?)\s*万元", text))
    put("procurement_total", *_prose(r"政府采购(?:预算|支出|金额)(?:总额)?(?:合计)?(?:[（(][^）)]{0,12}[)）])?\D{0,4}?(\d[\d,]*(?:\.\d+)?)\s*万元", text))
    return Totals(**values, lines=lines)


def _prose(pattern: str, text: str) -> tuple[Optional[Decimal], Optional[int]]:
    m = re.search(pattern, text)
    if not m:
        return None, None
    return parse_amount(m.group(1)), text.count("\n", 0, m.start()) + 1


def _total_row(table: Optional[Table]) -> Optional[Row]:
    if table is None:
        return None
    for row in table.rows:
        if any(compact(c) in ("合计", "总计") for c in row.cells) and figures(row):
            return row
    return None


def _split(row: Row, table: Table, labels: dict[str, str], order: list[str]) -> dict[str, Optional[Decimal]]:
    """The total (first figure) and the parts by header position; a blank part is 0 when the total shows it."""
    found = figures(row)
    total = found[0][0] if found else None
    header = [r for r in table.rows if r.line < row.line or not figures(r)][:12]
    parts = assign(row, header_centers(header, labels), order + [k for k in labels if k not in order], skip=1)
    out = {k: table.wan(parts.get(k)) for k in order}
    total_wan = table.wan(total)
    if len(order) == 2:
        a, b = order
        out[a], out[b] = blank_as_zero(total_wan, out[a], out[b]), blank_as_zero(total_wan, out[b], out[a])
    return out


_THREE_LABELS = {
    "three_public": r"^合计$|^“?三公”?经费(?:小计|合计)$",
    "overseas_travel": r"因公出国",
    "official_reception": r"公务接待",
    "vehicle": r"^小计$|^公务用车购置及运[行维]",
    "vehicle_purchase": r"购置费$",
    "vehicle_running": r"运行(?:维护)?费$",
    "operating_costs": r"机关运行经",
}


def _three_public(table: Optional[Table], put) -> None:
    """“三公”经费 by column; a 决算 table pairs 预算数/决算数 under each heading and the 决算数 is read."""
    if table is None:
        return
    data = [r for r in table.rows if figures(r) and not any(parse_amount(c) is None and compact(c) for c in r.cells)]
    if not data:
        data_row = None
    else:
        data_row = data[0]
    header = [r for r in table.rows if data_row is None or r.line < data_row.line]
    centers = header_centers(header, _THREE_LABELS)
    pair_row = next((r for r in header if sum(compact(c) in ("预算数", "决算数") for c in r.cells) >= 4), None)
    values: dict[str, Optional[Decimal]] = {k: None for k in _THREE_LABELS}
    if data_row is not None and pair_row is not None and pair_row.spans:
        finals = [((s[0] + s[1]) / 2) for c, s in zip(pair_row.cells, pair_row.spans) if compact(c) == "决算数"]
        budgets = [((s[0] + s[1]) / 2) for c, s in zip(pair_row.cells, pair_row.spans) if compact(c) == "预算数"]
        for fx, bx in zip(finals, budgets):
            key = min(centers, key=lambda k: abs(centers[k] - (fx + bx) / 2)) if centers else None
            near = [v for v, x in figures(data_row) if x is not None and abs(x - fx) < abs(x - bx)
                    and abs(x - fx) < abs(fx - bx)]
            if key and values[key] is None:
                values[key] = near[0] if near else None
    elif data_row is not None:
        values.update(assign(data_row, centers, list(_THREE_LABELS)))
        if table.ocr:
            values = _under_own_heading(values, data_row, header)
    if data_row is not None and not data_row.spans and all(v is None for v in values.values()):
        return  # figures that cannot be placed under their headings are not read (nothing is guessed)
    if table.ocr and all(v is None for v in values.values()):
        return  # on a scan, nothing placed is nothing read: its figures may have been withheld as doubtful
    line = data_row.line if data_row is not None else table.line
    zero = Decimal(0)
    w = {k: table.wan(v) for k, v in values.items()}
    vehicle = w["vehicle"]
    if vehicle is None and (w["vehicle_purchase"] is not None or w["vehicle_running"] is not None):
        if not table.ocr:
            vehicle = (w["vehicle_purchase"] or zero) + (w["vehicle_running"] or zero)
        elif w["vehicle_purchase"] is not None and w["vehicle_running"] is not None:
            vehicle = w["vehicle_purchase"] + w["vehicle_running"]  # on a scan a blank part may be withheld
    parts = [w["overseas_travel"], w["official_reception"], vehicle]
    if table.ocr:
        _three_public_scanned(w["three_public"], parts, w["operating_costs"], line, put)
        return
    overseas, reception, vehicle = (v if v is not None else zero for v in parts)
    total = w["three_public"] if w["three_public"] is not None else overseas + reception + vehicle
    put("three_public", total, line)
    put("overseas_travel", overseas, line)
    put("official_reception", reception, line)
    put("vehicle", vehicle, line)
    if w["operating_costs"] is not None:
        put("operating_costs", w["operating_costs"], line)


def _under_own_heading(values: dict[str, Optional[Decimal]], row: Row, header: Sequence[Row]) -> dict[str, Optional[Decimal]]:
    """Only the figures whose nearest heading (a cell of a header row that names some column) is their
    own. On a scan a heading OCR misread (合计 read as 寿评) is not found, and the nearest heading that is
    found is another column's: a figure under a heading that cannot be read is left out, not misplaced."""
    rows = [r for r in header if r.spans and any(re.search(p, compact(c)) for c in r.cells for p in _THREE_LABELS.values())]
    heads = [(center(s), compact(c)) for r in rows for c, s in zip(r.cells, r.spans) if compact(c)]
    if not heads or not row.spans:
        return values
    at = {}
    for value, x in figures(row):
        at.setdefault(value, []).append(x)
    out = dict(values)
    for key, value in values.items():
        if value is None:
            continue
        xs = at.get(value, [])
        if not any(re.search(_THREE_LABELS[key], min(heads, key=lambda h: abs(h[0] - x))[1]) for x in xs if x is not None):
            out[key] = None
    return out


def _three_public_scanned(total: Optional[Decimal], parts: list[Optional[Decimal]], operating: Optional[Decimal],
                          line: int, put) -> None:
    """“三公”经费 of an OCR'd table: a blank part is 0 only when the printed total shows it (a blank on a
    scan may be a figure withheld as doubtful), and the total is the parts' sum only when all are read."""
    parts = [blank_as_zero(total, p, *(q for j, q in enumerate(parts) if j != i)) for i, p in enumerate(parts)]
    if total is None and None not in parts:
        total = sum(parts, Decimal(0))
    if total is None and all(p is None for p in parts) and operating is None:
        return
    for field, value in zip(("three_public", "overseas_travel", "official_reception", "vehicle"), [total] + parts):
        put(field, value, line)
    if operating is not None:
        put("operating_costs", operating, line)


# ---------------------------------------------------------------- classified rows


def _coded(cells: Sequence[str], start: int = 0) -> Optional[tuple[str, str, int]]:
    """(code, name, index after the name) for 类 | 款 | 项 cells (or one code cell) then the name."""
    parts: list[str] = []
    i = start
    while i < len(cells) and (not cells[i].strip() or _CODE_PART.match(cells[i].strip())):
        if cells[i].strip():
            parts.append(cells[i].strip())
        i += 1
    if not parts or i >= len(cells):
        return None
    code = "".join(parts)
    if len(code) not in (3, 5, 7) or not re.match(r"^[1-9]", code):
        return None
    name = compact(cells[i])
    if not name or parse_amount(name) is not None:
        return None
    return code, name, i + 1


def _functional(table: Optional[Table], source: str) -> list[FunctionalSpending]:
    if table is None:
        return []
    header = [r for r in table.rows if not figures(r)][:10]
    centers = header_centers(header, {"basic": r"^基本支", "project": r"^项目支", "upper": r"上缴上级",
                                      "business": r"^经营支", "subsidiary": r"附属单位"})
    out: list[FunctionalSpending] = []
    seen: set[str] = set()
    for row in table.rows:
        coded = _coded(row.cells)
        if coded is None:
            continue
        code, name, after = coded
        if code in seen:
            continue
        rest = Row(row.line, row.cells[after:], row.spans[after:] if row.spans else (), row.page)
        found = figures(rest)
        if not found:
            continue
        seen.add(code)
        total = table.wan(found[0][0])
        parts = assign(rest, centers, ["basic", "project", "upper", "business", "subsidiary"], skip=1)
        basic, project = table.wan(parts["basic"]), table.wan(parts["project"])
        out.append(FunctionalSpending(code=code, name=name, total=total,
                                      basic=blank_as_zero(total, basic, project),
                                      project=blank_as_zero(total, project, basic),
                                      source=Provenance(file=source, line=row.line)))
    return out


def _economic(table: Optional[Table], source: str) -> list[EconomicSpending]:
    """基本支出 by economic class; a 决算 table prints two classes side by side, each with one figure."""
    if table is None:
        return []
    header = [r for r in table.rows if not figures(r)][:10]
    centers = header_centers(header, {"personnel": r"^人员经费$", "public": r"^公用经费$"})
    out: list[EconomicSpending] = []
    for row in table.rows:
        i = 0
        cells = list(row.cells)
        while i < len(cells):
            coded = _coded(cells, i)
            if coded is None:
                i += 1
                continue
            code, name, after = coded
            j = after
            while j < len(cells) and (parse_amount(cells[j]) is not None or not cells[j].strip()) \
                    and not _CODE_PART.match(cells[j].strip() or "x"):
                j += 1
            piece = Row(row.line, tuple(cells[after:j]), row.spans[after:j] if row.spans else (), row.page)
            found = figures(piece)
            i = j
            if not found:
                continue
            total = table.wan(found[0][0])
            if centers and len(found) > 1:
                parts = assign(piece, centers, ["personnel", "public"], skip=1)
                personnel, public = table.wan(parts["personnel"]), table.wan(parts["public"])
                personnel, public = blank_as_zero(total, personnel, public), blank_as_zero(total, public, personnel)
            elif centers:
                personnel, public = (total, Decimal(0)) if code[:3] in PERSONNEL_CLASSES else (Decimal(0), total)
            else:
                personnel, public = (total, None) if code[:3] in PERSONNEL_CLASSES else (None, total)
            out.append(EconomicSpending(name=name, code=code, total=total, personnel=personnel, public_use=public,
                                        source=Provenance(file=source, line=row.line)))
    return out


# ---------------------------------------------------------------- projects

_PART = re.compile(r"^[一二三四五六七八九十]{1,2}、\s*(项目概述|项目概况|项目简介|立项依据|实施主体|实施单位|实施方案|实施周期|"
                   r"年度预算安排|预算安排|资金安排|绩效目标)\s*[：:]?\s*(.*)$")
_MONEY = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(万元|万|元)")
_TOTAL_WORDS = re.compile(r"(?:总预算|预算总额|合计|共计|总计|总额|全年预算|全年安排|全年用款计划)[为：:]?\s*(\d[\d,]*(?:\.\d+)?)\s*(万元|万|元)")


@dataclass(frozen=True)
class _Amount:
    """What a 年度预算安排 prints about the project's money."""

    wan: Optional[Decimal]
    """The annual amount as printed (a stated total, or the only figure), in 万元; None when none is printed."""
    parts: tuple[str, ...] = ()
    """The figures printed instead of one annual amount (e.g. four quarterly 用款计划), as printed."""


def _project_amount(text: str) -> _Amount:
    """年度预算安排 in 万元: the stated total (总预算/合计/全年安排 …), or the one amount printed.

    Several figures with no stated total (quarterly 用款计划, items of spending) are parts: their sum is not
    printed, and a computed figure is never stored as if printed, so the amount stays None and the parts are
    handed back for the caller to report."""
    def wan(number: str, unit: str) -> Decimal:
        value = parse_amount(number) or Decimal(0)
        return value if unit.startswith("万") else value / Decimal(10000)

    m = _TOTAL_WORDS.search(text)
    if m:
        return _Amount(wan(m.group(1), m.group(2)))
    found = _MONEY.findall(text)
    if len(found) == 1:
        return _Amount(wan(*found[0]))
    return _Amount(None, tuple(n + u for n, u in found))


def _projects(rows: Sequence[Row], parts: Sequence[Sheet], source: str, problems: list[Problem]) -> list[Project]:
    """One project per 项目经费情况说明 section, enriched by its 绩效目标表 when one names it."""
    targets = _target_tables(parts, source)
    keys = {name: match_key(name) for name in targets}
    by_key: dict[str, list[str]] = {}
    for target, key in keys.items():
        by_key.setdefault(key, []).append(target)
    out: list[Project] = []
    starts = [i for i, r in enumerate(rows) if len(r.texts) == 1 and _EXPLANATION.search(compact(r.texts[0]))
              and not _HEADING.match(compact(r.texts[0])) and "其他" not in r.texts[0][:4]]
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(rows)
        title_row = rows[start]
        body: dict[str, list[tuple[int, str]]] = {}
        current = None
        for row in rows[start + 1:end]:
            if len(row.texts) == 1 and _is_title(row) and not _HEADING.match(compact(row.texts[0])):
                break  # a table title or another part: the section ended
            text = " ".join(row.texts)
            m = _PART.match(compact(text))
            if m:
                current = m.group(1)
                body.setdefault(current, [])
                if m.group(2):
                    body[current].append((row.line, m.group(2)))
                continue
            if current:
                body[current].append((row.line, text.strip()))

        def joined(*keys: str) -> Optional[str]:
            for k in keys:
                if body.get(k):
                    return "".join(t for _, t in body[k])
            return None

        def first_line(*keys: str) -> int:
            for k in keys:
                if body.get(k):
                    return body[k][0][0]
            return title_row.line

        name = re.sub(r"(?:项目)?(?:经费)?情况说明$", "", compact(title_row.texts[0]))
        overview = joined("项目概述", "项目概况", "项目简介")
        if not name and overview:
            m = re.search(r"的([\u4e00-\u9fff]{4,30}?(?:工程|项目))", overview)
            name = m.group(1) if m else ""
        if not name:
            problems.append(Problem(code="unnamed-project", file=source, line=title_row.line,
                                    message="a project explanation names no project; it is not ingested"))
            continue
        basis = joined("立项依据")
        amount_text = joined("年度预算安排", "预算安排", "资金安排")
        read = _project_amount(amount_text) if amount_text else _Amount(None)
        amount = read.wan
        if amount is None and amount_text:
            at = first_line("年度预算安排", "预算安排", "资金安排")
            pages = {r.line: r.page for r in rows[start:end]}
            said = (f"prints {len(read.parts)} figures ({'、'.join(read.parts)}) and no annual total; their sum is "
                    "not printed, so it is not stored") if len(read.parts) > 1 else "prints no amount"
            problems.append(Problem(
                code="project-amount-not-printed", file=source, line=at, page=pages.get(at),
                excerpt=amount_text[:200], message=f"{name}: 年度预算安排 {said}; the project's amount is left empty"))
        t = targets.pop(_target_for(name, targets, keys, by_key), None)
        indicators = tuple(t[1]) if t else ()
        out.append(Project(
            name=name, amount_wan=amount, implementing_unit=joined("实施主体", "实施单位"), overview=overview,
            goals=joined("绩效目标"), basis_text=basis,
            legal_bases=tuple(legal.extract(basis, source, first_line("立项依据"))) if basis else (),
            indicators=indicators, source=Provenance(file=source, line=title_row.line),
            target_source=Provenance(file=source, line=t[0]) if t else None))
    for name, (line, indicators) in targets.items():
        out.append(Project(name=name, indicators=tuple(indicators), source=Provenance(file=source, line=line),
                           target_source=Provenance(file=source, line=line)))
    return out


def _target_for(name: str, targets: dict, keys: dict[str, str], by_key: dict[str, list[str]]) -> Optional[str]:
    """The target table of a project: the same name, or one that contains the other (人民调解 / 人民调解项目).

    ``keys`` holds each target's match key and ``by_key`` the targets of each key in order, both computed once:
    a same-name lookup costs the same however many targets a compilation has."""
    key = match_key(name)
    for other in by_key.get(key, ()):
        if other in targets:  # the first of that key not yet taken
            return other
    if len(key) >= 4:
        for other in targets:
            if key in keys[other] or keys[other] in key:
                return other
    return None


def _target_tables(parts: Sequence[Sheet], source: str) -> dict[str, tuple[int, list]]:
    """绩效目标表 / 绩效目标填报表: project name → (line, indicators)."""
    out: dict[str, tuple[int, list]] = {}
    for part in parts:
        if "绩效目标" not in part.title or not part.title.endswith("表"):
            continue
        name = None
        for row in part.rows:
            idx = row.index_of(r"^项目名称$")
            if idx is not None:
                name = next((compact(c) for c in row.cells[idx + 1:] if c.strip()), None)
                break
        header = header_row(part.rows, ("一级指标", "三级指标")) or header_row(part.rows, ("一级指标", "二级指标"))
        if not name or header is None:
            continue
        body = [under_header(r, header) for r in part.rows if r.line > header.line]
        indicators = read_columns(body, Row(header.line, header.cells), source)
        out[name] = (part.line, indicators)
    return out
