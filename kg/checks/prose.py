"""The explanatory text against the tables (TB-*): amounts the prose names, shares (占 x%), changes
(比上年增加/减少 … 增长/下降 x%) and the words that describe them, 三公, 机关运行经费, 政府采购 and 绩效 paragraphs.

Prose is read sentence by sentence; each amount gets the words before it in its clause as its label, and a
label is matched to table figures by meaning. Where a label could mean several figures (项目支出 with or
without carry-over, 一般公共预算 this year or with its carry-over) the prose is right if it matches any.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from decimal import Decimal
from typing import Callable, Iterator, Optional

from kg.model import BudgetDocument

from .balance import total
from .crosstable import project_candidates
from .finding import Evidence, Finding, Rule, evidence, fmt, grade, half_unit

_AMOUNT = re.compile(r"(-?[0-9][0-9,]*(?:\.[0-9]+)?)\s*万元")
_PERCENT = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*[%％]")
_CLAUSE_END = re.compile(r"[，,；;：:（）()]")


@dataclass(frozen=True)
class Sentence:
    text: str
    heading: str
    file: str
    starts: tuple[int, ...]
    """Offset in ``text`` where each source line starts."""
    lines: tuple[int, ...]

    def line_at(self, offset: int) -> Optional[int]:
        if not self.lines:
            return None
        return self.lines[max(0, bisect.bisect_right(self.starts, offset) - 1)]

    def evidence(self, what: str, value: Optional[Decimal], unit: Optional[str], start: int, end: int) -> Evidence:
        a, b = max(0, start - 36), min(len(self.text), end + 24)
        snippet = ("…" if a else "") + self.text[a:b] + ("…" if b < len(self.text) else "")
        return Evidence(what, value, unit, self.file, self.line_at(start), None, snippet)


_CACHE: dict = {}


def sentences(doc: BudgetDocument, whole: bool = False) -> list[Sentence]:
    """The document's sentences, computed once per document (every prose rule reads them)."""
    key = (id(doc), whole)
    hit = _CACHE.get(key)
    if hit is None or hit[0] is not doc:
        if len(_CACHE) > 8:
            _CACHE.clear()
        hit = _CACHE[key] = (doc, list(_sentences(doc, whole)))
    return hit[1]


def _sentences(doc: BudgetDocument, whole: bool = False) -> Iterator[Sentence]:
    """Sentences of the explanatory sections; a sentence broken over lines (PDF/OCR wraps) is joined.
    ``whole``: each section as one 'sentence' (a total and its parts often sit in two sentences)."""
    for s in doc.sections:
        parts = s.text.split("\n")
        lines = s.lines if len(s.lines) == len(parts) else (s.source.line,) * len(parts)
        text, starts = "", []
        for part in parts:
            starts.append(len(text))
            text += part
        for m in re.finditer(r"[^。！？]+[。！？]?" if not whole else r".+", text):
            i = bisect.bisect_right(starts, m.start()) - 1
            sub_starts = tuple(max(0, st - m.start()) for st in starts[i:] if st < m.end())
            yield Sentence(m.group(0), s.heading, s.source.file, sub_starts or (0,), tuple(lines[i:i + len(sub_starts)])
                           or (lines[i],))


@dataclass(frozen=True)
class Amount:
    label: str
    value: Decimal
    start: int
    end: int


@lru_cache(maxsize=4096)
def amounts(sentence: Sentence) -> tuple[Amount, ...]:
    """Each 万元 amount with its label: the words since the last clause mark or amount before it."""
    out = []
    ends = [x.end() for x in _CLAUSE_END.finditer(sentence.text)]
    last_amount = 0
    for m in _AMOUNT.finditer(sentence.text):
        i = bisect.bisect_right(ends, m.start())
        cut = max(ends[i - 1] if i else 0, last_amount)
        out.append(Amount(sentence.text[cut:m.start()].strip("、 "), Decimal(m.group(1).replace(",", "")),
                          m.start(), m.end()))
        last_amount = m.end()
    return tuple(out)


_CHANGE = re.compile(r"比|较|与.{0,8}相比|增加|减少|增长|下降|持平|相同")

Getter = Callable[[BudgetDocument], list[Evidence]]


def _t(field: str, what: str) -> Getter:
    return lambda d: [total(d, field, what)]


def _source(key: str, what: str, with_carryover: bool = False) -> Getter:
    def get(d: BudgetDocument) -> list[Evidence]:
        v = d.totals.income_by_source.get(key)
        if v is None:
            return []
        out = [Evidence(what, v, "万元", d.source, d.totals.lines.get("current_year_income"), None,
                        d.totals.excerpts.get("current_year_income"))]
        if with_carryover and d.totals.carryover_income:
            out.append(Evidence(what + "（含上年结转）", v + d.totals.carryover_income, "万元", d.source))
        return out
    return get


