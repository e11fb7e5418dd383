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
    """Every table as (header, rows), in a fixed order: what CSV files and .xlsx sheets hold. A projection of
    graph/facts.py: a row per printed figure, relation or entity, with the document it was read from."""
    from kg.graph.facts import Entity, Observation, Relation, facts

    projects, indicators, bases, functional = [], [], [], []
    totals, three_public, economic, income = [], [], [], []
    latest: dict = {}
    figures: dict = {}
    """Document key → its totals by budget item (and their lines), filled as its observations pass."""
    funding: dict = {}
    """Project → its target-table figures (元) by government level, as printed."""
    project_rows: dict = {}
    for fact in facts(documents, findings=False):
        if isinstance(fact, Entity):
            latest[fact.ref] = fact
            if fact.ref.kind == "document":
                a = fact.attrs
                doc = [a["file"], a["department"], a["fiscal_year"]]
                figures[fact.ref] = {}
            continue
        if isinstance(fact, Observation):
            dims = fact.dimensions
            if fact.dataset == "totals":
                figures[fact.subject][dims[0][1]] = (fact.value, fact.attrs["line"])
            elif fact.dataset == "income":
                key = fact.dimension("budget_type")
                income.append([*doc, key, BUDGET_FUNDS.get(key, key), number(fact.value), fact.attrs["line"]])
            elif fact.dataset == "project_funding" and fact.dimension("budget_type") == "unstated":
                funding.setdefault(fact.subject, {})[fact.dimension("government_level")] = fact.value
            continue
        subject, obj, a = latest.get(fact.subject), latest.get(fact.object), fact.attrs
        if fact.relation == "source" and fact.subject.kind == "department":
            totals.append(doc + [fact.object])  # figures filled in at the end, when all have passed
        elif fact.relation == "spends_on":
            functional.append([*doc, obj.attrs["code"], obj.attrs["level"], obj.label, number(a["amount_wan"]),
                               number(a["basic_wan"]), number(a["project_wan"]), a["line"]])
        elif fact.relation == "spends_on_economic":
            e = obj.attrs
            economic.append([*doc, e["code"], e["code_as_printed"], e["level"], obj.label, e["government_class"],
                             number(a["amount_wan"]), number(a["personnel_wan"]), number(a["public_use_wan"]),
                             a["line"]])
        elif fact.relation == "has_project":
            p = obj.attrs
            row = [*doc, obj.label, number(p["amount_wan"]), p["carryover"], p["project_code"], p["category"],
                   p["implementing_unit"], number(p["funding_total_yuan"]), [], p["line"]]
            projects.append(row)
            project_rows[fact.object] = row
        elif fact.relation == "cites":
            pol = obj.attrs
            project_rows[fact.subject][-2].append(obj.ref.key)
            bases.append([*doc, subject.label, pol["doc_number"], a["as_printed"], pol["title"], pol["issuer"],
                          a["line"]])
        elif fact.relation == "has_indicator":
            i = obj.attrs
            indicators.append([*doc, subject.label if fact.subject.kind == "project" else "", i["level1"], i["level2"],
                               obj.label, i["value"], i["comparator"], number(i["number"]), i["unit"], i["line"]])
    for row in totals:
        got = figures[row.pop()]
        totals_row = [number(got.get(k, (None,))[0]) for k in TOTAL_FIELDS]
        three_public.append(row + [number(got.get(k, (None,))[0]) for k in THREE_PUBLIC]
                            + [got.get("three_public", (None, None))[1]])
        row.extend(totals_row)
    for ref, row in project_rows.items():
        has = funding.get(ref)
        levels = [number(has.get(k)) if has else None for k in ("central", "provincial", "local", "self_raised", "other")]
        row[-2:-1] = levels + ["; ".join(row[-2])]
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
