"""Graph, RDF export, SHACL, SPARQL competency queries and `kg policy` on the examples."""

from __future__ import annotations

import json

import networkx as nx
import pytest
import rdflib
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from conftest import EXAMPLES, ROOT, bundled_rows
from kg.cli import app
from kg.graph.build import build
from kg.graph.identity import Identities
from kg.graph.rdf import serialize_rdf, sorted_triples
from kg.graph.sparql import memory_store, rows, run
from kg.model import LegalBasis, Provenance
from kg.store import Store

runner = CliRunner()
QUERIES = ROOT / "exports" / "queries"
BKG = rdflib.Namespace("https://w3id.org/budget-kg/ontology#")


@pytest.fixture(scope="module")
def docs(kg_home):
    return Store(kg_home).documents()


@pytest.fixture(scope="module")
def turtle(docs) -> bytes:
    return serialize_rdf(sorted_triples(docs), "turtle")


def test_turtle_parses_with_plain_rdflib_and_holds_each_project_once(docs, turtle):
    g = rdflib.Graph().parse(data=turtle, format="turtle")
    projects = set(g.subjects(rdflib.RDF.type, BKG.Project))
    assert len(projects) == sum(len(d.projects) for d in docs) == 69
    for p in projects:
        assert len(list(g.objects(p, rdflib.namespace.SKOS.prefLabel))) == 1


def test_formats_hold_the_same_graph(docs, turtle):
    triples = sorted_triples(docs)
    t = rdflib.Graph().parse(data=turtle, format="turtle")
    n = rdflib.Graph().parse(data=serialize_rdf(triples, "ntriples"), format="nt")
    j = rdflib.Graph().parse(data=serialize_rdf(triples, "jsonld"), format="json-ld")
    assert isomorphic(t, n) and isomorphic(n, j)


def test_exports_are_byte_stable(use_home, tmp_path):
    for fmt, name in (("turtle", "a.ttl"), ("ntriples", "a.nt"), ("json", "a.json"), ("graphml", "a.graphml"),
                      ("gexf", "a.gexf")):
        one, two = tmp_path / "1" / name, tmp_path / "2" / name
        assert runner.invoke(app, ["export", "--format", fmt, "--output", str(one)]).exit_code == 0
        assert runner.invoke(app, ["export", "--format", fmt, "--output", str(two)]).exit_code == 0
        assert one.read_bytes() == two.read_bytes(), fmt


def test_shacl_shapes_validate(turtle):
    import pyshacl

    data = rdflib.Graph().parse(data=turtle, format="turtle")
    ontology = rdflib.Graph().parse(ROOT / "ontology" / "budget-kg.ttl")
    shapes = rdflib.Graph().parse(ROOT / "ontology" / "shapes.ttl")
    conforms, _, report = pyshacl.validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none")
    assert conforms, report


def test_shacl_catches_a_broken_project(turtle):
    import pyshacl

    data = rdflib.Graph().parse(data=turtle, format="turtle")
    project = next(data.subjects(rdflib.RDF.type, BKG.Project))
    data.remove((project, BKG.department, None))
    shapes = rdflib.Graph().parse(ROOT / "ontology" / "shapes.ttl")
    conforms, _, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    assert not conforms


def test_ontology_terms_have_zh_and_en_labels():
    g = rdflib.Graph().parse(ROOT / "ontology" / "budget-kg.ttl")
    for s in set(g.subjects(rdflib.RDF.type, rdflib.OWL.Class)) | set(g.subjects(rdflib.RDF.type, rdflib.OWL.ObjectProperty)) \
            | set(g.subjects(rdflib.RDF.type, rdflib.OWL.DatatypeProperty)):
        langs = {label.language for label in g.objects(s, rdflib.RDFS.label)}
        assert {"zh", "en"} <= langs, s


def test_graphml_and_gexf_open_with_networkx(use_home, tmp_path, docs):
    g = build(docs)
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        path = tmp_path / f"kg.{fmt}"
        assert runner.invoke(app, ["export", "--format", fmt, "--output", str(path)]).exit_code == 0
        h = reader(path)
        assert h.number_of_nodes() == g.number_of_nodes()
        assert h.number_of_edges() == g.number_of_edges()


