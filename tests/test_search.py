"""`kg search`: what a user types, what they must get back."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from typer.testing import CliRunner

from conftest import EXAMPLES
from kg.cli import app
from kg.search.query import QueryError, search

runner = CliRunner()


def names(result, kind=None):
    return [h.label for h in result.hits if kind is None or h.type == kind]


def test_xuandiaosheng_finds_every_project_and_the_policy(kg_home):
    result = search(kg_home, "选调生", limit=100)
    projects = [h for h in result.hits if h.type == "project"]
    assert sorted(h.label for h in projects) == sorted([
        "提前下达2026年度选调生到村工作中央财政补助资金", "提前下达2026年度选调生到村工作省级财政补助资金",
        "提前下达2025年度选调生到村工作省级财政补助资金", "提前下达2025年度选调生到村工作中央财政补助资金",
        "提前下达2025年度选调生到村工作市级财政补助资金"])
    assert {h.department for h in projects} == {"中国共产党泽州县委员会组织部"}
    assert sorted(h.amount_wan for h in projects) == [2.4, 9.7, 10.2, 12.0, 12.5]
    assert {h.context for h in projects if h.amount_wan in (2.4, 10.2, 12.0)} == {"上年结转"}
    assert "晋财行〔2025〕110号" in names(result, "policy")
    for h in projects:
        assert h.file.endswith("zezhou-party-organization-dept-2026.txt") and h.line > 0
        assert "«选调生»" in h.snippet


@pytest.mark.parametrize("typed", ["晋财预[2020]52号", "晋财预〔2020〕52号", "晋财预【2020】52号", "晋财预（2020）52号",
                                   "晋财预2020 52号", "晋财预 [2020] 52 号"])
def test_document_number_in_any_bracket_style(kg_home, typed):
    result = search(kg_home, typed, type="policy")
    assert names(result) == ["晋财预〔2020〕52号"]
    everything = search(kg_home, typed, limit=50)
    assert "晋财预〔2020〕82号" not in names(everything)
    assert names(everything, "project") == ["村级管理费用（三保）"]


def _all_names():
    from kg.ingest import parse_bytes

    out = []
    for path in sorted(EXAMPLES.glob("*.txt")):
        doc = parse_bytes(path.read_bytes(), str(path)).document
        for p in doc.projects:
            out.append(("project", p.name))
            out += [("indicator", i.name) for i in p.indicators]
        out += [("indicator", i.name) for i in doc.department_indicators]
    return sorted(set(out))


NAMES = _all_names()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(NAMES), st.data())
def test_any_piece_of_a_name_finds_it(kg_home, entity, data):
    kind, name = entity
    from kg.search.analysis import normalise

    norm = normalise(name)
    size = data.draw(st.integers(min_value=2, max_value=min(6, len(norm))))
    start = data.draw(st.integers(min_value=0, max_value=len(norm) - size))
    piece = norm[start:start + size]
    if not any(ch.isalnum() for ch in piece):
        return
    try:
        result = search(kg_home, piece, type=kind, limit=10_000)
    except QueryError:
        assert not any(ch.isalnum() for ch in piece)
        return
    assert name in names(result), (piece, name)


def test_filters(kg_home):
    by_type = search(kg_home, "经费", type="project", limit=500)
    assert by_type.hits and {h.type for h in by_type.hits} == {"project"}
    dep = search(kg_home, "经费", department="卢龙县刘家营乡人民政府", limit=500)
    assert dep.hits and {h.department for h in dep.hits} == {"卢龙县刘家营乡人民政府"}
    year = search(kg_home, "经费", year=2024, limit=500)
    assert year.hits and {h.fiscal_year for h in year.hits} == {2024}
    money = search(kg_home, "经费", type="project", min_amount=50, max_amount=200, limit=500)
    assert money.hits and all(50 <= h.amount_wan <= 200 for h in money.hits)
    assert "村级组织运转经费" not in names(money)  # 1950.40 万元


def test_facets_count_all_hits(kg_home):
    result = search(kg_home, "满意度", limit=3)
    assert len(result.hits) == 3
    assert sum(result.facets["type"].values()) == sum(result.facets["department"].values())
    everything = search(kg_home, "满意度", limit=10_000)
    for kind, count in result.facets["type"].items():
        assert count == len([h for h in everything.hits if h.type == kind]), kind


def test_exact_name_first_then_names_then_mentions(kg_home):
    result = search(kg_home, "遗属补助", limit=50)
    top = result.hits[:3]
    assert [h.label for h in top] == ["遗属补助"] * 3 and {h.type for h in top} == {"project"}
    result = search(kg_home, "村级组织运转经费", limit=100)
    labels = [h.label for h in result.hits]
    assert labels[0] == "村级组织运转经费"
    contains = [i for i, h in enumerate(result.hits) if "村级组织运转经费" in h.label]
    mentions = [i for i, h in enumerate(result.hits) if "村级组织运转经费" not in h.label]
    assert mentions and max(contains) < min(mentions), labels
    assert "泽组通字〔2022〕31号" in [result.hits[i].label for i in mentions]


def test_highlight_marks_the_words_not_fragments(kg_home):
    result = search(kg_home, "马克思", limit=5)
    assert result.hits and all("«马克思»" in h.snippet for h in result.hits)


@pytest.mark.parametrize("query", ["", "   ", "，。！？", "《》【】", "x" * 500])
def test_bad_queries_give_a_message_not_a_traceback(use_home, query):
    result = runner.invoke(app, ["search", query])
    assert result.exit_code == 2
    assert "error:" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("query", ['"选调生', "选调生”", "晋财预[2020", "(村级", "【选调生"])
def test_unbalanced_quotes_and_brackets_still_search(use_home, query):
    result = runner.invoke(app, ["search", query, "--json"])
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    assert any("unbalanced" in n for n in data["notes"])
    assert "Traceback" not in result.output


def test_no_hits_suggests_close_terms(use_home):
    result = runner.invoke(app, ["search", "选调声"])
    assert result.exit_code == 1
    assert "did you mean" in result.stderr and "选调生" in result.stderr


def test_json_output_shape(use_home):
    result = runner.invoke(app, ["search", "选调生", "--json", "--type", "project"])
    assert result.exit_code == 0
    assert "\\u" not in result.stdout  # Chinese unescaped
    data = json.loads(result.stdout)
    hit = data["hits"][0]
    for key in ("type", "label", "department", "fiscal_year", "amount_wan", "snippet", "source", "score"):
        assert key in hit
    assert set(hit["source"]) == {"file", "line"}
    assert data["facets"]["type"] == {"project": 5}


def test_reingest_of_changed_file_replaces_its_entries(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_HOME", str(tmp_path / "home"))
    src = sorted(EXAMPLES.glob("*liushukou*"))[0]
    doc = tmp_path / "town.txt"
    doc.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    assert runner.invoke(app, ["ingest", str(doc)]).exit_code == 0
    before = search(tmp_path / "home", "遗属补助", type="project")
    assert len(before.hits) == 1
    doc.write_text(src.read_text(encoding="utf-8").replace("遗属补助", "遗属生活补助"), encoding="utf-8")
    again = runner.invoke(app, ["ingest", str(doc)])
    assert "updated" in again.stdout
    assert names(search(tmp_path / "home", "遗属生活补助", type="project")) == ["遗属生活补助"]
    assert not search(tmp_path / "home", "遗属补助", type="project").hits
    unchanged = runner.invoke(app, ["ingest", str(doc)])
    assert "unchanged" in unchanged.stdout


@pytest.mark.parametrize("typed, simplified", [("選調生", "选调生"), ("晉財預[2020]52號", "晋财预[2020]52号")])
def test_traditional_chinese_finds_simplified_text(kg_home, typed, simplified):
    got, want = search(kg_home, typed, limit=100), search(kg_home, simplified, limit=100)
    assert [(h.type, h.label) for h in got.hits] == [(h.type, h.label) for h in want.hits]
    assert got.hits and any("simplified" in n for n in got.notes)
