"""The document as a whole (ZB-*, DOC-*): standard tables missing or printed empty, placeholder text left from
a template, a heading whose year is not the budget year."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Iterator

from kg.model import BudgetDocument, Provenance

from .finding import Evidence, Finding, Rule, evidence

STANDARD_TABLES = (
    ("收支总表", r"收(?:入)?支(?:出)?(?:预算|决算)?总表|财务收支预算总表", r"财政拨款"),
    ("收入总表", r"收入(?:预算|决算)?总?表", r"收支|收入支出|基金|国有资本|财政拨款"),
    ("支出总表", r"支出(?:预算|决算)?总?表", r"收支|收入支出|基金|国有资本|财政拨款|一般公共|基本支出|三公|项目"),
    ("财政拨款收支总表", r"财政拨款收(?:入)?支(?:出)?(?:预算|决算)?总表", r"$^"),
    ("一般公共预算支出表", r"一般公共预算.*支出", r"基本支出|经济|三公"),
    ("一般公共预算基本支出表", r"基本支出", r"$^"),
    ("政府性基金预算支出表", r"政府性基金.*支出|政府性基金.*收支", r"$^"),
    ("“三公”经费表", r"三公", r"$^"),
)
"""The national standard tables of a 部门预算/单位预算 by meaning: (name, title pattern, exclude pattern).
Titles vary by province (收支总表 / 财务收支预算总表 / 部门预算收支总表); what they hold does not."""
_STANDARD = tuple((name, re.compile(p), re.compile(ex)) for name, p, ex in STANDARD_TABLES)


def _title(t: str) -> str:
    return re.sub(r"\s+", "", t)


def missing_tables(doc: BudgetDocument) -> Iterator[Finding]:
    if not doc.tables:
        return
    titles = [(_title(t.title), t) for t in doc.tables]
    for name, rx, ex in _STANDARD:
        if any(rx.search(title) and not ex.search(title) for title, _ in titles):
            continue
        yield Finding("ZB-002", "warning", f"缺少标准表：{name}", f"the standard table {name} is missing",
                      doc.source, Evidence(f"标准表 {name}", None, None, doc.source),
                      Evidence("已有的表", None, None, doc.source, None, None,
                               "；".join(t.title for _, t in titles[:12])), name,
                      (("department", doc.department.name),))


_NUMBERING = re.compile(r"^(?:\d+\s*[.．、]\s*|[一二三四五六七八九十]+、|表[一二三四五六七八九十\d]+)")
_EMPTY_NOTE = re.compile(r"空表|无数据|本表无")


def _plain(title: str) -> str:
    return _NUMBERING.sub("", _title(title))


def empty_tables(doc: BudgetDocument) -> Iterator[Finding]:
    """A standard table printed without a figure must say why (本表无数据 / 无…预算，空表列示); a table with
    figures must not say it is empty."""
    by_title: dict[str, list] = {}
    for table in doc.tables:
        by_title.setdefault(_plain(table.title), []).append(table)
    for title, tables in by_title.items():
        standard = next((name for name, rx, ex in _STANDARD if rx.search(title) and not ex.search(title)), None)
        printed = [t for t in tables if t.figures or t.note]
        if standard is None or printed:  # the table of contents lists the title too: one printing is enough
            continue
        if standard == "“三公”经费表" and doc.totals.three_public:
            continue
        table = tables[-1]
        yield Finding("ZB-003", "warning", f"{table.title}：空表且无说明",
                      f"the standard table {standard} is printed empty with no note saying why", doc.source,
                      Evidence("空表说明（如“本表无数据”）", None, None, doc.source),
                      evidence(table.title, None, None, table.source), table.title)
    for table in doc.tables:
        if table.figures and table.note and _EMPTY_NOTE.search(table.note):
            yield Finding("ZB-005", "warning", f"{table.title}：表中有数字，注却称空表",
                          "a table prints figures under a note saying it is empty", doc.source,
                          evidence(f"{table.title}（{table.figures} 个非零数）", Decimal(table.figures), "个",
                                   table.source),
                          Evidence("表注", None, None, table.source.file, None, table.source.page, table.note),
                          table.title)


_PLACEHOLDER = re.compile(r"(?<![A-Za-z])(?:[Xx]{2,}|[Ｘｘ]{2,}|×{2,}|○{2,})(?![A-Za-z])|某某|待填|待定|\{单位\}|\{部门\}|"
                          r"(?<![A-Za-z0-9])[Xx]{1,2}(?=[局委办县区镇乡厅处科所站中心部年月日])")


_PLACEHOLDER_CHARS = "XxＸｘ×○某待{"
"""A text without any of these cannot hold a placeholder: skip the regular expression."""


def _texts(doc: BudgetDocument) -> Iterator[tuple[str, str, Provenance, list]]:
    """Every piece of printed text a placeholder could hide in: (what, text, where, concerns)."""
    for s in doc.sections:
        lines = s.lines or (s.source.line,) * len(s.text.split("\n"))
        for text, line in zip(s.text.split("\n"), lines):
            yield s.heading, text, Provenance(file=s.source.file, line=line, excerpt=text[:200]), []
        yield "标题", s.heading, s.source, []
    for t in doc.tables:
        yield "表名", t.title, t.source, []
    for p in doc.projects:
        concerns = [("project", p.name)]
        yield "项目名称", p.name, p.source, concerns
        for field in ("overview", "goals", "basis_text"):
            if getattr(p, field):
                yield f"{p.name} {field}", getattr(p, field), p.target_source or p.source, concerns
        for i in p.indicators:
            yield f"{p.name} 指标", f"{i.name} {i.value or ''}", i.source, concerns
    for i in doc.department_indicators:
        yield "整体绩效指标", f"{i.name} {i.value or ''}", i.source, []


def placeholders(doc: BudgetDocument) -> Iterator[Finding]:
    seen = set()
    for what, text, where, concerns in _texts(doc):
        if not text or not any(ch in text for ch in _PLACEHOLDER_CHARS):
            continue
        for m in _PLACEHOLDER.finditer(text):
            key = (where.line, m.group(0))
            if key in seen:
                continue
            seen.add(key)
            a, b = max(0, m.start() - 30), m.end() + 30
            yield Finding("DOC-001", "error", f"模板占位符未替换：“{m.group(0)}”（{what}）",
                          "placeholder text left from a template", doc.source,
                          Evidence("正式名称或数字", None, None, where.file),
                          Evidence(what, None, None, where.file, where.line, getattr(where, "page", None),
                                   text[a:b].replace("\n", " ")), what, tuple(tuple(c) for c in concerns))


_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_PAST_OK = re.compile(r"上年|结转|执行|决算|截至|截止|以前|[-—~至]")


def heading_years(doc: BudgetDocument) -> Iterator[Finding]:
    """A table title or section heading naming a year other than the budget year."""
    year = doc.department.fiscal_year
    if not year:
        return
    headings = [("表名", t.title, t.source) for t in doc.tables] + [("标题", s.heading, s.source) for s in doc.sections]
    for what, title, source in headings:
        lead = re.sub(r"^(?:表[一二三四五六七八九十\d]+|预算公开表\d+|部门公开表\d+|第[一二三四]部分|[一二三四五六七八九十]+、|"
                      r"[（(][一二三四五六七八九十]+[)）]|\d+[、.])", "", title)
        for m in _YEAR.finditer(lead[:8]):  # the heading's own year, not a year inside a project name
            y = int(m.group(1))
            if y == year or _PAST_OK.search(title) or "《" in title:
                continue
            if not re.search(r"预算|表|公开|情况|说明", title):
                continue
            yield Finding("DOC-002", "warning", f"{what}年份 {y} 不是预算年度 {year}：{title}",
                          "a heading names another year than the budget year", doc.source,
                          Evidence("预算年度", year, None, doc.department.source.file, doc.department.source.line,
                                   None, doc.department.source.excerpt),
                          evidence(what, y, None, source), title)


REQUIRED_SECTIONS = (
    ("“三公”经费说明", r"三公"),
    ("机关运行经费说明", r"机关运行经费"),
    ("政府采购说明", r"政府采购"),
    ("绩效目标说明", r"绩效"),
    ("国有资产占有使用说明", r"国有资产"),
)
"""Explanations every 部门预算/单位预算 gives (the anchor's 五大必备子章节), found by heading words."""


def required_sections(doc: BudgetDocument) -> Iterator[Finding]:
    """A required explanation that is missing, or whose heading is printed with no text under it."""
    if not doc.sections:
        return
    for name, pattern in REQUIRED_SECTIONS:
        if any(re.search(pattern, s.heading) and len(s.text) >= 10 for s in doc.sections):
            continue
        yield Finding("ZB-004", "warning", f"缺少或空白：{name}", f"the required explanation ({name}) is missing or empty",
                      doc.source, Evidence(name, None, None, doc.source),
                      Evidence("说明部分的标题", None, None, doc.source, None, None,
                               "；".join(s.heading for s in doc.sections[:14])), name,
                      (("department", doc.department.name),))


_KIND_WORD = {"部门预算": ("单位预算", "部门"), "单位预算": ("部门预算", "单位")}


def kind_wording(doc: BudgetDocument) -> Iterator[Finding]:
    """A 部门预算 whose headings speak of 单位预算 (or the reverse): a template copied from the other kind."""
    kind = doc.department.doc_kind
    if kind not in _KIND_WORD:
        return
    other, _ = _KIND_WORD[kind]
    headings = [("表名", t.title, t.source) for t in doc.tables] + [("标题", s.heading, s.source) for s in doc.sections]
    for what, title, source in headings:
        if other in re.sub(r"部门预算(?:支出)?经济分类", "", title):  # the classification's name, not the kind
            yield Finding("DOC-003", "warning", f"{kind}的{what}写作“{other}”：{title}",
                          f"a {kind} document whose heading says {other}", doc.source,
                          Evidence("文种", None, None, doc.department.source.file, doc.department.source.line, None,
                                   doc.department.source.excerpt),
                          evidence(what, None, None, source), title)


RULES = [
    Rule("ZB-002", "warning", "标准表缺失",
         "Each national standard table (收支总表, 收入总表, 支出总表, 财政拨款收支总表, 一般公共预算支出表, 基本支出表, "
         "政府性基金表, 三公表) is printed, matched by meaning, not by exact title.", missing_tables, anchor="ZB-002/R014"),
    Rule("ZB-003", "warning", "空表未说明",
         "A standard table printed without any figure carries a note saying why (本表无数据, 空表列示).", empty_tables,
         anchor="B-014"),
    Rule("ZB-005", "warning", "空表说明矛盾",
         "A table that prints figures does not carry a note saying it is empty (本表为空表).", empty_tables),
    Rule("ZB-004", "warning", "必备说明缺失",
         "The explanations of 三公, 机关运行经费, 政府采购, 绩效目标 and 国有资产 are present and not empty.",
         required_sections, anchor="B-009/R014"),
    Rule("DOC-003", "warning", "部门/单位称谓",
         "A 部门预算 does not title its parts 单位预算, nor a 单位预算 部门预算.", kind_wording, anchor="B-005/R006"),
    Rule("DOC-001", "error", "占位符", "No template placeholder (XX局, xx, ××, 某某, 待填) is left in the text or tables.",
         placeholders, anchor="B-015"),
    Rule("DOC-002", "warning", "标题年份",
         "Table titles and section headings name the budget year (past years only with 上年/结转/执行 …).",
         heading_years, anchor="B-016"),
]
