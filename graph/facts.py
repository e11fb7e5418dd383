"""The schema written once: the records walked one time into typed facts.

Every projection (the networkx graph, RDF, search entries, CSV tables, policy reports, pictures)
reads these facts instead of walking the records itself, so a new entity, relation or printed
figure is added here, in one place, and every projection learns of it.

* ``Entity``: a thing with an identity (department, unit, project, policy, indicator,
  funding source, functional or economic code, source document, finding, prose section), its
  label and attributes.
* ``Relation``: subject, relation name, object, with the amounts the relation carries
  (spending by functional code, income by source, funding of a project ...) and where it was read.
* ``Observation``: one figure the document prints, as a measure of a data set at its dimensions
  (the Data Cube view: totals, income by budget type, spending by class, a project's funding);
  zero figures included, since a printed 0 is information.

Facts come in a fixed order (documents by path, records in document order), so projections
are byte-stable. An entity is yielded (again) with what the current document says of it just
before the relations that name it, so a projection reading a relation may look up the latest
attributes of its ends. Amounts stay ``Decimal`` (万元 in ``*_wan``, 元 in ``*_yuan``); a projection
converts them as its format needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Union

from kg.model import BudgetDocument, Provenance, format_place

from .economic import coded_rows
from .identity import BUDGET_FUNDS, FUNDING_SOURCES, Identities, policy_issuer, policy_type, policy_year

KINDS = ("department", "unit", "project", "policy", "indicator", "funding", "functional", "economic", "document",
         "finding", "section")
"""Entity kinds (glossary identifiers)."""

PROSE_KINDS = ("section",)
"""Kinds that are a document's prose (情况说明 sections), searched as text rather than drawn as nodes."""

PROSE_ATTRS = ("overview", "goals", "basis_text", "text")
"""Attributes that hold a passage of prose (a project's 项目概况, 绩效目标, 立项依据 text) rather than a value."""

RELATIONS = ("source", "income_from", "has_unit", "broader", "spends_on", "spends_on_economic", "has_project",
             "funded_by", "cites", "mentions", "has_indicator", "concerns")
"""Relation names (glossary identifiers)."""

DATASETS = ("totals", "income", "functional_spending", "economic_spending", "project_budget", "project_funding")
"""Data sets of printed figures (Observation.dataset)."""

TOTAL_ITEMS = ("income_total", "current_year_income", "carryover_income", "expenditure_total", "basic_expenditure",
               "project_expenditure", "personnel", "public_use", "three_public", "official_reception", "vehicle",
               "overseas_travel", "operating_costs", "procurement_total")
"""Headline figures of a department's year (budget items of the ``totals`` data set)."""

FUNCTIONAL_LEVELS = {"类": "class", "款": "subclass", "项": "item"}
"""Printed level of a functional class row → its glossary identifier."""

GOVERNMENT_LEVELS = ("central", "provincial", "local", "self_raised", "other")
"""Government levels of a project's target-table funding, in printed order."""


@dataclass(frozen=True)
class Ref:
    """An entity's identity: its kind and the parts of its key."""

    kind: str
    """One of KINDS."""
    key: str
    """Identity within the kind, e.g. ``泽州县…/2026/遗属补助`` for a project, the number for a policy."""
    path: tuple[str, ...] = field(default=(), compare=False)
    """The same identity as separate parts (department, year, name …) for projections that keep them
    apart, such as IRI path segments; empty when the key is a single part. Not part of equality."""

    @property
    def parts(self) -> tuple[str, ...]:
        """The identity's parts: ``path``, else the key alone."""
        return self.path or (self.key,)

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


