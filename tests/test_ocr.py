"""OCR of scanned pages: real tesseract on pages rasterised from a text PDF, so the expected figures are known.

The engine tests need Debian's tesseract-ocr and tesseract-ocr-chi-sim. They skip when it is
missing, except in CI: .ci/run installs it and sets KG_REQUIRE_OCR=1, so a missing engine fails.
The merging and trust rules are also tested on hand-made input, without the engine.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest

from kg.ingest.ocr import (APT_PACKAGES, TRUST_CONFIDENCE, check_engine, is_figure, is_trusted, ocr_pages,
                           remove_rules, reread_doubtful, withhold_untrusted, words_from_tsv)
from kg.ingest.textio import UnreadableFile
from kg.ingest.words import PageWords, Rule, Word

PDF = Path(__file__).resolve().parent / "data" / "pdf" / "putuo-commerce-2025-dept-budget.pdf"
TOTALS_PAGE = 9
"""2025年部门财务收支预算总表 (the totals table, 元)."""
THREE_PUBLIC_PAGE = 21
"""“三公”经费和机关运行经费预算表 (万元)."""
SCAN_DPI = 200
"""The resolution the test 'scanner' saves at (JPEG, grey), as offices scan disclosures."""
AMOUNT = re.compile(r"^[0-9]{1,3}(?:,[0-9]{3})*\.[0-9]{2}$")


def require_engine() -> None:
    try:
        check_engine()
    except UnreadableFile as exc:
        if os.environ.get("KG_REQUIRE_OCR") == "1":
            pytest.fail(f"KG_REQUIRE_OCR=1 but {exc}")
        pytest.skip(f"{exc} (CI installs it and sets KG_REQUIRE_OCR=1)")


def scanned(pages: list[int], out: Path) -> Path:
    """An image-only PDF of the pages (grey JPEG at SCAN_DPI), as a scanner would save them."""
    doc = pdfium.PdfDocument(str(PDF))
    images = [doc[n - 1].render(scale=SCAN_DPI / 72, grayscale=True).to_pil() for n in pages]
    doc.close()
    images[0].save(out, save_all=True, append_images=images[1:], resolution=SCAN_DPI, quality=85)
    return out


def printed(number: int) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Each amount on a page of the original text layer with its box (x0, top, x1, bottom) in points."""
    doc = pdfium.PdfDocument(str(PDF))
    page = doc[number - 1]
    height = page.get_size()[1]
    textpage = page.get_textpage()
    out = []
    for token in sorted(set(textpage.get_text_range().split())):
        if not AMOUNT.match(token):
            continue
        search = textpage.search(token, match_whole_word=True)
        while (hit := search.get_next()) is not None:
            boxes = [textpage.get_charbox(i) for i in range(hit[0], hit[0] + hit[1])]
            out.append((token, (min(b[0] for b in boxes), height - max(b[3] for b in boxes),
                                max(b[2] for b in boxes), height - min(b[1] for b in boxes))))
    doc.close()
    return out


@pytest.fixture(scope="module")
def read(tmp_path_factory) -> dict[int, PageWords]:
    """The totals and 三公 pages, scanned, then OCR'd from the PDF's bytes (as the PDF loader calls it)."""
    require_engine()
    path = scanned([TOTALS_PAGE, THREE_PUBLIC_PAGE], tmp_path_factory.mktemp("scan") / "scan.pdf")
    doc = pdfium.PdfDocument(str(path))
    assert all(doc[i].get_textpage().count_chars() == 0 for i in range(len(doc))), "the scan has no text layer"
    doc.close()
    pages = ocr_pages(path.read_bytes())
    return {TOTALS_PAGE: pages[0], THREE_PUBLIC_PAGE: pages[1]}


def test_every_amount_of_the_totals_table_is_read_where_it_is_printed(read):
    page = read[TOTALS_PAGE]
    assert page.ocr and page.number == 1
    original = pdfium.PdfDocument(str(PDF))[TOTALS_PAGE - 1].get_size()
    assert (page.width, page.height) == pytest.approx(original, abs=0.5)  # the scan is whole pixels
    expected = printed(TOTALS_PAGE)
    assert len(expected) == 11  # 收入 2 + 收入总计, 支出 7 classes + 支出总计 (hand-checked on the page)
    for text, (x0, top, x1, bottom) in expected:
        here = [w for w in page.words if w.x0 < x1 and w.x1 > x0 and w.top < bottom and w.bottom > top]
        assert [w.text for w in here] == [text], (text, (x0, top), here)
        word = here[0]
        assert is_trusted(word), word
        assert word.x0 == pytest.approx(x0, abs=3) and word.x1 == pytest.approx(x1, abs=3)
        assert word.top == pytest.approx(top, abs=3) and word.bottom == pytest.approx(bottom, abs=3)


