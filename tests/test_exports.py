"""CSV and .xlsx exports: totals, 三公, economic classes and income by budget type, beside projects and indicators."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from kg.cli import app

runner = CliRunner()
TABLES = {"projects", "indicators", "legal_bases", "functional_spending", "totals", "three_public",
          "economic_spending", "income_by_source"}


def read_csv(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


@pytest.fixture(scope="module")
def csv_tables(kg_home, tmp_path_factory):
    import os

    folder = tmp_path_factory.mktemp("csv")
    old = os.environ.get("KG_HOME")
    os.environ["KG_HOME"] = str(kg_home)
    try:
        assert runner.invoke(app, ["export", "--format", "csv", "--output", str(folder)]).exit_code == 0
    finally:
        if old is None:
            os.environ.pop("KG_HOME")
        else:
            os.environ["KG_HOME"] = old
    return {p.stem.removeprefix("kg_"): read_csv(p) for p in folder.glob("*.csv")}


def test_csv_has_every_table(csv_tables):
    assert set(csv_tables) == TABLES


def test_three_public_per_department(csv_tables):
    got = {r["department"]: r for r in csv_tables["three_public"]}
    office = got["泽州县人民政府办公室"]
    assert (office["three_public_wan"], office["overseas_travel_wan"], office["vehicle_wan"],
            office["official_reception_wan"], office["operating_costs_wan"]) == ("103", "100", "3", "0", "152.13")
    assert got["峰峰西固义乡人民政府"]["official_reception_wan"] == "0.24"


def test_totals_and_income(csv_tables):
    totals = {r["department"]: r for r in csv_tables["totals"]}
    assert totals["中国共产党泽州县委员会组织部"]["carryover_income_wan"] == "382.52"
    assert totals["卢龙县刘家营乡人民政府"]["procurement_total_wan"] == "5"
    income = {(r["department"], r["budget_type"]): r for r in csv_tables["income_by_source"]}
    assert income[("中国共产党泽州县委员会组织部", "general_budget")]["amount_wan"] == "4192.53"
    assert income[("中国共产党泽州县委员会组织部", "general_budget")]["budget_type_zh"] == "一般公共预算"


def test_economic_classes_carry_national_codes_in_both_layouts(csv_tables):
    rows = csv_tables["economic_spending"]
    goods = {r["department"]: r for r in rows if r["code"] == "302"}
    assert set(goods) == {"峰峰西固义乡人民政府", "卢龙县刘家营乡人民政府", "泽州县人民政府办公室", "泽州县柳树口镇人民政府",
                          "中国共产党泽州县委员会组织部"}
    assert goods["泽州县人民政府办公室"]["name"] == "商品和服务支出" and goods["泽州县人民政府办公室"]["code_as_printed"] == ""
    assert goods["峰峰西固义乡人民政府"]["code_as_printed"] == "302"
    assert all(r["name"] != "栏次" for r in rows)


def test_xlsx_has_one_sheet_per_table_with_numbers(use_home, tmp_path, csv_tables):
    one, two = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for path in (one, two):
        result = runner.invoke(app, ["export", "--format", "xlsx", "--output", str(path)])
        assert result.exit_code == 0, result.output
    assert one.read_bytes() == two.read_bytes()
    wb = load_workbook(one, read_only=True)
    assert set(wb.sheetnames) == TABLES
    for name in TABLES:
        rows = list(wb[name].iter_rows(values_only=True))
        assert len(rows) - 1 == len(csv_tables[name]), name
    header, *body = list(wb["three_public"].iter_rows(values_only=True))
    office = next(r for r in body if r[1] == "泽州县人民政府办公室")
    assert office[header.index("three_public_wan")] == 103 and isinstance(office[header.index("three_public_wan")], int)


def test_json_keeps_citations_apart_from_the_legal_basis(kg_home):
    from kg.exports.jsonout import document_json
    from kg.store import Store

    doc = next(document_json(d) for d in Store(kg_home).documents() if d.department.name == "泽州县人民政府办公室")
    p = next(p for p in doc["projects"] if p["name"] == "因公出国（境）经费")
    assert [c["doc_number"] for c in p["citations"]] == ["财行〔2013〕516号", "晋财行〔2018〕11号", "晋财行〔2019〕72号",
                                                         "晋港澳字〔2019〕6号"]
    assert not {c["doc_number"] for c in p["citations"]} & {b["doc_number"] for b in p["legal_basis"]}
