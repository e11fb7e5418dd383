"""kg check: every rule fires on its real case (the examples) or on a tampered copy, and stays silent on rounding.

tests/data/checks/examples.json lists, finding by finding, what a careful reader finds in the five examples
(checked against the documents by hand); the test asserts exactly those and no others, so a rule that starts
flagging rounding differences fails it. tests/data/checks/tampered.json edits a clean example the way a
careless author would and names the rule that must then fire.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import EXAMPLES, load
from kg.checks import RULES, check, run_checks
from kg.checks.finding import grade
from kg.checks.report import render_html, render_text
from kg.ingest import parse_bytes

EXPECTED = load("checks/examples.json")
TAMPERED = load("checks/tampered.json")["cases"]


@pytest.fixture(scope="module")
def docs():
    out = {}
    for path in sorted(EXAMPLES.glob("*.txt")):
        out[path.stem] = parse_bytes(path.read_bytes(), f"examples/{path.name}").document
    return out


def _summary(findings):
    return sorted(((f.rule, f.severity, f.found.line) for f in findings), key=str)


@pytest.mark.parametrize("stem", sorted(EXPECTED["documents"]))
def test_examples_have_exactly_the_hand_checked_findings(docs, stem):
    expected = EXPECTED["documents"][stem]
    got = check(docs[stem])
    assert _summary(got) == sorted(((e["rule"], e["severity"], e["found_line"]) for e in expected), key=str)
    for want in expected:
        f = next(f for f in got if (f.rule, f.found.line) == (want["rule"], want["found_line"]))
        if "expected" in want:
            assert f.expected.value == Decimal(want["expected"]), f.message
        if "found" in want:
            assert f.found.value == Decimal(want["found"]), f.message
        assert f.found.excerpt, "the evidence is quoted (or, for a missing part, what is there instead)"
        assert f.document == f"examples/{stem}.txt"


def test_the_organisation_departments_project_spending_is_found(docs):
    """The issue's example: 整体支出绩效目标表 says 项目支出 3437.0599万元, tables and prose 3486.86万元."""
    f = [f for f in check(docs["zezhou-party-organization-dept-2026"]) if f.rule == "GJ-005"]
    assert len(f) == 1 and f[0].severity == "error"
    assert (f[0].expected.value, f[0].found.value) == (Decimal("3486.86"), Decimal("3437.0599"))
    assert "3437.0599万元" in f[0].found.excerpt


def _tamper(case) -> str:
    text = (EXAMPLES / f"{case['example']}.txt").read_text(encoding="utf-8")
    for edit in case["edits"]:
        start = text.index(edit["after"]) if "after" in edit else 0
        at = text.index(edit["old"], start)
        text = text[:at] + edit["new"] + text[at + len(edit["old"]):]
    return text


@pytest.mark.parametrize("case", TAMPERED, ids=[f"{c['rule']}-{c['example']}" for c in TAMPERED])
def test_rule_fires_on_tampered_copy(docs, case):
    rule = case["rule"]
    counted = ("error", "warning", "info") if RULES[rule].severity == "info" else ("error", "warning")
    clean = [f for f in check(docs[case["example"]], [rule]) if f.rule == rule and f.severity in counted]
    doc = parse_bytes(_tamper(case).encode("utf-8"), "tampered.txt").document
    found = [f for f in check(doc, [rule]) if f.rule == rule and f.severity in counted]
    assert len(found) > len(clean), f"{rule} did not fire; got {[f.message for f in check(doc)]}"


def test_every_rule_has_a_case():
    covered = {c["rule"] for c in TAMPERED} | {e["rule"] for v in EXPECTED["documents"].values() for e in v} \
        | {rule for _, found in CORPUS_FINDINGS for rule, _, _ in found}
    assert set(RULES) - covered == set()


@pytest.mark.parametrize("expected,found,parts,level", [
    ("3486.86", "3486.86", [], None),
    ("705.67", "705.6686", [], None),                 # printed to 4 places, rounds to the table's figure
    ("1422.60", "1422.6", [], None),                  # 1422.6 may be 1422.55..1422.65
    ("443.25", "443.26", ["260.00", "8.73", "6.52", "50.00", "118.00"], None),  # five rounded parts
    ("84.10", "84.12", [], "info"),                   # one printed unit beyond rounding
    ("3486.86", "3437.0599", [], "error"),
])
def test_rounding_is_never_an_error(expected, found, parts, level):
    assert grade(Decimal(expected), Decimal(found), [Decimal(p) for p in parts]) == level


