"""Loaders: PDF text layer, workbooks and unreadable or unrelated files, through the one table model."""

from __future__ import annotations

import io
import sys
from decimal import Decimal

import pytest

from conftest import DATA
from kg.ingest import parse_bytes
from kg.ingest.loaders import load
from kg.ingest.rowbuild import page_rows
from kg.ingest.words import PageWords, Rule, Word
from kg.model import Provenance

COMMERCE = DATA / "corpus" / "putuo-commerce-2025-dept-budget.pdf"


def test_pdf_rows_come_from_positions():
    """Table 1 of a real PDF: cells split at ruling lines and gaps, figures whole (no kerning spaces)."""
    doc = load(COMMERCE.read_bytes(), "c.pdf")
    rows = {r.cells[0]: r for r in doc.rows if r.cells and r.page == 9}
    assert rows["收入总计"].cells == ("收入总计", "371,514,655.00", "支出总计", "371,514,655.00")
    assert rows["1.一般公共预算资金"].cells[1] == "371,514,655.00"
    assert all(len(r.spans) == len(r.cells) for r in doc.rows)
    assert doc.places[rows["收入总计"].line].page == 9


def test_wrapped_cell_between_two_rules_is_one_row():
    """Two text lines between the same horizontal rules are one table row; CJK pieces join without a space."""
    words = (Word("项目名", 10, 40, 10, 20), Word("1,000.00", 100, 140, 10, 20), Word("称续", 10, 30, 22, 32))
    rules = (Rule(0, 200, 5, 5), Rule(0, 200, 35, 35), Rule(60, 60, 5, 35))
    rows = page_rows(PageWords(number=1, width=200, height=100, words=words, rules=rules))
    assert [r.cells for r in rows] == [["项目名称续", "1,000.00"]]


def test_scanned_page_without_ocr_is_one_clear_line(tmp_path, monkeypatch):
    """An image-only PDF: with no OCR module the page is named and tesseract's packages are given."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig = plt.figure(figsize=(6, 8))
    fig.figimage(np.random.default_rng(1).random((400, 300)), resize=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf")
    import kg.ingest

    monkeypatch.setitem(sys.modules, "kg.ingest.ocr", None)  # as if the OCR loader were not installed
    monkeypatch.delattr(kg.ingest, "ocr", raising=False)  # `from .. import ocr` looks at the package first
    result = parse_bytes(buf.getvalue(), "scan.pdf")
    assert result.document is None
    [problem] = result.problems
    assert "page 1 has no text layer" in problem.message and "tesseract-ocr-chi-sim" in problem.message


def _workbook(tmp_path) -> bytes:
    """A small workbook of the national form: three standard tables in 元, merged titles."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "表1"
    ws.append(["2025年部门财务收支预算总表"])
    ws.merge_cells("A1:D1")
    ws.append(["编制部门：某市测试局", None, None, "单位：元"])
    ws.append(["项目", "预算数", "项目", "预算数"])
    ws.append(["一、财政拨款收入", "1,250,000.00", "一、一般公共服务支出", "1,250,000.00"])
    ws.append(["1.一般公共预算资金", 1250000, None, None])
    ws.append(["收入总计", 1250000, "支出总计", 1250000])
    ws2 = wb.create_sheet("表3")
    ws2.append(["2025年部门支出预算总表"])
    ws2.merge_cells("A1:G1")
    ws2.append([None, None, None, None, None, None, "单位：元"])
    ws2.append(["类", "款", "项", "功能分类科目名称", "合计", "基本支出", "项目支出"])
    ws2.append(["201", None, None, "一般公共服务支出", 1250000, None, 1250000])
    ws2.append(["201", "03", None, "政府办公厅（室）及相关机构事务", 1250000, None, 1250000])
    ws2.append(["201", "03", "01", "行政运行", 1250000, None, 1250000])
    ws2.append([None, None, None, "合计", 1250000, None, 1250000])
    ws3 = wb.create_sheet("表9")
    ws3.append(["2025年部门“三公”经费和机关运行经费预算表"])
    ws3.append([None, None, None, None, None, "单位：万元"])
    ws3.append(["合计", "因公出国(境)费", "公务接待费", "公务用车购置及运行费", None, "机关运行经费"])
    ws3.append([None, None, None, "购置费", "运行费", None])
    ws3.append([2.5, None, 0.5, None, 2, 12.34])
    path = tmp_path / "form.xlsx"
    wb.save(path)
    return path.read_bytes()


