"""Loaders: file bytes in, one table model out (rows of cells, each row with a place in the file).

Each loader is one module with NAME, ``sniff(data, source) -> bool`` and
``load(data, source) -> TableDoc``; LOADERS is the plain registry, tried in order.
Table readers only ever see a ``TableDoc``, whatever the file was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from kg.model import Problem

from ..tables import Row


@dataclass(frozen=True)
class Place:
    """Where a row is in its file, beyond the line of the table model."""

    page: Optional[int] = None
    """PDF page (1-based)."""
    sheet: Optional[str] = None
    """Workbook sheet name."""
    cell: Optional[str] = None
    """Workbook cell of the row's first value, e.g. B7."""


@dataclass(frozen=True)
class TableDoc:
    """The one table model every reader consumes."""

    source: str
    """Path as given to ``kg ingest``."""
    kind: str
    """Loader name: text, pdf or xlsx."""
    text: str
    """The text of the document; row ``line`` numbers index its lines (for PDF/xlsx: one row per line, cells tab-separated)."""
    rows: tuple[Row, ...]
    """Rows of cleaned cells in reading order; furniture (page numbers, watermarks) dropped."""
    places: dict[int, Place] = field(default_factory=dict)
    """Line → page / sheet+cell, for formats that have them."""
    problems: tuple[Problem, ...] = ()
    """What the loader could not read (a page without a text layer …); the rest still goes in."""
    pages: int = 0
    """Page count (PDF)."""
    ocr_pages: frozenset[int] = frozenset()
    """Pages whose words were read by OCR, not from a text layer: readers may forgive OCR's known
    misreadings of words there (``kg.ingest.ocr_confusions``), and nowhere else."""


def text_of(rows: list[list[str]]) -> str:
    """One line per row, cells joined by tabs (tabs and line breaks inside a cell become spaces)."""
    return "\n".join("\t".join(c.replace("\t", " ").replace("\n", " ") for c in cells) for cells in rows)


from . import pdf, text, xlsx  # noqa: E402  (the modules import TableDoc from here)

LOADERS = {module.NAME: module for module in (pdf, xlsx, text)}
"""The registry, in the order tried: the first whose ``sniff`` says yes loads the file (text last: it takes anything)."""


def load(data: bytes, source: str) -> TableDoc:
    """The table model of a file; raises ``kg.ingest.textio.UnreadableFile`` with a hint when it cannot be read."""
    for module in LOADERS.values():
        if module.sniff(data, source):
            return module.load(data, source)
    raise AssertionError("the text loader takes every file")  # pragma: no cover
