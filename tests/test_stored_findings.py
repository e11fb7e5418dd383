"""Findings of ``kg check`` kept with each stored document version (kg.checks.stored).

The rules run once per document version (at ingest, or on first use when missing or stale); graph, RDF
export, Oxigraph and ``kg check`` read what was kept. What a user would check: the kept findings are the
ones the rules give; nothing stale is ever shown (re-ingested file, changed rules, removed document); a
damaged findings file costs a recomputation, never a traceback.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kg.checks as checks
from conftest import EXAMPLES, load
from test_checks import _tamper
from kg.app import BudgetKG
from kg.checks import RULES, Finding, Rule, check, run_checks
from kg.checks.finding import Evidence
from kg.checks.stored import StoredFindings, decode
from kg.cli import app
from kg.pipeline import ingest_paths
from kg.search.index import SearchIndex
from kg.store import Store

runner = CliRunner()
TAMPERED = load("checks/tampered.json")["cases"]


def _ingest(home: Path, paths) -> list:
    return ingest_paths([str(p) for p in paths], Store(home), index=SearchIndex(home))


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """Every shipped example (text and PDF) ingested through the real pipeline."""
    home = tmp_path_factory.mktemp("findings-home")
    outcomes = _ingest(home, sorted(EXAMPLES.iterdir()))
    assert [o.status for o in outcomes] == ["added"] * len(outcomes) and len(outcomes) >= 6
    return home


@pytest.fixture()
def copy(home, tmp_path) -> Path:
    """A private copy of the ingested home, for tests that change it."""
    target = tmp_path / "home"
    shutil.copytree(home, target)
    return target


@pytest.fixture()
def no_rules(monkeypatch):
    """From here on, running any rule fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("the rules ran again")

    monkeypatch.setattr(checks, "check", refuse)


def _entries(home: Path) -> list[tuple[dict, object]]:
    store = Store(home)
    return [(e, store.get(k)) for k, e in sorted(store.manifest().items())]


def _dicts(findings) -> list[dict]:
    return [f.as_dict() for f in findings]


def test_findings_are_kept_at_ingest_and_equal_fresh_ones(home):
    store = Store(home)
    total = 0
    for entry, doc in _entries(home):
        fresh = check(doc)
        kept = decode(store.findings_path(entry["doc_id"]).read_bytes(), doc, checks.fingerprint())
        assert kept == fresh, doc.source
        assert _dicts(kept) == _dicts(fresh), "figures keep their printed digits"
        total += len(fresh)
    assert total >= 10  # the examples do have findings (see tests/data/checks/examples.json)


def test_graph_rdf_and_check_read_the_kept_findings(home, tmp_path, no_rules):
    from kg.graph.build import build
    from kg.graph.rdf import write_rdf

    kg = BudgetKG(home)
    g = kg.graph()
    findings = [n for n, a in g.nodes(data=True) if a["kind"] == "finding"]
    report = kg.check()
    assert len(findings) == len(report.findings) >= 10
    out = tmp_path / "kg.ttl"
    assert kg.export("turtle", out) == [out]
    assert out.read_text(encoding="utf-8").count("bkg:Finding") == len(findings)
    assert kg.rdflib_graph("memory")  # the in-memory RDF copy goes the same way
    assert kg.oxigraph() is not None  # and so does the Oxigraph store `kg sparql` reads
    kg.export("graphml", tmp_path / "kg.graphml")

    # the same graph and bytes as computing the findings afresh (undo the refusal for the reference)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(checks, "check", check)
        docs = kg.documents()
        reference = build(docs)
        write_rdf(docs, "turtle", tmp_path / "fresh.ttl")
        assert run_checks(docs).as_dict() == report.as_dict()
    assert sorted(reference.nodes(data=True), key=str) == sorted(g.nodes(data=True), key=str)
    assert sorted(reference.edges(data=True), key=str) == sorted(g.edges(data=True), key=str)
    assert (tmp_path / "fresh.ttl").read_bytes() == out.read_bytes()


def test_a_rule_picks_from_the_kept_findings_as_running_it_alone_would(home):
    kg = BudgetKG(home)
    docs = kg.documents()
    for rule in RULES:
        assert kg.check([rule]).as_dict() == run_checks(docs, [rule]).as_dict(), rule


def test_facts_without_a_store_still_compute_findings():
    from kg.graph.facts import Entity, facts
    from kg.ingest import parse_bytes

    path = next(EXAMPLES.glob("*party-organization*"))
    doc = parse_bytes(path.read_bytes(), "org.txt").document
    found = [f for f in facts([doc]) if isinstance(f, Entity) and f.ref.kind == "finding"]
    assert len(found) == len(check(doc)) > 0


def test_changed_rules_recompute_the_findings(copy, monkeypatch):
    calls = []
    real = checks.check

    def counted(doc, rules=None):
        calls.append(doc.source)
        return real(doc, rules)

    monkeypatch.setattr(checks, "check", counted)
    docs = [d for _, d in _entries(copy)]
    StoredFindings(Store(copy))(docs[0])
    assert calls == [], "the kept findings are current"

    old = checks.fingerprint()
    monkeypatch.setattr(checks, "RULES_VERSION", checks.RULES_VERSION + 1)
    assert checks.fingerprint() != old
    found = StoredFindings(Store(copy))
    for d in docs:
        assert found(d) == real(d)
    assert sorted(calls) == sorted(d.source for d in docs)
    calls.clear()
    for d in docs:  # rewritten under the new fingerprint: the next reader runs nothing
        StoredFindings(Store(copy))(d)
    assert calls == []


