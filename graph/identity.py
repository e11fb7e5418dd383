"""Entity resolution shared by the graph and the RDF export, so both name things alike.

* one department node per department name, across documents and years;
* one policy node per normalised document number; a title-only citation joins
  the numbered policy with the same title when there is one;
* a project is identified by department, fiscal year, name and whether it is
  carried over (the same name in another year is another project).
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

from kg.model import BudgetDocument, LegalBasis, Project

FUNDING_SOURCES = {
    "central": "中央财政资金",
    "provincial": "省级财政资金",
    "local": "市县（区）财政资金",
    "self_raised": "单位自筹",
    "other": "其他资金",
}
"""Funding sources of a project's target table (元), by glossary identifier."""

BUDGET_FUNDS = {"general_budget": "一般公共预算", "government_fund": "政府性基金预算", "state_capital": "国有资本经营预算",
                "special_account": "财政专户管理资金", "unit_funds": "单位资金", "carryover": "上年结转"}
"""Budget sources (资金性质) of a department's income and of its projects, by glossary identifier."""


def _title_key(title: str) -> str:
    return re.sub(r"[\s《》<>〈〉“”\"'()（）]", "", title)


class Identities:
    def __init__(self, documents: Iterable[BudgetDocument]):
        self.documents = list(documents)
        self._title_to_number: dict[str, str] = {}
        for d in self.documents:
            for b in d.legal_bases:
                if b.doc_number and b.title:
                    self._title_to_number.setdefault(_title_key(b.title), b.doc_number)
        self._titles: Optional[dict[str, str]] = None
        self._projects: dict[tuple[str, int], tuple[str, ...]] = {}
        for d in self.documents:
            seen: dict[tuple[str, ...], int] = {}
            for i, p in enumerate(d.projects):
                base = self._project_base(d, p)
                n = seen.get(base, 0)
                seen[base] = n + 1
                self._projects[(d.source, i)] = base if n == 0 else base + (f"#{n + 1}",)

    @staticmethod
    def department(doc: BudgetDocument) -> str:
        return doc.department.name

    @staticmethod
    def _project_base(doc: BudgetDocument, p: Project) -> tuple[str, ...]:
        year = str(doc.department.fiscal_year or 0)
        return (doc.department.name, year, p.name) + (("上年结转",) if p.carryover else ())

    def project(self, doc: BudgetDocument, index: int) -> tuple[str, ...]:
        """(department, year, name[, 上年结转][, #n]): the parts of a project's identity."""
        return self._projects[(doc.source, index)]

    def policy(self, b: LegalBasis) -> str:
        """The policy's identity: its number, or the number of a policy with the same title, or 《title》."""
        if b.doc_number:
            return b.doc_number
        number = self._title_to_number.get(_title_key(b.title or ""))
        return number or f"《{b.title}》"

    def policy_title(self, key: str) -> Optional[str]:
        """The first title any citation of this policy gives."""
        if self._titles is None:
            self._titles = {}
            for d in self.documents:
                for b in d.legal_bases:
                    if b.title:
                        self._titles.setdefault(self.policy(b), b.title)
        return self._titles.get(key)


# ------------------------------------------------------------------ policies: type, year, issuer (parsed here only)

DOCUMENT_TYPES = ("实施细则", "实施方案", "实施意见", "管理办法", "暂行办法", "通知", "办法", "意见", "纪要", "决定",
                  "规定", "方案", "细则", "批复", "函", "规划", "指南", "标准", "通报", "通告", "请示", "决议", "条例", "计划", "报告", "清单", "法")
"""Kinds of policy document (公文种类), read from the end of a title; longer names first."""

_TYPE_OF = {"实施细则": "细则", "实施方案": "方案", "实施意见": "意见", "管理办法": "办法", "暂行办法": "办法"}
_YEAR = re.compile(r"〔((?:19|20)\d{2})〕")


def policy_type(title: Optional[str]) -> Optional[str]:
    """通知, 办法, 意见, 纪要 … from the title's last words (…管理办法（试行） → 办法); None when it says none."""
    if not title:
        return None
    core = re.sub(r"[（(][^）)]*[）)]$", "", title.strip().rstrip("》")).strip()
    for kind in DOCUMENT_TYPES:
        if core.endswith(kind):
            return _TYPE_OF.get(kind, kind)
    return None


def policy_year(doc_number: Optional[str]) -> Optional[int]:
    """The year in a normalised number's brackets: 晋财预〔2020〕52号 → 2020."""
    m = _YEAR.search(doc_number or "")
    return int(m.group(1)) if m else None


def policy_issuer(b: LegalBasis) -> Optional[str]:
    """The issuing body as printed (山西省财政厅), else the authority code of the number (晋财预, 机关代字)."""
    return b.issuer or b.issuer_prefix
