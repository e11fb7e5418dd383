"""Excel workbooks (.xlsx, openpyxl): each sheet a table, merged cells resolved, every row keeps sheet and cell.

A merged range is one cell: its value stands in the top-left cell, whose extent
covers the merged columns; the other cells of the range are empty (a merged block of
prose is read once, not once per row it covers).
"""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

from ..tables import Row, clean_cell
from ..textio import UnreadableFile
from . import Place, TableDoc, text_of

NAME = "xlsx"


def sniff(data: bytes, source: str) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        return "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        return False


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        value = Decimal(repr(value))  # exact as stored, without binary float noise
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    return clean_cell(str(value))


def load(data: bytes, source: str) -> TableDoc:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise UnreadableFile("bad-workbook", f"the workbook cannot be opened ({exc.__class__.__name__})",
                             "open it in a spreadsheet program and save it again as .xlsx") from exc
    rows: list[Row] = []
    places: dict[int, Place] = {}
    lines: list[list[str]] = []
    for ws in workbook.worksheets:
        grid = [[_text(c.value) for c in r] for r in ws.iter_rows()]
        width = max((len(r) for r in grid), default=0)
        grid = [r + [""] * (width - len(r)) for r in grid]
        spans = [[(float(j), float(j + 1)) for j in range(width)] for _ in grid]
        for rng in ws.merged_cells.ranges:
            r0, c0, r1, c1 = rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, rng.max_col - 1
            if r0 >= len(grid) or c0 >= width:
                continue
            spans[r0][c0] = (float(c0), float(c1 + 1))
        for i, cells in enumerate(grid):
            texts = [c for c in cells if c]
            if not texts:
                continue
            lines.append(cells)
            line = len(lines)
            rows.append(Row(line, tuple(cells), tuple(spans[i])))
            first = next(j for j, c in enumerate(cells) if c)
            places[line] = Place(sheet=ws.title, cell=f"{get_column_letter(first + 1)}{i + 1}")
    return TableDoc(source=source, kind=NAME, text=text_of(lines), rows=tuple(rows), places=places)