def test_graph_resolves_entities(docs):
    g = build(docs)
    departments = [n for n, a in g.nodes(data=True) if a["kind"] == "department"]
    assert len(departments) == 5
    policy = "policy:泽组通字〔2022〕31号"
    assert len({u for u, _, d in g.in_edges(policy, data=True) if d["relation"] == "cites"}) == 3
    code = "functional:2010301"
    assert ("functional:20103" in g.successors(code)) and ("functional:201" in g.successors("functional:20103"))


def test_title_only_citation_joins_the_numbered_policy():
    prov = Provenance(file="f", line=1)
    numbered = LegalBasis(doc_number="晋财预〔2020〕52号", as_printed="晋财预[2020]52号", title="关于建立正常增长机制的通知", source=prov)
    title_only = LegalBasis(doc_number=None, as_printed="《关于建立正常增长机制的通知》", title="关于建立正常增长机制的通知", source=prov)
    from kg.model import BudgetDocument, Department, Project, Totals

    doc = BudgetDocument(source="f", sha256="0", layout="shanxi", totals=Totals(),
                         department=Department(name="D", source=prov),
                         projects=(Project(name="A", source=prov, legal_bases=(numbered,)),
                                   Project(name="B", source=prov, legal_bases=(title_only,))))
    ids = Identities([doc])
    assert ids.policy(title_only) == ids.policy(numbered) == "晋财预〔2020〕52号"