@dataclass(frozen=True)
class Observation:
    """A figure the document prints: the measure of one data set at its dimensions, with where it was read."""

    dataset: str
    """One of DATASETS."""
    subject: Ref
    """Whose figure: the source document (a department's year) or a project."""
    dimensions: tuple[tuple[str, Any], ...]
    """(dimension, value) pairs in a fixed order; a value is a code's glossary identifier or a Ref
    (``("functional", Ref(...))``, ``("budget_item", "basic_expenditure")``)."""
    value: Decimal
    """The figure, exact as printed, in ``unit``."""
    unit: str
    """``wan`` (万元) or ``yuan`` (元)."""
    attrs: dict[str, Any] = field(default_factory=dict)
    """fiscal_year, file, line, page; ``printed_unit`` where the document printed another unit."""

    def dimension(self, name: str) -> Any:
        return dict(self.dimensions).get(name)


Fact = Union[Entity, Relation, Observation]


def place(source: Optional[Provenance], file: str) -> dict[str, Any]:
    """Where a fact was read, as fact attributes: the document's ``file`` (its key in the store, whatever the
    record's provenance says), the line and, when set, page, sheet, cell and the row as printed (``excerpt``:
    what a page quotes when the source is a PDF or workbook, or has moved)."""
    out: dict[str, Any] = {"file": file, "line": source.line if source is not None else None}
    for k in ("page", "sheet", "cell", "excerpt"):
        if source is not None and getattr(source, k) is not None:
            out[k] = getattr(source, k)
    return out


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
        yield from document_facts(d, ids)
        if findings:
            yield from finding_facts(d, ids, findings_of)


def document_facts(d: BudgetDocument, ids: Identities) -> Iterator[Fact]:
    """The facts one document states (``ids`` names what it shares with the other documents)."""
    dep = d.department
    year = dep.fiscal_year
    doc = Ref("document", d.source)
    dn = Ref("department", ids.department(d))
    yield Entity(doc, Path(d.source).name, {"file": d.source, "layout": d.layout, "fiscal_year": year,
                                            "sha256": d.sha256, "doc_kind": dep.doc_kind, "department": dn.key,
                                            "budget_code": dep.code})
    yield Entity(dn, dep.name, {"code": dep.code, "province": dep.province, "county": dep.county})
    yield Relation(dn, "source", doc, {**place(dep.source, d.source), "fiscal_year": year})
    yield from _totals(d, doc, dn)
    for unit in dep.subunits:
        un = Ref("unit", unit)
        yield Entity(un, unit)
        yield Relation(dn, "has_unit", un, {"fiscal_year": year})
    yield from _spending(d, doc, dn)
    for i, p in enumerate(d.projects):
        yield from _project(d, i, p, ids, doc, dn)
    for n, ind in enumerate(d.department_indicators, 1):
        iref = Ref("indicator", f"{dn.key}/{year}#{n}", (dn.key, str(year or 0), "整体", str(n)))
        yield _indicator(iref, ind, d.source)
        yield Relation(dn, "has_indicator", iref, {"fiscal_year": year})
    for n, s in enumerate(d.sections):
        yield Entity(Ref("section", f"{d.source}#{n}", (d.sha256[:16], str(n))), s.heading,
                     {"text": s.text, **place(s.source, d.source)})


def _totals(d: BudgetDocument, doc: Ref, dn: Ref) -> Iterator[Fact]:
    """The headline figures and income by budget type (observations), and income as relations to funding."""
    t = d.totals
    year = d.department.fiscal_year
    for key in TOTAL_ITEMS:
        value = getattr(t, key)
        if value is not None:
            yield Observation("totals", doc, (("budget_item", key),), value, "wan",
                              {"fiscal_year": year, "file": d.source, "line": t.lines.get(key),
                               "page": t.pages.get(key)})
    for key, value in t.income_by_source.items():
        line = t.lines.get(f"income_by_source.{key}")
        yield Observation("income", doc, (("budget_type", key),), value, "wan",
                          {"fiscal_year": year, "file": d.source, "line": line,
                           "page": t.pages.get(f"income_by_source.{key}")})
    if t.carryover_income:
        yield Relation(dn, "income_from", Ref("funding", "carryover"),
                       {"amount_wan": t.carryover_income, "fiscal_year": year})
    for key, value in t.income_by_source.items():
        if value:
            yield Relation(dn, "income_from", Ref("funding", key),
                           {"amount_wan": value, "fiscal_year": year,
                            "line": t.lines.get(f"income_by_source.{key}")})


