"""Ingest: budget files in, typed records (kg.model) out, problems reported as data.

The library never prints; callers get a ``ParseResult`` per file and decide
how to show it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Optional

from kg.model import BudgetDocument, Problem

from .evidence import annotate
from .layouts import LAYOUTS
from .tables import missing_toc_entries, to_rows
from .textio import UnreadableFile, decode

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


def detect_layout(text: str) -> tuple[Optional[str], float]:
    """The best-scoring layout and its score."""
    scored = sorted(((module.detect(text), name) for name, module in LAYOUTS.items()), reverse=True)
    score, name = scored[0]
    return (name if score >= MIN_CONFIDENCE else None), score


def parse_bytes(data: bytes, source: str, layout: Optional[str] = None) -> ParseResult:
    """Decode, detect and parse one file; never raises for bad input."""
    result = ParseResult(source)
    try:
        text = decode(data).text
    except UnreadableFile as exc:
        result.problems.append(Problem(code=exc.code, message=f"{exc}; {exc.hint}", file=source, severity="error"))
        return result
    missing_parts = missing_toc_entries(to_rows(text))
    if len(missing_parts) >= 2 and "预算" in text[:5000]:
        result.problems.append(Problem(
            code="truncated-document", file=source, severity="error",
            message=f"the table of contents lists {len(missing_parts)} parts that are not in the text "
                    f"(e.g. {missing_parts[-1]}); the file looks truncated: download or convert it again"))
        return result
    if layout is not None and layout not in LAYOUTS:
        result.problems.append(Problem(code="unknown-format", file=source, severity="error",
                                       message=f"no layout named {layout!r}; run `kg formats` to list them"))
        return result
    if layout is None:
        layout, score = detect_layout(text)
        if layout is None:
            result.problems.append(Problem(
                code="unrecognised-layout", file=source, severity="error",
                message=f"not a budget disclosure layout this tool knows (best match {score:.0%}); "
                        "if it is one, force a parser with `kg ingest --format NAME` (see `kg formats`)"))
            return result
    document = annotate(LAYOUTS[layout].parse(text, source), text)
    document = document.model_copy(update={"sha256": hashlib.sha256(data).hexdigest()})
    missing = _missing_parts(document)
    if missing:
        result.problems.append(Problem(
            code="incomplete-document", file=source, severity="error",
            message=f"read as {layout} but found no {missing}; the file may be truncated or of another layout "
                    "(try `kg ingest --format NAME`)"))
        return result
    result.document = document
    result.problems.extend(document.problems)
    return result


def _missing_parts(doc: BudgetDocument) -> Optional[str]:
    if not doc.department.name:
        return "department name"
    if doc.totals.income_total is None and doc.totals.expenditure_total is None and not doc.projects:
        return "budget tables (收支总表) and no projects"
    return None
