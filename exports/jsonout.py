"""The JSON export: ``{"documents": [...]}``, one object per document, numbers as JSON numbers.

This shape is a public contract (people and scoring scripts read it): keys are
the glossary's English identifiers; Chinese text is written unescaped.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Optional, Sequence

from kg.model import BudgetDocument, Indicator, LegalBasis, Project, Provenance

TOTAL_FIELDS = ("income_total", "expenditure_total", "current_year_income", "carryover_income", "basic_expenditure",
                "project_expenditure", "personnel", "public_use", "three_public", "official_reception", "vehicle",
                "overseas_travel", "operating_costs", "procurement_total")


def number(value: Optional[Decimal]) -> Any:
    """Decimal → int when whole, else float; None stays None."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _where(p: Optional[Provenance]) -> Optional[dict]:
    """file and line, plus page (PDF) or sheet and cell (workbook) when the fact has them."""
    return p.model_dump() if p else None


def indicator_json(i: Indicator) -> dict:
    return {"level1": i.level1, "level2": i.level2, "name": i.name, "value": i.value,
            "comparator": i.parsed.comparator, "number": number(i.parsed.number), "unit": i.parsed.unit,
            "description": i.description, "basis": i.basis, "source": _where(i.source)}


def legal_json(b: LegalBasis) -> dict:
    return {"doc_number": b.doc_number, "as_printed": b.as_printed, "title": b.title, "issuer": b.issuer,
            "source": _where(b.source)}


def project_json(p: Project) -> dict:
    f = p.funding
    return {
        "name": p.name, "amount_wan": number(p.amount_wan), "carryover": p.carryover, "project_code": p.project_code,
        "category": p.category, "implementing_unit": p.implementing_unit,
        "budget_sources_wan": {k: number(v) for k, v in p.budget_sources.items()},
        "funding_yuan": None if f is None else {k: number(getattr(f, k)) for k in
                                                ("total", "central", "provincial", "local", "self_raised", "other")},
        "legal_basis": [legal_json(b) for b in p.legal_bases],
        "citations": [legal_json(b) for b in p.citations],
        "indicators": [indicator_json(i) for i in p.indicators],
        "overview": p.overview, "goals": p.goals, "basis_text": p.basis_text,
        "source": _where(p.source), "target_source": _where(p.target_source),
    }


def document_json(d: BudgetDocument) -> dict:
    dep = d.department
    return {
        "source": d.source,
        "layout": d.layout,
        "sha256": d.sha256,
        "department": {"name": dep.name, "code": dep.code, "province": dep.province, "county": dep.county,
                       "fiscal_year": dep.fiscal_year, "doc_kind": dep.doc_kind, "subunits": list(dep.subunits),
                       "source": _where(dep.source)},
        "totals": {k: number(getattr(d.totals, k)) for k in TOTAL_FIELDS}
        | {"income_by_source": {k: number(v) for k, v in d.totals.income_by_source.items()},
           "lines": dict(sorted(d.totals.lines.items()))}
        | ({"pages": dict(sorted(d.totals.pages.items()))} if d.totals.pages else {}),
        "functional_spending": [{"code": r.code, "name": r.name, "level": r.level, "total": number(r.total),
                                 "basic": number(r.basic), "project": number(r.project), "source": _where(r.source)}
                                for r in d.functional_spending],
        "economic_spending": [{"code": r.code, "name": r.name, "government_class": r.government_class,
                               "total": number(r.total), "personnel": number(r.personnel),
                               "public_use": number(r.public_use), "source": _where(r.source)}
                              for r in d.economic_spending],
        "projects": [project_json(p) for p in d.projects],
        "department_indicators": [indicator_json(i) for i in d.department_indicators],
        "problems": [p.model_dump() for p in d.problems],
    }


def export_json(documents: Sequence[BudgetDocument]) -> str:
    return json.dumps({"documents": [document_json(d) for d in documents]}, ensure_ascii=False, indent=2) + "\n"
