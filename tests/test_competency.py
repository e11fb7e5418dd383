"""The competency queries (i)-(n) in exports/queries/, over the examples plus one example published again
for the next year (the same department across two years)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import bundled_rows
from kg.graph.rdf import sorted_triples
from kg.graph.sparql import memory_store

ORG = "中国共产党泽州县委员会组织部"


@pytest.fixture(scope="module")
def docs(two_year_documents):
    return two_year_documents


@pytest.fixture(scope="module")
def ox(docs):
    return memory_store(sorted_triples(docs))


q = bundled_rows


def test_i_three_public_by_department(ox):
    got = {(r["department"], r["year"]): r for r in q(ox, "i_three_public_by_department.rq")}
    office = got[("泽州县人民政府办公室", "2026")]
    assert (office["threePublic"], office["officialReception"], office["vehicle"], office["overseasTravel"],
            office["operatingCosts"]) == ("103", "0", "3", "100", "152.13")
    assert got[("峰峰西固义乡人民政府", "2024")]["officialReception"] == "0.24"
    assert got[("卢龙县刘家营乡人民政府", "2024")]["operatingCosts"] is None  # not printed: not made up
    first = q(ox, "i_three_public_by_department.rq")[0]
    assert first["department"] == "泽州县人民政府办公室"


def test_j_economic_class_302_by_department(ox, docs):
    got = {(r["department"], r["year"]): float(r["totalWan"]) for r in q(ox, "j_economic_class_302_by_department.rq")}
    assert got[("泽州县人民政府办公室", "2026")] == 141.63  # printed without a code (Shanxi)
    assert got[("峰峰西固义乡人民政府", "2024")] == 53.22  # printed with code 302 (Hebei)
    assert len(got) == len(docs)


def test_k_funding_by_government_level(ox, docs):
    got = {r["notation"]: (Decimal(r["amountYuan"]), int(r["projects"])) for r in q(ox, "k_funding_by_government_level.rq")}
    provincial = sum(p.funding.provincial for d in docs for p in d.projects if p.funding and p.funding.provincial)
    assert got["provincial"][0] == provincial > 0
    hebei = [p for d in docs if d.layout == "hebei" for p in d.projects if p.funding and p.funding.fiscal]
    assert got["unstated"] == (sum(p.funding.fiscal for p in hebei), len(hebei))
    # the count: 20 projects (776.37万元) this year, plus one carried over, had money and no source
    this_year = [p for p in hebei if not p.carryover]
    assert len(this_year) == 20 and sum(p.amount_wan for p in this_year) == Decimal("776.37")


def test_l_funding_by_budget_type(ox):
    got = {(r["department"], r["year"], r["budgetType"]): float(r["amountWan"]) for r in q(ox, "l_funding_by_budget_type.rq")}
    assert got[(ORG, "2026", "一般公共预算")] == 4192.53
    assert got[(ORG, "2026", "上年结转")] == 382.52
    assert got[("卢龙县刘家营乡人民政府", "2024", "上年结转")] == 70.0
    assert got[(ORG, "2026", "政府性基金预算")] == 0


def test_m_policies_by_issuer_and_year(ox):
    got = {(r["issuer"], r["year"]): r for r in q(ox, "m_policies_by_issuer_and_year.rq")}
    office = got[("泽组通字", "2022")]
    assert int(office["policies"]) == 2 and set(office["kinds"].split("、")) == {"办法", "通知"}
    cited = got[("晋财行", "2018")]
    assert int(cited["legalBasisOf"]) == 0 and int(cited["citedElsewhereBy"]) == 1
    assert int(got[("山西省财政厅", "2026")]["policies"]) == 2


def test_n_the_same_department_across_two_years(ox, docs):
    got = q(ox, "n_department_across_years.rq")
    assert [(r["department"], r["year"]) for r in got] == [(ORG, "2026"), (ORG, "2027")]
    for r in got:
        doc = next(d for d in docs if d.department.name == ORG and str(d.department.fiscal_year) == r["year"])
        assert int(r["projects"]) == len(doc.projects) == 33
        assert int(r["departmentIndicators"]) == len(doc.department_indicators) > 0
        assert float(r["expenditureWan"]) == 4575.05
