"""Shared table helpers: every text shape becomes rows of cells with line numbers.

Budget documents reach us through many converters. OCR tools emit tab-separated
rows; DOCX exporters emit one table cell per line with a blank line between rows;
markdown converters add headings and HTML fragments. Layout parsers should not
care: they read ``Row`` objects and find tables by their titles and headers.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Iterable, Iterator, Optional, Sequence

from kg.text import CJK, compact  # noqa: F401  (re-exported: layouts import compact from here)

WATERMARKS = ("扫描全能王", "都在用的扫描App", "仅供内部审核", "page number")
"""Page furniture that scanners and converters stamp on pages: dropped wherever found."""

_PAGE_NUMBER = re.compile(r"^(?:[-—–]\s*\d+\s*[-—–]|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$")
_TAG = re.compile(r"</?(?:p|b|strong|em|i|u|span|div|br|font|tr|table|tbody|thead)\b[^>]*>", re.I)
_CELL_TAG = re.compile(r"\s*</?t[dh]\b[^>]*>\s*", re.I)
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_MD_BULLET = re.compile(r"^[-*+]\s+")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_AMOUNT_NOISE = re.compile(r"[\s,，]")


@dataclass(frozen=True)
class Row:
    """One table row (or one prose line, as a single cell) and its 1-based line number."""

    line: int
    """1-based line of the document's text (for a PDF or workbook: of its table model, one row a line)."""
    cells: tuple[str, ...]
    spans: tuple[tuple[float, float], ...] = ()
    """Horizontal extent of each cell (PDF points, or column numbers in a workbook); empty for text files."""
    page: Optional[int] = None
    """PDF page the row is on; None for text files and workbooks."""

    @property
    def texts(self) -> list[str]:
        """The non-empty cells, in order."""
        return [c for c in self.cells if c]

    @property
    def single(self) -> Optional[str]:
        """The text of a row with exactly one non-empty cell."""
        texts = self.texts
        return texts[0] if len(texts) == 1 else None

    def after(self, label_pattern: str) -> Optional[str]:
        """The cell right after the first cell matching ``label_pattern`` (may be empty)."""
        rx = re.compile(label_pattern)
        for i, cell in enumerate(self.cells):
            if cell and rx.search(cell):
                return self.cells[i + 1] if i + 1 < len(self.cells) else ""
        return None

    def index_of(self, label_pattern: str) -> Optional[int]:
        rx = re.compile(label_pattern)
        for i, cell in enumerate(self.cells):
            if cell and rx.search(cell):
                return i
        return None


_NEEDS_CLEANING = re.compile("[<&*\\[\"“”\u00a0\u3000]|" + "|".join(re.escape(m) for m in WATERMARKS))


_MARKUP_ENTITY = re.compile(r"(&(?:[lL][tT]|[gG][tT]|#0*6[02]|#[xX]0*3[cCeE]);?)")
"""Entities that would decode to < or >: kept as written, so `&lt;svg onload…&gt;` in a document stays
text and never becomes a live tag in stored names, JSON or pictures."""


def clean_cell(cell: str) -> str:
    """Strip markup, quotes and furniture from one cell; keep the words."""
    if not _NEEDS_CLEANING.search(cell):
        return cell.strip()
    cell = _BOOKMARK.sub("", cell)
    cell = _TAG.sub(" ", cell)
    cell = "".join(part if i % 2 else html.unescape(part) for i, part in enumerate(_MARKUP_ENTITY.split(cell)))
    cell = cell.replace("**", "").replace("\u00a0", " ").replace("\u3000", " ")
    cell = cell.strip().strip('"“”').strip() if cell.count('"') % 2 else cell.strip()
    cell = cell.strip('"').strip()
    for mark in WATERMARKS:
        if mark in cell and len(cell) <= len(mark) + 12:
            return ""
    return cell


def is_furniture(text: str) -> bool:
    """True for a whole line that is page furniture (watermark, page number)."""
    t = text.strip()
    if not t:
        return True
    if any(mark in t for mark in WATERMARKS) and len(t) <= 24:
        return True
    if t in ("内部审核",):
        return True
    return bool(_PAGE_NUMBER.match(t))


def _split_cells(line: str) -> list[str]:
    line = _CELL_TAG.sub("\t", line)
    return line.split("\t")


def _is_cell_per_line(lines: Sequence[str]) -> bool:
    """DOCX exports put one cell per line, each behind a single tab."""
    single = sum(1 for ln in lines if ln.startswith("\t") and "\t" not in ln[1:])
    multi = sum(1 for ln in lines if ln.count("\t") >= 2)
    return single > 50 and single > 3 * multi


def to_rows(text: str) -> tuple[Row, ...]:
    """Rows of cleaned cells for any supported text shape; furniture lines are dropped.

    Not cached: the loader makes them once and every reader gets them from the ``TableDoc``; a cache kept
    the text and rows of the last documents alive (tens of MB for a compilation) while they were indexed."""
    lines = text.split("\n")
    if _is_cell_per_line(lines):
        raw = _cell_per_line_rows(lines)
    else:
        raw = ((i, _split_cells(ln)) for i, ln in enumerate(lines, 1))
    rows: list[Row] = []
    for number, cells in raw:
        cleaned = [_MD_HEADING.sub("", clean_cell(c)).strip() for c in cells]
        texts = [c for c in cleaned if c]
        if not texts or (len(texts) == 1 and is_furniture(texts[0])):
            continue
        if len(cells) == 1:
            cleaned = [_MD_BULLET.sub("", texts[0]).strip()]
        rows.append(Row(number, tuple(cleaned)))
    return tuple(rows)


