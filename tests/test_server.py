"""`kg serve` as its users meet it: SPARQL clients (SPARQLWrapper, rdflib's SPARQLStore) against the running
server, and the pages and their JSON over HTTP. The answers are compared with the same calls in-process."""

from __future__ import annotations

import csv
import io
import json
import re

import httpx
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed
from typer.testing import CliRunner

from conftest import EXAMPLES
from kg.app import BudgetKG
from kg.cli import app as cli
from kg.errors import QueryLimitError
from server_fixture import running_server

POLICY_QUERY = "a_projects_citing_policy"
TRIPLES = "SELECT ?s ?p ?o WHERE { ?s a bkg:Project ; ?p ?o } ORDER BY ?s ?p ?o LIMIT 40"
CONSTRUCT = ("CONSTRUCT { ?p skos:prefLabel ?l ; bkg:amountWan ?a } "
             "WHERE { ?p bkg:cites ?x ; skos:prefLabel ?l ; bkg:amountWan ?a }")
http = httpx.Client(timeout=120)  # generous: CI machines may be busy; the time limit test checks elapsed itself
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def server(kg_home):
    with running_server(kg_home, timeout=60.0, max_rows=500) as base:
        yield base


@pytest.fixture(scope="module")
def hasty_server(kg_home):
    """A server with a 2 s time limit."""
    with running_server(kg_home, timeout=2.0) as base:
        yield base


@pytest.fixture(scope="module")
def kg(kg_home):
    return BudgetKG(kg_home)


def in_process(kg: BudgetKG, query: str) -> list[dict]:
    """The bindings of the same query run in-process, as plain values."""
    data = json.loads(kg.sparql(query=query).to_json())
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def client(base: str, query: str, fmt) -> SPARQLWrapper:
    sw = SPARQLWrapper(base + "/sparql")
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    return sw


# ------------------------------------------------------------------ SPARQL 1.1 Protocol with real clients


def test_sparqlwrapper_json_matches_in_process(server, kg):
    query = kg.bundled_query(POLICY_QUERY).text
    data = client(server, query, JSON).query().convert()
    rows = [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]
    assert rows == in_process(kg, query)
    assert rows and {r["department"] for r in rows} == {"中国共产党泽州县委员会组织部"}
    assert data["head"]["vars"] == ["department", "project", "amountWan", "totalWan"]


def test_sparqlwrapper_csv_and_xml(server, kg):
    expected = in_process(kg, TRIPLES)
    body = client(server, TRIPLES, CSV).query().convert()
    table = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    assert [dict(r) for r in table] == expected and len(expected) == 40
    doc = client(server, TRIPLES, XML).query().convert()  # xml.dom.minidom, parsed by the client
    results = doc.getElementsByTagName("result")
    assert len(results) == 40
    first = {b.getAttribute("name"): b.firstChild.firstChild.nodeValue for b in results[0].getElementsByTagName("binding")}
    assert first == expected[0]


def test_ask_answers_a_boolean(server):
    yes = client(server, "ASK { ?p bkg:cites ?x }", JSON).query().convert()
    no = client(server, "ASK { ?p bkg:cites <urn:nothing> }", JSON).query().convert()
    assert yes["boolean"] is True and no["boolean"] is False


def test_construct_as_turtle_is_the_in_process_graph(server, kg):
    body = client(server, CONSTRUCT, TURTLE).query().convert()
    got = rdflib.Graph().parse(data=body, format="turtle")
    expected = rdflib.Graph().parse(data=kg.sparql(query=CONSTRUCT).to_csv().decode("utf-8"), format="nt")
    assert len(got) == len(expected) > 20
    assert isomorphic(got, expected)


