"""Exports: the stored records written as JSON, CSV, RDF and graph files for other tools."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

from kg.model import BudgetDocument

if TYPE_CHECKING:
    from kg.checks.stored import FindingsOf

FORMATS = ("json", "csv", "xlsx", "turtle", "ntriples", "jsonld", "graphml", "gexf")


def write(documents: Sequence[BudgetDocument], fmt: str, output: Path,
          findings_of: Optional["FindingsOf"] = None) -> list[Path]:
    """Write ``documents`` in ``fmt``; returns the files written. The RDF and graph formats carry the findings of
    ``kg check``: ``findings_of(doc)`` gives them (kg.checks.stored), else they are computed."""
    output = Path(output)
    if fmt == "json":
        from .jsonout import export_json

        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(export_json(documents), encoding="utf-8")
        return [output]
    if fmt == "csv":
        from .csvout import write_csv

        return write_csv(documents, output)
    if fmt == "xlsx":
        from .xlsxout import write_xlsx

        return [write_xlsx(documents, output)]
    if fmt in ("turtle", "ntriples", "jsonld"):
        from kg.graph.rdf import write_rdf

        return [write_rdf(documents, fmt, output, findings_of)]
    if fmt in ("graphml", "gexf"):
        from kg.graph.build import write_graph

        return [write_graph(documents, fmt, output, findings_of)]
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
