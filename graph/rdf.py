"""RDF export under the budget-kg ontology, written with Oxigraph.

rdflib's Turtle writer is super-linear (minutes for a few hundred thousand
triples); pyoxigraph writes a million triples in seconds. Triples are
de-duplicated in a fixed order, so the same records give byte-identical files. IRIs are
readable (Chinese kept, only characters IRIs forbid are %-escaped) and stable.
"""

from __future__ import annotations

import re
from functools import lru_cache
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Iterator, Optional

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

from kg.model import BudgetDocument

from .identity import BUDGET_FUNDS, FUNDING_SOURCES, Identities

ID = "https://w3id.org/budget-kg/id/"
BKG = "https://w3id.org/budget-kg/ontology#"
PREFIXES = {
    "bkg": BKG, "id": ID,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#", "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#", "eli": "http://data.europa.eu/eli/ontology#",
    "prov": "http://www.w3.org/ns/prov#", "qb": "http://purl.org/linked-data/cube#",
}
RDF_TYPE = NamedNode(PREFIXES["rdf"] + "type")
XSD = PREFIXES["xsd"]
FORMATS = {"turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES, "jsonld": RdfFormat.JSON_LD}

_UNSAFE = re.compile(r"[\x00-\x20<>\"{}|\\^`%#?/\[\]]")


def segment(text: str) -> str:
    """One IRI path segment: Chinese stays readable, only what IRIs forbid (and / # ?) is %-escaped."""
    return _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode("utf-8")), text)


@lru_cache(maxsize=65536)
def iri(kind: str, *parts: object) -> NamedNode:
    return NamedNode(ID + kind + "/" + "/".join(segment(str(p)) for p in parts))


@lru_cache(maxsize=None)
def term(curie: str) -> NamedNode:
    prefix, local = curie.split(":", 1)
    return NamedNode(PREFIXES[prefix] + local)


def zh(text: str) -> Literal:
    return Literal(text, language="zh")


def dec(value: Decimal) -> Literal:
    text = format(value, "f")
    return Literal(text, datatype=NamedNode(XSD + "decimal"))


def integer(value: int) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + "integer"))


