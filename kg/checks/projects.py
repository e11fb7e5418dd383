"""Each project against itself (PJ-*): project table against target table (amount, name, funding sources),
cost indicators against the project's money, units off by 10⁴, 项目概况 prose against the tables, target tables
missing or cut off, citations in the prose against the 立项依据."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Iterator, Optional

from kg.model import BudgetDocument, Indicator, Project

from .finding import WAN, Evidence, Finding, Rule, evidence, fmt, grade, slack

_FUNDING_NAMES = {"central": "中央财政资金", "provincial": "省级财政资金", "local": "市县（区）财政资金",
                  "self_raised": "单位自筹", "other": "其他资金"}


def _concerns(p: Project) -> tuple:
    return (("project", p.name),)


def _amount(p: Project) -> Evidence:
    return evidence("项目支出预算表 金额", p.amount_wan, "万元", p.source)


def _funding(p: Project, what: str, value: Optional[Decimal]) -> Evidence:
    return evidence(f"绩效目标表 {what}", value, "元", p.funding.source if p.funding else p.target_source)


def project_vs_target(doc: BudgetDocument) -> Iterator[Finding]:
    for p in doc.projects:
        if p.funding is None or p.funding.total is None or p.amount_wan is None:
            continue
        level = grade(p.amount_wan, p.funding.total / WAN)
        if level:
            yield Finding("PJ-001", level,
                          f"{p.name}：项目表 {fmt(p.amount_wan)} 万元 ≠ 绩效目标表资金总额 {fmt(p.funding.total)} 元",
                          "the project table and the target table give the project different amounts",
                          doc.source, _amount(p), _funding(p, "资金总额", p.funding.total), p.name, _concerns(p))


def funding_sources(doc: BudgetDocument) -> Iterator[Finding]:
    for p in doc.projects:
        f = p.funding
        if f is None or f.total is None:
            continue
        split = [getattr(f, k) for k in _FUNDING_NAMES]
        known = [v for v in split if v is not None]
        if not known or all(v == 0 for v in known) and f.total == 0:
            continue
        if len(known) < 3:
            continue
        level = grade(f.total, sum(known), known)
        if level:
            yield Finding("PJ-002", level, f"{p.name}：各资金来源之和 {fmt(sum(known))} 元 ≠ 资金总额 {fmt(f.total)} 元",
                          "the funding sources of the target table do not add up to its total", doc.source,
                          _funding(p, "资金总额", f.total), _funding(p, "各资金来源之和", sum(known)), p.name,
                          _concerns(p))


_LEVEL_IN_NAME = (("中央", "central"), ("省级", "provincial"), ("市级", "local"), ("县级", "local"))


def funding_level_in_name(doc: BudgetDocument) -> Iterator[Finding]:
    """A project named 中央/省级/市级 … 资金 whose target table puts none of its money at that level."""
    for p in doc.projects:
        f = p.funding
        if f is None or not f.total:
            continue
        named = [(word, key) for word, key in _LEVEL_IN_NAME if re.search(word + r"(?:财政)?(?:补助|专项|转移支付)?资金|（" + word + "）", p.name)]
        if len(named) != 1:
            continue
        word, key = named[0]
        value = getattr(f, key)
        if value is None or value > 0:
            continue
        where = max(_FUNDING_NAMES, key=lambda k: getattr(f, k) or 0)
        yield Finding("PJ-003", "warning",
                      f"{p.name}：名称为{word}资金，绩效目标表{_FUNDING_NAMES[key]}为 0，资金列在{_FUNDING_NAMES[where]}",
                      f"the project is named as {word} money but its target table books it as {_FUNDING_NAMES[where]}",
                      doc.source, evidence("项目名称", None, None, p.source),
                      _funding(p, _FUNDING_NAMES[where], getattr(f, where)), p.name, _concerns(p))


def _key(name: str) -> str:
    return re.sub(r"[\s（）()“”\"、·,，]", "", name)


def name_vs_target(doc: BudgetDocument) -> Iterator[Finding]:
    for p in doc.projects:
        if not p.target_name or _key(p.target_name) == _key(p.name):
            continue
        a, b = _key(p.name), _key(p.target_name)
        if a in b or b in a:  # a line break or a suffix lost, not another name
            continue
        yield Finding("PJ-004", "warning", f"项目名称不一致：项目表“{p.name}”，绩效目标表“{p.target_name}”",
                      "the project table and its target table name the project differently", doc.source,
                      evidence("项目支出预算表 项目名称", None, None, p.source),
                      evidence("绩效目标表 项目名称", None, None, p.target_source), p.name, _concerns(p))


_PER_UNIT = re.compile(r"每|人均|平均|单价|标准|单位成本|/|／|元/|补助额度|最高|上限")
_MONEY = {"万元": Decimal(1), "万": Decimal(1), "元": Decimal(1) / WAN}


def _money(ind: Indicator) -> Optional[Decimal]:
    """The indicator's figure in 万元 when it is an amount of money."""
    v = ind.parsed
    if v.number is None or v.unit not in _MONEY:
        return None
    return v.number * _MONEY[v.unit]