def test_workbook_of_the_national_form(tmp_path):
    result = parse_bytes(_workbook(tmp_path), "form.xlsx")
    assert result.document is not None, [p.message for p in result.problems]
    doc = result.document
    assert doc.layout == "national" and doc.department.name == "某市测试局"
    t = doc.totals
    assert (t.income_total, t.basic_expenditure, t.project_expenditure) == (Decimal(125), Decimal(0), Decimal(125))
    assert (t.three_public, t.official_reception, t.vehicle, t.operating_costs) == (
        Decimal("2.5"), Decimal("0.5"), Decimal(2), Decimal("12.34"))
    row = next(r for r in doc.functional_spending if r.code == "2010301")
    assert (row.total, row.source.sheet, row.source.cell) == (Decimal(125), "表3", "A6")
    assert row.source.where == "form.xlsx!表3!A6"
    assert any(p.code == "missing-standard-tables" and "收入总表" in p.message for p in doc.problems)


def test_blank_template_gets_one_line(tmp_path):
    """The same form without figures and with XX placeholders is not a disclosure: no record."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(_workbook(tmp_path)))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, (int, float)) or (isinstance(c.value, str) and c.value[:1].isdigit() and "," in c.value):
                    c.value = None
    wb["表1"]["A2"] = "编制部门：XX局"
    out = tmp_path / "blank.xlsx"
    wb.save(out)
    result = parse_bytes(out.read_bytes(), "blank.xlsx")
    assert result.document is None
    [problem] = result.problems
    assert problem.code == "not-a-disclosure" and "blank form" in problem.message


def test_partial_document_says_which_tables_it_has():
    text = "2025年部门“三公”经费和机关运行经费预算表\n单位：万元\n合计\t公务接待费\n1.00\t1.00\n会议纪要\n"
    result = parse_bytes(text.encode("utf-8"), "part.txt")
    assert result.document is None
    message = result.problems[0].message
    assert "only 1 of the 9 standard budget tables found (“三公”经费表)" in message and "收支总表" in message


def test_where_formats_every_kind_of_place():
    assert Provenance(file="a.txt", line=12).where == "a.txt:12"
    assert Provenance(file="a.pdf", line=40, page=3).where == "a.pdf p.3"
    assert Provenance(file="a.xlsx", line=7, sheet="Sheet1", cell="B7").where == "a.xlsx!Sheet1!B7"
    assert Provenance(file="a.txt", line=12).model_dump() == {"file": "a.txt", "line": 12}


def test_table_continues_across_pages_with_repeated_header():
    """A 续表 mark and a repeated header on the next page do not cut the table or repeat rows."""
    text = "\n".join([
        "2025年部门支出预算总表", "编制部门：某局\t单位：万元",
        "科目编码\t科目名称\t合计\t基本支出\t项目支出",
        "201\t一般公共服务支出\t30.00\t10.00\t20.00",
        "20101\t人大事务\t30.00\t10.00\t20.00",
        "续表",
        "科目编码\t科目名称\t合计\t基本支出\t项目支出",
        "2010101\t行政运行\t10.00\t10.00\t",
        "2010102\t一般行政管理事务\t20.00\t\t20.00",
        "合计\t30.00\t10.00\t20.00",
    ])
    from kg.ingest.layouts import national
    from kg.ingest.loaders import load

    tables = national.standard_tables(national.cut(load(text.encode(), "t.txt").rows))
    rows = national._functional(tables["spending"], "t.txt")
    assert [r.code for r in rows] == ["201", "20101", "2010101", "2010102"]
    assert [(r.basic, r.project) for r in rows[2:]] == [(Decimal(10), Decimal(0)), (Decimal(0), Decimal(20))]


THREE_PUBLIC_ALIGNED = """\
                     2026年部门“三公”经费和机关运行经费预算表
