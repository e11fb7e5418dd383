"""Rows of cells from words with positions: the one row builder for PDF text layers and OCR.

A table in a PDF is words placed on a grid. Lines are words sharing a baseline; a
line splits into cells where a vertical ruling line runs between two words, or,
on pages without rules, where the gap is wider than a character. Text lines that
fall between the same two horizontal rules are one table row (a wrapped cell).
The result keeps each cell's horizontal extent so readers can put a figure under
its header by position, not by counting cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

from .words import PageWords, Rule, Word

_ASCII_END = re.compile(r"[0-9A-Za-z,.%]$")
_ASCII_START = re.compile(r"^[0-9A-Za-z(]")


@dataclass
class PageRow:
    """One row of one page: cells with their horizontal extents."""

    cells: list[str]
    spans: list[tuple[float, float]]
    top: float
    bottom: float


@dataclass
class _Line:
    words: list[Word] = field(default_factory=list)
    top: float = 0.0
    bottom: float = 0.0

    @property
    def center(self) -> float:
        return (self.top + self.bottom) / 2


def join_parts(a: str, b: str) -> str:
    """Two pieces of one cell split by a line break: no space between CJK, one between Latin/digits."""
    if not a:
        return b
    if not b:
        return a
    return f"{a} {b}" if _ASCII_END.search(a) and _ASCII_START.search(b) else a + b


def _lines(words: Sequence[Word]) -> list[_Line]:
    out: list[_Line] = []
    for w in sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0)):
        c = (w.top + w.bottom) / 2
        h = max(w.bottom - w.top, 1.0)
        if out and abs(c - out[-1].center) <= max(h, out[-1].bottom - out[-1].top) * 0.45:
            line = out[-1]
            line.words.append(w)
            line.top, line.bottom = min(line.top, w.top), max(line.bottom, w.bottom)
        else:
            out.append(_Line([w], w.top, w.bottom))
    for line in out:
        line.words.sort(key=lambda w: w.x0)
    return out


def _verticals(rules: Sequence[Rule]) -> list[Rule]:
    return [r for r in rules if r.x1 - r.x0 < 2.5 and r.bottom - r.top > 4]


def _horizontals(rules: Sequence[Rule]) -> list[Rule]:
    return [r for r in rules if r.bottom - r.top < 2.5 and r.x1 - r.x0 > 4]


def _split_cells(line: _Line, verticals: Sequence[Rule]) -> list[tuple[str, float, float]]:
    """(text, x0, x1) cells of one line."""
    cuts = sorted((r.x0 + r.x1) / 2 for r in verticals if r.top - 1 <= line.center <= r.bottom + 1)
    cells: list[tuple[str, float, float]] = []
    prev: Optional[Word] = None
    for w in line.words:
        h = max(w.bottom - w.top, 1.0)
        if prev is not None:
            gap = w.x0 - prev.x1
            ruled = any(prev.x1 - 1 <= x <= w.x0 + 1 for x in cuts)
            if not ruled and gap < h * 0.9:
                text, x0, _ = cells[-1]
                sep = " " if gap > h * 0.2 and _ASCII_END.search(text) and _ASCII_START.search(w.text) else ""
                cells[-1] = (text + sep + w.text, x0, w.x1)
                prev = w
                continue
        cells.append((w.text, w.x0, w.x1))
        prev = w
    return cells


def _band(line: _Line, horizontals: Sequence[Rule], max_height: float = 70.0) -> Optional[tuple[float, float]]:
    """The two horizontal rules enclosing a line (a table row), if it sits between two close ones."""
    x0, x1 = line.words[0].x0, line.words[-1].x1
    above = [r.top for r in horizontals if r.top <= line.top + 2 and r.x0 <= x1 and r.x1 >= x0]
    below = [r.top for r in horizontals if r.top >= line.bottom - 2 and r.x0 <= x1 and r.x1 >= x0]
    if not above or not below:
        return None
    a, b = max(above), min(below)
    return (round(a, 1), round(b, 1)) if b - a <= max_height else None


def _merge(rows: list[tuple[str, float, float]], more: list[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    """Lay a further text line of one row into the cells it overlaps (a wrapped cell)."""
    out = list(rows)
    for text, x0, x1 in more:
        best = None
        for i, (t, a, b) in enumerate(out):
            overlap = min(b, x1) - max(a, x0)
            if overlap > 0 and (best is None or overlap > best[1]):
                best = (i, overlap)
        if best is None:
            out.append((text, x0, x1))
            out.sort(key=lambda c: c[1])
        else:
            i = best[0]
            t, a, b = out[i]
            out[i] = (join_parts(t, text), min(a, x0), max(b, x1))
    return out


def page_rows(page: PageWords) -> list[PageRow]:
    """The rows of one page, top to bottom."""
    verticals = _verticals(page.rules)
    horizontals = _horizontals(page.rules)
    rows: list[PageRow] = []
    current_band: Optional[tuple[float, float]] = None
    for line in _lines(page.words):
        cells = _split_cells(line, verticals)
        band = _band(line, horizontals) if horizontals else None
        if band is not None and band == current_band and rows:
            last = rows[-1]
            merged = _merge(list(zip(last.cells, (s[0] for s in last.spans), (s[1] for s in last.spans))), cells)
            rows[-1] = PageRow([c[0] for c in merged], [(c[1], c[2]) for c in merged], last.top, line.bottom)
            continue
        current_band = band
        rows.append(PageRow([c[0] for c in cells], [(c[1], c[2]) for c in cells], line.top, line.bottom))
    return rows
