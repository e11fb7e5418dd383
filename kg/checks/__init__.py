"""Consistency checks as an auditor reads a budget document: each rule one small function, in one module
per family, registered here in a plain list like the layouts.

Families: ``balance`` (B-*, sums inside the totals tables), ``crosstable`` (GJ-*, one table against another),
``prose`` (TB-*, the explanatory text against the tables), ``projects`` (PJ-*, project table against target
table and indicators), ``document`` (ZB-*/DOC-*, missing or empty tables, placeholders, wrong years).
To add a rule: write a function ``doc -> findings`` in the family's module and add a ``Rule`` to its RULES.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from kg.model import BudgetDocument

from . import balance, crosstable, document, projects, prose
from .finding import SEVERITIES, Evidence, Finding, Rule, location

FAMILIES = (balance, crosstable, prose, projects, document)
"""The rule families, in report order."""

RULES: dict[str, Rule] = {rule.id: rule for family in FAMILIES for rule in family.RULES}
"""The registry: rule id → rule."""


@dataclass(frozen=True)
class Report:
    """Findings per document, most serious first within each document."""

    documents: tuple[tuple[str, tuple[Finding, ...]], ...]

    @property
    def findings(self) -> list[Finding]:
        return [f for _, found in self.documents for f in found]

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def has_errors(self) -> bool:
        return self.count("error") > 0

    def as_dict(self) -> dict:
        return {"summary": {s: self.count(s) for s in SEVERITIES},
                "documents": [{"source": src, "findings": [f.as_dict() for f in found]}
                              for src, found in self.documents]}


def check(doc: BudgetDocument, rules: Optional[Iterable[str]] = None) -> list[Finding]:
    """Every finding of the selected rules (default all) on one document, most serious first."""
    selected = [RULES[r] for r in rules] if rules else list(RULES.values())
    wanted = {r.id for r in selected}
    found: list[Finding] = []
    seen = set()
    for fn in dict.fromkeys(r.check for r in selected):  # rules sharing one function run it once
        for f in fn(doc):
            key = (f.rule, f.message, f.expected.location, f.found.location)
            if f.rule in wanted and key not in seen:
                seen.add(key)
                found.append(f)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(found, key=lambda f: (order[f.severity], f.found.line or 0, f.rule))


def run_checks(docs: Iterable[BudgetDocument], rules: Optional[Iterable[str]] = None) -> Report:
    """The report over several documents (in the order given)."""
    rules = list(rules) if rules else None
    return Report(tuple((d.source, tuple(check(d, rules))) for d in docs))


__all__ = ["RULES", "FAMILIES", "Report", "Finding", "Evidence", "Rule", "check", "run_checks", "location"]
