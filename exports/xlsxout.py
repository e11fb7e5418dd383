"""The .xlsx export for spreadsheet users: one sheet per table of the CSV export (openpyxl).

Numbers are written as numbers, so sums work in the sheet. The file is byte-stable: the
workbook's created/modified times and the zip entries' times are fixed, so the same records
give the same file.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Sequence

from kg.model import BudgetDocument

from .csvout import safe_cell, tables

_EPOCH = dt.datetime(2000, 1, 1)


def write_xlsx(documents: Sequence[BudgetDocument], output: Path) -> Path:
    """Write every table as a sheet of ``output`` (a .xlsx file)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    output = Path(output)
    if output.suffix.lower() != ".xlsx":
        output = output.with_suffix(".xlsx") if output.suffix else output / "kg.xlsx"
    output.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    wb.remove(wb.active)
    for name, (header, rows) in tables(documents).items():
        ws = wb.create_sheet(title=name[:31])
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([safe_cell(v) for v in row])  # a text cell starting with = would be a formula
        ws.freeze_panes = "A2"
    wb.properties.created = wb.properties.modified = _EPOCH
    wb.properties.creator = "budget-kg"
    raw = io.BytesIO()
    wb.save(raw)
    output.write_bytes(_stable_zip(raw.getvalue()))
    return output


def _stable_zip(data: bytes) -> bytes:
    """The same zip with fixed entry and modified times, so two exports of the same records are byte-identical."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", data)
            dst.writestr(fixed, data)
    return out.getvalue()
