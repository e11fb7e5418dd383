"""Each shipped example against a hand-written expectation (tests/data/golden/*.json).

The expectations were typed from reading the documents, table by table, not
dumped from the parser; OCR-damaged rows are listed one by one.
"""

from __future__ import annotations

import pytest

from conftest import DATA, load

CASES = sorted(p.stem for p in (DATA / "golden").glob("*.json"))


def approx(value):
    return pytest.approx(value, abs=1e-6) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def by_name(items, name):
    found = [i for i in items if i["name"] == name]
    assert found, f"missing {name!r}; have {[i['name'] for i in items]}"
    return found


@pytest.fixture(params=CASES)
def case(request, parsed):
    return load(f"golden/{request.param}.json"), parsed[request.param]


def test_department(case):
    expected, got = case
    for key, value in expected["department"].items():
        assert got["department"][key] == value, key


def test_totals(case):
    expected, got = case
    for key, value in expected["totals"].items():
        assert got["totals"][key] == approx(value), key


def test_functional_rows(case):
    expected, got = case
    rows = {r["code"]: r for r in got["functional_spending"]}
    for code, total, basic, project in expected["functional_spending"]:
        assert code in rows, code
        assert (rows[code]["total"], rows[code]["basic"], rows[code]["project"]) == (approx(total), approx(basic), approx(project)), code
    if "functional_row_count" in expected:
        assert len(rows) == expected["functional_row_count"]


def test_projects(case):
    expected, got = case
    assert len(got["projects"]) == expected["project_count"]
    for want in expected["projects"]:
        matches = by_name(got["projects"], want["name"])
        if "amount_wan" in want and want["amount_wan"] is None:  # the document prints no amount for it
            matches = [m for m in matches if m["amount_wan"] is None]
            assert matches, f"{want['name']}: has an amount the document does not print"
        elif "amount_wan" in want:
            matches = [m for m in matches if m["amount_wan"] == approx(want["amount_wan"])]
            assert matches, f"{want['name']}: no project with amount {want['amount_wan']}"
        p = matches[0]
        for key in ("carryover", "project_code", "category", "implementing_unit"):
            if key in want:
                assert p[key] == want[key], (want["name"], key)
        for key, value in want.get("funding_yuan", {}).items():
            assert p["funding_yuan"][key] == approx(value), (want["name"], key)
        if "legal_basis" in want:
            keys = [b["doc_number"] or f"《{b['title']}》" for b in p["legal_basis"]]
            assert sorted(keys) == sorted(want["legal_basis"]), want["name"]
        if "citations" in want:
            keys = [b["doc_number"] or f"《{b['title']}》" for b in p["citations"]]
            assert sorted(keys) == sorted(want["citations"]), want["name"]
        if "indicator_count" in want:
            assert len(p["indicators"]) == want["indicator_count"], (want["name"], [i["name"] for i in p["indicators"]])


def test_indicator_rows(case):
    expected, got = case
    for want in expected.get("indicators", []):
        project = by_name(got["projects"], want["project"])[0]
        rows = by_name(project["indicators"], want["name"])
        row = rows[0]
        for key, value in want.items():
            if key not in ("project",):
                assert row[key] == approx(value), (want["project"], want["name"], key)
    for gone in expected.get("absent_indicators", []):
        project = by_name(got["projects"], gone["project"])[0]
        assert gone["name"] not in [i["name"] for i in project["indicators"]]


def test_legal_basis_details(case):
    expected, got = case
    for relation, field in (("legal_basis_details", "legal_basis"), ("citation_details", "citations")):
        cited = {b["doc_number"]: b for p in got["projects"] for b in p[field] if b["doc_number"]}
        for want in expected.get(relation, []):
            assert want["doc_number"] in cited, (relation, want["doc_number"])
            for key, value in want.items():
                assert cited[want["doc_number"]][key] == value, (want["doc_number"], key)


def test_department_indicators(case):
    expected, got = case
    assert len(got["department_indicators"]) == expected["department_indicator_count"]
    for want in expected.get("department_indicators", []):
        row = by_name(got["department_indicators"], want["name"])[0]
        for key, value in want.items():
            assert row[key] == value, (want["name"], key)


def test_every_fact_has_provenance(parsed):
    for doc in parsed.values():
        for p in doc["projects"]:
            assert p["source"]["line"] > 0
            for i in p["indicators"]:
                assert i["source"]["file"] == doc["source"] and i["source"]["line"] > 0
            for b in p["legal_basis"]:
                assert b["source"]["line"] > 0
        for r in doc["functional_spending"]:
            assert r["source"]["line"] > 0
        for key, value in doc["totals"].items():
            if key == "income_by_source":
                for source in value:
                    assert f"income_by_source.{source}" in doc["totals"]["lines"], source
            elif key != "lines" and value is not None:
                assert key in doc["totals"]["lines"], key


def test_income_by_source_and_project_sources(parsed):
    """收支总表: all of each example's income is 一般公共预算; Shanxi project tables say the same per project."""
    for name, doc in parsed.items():
        sources = doc["totals"]["income_by_source"]
        assert sources["general_budget"] == approx(doc["totals"]["current_year_income"]), name
        assert sum(sources.values()) == approx(doc["totals"]["current_year_income"]), name
        for p in doc["projects"]:
            if doc["layout"] == "shanxi":
                assert p["budget_sources_wan"]["general_budget"] == approx(p["amount_wan"]), p["name"]


def test_totals_add_up(parsed):
    """The document's own arithmetic: basic + project = expenditure; income = current + carry-over."""
    for name, doc in parsed.items():
        t = doc["totals"]
        assert t["basic_expenditure"] + t["project_expenditure"] == approx(t["expenditure_total"]), name
        assert t["current_year_income"] + t["carryover_income"] == approx(t["income_total"]), name
        assert t["overseas_travel"] + t["official_reception"] + t["vehicle"] == approx(t["three_public"]), name
