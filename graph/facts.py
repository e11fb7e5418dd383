"""The schema written once: the records walked one time into typed facts.

Every projection (the networkx graph today; RDF, search entries and CSV are to follow) reads
these facts instead of walking the records itself, so a new entity or relation is added here,
in one place, and every projection learns of it.

* ``Entity``: a thing with an identity (department, unit, project, policy, indicator,
  funding source, functional or economic code, source document), its label and attributes.
* ``Relation``: subject, relation name, object, with the amounts the relation carries
  (spending by functional code, income by source, funding of a project ...) and where it was read.

Facts come in a fixed order (documents by path, records in document order), so projections
are byte-stable. Amounts stay ``Decimal`` (万元 in ``*_wan``, 元 in ``*_yuan``); a projection
converts them as its format needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Union

from kg.model import BudgetDocument

from .economic import coded_rows
from .identity import BUDGET_FUNDS, FUNDING_SOURCES, Identities, policy_issuer, policy_type, policy_year

KINDS = ("department", "unit", "project", "policy", "indicator", "funding", "functional", "economic", "document",
         "finding")
"""Entity kinds (glossary identifiers)."""

RELATIONS = ("source", "income_from", "has_unit", "broader", "spends_on", "spends_on_economic", "has_project",
             "funded_by", "cites", "mentions", "has_indicator", "concerns")
"""Relation names (glossary identifiers)."""


@dataclass(frozen=True)
class Ref:
    """An entity's identity: its kind and the parts of its key."""

    kind: str
    """One of KINDS."""
    key: str
    """Identity within the kind, e.g. ``泽州县…/2026/遗属补助`` for a project, the number for a policy."""

    @property
    def id(self) -> str:
        """``kind:key``, the node id of the graph."""
        return f"{self.kind}:{self.key}"


@dataclass(frozen=True)
class Entity:
    """A thing with an identity; the same entity may be yielded again by a later document with more attributes."""

    ref: Ref
    label: str
    """What people call it (name, number, code)."""
    attrs: dict[str, Any] = field(default_factory=dict)
    """Attributes in a fixed order; None where the document says nothing. Amounts are Decimal."""


@dataclass(frozen=True)
class Relation:
    """A directed relation between two entities, with its amounts and provenance where it has them."""

    subject: Ref
    relation: str
    """One of RELATIONS."""
    object: Ref
    attrs: dict[str, Any] = field(default_factory=dict)
    """Amounts (``amount_wan``, ``amount_yuan`` ...), fiscal year, file and line, as printed; None where absent."""
    once: bool = False
    """True when the relation holds once however many documents state it (``broader`` between codes)."""


Fact = Union[Entity, Relation]


