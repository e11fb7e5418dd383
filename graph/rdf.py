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
from typing import TYPE_CHECKING, Iterable, Iterator, Optional

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

from kg.model import BudgetDocument

from .facts import Entity, Observation, Ref, Relation, facts

if TYPE_CHECKING:
    from kg.checks.stored import FindingsOf

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


DECIMAL, INTEGER, GYEAR, BOOLEAN = (NamedNode(XSD + t) for t in ("decimal", "integer", "gYear", "boolean"))


def dec(value: Decimal) -> Literal:
    return _decimal(format(value, "f"))  # by text: Decimal("1.0") == Decimal("1.00"), their literals differ


@lru_cache(maxsize=65536)
def _decimal(text: str) -> Literal:
    return Literal(text, datatype=DECIMAL)


@lru_cache(maxsize=65536)
def integer(value: int) -> Literal:
    return Literal(str(value), datatype=INTEGER)


STRUCTURE = "cube.ttl"
CODE_LISTS = {"government_level": "government-level", "budget_type": "budget-type", "funding_period": "funding-period",
              "budget_item": "budget-item", "level": "class-level"}
"""Glossary identifier of each static code list → the IRI path of its codes (…/id/budget-type/general_budget)."""
FUNCTIONAL_DATASETS_BY_LEVEL = {"class": "bkg:FunctionalSpendingClass", "subclass": "bkg:FunctionalSpendingSubclass",
                                "item": "bkg:FunctionalSpendingItem"}
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


def triples(documents: Iterable[BudgetDocument], findings_of: Optional["FindingsOf"] = None) -> Iterator[Triple]:
    """The RDF of the documents: the cube structure, then each fact of graph/facts.py as triples.
    ``findings_of(doc)`` gives the findings of ``kg check`` (kg.checks.stored), else they are computed here."""
    yield from structure()
    rdf = _Projection()
    for fact in facts(documents, findings_of=findings_of):
        if isinstance(fact, Entity):
            yield from rdf.entity(fact)
        elif isinstance(fact, Relation):
            yield from rdf.relation(fact)
        else:
            yield from rdf.observation(fact)


@lru_cache(maxsize=None)
def year_literal(year: Optional[int]) -> Optional[Literal]:
    return Literal(str(year), datatype=GYEAR) if year else None


def boolean(value: bool) -> Literal:
    return Literal("true" if value else "false", datatype=BOOLEAN)


T = Triple
LABEL = term("skos:prefLabel")
DERIVED = term("prov:wasDerivedFrom")
SOURCE_LINE = term("bkg:sourceLine")
FISCAL_YEAR = term("bkg:fiscalYear")
CONCEPT_SCHEMES = {"functional": ("bkg:FunctionalClass", "bkg:FunctionalScheme"),
                   "economic": ("bkg:EconomicClass", "bkg:EconomicScheme")}
"""Code kinds published as SKOS concepts: their class and scheme."""
OBSERVATIONS = {
    "totals": ("total", "bkg:TotalsObservation", None),
    "income": ("income", "bkg:IncomeObservation", "bkg:DepartmentIncome"),
    "functional_spending": ("spending", "bkg:SpendingObservation", None),
    "economic_spending": ("economic", "bkg:EconomicObservation", None),
    "project_budget": ("project-budget", "bkg:ProjectBudgetObservation", "bkg:ProjectBudget"),
    "project_funding": ("funding", "bkg:FundingObservation", "bkg:ProjectFunding"),
}
"""Data set of the facts → (IRI path of its observations, observation class, qb:DataSet)."""
DIMENSIONS = {"budget_item": "bkg:budgetItem", "budget_type": "bkg:budgetType", "funding_period": "bkg:fundingPeriod",
              "government_level": "bkg:governmentLevel", "level": "bkg:classLevel",
              "functional": "bkg:classification", "economic": "bkg:economicClass"}
"""Dimension of the facts → cube dimension property."""
UNITS = {"wan": ("bkg:amountWan", "bkg:WanYuan"), "yuan": ("bkg:amountYuan", "bkg:Yuan")}
PRINTED_UNITS = {"万元": "bkg:WanYuan", "元": "bkg:Yuan"}


