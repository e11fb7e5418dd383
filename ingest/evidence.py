"""What a reader of the records needs to quote and locate evidence, added once after any layout parsed a file.

Checks (kg.checks) report two places and quote the two lines; the store keeps records, not text, so each
``Provenance`` gets the row printed at its line, and the document gets the list of titled tables it prints
(to tell a missing standard table from one printed empty). Layout parsers need not know about either.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from pydantic import BaseModel

from kg.model import BudgetDocument, LabelledFigure, PrintedTable, Provenance

from .tables import Row, parse_amount, sheets

EXCERPT_CHARS = 200
"""Longest quoted excerpt; longer rows are cut with an ellipsis."""

_TRAILING_NOTE = re.compile(r"[（(][^（()）]{1,12}[)）]$")
_UNIT = re.compile(r"单位[:：]\s*(万元|元)|[（(](万元|元)[)）]")
_LABEL_PREFIX = re.compile(r"^(?:其中[:：]?|[一二三四五六七八九十]+、|\d+[、.])")
MAX_LABELS = 80
_SPACES = re.compile(r"\s+")
_NOTE = re.compile(r"^(?:注|备注)|本表无数据|空表|无数据")


def annotate(document: BudgetDocument, rows: Sequence[Row], text: str) -> BudgetDocument:
    """The document with an excerpt on every provenance and the printed tables listed (``rows`` and ``text`` of
    the loader's table model: row lines index the text's lines)."""
    by_line = {r.line: "  ".join(r.texts) for r in rows}
    raw = text.split("\n")

    def excerpt(line: int) -> str:
        found = by_line.get(line)
        if found is None and 0 < line <= len(raw):
            found = " ".join(raw[line - 1].split())
        found = found or ""
        return found if len(found) <= EXCERPT_CHARS else found[:EXCERPT_CHARS - 1] + "…"

    document = _with_excerpts(document, document.source, excerpt)
    totals = document.totals.model_copy(update={"excerpts": {k: excerpt(v) for k, v in document.totals.lines.items()}})
    def prov(line: int) -> Provenance:
        return Provenance(file=document.source, line=line, excerpt=excerpt(line))

    tables = tuple(PrintedTable(title=s.title, figures=_figures(s.rows), note=_note(s.rows), unit=_unit(s.rows),
                                figures_by_label=_labelled(s.rows, prov), source=prov(s.line))
                   for s in sheets(rows) if _TRAILING_NOTE.sub("", s.title).endswith("表"))
    return document.model_copy(update={"tables": tables, "totals": totals})


def _with_excerpts(value: Any, file: str, excerpt) -> Any:
    if isinstance(value, Provenance):
        if value.excerpt is None and value.file == file:
            return value.model_copy(update={"excerpt": excerpt(value.line)})
        return value
    if isinstance(value, BaseModel):
        update = {}
        for name in type(value).model_fields:
            old = getattr(value, name)
            if isinstance(old, (BaseModel, tuple)):
                new = _with_excerpts(old, file, excerpt)
                if new is not old:
                    update[name] = new
        return value.model_copy(update=update) if update else value
    if isinstance(value, tuple) and value and isinstance(value[0], BaseModel):
        new = tuple(_with_excerpts(v, file, excerpt) for v in value)
        return new if any(a is not b for a, b in zip(new, value)) else value
    return value


def _figures(rows: tuple[Row, ...]) -> int:
    """Non-zero numbers in the table body; a row of column numbers (1 2 3 …) is not data."""
    count = 0
    for row in rows:
        values = [parse_amount(c) for c in row.texts]
        numbers = [v for v in values if v is not None]
        if len(numbers) >= 2 and numbers == list(range(1, len(numbers) + 1)):
            continue
        count += sum(1 for v in numbers if v != 0)
    return count


def _note(rows: tuple[Row, ...]) -> str | None:
    for row in rows:
        text = "".join(row.texts)
        if _NOTE.search(text) and len(text) <= 120:
            return text
    return None


def _unit(rows: tuple[Row, ...]) -> str | None:
    for row in rows[:6]:
        m = _UNIT.search("".join(row.texts))
        if m:
            return m.group(1) or m.group(2)
    return None


def _labelled(rows: tuple[Row, ...], prov) -> tuple[LabelledFigure, ...]:
    """Each label cell followed directly by a number, first occurrence of a label kept."""
    seen: dict[str, LabelledFigure] = {}
    for row in rows:
        cells = row.texts
        for label, value in zip(cells, cells[1:]):
            number = parse_amount(value)
            key = _LABEL_PREFIX.sub("", _SPACES.sub("", label))
            if number is None or not key or parse_amount(label) is not None or key in seen:
                continue
            seen[key] = LabelledFigure(label=key, value=number, source=prov(row.line))
            if len(seen) >= MAX_LABELS:
                return tuple(seen.values())
    return tuple(seen.values())