def cost_indicators(doc: BudgetDocument) -> Iterator[Finding]:
    """Totals among the 成本指标 may not add up to more than the project's money; one off by 10⁴ is a unit slip."""
    for p in doc.projects:
        if p.amount_wan is None or not p.amount_wan:
            continue
        costs = [i for i in p.indicators if (i.level2 or "").startswith("成本") and _money(i) is not None]
        totals = []
        for i in costs:
            wan = _money(i)
            per_unit = bool(_PER_UNIT.search(i.name) or _PER_UNIT.search(i.value or ""))
            found = evidence(f"成本指标 {i.name}", i.parsed.number, i.parsed.unit, i.source)
            over = wan > p.amount_wan + slack(p.amount_wan, wan)
            if over and i.parsed.unit in ("万元", "万") and wan >= p.amount_wan * 1000 and \
                    wan / WAN <= p.amount_wan + slack(p.amount_wan):
                yield Finding("PJ-006", "error",
                              f"{p.name}：成本指标“{i.name}”{i.value} 超过项目金额 {fmt(p.amount_wan)} 万元约一万倍，应为元",
                              "a cost indicator is 10⁴ times too large: 万元 printed where 元 was meant",
                              doc.source, _amount(p), found, p.name, _concerns(p))
                continue
            if i.parsed.unit == "元" and not per_unit and p.amount_wan >= 1 and \
                    grade(p.amount_wan, i.parsed.number) is None:
                yield Finding("PJ-006", "warning",
                              f"{p.name}：成本指标“{i.name}”{i.value} 与项目金额 {fmt(p.amount_wan)} 万元数字相同，单位应为万元",
                              "a cost indicator prints the project's amount in 元 where 万元 was meant",
                              doc.source, _amount(p), found, p.name, _concerns(p))
                continue
            if per_unit:
                continue
            if i.parsed.comparator in ("≥", ">"):
                continue
            totals.append((i, wan))
        if not totals:
            continue
        summed = sum(w for _, w in totals)
        if summed > p.amount_wan + slack(p.amount_wan, *(w for _, w in totals)):
            first = totals[0][0]
            found = evidence("成本指标合计 " + "+".join(i.name for i, _ in totals), summed, "万元", first.source)
            yield Finding("PJ-005", "warning",
                          f"{p.name}：成本指标合计 {fmt(summed)} 万元 超过项目金额 {fmt(p.amount_wan)} 万元",
                          "the project's cost indicators add up to more than its money", doc.source,
                          _amount(p), found, p.name, _concerns(p))


_PROSE_AMOUNT = re.compile(r"(项目资金|项目经费|项目金额|项目预算|本项目|共计|合计|总计|共需|需资金|需要资金|需|预算资金|安排资金|"
                           r"资金总额|总额)(?:为|是|约|共)?\s*"
                           r"([0-9][0-9,]*(?:\.[0-9]+)?)\s*(万元|万|元)")


