"""One writer of SPARQL answers (kg.graph.sparql_results) for `kg sparql` and `kg serve`: every format reads
back (rdflib's parsers) to the terms it was given, rows are written as they arrive, and the CLI and the
endpoint send the same bytes for the same format."""

from __future__ import annotations

import io
import json

import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.query import Result
from typer.testing import CliRunner

from kg.app import BudgetKG
from kg.cli import app
from kg.graph import sparql_results as sr

runner = CliRunner()
XSD = "http://www.w3.org/2001/XMLSchema#"


class Answer:
    """An answer as kg.graph.sparql.Answer presents it: kind, variables, boolean, rows of term tuples."""

    def __init__(self, kind, variables, rows, boolean=None, truncated=False, fail_after=None):
        self.kind, self.variables, self.rows, self.boolean = kind, variables, rows, boolean
        self.truncated, self.fail_after = truncated, fail_after

    def __iter__(self):
        for i, row in enumerate(self.rows):
            if i == self.fail_after:
                raise RuntimeError("the query process stopped")
            yield row


ROWS = [
    (("uri", "https://w3id.org/budget-kg/id/project/组织部/2026/选调生", None, None),
     ("literal", "选调生 \"到村\"\t<工作>&\n经费", XSD + "string", None),
     ("literal", "63.5", XSD + "decimal", None)),
    (("bnode", "b0", None, None), ("literal", "village cadres", None, "en"), None),
]
EXPECTED = [
    {"s": URIRef("https://w3id.org/budget-kg/id/project/组织部/2026/选调生"),
     "label": Literal("选调生 \"到村\"\t<工作>&\n经费"), "amount": Literal("63.5", datatype=URIRef(XSD + "decimal"))},
    {"s": BNode("b0"), "label": Literal("village cadres", lang="en")},
]


def _text(answer, fmt) -> bytes:
    return b"".join(sr.write(answer, fmt))


def _solutions(**kw) -> Answer:
    return Answer("solutions", ["s", "label", "amount"], ROWS, **kw)


def _bindings(result: Result) -> list[dict]:
    return [{str(k): v for k, v in b.items()} for b in result.bindings]


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_typed_formats_read_back_to_the_same_terms(fmt):
    data = _text(_solutions(), fmt)
    result = Result.parse(io.BytesIO(data) if fmt != "tsv" else io.StringIO(data.decode()), format=fmt)
    assert [str(v) for v in result.vars] == ["s", "label", "amount"]
    got = _bindings(result)
    assert got[0] == EXPECTED[0]
    assert isinstance(got[1]["s"], BNode) and got[1]["label"] == EXPECTED[1]["label"] and "amount" not in got[1]


def test_csv_is_plain_values_with_blank_nodes_as_labels():
    rows = list(__import__("csv").reader(io.StringIO(_text(_solutions(), "csv").decode())))
    assert rows == [["s", "label", "amount"],
                    ["https://w3id.org/budget-kg/id/project/组织部/2026/选调生", "选调生 \"到村\"\t<工作>&\n经费", "63.5"],
                    ["_:b0", "village cadres", ""]]


@pytest.mark.parametrize("fmt, expected", [
    ("json", b'{"head": {}, "boolean": true}\n'), ("csv", b"result\r\ntrue\r\n"), ("tsv", b"?result\ntrue\n")])
def test_ask_answers(fmt, expected):
    assert _text(Answer("boolean", ["result"], [], boolean=True), fmt) == expected
    xml = Result.parse(io.BytesIO(_text(Answer("boolean", ["result"], [], boolean=False), "xml")), format="xml")
    assert xml.askAnswer is False


def test_a_cut_answer_says_so_in_json():
    assert json.loads(_text(_solutions(truncated=True), "json"))["truncated"] is True
    assert "truncated" not in json.loads(_text(_solutions(), "json"))


@pytest.mark.parametrize("fmt", sr.RESULT_FORMATS)
def test_rows_are_written_as_they_arrive(fmt):
    """The head and the first row are out before the second row is asked for (it fails here)."""
    pieces, written = sr.write(_solutions(fail_after=1), fmt), b""
    while "选调生".encode() not in written:
        written += next(pieces)  # a writer that read every row first would raise here
    with pytest.raises(RuntimeError):
        list(pieces)


def test_triples_as_rdf():
    triples = Answer("triples", ["subject", "predicate", "object"], [
        (ROWS[0][0], ("uri", "http://www.w3.org/2004/02/skos/core#prefLabel", None, None), ROWS[0][1]),
        (ROWS[0][0], ("uri", "https://w3id.org/budget-kg/ontology#amountWan", None, None), ROWS[0][2])])
    graphs = {fmt: rdflib.Graph().parse(data=_text(triples, fmt), format=parser)
              for fmt, parser in (("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml"))}
    assert all(len(g) == 2 for g in graphs.values())
    assert all(isomorphic(graphs["ntriples"], g) for g in graphs.values())
    with pytest.raises(ValueError):
        sr.write(_solutions(), "turtle")


@pytest.mark.parametrize("kind, name, fmt", [
    ("solutions", "json", "json"), ("boolean", "XML", "xml"), ("solutions", "turtle", None),
    ("triples", "json", "jsonld"), ("triples", "xml", "rdfxml"), ("triples", "csv", "ntriples"),
    ("triples", "ttl", "turtle"), ("triples", "tsv", "tsv"), ("triples", "no-such", None)])
def test_format_names(kind, name, fmt):
    assert sr.resolve(kind, name) == fmt


# ------------------------------------------------------------------ one writer for the CLI and the endpoint

SELECT = "SELECT ?p ?l ?a WHERE { ?p a bkg:Project ; skos:prefLabel ?l ; bkg:amountWan ?a } ORDER BY ?p LIMIT 30"
CONSTRUCT = "CONSTRUCT { ?p skos:prefLabel ?l } WHERE { ?p a bkg:Project ; skos:prefLabel ?l } ORDER BY ?p LIMIT 20"


@pytest.fixture(scope="module")
def endpoint(kg_home):
    from starlette.testclient import TestClient

    from kg.server import create_app

    with TestClient(create_app(BudgetKG(kg_home))) as client:
        yield client


@pytest.mark.parametrize("query, fmt", [(SELECT, f) for f in sr.RESULT_FORMATS] +
                         [(CONSTRUCT, f) for f in sr.GRAPH_FORMATS] + [("ASK { ?p a bkg:Project }", "xml")])
def test_cli_and_endpoint_send_the_same_bytes(use_home, endpoint, query, fmt):
    cli = runner.invoke(app, ["sparql", query, "--format", fmt])
    assert cli.exit_code == 0, cli.output
    http = endpoint.get("/sparql", params={"query": query}, headers={"Accept": sr.MEDIA_TYPES[fmt]})
    assert http.status_code == 200 and http.headers["content-type"].startswith(sr.MEDIA_TYPES[fmt])
    assert cli.stdout_bytes == http.content and len(http.content) > 100


def test_cli_refuses_a_format_the_answer_cannot_take(use_home):
    result = runner.invoke(app, ["sparql", SELECT, "--format", "turtle"])
    assert result.exit_code == 2 and "cannot be written as turtle" in result.stderr and result.stdout == ""
    graph = runner.invoke(app, ["sparql", CONSTRUCT, "--format", "xml"])
    assert graph.exit_code == 0 and len(rdflib.Graph().parse(data=graph.stdout, format="xml")) == 20
