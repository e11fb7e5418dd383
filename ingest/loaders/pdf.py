"""PDF: words and ruling lines from the text layer (pypdfium2), rows built from positions; OCR for scans.

A page whose text layer is empty (a phone scan) goes to the OCR loader when it is
installed; otherwise it is listed as a problem and the other pages still go in.
"""

from __future__ import annotations

from typing import Iterable

from kg.model import Problem

from ..pdfwords import NotAPdf, read_pages
from ..rowbuild import page_rows
from ..tables import Row, clean_cell, is_furniture
from ..textio import UnreadableFile
from ..words import PageWords
from . import Place, TableDoc, text_of

NAME = "pdf"
OCR_HINT = "OCR needs tesseract (apt install tesseract-ocr tesseract-ocr-chi-sim)"


def sniff(data: bytes, source: str) -> bool:
    return data[:1024].lstrip().startswith(b"%PDF")


def load(data: bytes, source: str) -> TableDoc:
    scanned: set[int] = set()
    try:
        pages = list(read_pages(data, scans=scanned))
    except NotAPdf as exc:
        raise UnreadableFile("bad-pdf", f"the PDF cannot be opened ({exc})",
                             "download it again; if it is password-protected, save an unprotected copy") from exc
    problems: list[Problem] = []
    if scanned:
        by_number = {p.number: p for p in pages}
        for page in _ocr(data, source, sorted(scanned), problems):
            by_number[page.number] = page
        pages = [by_number[n] for n in sorted(by_number)]
    return table_doc(pages, source, NAME, problems)


def _ocr(data: bytes, source: str, numbers: list[int], problems: list[Problem]) -> Iterable[PageWords]:
    """OCR'd pages for the numbers given (figures OCR cannot vouch for withheld and listed), or one
    problem per page saying why not."""
    try:
        from .. import ocr  # optional: needs the tesseract engine
    except ImportError:
        ocr = None
    reason = OCR_HINT
    if ocr is not None:
        try:
            pages = list(ocr.ocr_pages(data, pages=numbers))
        except UnreadableFile as exc:
            reason = f"{exc}; {exc.hint}"
        except Exception as exc:  # an engine failure must not lose the pages that have text
            reason = f"OCR failed ({exc})"
        else:
            withhold = getattr(ocr, "withhold_untrusted", None)
            out = []
            for page in pages:
                if withhold is not None:
                    page, doubtful = withhold(page)
                    for word in doubtful:
                        problems.append(Problem(code="ocr-doubtful-figure", file=source, severity="warning",
                                                excerpt=word.text,
                                                message=f"page {page.number}: OCR read «{word.text}» with too little "
                                                        "confidence; the figure is left out, check it on the page"))
                out.append(page)
            return out
    for n in numbers:
        problems.append(Problem(code="no-text-layer", file=source, severity="warning",
                                message=f"page {n} has no text layer; {reason}"))
    return []


def table_doc(pages: Iterable[PageWords], source: str, kind: str, problems: list[Problem]) -> TableDoc:
    """Rows of every page, numbered as lines of one text; furniture (page numbers) dropped."""
    rows: list[Row] = []
    places: dict[int, Place] = {}
    cells_per_line: list[list[str]] = []
    count = 0
    scanned: set[int] = set()
    for page in pages:
        count += 1
        if page.ocr:
            scanned.add(page.number)
        for pr in page_rows(page):
            cells = [clean_cell(c) for c in pr.cells]
            texts = [c for c in cells if c]
            if not texts or (len(texts) == 1 and is_furniture(texts[0])):
                continue
            cells_per_line.append(cells)
            line = len(cells_per_line)
            rows.append(Row(line, tuple(cells), tuple(pr.spans), page.number))
            places[line] = Place(page=page.number)
    return TableDoc(source=source, kind=kind, text=text_of(cells_per_line), rows=tuple(rows), places=places,
                    problems=tuple(problems), pages=count, ocr_pages=frozenset(scanned))