def _functional(d: BudgetDocument, name: str) -> list[Evidence]:
    out = [evidence(f"{r.code} {r.name}", r.total, "万元", r.source) for r in d.functional_spending
           if len(r.code) == 3 and r.name == name and r.total is not None]
    for t in d.tables:
        for f in t.figures_by_label:
            if f.label == name and (t.unit in (None, "万元")):
                out.append(evidence(f"{t.title} {name}", f.value, "万元", f.source))
    return out


LABELS: tuple[tuple[str, str, Getter], ...] = (
    ("TB-002", r"“?三公”?经费(?:财政拨款)?(?:预算)?(?:安排)?$", _t("three_public", "“三公”经费合计")),
    ("TB-002", r"因公出国[（(]境[)）]费(?:用)?$", _t("overseas_travel", "因公出国（境）费")),
    ("TB-002", r"公务接待费$", _t("official_reception", "公务接待费")),
    ("TB-002", r"公务用车购置及运[行维](?:维护)?费$", _t("vehicle", "公务用车购置及运行费")),
    ("TB-003", r"机关运行经费(?:财政拨款)?(?:预算)?(?:共计)?(?:安排)?(?:为)?$",
     lambda d: [total(d, "operating_costs", "机关运行经费表"), total(d, "public_use", "公用经费")]),
    ("TB-004", r"政府采购预算总额$|政府采购预算$", _t("procurement_total", "政府采购预算")),
    ("TB-001", r"一般公共预算(?:拨款)?(?:收入)?$|一般公共预算当年支出$", _source("general_budget", "一般公共预算", True)),
    ("TB-001", r"(?:政府性)?基金预算(?:拨款)?(?:收入)?$", _source("government_fund", "政府性基金预算")),
    ("TB-001", r"国有资本经营预算(?:拨款)?(?:收入)?$", _source("state_capital", "国有资本经营预算")),
    ("TB-001", r"财政专户(?:管理资金|核拨)(?:收入)?$", _source("special_account", "财政专户管理资金")),
    ("TB-001", r"单位资金(?:收入)?$", _source("unit_funds", "单位资金")),
    ("TB-001", r"收入总计$|(?<![基金营户])预算收入$|收入预算$|收支总预算$", _t("income_total", "收入总计")),
    ("TB-001", r"支出总计$|支出预算$", _t("expenditure_total", "支出总计")),
    ("TB-001", r"本年收入$|当年拨款收入$|本年预算安排$", _t("current_year_income", "本年收入合计")),
    ("TB-001", r"上年结转(?:收入)?$", _t("carryover_income", "上年结转")),
    ("TB-001", r"基本支出$", _t("basic_expenditure", "基本支出")),
    ("TB-001", r"项目支出$", project_candidates),
    ("TB-001", r"人员经费$", _t("personnel", "人员经费")),
    ("TB-001", r"公用经费$", _t("public_use", "公用经费")),
)


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _clean_label(label: str) -> str:
    label = re.sub(r"^(?:其中|主要包括|包括|主要用于以下方面|支出包括)", "", label)
    return re.sub(r"(?:为|是|共|共计|合计|安排|预算安排)$", "", label)


_SUBJECT = re.compile(r"(?:19|20)\d{2}年度?|本部门|本单位|我部门|我单位|部门|单位|全年|预算年度|所属|本级|财政拨款|安排|"
                      r"一般公共预算安排|等\d+家|\d+家|行政、参公|行政|参公")


def _qualified(label: str, pattern: str, doc: BudgetDocument) -> bool:
    """True when words before the matched figure name narrow it (西固义乡自收自支事业编人员经费 ≠ 人员经费)."""
    m = re.search(pattern, label)
    prefix = label[:m.start()] if m else label
    for name in (doc.department.name, *doc.department.subunits):
        if name:
            prefix = prefix.replace(name, "")
    prefix = _SUBJECT.sub("", prefix)
    return len(prefix) > 6


