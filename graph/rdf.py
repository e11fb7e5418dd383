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
from pathlib import Path, PurePath, PureWindowsPath
from typing import Iterable, Iterator, Optional

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

from kg.model import BudgetDocument

from .economic import coded_rows
from .identity import Identities, policy_issuer, policy_type, policy_year

ID = "https://w3id.org/budget-kg/id/"
BKG = "https://w3id.org/budget-kg/ontology#"
PREFIXES = {
    "bkg": BKG, "id": ID,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#", "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#", "eli": "http://data.europa.eu/eli/ontology#",
    "prov": "http://www.w3.org/ns/prov#", "qb": "http://purl.org/linked-data/cube#",
    "sdmx-attribute": "http://purl.org/linked-data/sdmx/2009/attribute#",
}
RDF_TYPE = NamedNode(PREFIXES["rdf"] + "type")
XSD = PREFIXES["xsd"]
FORMATS = {"turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES, "jsonld": RdfFormat.JSON_LD,
           "rdfxml": RdfFormat.RDF_XML}

_UNSAFE = re.compile(r"[\x00-\x20<>\"{}|\\^`%#?/\[\]]")


def segment(text: str) -> str:
    """One IRI path segment: Chinese stays readable, only what IRIs forbid (and / # ?) is %-escaped."""
    return _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode("utf-8")), text)


@lru_cache(maxsize=65536)
def iri(kind: str, *parts: object) -> NamedNode:
    return NamedNode(ID + kind + "/" + "/".join(segment(str(p)) for p in parts))


def code(code_list: str, key: str) -> NamedNode:
    """A code of one of the static code lists of ontology/cube.ttl."""
    return iri(CODE_LISTS[code_list], key)


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


STRUCTURE = "cube.ttl"
CODE_LISTS = {"government_level": "government-level", "budget_type": "budget-type", "funding_period": "funding-period",
              "budget_item": "budget-item", "level": "class-level"}
"""Glossary identifier of each static code list → the IRI path of its codes (…/id/budget-type/general_budget)."""
TOTAL_ITEMS = ("income_total", "current_year_income", "carryover_income", "expenditure_total", "basic_expenditure",
               "project_expenditure", "personnel", "public_use", "three_public", "official_reception", "vehicle",
               "overseas_travel", "operating_costs", "procurement_total")
"""Headline figures of a department's year, as bkg:BudgetItemScheme codes (ontology/cube.ttl)."""
GOVERNMENT_LEVELS = ("central", "provincial", "local", "self_raised", "other")
FUNCTIONAL_DATASETS = {"类": ("class", "bkg:FunctionalSpendingClass"), "款": ("subclass", "bkg:FunctionalSpendingSubclass"),
                       "项": ("item", "bkg:FunctionalSpendingItem")}
ECONOMIC_DATASETS = {"class": "bkg:EconomicSpendingClass", "subclass": "bkg:EconomicSpendingSubclass"}


@lru_cache(maxsize=1)
def structure() -> tuple[Triple, ...]:
    """The cube structure, code lists and units (ontology/cube.ttl), copied into every export."""
    from importlib.resources import files

    from pyoxigraph import parse

    data = files("kg.ontology").joinpath(STRUCTURE).read_bytes()
    return tuple(Triple(q.subject, q.predicate, q.object) for q in parse(data, format=RdfFormat.TURTLE))


def portable_source(path: str) -> str:
    """A source path safe to publish: relative paths as given to `kg ingest`, an absolute one as its file name."""
    p = PurePath(path)
    return p.name if p.is_absolute() or PureWindowsPath(path).is_absolute() else p.as_posix()