def triples(documents: Iterable[BudgetDocument]) -> Iterator[Triple]:
    docs = sorted(documents, key=lambda d: d.source)
    ids = Identities(docs)
    T = Triple
    a = RDF_TYPE
    label, notation, broader = term("skos:prefLabel"), term("skos:notation"), term("skos:broader")
    derived, line_p, year_p = term("prov:wasDerivedFrom"), term("bkg:sourceLine"), term("bkg:fiscalYear")

    def lit(value: Optional[str]) -> Optional[Literal]:
        return Literal(value) if value else None

    for fid, text in {**FUNDING_SOURCES, **BUDGET_FUNDS}.items():
        node = iri("funding", fid)
        yield T(node, a, term("bkg:FundingSource"))
        yield T(node, label, zh(text))
        yield T(node, term("skos:inScheme"), term("bkg:FundingScheme"))
        yield T(node, notation, Literal(fid))

    seen_codes: set[str] = set()
    for d in docs:
        dep = d.department
        year = dep.fiscal_year
        year_lit = Literal(str(year), datatype=NamedNode(XSD + "gYear")) if year else None
        doc = iri("document", d.sha256[:16])
        yield T(doc, a, term("bkg:SourceDocument"))
        yield T(doc, term("bkg:sourceFile"), Literal(d.source))
        yield T(doc, term("bkg:sha256"), Literal(d.sha256))
        if year_lit:
            yield T(doc, year_p, year_lit)

        dn = iri("department", ids.department(d))
        yield T(dn, a, term("bkg:Department"))
        yield T(dn, label, zh(dep.name))
        yield T(dn, derived, doc)
        for p, v in (("bkg:budgetCode", dep.code), ("bkg:province", dep.province), ("bkg:county", dep.county),
                     ("bkg:docKind", dep.doc_kind)):
            if v:
                yield T(dn, term(p), Literal(v))
        for key, value in d.totals.income_by_source.items():
            yield from _observation(
                iri("observation", "income", dep.name, year or 0, key), "bkg:IncomeObservation",
                "bkg:DepartmentIncome", [("bkg:organization", dn), ("bkg:fundingSource", iri("funding", key))],
                [("bkg:amountWan", value)], "万元", year_lit, doc, d.totals.lines.get(f"income_by_source.{key}"))
        for unit in dep.subunits:
            un = iri("unit", unit)
            yield T(un, a, term("bkg:Unit"))
            yield T(un, label, zh(unit))
            yield T(dn, term("org:hasUnit"), un)
            yield T(un, term("org:unitOf"), dn)

        for r in d.functional_spending:
            fn = iri("functional", r.code)
            if r.code not in seen_codes:
                seen_codes.add(r.code)
                yield T(fn, a, term("bkg:FunctionalClass"))
                yield T(fn, notation, Literal(r.code))
                yield T(fn, label, zh(r.name))
                yield T(fn, term("skos:inScheme"), term("bkg:FunctionalScheme"))
                if r.parent_code:
                    yield T(fn, broader, iri("functional", r.parent_code))
            yield from _observation(
                iri("observation", "spending", dep.name, year or 0, r.code), "bkg:SpendingObservation",
                "bkg:FunctionalSpending", [("bkg:organization", dn), ("bkg:classification", fn)],
                [("bkg:amountWan", r.total), ("bkg:basicWan", r.basic), ("bkg:projectWan", r.project)],
                "万元", year_lit, doc, r.source.line)

        for i, p in enumerate(d.projects):
            pid = ids.project(d, i)
            pn = iri("project", *pid)
            yield T(pn, a, term("bkg:Project"))
            yield T(pn, label, zh(p.name))
            yield T(pn, term("bkg:department"), dn)
            yield T(dn, term("bkg:hasProject"), pn)
            yield T(pn, term("bkg:carryover"), Literal("true" if p.carryover else "false",
                                                        datatype=NamedNode(XSD + "boolean")))
            if year_lit:
                yield T(pn, year_p, year_lit)
            if p.amount_wan is not None:
                yield T(pn, term("bkg:amountWan"), dec(p.amount_wan))
            for prop, v in (("bkg:projectCode", p.project_code), ("bkg:category", p.category),
                            ("bkg:implementingUnit", p.implementing_unit)):
                if v:
                    yield T(pn, term(prop), Literal(v))
            yield T(pn, derived, doc)
            yield T(pn, line_p, integer(p.source.line))
            if p.carryover:
                yield T(pn, term("bkg:fundedBy"), iri("funding", "carryover"))
            for key, value in p.budget_sources.items():
                if value and not p.carryover:
                    yield T(pn, term("bkg:fundedBy"), iri("funding", key))
            if p.funding is not None:
                if p.funding.total is not None:
                    yield T(pn, term("bkg:fundingTotalYuan"), dec(p.funding.total))
                for key in FUNDING_SOURCES:
                    value = getattr(p.funding, key)
                    if value is None:
                        continue
                    yield from _observation(
                        iri("observation", "funding", *pid, key), "bkg:FundingObservation", "bkg:ProjectFunding",
                        [("bkg:project", pn), ("bkg:fundingSource", iri("funding", key))],
                        [("bkg:amountYuan", value)], "元", year_lit, doc,
                        p.funding.source.line if p.funding.source else None)
                    if value:
                        yield T(pn, term("bkg:fundedBy"), iri("funding", key))
            for b in p.legal_bases:
                key = ids.policy(b)
                bn = iri("policy", key)
                yield T(pn, term("bkg:cites"), bn)
                yield T(bn, a, term("bkg:Policy"))
                yield T(bn, label, zh(key))
                if b.doc_number:
                    yield T(bn, term("eli:id_local"), Literal(b.doc_number))
                    yield T(bn, term("bkg:issuerPrefix"), Literal(b.issuer_prefix or ""))
                    yield T(bn, term("bkg:asPrinted"), Literal(b.as_printed))
                title = b.title or ids.policy_title(key)
                if title:
                    yield T(bn, term("eli:title"), zh(title))
                if b.issuer:
                    yield T(bn, term("bkg:issuer"), Literal(b.issuer))
                yield T(bn, derived, doc)
            for n, ind in enumerate(p.indicators, 1):
                yield from _indicator(iri("indicator", *pid, n), ind, pn, doc)
        for n, ind in enumerate(d.department_indicators, 1):
            yield from _indicator(iri("indicator", dep.name, year or 0, "整体", n), ind, dn, doc)
        yield from _findings(d, ids, doc)