class _Projection:
    """Facts → triples. Remembers what earlier facts said of a document or a code (IRIs, first labels)."""

    def __init__(self):
        self.documents: dict[str, dict] = {}
        """Document key → its attributes (department, year, sha256 …), for the IRIs that name them."""
        self.described: set = set()
        """Codes already described: a code's first printed name is its label."""
        self.policies: dict[str, dict] = {}
        """Policy key → the attributes its latest citation gave (whether it has a number)."""
        self.indicator_files: dict[Ref, str] = {}
        """Indicator → its document, whose year's budget a department indicator belongs to."""

    # ------------------------------------------------------------------ names
    def node(self, ref: Ref) -> NamedNode:
        if ref.kind == "document":
            return iri("document", self.documents[ref.key]["sha256"][:16])
        return iri(ref.kind, *ref.parts)

    def budget(self, doc: dict) -> NamedNode:
        return iri("budget", doc["department"], doc["fiscal_year"] or 0)

    def document_of(self, file: str) -> NamedNode:
        return iri("document", self.documents[file]["sha256"][:16])

    # ------------------------------------------------------------------ entities
    def entity(self, e: Entity) -> Iterator[Triple]:
        kind, a = e.ref.kind, e.attrs
        if kind == "document":
            self.documents[e.ref.key] = a
        node = self.node(e.ref) if kind not in ("funding", "section") else None
        if kind == "document":
            yield from _types(node, "bkg:SourceDocument", "prov:Entity")
            yield T(node, term("bkg:sourceFile"), Literal(portable_source(a["file"])))
            yield T(node, term("bkg:sha256"), Literal(a["sha256"]))
            year = year_literal(a["fiscal_year"])
            if year:
                yield T(node, FISCAL_YEAR, year)
            yield from self._budget(a, node)
        elif kind == "department":
            yield from _types(node, "bkg:Department", "org:FormalOrganization", "org:Organization")
            yield T(node, LABEL, zh(e.label))
            for p, v in (("bkg:province", a["province"]), ("bkg:county", a["county"])):
                if v:
                    yield T(node, term(p), zh(v))
            yield from _areas(node, a["province"], a["county"])
        elif kind == "unit":
            yield from _types(node, "bkg:Unit", "org:OrganizationalUnit", "org:Organization")
            yield T(node, LABEL, zh(e.label))
        elif kind in CONCEPT_SCHEMES:
            yield from self._concept(e, node)
        elif kind == "project":
            yield from self._project(e, node)
        elif kind == "policy":
            self.policies[e.ref.key] = a
            yield from _policy(node, e.label, a)
        elif kind == "indicator":
            self.indicator_files[e.ref] = a["file"]
            yield from _indicator(node, e, self.document_of(a["file"]))
        elif kind == "finding":
            yield from _finding(node, e)

    def _budget(self, a: dict, doc: NamedNode) -> Iterator[Triple]:
        """A department's year as one node: what its totals, projects and 整体 indicators belong to."""
        bn, dn = self.budget(a), iri("department", a["department"])
        year = a["fiscal_year"]
        yield from _types(bn, "bkg:DepartmentBudget", "prov:Entity")
        yield T(bn, LABEL, zh(f"{a['department']} {year or ''}年{a['doc_kind'] or '预算'}".strip()))
        yield T(bn, term("bkg:budgetOf"), dn)
        yield T(dn, term("bkg:hasBudget"), bn)
        if year:
            yield T(bn, FISCAL_YEAR, year_literal(year))
        yield T(bn, DERIVED, doc)
        if a["budget_code"]:
            yield T(bn, term("bkg:budgetCode"), Literal(a["budget_code"]))
        if a["doc_kind"]:
            yield T(bn, term("bkg:docKind"), zh(a["doc_kind"]))

    def _concept(self, e: Entity, node: NamedNode) -> Iterator[Triple]:
        """A functional or economic class as a SKOS concept, described where first printed (a code known
        only as another's parent has no level and no description)."""
        a = e.attrs
        if not a.get("level") or e.ref in self.described:
            return
        self.described.add(e.ref)
        cls, scheme = CONCEPT_SCHEMES[e.ref.kind]
        yield from _types(node, cls, "skos:Concept")
        if e.ref.kind == "functional":
            yield T(node, term("skos:notation"), Literal(a["code"]))
        yield T(node, LABEL, zh(e.label))
        yield T(node, term("skos:inScheme"), term(scheme))
        if e.ref.kind == "economic" and a["code"]:
            yield T(node, term("skos:notation"), Literal(a["code"]))
        # a class under another (2010301, 30101) has a broader relation; the rest of level 类 are top concepts
        if not (a["code"] and len(a["code"]) > 3) and (e.ref.kind == "functional" or a["level"] == "class"):
            yield T(node, term("skos:topConceptOf"), term(scheme))
            yield T(term(scheme), term("skos:hasTopConcept"), node)

    def _project(self, e: Entity, pn: NamedNode) -> Iterator[Triple]:
        a = e.attrs
        doc = self.documents[a["file"]]
        year = year_literal(a["fiscal_year"])
        yield T(pn, RDF_TYPE, term("bkg:Project"))
        yield T(pn, LABEL, zh(e.label))
        yield T(pn, term("bkg:budget"), self.budget(doc))
        yield T(pn, term("bkg:carryover"), boolean(a["carryover"]))
        if year:
            yield T(pn, FISCAL_YEAR, year)
        if a["amount_wan"] is not None:
            yield T(pn, term("bkg:amountWan"), dec(a["amount_wan"]))
        if a["project_code"]:
            yield T(pn, term("bkg:projectCode"), Literal(a["project_code"]))
        for prop, key in (("bkg:category", "category"), ("bkg:implementingUnit", "implementing_unit")):
            if a[key]:
                yield T(pn, term(prop), zh(a[key]))
        yield T(pn, SOURCE_LINE, integer(a["line"]))
        if a["carryover"]:
            yield T(pn, term("bkg:fundedBy"), code("funding_period", "carryover"))
        if a["funding_total_yuan"] is not None and a["funding_printed_unit"] == "元":  # as printed, never computed
            yield T(pn, term("bkg:fundingTotalYuan"), dec(a["funding_total_yuan"]))

    # ------------------------------------------------------------------ relations
    def relation(self, r: Relation) -> Iterator[Triple]:
        s, o, a = r.subject, r.object, r.attrs
        if r.relation == "source":
            yield T(self.node(s), DERIVED, self.node(o))
        elif r.relation == "has_unit":
            yield T(self.node(s), term("org:hasUnit"), self.node(o))
            yield T(self.node(o), term("org:unitOf"), self.node(s))
        elif r.relation == "broader":
            yield T(self.node(s), term("skos:broader"), self.node(o))
        elif r.relation == "has_project":
            yield T(self.node(o), term("bkg:department"), self.node(s))
            yield T(self.node(s), term("bkg:hasProject"), self.node(o))
        elif r.relation in ("cites", "mentions"):
            pol = self.node(o)
            yield T(self.node(s), term("bkg:" + r.relation), pol)
            if self.policies[o.key]["doc_number"]:
                yield T(pol, term("bkg:asPrinted"), Literal(a["as_printed"]))
            yield T(pol, DERIVED, self.document_of(a["file"]))
        elif r.relation == "has_indicator":
            # a department's 整体 indicators belong to its year's budget
            owner = self.node(s) if s.kind == "project" else self.budget(self.documents[self.indicator_files[o]])
            yield T(owner, term("bkg:hasIndicator"), self.node(o))
        elif r.relation == "concerns":
            yield T(self.node(s), term("bkg:concerns"), self.node(o))
        # income_from, funded_by, spends_on*: published as observations (with zeros) and bkg:fundedBy codes

    # ------------------------------------------------------------------ observations
    def observation(self, o: Observation) -> Iterator[Triple]:
        path, cls, dataset = OBSERVATIONS[o.dataset]
        dims = dict(o.dimensions)
        item = dims.get("budget_item")
        if o.subject.kind == "document":
            doc = self.documents[o.subject.key]
            owner: tuple = (doc["department"], doc["fiscal_year"] or 0)
            org = [("bkg:organization", iri("department", doc["department"])),
                   ("bkg:fiscalYear", year_literal(doc["fiscal_year"]))]
            budget = self.budget(doc)
            src = self.node(o.subject)
        else:
            owner, org, budget = o.subject.parts, [("bkg:project", self.node(o.subject))], None
            src = self.document_of(o.attrs["file"])
        if o.dataset == "totals":
            key, dataset = (item,), "bkg:DepartmentTotals"
        elif o.dataset in ("functional_spending", "economic_spending"):
            ref = dims[o.dataset.split("_")[0]]
            key = (ref.key,) + ((item,) if item else ())
            dataset = _class_dataset(o.dataset, dims["level"], by_kind=bool(item))
            cls = cls.replace("Observation", "ByKindObservation") if item else cls
        elif o.dataset == "project_funding":
            key = (dims["government_level"] if dims["budget_type"] == "unstated" else dims["budget_type"],)
        else:
            key = (dims["budget_type"],)
        node = iri("observation", path, *owner, *key)
        dimensions = org + [(DIMENSIONS[k], self._dimension(k, v)) for k, v in o.dimensions if v is not None]
        measure, unit = UNITS[o.unit]
        printed = o.attrs.get("printed_unit")
        yield from _observation(node, cls, dataset, dimensions, [(measure, o.value)], unit, o.attrs.get("line"),
                                year=year_literal(o.attrs.get("fiscal_year")), doc=src, budget=budget,
                                printed=PRINTED_UNITS.get(printed) if printed and PRINTED_UNITS.get(printed) != unit
                                else None)
        if o.subject.kind == "project" and o.value:  # the codes of the money a project has, for simple queries
            if "government_level" in dims:
                yield T(self.node(o.subject), term("bkg:fundedBy"), code("government_level", dims["government_level"]))
            if dims["budget_type"] != "unstated":
                yield T(self.node(o.subject), term("bkg:fundedBy"), code("budget_type", dims["budget_type"]))

    def _dimension(self, name: str, value) -> NamedNode:
        return self.node(value) if isinstance(value, Ref) else code(name, value)


