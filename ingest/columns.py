"""Figures under their headers, by position: the cell extents the PDF and workbook loaders keep.

A PDF row prints only the cells that hold something, so the third figure of a row
is not the third column. Each figure belongs to the header whose column centre is
nearest to the figure's centre. Text files carry no positions: their figures are
read in order, as before.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Optional, Sequence

from .tables import Row, compact, parse_amount


def center(span: tuple[float, float]) -> float:
    return (span[0] + span[1]) / 2


def header_centers(rows: Sequence[Row], labels: dict[str, str]) -> dict[str, float]:
    """Column centre of each label (key → regex over a compacted header cell), first match wins."""
    found: dict[str, float] = {}
    for row in rows:
        if not row.spans:
            continue
        for cell, span in zip(row.cells, row.spans):
            c = compact(cell)
            if not c:
                continue
            for key, pattern in labels.items():
                if key not in found and re.search(pattern, c):
                    found[key] = center(span)
                    break
    return found


def figures(row: Row) -> list[tuple[Decimal, Optional[float]]]:
    """Every amount in a row with its centre (None without positions)."""
    out = []
    for i, cell in enumerate(row.cells):
        value = parse_amount(cell)
        if value is not None:
            out.append((value, center(row.spans[i]) if i < len(row.spans) else None))
    return out


def assign(row: Row, centers: dict[str, float], order: Sequence[str], skip: int = 0) -> dict[str, Optional[Decimal]]:
    """Figures of a row keyed by the nearest header column; without positions, in ``order``.

    ``skip`` drops that many leading figures first (the total read separately)."""
    found = figures(row)[skip:]
    out: dict[str, Optional[Decimal]] = {k: None for k in order}
    if not found:
        return out
    if all(x is not None for _, x in found) and centers:
        taken: set[str] = set()
        for value, x in found:
            free = [(abs(c - x), k) for k, c in centers.items() if k not in taken and k in out]
            if not free:
                continue
            _, key = min(free)
            out[key] = value
            taken.add(key)
        return out
    for key, (value, _) in zip(order, found):
        out[key] = value
    return out