def _spending(d: BudgetDocument, doc: Ref, dn: Ref) -> Iterator[Fact]:
    """Spending by functional class (类/款/项) and by economic class, as relations and observations."""
    year = d.department.fiscal_year
    for r in d.functional_spending:
        fn = Ref("functional", r.code)
        yield Entity(fn, r.name, {"code": r.code, "level": r.level})
        if r.parent_code:
            parent = Ref("functional", r.parent_code)
            yield Entity(parent, r.parent_code, {"code": r.parent_code})
            yield Relation(fn, "broader", parent, once=True)
        yield Relation(dn, "spends_on", fn, {"amount_wan": r.total, "basic_wan": r.basic, "project_wan": r.project,
                                             "fiscal_year": year, "file": d.source, "line": r.source.line,
                                             "page": r.source.page,  # and a workbook row's sheet and cell:
                                             **{k: v for k in ("sheet", "cell") if (v := getattr(r.source, k))}})
        yield from _row_figures("functional_spending", doc, fn, FUNCTIONAL_LEVELS.get(r.level), r.source, year,
                                ((None, r.total), ("basic_expenditure", r.basic), ("project_expenditure", r.project)))
    for r, code, level in coded_rows(d.economic_spending):
        en = Ref("economic", code or r.name)
        yield Entity(en, r.name, {"code": code, "level": level, "code_as_printed": r.code,
                                  "government_class": r.government_class})
        if code and len(code) > 3:
            parent = Ref("economic", code[:3])
            yield Entity(parent, code[:3], {"code": code[:3]})
            yield Relation(en, "broader", parent, once=True)
        yield Relation(dn, "spends_on_economic", en,
                       {"amount_wan": r.total, "personnel_wan": r.personnel, "public_use_wan": r.public_use,
                        "fiscal_year": year, "file": d.source, "line": r.source.line})
        yield from _row_figures("economic_spending", doc, en, level, r.source, year,
                                ((None, r.total), ("personnel", r.personnel), ("public_use", r.public_use)))


def _row_figures(dataset: str, doc: Ref, cls: Ref, level: Optional[str], source: Provenance, year: Optional[int],
                 parts) -> Iterator[Observation]:
    """A class row's figures: its total (budget item None) and its parts, where printed; only rows of a known level
    (a cube slice per level, so sums never mix 类 with 款)."""
    if not level:
        return
    where = {"fiscal_year": year, **place(source, doc.key)}
    for item, value in parts:
        if value is not None:
            yield Observation(dataset, doc, ((cls.kind, cls), ("level", level), ("budget_item", item)), value, "wan",
                              where)