def overview_amounts(doc: BudgetDocument) -> Iterator[Finding]:
    """An amount the 项目概况 gives as the project's total (共计/需/安排 … 万元) that differs from its tables."""
    for p in doc.projects:
        if not p.overview or p.amount_wan is None or not p.amount_wan:
            continue
        stated = []
        for m in _PROSE_AMOUNT.finditer(p.overview):
            number = Decimal(m.group(2).replace(",", ""))
            stated.append((m, number * _MONEY[m.group(3)], number, m.group(3)))
        if not stated:
            continue
        if any(grade(p.amount_wan, wan) in (None, "info") for _, wan, _, _ in stated):
            continue
        if p.funding and p.funding.total and any(grade(p.funding.total / WAN, wan) is None for _, wan, _, _ in stated):
            continue
        m, wan, number, unit = max(stated, key=lambda s: s[1])
        if wan < p.amount_wan:  # the prose names a part of the money
            continue
        found = Evidence("项目概况", number, unit, p.target_source.file if p.target_source else doc.source,
                         p.target_source.line if p.target_source else None, None,
                         _snippet(p.overview, m.start(), m.end()))
        yield Finding("PJ-007", "warning",
                      f"{p.name}：项目概况写 {m.group(2)}{unit}，项目表为 {fmt(p.amount_wan)} 万元",
                      "the project overview states another amount than the tables", doc.source, _amount(p), found,
                      p.name, _concerns(p))


def _snippet(text: str, start: int, end: int, around: int = 40) -> str:
    a, b = max(0, start - around), min(len(text), end + around)
    return ("…" if a else "") + text[a:b].replace("\n", " ") + ("…" if b < len(text) else "")


def target_tables(doc: BudgetDocument) -> Iterator[Finding]:
    """A project of this year without a target table (when the document prints them), or with one cut off."""
    with_target = [p for p in doc.projects if p.target_source is not None]
    if not with_target:
        return
    for p in doc.projects:
        if p.carryover:
            continue
        if p.target_source is None:
            yield Finding("PJ-008", "warning", f"{p.name}：未找到项目支出绩效目标表",
                          "no performance target table for this project", doc.source,
                          evidence("项目绩效目标表", None, None, None, doc.source),
                          _amount(p), p.name, _concerns(p))
        elif not p.indicators or p.funding is None or p.funding.total is None:
            missing = "绩效指标" if not p.indicators else "资金总额"
            yield Finding("PJ-008", "warning", f"{p.name}：绩效目标表不完整（缺{missing}），可能被截断",
                          f"the target table lacks its {'indicators' if not p.indicators else 'funding block'}: "
                          "cut off or missing", doc.source, _amount(p),
                          evidence("绩效目标表", None, None, p.target_source), p.name, _concerns(p))
    for problem in doc.problems:
        if problem.code == "unmatched-target-table":
            yield Finding("PJ-008", "warning", f"绩效目标表无对应项目：{problem.excerpt or problem.message}",
                          "a target table whose project is not in the project tables", doc.source,
                          Evidence("项目支出预算表", None, None, doc.source),
                          Evidence("绩效目标表", None, None, problem.file, problem.line, None, problem.excerpt),
                          problem.excerpt)


def amount_not_printed(doc: BudgetDocument) -> Iterator[Finding]:
    """A project whose 年度预算安排 prints no annual amount (prose only, or parts such as quarterly 用款计划 with no
    total): its amount is left empty by the reader, never a sum it computed, and the reader says so here."""
    for problem in doc.problems:
        if problem.code != "project-amount-not-printed" or problem.line is None:
            continue
        before = [p for p in doc.projects if p.source.file == problem.file and p.source.line <= problem.line]
        p = max(before, key=lambda q: q.source.line, default=None)
        if p is None:
            continue
        parts = _PARTS.findall(problem.excerpt or "")
        what = f"只列 {len(parts)} 个分项金额（{'、'.join(parts)}），未列全年金额" if len(parts) > 1 else "未列金额"
        yield Finding("PJ-011", "info", f"{p.name}：年度预算安排{what}；项目金额空缺",
                      "the project's 年度预算安排 prints no annual amount: the amount is left empty (parts are not "
                      "summed into a figure the document does not print)", doc.source,
                      evidence("项目经费情况说明 年度金额", None, None, p.source),
                      Evidence("年度预算安排", None, None, problem.file, problem.line, problem.page, problem.excerpt),
                      p.name, _concerns(p))


_PARTS = re.compile(r"\d[\d,]*(?:\.\d+)?\s*(?:万元|万|元)")


