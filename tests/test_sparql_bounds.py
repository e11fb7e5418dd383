"""`kg sparql` is bounded: a time limit, a row cap, a memory budget, no SERVICE; CONSTRUCT --json is JSON-LD."""

from __future__ import annotations

import json
import time

import pytest
import rdflib
from typer.testing import CliRunner

from kg.cli import app
from kg.graph import sparql as sp
from kg.store import Store

runner = CliRunner()
CARTESIAN_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_cartesian_count_is_stopped_at_the_time_limit(use_home):
    started = time.monotonic()
    result = runner.invoke(app, ["sparql", CARTESIAN_COUNT, "--timeout", "1.5"])
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    assert "time limit (1.5 s)" in result.stderr
    assert elapsed < 15


def test_order_by_over_a_big_product_is_stopped_at_the_memory_budget(use_home):
    result = runner.invoke(app, ["sparql", "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f",
                                 "--memory", "200", "--timeout", "120", "--limit", "5"])
    assert result.exit_code == 1
    assert "memory budget (200 MB)" in result.stderr


def test_row_cap_cuts_and_says_so(use_home):
    result = runner.invoke(app, ["sparql", "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", "--limit", "7", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["results"]["bindings"]) == 7 and data["truncated"] is True
    assert "stopped at 7 rows" in result.stderr


def test_an_answer_under_the_cap_is_whole_and_streams_from_the_store(kg_home):
    answer = sp.execute(Store(kg_home), "SELECT ?p WHERE { ?p a bkg:Project }", sp.Limits(max_rows=1000))
    got = list(answer)
    assert len(got) == 69 and not answer.truncated
    assert all(row[0][0] == "uri" for row in got)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { service silent <http://example.org/q> { ?s ?p ?o } }",
    "# a comment\nSELECT * WHERE {\n  ?s ?p ?o .\n  SERVICE\n<http://x.example/> { ?s ?q ?r } }",
])
def test_service_is_refused_before_the_engine(use_home, query):
    result = runner.invoke(app, ["sparql", query])
    assert result.exit_code == 2 and "SERVICE is refused" in result.stderr


def test_the_word_service_inside_a_string_or_iri_is_fine(use_home):
    q = 'SELECT ?s WHERE { ?s ?p "SERVICE" . ?s <http://e.org/SERVICE> ?o } # SERVICE in a comment'
    result = runner.invoke(app, ["sparql", q, "--csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["s"]


def test_construct_with_json_gives_json_ld(use_home):
    q = "CONSTRUCT { ?p skos:prefLabel ?n } WHERE { ?p a bkg:Project ; skos:prefLabel ?n }"
    result = runner.invoke(app, ["sparql", q, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    g = rdflib.Graph().parse(data=result.stdout, format="json-ld")
    assert len(g) == 69
    assert "@context" in doc


def test_ask_and_syntax_errors(use_home):
    yes = runner.invoke(app, ["sparql", "ASK { ?p a bkg:Project }", "--json"])
    assert json.loads(yes.stdout)["boolean"] is True
    bad = runner.invoke(app, ["sparql", "SELECT ?x WHERE { ?x"])
    assert bad.exit_code == 2 and "syntax" in bad.stderr.lower()