def triples(documents: Iterable[BudgetDocument]) -> Iterator[Triple]:
    docs = sorted(documents, key=lambda d: d.source)
    ids = Identities(docs)
    T = Triple
    a = RDF_TYPE
    label, notation, broader = term("skos:prefLabel"), term("skos:notation"), term("skos:broader")
    derived, line_p, year_p = term("prov:wasDerivedFrom"), term("bkg:sourceLine"), term("bkg:fiscalYear")
    concept, in_scheme = term("skos:Concept"), term("skos:inScheme")

    def text(value: Optional[str]) -> Optional[Literal]:
        """Chinese text from the documents, tagged @zh."""
        return zh(value) if value else None

    def types(node, *curies):
        for c in curies:
            yield T(node, a, term(c))

    yield from structure()

    seen: set = set()
    for d in docs:
        dep = d.department
        year = dep.fiscal_year
        year_lit = Literal(str(year), datatype=NamedNode(XSD + "gYear")) if year else None
        doc = iri("document", d.sha256[:16])
        yield from types(doc, "bkg:SourceDocument", "prov:Entity")
        yield T(doc, term("bkg:sourceFile"), Literal(portable_source(d.source)))
        yield T(doc, term("bkg:sha256"), Literal(d.sha256))
        if year_lit:
            yield T(doc, year_p, year_lit)

        dn = iri("department", ids.department(d))
        yield from types(dn, "bkg:Department", "org:FormalOrganization", "org:Organization")
        yield T(dn, label, zh(dep.name))
        yield T(dn, derived, doc)
        for p, v in (("bkg:province", dep.province), ("bkg:county", dep.county)):
            if v:
                yield T(dn, term(p), zh(v))
        yield from _areas(dn, dep.province, dep.county, seen)

        bn = iri("budget", dep.name, year or 0)
        yield from types(bn, "bkg:DepartmentBudget", "prov:Entity")
        yield T(bn, label, zh(f"{dep.name} {year or ''}年{dep.doc_kind or '预算'}".strip()))
        yield T(bn, term("bkg:budgetOf"), dn)
        yield T(dn, term("bkg:hasBudget"), bn)
        if year_lit:
            yield T(bn, year_p, year_lit)
        yield T(bn, derived, doc)
        for p, v in (("bkg:budgetCode", dep.code), ("bkg:docKind", text(dep.doc_kind))):
            if v:
                yield T(bn, term(p), v if isinstance(v, Literal) else Literal(v))
        common = dict(year=year_lit, doc=doc, budget=bn)

        for key in TOTAL_ITEMS:
            value = getattr(d.totals, key)
            if value is None:
                continue
            yield from _observation(
                iri("observation", "total", dep.name, year or 0, key), "bkg:TotalsObservation", "bkg:DepartmentTotals",
                [("bkg:organization", dn), ("bkg:fiscalYear", year_lit), ("bkg:budgetItem", code("budget_item", key))],
                [("bkg:amountWan", value)], "bkg:WanYuan", d.totals.lines.get(key), **common)
        for key, value in d.totals.income_by_source.items():
            yield from _observation(
                iri("observation", "income", dep.name, year or 0, key), "bkg:IncomeObservation",
                "bkg:DepartmentIncome", [("bkg:organization", dn), ("bkg:fiscalYear", year_lit),
                                         ("bkg:budgetType", code("budget_type", key))],
                [("bkg:amountWan", value)], "bkg:WanYuan", d.totals.lines.get(f"income_by_source.{key}"), **common)
        for unit in dep.subunits:
            un = iri("unit", unit)
            yield from types(un, "bkg:Unit", "org:OrganizationalUnit", "org:Organization")
            yield T(un, label, zh(unit))
            yield T(dn, term("org:hasUnit"), un)
            yield T(un, term("org:unitOf"), dn)

        for r in d.functional_spending:
            fn = iri("functional", r.code)
            if ("functional", r.code) not in seen:
                seen.add(("functional", r.code))
                yield from types(fn, "bkg:FunctionalClass", "skos:Concept")
                yield T(fn, notation, Literal(r.code))
                yield T(fn, label, zh(r.name))
                yield T(fn, in_scheme, term("bkg:FunctionalScheme"))
                if r.parent_code:
                    yield T(fn, broader, iri("functional", r.parent_code))
                else:
                    yield T(fn, term("skos:topConceptOf"), term("bkg:FunctionalScheme"))
                    yield T(term("bkg:FunctionalScheme"), term("skos:hasTopConcept"), fn)
            if r.level not in FUNCTIONAL_DATASETS:
                continue
            level, dataset = FUNCTIONAL_DATASETS[r.level]
            dims = [("bkg:organization", dn), ("bkg:fiscalYear", year_lit), ("bkg:classification", fn),
                    ("bkg:classLevel", code("level", level))]
            if r.total is not None:
                yield from _observation(
                    iri("observation", "spending", dep.name, year or 0, r.code), "bkg:SpendingObservation", dataset,
                    dims, [("bkg:amountWan", r.total)], "bkg:WanYuan", r.source.line, **common)
            for item, value in (("basic_expenditure", r.basic), ("project_expenditure", r.project)):
                if value is not None:
                    yield from _observation(
                        iri("observation", "spending", dep.name, year or 0, r.code, item),
                        "bkg:SpendingByKindObservation", dataset.replace("Spending", "SpendingByKind"),
                        dims + [("bkg:budgetItem", code("budget_item", item))], [("bkg:amountWan", value)],
                        "bkg:WanYuan", r.source.line, **common)

        for r, ecode, level in coded_rows(d.economic_spending):
            en = iri("economic", ecode or r.name)
            if ("economic", ecode or r.name) not in seen:
                seen.add(("economic", ecode or r.name))
                yield from types(en, "bkg:EconomicClass", "skos:Concept")
                yield T(en, label, zh(r.name))
                yield T(en, in_scheme, term("bkg:EconomicScheme"))
                if ecode:
                    yield T(en, notation, Literal(ecode))
                if ecode and len(ecode) > 3:
                    yield T(en, broader, iri("economic", ecode[:3]))
                elif level == "class":
                    yield T(en, term("skos:topConceptOf"), term("bkg:EconomicScheme"))
                    yield T(term("bkg:EconomicScheme"), term("skos:hasTopConcept"), en)
            dims = [("bkg:organization", dn), ("bkg:fiscalYear", year_lit), ("bkg:economicClass", en),
                    ("bkg:classLevel", code("level", level))]
            if r.total is not None:
                yield from _observation(
                    iri("observation", "economic", dep.name, year or 0, ecode or r.name), "bkg:EconomicObservation",
                    ECONOMIC_DATASETS[level], dims, [("bkg:amountWan", r.total)], "bkg:WanYuan", r.source.line, **common)
            for item, value in (("personnel", r.personnel), ("public_use", r.public_use)):
                if value is not None:
                    yield from _observation(
                        iri("observation", "economic", dep.name, year or 0, ecode or r.name, item),
                        "bkg:EconomicByKindObservation", ECONOMIC_DATASETS[level].replace("Spending", "SpendingByKind"),
                        dims + [("bkg:budgetItem", code("budget_item", item))], [("bkg:amountWan", value)],
                        "bkg:WanYuan", r.source.line, **common)

        for i, p in enumerate(d.projects):
            pid = ids.project(d, i)
            pn = iri("project", *pid)
            yield T(pn, a, term("bkg:Project"))
            yield T(pn, label, zh(p.name))
            yield T(pn, term("bkg:department"), dn)
            yield T(dn, term("bkg:hasProject"), pn)
            yield T(pn, term("bkg:budget"), bn)
            yield T(pn, term("bkg:carryover"), Literal("true" if p.carryover else "false",
                                                        datatype=NamedNode(XSD + "boolean")))
            if year_lit:
                yield T(pn, year_p, year_lit)
            if p.amount_wan is not None:
                yield T(pn, term("bkg:amountWan"), dec(p.amount_wan))
            if p.project_code:
                yield T(pn, term("bkg:projectCode"), Literal(p.project_code))
            for prop, v in (("bkg:category", p.category), ("bkg:implementingUnit", p.implementing_unit)):
                if v:
                    yield T(pn, term(prop), zh(v))
            yield T(pn, derived, doc)
            yield T(pn, line_p, integer(p.source.line))
            period = code("funding_period", "carryover" if p.carryover else "current_year")
            if p.carryover:
                yield T(pn, term("bkg:fundedBy"), period)
            for key, value in p.budget_sources.items():
                yield from _observation(
                    iri("observation", "project-budget", *pid, key), "bkg:ProjectBudgetObservation", "bkg:ProjectBudget",
                    [("bkg:project", pn), ("bkg:budgetType", code("budget_type", key)), ("bkg:fundingPeriod", period)],
                    [("bkg:amountWan", value)], "bkg:WanYuan", p.source.line, year=year_lit, doc=doc)
                if value:
                    yield T(pn, term("bkg:fundedBy"), code("budget_type", key))
            f = p.funding
            if f is not None:
                printed_yuan = f.printed_unit == "元"
                if f.total is not None and printed_yuan:
                    yield T(pn, term("bkg:fundingTotalYuan"), dec(f.total))
                blocks = [(k, "unstated", getattr(f, k)) for k in GOVERNMENT_LEVELS]
                blocks.append(("unstated", "fiscal", f.fiscal))
                for level, btype, value in blocks:
                    if value is None or (not printed_yuan and level == "other" and not value):
                        continue  # Hebei: 其他资金 left blank is not a printed figure
                    yield from _observation(
                        iri("observation", "funding", *pid, level if btype == "unstated" else btype),
                        "bkg:FundingObservation", "bkg:ProjectFunding",
                        [("bkg:project", pn), ("bkg:governmentLevel", code("government_level", level)),
                         ("bkg:budgetType", code("budget_type", btype))],
                        [("bkg:amountYuan", value)], "bkg:Yuan", f.source.line if f.source else None,
                        year=year_lit, doc=doc, printed=None if printed_yuan else "bkg:WanYuan")
                    if value:
                        yield T(pn, term("bkg:fundedBy"), code("government_level", level))
                        if btype != "unstated":
                            yield T(pn, term("bkg:fundedBy"), code("budget_type", btype))
            for relation, bases, where in (("bkg:cites", p.legal_bases, "立项依据"),
                                           ("bkg:mentions", p.citations, "保证项目实施的制度、措施")):
                for b in bases:
                    key = ids.policy(b)
                    pol = iri("policy", key)
                    yield T(pn, term(relation), pol)
                    yield from _policy(pol, key, b, ids, doc, seen)
            for n, ind in enumerate(p.indicators, 1):
                yield from _indicator(iri("indicator", *pid, n), ind, pn, doc)
        for n, ind in enumerate(d.department_indicators, 1):
            yield from _indicator(iri("indicator", dep.name, year or 0, "整体", n), ind, bn, doc)
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