@pytest.mark.parametrize("accept,fmt", [("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
                                        ("application/rdf+xml", "xml")])
def test_construct_in_other_rdf_formats(server, accept, fmt):
    r = http.post(server + "/sparql", content=CONSTRUCT.encode(), headers={
        "Content-Type": "application/sparql-query", "Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    turtle = http.get(server + "/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/turtle"})
    assert isomorphic(rdflib.Graph().parse(data=r.text, format=fmt),
                                     rdflib.Graph().parse(data=turtle.text, format="turtle"))


def test_rdflib_sparqlstore_select_and_construct(server, kg):
    graph = rdflib.Graph(SPARQLStore(server + "/sparql"))  # SPARQL XML results, RDF/XML for graphs
    rows = graph.query(TRIPLES)
    assert [{k: str(v) for k, v in zip(("s", "p", "o"), row)} for row in rows] == in_process(kg, TRIPLES)
    constructed = graph.query(CONSTRUCT).graph
    assert len(constructed) == len(rdflib.Graph().parse(data=kg.sparql(query=CONSTRUCT).to_csv().decode(),
                                                        format="nt"))


def test_urlencoded_post_and_tsv(server, kg):
    r = http.post(server + "/sparql", data={"query": TRIPLES}, headers={"Accept": "text/tab-separated-values"})
    assert r.status_code == 200
    lines = r.text.rstrip("\n").split("\n")
    assert lines[0] == "?s\t?p\t?o" and len(lines) == 41
    assert lines[1].split("\t")[0] == f"<{in_process(kg, TRIPLES)[0]['s']}>"


def test_a_bad_query_gets_400_with_the_message(server):
    with pytest.raises(QueryBadFormed) as caught:
        client(server, "SELECT ?x WHERE { ?x ?y }", JSON).query()
    assert "syntax error" in str(caught.value)
    r = http.get(server + "/sparql", params={"query": "SELEC ?x"})
    assert r.status_code == 400 and r.text.startswith("SPARQL syntax error")


def test_read_only(server):
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    assert http.post(server + "/sparql", data={"update": update}).status_code == 400
    r = http.post(server + "/sparql", content=update, headers={"Content-Type": "application/sparql-update"})
    assert r.status_code == 400 and "read-only" in r.text
    r = http.post(server + "/sparql", data={"query": update})
    assert r.status_code == 400 and "read-only" in r.text
    for method in ("PUT", "DELETE", "PATCH"):
        assert http.request(method, server + "/sparql", content=update).status_code == 405
    assert http.post(server + "/search", data={"q": "x"}).status_code == 405
    assert client(server, "ASK { <urn:a> <urn:b> <urn:c> }", JSON).query().convert()["boolean"] is False


def test_unacceptable_format_gets_406(server):
    r = http.get(server + "/sparql", params={"query": TRIPLES}, headers={"Accept": "image/png"})
    assert r.status_code == 406 and "application/sparql-results+json" in r.text


def test_row_cap_cuts_and_says_so(server):
    r = http.get(server + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"},
                  headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 500
    assert "500 rows" in r.headers["KG-Truncated"]


def test_service_description(server):
    r = http.get(server + "/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    endpoint = rdflib.URIRef(server + "/sparql")
    assert (endpoint, rdflib.RDF.type, sd.Service) in g
    assert (endpoint, sd.supportedLanguage, sd.SPARQL11Query) in g
    assert (endpoint, sd.endpoint, endpoint) in g
    formats = {str(o).rsplit("/", 1)[1] for o in g.objects(endpoint, sd.resultFormat)}
    assert {"SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle"} <= formats
    browser = http.get(server + "/sparql", headers={"Accept": "text/html,*/*"})
    assert browser.status_code == 303 and browser.headers["location"] == "/editor"


def test_a_slow_query_is_cut_at_the_limit(hasty_server):
    server = hasty_server
    r = http.get(server + "/sparql", params={"query": SLOW})
    assert r.status_code == QueryLimitError.http_status == 503
    assert "time limit (2 s)" in r.text
    assert r.elapsed.total_seconds() < 15  # the 2 s limit plus start-up and a busy machine, not the minutes the query needs
    assert http.get(server + "/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True


def test_the_limit_status_is_decided_by_the_error_alone(kg_home, monkeypatch):
    """kg/errors.py declares the status of a query stopped at its limit; the endpoint only answers it."""
    from starlette.testclient import TestClient

    from kg.server import Settings, create_app

    with TestClient(create_app(BudgetKG(kg_home), Settings(timeout=1.0))) as local:
        r = local.get("/sparql", params={"query": SLOW})
        assert r.status_code == 503 and "time limit (1 s)" in r.text
        monkeypatch.setattr(QueryLimitError, "http_status", 504)
        assert local.get("/sparql", params={"query": SLOW}).status_code == 504


def test_service_is_refused(server):
    r = http.get(server + "/sparql", params={"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"})
    assert r.status_code == 400 and "SERVICE" in r.text


# ------------------------------------------------------------------ pages and their JSON


def test_search_json_is_the_cli_ranking_with_node_links(server, kg):
    r = http.get(server + "/search.json", params={"q": "选调生"})
    assert r.status_code == 200
    data = r.json()
    expected = kg.search("选调生").as_dict()
    assert [(h["type"], h["label"], h["source"]) for h in data["hits"]] == \
        [(h["type"], h["label"], h["source"]) for h in expected["hits"]]
    assert data["facets"] == expected["facets"]
    projects = [h for h in data["hits"] if h["type"] == "project"]
    assert projects and all(h["url"].startswith("/node/project%3A") for h in projects)
    same = http.get(server + "/search", params={"q": "选调生"}, headers={"Accept": "application/json"}).json()
    assert same == data


def test_search_filters_and_facets(server, kg):
    data = http.get(server + "/search.json", params={"q": "选调生", "type": "indicator"}).json()
    assert data["hits"] and {h["type"] for h in data["hits"]} == {"indicator"}
    page = http.get(server + "/search", params={"q": "选调生"}).text
    assert "type=indicator" in page  # a facet is a link that adds its filter
    assert "<mark>选调生</mark>" in page  # the matched words are marked in the snippets
    assert http.get(server + "/search", params={"q": "x", "year": "soon"}).status_code == 400


def test_project_page_shows_amount_policy_and_quoted_lines(server, kg):
    hit = next(h for h in http.get(server + "/search.json", params={"q": "选调生"}).json()["hits"]
               if h["type"] == "project" and "2026年度" in h["label"])
    page = http.get(server + hit["url"])
    assert page.status_code == 200
    html = page.text
    assert f"{hit['amount_wan']:,.2f} 万元" in html
    assert "晋财行〔2025〕110号" in html and "printed 晋财行【2025】110号" in html
    # the line the policy was read from, quoted from the source file, with its place
    assert re.search(r"zezhou-party-organization-dept-2026\.txt:\d+</span><blockquote class=\"quote\">立项依据.*"
                     r"（晋财行【2025】110号）</blockquote>", html)
    info = http.get(server + hit["url"] + ".json").json()
    assert info == json.loads(json.dumps(kg.node(hit["node"]), ensure_ascii=False, default=float))
    source_line = EXAMPLES.joinpath(info["file"].rsplit("/", 1)[1]).read_text(encoding="utf-8").splitlines()[info["line"] - 1]
    assert info["quote"] == source_line.strip()


@pytest.mark.parametrize("kind", ["department", "policy", "indicator", "funding", "project"])
def test_every_kind_has_a_page(server, kg, kind):
    node_id = next(n for n, a in sorted(kg.graph().nodes(data=True)) if a["kind"] == kind)
    from kg.server.pages import node_url

    r = http.get(server + node_url(node_id))
    assert r.status_code == 200, r.text
    assert kg.graph().nodes[node_id]["label"] in r.text
    assert http.get(server + node_url(node_id), headers={"Accept": "application/json"}).json()["id"] == node_id


def test_charts_link_to_node_pages_as_encodeURIComponent_writes_them(server, kg):
    from urllib.parse import quote

    node_id = next(n for n, a in kg.graph().nodes(data=True) if a["kind"] == "indicator")  # ids hold / and #
    js_encoded = quote(node_id, safe="-_.!~*'()")
    assert http.get(f"{server}/node/{js_encoded}").status_code == 200
    assert http.get(f"{server}/node/no-such:thing").status_code == 404
    assert http.get(f"{server}/node/no-such:thing.json").json()["error"]["code"] == "not-found"


def test_graph_picture_of_any_node_is_offline(server, kg):
    from kg.server.pages import picture_url

    node_id = next(n for n, a in kg.graph().nodes(data=True) if a["kind"] == "funding")
    r = http.get(server + picture_url(node_id))
    assert r.status_code == 200 and "cytoscape" in r.text
    assert "connect-src 'none'" in r.headers["content-security-policy"]


def test_check_page_lists_the_findings(server, kg):
    expected = kg.check().as_dict()["documents"]
    data = http.get(server + "/check.json").json()
    assert data == json.loads(json.dumps(expected, ensure_ascii=False))
    one = expected[0]["source"]
    assert [d["source"] for d in http.get(server + "/check.json", params={"source": one}).json()] == [one]
    assert http.get(server + "/check", params={"source": "nope.txt"}).status_code == 404
    html = http.get(server + "/check").text
    for d in expected:
        for f in d["findings"]:
            assert f["rule"] in html


def test_editor_offers_every_bundled_query(server, kg):
    html = http.get(server + "/editor").text
    for q in kg.queries():
        assert f'data-name="{q.name}"' in html
    assert "/static/editor.js" in html
    prefilled = http.get(server + "/editor", params={"name": "a"}).text
    assert "泽组通字〔2022〕31号" in prefilled


def test_every_page_has_a_csp_and_no_external_host(server):
    for path in ("/", "/search?q=%E9%80%89%E8%B0%83%E7%94%9F", "/editor", "/check", "/queries", "/static/editor.js"):
        r = http.get(server + path)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "http" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert not re.search(r"""(src|href|action)=["']?(https?:)?//""", r.text), path


def test_document_text_is_escaped(tmp_path):
    from kg.app import BudgetKG as App

    src = sorted(EXAMPLES.glob("*liushukou*"))[0].read_text(encoding="utf-8")
    evil = "<script>alert(1)</script>"
    doc = tmp_path / "evil.txt"
    doc.write_text(src.replace("遗属补助", evil), encoding="utf-8")
    home = tmp_path / "home"
    App(home).ingest([str(doc)])
    with running_server(home) as base:
        hits = http.get(base + "/search.json", params={"q": "alert"}).json()["hits"]
        assert any(evil in h["label"] for h in hits)
        url = next(h["url"] for h in hits if h["type"] == "project")
        for path in (url, "/search?q=alert"):
            html = http.get(base + path).text
            assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_cli_serve_is_documented():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--timeout", "--max-rows"):
        assert option in result.output


def test_pdf_facts_show_their_page(tmp_path):
    from kg.app import BudgetKG as App
    from kg.server.pages import node_url

    pdf = EXAMPLES.parent / "tests" / "data" / "corpus" / "putuo-wanli-street-2024-dept-budget.pdf"
    kg = App(tmp_path / "home")
    kg.ingest([str(pdf)])
    project = next(n for n, a in sorted(kg.graph().nodes(data=True)) if a["kind"] == "project" and a.get("page"))
    page = kg.graph().nodes[project]["page"]
    with running_server(tmp_path / "home") as base:
        html = http.get(base + node_url(project)).text
    assert f'<span class="place">{pdf} p.{page}</span>' in html
    # a PDF has no text line to quote: the page quotes the row as read, and that row is printed on that page
    import html as html_lib
    import re

    import pypdfium2

    head = html.split("<h2>Neighbours</h2>")[0]
    quote = html_lib.unescape(re.search(r'<blockquote class="quote">(.*?)</blockquote>', head, re.S).group(1))
    printed = pypdfium2.PdfDocument(str(pdf))[page - 1].get_textpage().get_text_range()
    assert quote.strip() and re.sub(r"\s+", "", quote) in re.sub(r"\s+", "", printed)


def test_an_empty_store_says_what_to_do(tmp_path):
    with running_server(tmp_path / "empty") as base:
        r = http.get(base + "/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert r.status_code == 409 and "kg ingest" in r.text
        error = http.get(base + "/node/department:x.json").json()["error"]
        assert error["code"] == "empty-store" and "kg ingest" in error["hint"]
        assert http.get(base + "/").status_code == 200


def test_searches_from_many_threads_agree_with_one_at_a_time(kg):
    """The server searches from a thread pool; the answers must be those of sequential calls."""
    from concurrent.futures import ThreadPoolExecutor

    words = ["选调生", "遗属补助", "满意度", "培训", "晋财行【2025】110号", "公务用车", "村级组织运转经费", "报刊"]
    expected = {w: kg.search(w).as_dict() for w in words}
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: kg.search(words[i % len(words)]).as_dict(), range(160)))
    assert all(a == expected[words[i % len(words)]] for i, a in enumerate(answers))


def test_sparql_from_many_threads(kg):
    """Each query forks its bounded child; the server starts them from a thread pool."""
    from concurrent.futures import ThreadPoolExecutor

    query = kg.bundled_query("f_funding_mix_by_department").text
    expected = kg.sparql(query=query).to_json()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: kg.sparql(query=query).to_json(), range(48)))
    assert answers == [expected] * 48


def test_places_on_pages_are_written_the_one_way():
    """A page writes a place as search, show and pictures do (kg.graph.facts.where): a workbook row by sheet and cell."""
    from kg.server.pages import place

    assert place({"file": "f.xlsx", "line": 10, "sheet": "表3", "cell": "A4"}) == "f.xlsx!表3!A4"
    assert place({"file": "f.pdf", "line": 10, "page": 3}) == "f.pdf p.3"
    assert place({"file": "f.txt", "line": 10}) == "f.txt:10"