_DOC_NUMBER = re.compile(r"([\u4e00-\u9fff]{1,8})[〔\[【（(]\s*((?:19|20)\d{2})\s*[〕\]】）)]\s*(\d+)\s*号")


def _numbers(text: str) -> dict[tuple, str]:
    """Document numbers in a text, keyed by (year, number, last character of the issuer prefix)."""
    return {(m.group(2), m.group(3), m.group(1)[-1]): m.group(0) for m in _DOC_NUMBER.finditer(text or "")}


def citations(doc: BudgetDocument) -> Iterator[Finding]:
    """A document number cited in the project's prose but absent from its 立项依据."""
    for p in doc.projects:
        if not p.legal_bases and not p.basis_text:
            continue
        listed = set(_numbers(p.basis_text or ""))
        for b in p.legal_bases:
            listed |= set(_numbers(b.doc_number or "")) | set(_numbers(b.as_printed))
        for key, printed in _numbers((p.overview or "") + "\n" + (p.goals or "")).items():
            if key in listed:
                continue
            yield Finding("PJ-009", "info", f"{p.name}：项目概况引用 {printed}，立项依据未列",
                          "the project's prose cites a document its 立项依据 does not list", doc.source,
                          evidence("立项依据", None, None, p.target_source),
                          Evidence("项目概况", None, None, p.target_source.file if p.target_source else doc.source,
                                   p.target_source.line if p.target_source else None, None, printed),
                          p.name, _concerns(p))


_LEADING_YEAR = re.compile(r"^((?:19|20)\d{2})\s*年")


def name_year(doc: BudgetDocument) -> Iterator[Finding]:
    """A project of this year's budget whose name starts with an earlier year: often last year's name copied."""
    year = doc.department.fiscal_year
    if not year:
        return
    for p in doc.projects:
        m = _LEADING_YEAR.match(p.name)
        if p.carryover or not m or int(m.group(1)) >= year:
            continue
        yield Finding("PJ-010", "info", f"{p.name}：本年预算项目名称年份 {m.group(1)} 早于预算年度 {year}",
                      "a project of this year's budget is named after an earlier year", doc.source,
                      Evidence("预算年度", Decimal(year), None, doc.department.source.file, doc.department.source.line,
                               None, doc.department.source.excerpt),
                      evidence("项目名称", Decimal(m.group(1)), None, p.source), p.name, _concerns(p))


RULES = [
    Rule("PJ-001", "error", "项目表与目标表金额",
         "A project's amount in the project table equals the 资金总额 of its target table (万元 vs 元).",
         project_vs_target),
    Rule("PJ-002", "error", "目标表资金来源合计",
         "The funding sources of a target table (中央, 省级, 市县, 自筹, 其他) add up to its 资金总额.", funding_sources),
    Rule("PJ-003", "warning", "名称与资金来源",
         "A project named as 中央/省级/市级 money has money at that level in its target table.", funding_level_in_name),
    Rule("PJ-004", "warning", "项目名称一致", "The project table and the target table print the same project name.",
         name_vs_target),
    Rule("PJ-005", "warning", "成本指标合计",
         "The total-amount cost indicators (成本指标 in 万元/元, not per-unit standards) do not exceed the project's money.",
         cost_indicators),
    Rule("PJ-006", "error", "成本指标单位",
         "No cost indicator is off by 10⁴ (万元 printed where 元 was meant, or the amount in 元 where 万元 was meant).",
         cost_indicators),
    Rule("PJ-007", "warning", "项目概况金额",
         "A total amount stated in the 项目概况 prose (共计/需/安排 … 万元) agrees with the tables.", overview_amounts),
    Rule("PJ-008", "warning", "目标表缺失或截断",
         "Every project of the year has a target table, with indicators and a funding block; every target table has "
         "a project.", target_tables),
    Rule("PJ-009", "info", "引用文件一致",
         "Document numbers cited in the project prose appear in its 立项依据.", citations),
    Rule("PJ-010", "info", "项目名称年份",
         "A project of this year's budget (not 上年结转) is not named after an earlier year.", name_year),
    Rule("PJ-011", "info", "项目金额未列明",
         "A project's 年度预算安排 prints its annual amount; when it prints only parts (e.g. quarterly 用款计划) or "
         "prose, the amount is left empty, not computed.", amount_not_printed),
]