def _areas(dn: NamedNode, province: Optional[str], county: Optional[str], seen: set) -> Iterator[Triple]:
    """County and province as organisations grouping departments (org:subOrganizationOf)."""
    T = Triple
    parent = None
    for parts in ((province,), (province, county)):
        if not all(parts):
            continue
        node = iri("area", *parts)
        if ("area", parts) not in seen:
            seen.add(("area", parts))
            for c in ("bkg:Area", "org:Organization"):
                yield T(node, RDF_TYPE, term(c))
            yield T(node, term("skos:prefLabel"), zh(parts[-1]))
            if parent is not None:
                yield T(node, term("org:subOrganizationOf"), parent)
                yield T(parent, term("org:hasSubOrganization"), node)
        parent = node
    if parent is not None:
        yield T(dn, term("org:subOrganizationOf"), parent)
        yield T(parent, term("org:hasSubOrganization"), dn)


def _policy(pol: NamedNode, key: str, b, ids: Identities, doc: NamedNode, seen: set) -> Iterator[Triple]:
    """A policy as an ELI legal resource: number, title, type, year and issuing body where the citation shows them."""
    T = Triple
    for c in ("bkg:Policy", "eli:LegalResource"):
        yield T(pol, RDF_TYPE, term(c))
    yield T(pol, term("skos:prefLabel"), zh(key))
    if b.doc_number:
        yield T(pol, term("eli:id_local"), Literal(b.doc_number))
        yield T(pol, term("bkg:issuerPrefix"), Literal(b.issuer_prefix or ""))
        yield T(pol, term("bkg:asPrinted"), Literal(b.as_printed))
    title = b.title or ids.policy_title(key)
    if title:
        yield T(pol, term("eli:title"), zh(title))
    kind = policy_type(title)
    if kind:
        kn = iri("document-type", kind)
        yield T(pol, term("eli:type_document"), kn)
        if ("document-type", kind) not in seen:
            seen.add(("document-type", kind))
            yield T(kn, RDF_TYPE, term("skos:Concept"))
            yield T(kn, term("skos:prefLabel"), zh(kind))
            yield T(kn, term("skos:inScheme"), term("bkg:DocumentTypeScheme"))
            yield T(kn, term("skos:topConceptOf"), term("bkg:DocumentTypeScheme"))
            yield T(term("bkg:DocumentTypeScheme"), term("skos:hasTopConcept"), kn)
    year = policy_year(b.doc_number)
    if year:
        yield T(pol, term("bkg:documentYear"), Literal(str(year), datatype=NamedNode(XSD + "gYear")))
    issuer = policy_issuer(b)
    if issuer:
        on = iri("issuer", issuer)
        yield T(pol, term("eli:passed_by"), on)
        if ("issuer", issuer) not in seen:
            seen.add(("issuer", issuer))
            for c in ("bkg:Issuer", "org:Organization"):
                yield T(on, RDF_TYPE, term(c))
            yield T(on, term("skos:prefLabel"), zh(issuer))
    if b.issuer:
        yield T(pol, term("bkg:issuer"), zh(b.issuer))
    yield T(pol, term("prov:wasDerivedFrom"), doc)


