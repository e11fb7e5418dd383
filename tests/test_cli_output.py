"""The CLI's output conventions as a user meets them: tables that fit 80 columns, formats that parse back,
-o -, --version, help on every option, traditional queries, a filter that removes every hit."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import typer.main
from rich.cells import cell_len
from typer.testing import CliRunner

from conftest import ROOT
from kg.cli import app

runner = CliRunner()


def run(*args, width: int | None = 80, code: int = 0):
    env = {"COLUMNS": str(width)} if width else {"COLUMNS": ""}
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def cells(line: str) -> list[str]:
    """A line as terminal cells (a wide character fills two)."""
    out = []
    for ch in line:
        out += [ch] + [""] * (cell_len(ch) - 1)
    return out


def columns_of(table: str, headers: list[str]) -> list[dict[str, str]]:
    """Rows of a rendered table, each column's wrapped lines joined back, split at the header positions.

    A new row starts where the file column starts a path (every row has one)."""
    lines = table.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith(headers[0]))
    starts = [len(cells(lines[head][: lines[head].index(h)])) for h in headers]
    rows: list[dict[str, str]] = []
    for line in lines[head + 2:]:
        if line.startswith("total:"):
            break
        c = cells(line)
        parts = {h: "".join(c[a:b]).strip() for h, a, b in zip(headers, starts, starts[1:] + [len(c)])}
        if parts["file"].startswith("examples/"):
            rows.append({h: "" for h in headers})
        for h in headers:
            rows[-1][h] += re.sub(r"\s+[\d,.]+$", "", parts[h])  # the amount beside a name's first line
    return rows


def test_search_at_80_columns_keeps_projects_apart_and_points_at_the_line(use_home, monkeypatch):
    monkeypatch.chdir(ROOT)  # places are shown relative to the current folder
    hits = json.loads(run("search", "选调生", "--type", "project", "--json").stdout)["hits"]
    assert len(hits) == 5
    out = run("search", "选调生", "--type", "project").stdout
    assert all(cell_len(line) <= 80 for line in out.splitlines()), out
    rows = columns_of(out, ["name", "file", "department"])
    names = [r["name"] for r in rows]
    assert sorted(names) == sorted(h["label"] for h in hits)
    assert len(set(names)) == 5  # all five distinguishable: no name cut short
    by_name = {h["label"]: h for h in hits}
    for row, name in zip(rows, names):
        path, line = row["file"].rsplit(":", 1)
        assert not path.startswith("/")  # relative to here
        assert (ROOT / path).resolve() == Path(by_name[name]["source"]["file"]).resolve()
        assert int(line) == by_name[name]["source"]["line"]
        text = (ROOT / path).read_text(encoding="utf-8").splitlines()[int(line) - 1]
        assert name[:12] in text and name[-6:] in text  # the row that prints the project
        assert row["department"] == "中国共产党泽州县委员会组织部"


def test_policy_at_80_columns(use_home, monkeypatch):
    monkeypatch.chdir(ROOT)
    report = json.loads(run("policy", "晋财行【2025】110号", "--json").stdout)
    out = run("policy", "晋财行【2025】110号").stdout
    assert all(cell_len(line) <= 80 for line in out.splitlines()), out
    rows = columns_of(out, ["project", "file", "department"])
    assert sorted(r["project"] for r in rows) == sorted(p["name"] for p in report["projects"])
    assert all(re.fullmatch(r"examples/[\w.-]+\.txt:\d+", r["file"]) for r in rows)
    assert "total: 22.20 万元 in 2 projects" in out


@pytest.mark.parametrize("width", [40, 60, 120, 200])
def test_tables_fit_the_width_given(use_home, width):
    out = run("search", "选调生", width=width).stdout
    assert max(cell_len(line) for line in out.splitlines()) <= width
    assert "…" not in out.split("─")[-1].replace("【…", "")  # nothing cut short but the snippets' own ends


def test_piped_output_defaults_to_120_columns(use_home):
    out = run("search", "选调生", width=None).stdout
    widest = max(cell_len(line) for line in out.splitlines())
    assert 80 < widest <= 120


def test_every_format_parses_back(use_home):
    hits = json.loads(run("search", "选调生", "--json").stdout)["hits"]
    assert json.loads(run("search", "选调生", "--format", "json").stdout)["hits"] == hits
    nl = [json.loads(line) for line in run("search", "选调生", "--format", "nl").stdout.splitlines()]
    assert nl == hits
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        rows = list(csv.DictReader(io.StringIO(run("search", "选调生", "--format", fmt).stdout), delimiter=delimiter))
        assert [r["label"] for r in rows] == [h["label"] for h in hits]
        assert [r["source_line"] for r in rows] == [str(h["source"]["line"]) for h in hits]
        assert [r["amount_wan"] for r in rows] == ["" if h["amount_wan"] is None else f"{h['amount_wan']:g}" for h in hits]


@pytest.mark.parametrize("args", [["policy", "晋财行【2025】110号"], ["stats"], ["formats"], ["queries"],
                                  ["show", "村级管理费用（三保）"], ["neighbors", "晋财预[2020]52号"],
                                  ["path", "晋财预〔2020〕52号", "泽州县柳树口镇人民政府"], ["check"]])
def test_data_commands_take_every_format(use_home, args):
    code = 1 if args == ["check"] else 0  # the examples have error-level findings: kg check exits 1
    document = json.loads(run(*args, "--json", code=code).stdout)
    nl = [json.loads(line) for line in run(*args, "--format", "nl", code=code).stdout.splitlines()]
    rows = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv", code=code).stdout)))
    tsv = list(csv.DictReader(io.StringIO(run(*args, "--format", "tsv", code=code).stdout), delimiter="\t"))
    assert len(nl) == len(rows) == len(tsv)
    if isinstance(document, list):
        assert nl == document
    if args == ["check"]:
        assert len(nl) == sum(len(d["findings"]) for d in document["documents"]) > 0
    assert run(*args, code=code).stdout.strip()  # the table


def test_sparql_formats_parse_back(use_home):
    """json, xml, csv and tsv are the SPARQL 1.1 Query Results formats (read back by rdflib's parsers); nl plain."""
    from rdflib.query import Result

    q = ["sparql", "--query", "a_projects_citing_policy"]
    bindings = json.loads(run(*q, "--format", "json").stdout)["results"]["bindings"]
    nl = [json.loads(line) for line in run(*q, "--format", "nl").stdout.splitlines()]
    tsv = Result.parse(io.StringIO(run(*q, "--format", "tsv").stdout), format="tsv")
    xml = Result.parse(io.BytesIO(run(*q, "--format", "xml").stdout_bytes), format="xml")
    rows = list(csv.DictReader(io.StringIO(run(*q, "--csv").stdout)))
    assert len(bindings) == len(nl) == len(tsv) == len(xml) == len(rows) > 0
    projects = [r["project"] for r in nl]
    assert [b["project"]["value"] for b in bindings] == [r["project"] for r in rows] == projects
    assert [str(r["project"]) for r in tsv] == [str(r["project"]) for r in xml] == projects
    assert [r["amountWan"].datatype for r in tsv] == [r["amountWan"].datatype for r in xml] != [None] * len(xml)


def test_json_and_another_format_contradict(use_home):
    assert runner.invoke(app, ["stats", "--json", "--format", "csv"]).exit_code == 2


def test_dash_output_is_stdout(use_home, tmp_path):
    import rdflib

    file = tmp_path / "kg.ttl"
    run("export", "--format", "turtle", "--output", str(file))
    piped = run("export", "--format", "turtle", "-o", "-").stdout_bytes
    assert piped == file.read_bytes() and not (ROOT / "-").exists()
    assert len(rdflib.Graph().parse(data=piped, format="turtle")) > 1000
    svg = run("viz", "--policy", "泽组通字[2022]31号", "--format", "svg", "-o", "-").stdout
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    assert run("export", "--format", "csv", "-o", "-", code=2).stdout == ""


def test_version():
    from importlib.metadata import version

    assert run("--version").stdout.strip() == f"kg (budget-kg) {version('budget-kg')}"


def test_every_option_has_help():
    group = typer.main.get_command(app)
    missing = [f"kg {name} {p.opts[0]}" if not type(p).__name__.endswith("Argument") else f"kg {name} {p.name.upper()}"
               for name, cmd in [("", group), *group.commands.items()]
               for p in cmd.params if p.name != "help" and not getattr(p, "help", None)]
    assert not missing, missing


def test_traditional_query_finds_simplified_text(use_home):
    simplified = json.loads(run("search", "选调生", "--type", "project", "--json").stdout)["hits"]
    result = run("search", "選調生", "--type", "project", "--json")
    assert [h["label"] for h in json.loads(result.stdout)["hits"]] == [h["label"] for h in simplified]
    assert "选调生" in result.stderr  # a note says what was searched


def test_a_filter_that_removes_every_hit_says_so(use_home):
    total = len(json.loads(run("search", "选调生", "--limit", "1000", "--json").stdout)["hits"])
    result = run("search", "选调生", "--year", "2030", code=1)
    assert f"{total} hits for '选调生', none with --year 2030" in result.stderr
    assert "did you mean" not in result.stderr
    result = run("search", "选调生", "--type", "project", "--min-amount", "1000", code=1)
    assert "5 project hits for '选调生', none with --min-amount 1000" in result.stderr
    assert "no hits for '选调声'" in run("search", "选调声", code=1).stderr  # a word that is not there at all


def test_validate_conforms(use_home):
    result = run("validate")
    assert "conforms" in result.stderr
    assert json.loads(run("validate", "--json").stdout)["conforms"] is True


def test_validate_lists_violations(use_home, monkeypatch):
    import rdflib

    from kg.app import BudgetKG

    original = BudgetKG.rdflib_graph
    BKG = rdflib.Namespace("https://w3id.org/budget-kg/ontology#")

    def broken(self, backend="oxigraph"):
        g = original(self, "memory")
        project = sorted(g.subjects(rdflib.RDF.type, BKG.Project))[0]
        g.remove((project, BKG.department, None))
        return g

    monkeypatch.setattr(BudgetKG, "rdflib_graph", broken)
    result = run("validate", "--format", "nl", code=1)
    violations = [json.loads(line) for line in result.stdout.splitlines()]
    assert violations and all(v["severity"] == "Violation" for v in violations)
    assert any(v["path"] == str(BKG.department) for v in violations)
    table = run("validate", code=1)
    assert "bkg:department" in table.stdout and "does not conform" in table.stderr


def test_ingest_reports_each_file_as_it_finishes(tmp_path):
    """The library reports through callbacks: a known total from the first call, each outcome before the next file."""
    from conftest import EXAMPLES
    from kg.app import BudgetKG

    (tmp_path / "bad.txt").write_bytes(b"\x00\x01 not a budget")
    events = []
    outcomes = BudgetKG(tmp_path / "home").ingest(
        [str(EXAMPLES / "zezhou-liushukou-town-2026.txt"), str(tmp_path / "bad.txt"),
         str(EXAMPLES / "fengfeng-xiguyi-township-2024.txt")],
        progress=lambda done, total, current: events.append(("progress", done, total)),
        on_file=lambda o: events.append(("file", o.status)))
    assert [o.status for o in outcomes] == ["added", "failed", "added"]
    assert events == [("progress", 0, 3), ("file", "added"), ("progress", 1, 3), ("file", "failed"),
                      ("progress", 2, 3), ("file", "added"), ("progress", 3, 3)]


def test_ingest_prints_a_line_per_file_and_a_summary(tmp_path, monkeypatch):
    from conftest import EXAMPLES

    monkeypatch.setenv("KG_HOME", str(tmp_path / "home"))
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01 not a budget")
    result = run("ingest", str(EXAMPLES / "zezhou-liushukou-town-2026.txt"), str(tmp_path / "bad.txt"), code=1)
    assert result.stdout.count("✓") == 1 and "✗" in result.stderr
    assert "1 of 2 files ingested (1 added), 1 failed" in result.stderr
    again = run("ingest", str(EXAMPLES / "zezhou-liushukou-town-2026.txt"), "--format", "nl")
    assert json.loads(again.stdout)["status"] == "unchanged"
    assert run("ingest", str(EXAMPLES), "--layout", "nope", code=2).exit_code == 2


def test_rdflib_graph_over_oxigraph_holds_the_export(use_home):
    import rdflib

    from kg.app import BudgetKG

    kg = BudgetKG()
    fast, copy = kg.rdflib_graph(), kg.rdflib_graph("memory")
    assert isinstance(fast, rdflib.Graph) and len(fast) == len(copy) > 10000
    def plain(t):  # literals by value: Oxigraph keeps canonical forms (12 for 12.0) and writes xsd:string out
        return ("literal", t.value if t.value is not None else str(t), t.language) if isinstance(t, rdflib.Literal) else t

    assert {tuple(map(plain, t)) for t in fast} == {tuple(map(plain, t)) for t in copy}
    q = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a <https://w3id.org/budget-kg/ontology#Project> }"
    assert int(next(iter(fast.query(q)))[0]) == int(next(iter(copy.query(q)))[0]) == 69