def _findings(d: BudgetDocument, ids, doc: NamedNode) -> Iterator[Triple]:
    """The findings of ``kg check`` (graph.facts.finding_facts) as bkg:Finding nodes that bkg:concerns their facts."""
    from .facts import Entity, finding_facts

    nodes = {f"department:{ids.department(d)}": iri("department", ids.department(d))}
    for i in range(len(d.projects)):
        pid = ids.project(d, i)
        nodes.setdefault("project:" + "/".join(pid), iri("project", *pid))
    for fact in finding_facts(d, ids):
        node = iri("finding", d.sha256[:16], fact.ref.key.rsplit("#", 1)[1] if isinstance(fact, Entity)
                   else fact.subject.key.rsplit("#", 1)[1])
        if not isinstance(fact, Entity):
            if fact.relation == "concerns":
                yield Triple(node, term("bkg:concerns"), nodes[fact.object.id])
            continue
        attrs = fact.attrs
        yield Triple(node, RDF_TYPE, term("bkg:Finding"))
        yield Triple(node, term("skos:prefLabel"), zh(fact.label))
        yield Triple(node, term("rdfs:comment"), Literal(attrs["gloss"], language="en"))
        yield Triple(node, term("bkg:rule"), Literal(attrs["rule"]))
        yield Triple(node, term("bkg:severity"), Literal(attrs["severity"]))
        for prop, key in (("bkg:expectedValue", "expected_value"), ("bkg:foundValue", "found_value")):
            if attrs[key] is not None:
                yield Triple(node, term(prop), dec(attrs[key]))
        if attrs["excerpt"]:
            yield Triple(node, term("bkg:excerpt"), zh(attrs["excerpt"]))
        yield Triple(node, term("prov:wasDerivedFrom"), doc)
        if attrs["line"]:
            yield Triple(node, term("bkg:sourceLine"), integer(attrs["line"]))


def _observation(node: NamedNode, cls: str, dataset: str, dimensions, measures, unit: str,
                 year: Optional[Literal], doc: NamedNode, line: Optional[int]) -> Iterator[Triple]:
    """A Data Cube observation: its dimensions, its amounts, the unit (万元 or 元) always explicit, and where it was read."""
    yield Triple(node, RDF_TYPE, term(cls))
    yield Triple(node, term("qb:dataSet"), term(dataset))
    for prop, value in dimensions:
        yield Triple(node, term(prop), value)
    for prop, value in measures:
        if value is not None:
            yield Triple(node, term(prop), dec(value))
    yield Triple(node, term("bkg:currencyUnit"), Literal(unit))
    if year is not None:
        yield Triple(node, term("bkg:fiscalYear"), year)
    yield Triple(node, term("prov:wasDerivedFrom"), doc)
    if line is not None:
        yield Triple(node, term("bkg:sourceLine"), integer(line))


def _indicator(node: NamedNode, ind, owner: NamedNode, doc: NamedNode) -> Iterator[Triple]:
    T = Triple
    yield T(owner, term("bkg:hasIndicator"), node)
    yield T(node, RDF_TYPE, term("bkg:Indicator"))
    yield T(node, term("skos:prefLabel"), zh(ind.name))
    for p, v in (("bkg:level1", ind.level1), ("bkg:level2", ind.level2), ("bkg:value", ind.value),
                 ("bkg:comparator", ind.parsed.comparator), ("bkg:unit", ind.parsed.unit)):
        if v:
            yield T(node, term(p), Literal(v))
    if ind.parsed.number is not None:
        yield T(node, term("bkg:number"), dec(ind.parsed.number))
    yield T(node, term("prov:wasDerivedFrom"), doc)
    yield T(node, term("bkg:sourceLine"), integer(ind.source.line))


def sorted_triples(documents: Iterable[BudgetDocument]) -> list[Triple]:
    """Distinct triples in a fixed order, so the same records give byte-identical files.

    The order is the order of emission (documents sorted by path, records in document order); a
    shared node (policy, code, department) emitted again by a later document keeps its first place.
    Sorting by string form gave the same stability at twice the cost at a million triples."""
    return list(dict.fromkeys(triples(documents)))


def serialize_rdf(triple_list: list[Triple], fmt: str) -> bytes:
    if fmt == "jsonld":
        return serialize(triple_list, format=FORMATS[fmt])
    # IRIs of instances stay whole (<…/id/project/部门/2026/名称>): readable, no \/ escapes
    prefixes = {k: v for k, v in PREFIXES.items() if k != "id"} if fmt == "turtle" else None
    return serialize(triple_list, format=FORMATS[fmt], prefixes=prefixes) if prefixes else \
        serialize(triple_list, format=FORMATS[fmt])


def write_rdf(documents: Iterable[BudgetDocument], fmt: str, output: Path) -> Path:
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(serialize_rdf(sorted_triples(documents), fmt))
    return output
