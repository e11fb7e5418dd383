"""CSV export for spreadsheet users: one file per table, UTF-8 with BOM so Excel shows Chinese correctly."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Sequence

from kg.model import BudgetDocument

from kg.graph.identity import BUDGET_FUNDS

from .jsonout import TOTAL_FIELDS, number


THREE_PUBLIC = ("three_public", "official_reception", "vehicle", "overseas_travel", "operating_costs")
"""三公 and its parts, with 机关运行经费 beside them (万元)."""


def tables(documents: Sequence[BudgetDocument]) -> dict[str, tuple[list[str], list[list]]]:
    """Every table as (header, rows), in a fixed order: what CSV files and .xlsx sheets hold."""
    from kg.graph.economic import coded_rows

    projects, indicators, bases, functional = [], [], [], []
    totals, three_public, economic, income = [], [], [], []
    for d in documents:
        dep = d.department.name
        year = d.department.fiscal_year
        t = d.totals
        totals.append([d.source, dep, year, *(number(getattr(t, k)) for k in TOTAL_FIELDS)])
        three_public.append([d.source, dep, year, *(number(getattr(t, k)) for k in THREE_PUBLIC),
                             t.lines.get("three_public")])
        for key, value in t.income_by_source.items():
            income.append([d.source, dep, year, key, BUDGET_FUNDS.get(key, key), number(value),
                           t.lines.get(f"income_by_source.{key}")])
        for r, code, level in coded_rows(d.economic_spending):
            economic.append([d.source, dep, year, code, r.code, level, r.name, r.government_class, number(r.total),
                             number(r.personnel), number(r.public_use), r.source.line])
        for p in d.projects:
            f = p.funding
            projects.append([d.source, dep, year, p.name, number(p.amount_wan), p.carryover, p.project_code, p.category,
                             p.implementing_unit, *(number(getattr(f, k)) if f else None for k in
                                                    ("total", "central", "provincial", "local", "self_raised", "other")),
                             "; ".join(b.key for b in p.legal_bases), p.source.line])
            for i in p.indicators:
                indicators.append([d.source, dep, year, p.name, i.level1, i.level2, i.name, i.value, i.parsed.comparator,
                                   number(i.parsed.number), i.parsed.unit, i.source.line])
            for b in p.legal_bases:
                bases.append([d.source, dep, year, p.name, b.doc_number, b.as_printed, b.title, b.issuer, b.source.line])
        for i in d.department_indicators:
            indicators.append([d.source, dep, year, "", i.level1, i.level2, i.name, i.value, i.parsed.comparator,
                               number(i.parsed.number), i.parsed.unit, i.source.line])
        for r in d.functional_spending:
            functional.append([d.source, dep, year, r.code, r.level, r.name, number(r.total), number(r.basic),
                               number(r.project), r.source.line])
    return {
        "projects": (["file", "department", "fiscal_year", "name", "amount_wan", "carryover", "project_code", "category",
                      "implementing_unit", "funding_total_yuan", "funding_central_yuan", "funding_provincial_yuan",
                      "funding_local_yuan", "funding_self_raised_yuan", "funding_other_yuan", "legal_bases", "line"], projects),
        "indicators": (["file", "department", "fiscal_year", "project", "level1", "level2", "name", "value",
                        "comparator", "number", "unit", "line"], indicators),
        "legal_bases": (["file", "department", "fiscal_year", "project", "doc_number", "as_printed", "title", "issuer",
                         "line"], bases),
        "functional_spending": (["file", "department", "fiscal_year", "code", "level", "name", "total_wan", "basic_wan",
                                 "project_wan", "line"], functional),
        "totals": (["file", "department", "fiscal_year", *(f"{k}_wan" for k in TOTAL_FIELDS)], totals),
        "three_public": (["file", "department", "fiscal_year", *(f"{k}_wan" for k in THREE_PUBLIC), "line"],
                         three_public),
        "economic_spending": (["file", "department", "fiscal_year", "code", "code_as_printed", "level", "name",
                               "government_class", "total_wan", "personnel_wan", "public_use_wan", "line"], economic),
        "income_by_source": (["file", "department", "fiscal_year", "budget_type", "budget_type_zh", "amount_wan", "line"],
                             income),
    }


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these is read as a formula by spreadsheet programs (CSV injection)."""


def safe_cell(value):
    """A text cell a spreadsheet will show as text: one starting like a formula gets a leading ``'``
    (the OWASP advice); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(documents: Sequence[BudgetDocument], output: Path, force: bool = False) -> list[Path]:
    """Write ``<stem>_<table>.csv`` next to ``output`` (or into it, if it is a folder); each file whole
    (kg.outputs), none at all if one exists and ``force`` is not given."""
    from kg.outputs import atomic_output, check_target

    output = Path(output)
    folder, stem = (output, "kg") if output.suffix == "" else (output.parent, output.stem)
    data = tables(documents)
    targets = {name: folder / f"{stem}_{name}.csv" for name in data}
    for path in targets.values():
        check_target(path, force)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (header, rows) in data.items():
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([safe_cell(v) for v in row] for row in rows)
        with atomic_output(targets[name], force) as tmp:
            tmp.write_text("\ufeff" + buf.getvalue(), encoding="utf-8")
        written.append(targets[name])
    return written
