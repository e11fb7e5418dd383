"""Findings and rules as data: what a check reports, and how two printed figures are compared.

A finding names its rule, a severity, a one-line Chinese message with an English gloss, and two pieces of
evidence (each a figure, a place and the line quoted), like an auditor's note: "this says A here, that says
B there". Rounding is never an error: figures are compared with the slack their printed precision allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Iterable, Optional

from kg.model import BudgetDocument, Provenance, format_place

SEVERITIES = ("error", "warning", "info")
"""Most to least serious: error = the document contradicts itself; warning = very likely wrong or missing;
info = worth a look (a difference explained by rounding, a figure off by at most one printed unit)."""

WAN = Decimal(10000)
"""元 per 万元."""


@dataclass(frozen=True)
class Evidence:
    """One side of a finding: what was read, its figure, where, and the line as printed."""

    what: str
    """Which figure or text, e.g. 预算支出总表 项目支出."""
    value: Optional[Decimal] = None
    """The figure (in ``unit``), None for a textual finding."""
    unit: Optional[str] = None
    """万元, 元, % or None."""
    file: Optional[str] = None
    """Source document."""
    line: Optional[int] = None
    """1-based line in the decoded text."""
    page: Optional[int] = None
    """Page, for documents read from PDF."""
    excerpt: Optional[str] = None
    """The source line as printed."""

    sheet: Optional[str] = None
    """Workbook sheet, for documents read from a workbook."""
    cell: Optional[str] = None
    """Workbook cell of the row."""

    @property
    def location(self) -> str:
        return location(self.file, self.line, self.page, self.sheet, self.cell)

    def as_dict(self) -> dict:
        return {"what": self.what, "value": None if self.value is None else str(self.value), "unit": self.unit,
                "file": self.file, "line": self.line, "page": self.page, "sheet": self.sheet, "cell": self.cell,
                "location": self.location, "excerpt": self.excerpt}

    @classmethod
    def from_dict(cls, d: dict) -> "Evidence":
        """The evidence ``as_dict`` wrote (its derived ``location`` is recomputed); the figure keeps its printed digits."""
        value = d["value"]
        return cls(d["what"], None if value is None else Decimal(value), d["unit"], d["file"], d["line"], d["page"],
                   d["excerpt"], d["sheet"], d["cell"])


def location(file: Optional[str], line: Optional[int], page: Optional[int] = None, sheet: Optional[str] = None,
             cell: Optional[str] = None) -> str:
    """A place as people read it, written by the model's one helper: ``file:line``, ``file p.N``, ``file!Sheet!B7``."""
    return format_place(file, line, page, sheet, cell) if file else ""


def evidence(what: str, value: Optional[Decimal], unit: Optional[str], source: Optional[Provenance],
             file: Optional[str] = None) -> Evidence:
    """Evidence from a record's provenance (page and excerpt when the record has them)."""
    if source is None:
        return Evidence(what, value, unit, file)
    return Evidence(what, value, unit, source.file, source.line, source.page, source.excerpt, source.sheet, source.cell)


@dataclass(frozen=True)
class Finding:
    """One problem found in one document."""

    rule: str
    """Rule id, e.g. B-001, PJ-004."""
    severity: str
    """error, warning or info."""
    message: str
    """One line in Chinese."""
    gloss: str
    """The same in English."""
    document: str
    """Source document of the finding."""
    expected: Evidence
    """The figure the rule trusts (usually the table), or the place that should hold something."""
    found: Evidence
    """The figure that disagrees, or the text that is wrong."""
    subject: Optional[str] = None
    """What it concerns in words (a project name, a table title)."""
    concerns: tuple[tuple[str, str], ...] = ()
    """Facts it concerns as (kind, name) pairs: ("project", name), ("department", name), so the graph links them."""

    @property
    def difference(self) -> Optional[Decimal]:
        a, b = self.expected.value, self.found.value
        if a is None or b is None or self.expected.unit != self.found.unit:
            return None
        return b - a

    def as_dict(self) -> dict:
        diff = self.difference
        return {"rule": self.rule, "severity": self.severity, "message": self.message, "gloss": self.gloss,
                "document": self.document, "subject": self.subject,
                "difference": None if diff is None else str(diff),
                "expected": self.expected.as_dict(), "found": self.found.as_dict(),
                "concerns": [list(c) for c in self.concerns]}

    @classmethod
    def from_dict(cls, d: dict) -> "Finding":
        """The finding ``as_dict`` wrote (kept with the stored document, kg.checks.stored); ``difference`` is derived."""
        return cls(d["rule"], d["severity"], d["message"], d["gloss"], d["document"],
                   Evidence.from_dict(d["expected"]), Evidence.from_dict(d["found"]), d["subject"],
                   tuple((kind, name) for kind, name in d["concerns"]))


Check = Callable[[BudgetDocument], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A rule: stable id, default severity, what it checks in one Chinese line and one English sentence."""

    id: str
    severity: str
    title: str
    """Short Chinese name, e.g. 收支平衡."""
    description: str
    """One English sentence: what is compared with what."""
    check: Check = field(repr=False, compare=False)
    """Yields this rule's findings; several rules may share one function (it runs once, findings go by rule id)."""
    anchor: Optional[str] = None
    """The GovBudgetChecker rule it corresponds to (B-001, R009 …), None where the anchor has none."""


# ------------------------------------------------------------------ comparing printed figures


def half_unit(value: Decimal) -> Decimal:
    """Half the last printed digit: 3486.86 → 0.005, 84.1 → 0.05, 180800 → 0.5."""
    if value == 0:  # “0万元” is nothing, not a figure rounded to whole 万元
        return Decimal(0)
    exponent = value.as_tuple().exponent
    return Decimal(5).scaleb(exponent - 1) if isinstance(exponent, int) else Decimal(0)


def slack(*values: Decimal) -> Decimal:
    """How far apart figures may be from rounding alone: the half units of every figure involved."""
    return sum((half_unit(v) for v in values), Decimal(0))


def grade(expected: Decimal, found: Decimal, parts: Iterable[Decimal] = (), severity: str = "error",
          scale: Decimal = Decimal(1)) -> Optional[str]:
    """None when the figures agree up to rounding; ``info`` when off by at most one more printed unit of
    0.01 (in the expected figure's unit, ``scale`` converting found to it); else ``severity``.

    ``parts``: the figures summed to give one side, each of which was rounded when printed.
    """
    allowed = half_unit(expected) + half_unit(found) * scale + slack(*parts)
    diff = abs(expected - found * scale) if scale != 1 else abs(expected - found)
    if diff <= allowed:
        return None
    if diff <= allowed + Decimal("0.01"):
        return "info"
    return severity


def fmt(value: Optional[Decimal]) -> str:
    if value is None:
        return "—"
    return f"{value:,f}"