def prose_amounts(doc: BudgetDocument) -> Iterator[Finding]:
    """An amount the prose gives a table figure (by its label) that differs from that figure."""
    if "决算" in (doc.department.doc_kind or ""):
        return  # a 决算 names its totals otherwise (收入支出总计 includes 年初结转); its labels are not mapped yet
    classes = {r.name for r in doc.functional_spending if len(r.code) == 3}
    figures: dict = {}
    """Label pattern or class name → the table figures it may mean, gathered once per document: each gathering
    scans the tables, and a compilation of many departments has thousands of sentences (once per sentence was
    quadratic: 2 s at 4 MB, minutes at 40 MB)."""

    def figures_for(key, gather: Callable[[], list[Evidence]]) -> list[Evidence]:
        if key not in figures:
            figures[key] = gather()
        return figures[key]

    for s in sentences(doc):
        for a in amounts(s):
            label = _clean_label(a.label)
            if not label or _CHANGE.search(label) or "上年预算" in label or "增" in label:
                continue
            rule, candidates = None, []
            for rid, pattern, get in LABELS:
                if _compiled(pattern).search(label):
                    if not _qualified(label, pattern, doc):
                        rule, candidates = rid, figures_for(pattern, lambda: get(doc))
                    break
            if rule is None:
                name = next((c for c in classes if label.endswith(c)), None)
                if name is None or _qualified(label, re.escape(name) + "$", doc):
                    continue
                rule, candidates = "TB-001", figures_for(("class", name), lambda: _functional(doc, name))
            candidates = [c for c in candidates if c.value is not None]
            if not candidates:
                continue
            found = s.evidence(f"说明 {label}", a.value, "万元", a.start, a.end)
            candidates = [c for c in candidates if (c.file, c.line) != (found.file, found.line)]
            if not candidates:
                continue  # the only figure was read from this very sentence
            levels = [(abs(c.value - a.value), grade(c.value, a.value, severity="warning"), c) for c in candidates]
            if any(level is None for _, level, _ in levels):
                continue
            _, level, nearest = min(levels, key=lambda x: x[0])
            yield Finding(rule, level, f"说明中{label} {fmt(a.value)} 万元，表中为 {fmt(nearest.value)} 万元",
                          f"the text gives {label} another amount than the tables", doc.source, nearest, found,
                          label)


_YUAN = re.compile(r"(?<![0-9.])([0-9]+\.[0-9]{1,2})\s*元")


def yuan_for_wan(doc: BudgetDocument) -> Iterator[Finding]:
    """“住房公积金3.58元” where the tables give 3.58万元: 元 written for 万元 (a 10⁴ slip in the text)."""
    for s in sentences(doc):
        for m in _YUAN.finditer(s.text):
            if s.text[max(0, m.start() - 1):m.start()] == "万":
                continue
            before = s.text[:m.start()]
            cut = max((x.end() for x in _CLAUSE_END.finditer(before)), default=0)
            label = _clean_label(before[cut:])
            value = Decimal(m.group(1))
            for _, pattern, get in LABELS:
                if label and re.search(pattern, label) and not _qualified(label, pattern, doc):
                    hits = [c for c in get(doc) if c.value is not None and c.value and grade(c.value, value) is None]
                    if hits:
                        yield Finding("TB-009", "warning", f"说明中{label} {m.group(1)}元，表中为 {fmt(hits[0].value)} 万元：单位应为万元",
                                      "the text writes 元 where the tables give the same number in 万元", doc.source,
                                      hits[0], s.evidence(f"说明 {label}", value, "元", m.start(), m.end()), label)
                    break


def _pct_range(part: Decimal, whole: Decimal) -> tuple[Decimal, Decimal]:
    """The share part/whole can have given how both were rounded, in percent."""
    hp, hw = half_unit(part), half_unit(whole)
    lo = (part - hp) / (whole + hw) * 100 if whole + hw else Decimal(0)
    hi = (part + hp) / (whole - hw) * 100 if whole - hw > 0 else Decimal(10 ** 6)
    return lo, hi


def _pct_grade(printed: Decimal, lo: Decimal, hi: Decimal) -> Optional[str]:
    h = half_unit(printed)
    if printed + h >= lo and printed - h <= hi:
        return None
    gap = min(abs(printed - lo), abs(printed - hi))
    return "info" if gap <= Decimal("0.1") else "warning"


