"""Property tests: amount parsing and document-number normalisation hold for any well-formed input."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, strategies as st

from kg.ingest.legal import extract, normalise_number
from kg.ingest.tables import parse_amount
from kg.search.query import document_number

OPEN_CLOSE = [("〔", "〕"), ("[", "]"), ("【", "】"), ("（", "）"), ("(", ")"), ("［", "］")]
prefixes = st.text(alphabet="晋冀泽卢财预行组通字发办政函人社厅", min_size=1, max_size=6)
years = st.integers(min_value=1990, max_value=2039)
seqs = st.integers(min_value=1, max_value=9999)


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_amount_round_trip_with_thousands_separators(value: Decimal):
    whole, _, frac = f"{value:.2f}".partition(".")
    grouped = f"{int(whole):,}.{frac}"
    assert parse_amount(grouped) == value
    assert parse_amount(f"{value:.2f}") == value


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
       st.integers(min_value=1, max_value=3))
def test_amount_survives_ocr_space_after_point(value: Decimal, spaces: int):
    whole, _, frac = f"{value:.2f}".partition(".")
    assert parse_amount(f"{whole}." + " " * spaces + frac) == value


@given(st.text(alphabet="项目经费合计万元abc", min_size=1, max_size=8))
def test_words_are_not_amounts(text: str):
    assert parse_amount(text) is None


@given(prefixes, years, seqs, st.sampled_from(OPEN_CLOSE), st.sampled_from(["", " ", "  "]))
def test_any_bracket_style_normalises_to_the_same_number(prefix, year, seq, brackets, space):
    o, c = brackets
    printed = f"{prefix}{space}{o}{space}{year}{space}{c}{space}{seq}{space}号"
    assert normalise_number(printed) == f"{prefix}〔{year}〕{seq}号"
    assert document_number(printed) == f"{prefix}〔{year}〕{seq}号"


@given(prefixes, years, seqs, seqs)
def test_different_numbers_stay_different(prefix, year, a, b):
    if a != b:
        assert normalise_number(f"{prefix}[{year}]{a}号") != normalise_number(f"{prefix}[{year}]{b}号")


@given(prefixes, years, seqs, st.sampled_from(OPEN_CLOSE))
def test_citation_inside_prose_is_found_once(prefix, year, seq, brackets):
    o, c = brackets
    text = f"根据《关于某某工作的通知》（{prefix}{o}{year}{c}{seq}号）立项，并且与{prefix}{o}{year}{c}{seq}号文件一致。"
    found = extract(text, "f.txt", 3)
    numbered = [b for b in found if b.doc_number]
    assert [b.doc_number for b in numbered] == [f"{prefix}〔{year}〕{seq}号"]
    assert numbered[0].title == "关于某某工作的通知"