def test_html_report_is_offline_and_escaped(docs):
    doc = parse_bytes(_tamper({"example": "zezhou-government-office-2026", "edits": [
        {"old": "本单位机关运行经费", "new": "<script>alert(1)</script>XX局机关运行经费"}]}).encode("utf-8"),
        "evil.txt").document
    page = render_html(run_checks([doc]))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "http://" not in page and "https://" not in page and "default-src 'none'" in page
    assert "DOC-001" in page and "XX局" in page


def test_text_report_quotes_both_lines(docs):
    text = render_text(run_checks([docs["zezhou-party-organization-dept-2026"]]))
    assert "GJ-005" in text and "「项目支出  3437.0599万元」" in text


def test_standard_tables_are_found_by_meaning(docs):
    """A final-accounts document titles its tables 收入支出决算总表, 财政拨款收入支出决算总表 …: the same tables."""
    from kg.model import PrintedTable, Provenance

    doc = docs["zezhou-liushukou-town-2026"]
    titles = ["收入支出决算总表", "收入决算表", "支出决算表", "财政拨款收入支出决算总表",
              "一般公共预算财政拨款支出决算表", "一般公共预算财政拨款基本支出决算表",
              "政府性基金预算财政拨款收入支出决算表", "财政拨款“三公”经费支出决算表"]
    tables = tuple(PrintedTable(title=t, figures=3, source=Provenance(file=doc.source, line=i + 1))
                   for i, t in enumerate(titles))
    assert check(doc.model_copy(update={"tables": tables}), ["ZB-002"]) == []
    fewer = tables[:3] + tables[4:]
    missing = check(doc.model_copy(update={"tables": fewer}), ["ZB-002"])
    assert [f.subject for f in missing] == ["财政拨款收支总表"]


def test_locations_name_the_page_of_a_pdf_and_the_cell_of_a_workbook():
    from kg.checks.finding import location

    assert location("a.pdf", None, 7) == "a.pdf p.7"
    assert location("a.pdf", 120, 7) == "a.pdf p.7"
    assert location("a.txt", 120) == "a.txt:120"
    assert location("t.xlsx", 9, None, "表1", "B7") == "t.xlsx!表1!B7"


@pytest.mark.parametrize("stem", sorted(EXPECTED["documents"]))
def test_findings_survive_page_furniture_and_encoding(docs, stem):
    """Scanner watermarks between rows, GB18030 and CRLF change no finding (what, not where)."""
    from test_variants import parse, with_furniture

    text = (EXAMPLES / f"{stem}.txt").read_text(encoding="utf-8")
    base = [(f.rule, f.severity, f.message) for f in check(docs[stem])]
    assert [(f.rule, f.severity, f.message) for f in check(parse(with_furniture(text, 3)))] == base
    assert [(f.rule, f.severity, f.message) for f in check(parse(text.replace("\n", "\r\n"), "gb18030"))] == base


PDF = EXAMPLES.parent / "tests" / "data" / "pdf"


CORPUS_FINDINGS = [
    # the 三公/机关运行经费 table prints 47.91 … 443.18 above “注:本部门2024年无“三公”经费和机关运行经费预算，故本表为空表”;
    # the project's 六、年度预算安排 (p.33) prints four quarterly 用款计划 of 158.05万元 and no annual amount
    ("putuo-wanli-street-2024-dept-budget.pdf", [("ZB-005", "warning", 31), ("PJ-011", "info", 33)]),
    # clean: 政府采购预算38.20万元 = 7.80 + 0 + 30.40 (the last amount wraps “30.40万 / 元”), 机关运行经费 < 公用经费
    ("putuo-commerce-2025-dept-budget.pdf", []),
]
"""Hand-checked findings of copies of corpus PDFs (a real case for rules the text examples cannot show)."""


@pytest.mark.parametrize("name,expected", CORPUS_FINDINGS)
def test_corpus_pdf_findings(name, expected):
    """Copies of corpus PDFs (national nine-table form, 元): findings carry the page."""
    doc = parse_bytes((PDF / name).read_bytes(), f"corpus/{name}").document
    assert [(f.rule, f.severity, f.found.page) for f in check(doc)] == expected
    for f in check(doc):
        assert f.found.location.endswith(f"p.{f.found.page}")