编制部门：某区司法局                                                             单位:万元

                                 “三公”经费预算数
                                                                             机关运行经费预算
                                                 公务用车购置及运行费
                                                                                 数
   合计           因公出国(境)费       公务接待费
                                          小计          购置费       运行费
        10.81              0       0.83        9.98         0         9.98        217.83
"""


def test_space_aligned_text_keeps_its_columns():
    """pdftotext -layout style text: cells at their columns; each figure under its own heading, in order."""
    from kg.ingest.layouts import national

    doc = load(THREE_PUBLIC_ALIGNED.encode("utf-8"), "t.txt")
    values = {}
    national._three_public(national.standard_tables(national.cut(doc.rows))["three_public"],
                           lambda field, value, line: values.__setitem__(field, value))
    assert (values["three_public"], values["overseas_travel"], values["official_reception"], values["vehicle"],
            values["operating_costs"]) == (Decimal("10.81"), 0, Decimal("0.83"), Decimal("9.98"), Decimal("217.83"))


def test_one_value_per_line_is_not_guessed():
    """A conversion that lost the columns: the table is named as unreadable, no figure is placed by guess."""
    lines = ["编制部门：某区司法局", "2026年部门“三公”经费和机关运行经费预算表", "单位:万元", "合计", "因公出国(境)费", "公务接待费",
             "10.81", "0", "0.83", "2026年部门财务收支预算总表", "单位：元", "收入总计", "1,000.00",
             "2026年部门支出预算总表", "单位：元", "合计", "1,000.00"]
    result = parse_bytes("\n".join(lines).encode("utf-8"), "raw.txt")
    assert result.document is None
    [problem] = result.problems
    assert problem.code == "table-without-columns" and "3 standard tables print one value per line" in problem.message


def test_project_explanation_and_its_target_table():
    """项目经费情况说明 gives name, amount, basis, unit; a 绩效目标表 naming the project gives its indicators."""
    text = "\n".join([
        "编制部门：某区司法局",
        "2026年部门财务收支预算总表", "单位：元", "收入总计\t10,000,000.00\t支出总计\t10,000,000.00",
        "2026年部门支出预算总表", "单位：元", "科目编码\t科目名称\t合计\t基本支出\t项目支出",
        "合计\t\t10,000,000.00\t2,050,000.00\t7,950,000.00",
        "2026年部门“三公”经费和机关运行经费预算表", "单位：万元", "合计\t公务接待费", "1.00\t1.00",
        "人民调解项目经费情况说明",
        "一、项目概述", "通过政府购买服务推进人民调解工作。",
        "二、立项依据", "《关于加强人民调解员队伍建设的实施意见》（沪司发〔2018〕86号）。",
        "三、实施主体", "上海市普陀区司法局",
        "六、年度预算安排", "795万元",
        "七、绩效目标", "完善人民调解经费保障体系。",
        "2026年项目绩效目标表",
        "项目名称\t人民调解项目",
        "一级指标\t二级指标\t三级指标\t指标值",
        "产出指标\t数量指标\t调解案件数\t≥3000件",
        "\t质量指标\t调解成功率\t≥95%",
        "满意度指标\t服务对象满意度\t当事人满意度\t≥90%",
    ])
    result = parse_bytes(text.encode("utf-8"), "dept.txt")
    assert result.document is not None, [p.message for p in result.problems]
    [p] = result.document.projects
    assert (p.name, p.amount_wan, p.implementing_unit) == ("人民调解", Decimal(795), "上海市普陀区司法局")
    assert [b.doc_number for b in p.legal_bases] == ["沪司发〔2018〕86号"]
    assert [(i.level1, i.level2, i.name, i.value) for i in p.indicators] == [
        ("产出指标", "数量指标", "调解案件数", "≥3000件"), ("产出指标", "质量指标", "调解成功率", "≥95%"),
        ("满意度指标", "服务对象满意度", "当事人满意度", "≥90%")]
    assert result.document.totals.project_expenditure == Decimal(795)
