"""A project's amount is what its page prints, never a figure the reader computed.

The national reader takes a project's money from the 六、年度预算安排 of its 项目经费情况说明. A stated total
(总预算/合计/全年安排 …) or a single amount is read as printed; parts with no total (four quarterly 用款计划 in
万里街道 2024, p.33) leave the amount empty, and ``kg check`` says so (PJ-011). The pages are read here with
pypdfium2 independently of the reader's table model, so a computed sum has nowhere to hide.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from conftest import DATA, EXAMPLES
from kg.checks import check
from kg.ingest import parse_bytes
from kg.ingest.layouts.national import _project_amount

CORPUS = DATA / "corpus"
NATIONAL_PDFS = sorted(CORPUS.glob("*.pdf")) + sorted(EXAMPLES.glob("*.pdf"))
"""Every PDF the tests ship that the national reader reads (the corpus copies and the demo's PDF)."""
WANLI = CORPUS / "putuo-wanli-street-2024-dept-budget.pdf"
PROJECT = "万里街道社区公共服务中心新建工程"

_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _page_figures(path: Path, pages: range) -> set[Decimal]:
    """Every number printed on those pages (1-based), as written; thousands separators dropped."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        out: set[Decimal] = set()
        for n in pages:
            if 1 <= n <= len(pdf):
                text = pdf[n - 1].get_textpage().get_text_range()
                out |= {Decimal(m.group(0).replace(",", "")) for m in _FIGURE.finditer(text)}
        return out
    finally:
        pdf.close()


def _printed(path: Path, page: int, amount: Decimal) -> bool:
    """The amount appears on the project's page or the next (a 项目经费情况说明 may run onto a second page),
    in 万元 as stored or in 元."""
    figures = _page_figures(path, range(page, page + 2))
    return amount in figures or amount * 10000 in figures


@pytest.fixture(scope="module")
def documents():
    out = {}
    for path in NATIONAL_PDFS:
        result = parse_bytes(path.read_bytes(), f"corpus/{path.name}")
        assert result.document is not None and result.document.layout == "national", path.name
        out[path] = result.document
    return out


def test_every_project_amount_is_printed_on_its_page(documents):
    seen = 0
    for path, doc in documents.items():
        for p in doc.projects:
            if p.amount_wan is None:
                continue
            seen += 1
            assert p.source.page, (path.name, p.name)
            assert _printed(path, p.source.page, p.amount_wan), \
                f"{path.name}: {p.name} amount {p.amount_wan} 万元 is not printed on p.{p.source.page}–{p.source.page + 1}"
    assert seen >= 5  # commerce 4 + justice 1: the test looks at real amounts


def test_the_quarterly_sum_is_not_printed_and_not_stored(documents):
    """632.20 = 4 × 158.05 is printed nowhere in the document; the page prints the quarters only."""
    doc = documents[WANLI]
    [p] = [p for p in doc.projects if p.name == PROJECT]
    assert p.amount_wan is None
    whole = _page_figures(WANLI, range(1, 200))
    assert Decimal("632.20") not in whole and Decimal("6322000") not in whole
    assert Decimal("158.05") in _page_figures(WANLI, range(p.source.page, p.source.page + 1))


def test_the_reader_says_the_amount_is_not_printed_and_where(documents):
    doc = documents[WANLI]
    [problem] = [x for x in doc.problems if x.code == "project-amount-not-printed"]
    assert problem.page == 33 and problem.severity == "warning"
    assert problem.excerpt.count("158.05万元") == 4 and PROJECT in problem.message
    [finding] = [f for f in check(doc) if f.rule == "PJ-011"]
    assert finding.severity == "info" and finding.subject == PROJECT
    assert finding.found.location.endswith("p.33") and "第四季度用款计划158.05万元" in finding.found.excerpt
    assert "未列全年金额" in finding.message


def test_a_prose_only_arrangement_is_reported_too(documents):
    """区政府督查… (government office 2025, p.22): 六、年度预算安排 is prose with no figure."""
    doc = documents[CORPUS / "putuo-government-office-2025-dept-budget.pdf"]
    [finding] = [f for f in check(doc) if f.rule == "PJ-011"]
    assert finding.subject == "区政府督查及建议提案工作业务经费" and finding.found.page == 22
    assert "未列金额" in finding.message


def test_projects_with_a_printed_amount_are_not_flagged(documents):
    for path, doc in documents.items():
        flagged = {f.subject for f in check(doc) if f.rule == "PJ-011"}
        assert not flagged & {p.name for p in doc.projects if p.amount_wan is not None}, path.name


@pytest.mark.parametrize("text,amount", [
    ("795万元", "795"),
    ("2025年度项目总预算1170.00万，其中支持企业规模化发展870.00万，支持企业创新化发展70.00万，合计1170.00万。", "1170.00"),
    ("全年安排632.20万元，其中第一季度用款计划158.05万元，第二季度用款计划158.05万元。", "632.20"),
    ("项目预算3,000,000元。", "300"),
])
def test_a_printed_annual_amount_is_read(text, amount):
    assert _project_amount(text).wan == Decimal(amount)


@pytest.mark.parametrize("text,parts", [
    ("第一季度用款计划158.05万元，第二季度用款计划158.05万元，第三季度用款计划158.05万元，第四季度用款计划158.05万元。",
     ("158.05万元",) * 4),
    ("信息化系统日常维护费166.66万元，中介机构服务费418.80万元，财政业务费10万元。",
     ("166.66万元", "418.80万元", "10万元")),
    ("结合区政府重点工作推进情况，根据合同条款，按时拨付资金。", ()),
])
def test_parts_without_a_total_give_no_amount(text, parts):
    read = _project_amount(text)
    assert read.wan is None and read.parts == parts


def test_a_project_without_amount_goes_through_graph_rdf_search_and_pictures(tmp_path):
    from kg.app import BudgetKG

    app = BudgetKG(tmp_path / "home")
    [outcome] = app.ingest([str(WANLI)])
    assert outcome.status == "added"
    [hit] = [h for h in app.search("社区公共服务中心新建工程", type="project").hits if h.label == PROJECT]
    assert hit.amount_wan is None and hit.where.endswith("p.33")
    shown = app.show(PROJECT)
    assert "amount_wan" not in shown or shown["amount_wan"] is None
    assert any(n["kind"] == "finding" and "未列全年金额" in n["label"] for n in shown["neighbours"])
    from rdflib import Namespace, RDF

    bkg = Namespace("https://w3id.org/budget-kg/ontology#")
    graph = app.rdflib_graph("memory")
    projects = list(graph.subjects(RDF.type, bkg.Project))
    assert projects and not [a for p in projects for a in graph.objects(p, bkg.amountWan)]  # no amount invented
    assert app.validate().conforms
    [ttl] = app.export("turtle", tmp_path / "kg.ttl")
    assert PROJECT in ttl.read_text(encoding="utf-8")
    picture = app.viz(project=PROJECT, output=tmp_path / "p.html")
    assert picture.nodes >= 2 and PROJECT in picture.path.read_text(encoding="utf-8")
    chart = app.chart_data("treemap", department="上海市普陀区人民政府万里街道办事处")
    assert chart.subtitle.startswith("0 个项目，合计 0.00 万元（另 1 个项目未列金额）")  # no box of an invented size