def _project(d: BudgetDocument, i: int, p, ids: Identities, doc: Ref, dn: Ref) -> Iterator[Fact]:
    """A project: its amounts and where its money comes from, the policies it rests on, its indicators."""
    year = d.department.fiscal_year
    parts = ids.project(d, i)
    pid = "/".join(parts)
    pn = Ref("project", pid, parts)
    f = p.funding
    yield Entity(pn, p.name, {"amount_wan": p.amount_wan, "fiscal_year": year, "carryover": p.carryover,
                              "project_code": p.project_code, "category": p.category,
                              "department": dn.key, **place(p.source, d.source), "implementing_unit": p.implementing_unit,
                              "funding_total_yuan": f.total if f is not None else None,
                              "funding_printed_unit": f.printed_unit if f is not None else None,
                              "overview": p.overview, "goals": p.goals, "basis_text": p.basis_text})
    yield Relation(dn, "has_project", pn, {"amount_wan": p.amount_wan, "fiscal_year": year})
    yield Relation(pn, "source", doc, {"line": p.source.line})
    if p.carryover:
        yield Relation(pn, "funded_by", Ref("funding", "carryover"), {"amount_wan": p.amount_wan})
    for key, value in p.budget_sources.items():
        if value and not p.carryover:
            yield Relation(pn, "funded_by", Ref("funding", key), {"amount_wan": value})
    if f is not None:
        for key in FUNDING_SOURCES:
            value = getattr(f, key)
            if value:
                yield Relation(pn, "funded_by", Ref("funding", key),
                               {"amount_yuan": value, "line": f.source.line if f.source else None})
    period = "carryover" if p.carryover else "current_year"
    where = {"fiscal_year": year, **place(p.source, d.source)}
    for key, value in p.budget_sources.items():
        yield Observation("project_budget", pn, (("budget_type", key), ("funding_period", period)), value, "wan",
                          where)
    if f is not None:
        printed_yuan = f.printed_unit == "元"
        blocks = [(k, "unstated", getattr(f, k)) for k in GOVERNMENT_LEVELS] + [("unstated", "fiscal", f.fiscal)]
        for level, btype, value in blocks:
            if value is None or (not printed_yuan and level == "other" and not value):
                continue  # Hebei: 其他资金 left blank is not a printed figure
            yield Observation("project_funding", pn, (("government_level", level), ("budget_type", btype)),
                              value, "yuan", {"fiscal_year": year, **place(f.source, d.source),
                                              "printed_unit": f.printed_unit})
    for relation, bases in (("cites", p.legal_bases), ("mentions", p.citations)):
        for b in bases:
            key = ids.policy(b)
            bn = Ref("policy", key)
            title = b.title or ids.policy_title(key)
            yield Entity(bn, key, {"doc_number": b.doc_number, "title": title, "issuer": b.issuer,
                                   "issuer_prefix": b.issuer_prefix, "document_type": policy_type(title),
                                   "document_year": policy_year(b.doc_number),
                                   "issuing_body": policy_issuer(b)})
            yield Relation(pn, relation, bn, {"as_printed": b.as_printed, **place(b.source, d.source)})
    for n, ind in enumerate(p.indicators, 1):
        iref = Ref("indicator", f"{pid}#{n}", parts + (str(n),))
        yield _indicator(iref, ind, d.source)
        yield Relation(pn, "has_indicator", iref)


def _indicator(ref: Ref, ind, file: str) -> Entity:
    return Entity(ref, ind.name, {"level1": ind.level1, "level2": ind.level2, "value": ind.value,
                                  "number": ind.parsed.number, "unit": ind.parsed.unit,
                                  "comparator": ind.parsed.comparator, **place(ind.source, file)})


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
        ref = Ref("finding", f"{d.source}#{n}", (d.sha256[:16], str(n)))
        yield Entity(ref, f.message, {"rule": f.rule, "severity": f.severity, "gloss": f.gloss,
                                      "expected_value": f.expected.value, "expected_unit": f.expected.unit,
                                      "found_value": f.found.value, "found_unit": f.found.unit,
                                      "excerpt": f.found.excerpt, "fiscal_year": year,
                                      "file": f.found.file or d.source, "line": f.found.line})
        yield Relation(ref, "source", Ref("document", d.source), {"line": f.found.line})
        targets = [Ref("project", "/".join(ids.project(d, first[name])), ids.project(d, first[name]))
                   for kind, name in f.concerns
                   if kind == "project" and name in first]
        for target in targets or [dn]:
            yield Relation(ref, "concerns", target)


def where(attrs: dict[str, Any]) -> str:
    """Where a reader finds a fact, written the one way (kg.model.format_place)."""
    return format_place(attrs["file"], attrs.get("line"), attrs.get("page"), attrs.get("sheet"), attrs.get("cell"))
