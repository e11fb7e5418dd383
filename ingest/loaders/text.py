"""Text conversions: OCR tab rows, DOCX exports and markdown as before; space-aligned text
(``pdftotext -layout`` and the like) cut into cells at runs of spaces, each cell keeping its column."""

from __future__ import annotations

import re

from ..tables import Row, clean_cell, is_furniture, to_rows
from ..textio import decode
from . import TableDoc

NAME = "text"

_CELL = re.compile(r"\S+(?: \S+)*")
_RUN = re.compile(r"\S {3,}\S")


def sniff(data: bytes, source: str) -> bool:
    return True


def is_space_aligned(text: str) -> bool:
    """Columns made of spaces, not tabs: few tab lines and many lines with wide gaps between words."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        return False
    tabs = sum("\t" in ln for ln in lines)
    runs = sum(bool(_RUN.search(ln.strip())) for ln in lines)
    return tabs < 0.05 * len(lines) and runs >= 0.2 * len(lines)


def aligned_rows(text: str) -> tuple[Row, ...]:
    """Rows whose cells are the pieces between runs of two or more spaces, at their character columns."""
    rows = []
    for number, line in enumerate(text.split("\n"), 1):
        pieces = [(clean_cell(m.group()), float(m.start()), float(m.end())) for m in _CELL.finditer(line)]
        pieces = [p for p in pieces if p[0]]
        if not pieces or (len(pieces) == 1 and is_furniture(pieces[0][0])):
            continue
        rows.append(Row(number, tuple(p[0] for p in pieces), tuple((p[1], p[2]) for p in pieces)))
    return tuple(rows)


def load(data: bytes, source: str) -> TableDoc:
    text = decode(data).text
    rows = aligned_rows(text) if is_space_aligned(text) else to_rows(text)
    return TableDoc(source=source, kind=NAME, text=text, rows=rows)