def test_no_trusted_figure_is_invented(read):
    for number, page in read.items():
        want = [t for t, _ in printed(number)]
        for w in page.words:
            if AMOUNT.match(w.text) and is_trusted(w):
                assert w.text in want, (number, w)
                want.remove(w.text)


def test_three_public_expenses_in_wan_yuan(read):
    amounts = [w.text for w in sorted(read[THREE_PUBLIC_PAGE].words, key=lambda w: w.x0)
               if AMOUNT.match(w.text) and is_trusted(w)]
    assert amounts == [t for t, _ in sorted(printed(THREE_PUBLIC_PAGE), key=lambda p: p[1][0])]
    assert amounts == ["1.00", "1.00", "171.01"]


def test_chinese_glyphs_are_joined_into_words_and_the_grid_becomes_rules(read):
    page = read[TOTALS_PAGE]
    texts = [w.text for w in page.words]
    for label in ("一、财政拨款收入", "收入总计", "项目", "预算数"):
        assert label in texts, texts
    assert not any(len(t) == 1 and "\u4e00" <= t <= "\u9fff" for t in texts if t != "元"), texts
    verticals = [r for r in page.rules if r.bottom - r.top > 100]
    horizontals = [r for r in page.rules if r.x1 - r.x0 > 100]
    assert len(verticals) >= 5 and len(horizontals) >= 16  # the totals table's grid
    assert all(r.x1 - r.x0 < 2.5 for r in verticals) and all(r.bottom - r.top < 2.5 for r in horizontals)


def test_a_second_read_confirms_a_clear_figure_but_not_a_fragment_of_one():
    require_engine()
    engine = check_engine()
    doc = pdfium.PdfDocument(str(PDF))
    page = doc[TOTALS_PAGE - 1]
    height = page.get_size()[1]
    image, rules = remove_rules(page.render(scale=300 / 72, grayscale=True).to_numpy(), 300)
    textpage = page.get_textpage()

    def seen(text: str) -> Word:  # the word as a first pass with a low score would give it, in pixels
        start, count = textpage.search(text).get_next()
        boxes = [textpage.get_charbox(i) for i in range(start, start + count)]
        s = 300 / 72
        return Word(text, min(b[0] for b in boxes) * s, max(b[2] for b in boxes) * s,
                    (height - max(b[3] for b in boxes)) * s, (height - min(b[1] for b in boxes)) * s, 30.0)

    whole, fragment = seen("371,514,655.00"), seen("514,655.00")  # the first hit: 财政拨款收入's amount
    again = reread_doubtful(engine, image, [whole, fragment], rules)
    doc.close()
    assert again[0].text == whole.text and is_trusted(again[0]), again[0]
    assert again[1].confidence == 30.0 and not is_trusted(again[1])  # "371," beside it: the reads differ


def test_pages_out_of_range_are_refused():
    require_engine()
    with pytest.raises(ValueError, match="page 99"):
        ocr_pages(PDF, pages=[99])


# --- without the engine ------------------------------------------------------------------------

def test_a_missing_engine_is_one_message_naming_the_apt_packages():
    with pytest.raises(UnreadableFile) as caught:
        ocr_pages(PDF, tesseract="kg-no-such-tesseract")
    assert caught.value.code == "ocr-unavailable"
    assert APT_PACKAGES in str(caught.value) and "tesseract-ocr-chi-sim" in APT_PACKAGES


def test_a_missing_language_model_names_its_package():
    require_engine()
    with pytest.raises(UnreadableFile, match="tesseract-ocr-xx-nope"):
        check_engine(lang="xx_nope")


def _tsv(*pieces: tuple[int, str, int, int, int, int, float]) -> str:
    """TSV as tesseract writes it: (line, text, left, top, width, height, confidence) per piece."""
    head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [f"5\t1\t1\t1\t{line}\t{i}\t{x}\t{y}\t{w}\t{h}\t{c}\t{t}"
            for i, (line, t, x, y, w, h, c) in enumerate(pieces, 1)]
    return "\n".join([head, "4\t1\t1\t1\t1\t0\t0\t0\t900\t40\t-1\t"] + rows)


