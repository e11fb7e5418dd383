"""The application object called in-process, as the server and benchmarks call it: plain data back, errors with codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.app import BudgetKG
from kg.errors import BadQueryError, EmptyStoreError, KGError, NotFoundError, QueryLimitError, UsageError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def kg(kg_home) -> BudgetKG:
    return BudgetKG(kg_home)


@pytest.fixture()
def empty(tmp_path) -> BudgetKG:
    return BudgetKG(tmp_path / "empty")


def test_stats_counts_the_examples(kg):
    stats = kg.stats()
    assert stats["documents"] == len(list(EXAMPLES.glob("*.txt"))) == 5
    assert stats["departments"] == 5
    assert stats["projects"] > 0 and stats["citations"] >= stats["legal_bases"] > 0
    assert sum(stats["by_layout"].values()) == 5
    json.dumps(stats)  # plain data


def test_search_finds_xuandiaosheng_with_its_source(kg):
    result = kg.search("选调生", type="project")
    assert result.hits and all(h.type == "project" for h in result.hits)
    assert all("选调生" in h.label or "选调生" in h.snippet.replace("«", "").replace("»", "") for h in result.hits)
    assert all(Path(h.file).parent == EXAMPLES and h.line > 0 for h in result.hits)


def test_policy_any_bracket_style_gives_the_same_report(kg):
    a = kg.policy("泽组通字[2022]31号")
    b = kg.policy("泽组通字〔2022〕31号")
    assert a == b and a["doc_number"] == "泽组通字〔2022〕31号"
    assert a["total_wan"] == round(sum(p["amount_wan"] or 0 for p in a["projects"]), 2) > 0


def test_show_neighbors_and_path_agree_with_the_graph(kg):
    info = kg.show("泽组通字[2022]31号")
    assert info["id"] == "policy:泽组通字〔2022〕31号" and info["kind"] == "policy"
    citing = {n["id"] for n in info["neighbours"] if n["relation"] == "cites"}
    assert citing
    near = kg.neighbors("泽组通字[2022]31号", depth=1)
    assert near["center"] == info["id"] and citing <= {n["id"] for n in near["nodes"]}
    project = sorted(citing)[0]
    steps = kg.path(info["id"], project)
    assert [s["id"] for s in steps] == [info["id"], project] and steps[0]["relation_to_next"] == "cites"


def test_graph_is_cached_per_store_generation(kg):
    assert kg.graph() is kg.graph()


def test_check_returns_findings_per_document(kg):
    report = kg.check()
    sources = [source for source, _ in report.documents]
    assert sources == sorted(sources) and len(sources) == 5
    assert report.has_errors and {f.rule for f in kg.check(["GJ-005"]).findings} == {"GJ-005"}
    with pytest.raises(UsageError):
        kg.check(["NOPE-1"])


def test_sparql_bundled_query_by_name_and_letter(kg):
    names = [q.name for q in kg.queries()]
    assert "a_projects_citing_policy" in names and len(names) == 15
    assert all(q.description and ("SELECT" in q.text or "ASK" in q.text) for q in kg.queries())
    header, rows = kg.sparql(name="a_projects_citing_policy").table()
    header_b, rows_b = kg.sparql(name="a").table()
    assert (header, rows) == (header_b, rows_b) and rows
    assert header[:2] == ["department", "project"]


def test_sparql_count_matches_stats(kg):
    header, rows = kg.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?p a bkg:Project }").table()
    assert int(rows[0][0]) == kg.stats()["projects"]


def test_export_writes_the_json_contract(kg, tmp_path):
    [path] = kg.export("json", tmp_path / "b.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data["documents"]) == 5


def test_viz_and_chart_return_what_they_wrote(kg, tmp_path):
    pic = kg.viz(policy="泽组通字[2022]31号", output=tmp_path / "p.html")
    assert pic.path.exists() and pic.nodes > 1 and pic.edges > 0 and "泽组通字〔2022〕31号" in pic.title
    chart = kg.chart("sankey", department="组织部", output=tmp_path / "c.svg")
    assert chart.path.exists() and chart.title == "中国共产党泽州县委员会组织部 2026年 部门预算资金流向"
    page = kg.chart("treemap", county="泽州县", output=tmp_path / "t.html")
    assert page.path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>") and "泽州县" in page.title


@pytest.mark.parametrize("call, error, code, exit_code", [
    (lambda kg: kg.show("没有这个名字的东西"), NotFoundError, "not-found", 1),
    (lambda kg: kg.policy("晋财预〔1999〕1号"), NotFoundError, "not-found", 1),
    (lambda kg: kg.chart("sankey", department="没有这个部门"), NotFoundError, "not-found", 1),
    (lambda kg: kg.chart("treemap"), UsageError, "usage", 2),
    (lambda kg: kg.chart("pie", county="泽州县"), UsageError, "usage", 2),
    (lambda kg: kg.viz(search="没有这个词汇qq"), NotFoundError, "not-found", 1),
    (lambda kg: kg.search(""), BadQueryError, "bad-query", 2),
    (lambda kg: kg.sparql("SELECT WHERE {"), BadQueryError, "bad-query", 2),
    (lambda kg: kg.sparql("INSERT DATA { <a:b> <a:c> <a:d> }"), BadQueryError, "bad-query", 2),
    (lambda kg: kg.sparql(name="no_such_query"), UsageError, "usage", 2),
    (lambda kg: kg.sparql(), UsageError, "usage", 2),
    (lambda kg: kg.viz(policy="x", department="y"), UsageError, "usage", 2),
    (lambda kg: kg.export("docx", "out.docx"), UsageError, "usage", 2),
    (lambda kg: kg.ingest(["x"], layout="no-such-layout"), UsageError, "usage", 2),
])
def test_errors_carry_codes(kg, call, error, code, exit_code):
    with pytest.raises(error) as info:
        call(kg)
    exc = info.value
    assert isinstance(exc, KGError) and exc.code == code and exc.exit_code == exit_code
    assert exc.as_dict()["message"] and 400 <= exc.http_status < 500


@pytest.mark.parametrize("limits, says", [
    ({"timeout": 1.0}, "time limit (1 s)"),
    ({"max_memory_mb": 200, "timeout": 120.0, "max_rows": 5}, "memory budget (200 MB)"),
])
def test_a_query_stopped_at_its_limit_is_one_error(kg, limits, says):
    """Time and memory limits alike: QueryLimitError, exit 1 in the CLI, 503 from the server."""
    big = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f" if "max_memory_mb" in limits else \
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with pytest.raises(QueryLimitError) as info:
        kg.sparql(big, **limits).to_json()
    exc = info.value
    assert says in str(exc) and exc.code == "query-limit" and exc.exit_code == 1 and exc.http_status == 503


@pytest.mark.parametrize("call", [lambda kg: kg.graph(), lambda kg: kg.check(), lambda kg: kg.reindex(),
                                  lambda kg: kg.sparql("ASK { ?s ?p ?o }"), lambda kg: kg.show("x"),
                                  lambda kg: kg.export("json", "out.json")])
def test_empty_store_is_one_error(empty, call):
    with pytest.raises(EmptyStoreError) as info:
        call(empty)
    assert info.value.code == "empty-store" and "kg ingest" in str(info.value)


def test_ingest_reports_progress_and_invalidates_the_cache(tmp_path):
    kg = BudgetKG(tmp_path / "home")
    assert kg.stats()["documents"] == 0
    calls = []
    outcomes = kg.ingest([str(EXAMPLES / "zezhou-liushukou-town-2026.txt")],
                         progress=lambda done, total, current: calls.append((done, total)))
    assert [o.status for o in outcomes] == ["added"] and calls[0] == (0, 1) and calls[-1] == (1, 1)
    assert kg.stats()["documents"] == 1
    g1 = kg.graph()
    kg.ingest([str(EXAMPLES / "zezhou-government-office-2026.txt")])
    assert kg.stats()["documents"] == 2 and kg.graph() is not g1
    assert kg.search("柳树口").hits
