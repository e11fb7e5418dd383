"""Words with positions: the seam between page loaders (PDF text layer, OCR) and the row builder.

A PDF's text layer and an OCR engine both give words with boxes; everything after that
(rows from positions, cells, tables) is written once, whichever produced the words.
Coordinates are in PDF points from the top-left corner of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Word:
    """One word (or CJK run) as the loader saw it."""

    text: str
    """The characters, as extracted or recognised."""
    x0: float
    """Left edge."""
    x1: float
    """Right edge."""
    top: float
    """Upper edge."""
    bottom: float
    """Lower edge."""
    confidence: Optional[float] = None
    """OCR confidence 0..100; None for a text layer (exact by construction)."""


@dataclass(frozen=True)
class Rule:
    """A ruling line or rectangle edge drawn on the page (table grid), horizontal or vertical."""

    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(frozen=True)
class PageWords:
    """Everything a row builder needs from one page."""

    number: int
    """1-based page number in the file."""
    width: float
    height: float
    words: tuple[Word, ...]
    rules: tuple[Rule, ...] = ()
    """Ruling lines: drawn in a text-layer PDF, found in the image (and erased before recognition) by OCR."""
    ocr: bool = False
    """True when the words came from OCR rather than a text layer."""
