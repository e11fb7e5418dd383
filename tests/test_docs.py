"""Documentation that cannot drift: the CLI reference is generated, glossary identifiers exist in code."""

from __future__ import annotations

import re

from conftest import ROOT
from kg.clidoc import render


def test_cli_reference_is_current():
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == render(), "run `make docs`"


def test_glossary_identifiers_are_used_in_code():
    code = "\n".join(p.read_text(encoding="utf-8") for folder in ("kg", "ingest", "exports", "graph", "search", "ontology")
                     for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".ttl", ".rq"))
    rows = [line.split("|") for line in (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8").splitlines()
            if line.startswith("|") and not line.startswith(("|---", "| 中文"))]
    assert len(rows) > 40
    for row in rows:
        for ident in re.split(r"\s*/\s*|\s*,\s*", row[2].strip()):
            ident = ident.split(" (")[0].strip()
            if ident:
                assert re.search(rf"\b{re.escape(ident)}\b", code), ident
        for term in re.findall(r"bkg:\w+", row[3]):
            assert term in code, term
