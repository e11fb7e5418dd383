"""Real PDFs of the national nine-table form against hand-checked expectations (tests/data/golden_corpus).

The PDFs are Shanghai department disclosures as published (tests/data/corpus); the expected
values were typed from reading the rendered pages, not from this parser (see the notes in each
file). The checks are the golden checks of the examples, run over the PDFs.
"""

from __future__ import annotations

import pytest

import test_golden
from conftest import DATA, EXAMPLES, load
from kg.exports.jsonout import document_json
from kg.ingest import parse_bytes

CORPUS = DATA / "corpus"
CASES = sorted(p.stem for p in (DATA / "golden_corpus").glob("*.json"))


@pytest.fixture(scope="module")
def corpus_parsed() -> dict[str, dict]:
    out = {}
    for stem in CASES:
        expected = load(f"golden_corpus/{stem}.json")
        path = CORPUS / expected["source_pdf"]
        if not path.exists():  # the PDF of `make demo` lives in examples/ only
            path = EXAMPLES / expected["source_pdf"]
        result = parse_bytes(path.read_bytes(), f"corpus/{path.name}")
        assert result.document is not None, [p.message for p in result.problems]
        out[stem] = document_json(result.document)
    return out


@pytest.fixture(params=CASES)
def case(request, corpus_parsed):
    return load(f"golden_corpus/{request.param}.json"), corpus_parsed[request.param]


CONVERSIONS = sorted(CORPUS.glob("*.layout.txt"))
"""``pdftotext -layout`` conversions of some of the PDFs: the same expectations hold for them."""


@pytest.mark.parametrize("path", CONVERSIONS, ids=lambda p: p.name)
def test_text_conversion_reads_as_the_pdf(path):
    stem = path.name.removesuffix(".layout.txt")
    expected = load(f"golden_corpus/{stem}.json")
    result = parse_bytes(path.read_bytes(), f"corpus/{path.name}")
    assert result.document is not None, [p.message for p in result.problems]
    got = document_json(result.document)
    for check in (test_golden.test_department, test_golden.test_totals, test_golden.test_functional_rows,
                  test_golden.test_projects):
        check((expected, got))


test_department = test_golden.test_department
test_totals = test_golden.test_totals
test_functional_rows = test_golden.test_functional_rows
test_projects = test_golden.test_projects
test_legal_basis_details = test_golden.test_legal_basis_details


def test_no_invented_indicators(case):
    """None of these PDFs prints a 绩效目标表: a project with indicators would be invented."""
    _, got = case
    assert all(not p["indicators"] for p in got["projects"])


def test_every_fact_has_a_page(corpus_parsed):
    """Provenance of PDF facts carries the page a reader opens."""
    for doc in corpus_parsed.values():
        places = [r["source"] for r in doc["functional_spending"]] + [p["source"] for p in doc["projects"]]
        assert places and all(s.get("page") for s in places), doc["source"]
        for key in ("income_total", "basic_expenditure", "three_public"):
            assert key in doc["totals"]["pages"], (doc["source"], key)


def test_totals_add_up(corpus_parsed):
    """The document's own arithmetic, as read: basic + project = expenditure; 三公 parts = 三公."""
    for name, doc in corpus_parsed.items():
        t = doc["totals"]
        assert t["basic_expenditure"] + t["project_expenditure"] == pytest.approx(t["expenditure_total"]), name
        assert t["overseas_travel"] + t["official_reception"] + t["vehicle"] == pytest.approx(t["three_public"]), name


def test_check_findings_name_pdf_pages():
    """A figure that does not add up is shown on its page (p.12), not a table-model line."""
    from decimal import Decimal

    from kg.checks import check

    path = CORPUS / "putuo-commerce-2025-dept-budget.pdf"
    doc = parse_bytes(path.read_bytes(), "commerce.pdf").document
    assert check(doc) == []
    broken = doc.model_copy(update={"totals": doc.totals.model_copy(
        update={"basic_expenditure": doc.totals.basic_expenditure + Decimal(1)})})
    [finding] = [f for f in check(broken) if f.rule == "B-007" and f.message.startswith("基本支出 + 项目支出")]
    # 财务收支预算总表 (p.9) and the 合计 row of 支出预算总表 (p.13)
    assert (finding.expected.location, finding.found.location) == ("commerce.pdf p.9", "commerce.pdf p.13")