def test_pieces_merge_into_words_as_a_text_layer_gives_them():
    tsv = _tsv((1, "一", 100, 10, 30, 40, 93), (1, "、", 135, 10, 30, 40, 90), (1, "财政", 170, 10, 60, 40, 96),
               (1, "收入", 240, 10, 60, 40, 71),  # one label: CJK glyphs 5-10 px apart
               (1, "371,", 600, 12, 70, 38, 91), (1, "514,", 700, 12, 70, 38, 88),
               (1, "655.", 800, 12, 70, 32, 92), (1, "00", 895, 12, 35, 32, 92),  # one amount
               (1, "21,", 1100, 12, 50, 38, 90), (1, "601.00", 1180, 12, 100, 32, 89),  # next column
               (2, "2025", 100, 80, 80, 40, 92), (2, "年", 200, 80, 40, 40, 91),
               (2, "201", 300, 80, 60, 36, 93), (2, "13", 465, 80, 40, 36, 90))  # codes: columns 3 heights apart
    words = words_from_tsv(tsv)
    assert [(w.text, w.confidence) for w in words] == [
        ("一、财政收入", 71), ("371,514,655.00", 88), ("21,601.00", 89), ("2025年", 91), ("201", 93), ("13", 90)]
    assert (words[1].x0, words[1].x1, words[1].top, words[1].bottom) == (600, 930, 12, 50)


def test_no_word_runs_across_a_ruling_line():
    tsv = _tsv((1, "50", 100, 10, 40, 36, 93), (1, "事业", 160, 10, 60, 40, 93), (1, "运行", 225, 10, 60, 40, 93))
    assert [w.text for w in words_from_tsv(tsv)] == ["50事业运行"]
    rule = Rule(148, 150, 0, 60)
    assert [w.text for w in words_from_tsv(tsv, [rule])] == ["50", "事业运行"]


def test_figures_below_the_threshold_or_malformed_are_not_trusted():
    def word(text, conf):
        return Word(text, 0, 10, 0, 10, conf)

    assert is_trusted(word("371,514,655.00", TRUST_CONFIDENCE))
    assert not is_trusted(word("371,514,655.00", TRUST_CONFIDENCE - 1))
    assert not is_trusted(word("371,51,4655.00", 95))  # grouping a printed amount never has
    assert is_trusted(word("2025年部门财务收支预算总表", 10))  # not a figure: a title's year is no amount
    assert is_trusted(Word("371,514,655.00", 0, 10, 0, 10))  # a text layer is exact
    assert is_figure(word("201", 90)) and not is_figure(word("1，", 90)) and not is_figure(word("元", 90))
    page = PageWords(1, 100, 100, (word("收入总计", 30), word("371,514,655.00", 95), word("881,8O3.00", 40)),
                     ocr=True)
    kept, held = withhold_untrusted(page)
    assert [w.text for w in kept.words] == ["收入总计", "371,514,655.00"]
    assert [w.text for w in held] == ["881,8O3.00"] and kept.ocr


def test_ruling_lines_are_found_and_removed_but_glyphs_stay():
    image = np.full((400, 600), 255, np.uint8)
    image[100:103, 50:550] = 0  # a horizontal rule, 3 px
    image[50:350, 300:302] = 10  # a vertical rule, 2 px
    image[150:180, 100:130] = 0  # a glyph-sized blob
    cleaned, rules = remove_rules(image, dpi=300)
    assert (cleaned[98:105, 50:550] == 255).all() and (cleaned[50:350, 298:304] == 255).all()  # and the edges
    assert (cleaned[150:180, 100:130] == 0).all()
    assert sorted((r.x0, r.x1, r.top, r.bottom) for r in rules) == [(50, 550, 100, 103), (300, 302, 50, 350)]


# --- the national reader on scanned pages ------------------------------------------------------

def test_scanned_totals_and_three_public_tables_are_read_with_exact_figures(tmp_path):
    """Titles as tesseract reads them at 200 dpi (财务收文预算总表; the 三公 title split at a gap) still find
    their tables; every figure read equals the text layer's reading."""
    require_engine()
    from kg.ingest import parse_bytes

    truth = parse_bytes(PDF.read_bytes(), "text.pdf").document.totals
    result = parse_bytes(scanned([TOTALS_PAGE, THREE_PUBLIC_PAGE], tmp_path / "scan.pdf").read_bytes(), "scan.pdf",
                         layout="national")
    assert result.document is not None, result.problems
    totals = result.document.totals
    for field in ("income_total", "expenditure_total", "current_year_income", "three_public", "overseas_travel",
                  "official_reception", "vehicle", "operating_costs"):
        assert getattr(totals, field) == getattr(truth, field), field
    assert totals.income_total == Decimal("37151.4655") and totals.operating_costs == Decimal("171.01")
    assert result.document.department.name == "上海市普陀区商务委员会"
    assert totals.pages["income_total"] == 1 and totals.pages["three_public"] == 2  # the scan's own pages
