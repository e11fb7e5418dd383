"""Words and ruling lines from a PDF's text layer, with pypdfium2 (PDFium; Apache-2.0/BSD-3).

PDFium gives every character with its box and every drawn path; words are runs
of characters on one baseline with no gap, rules are thin paths and the edges of
rectangles (cell borders). Nothing here knows about budgets.
"""

from __future__ import annotations

import ctypes
from typing import Iterator, Optional

from .words import PageWords, Rule, Word

SCAN_AREA = 0.25
"""A page with no characters and an image over this share of its area is a scan (blank pages are not)."""


class NotAPdf(Exception):
    """PDFium could not open the bytes (damaged, encrypted or not a PDF)."""


def open_pdf(data: bytes):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise NotAPdf(str(exc)) from exc


def page_count(data: bytes) -> int:
    return len(open_pdf(data))


def read_pages(data: bytes, pages: Optional[set[int]] = None, scans: Optional[set[int]] = None) -> Iterator[PageWords]:
    """PageWords of each page (1-based numbers), in order; numbers of scanned pages are added to ``scans``."""
    pdf = open_pdf(data)
    try:
        for index in range(len(pdf)):
            if pages is not None and index + 1 not in pages:
                continue
            page = pdf[index]
            try:
                words = _page_words(page, index + 1)
                if scans is not None and not words.words and _image_share(page) >= SCAN_AREA:
                    scans.add(index + 1)
                yield words
            finally:
                page.close()
    finally:
        pdf.close()


def _page_words(page, number: int) -> PageWords:
    import pypdfium2.raw as raw

    width, height = page.get_size()
    textpage = page.get_textpage()
    words: list[Word] = []
    try:
        count = textpage.count_chars()
        run: list[tuple[str, float, float, float, float]] = []

        def flush() -> None:
            if run:
                words.append(Word("".join(c[0] for c in run), min(c[1] for c in run), max(c[2] for c in run),
                                  min(c[3] for c in run), max(c[4] for c in run)))
                run.clear()

        for i in range(count):
            ch = chr(raw.FPDFText_GetUnicode(textpage, i))
            if ch.isspace() or ch in "\x00\ufffe\uffff":
                flush()
                continue
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            box = (ch, left, right, height - top, height - bottom)
            if run:
                prev = run[-1]
                h = max(prev[4] - prev[3], box[4] - box[3], 1.0)
                same_line = abs((prev[3] + prev[4]) / 2 - (box[3] + box[4]) / 2) < h * 0.35
                if not same_line or box[1] - prev[2] > h * 0.25 or box[1] < prev[1]:
                    flush()
            run.append(box)
        flush()
    finally:
        textpage.close()
    return PageWords(number=number, width=width, height=height, words=tuple(words), rules=tuple(_rules(page, height)))


def _objects(page, kind: int) -> Iterator[tuple[object, float, float, float, float]]:
    """(raw object, left, bottom, right, top) of the page's top-level objects of one type, via PDFium's C API
    (wrapping thousands of path objects in Python objects costs more than reading the page's text)."""
    import pypdfium2.raw as raw

    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    for i in range(raw.FPDFPage_CountObjects(page.raw)):
        obj = raw.FPDFPage_GetObject(page.raw, i)
        if raw.FPDFPageObj_GetType(obj) != kind:
            continue
        if raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            yield obj, left.value, bottom.value, right.value, top.value


def _image_share(page) -> float:
    """Largest share of the page area one image covers."""
    import pypdfium2.raw as raw

    width, height = page.get_size()
    return max(((r - l) * (t - b) / (width * height or 1) for _, l, b, r, t in _objects(page, raw.FPDF_PAGEOBJ_IMAGE)),
               default=0.0)


def _rules(page, height: float) -> list[Rule]:
    import pypdfium2.raw as raw

    out: list[Rule] = []
    for obj, left, bottom, right, top in _objects(page, raw.FPDF_PAGEOBJ_PATH):
        x0, x1, y0, y1 = left, right, height - top, height - bottom
        if x1 - x0 < 2.5 or y1 - y0 < 2.5:
            out.append(Rule(x0, x1, y0, y1))
            continue
        segments = raw.FPDFPath_CountSegments(obj)
        if segments <= 6:  # a rectangle: its four edges are the cell borders
            out += [Rule(x0, x1, y0, y0), Rule(x0, x1, y1, y1), Rule(x0, x0, y0, y1), Rule(x1, x1, y0, y1)]
        else:
            out += _segments(obj, segments, height)
    return out


def _segments(obj, count: int, height: float) -> list[Rule]:
    """Straight horizontal/vertical pieces of a complex path (a whole grid drawn as one path)."""
    import pypdfium2.raw as raw

    m = raw.FS_MATRIX()
    raw.FPDFPageObj_GetMatrix(obj, m)
    a, b, c, d, e, f = m.a, m.b, m.c, m.d, m.e, m.f
    out: list[Rule] = []
    prev: Optional[tuple[float, float]] = None
    x, y = ctypes.c_float(), ctypes.c_float()
    for i in range(count):
        seg = raw.FPDFPath_GetPathSegment(obj, i)
        raw.FPDFPathSegment_GetPoint(seg, x, y)
        px, py = a * x.value + c * y.value + e, b * x.value + d * y.value + f
        point = (px, height - py)
        if raw.FPDFPathSegment_GetType(seg) == raw.FPDF_SEGMENT_LINETO and prev is not None:
            (ax, ay), (bx, by) = prev, point
            if abs(ay - by) < 1 or abs(ax - bx) < 1:
                out.append(Rule(min(ax, bx), max(ax, bx), min(ay, by), max(ay, by)))
        prev = point
    return out