def shares(doc: BudgetDocument) -> Iterator[Finding]:
    """“X万元，占P%”: P against X divided by the sentence's first (whole) amount."""
    for s in sentences(doc):
        found = amounts(s)
        if len(found) < 2:
            continue
        whole = found[0]
        for a in found[1:]:
            m = re.match(r"\s*[，,]?\s*占(?:比)?(?:为)?\s*([0-9]+(?:\.[0-9]+)?)\s*[%％]", s.text[a.end:])
            if not m or not whole.value or _CHANGE.search(_clean_label(a.label)):
                continue
            printed = Decimal(m.group(1))
            lo, hi = _pct_range(a.value, whole.value)
            level = _pct_grade(printed, lo, hi)
            if level:
                computed = (a.value / whole.value * 100).quantize(Decimal("0.01"))
                yield Finding("TB-006", level,
                              f"占比不符：{_clean_label(a.label)} {fmt(a.value)} ÷ {fmt(whole.value)} = {computed}%，说明写 {printed}%",
                              "a share stated in the text does not follow from the amounts it relates",
                              doc.source, Evidence("按金额计算的占比", computed, "%", s.file, s.line_at(a.start), None,
                                                   s.text[whole.start:a.end][:160]),
                              s.evidence("说明中的占比", printed, "%", a.start, a.end + m.end()),
                              _clean_label(a.label))


_CHANGE_CLAUSE = re.compile(r"(?:比|较)(?:上年|上一年|(?:19|20)\d{2}年)[^，,；;。]{0,10}?(增加|减少|增长|下降|持平)\s*"
                            r"(?:了)?\s*(-?[0-9][0-9,]*(?:\.[0-9]+)?)?\s*(万元)?\s*[，,]?\s*"
                            r"(?:(增长|下降|增加|减少)\s*(?:了)?\s*([0-9]+(?:\.[0-9]+)?)\s*[%％])?")


def changes(doc: BudgetDocument) -> Iterator[Finding]:
    """“X万元，比上年增加D万元，增长P%”: P against D/(X−D), and the words against each other."""
    for s in sentences(doc):
        for m in _CHANGE_CLAUSE.finditer(s.text):
            word, delta, unit, word2, pct = m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)
            before = [a for a in amounts(s) if a.end <= m.start()]
            up = {"增加": 1, "增长": 1, "减少": -1, "下降": -1, "持平": 0}
            if word2 and up[word] * up[word2] < 0:
                yield Finding("TB-008", "warning", f"增减用词矛盾：“{word}”与“{word2}”",
                              "the text says both up and down about one change", doc.source,
                              s.evidence(f"“{word}”", None, None, m.start(1), m.end(1)),
                              s.evidence(f"“{word2}”", None, None, m.start(4), m.end(4)), word)
            if not delta or not unit or not pct or not before:
                continue
            d, printed = Decimal(delta.replace(",", "")), Decimal(pct)
            sign = up[word]
            if sign == 0:
                continue
            levels = []
            for base in (before[0], *before[1:]):  # the sentence's subject first, then nearer amounts
                previous = base.value - sign * d
                if previous > 0:
                    lo, hi = _pct_range(d, previous)
                    levels.append(_pct_grade(printed, lo, hi))
            if not levels or None in levels:
                continue
            previous = before[0].value - sign * d
            level = levels[0]
            if level:
                computed = (d / previous * 100).quantize(Decimal("0.01"))
                yield Finding("TB-007", level,
                              f"增减幅度不符：{word}{fmt(d)} 万元 ÷ 上年 {fmt(previous)} 万元 = {computed}%，说明写 {printed}%",
                              "the percentage change does not follow from the amounts stated", doc.source,
                              Evidence("按金额计算的增减幅度", computed, "%", s.file, s.line_at(before[0].start), None,
                                       s.text[before[0].start:m.end()][:160]),
                              s.evidence("说明中的增减幅度", printed, "%", m.start(), m.end()), word)
            if (word == "持平" or "相同" in s.text[m.start():m.end()]) and d:
                yield Finding("TB-008", "warning", f"称持平但列出变化 {fmt(d)} 万元",
                              "the text calls a change of money 'flat'", doc.source,
                              s.evidence("持平", None, None, m.start(1), m.end(1)),
                              s.evidence("变化额", d, "万元", m.start(2), m.end(2)), word)


_SAME = re.compile(r"(-?[0-9][0-9,]*(?:\.[0-9]+)?)\s*万元[^，,；;。]{0,6}?与(?:上年|(?:19|20)\d{2}年)[^，,；;。]{0,8}?(?:相同|持平)")


def procurement(doc: BudgetDocument) -> Iterator[Finding]:
    """政府采购预算总额 = 货物 + 工程 + 服务 in the text (B-012)."""
    for s in sentences(doc, whole=True):
        if "政府采购" not in s.text:
            continue
        found = amounts(s)
        whole = next((a for a in found if re.search(r"总额$|预算$", _clean_label(a.label)) and "采购" in a.label
                      and not re.search(r"货物|工程|服务", a.label)), None)
        parts = [a for a in found if re.search(r"货物|工程|服务", a.label)]
        if whole is None or len(parts) < 2:
            continue
        summed = sum(p.value for p in parts)
        level = grade(whole.value, summed, [p.value for p in parts], severity="warning")
        if level:
            yield Finding("TB-004", level, f"政府采购预算总额 {fmt(whole.value)} 万元 ≠ 货物+工程+服务 {fmt(summed)} 万元",
                          "the procurement total in the text does not equal goods + works + services", doc.source,
                          s.evidence("政府采购预算总额", whole.value, "万元", whole.start, whole.end),
                          s.evidence("货物+工程+服务", summed, "万元", parts[0].start, parts[-1].end), "政府采购")