def _observation(node: NamedNode, cls: str, dataset: str, dimensions, measures, unit: str, line: Optional[int], *,
                 year: Optional[Literal], doc: NamedNode, budget: Optional[NamedNode] = None,
                 printed: Optional[str] = None) -> Iterator[Triple]:
    """A Data Cube observation: its dimensions, its amounts, the unit (an IRI) always explicit, and where it was read."""
    yield Triple(node, RDF_TYPE, term(cls))
    yield Triple(node, RDF_TYPE, term("qb:Observation"))
    yield Triple(node, term("qb:dataSet"), term(dataset))
    for prop, value in dimensions:
        if value is not None:
            yield Triple(node, term(prop), value)
    for prop, value in measures:
        if value is not None:
            yield Triple(node, term(prop), dec(value))
    yield Triple(node, term("sdmx-attribute:unitMeasure"), term(unit))
    if printed:
        yield Triple(node, term("bkg:printedUnit"), term(printed))
    if budget is not None:
        yield Triple(node, term("bkg:budget"), budget)
    if year is not None and not any(p == "bkg:fiscalYear" for p, _ in dimensions):
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
                 ("bkg:unit", ind.parsed.unit)):
        if v:
            yield T(node, term(p), zh(v))
    if ind.parsed.comparator:
        yield T(node, term("bkg:comparator"), Literal(ind.parsed.comparator))
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
    """The triples as ``fmt`` (a key of FORMATS): the export's writer, and kg.graph.sparql_results' for answers."""
    if fmt == "jsonld":
        from .jsonld import dumps

        return dumps(triple_list)
    # IRIs of instances stay whole (<…/id/project/部门/2026/名称>): readable, no \/ escapes
    prefixes = {k: v for k, v in PREFIXES.items() if k != "id"} if fmt in ("turtle", "rdfxml") else None
    return serialize(triple_list, format=FORMATS[fmt], prefixes=prefixes) if prefixes else \
        serialize(triple_list, format=FORMATS[fmt])


def write_rdf(documents: Iterable[BudgetDocument], fmt: str, output: Path) -> Path:
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(serialize_rdf(sorted_triples(documents), fmt))
    return output
