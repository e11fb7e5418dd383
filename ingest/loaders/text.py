"""Text conversions (OCR tab rows, DOCX exports, markdown): decoded and cut into rows as before."""

from __future__ import annotations

from ..tables import to_rows
from ..textio import decode
from . import TableDoc

NAME = "text"


def sniff(data: bytes, source: str) -> bool:
    return True


def load(data: bytes, source: str) -> TableDoc:
    text = decode(data).text
    return TableDoc(source=source, kind=NAME, text=text, rows=to_rows(text))