def facts(documents: Iterable[BudgetDocument], findings: bool = True,
          findings_of: Optional[Callable[[BudgetDocument], Sequence[Any]]] = None) -> Iterator[Fact]:
    """Every fact of the documents, walked once, in a stable order. ``findings=False`` leaves out what
    ``kg check`` finds (running the checks costs ~16 ms a document; a projection that ignores them skips it);
    ``findings_of(doc)`` gives them (kg.checks.stored: kept with the store), else they are computed here."""
    docs = sorted(documents, key=lambda d: d.source)
    ids = Identities(docs)

    for fid, label in {**FUNDING_SOURCES, **BUDGET_FUNDS}.items():
        yield Entity(Ref("funding", fid), label)

    for d in docs:
        dep = d.department
        year = dep.fiscal_year
        doc = Ref("document", d.source)
        yield Entity(doc, Path(d.source).name, {"file": d.source, "layout": d.layout, "fiscal_year": year})
        dn = Ref("department", ids.department(d))
        yield Entity(dn, dep.name, {"code": dep.code, "province": dep.province, "county": dep.county})
        yield Relation(dn, "source", doc, {"line": dep.source.line, "fiscal_year": year})
        if d.totals.carryover_income:
            yield Relation(dn, "income_from", Ref("funding", "carryover"),
                           {"amount_wan": d.totals.carryover_income, "fiscal_year": year})
        for key, value in d.totals.income_by_source.items():
            if value:
                yield Relation(dn, "income_from", Ref("funding", key),
                               {"amount_wan": value, "fiscal_year": year,
                                "line": d.totals.lines.get(f"income_by_source.{key}")})
        for unit in dep.subunits:
            un = Ref("unit", unit)
            yield Entity(un, unit)
            yield Relation(dn, "has_unit", un, {"fiscal_year": year})
        for r in d.functional_spending:
            fn = Ref("functional", r.code)
            yield Entity(fn, r.name, {"code": r.code, "level": r.level})
            if r.parent_code:
                parent = Ref("functional", r.parent_code)
                yield Entity(parent, r.parent_code, {"code": r.parent_code})
                yield Relation(fn, "broader", parent, once=True)
            yield Relation(dn, "spends_on", fn, {"amount_wan": r.total, "basic_wan": r.basic, "project_wan": r.project,
                                                 "fiscal_year": year, "file": d.source, "line": r.source.line,
                                                 "page": r.source.page})
        for r, code, level in coded_rows(d.economic_spending):
            en = Ref("economic", r.code or r.name)
            yield Entity(en, r.name, {"code": code, "level": level})
            yield Relation(dn, "spends_on_economic", en,
                           {"amount_wan": r.total, "personnel_wan": r.personnel, "public_use_wan": r.public_use,
                            "fiscal_year": year, "file": d.source, "line": r.source.line})
        for i, p in enumerate(d.projects):
            pid = "/".join(ids.project(d, i))
            pn = Ref("project", pid)
            yield Entity(pn, p.name, {"amount_wan": p.amount_wan, "fiscal_year": year, "carryover": p.carryover,
                                      "project_code": p.project_code, "category": p.category,
                                      "department": dep.name, "file": d.source, "line": p.source.line,
                                      "page": p.source.page})
            yield Relation(dn, "has_project", pn, {"amount_wan": p.amount_wan, "fiscal_year": year})
            yield Relation(pn, "source", doc, {"line": p.source.line})
            if p.carryover:
                yield Relation(pn, "funded_by", Ref("funding", "carryover"), {"amount_wan": p.amount_wan})
            for key, value in p.budget_sources.items():
                if value and not p.carryover:
                    yield Relation(pn, "funded_by", Ref("funding", key), {"amount_wan": value})
            if p.funding is not None:
                for key in FUNDING_SOURCES:
                    value = getattr(p.funding, key)
                    if value:
                        yield Relation(pn, "funded_by", Ref("funding", key),
                                       {"amount_yuan": value,
                                        "line": p.funding.source.line if p.funding.source else None})
            for relation, bases in (("cites", p.legal_bases), ("mentions", p.citations)):
                for b in bases:
                    key = ids.policy(b)
                    bn = Ref("policy", key)
                    title = b.title or ids.policy_title(key)
                    yield Entity(bn, key, {"doc_number": b.doc_number, "title": title, "issuer": b.issuer,
                                           "issuer_prefix": b.issuer_prefix, "document_type": policy_type(title),
                                           "document_year": policy_year(b.doc_number),
                                           "issuing_body": policy_issuer(b)})
                    yield Relation(pn, relation, bn, {"as_printed": b.as_printed, "file": d.source,
                                                      "line": b.source.line, "page": b.source.page})
            for n, ind in enumerate(p.indicators):
                iref = Ref("indicator", f"{pid}#{n + 1}")
                yield Entity(iref, ind.name, {"level1": ind.level1, "level2": ind.level2, "value": ind.value,
                                              "number": ind.parsed.number, "unit": ind.parsed.unit,
                                              "comparator": ind.parsed.comparator, "file": d.source,
                                              "line": ind.source.line})
                yield Relation(pn, "has_indicator", iref)
        for n, ind in enumerate(d.department_indicators):
            iref = Ref("indicator", f"{dep.name}/{year}#{n + 1}")
            yield Entity(iref, ind.name, {"level1": ind.level1, "level2": ind.level2, "value": ind.value,
                                          "file": d.source, "line": ind.source.line})
            yield Relation(dn, "has_indicator", iref, {"fiscal_year": year})
        if findings:
            yield from finding_facts(d, ids, findings_of)


def finding_facts(d: BudgetDocument, ids: Identities,
                  findings_of: Optional[Callable[[BudgetDocument], Sequence[Any]]] = None) -> Iterator[Fact]:
    """What ``kg check`` finds in one document, as facts: a finding entity that ``concerns`` the projects it names
    (else the department) and has the document as ``source``, so a query can ask which projects have findings.
    ``findings_of(d)`` supplies the findings (stored ones); without it the rules run here."""
    if findings_of is None:
        from kg.checks import check as findings_of

    year = d.department.fiscal_year
    dn = Ref("department", ids.department(d))
    first = {}
    for i, p in enumerate(d.projects):
        first.setdefault(p.name, i)
    for n, f in enumerate(findings_of(d), 1):
        ref = Ref("finding", f"{d.source}#{n}")
        yield Entity(ref, f.message, {"rule": f.rule, "severity": f.severity, "gloss": f.gloss,
                                      "expected_value": f.expected.value, "expected_unit": f.expected.unit,
                                      "found_value": f.found.value, "found_unit": f.found.unit,
                                      "excerpt": f.found.excerpt, "fiscal_year": year,
                                      "file": f.found.file or d.source, "line": f.found.line})
        yield Relation(ref, "source", Ref("document", d.source), {"line": f.found.line})
        targets = [Ref("project", "/".join(ids.project(d, first[name]))) for kind, name in f.concerns
                   if kind == "project" and name in first]
        for target in targets or [dn]:
            yield Relation(ref, "concerns", target)


def provenance(fact: Fact) -> Optional[tuple[str, int]]:
    """(file, line) where the fact was read, when it says."""
    attrs = fact.attrs
    return (attrs["file"], attrs["line"]) if attrs.get("file") and attrs.get("line") else None
