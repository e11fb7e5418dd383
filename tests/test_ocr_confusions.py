"""Titles and header words OCR misread by a known confusion (支 read as 文) are still found, on OCR'd pages only.

The words are the totals page of a shipped disclosure's text layer, handed to the reader as OCR
would hand them (``PageWords.ocr``, confidences), with the title as tesseract chi_sim reads it at
200 dpi (财务收文预算总表). No engine is needed; tests/test_ocr.py does the same with real tesseract.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from kg.ingest.layouts import national
from kg.ingest.loaders.pdf import table_doc
from kg.ingest.ocr_confusions import restore
from kg.ingest.pdfwords import read_pages
from kg.ingest.tables import Row

PDF = Path(__file__).resolve().parent / "data" / "pdf" / "putuo-commerce-2025-dept-budget.pdf"
TOTALS_PAGE = 9
"""2025年部门财务收支预算总表 (元): 收入总计 and 支出总计 371,514,655.00."""
TITLE = "2025年部门财务收支预算总表"
AS_OCR_READS_IT = "2025年部门财务收文预算总表"


def _doc(title: str, ocr: bool):
    page = next(read_pages(PDF.read_bytes(), pages={TOTALS_PAGE}))
    assert TITLE in [w.text for w in page.words]
    words = tuple(replace(w, text=title if w.text == TITLE else w.text, confidence=96.0 if ocr else None)
                  for w in page.words)
    return table_doc([replace(page, words=words, ocr=ocr)], "scan.pdf", "pdf", [])


def _records(document):
    return (document.department, document.totals, document.functional_spending, document.economic_spending)


def test_a_totals_table_whose_title_ocr_misread_is_read_with_exact_figures():
    doc = _doc(AS_OCR_READS_IT, ocr=True)
    assert doc.ocr_pages == frozenset({TOTALS_PAGE})
    document = national.parse(doc)
    totals = document.totals
    assert totals.income_total == Decimal("37151.4655") and totals.expenditure_total == Decimal("37151.4655")
    assert totals.current_year_income == Decimal("37151.4655") and totals.carryover_income == Decimal(0)
    assert totals.income_by_source["general_budget"] == Decimal("37151.4655")
    assert document.department.name == "上海市普陀区商务委员会"
    warned = [p for p in document.problems if p.code == "ocr-title-restored"]
    title_line = next(r.line for r in doc.rows if r.texts == [AS_OCR_READS_IT])
    assert [(p.excerpt, p.line) for p in warned] == [(AS_OCR_READS_IT, title_line)]
    assert "财务收支预算总表" in warned[0].message and f"page {TOTALS_PAGE}" in warned[0].message


def test_the_restored_title_gives_the_records_an_exact_title_gives():
    confused = national.parse(_doc(AS_OCR_READS_IT, ocr=True))
    exact_ocr = national.parse(_doc(TITLE, ocr=True))
    text_layer = national.parse(_doc(TITLE, ocr=False))
    assert _records(confused) == _records(exact_ocr)
    assert confused.totals.income_total is not None
    # against the text layer: the same but for blanks, which a scan cannot vouch for (a blank there may be a
    # withheld figure): 2.政府性基金 and 3.国有资本经营预算 print no figure, so they are 0 only on the text layer
    sources = dict(text_layer.totals.income_by_source)
    assert sources.pop("government_fund") == sources.pop("state_capital") == Decimal(0)
    lines = {k: v for k, v in text_layer.totals.lines.items() if k in confused.totals.lines}
    assert confused.totals == text_layer.totals.model_copy(update={"income_by_source": sources, "lines": lines})
    assert _records(confused)[::2] == _records(text_layer)[::2] and confused.functional_spending == ()
    assert not [p for p in exact_ocr.problems if p.code == "ocr-title-restored"]
    assert national.found_and_missing(_doc(AS_OCR_READS_IT, ocr=True))[0] == ["收支总表"]


def test_a_text_layer_is_read_exactly_a_misprinted_title_is_no_table():
    doc = _doc(AS_OCR_READS_IT, ocr=False)
    assert doc.ocr_pages == frozenset()
    assert national.read_rows(doc) is doc.rows
    assert national.parse(doc).totals.income_total is None
    assert national.found_and_missing(doc)[0] == []


def test_measured_misreadings_are_restored():
    assert restore(AS_OCR_READS_IT) == TITLE
    assert restore("2025年部门文出预算总表") == "2025年部门支出预算总表"
    assert restore("2025年部门财政拨秋收文预算总表") == "2025年部门财政拨款收支预算总表"
    assert restore("2025年部门一般公共了预算文出功能分类预算表") == "2025年部门一般公共预算支出功能分类预算表"
    assert restore("其他行政事业单位养老文出") == "其他行政事业单位养老支出"
    assert restore("本年文出合计") == "本年支出合计"


def test_words_that_are_right_are_never_changed():
    for text in ("文化旅游体育与传媒支出", "年初结转和结余", "“三公”经费和机关运行经费预算表", "371,514,655.00",
                 "上年结余", "年末结转和结余", "有关部门", "会计核算", "人员经费", "公用经费", "单位：元", "2025年部门财务收支预算总表", "预算数", "决算数"):
        assert restore(text) == text, text


def test_a_title_ocr_split_at_a_gap_is_joined_on_ocr_pages_only():
    title = Row(1, ("2025年", "部门“三公”经费和机关运行经费预算表"), ((40.0, 90.0), (100.0, 500.0)), 21)
    head = Row(2, ("收入", "支出"), ((40.0, 90.0), (100.0, 500.0)), 21)

    class Doc:
        rows = (title, head)
        ocr_pages = frozenset({21})

    joined, same = national.read_rows(Doc)
    assert joined.cells == ("2025年部门“三公”经费和机关运行经费预算表",) and joined.spans == ((40.0, 500.0),)
    assert same is head
    Doc.ocr_pages = frozenset()
    assert national.read_rows(Doc) == (title, head)


THREE_PUBLIC_PAGE = 21
"""“三公”经费和机关运行经费预算表 (万元): 合计 1.00, 公务接待费 1.00, 机关运行经费 171.01, the rest blank."""


def _three_public(replace_word: dict[str, str], ocr: bool):
    page = next(read_pages(PDF.read_bytes(), pages={THREE_PUBLIC_PAGE}))
    words = tuple(replace(w, text=replace_word.get(w.text, w.text), confidence=96.0 if ocr else None)
                  for w in page.words)
    return national.parse(table_doc([replace(page, words=words, ocr=ocr)], "scan.pdf", "pdf", [])).totals


def test_a_scanned_three_public_table_reads_as_its_text_layer():
    fields = ("three_public", "overseas_travel", "official_reception", "vehicle", "operating_costs")
    scanned, text = _three_public({}, ocr=True), _three_public({}, ocr=False)
    assert [getattr(scanned, f) for f in fields] == [getattr(text, f) for f in fields] == [
        Decimal("1.00"), Decimal(0), Decimal("1.00"), Decimal(0), Decimal("171.01")]


def test_a_figure_under_a_heading_ocr_could_not_read_is_left_out_not_moved():
    """合计 read as 寿评 (seen on a scanned disclosure): its 1.00 is nearer 因公出国（境）费 than any other
    heading that was read, but it is not under that heading; it is left out, and so are the blanks the
    missing total would have shown to be 0."""
    totals = _three_public({"合计": "寿评"}, ocr=True)
    assert totals.official_reception == Decimal("1.00") and totals.operating_costs == Decimal("171.01")
    assert totals.three_public is None and totals.overseas_travel is None and totals.vehicle is None