def _cell_per_line_rows(lines: Sequence[str]) -> Iterator[tuple[int, list[str]]]:
    block: list[str] = []
    start = 0
    for i, line in enumerate(lines, 1):
        if line.startswith("\t"):
            if not block:
                start = i
            block.append(line[1:])
            continue
        if block:
            yield start, block
            block = []
        if line.strip():
            yield i, _split_cells(line)
    if block:
        yield start, block


# ---------------------------------------------------------------- numbers


def parse_amount(text: Optional[str]) -> Optional[Decimal]:
    """A money amount from a cell: ``1,422.60``, ``4192. 53`` (OCR space), ``2,600,000``; else None."""
    if text is None:
        return None
    t = _AMOUNT_NOISE.sub("", text)
    t = t.replace("．", ".")
    if t.endswith("万元"):
        t = t[:-2]
    elif t.endswith("元"):
        t = t[:-1]
    if not t or not _NUMBER.match(t):
        return None
    try:
        return Decimal(t)
    except InvalidOperation:  # pragma: no cover - guarded by the regex
        return None


def amounts(cells: Iterable[str]) -> list[Optional[Decimal]]:
    return [parse_amount(c) for c in cells]


def values_after(row: Row, label_pattern: str, count: int) -> list[Optional[Decimal]]:
    """``count`` amounts in the columns after a label cell, leading blank columns skipped.

    Summary rows print their label in the code or name column depending on the
    converter; the first figure (the total) is never blank when there is money,
    so skipping leading blanks aligns the figures with their headers.
    """
    idx = row.index_of(label_pattern)
    if idx is None:
        return [None] * count
    rest = list(row.cells[idx + 1:])
    while rest and not rest[0].strip():
        rest.pop(0)
    values = [parse_amount(c) for c in rest[:count]]
    return values + [None] * (count - len(values))


# ---------------------------------------------------------------- structure

_SECTION = re.compile(r"^(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[)）])")


def is_section_heading(row: Row) -> bool:
    """A numbered heading of the explanatory text (一、… / 第三部分 …), not a numbered list item."""
    text = row.single
    if not text or len(row.cells) > 2 or not _SECTION.match(text):
        return False
    if text.startswith(("（", "(")):
        return len(text) <= 24 and not text.endswith("。")
    return len(text) <= 40 and not ("：" in text[:12] and len(text) > 16)


_TRAILING_NOTE = re.compile(r"[（(][^（()）]{1,12}[)）]$")


def is_table_title(row: Row) -> bool:
    """A single-cell line naming a table (…表, …申报表). TOC lines carry a page number and are not titles."""
    text = row.single
    if not text or len(row.texts) != 1 or len(text) > 70 or len(row.cells) > 2:
        return False
    text = _TRAILING_NOTE.sub("", text.strip())
    return text.endswith("表") and not text.startswith(("注", "单位"))


@dataclass(frozen=True)
class Sheet:
    """A titled table: its title row and the rows up to the next title or heading."""

    title: str
    line: int
    rows: tuple[Row, ...]


def sheets(rows: Sequence[Row]) -> list[Sheet]:
    """Cut the document at table titles and section headings."""
    out: list[Sheet] = []
    title, line, body = "", 0, []
    for row in rows:
        if is_table_title(row) or is_section_heading(row):
            out.append(Sheet(title, line, tuple(body)))
            title, line, body = compact(row.single or ""), row.line, []
        else:
            body.append(row)
    out.append(Sheet(title, line, tuple(body)))
    return out


def find_sheets(all_sheets: Sequence[Sheet], *patterns: str, exclude: str = r"$^") -> list[Sheet]:
    """Sheets whose title matches every pattern (and not ``exclude``)."""
    rxs = [re.compile(p) for p in patterns]
    ex = re.compile(exclude)
    return [s for s in all_sheets if all(r.search(s.title) for r in rxs) and not ex.search(s.title)]


CODE = re.compile(r"^\d{3}(?:\d{2}){0,2}$")
"""A functional or economic classification code: 201, 20101, 2010101."""


_TOC_PAGE = re.compile(r"^\d{1,3}$")
_TOC_LEAD = re.compile(r"^(?:表[一二三四五六七八九十]+|第[一二三四]部分|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）])")


def missing_toc_entries(rows: Sequence[Row]) -> list[str]:
    """Entries of the table of contents (title + page number) that never appear later in the text.

    A truncated download keeps its table of contents but loses the parts it lists.
    """
    entries: list[tuple[int, str]] = []
    for i, row in enumerate(rows[:200]):
        texts = row.texts
        if len(texts) == 2 and _TOC_PAGE.match(re.sub(r"[.。…·\s]", "", texts[1])):
            title = compact(re.sub(r"[.。…·]+$", "", texts[0]))
            title = _TOC_LEAD.sub("", title)
            if 2 <= len(title) <= 60:
                entries.append((i, title))
        elif texts and re.search(r"\.{3,}\s*\d{1,3}$", texts[-1]):
            title = _TOC_LEAD.sub("", compact(re.sub(r"\.{3,}\s*\d{1,3}$", "", texts[-1])))
            if 2 <= len(title) <= 60:
                entries.append((i, title))
    if not entries:
        return []
    last_toc = entries[-1][0]
    later = [compact(" ".join(r.texts)) for r in rows[last_toc + 1:] if r.texts]
    body = "\n".join(later)
    return [t for _, t in entries if t not in body]