_PERF = re.compile(r"(?:纳入绩效目标管理的|公开)(?:二级|2级)?项目(?:绩效目标)?(\d+)个[，,]\s*(?:共计|涉及)?(?:项目)?金额\s*"
                   r"([0-9][0-9,]*(?:\.[0-9]+)?)\s*万元")


def performance(doc: BudgetDocument) -> Iterator[Finding]:
    """“纳入绩效目标管理的项目N个，共计金额X万元” against the projects and their target tables (B-013)."""
    current = [p for p in doc.projects if not p.carryover]
    if not current:
        return
    gathered: list[list[Evidence]] = []  # the project figures, gathered once (a compilation has many such sentences)
    for s in sentences(doc):
        for m in _PERF.finditer(s.text):
            count, amount = int(m.group(1)), Decimal(m.group(2).replace(",", ""))
            if not gathered:
                gathered.append([c for c in project_candidates(doc) if c.value is not None])
            candidates = gathered[0]
            if candidates and all(grade(c.value, amount, severity="warning") for c in candidates):
                nearest = min(candidates, key=lambda c: abs(c.value - amount))
                yield Finding("TB-005", grade(nearest.value, amount, severity="warning"),
                              f"绩效说明项目金额 {fmt(amount)} 万元，项目表为 {fmt(nearest.value)} 万元",
                              "the performance paragraph gives another project amount than the tables", doc.source,
                              nearest, s.evidence("绩效说明 项目金额", amount, "万元", m.start(2), m.end(2)), "绩效目标")
            with_target = [p for p in current if p.target_source is not None]
            if count not in (len(current), len(with_target)):
                yield Finding("TB-005", "warning",
                              f"绩效说明称项目 {count} 个，项目表本年项目 {len(current)} 个（有绩效目标表 {len(with_target)} 个）",
                              "the performance paragraph counts another number of projects than the tables",
                              doc.source, evidence("本年项目数", Decimal(len(current)), "个",
                                                   current[0].source),
                              s.evidence("绩效说明 项目数", Decimal(count), "个", m.start(1), m.end(1)), "绩效目标")


def prose_figures(doc: BudgetDocument) -> Iterator[Finding]:
    """TB-001..TB-004 in one pass over the amounts of the text."""
    yield from prose_amounts(doc)
    yield from procurement(doc)


RULES = [
    Rule("TB-009", "warning", "说明金额单位",
         "The text does not write 元 for an amount the tables give in 万元 (e.g. 公用经费 84.10元 for 84.10万元).",
         yuan_for_wan, anchor="R001"),
    Rule("TB-001", "warning", "说明金额与表格",
         "Amounts the text gives the totals (收入/支出总计, 本年收入, 上年结转, 基本/项目支出, 人员/公用经费, functional "
         "classes) equal the tables.", prose_figures, anchor="B-008/C-003"),
    Rule("TB-002", "warning", "三公说明与三公表",
         "The 三公 paragraph gives each item the amount of the 三公 table.",
         prose_figures, anchor="B-TbT"),
    Rule("TB-003", "warning", "机关运行经费说明",
         "The 机关运行经费 stated in the text equals the 机关运行经费 table or the 公用经费 of basic spending.",
         prose_figures, anchor="B-011/R009"),
    Rule("TB-004", "warning", "政府采购说明",
         "The procurement total in the text equals goods + works + services and the procurement table.",
         prose_figures, anchor="B-012"),
    Rule("TB-005", "warning", "绩效说明与项目",
         "The number and money of projects under performance management stated in the text match the project tables.",
         performance, anchor="B-013"),
    Rule("TB-006", "warning", "占比", "Each “占 P%” follows from the amount and the sentence's whole.", shares,
         anchor="D-002/D-003 percent_compare"),
    Rule("TB-007", "warning", "增减幅度",
         "Each “比上年增加/减少 D 万元，增长/下降 P%” has P = D ÷ last year's amount.",
         changes),
    Rule("TB-008", "warning", "增减用词",
         "增加/减少 and 增长/下降 about one change point the same way; 持平 is not said of a change.",
         changes),
]
