"""Ingest: budget files in, typed records (kg.model) out, problems reported as data.

Bytes go through a loader (``loaders/``: text, PDF, workbook) into one table model,
then through the layout whose tables it recognises (``layouts/``). The library never
prints; callers get a ``ParseResult`` per file and decide how to show it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Optional

from pydantic import BaseModel

from kg.model import BudgetDocument, Problem, Provenance, Totals

from .evidence import annotate
from .layouts import LAYOUTS, national
from .loaders import Place, TableDoc, load
from .tables import missing_toc_entries
from .textio import UnreadableFile

MIN_CONFIDENCE = 0.5
"""Below this detection score a file is reported as unrecognised rather than misread."""


@dataclass
class ParseResult:
    source: str
    document: Optional[BudgetDocument] = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.document is not None


def detect_layout(doc: TableDoc) -> tuple[Optional[str], float]:
    """The best-scoring layout and its score."""
    scored = sorted(((module.detect(doc), name) for name, module in LAYOUTS.items()), reverse=True)
    score, name = scored[0]
    return (name if score >= MIN_CONFIDENCE else None), score


def parse_bytes(data: bytes, source: str, layout: Optional[str] = None) -> ParseResult:
    """Load, detect and parse one file; never raises for bad input."""
    result = ParseResult(source)

    def fail(code: str, message: str) -> ParseResult:
        result.problems.append(Problem(code=code, file=source, severity="error", message=message))
        return result

    try:
        doc = load(data, source)
    except UnreadableFile as exc:
        return fail(exc.code, f"{exc}; {exc.hint}")
    if not doc.rows:
        reason = "; ".join(p.message for p in doc.problems) or "the file holds no text"
        return fail("no-text", f"nothing to read ({reason})")
    if doc.kind == "text":
        missing_parts = missing_toc_entries(doc.rows)
        if len(missing_parts) >= 2 and "预算" in doc.text[:5000]:
            return fail("truncated-document",
                        f"the table of contents lists {len(missing_parts)} parts that are not in the text "
                        f"(e.g. {missing_parts[-1]}); the file looks truncated: download or convert it again")
    if layout is not None and layout not in LAYOUTS:
        return fail("unknown-format", f"no layout named {layout!r}; run `kg formats` to list them")
    if layout is None:
        layout, score = detect_layout(doc)
        if layout is None:
            return fail("unrecognised-layout", _unrecognised(doc))
    if layout == national.NAME and not national.has_figures(doc):
        if national.figures_in_text(doc):
            return fail("unreadable-columns", "the standard tables are there but their figures are not in cells "
                        "(a text conversion that put every value on its own line); ingest the PDF itself")
        return fail("not-a-disclosure", "a blank form of the national budget tables (no figures"
                    + (", placeholders XX" if "XX" in doc.text else "") + "): nothing to ingest; "
                    "fill it in, or ingest the published disclosure")
    document = annotate(LAYOUTS[layout].parse(doc), doc.rows, doc.text)
    if doc.places:
        document = _placed(document, doc.places)
    problems = list(doc.problems) + list(document.problems)
    if layout == national.NAME:
        found, missing = national.found_and_missing(doc)
        if missing:
            problems.append(Problem(code="missing-standard-tables", file=source, severity="warning",
                                    message=f"found {len(found)} of 9 standard tables; missing: {'、'.join(missing)}"))
    document = document.model_copy(update={"sha256": hashlib.sha256(data).hexdigest(), "problems": tuple(problems)})
    missing = _missing_parts(document)
    if missing:
        flat = next((p for p in document.problems if p.code == "table-without-columns"), None)
        if flat is not None:
            return fail(flat.code, flat.message)
        return fail("incomplete-document", f"read as {layout} but found no {missing}; the file may be truncated "
                    "or of another layout (try `kg ingest --format NAME`)")
    if "XX" in document.department.name:
        return fail("not-a-disclosure", f"a template, not a disclosure (department «{document.department.name}»); "
                    "nothing to ingest")
    result.document = document
    result.problems.extend(document.problems)
    return result


def _unrecognised(doc: TableDoc) -> str:
    """Which standard tables the file has and lacks, instead of a bare score."""
    found, missing = national.found_and_missing(doc)
    if found:
        return (f"only {len(found)} of the 9 standard budget tables found ({'、'.join(found)}); missing "
                f"{'、'.join(missing)}: too little to read as a budget disclosure; if it is one of a layout `kg formats` "
                "lists, force it with `kg ingest --format NAME`")
    return ("not a budget disclosure this tool reads: none of the standard tables (收支总表 … “三公”经费表) "
            "and no layout of `kg formats` found; if it is one, force a parser with `kg ingest --format NAME`")


def _placed(obj, places: dict[int, Place]):
    """The same records with page / sheet / cell added to every provenance (and totals' pages)."""
    if isinstance(obj, Provenance):
        p = places.get(obj.line)
        return obj.model_copy(update={"page": p.page, "sheet": p.sheet, "cell": p.cell}) if p else obj
    if isinstance(obj, tuple):
        items = tuple(_placed(x, places) for x in obj)
        return items if any(a is not b for a, b in zip(items, obj)) else obj
    if isinstance(obj, BaseModel):
        updates = {}
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            new = _placed(value, places)
            if new is not value:
                updates[name] = new
        if isinstance(obj, Totals):
            pages = {k: places[v].page for k, v in obj.lines.items() if v in places and places[v].page}
            if pages:
                updates["pages"] = pages
        return obj.model_copy(update=updates) if updates else obj
    return obj



def _missing_parts(doc: BudgetDocument) -> Optional[str]:
    if not doc.department.name:
        return "department name"
    if doc.totals.income_total is None and doc.totals.expenditure_total is None and not doc.projects:
        return "budget tables (收支总表) and no projects"
    return None