def _class_dataset(dataset: str, level: str, by_kind: bool) -> str:
    name = (FUNCTIONAL_DATASETS_BY_LEVEL if dataset == "functional_spending" else ECONOMIC_DATASETS)[level]
    return name.replace("Spending", "SpendingByKind") if by_kind else name


def _types(node, *curies) -> Iterator[Triple]:
    for c in curies:
        yield T(node, RDF_TYPE, term(c))


def _finding(node: NamedNode, e: Entity) -> Iterator[Triple]:
    """A ``kg check`` finding as a bkg:Finding (its bkg:concerns and source come as relations)."""
    a = e.attrs
    yield T(node, RDF_TYPE, term("bkg:Finding"))
    yield T(node, LABEL, zh(e.label))
    yield T(node, term("rdfs:comment"), Literal(a["gloss"], language="en"))
    yield T(node, term("bkg:rule"), Literal(a["rule"]))
    yield T(node, term("bkg:severity"), Literal(a["severity"]))
    for prop, key in (("bkg:expectedValue", "expected_value"), ("bkg:foundValue", "found_value")):
        if a[key] is not None:
            yield T(node, term(prop), dec(a[key]))
    if a["excerpt"]:
        yield T(node, term("bkg:excerpt"), zh(a["excerpt"]))
    if a["line"]:
        yield T(node, SOURCE_LINE, integer(a["line"]))


