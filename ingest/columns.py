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
    """Figures of a row keyed by the nearest header column; without positions, in ``order`` when there
    are exactly as many figures as columns (otherwise a blank could be anywhere: nothing is guessed).

    ``skip`` drops that many leading figures first (the total read separately)."""
    found = figures(row)[skip:]
    out: dict[str, Optional[Decimal]] = {k: None for k in order}
    if not found:
        return out
    if all(x is not None for _, x in found) and centers:
        columns = sorted(((c, k) for k, c in centers.items() if k in out))
        found = sorted(found, key=lambda f: f[1])
        for (value, _), key in zip(found, _monotone([x for _, x in found], [c for c, _ in columns])):
            if key is not None:
                out[columns[key][1]] = value
        return out
    if len(found) == len(order):  # no positions: in order, only when every column holds a figure
        for key, (value, _) in zip(order, found):
            out[key] = value
    return out


def _monotone(xs: Sequence[float], cs: Sequence[float]) -> list[Optional[int]]:
    """Column index for each figure: figures and columns keep their left-to-right order, each column is used
    once, and the total distance is least (a figure under a wide parent heading then goes to the right child)."""
    n, m = len(xs), len(cs)
    if n > m:  # more figures than known columns: the extra ones are left out
        return [None] * n
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    cost[0] = [0.0] * (m + 1)
    for i in range(1, n + 1):
        for j in range(i, m + 1):
            cost[i][j] = min(cost[i][j - 1], cost[i - 1][j - 1] + abs(xs[i - 1] - cs[j - 1]))
    out: list[Optional[int]] = [None] * n
    i, j = n, m
    while i > 0:
        if j > i and cost[i][j] == cost[i][j - 1]:
            j -= 1
        else:
            out[i - 1] = j - 1
            i, j = i - 1, j - 1
    return out


def under_header(row: Row, header: Row) -> Row:
    """The row's cells moved into the header's columns by position (a PDF row prints only its non-empty cells)."""
    if not row.spans or not header.spans:
        return row
    cols = [center(sp) for c, sp in zip(header.cells, header.spans)]
    cells = [(center(sp), c) for c, sp in zip(row.cells, row.spans) if c.strip()]
    slots = [""] * len(header.cells)
    if len(cells) > len(cols):
        return row
    for (_, text), j in zip(cells, _monotone([x for x, _ in cells], cols)):
        if j is not None:
            slots[j] = text
    return Row(row.line, tuple(slots), tuple(header.spans), row.page)