@pytest.mark.parametrize("typed", ["泽组通字[2022]31号", "泽组通字〔2022〕31号", "泽组通字【2022】31号"])
def test_policy_command_lists_its_three_projects(use_home, typed):
    result = runner.invoke(app, ["policy", typed, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["doc_number"] == "泽组通字〔2022〕31号"
    assert data["title"] == "泽州县新增村级组织运转经费管理办法（试行）"
    assert sorted((p["name"], p["amount_wan"]) for p in data["projects"]) == [
        ("村级组织运转经费", 1950.4), ("村级组织运转经费（三保）", 468.0), ("社区运转经费（三保）", 24.0)]
    assert {p["department"] for p in data["projects"]} == {"中国共产党泽州县委员会组织部"}
    assert data["total_wan"] == pytest.approx(2442.40)


def test_policy_command_xuandiaosheng(use_home):
    data = json.loads(runner.invoke(app, ["policy", "晋财行【2025】110号", "--json"]).stdout)
    assert sorted(p["name"] for p in data["projects"]) == ["提前下达2026年度选调生到村工作中央财政补助资金",
                                                          "提前下达2026年度选调生到村工作省级财政补助资金"]
    assert data["total_wan"] == pytest.approx(22.2)
    assert runner.invoke(app, ["policy", "晋财行【2099】1号"]).exit_code == 1


def test_show_neighbors_path(use_home):
    show = json.loads(runner.invoke(app, ["show", "村级管理费用（三保）", "--json"]).stdout)
    relations = {n["relation"] for n in show["neighbours"]}
    assert {"cites", "has_project", "has_indicator", "funded_by", "source"} <= relations
    cites = [n for n in show["neighbours"] if n["relation"] == "cites"]
    assert cites[0]["label"] == "晋财预〔2020〕52号"
    near = json.loads(runner.invoke(app, ["neighbors", "晋财预[2020]52号", "--depth", "2", "--json"]).stdout)
    labels = {n["label"] for n in near["nodes"]}
    assert {"村级管理费用（三保）", "泽州县柳树口镇人民政府"} <= labels
    steps = json.loads(runner.invoke(app, ["path", "晋财预〔2020〕52号", "泽州县柳树口镇人民政府", "--json"]).stdout)
    assert [s["kind"] for s in steps] == ["policy", "project", "department"]


# ---------------------------------------------------------------- SPARQL


@pytest.fixture(scope="module")
def ox(docs):
    return memory_store(sorted_triples(docs))


q = bundled_rows


def test_query_a_projects_citing_policy(ox):
    got = q(ox, "a_projects_citing_policy.rq")
    assert [(r["project"], float(r["amountWan"])) for r in got] == [
        ("村级组织运转经费", 1950.4), ("村级组织运转经费（三保）", 468.0), ("社区运转经费（三保）", 24.0)]
    assert {float(r["totalWan"]) for r in got} == {2442.4}


def test_query_b_spending_by_issuer_prefix(ox):
    got = {r["prefix"]: (int(r["projects"]), float(r["amountWan"])) for r in q(ox, "b_spending_by_issuer_prefix.rq")}
    assert got["泽组通字"][0] == 7
    assert got["晋财行"] == (3, pytest.approx(12.5 + 9.7 + 27.6))
    assert got["冀财农"] == (1, 70.0)
    assert "卢财" not in got  # 卢财（2019）168号 is printed only in 指标值确定依据: a mention, not a legal basis


def test_query_c_projects_without_legal_basis(ox, docs):
    got = q(ox, "c_projects_without_legal_basis.rq")
    expected = sorted((d.department.name, p.name) for d in docs for p in d.projects if not p.legal_bases)
    assert sorted((r["department"], r["project"]) for r in got) == expected
    assert ("泽州县柳树口镇人民政府", "2025年工作经费") in expected


def test_query_d_indicators_by_level(ox):
    got = q(ox, "d_project_indicators_by_level.rq")
    assert len(got) == 15
    assert {r["level1"] for r in got} == {"产出指标", "效益指标", "满意度指标"}
    row = next(r for r in got if r["indicator"] == "补贴村两委人数")
    assert (row["level2"], row["value"], row["comparator"], row["number"], row["unit"]) == ("数量指标", "≥83人", "≥", "83", "人")


def test_query_e_spending_by_functional_level(ox):
    got = q(ox, "e_department_spending_by_function.rq")
    assert len(got) == 25
    classes = [r for r in got if r["level"] == "类"]
    assert sum(float(r["totalWan"]) for r in classes) == pytest.approx(4575.05)
    for r in got:  # basic and project parts come from their own data sets and add up to the row (printed rounding: 0.01)
        assert abs(float(r["basicWan"]) + float(r["projectWan"]) - float(r["totalWan"])) < 0.011, r


def test_query_f_funding_mix(ox):
    got = {(r["department"], r["source"]): float(r["amountYuan"]) for r in q(ox, "f_funding_mix_by_department.rq")}
    assert got[("中国共产党泽州县委员会组织部", "上年结转")] == pytest.approx(382.52 * 10000)
    assert got[("中国共产党泽州县委员会组织部", "省级财政资金")] == pytest.approx(125000 + 97000 + 276000)
    assert got[("泽州县柳树口镇人民政府", "市县（区）财政资金")] == pytest.approx(2600000 + 87296 + 65200 + 500000 + 1180000)


@pytest.fixture(scope="module")
def ox_plus(docs, tmp_path_factory):
    """The examples plus a second department citing the same policies, with one project that does not add up."""
    from kg.ingest import parse_bytes

    src = sorted(EXAMPLES.glob("*party-organization*"))[0].read_text(encoding="utf-8")
    text = src.replace("中国共产党泽州县委员会组织部", "泽州县委社会工作部").replace("19,504,000", "19,500,000")
    extra = parse_bytes(text.encode("utf-8"), "extra/social-work-dept.txt").document
    return memory_store(sorted_triples(list(docs) + [extra]))


def test_query_g_policies_cited_by_several_departments(ox, ox_plus):
    assert q(ox, "g_policies_cited_by_several_departments.rq") == []
    got = {r["policy"]: r for r in q(ox_plus, "g_policies_cited_by_several_departments.rq")}
    assert set(got["泽组通字〔2022〕31号"]["departmentNames"].split("、")) == {"中国共产党泽州县委员会组织部", "泽州县委社会工作部"}
    assert int(got["晋财行〔2025〕110号"]["departments"]) == 2


def test_query_h_amount_differs_from_funding_block(ox, ox_plus):
    assert q(ox, "h_amount_differs_from_funding_block.rq") == []
    got = q(ox_plus, "h_amount_differs_from_funding_block.rq")
    assert [(r["department"], r["project"], float(r["differenceWan"])) for r in got] == [
        ("泽州县委社会工作部", "村级组织运转经费", pytest.approx(-0.4))]


def test_rdflib_and_oxigraph_agree(ox, turtle):
    text = (QUERIES / "c_projects_without_legal_basis.rq").read_text(encoding="utf-8")
    from kg.graph.rdf import PREFIXES

    g = rdflib.Graph().parse(data=turtle, format="turtle")
    slow = {(str(r.department), str(r.project)) for r in g.query(text, initNs=PREFIXES)}
    header, body = rows(run(ox, text))
    fast = {(r[header.index("department")], r[header.index("project")]) for r in body}
    assert slow == fast


def test_sparql_cli(use_home):
    result = runner.invoke(app, ["sparql", "--file", str(QUERIES / "a_projects_citing_policy.rq"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["head"]["vars"] == ["department", "project", "amountWan", "totalWan"]
    assert len(data["results"]["bindings"]) == 3
    csv_out = runner.invoke(app, ["sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?p a bkg:Project }", "--csv"])
    assert csv_out.stdout.splitlines() == ["n", "69"]


def test_bundled_queries_by_name_from_the_package(use_home):
    """`kg sparql --query NAME` reads the installed package data and answers as `--file` does."""
    listed = runner.invoke(app, ["queries", "--json"])
    assert listed.exit_code == 0
    names = [q["name"] for q in json.loads(listed.stdout)]
    assert names == sorted(p.stem for p in QUERIES.glob("*.rq"))
    by_name = runner.invoke(app, ["sparql", "--query", "a_projects_citing_policy", "--json"])
    by_file = runner.invoke(app, ["sparql", "--file", str(QUERIES / "a_projects_citing_policy.rq"), "--json"])
    assert by_name.exit_code == 0 and by_name.stdout == by_file.stdout
    unknown = runner.invoke(app, ["sparql", "--query", "nope"])
    assert unknown.exit_code == 2 and "kg queries" in unknown.stderr
    both = runner.invoke(app, ["sparql", "ASK {}", "--query", "a"])
    assert both.exit_code == 2


@pytest.mark.parametrize("update", ["INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DELETE WHERE { ?s ?p ?o }",
                                    "PREFIX x: <urn:x>\nDROP ALL", "CLEAR DEFAULT"])
def test_updates_are_refused(use_home, update):
    result = runner.invoke(app, ["sparql", update])
    assert result.exit_code == 2 and "read-only" in result.stderr


def test_syntax_error_is_a_message(use_home):
    result = runner.invoke(app, ["sparql", "SELECT WHERE {"])
    assert result.exit_code == 2 and "syntax" in result.stderr.lower()


def test_policy_command_shows_legal_basis_and_cited_in_apart(use_home):
    """晋财行〔2018〕11号 is cited in a 保证项目实施的制度、措施 row, never as a 立项依据."""
    data = json.loads(runner.invoke(app, ["policy", "晋财行[2018]11号", "--json"]).stdout)
    assert data["projects"] == [] and data["total_wan"] == 0
    assert [(p["name"], p["department"], p["amount_wan"]) for p in data["cited_in"]] == [
        ("因公出国（境）经费", "泽州县人民政府办公室", 100.0)]
    assert data["cited_in"][0]["source"]["line"] == 748
    assert (data["document_type"], data["document_year"]) == ("通知", 2018)
    basis = json.loads(runner.invoke(app, ["policy", "泽组通字〔2022〕31号", "--json"]).stdout)
    assert basis["cited_in"] == [] and (basis["document_type"], basis["document_year"]) == ("办法", 2022)
    text = runner.invoke(app, ["policy", "晋财行[2018]11号"])
    assert text.exit_code == 0 and "cited elsewhere" in text.stdout


def test_query_o_projects_with_findings(ox, docs):
    """Findings reach RDF as bkg:Finding nodes bkg:concerns the project: SPARQL answers which projects have findings."""
    from kg.checks import check

    got = q(ox, "o_projects_with_findings.rq")
    expected = sorted({(d.department.name, name, f.rule) for d in docs for f in check(d)
                       for kind, name in f.concerns if kind == "project"})
    assert sorted({(r["department"], r["project"], r["rule"]) for r in got}) == expected
    row = next(r for r in got if r["project"] == "服务群众专项经费")
    assert (row["rule"], row["severity"], float(row["found"])) == ("PJ-006", "error", 1243800.0)
    assert got[0]["severity"] == "error"


def test_findings_are_graph_nodes_linked_to_their_facts(docs):
    from kg.graph.build import build

    g = build(docs)
    findings = [n for n, a in g.nodes(data=True) if a["kind"] == "finding"]
    assert findings
    org = next(n for n in findings if g.nodes[n]["rule"] == "GJ-005" and "3437.0599" in (g.nodes[n]["excerpt"] or ""))
    concerns = [b for _, b, a in g.out_edges(org, data=True) if a["relation"] == "concerns"]
    assert concerns and all(g.nodes[b]["kind"] in ("project", "department") for b in concerns)


def test_facts_are_the_one_walk_the_graph_projects(use_home):
    """Every relation joins entities the facts name; the graph holds exactly the facts' entities and relations."""
    from kg.graph.facts import DATASETS, KINDS, PROSE_KINDS, RELATIONS, Entity, Observation, Ref, Relation, facts
    from kg.store import Store

    docs = Store().documents()
    found = list(facts(docs))
    entities = {f.ref for f in found if isinstance(f, Entity)}
    relations = [f for f in found if isinstance(f, Relation)]
    observations = [f for f in found if isinstance(f, Observation)]
    assert {r.kind for r in entities} == set(KINDS)
    assert {r.relation for r in relations} == set(RELATIONS)
    assert {o.dataset for o in observations} == set(DATASETS)
    assert all(r.subject in entities and r.object in entities for r in relations)
    assert all(o.subject in entities and all(v in entities for _, v in o.dimensions if isinstance(v, Ref))
               for o in observations)
    g = build(docs)
    assert set(g.nodes) == {r.id for r in entities if r.kind not in PROSE_KINDS}
    once = {(r.subject, r.object) for r in relations if r.once}
    assert g.number_of_edges() == sum(not r.once for r in relations) + len(once)
    cites = [r for r in relations if r.relation == "cites"]
    assert len(cites) == sum(len(d.legal_bases) for d in docs) and all(r.attrs["file"] and r.attrs["line"] for r in cites)


@pytest.mark.parametrize("name", sorted(p.name for p in QUERIES.glob("*.rq")))
def test_every_bundled_query_gives_the_same_rows_in_rdflib(ox, turtle, name):
    """A plain client (rdflib) over the Turtle export answers each competency query as Oxigraph does."""
    from kg.graph.rdf import PREFIXES

    text = (QUERIES / name).read_text(encoding="utf-8")
    g = rdflib.Graph().parse(data=turtle, format="turtle")
    slow = sorted(tuple("" if v is None else str(v) for v in r) for r in g.query(text, initNs=PREFIXES))
    header, body = rows(run(ox, text))
    fast = sorted(tuple("" if v is None else v for v in r) for r in body)
    assert len(slow) == len(fast), name

    def plain(v: str):  # numbers compared as numbers; GROUP_CONCAT lists have no defined order
        if v.replace(".", "", 1).lstrip("-").isdigit():
            return round(float(v), 6)
        return "、".join(sorted(v.split("、")))

    assert sorted(tuple(map(plain, r)) for r in slow) == sorted(tuple(map(plain, r)) for r in fast), name


def test_facts_name_the_document_they_come_from_not_the_records_provenance(use_home):
    """A record copied under another source (a store moved, a benchmark's copies) is exported as that source:
    every place, IRI and search entry names the document's own file, never a stale path inside its records."""
    from kg.graph.facts import facts
    from kg.graph.rdf import ID, sorted_triples
    from kg.search.entries import entries
    from kg.store import Store

    d = Store().documents()[0]
    dep = d.department.model_copy(update={"name": d.department.name + "（副本）"})
    copy = d.model_copy(update={"source": "elsewhere/copy.txt", "sha256": "f" * 64, "department": dep})
    files = {f.attrs["file"] for f in facts([copy]) if f.attrs.get("file")}
    assert files == {"elsewhere/copy.txt"}
    derived = {str(t.object.value) for t in sorted_triples([copy]) if t.predicate.value.endswith("wasDerivedFrom")}
    assert derived == {ID + "document/" + "f" * 16}
    assert {e["file"] for e in entries("k", copy)} == {"elsewhere/copy.txt"}
    assert all(e["where"].startswith("elsewhere/copy.txt") for e in entries("k", copy))