def _areas(dn: NamedNode, province: Optional[str], county: Optional[str]) -> Iterator[Triple]:
    """County and province as organisations grouping departments (org:subOrganizationOf)."""
    parent = None
    for parts in ((province,), (province, county)):
        if not all(parts):
            continue
        node = iri("area", *parts)
        yield from _types(node, "bkg:Area", "org:Organization")
        yield T(node, LABEL, zh(parts[-1]))
        if parent is not None:
            yield T(node, term("org:subOrganizationOf"), parent)
            yield T(parent, term("org:hasSubOrganization"), node)
        parent = node
    if parent is not None:
        yield T(dn, term("org:subOrganizationOf"), parent)
        yield T(parent, term("org:hasSubOrganization"), dn)


def _policy(pol: NamedNode, key: str, a: dict) -> Iterator[Triple]:
    """A policy as an ELI legal resource: number, title, type, year and issuing body where the citation shows them."""
    yield from _types(pol, "bkg:Policy", "eli:LegalResource")
    yield T(pol, LABEL, zh(key))
    if a["doc_number"]:
        yield T(pol, term("eli:id_local"), Literal(a["doc_number"]))
        yield T(pol, term("bkg:issuerPrefix"), Literal(a["issuer_prefix"] or ""))
    if a["title"]:
        yield T(pol, term("eli:title"), zh(a["title"]))
    kind = a["document_type"]
    if kind:
        kn = iri("document-type", kind)
        yield T(pol, term("eli:type_document"), kn)
        yield T(kn, RDF_TYPE, term("skos:Concept"))
        yield T(kn, LABEL, zh(kind))
        yield T(kn, term("skos:inScheme"), term("bkg:DocumentTypeScheme"))
        yield T(kn, term("skos:topConceptOf"), term("bkg:DocumentTypeScheme"))
        yield T(term("bkg:DocumentTypeScheme"), term("skos:hasTopConcept"), kn)
    if a["document_year"]:
        yield T(pol, term("bkg:documentYear"), year_literal(a["document_year"]))
    issuer = a["issuing_body"]
    if issuer:
        on = iri("issuer", issuer)
        yield T(pol, term("eli:passed_by"), on)
        yield from _types(on, "bkg:Issuer", "org:Organization")
        yield T(on, LABEL, zh(issuer))
    if a["issuer"]:
        yield T(pol, term("bkg:issuer"), zh(a["issuer"]))