def test_a_new_rule_shows_in_kg_check_without_reingesting(copy, monkeypatch):
    def every_document(doc):
        yield Finding("ZZ-999", "info", "测试", "a test rule", doc.source, Evidence("x"), Evidence("y"))

    monkeypatch.setitem(RULES, "ZZ-999", Rule("ZZ-999", "info", "测试", "A test rule.", every_document))
    report = BudgetKG(copy).check(["ZZ-999"])
    assert [len(found) for _, found in report.documents] == [1] * len(_entries(copy))


@pytest.mark.parametrize("damage", [
    b"", b"{\"format\": 1, \"rules\"", b"\xff\xfe garbage", b"[1, 2, 3]", b"null",
    b"{\"format\": 1, \"rules\": \"?\", \"sha256\": \"?\", \"source\": \"?\", \"findings\": 7}",
    "directory",
])
def test_a_damaged_findings_file_is_recomputed_without_a_traceback(copy, monkeypatch, damage):
    monkeypatch.setenv("KG_HOME", str(copy))
    before = runner.invoke(app, ["check", "--json"])
    assert before.exit_code == 1 and json.loads(before.stdout)["summary"]["error"] > 0
    store = Store(copy)
    for entry in store.manifest().values():
        path = store.findings_path(entry["doc_id"])
        path.unlink()
        if damage == "directory":
            path.mkdir()
        else:
            path.write_bytes(damage)
    after = runner.invoke(app, ["check", "--json"])
    assert after.exception is None or isinstance(after.exception, SystemExit)
    assert "Traceback" not in after.output
    assert (after.exit_code, after.stdout) == (before.exit_code, before.stdout)
    if damage != "directory":  # rewritten whole, and current again
        for entry, doc in _entries(copy):
            assert decode(store.findings_path(entry["doc_id"]).read_bytes(), doc, checks.fingerprint()) == check(doc)


def test_findings_of_another_rule_set_or_document_are_not_used(home):
    entry, doc = next((e, d) for e, d in _entries(home) if check(d))
    data = Store(home).findings_path(entry["doc_id"]).read_bytes()
    assert decode(data, doc, "another-fingerprint") is None
    assert decode(data, doc.model_copy(update={"sha256": "0" * 64}), checks.fingerprint()) is None
    assert decode(data, doc.model_copy(update={"source": "elsewhere.txt"}), checks.fingerprint()) is None


def test_reingesting_a_changed_document_replaces_its_findings(tmp_path, monkeypatch):
    case = next(c for c in TAMPERED if c["rule"] == "B-001")
    home, src = tmp_path / "home", tmp_path / "docs" / f"{case['example']}.txt"
    src.parent.mkdir()
    shutil.copy(EXAMPLES / src.name, src)
    _ingest(home, [src])
    before = BudgetKG(home).check(["B-001"]).findings
    src.write_text(_tamper(case), encoding="utf-8")
    assert [o.status for o in _ingest(home, [src])] == ["updated"]
    monkeypatch.setattr(checks, "check", lambda *a, **k: pytest.fail("the rules ran again"))
    after = BudgetKG(home).check(["B-001"]).findings
    assert len(after) > len(before) and any("1432.6" in (f.found.excerpt or "") + (f.expected.excerpt or "")
                                            for f in after)
    (entry, doc), = _entries(home)
    stored = json.loads(Store(home).findings_path(entry["doc_id"]).read_bytes())
    assert stored["sha256"] == doc.sha256


def test_removing_a_document_removes_its_findings(copy):
    store = Store(copy)
    key, entry = sorted(store.manifest().items())[0]
    path = store.findings_path(entry["doc_id"])
    assert path.exists()
    with store.locked():
        store.remove(key)
    assert not path.exists()


def test_an_ingest_killed_between_record_and_findings_leaves_nothing_stale(tmp_path, monkeypatch):
    """The record of the new version is stored, then the run dies before its findings are written: the old
    version's findings must not be shown for the new one."""
    import kg.checks.stored as stored

    case = next(c for c in TAMPERED if c["rule"] == "B-001")
    home, src = tmp_path / "home", tmp_path / "docs" / f"{case['example']}.txt"
    src.parent.mkdir()
    shutil.copy(EXAMPLES / src.name, src)
    _ingest(home, [src])
    (entry, _), = _entries(home)
    old = Store(home).findings_path(entry["doc_id"]).read_bytes()
    old_findings = BudgetKG(home).check().findings

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # what a kill looks like from inside (not caught by the ingest)

    src.write_text(_tamper(case), encoding="utf-8")
    monkeypatch.setattr(stored, "save", killed)
    with pytest.raises(KeyboardInterrupt):
        _ingest(home, [src])
    monkeypatch.undo()
    Store(home).findings_path(entry["doc_id"]).write_bytes(old)  # even were the old file still there
    (_, doc), = _entries(home)
    assert decode(old, doc, checks.fingerprint()) is None
    after = BudgetKG(home).check().findings
    assert after == check(doc) and after != old_findings


def test_a_home_that_cannot_be_written_still_gets_its_findings(copy, monkeypatch):
    import kg.checks.stored as stored

    store = Store(copy)
    for entry in store.manifest().values():
        store.findings_path(entry["doc_id"]).unlink()

    def full(path, data, durable=True):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(stored, "atomic_write", full)
    docs = BudgetKG(copy).documents()
    assert BudgetKG(copy).check().as_dict() == run_checks(docs).as_dict()
    assert not any(store.findings_path(e["doc_id"]).exists() for e in store.manifest().values())
