"""The JSON-LD export is compacted under the shipped context, expands to the same graph, and frames by @type (pyld)."""

from __future__ import annotations

import json

import pytest
import rdflib
from pyld import jsonld
from rdflib.compare import isomorphic

from conftest import ROOT
from kg.graph.rdf import PREFIXES, serialize_rdf, sorted_triples
from kg.store import Store


@pytest.fixture(scope="module")
def exported(kg_home):
    triples = sorted_triples(Store(kg_home).documents())
    return triples, json.loads(serialize_rdf(triples, "jsonld"))


def test_context_is_the_shipped_file_and_knows_every_prefix(exported):
    _, doc = exported
    shipped = json.loads((ROOT / "ontology" / "context.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == shipped["@context"]
    for prefix, ns in PREFIXES.items():
        assert shipped["@context"][prefix] == ns


def test_pyld_expands_it_to_the_same_graph(exported):
    triples, doc = exported
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    ours = rdflib.Graph().parse(data=serialize_rdf(triples, "ntriples"), format="nt")
    theirs = rdflib.Graph().parse(data=nquads, format="nt")
    assert len(theirs) == len(ours) and isomorphic(ours, theirs)


def test_framing_by_type_finds_every_project(kg_home):
    """Framed on one document's export (pyld frames ~1,000 triples a second)."""
    doc = next(d for d in Store(kg_home).documents() if d.department.name == "泽州县柳树口镇人民政府")
    data = json.loads(serialize_rdf(sorted_triples([doc]), "jsonld"))
    framed = jsonld.frame(data, {"@context": data["@context"], "@type": "bkg:Project"})
    projects = framed["@graph"]
    assert len(projects) == len(doc.projects) > 1
    one = next(p for p in projects if p["skos:prefLabel"]["@value"] == "村级管理费用（三保）")
    assert one["@type"] == "bkg:Project" and one["bkg:amountWan"]["@type"] == "xsd:decimal"
    assert one["bkg:department"]["@id"] == "id:department/泽州县柳树口镇人民政府"