def _observation(node: NamedNode, cls: str, dataset: str, dimensions, measures, unit: str, line: Optional[int], *,
                 year: Optional[Literal], doc: NamedNode, budget: Optional[NamedNode] = None,
                 printed: Optional[str] = None) -> Iterator[Triple]:
    """A Data Cube observation: its dimensions, its amounts, the unit (an IRI) always explicit, and where it was read."""
    yield T(node, RDF_TYPE, term(cls))
    yield T(node, RDF_TYPE, term("qb:Observation"))
    yield T(node, term("qb:dataSet"), term(dataset))
    for prop, value in dimensions:
        if value is not None:
            yield T(node, term(prop), value)
    for prop, value in measures:
        if value is not None:
            yield T(node, term(prop), dec(value))
    yield T(node, term("sdmx-attribute:unitMeasure"), term(unit))
    if printed:
        yield T(node, term("bkg:printedUnit"), term(printed))
    if budget is not None:
        yield T(node, term("bkg:budget"), budget)
    if year is not None and not any(p == "bkg:fiscalYear" for p, _ in dimensions):
        yield T(node, FISCAL_YEAR, year)
    yield T(node, DERIVED, doc)
    if line is not None:
        yield T(node, SOURCE_LINE, integer(line))


def _indicator(node: NamedNode, e: Entity, doc: NamedNode) -> Iterator[Triple]:
    a = e.attrs
    yield T(node, RDF_TYPE, term("bkg:Indicator"))
    yield T(node, LABEL, zh(e.label))
    for p, key in (("bkg:level1", "level1"), ("bkg:level2", "level2"), ("bkg:value", "value"), ("bkg:unit", "unit")):
        if a[key]:
            yield T(node, term(p), zh(a[key]))
    if a["comparator"]:
        yield T(node, term("bkg:comparator"), Literal(a["comparator"]))
    if a["number"] is not None:
        yield T(node, term("bkg:number"), dec(a["number"]))
    yield T(node, DERIVED, doc)
    yield T(node, SOURCE_LINE, integer(a["line"]))


def sorted_triples(documents: Iterable[BudgetDocument], findings_of: Optional["FindingsOf"] = None) -> list[Triple]:
    """Distinct triples in a fixed order, so the same records give byte-identical files.

    The order is the order of emission (documents sorted by path, records in document order); a
    shared node (policy, code, department) emitted again by a later document keeps its first place.
    Sorting by string form gave the same stability at twice the cost at a million triples."""
    return list(dict.fromkeys(triples(documents, findings_of)))


def serialize_rdf(triple_list: list[Triple], fmt: str) -> bytes:
    """The triples as ``fmt`` (a key of FORMATS): the export's writer, and kg.graph.sparql_results' for answers."""
    if fmt == "jsonld":
        from .jsonld import dumps

        return dumps(triple_list)
    # IRIs of instances stay whole (<…/id/project/部门/2026/名称>): readable, no \/ escapes
    prefixes = {k: v for k, v in PREFIXES.items() if k != "id"} if fmt in ("turtle", "rdfxml") else None
    return serialize(triple_list, format=FORMATS[fmt], prefixes=prefixes) if prefixes else \
        serialize(triple_list, format=FORMATS[fmt])


def write_rdf(documents: Iterable[BudgetDocument], fmt: str, output: Path,
              findings_of: Optional["FindingsOf"] = None) -> Path:
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(serialize_rdf(sorted_triples(documents, findings_of), fmt))
    return output
