"""Consistency checks as an auditor reads a budget document: each rule one small function, in one module
per family, registered here in a plain list like the layouts.

Families: ``balance`` (B-*, sums inside the totals tables), ``crosstable`` (GJ-*, one table against another),
``prose`` (TB-*, the explanatory text against the tables), ``projects`` (PJ-*, project table against target
table and indicators), ``document`` (ZB-*/DOC-*, missing or empty tables, placeholders, wrong years).
To add a rule: write a function ``doc -> findings`` in the family's module and add a ``Rule`` to its RULES.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
from dataclasses import dataclass
from typing import Iterable, Optional

from kg.model import BudgetDocument

from . import balance, crosstable, document, finding, projects, prose
from .finding import SEVERITIES, Evidence, Finding, Rule, location

FAMILIES = (balance, crosstable, prose, projects, document)
"""The rule families, in report order."""

RULES: dict[str, Rule] = {rule.id: rule for family in FAMILIES for rule in family.RULES}
"""The registry: rule id → rule."""

RULES_VERSION = 1
"""Bump when what the rules find changes for a reason outside kg/checks (the record model, a parser helper the
rules call): findings stored with the documents (kg.checks.stored) are then computed again. Changes to the rules'
own modules need no bump, their source is part of the fingerprint."""

_source_digest: Optional[str] = None


def _rules_source() -> str:
    """A digest of the rule modules' source (read once per process), so an edited rule recomputes stored findings."""
    global _source_digest
    if _source_digest is None:
        h = hashlib.sha256()
        for module in (*FAMILIES, finding, sys.modules[__name__]):  # this module: check() dedupes and sorts
            try:
                h.update(inspect.getsource(module).encode("utf-8"))
            except (OSError, TypeError):  # no source shipped (a frozen build): the ids and RULES_VERSION remain
                h.update(module.__name__.encode("utf-8"))
        _source_digest = h.hexdigest()
    return _source_digest


def fingerprint() -> str:
    """What stored findings were computed with: RULES_VERSION, every rule id and severity, the rules' source.

    A stored finding list whose fingerprint differs from this one is stale and is computed again."""
    rules = ",".join(f"{r.id}:{r.severity}" for r in RULES.values())
    text = f"{RULES_VERSION}|{rules}|{_rules_source()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


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


__all__ = ["RULES", "RULES_VERSION", "FAMILIES", "fingerprint", "Report", "Finding", "Evidence", "Rule", "check", "run_checks", "location"]
