"""The CLI as a user meets it: counts, exports, exit codes."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from kg.cli import app

runner = CliRunner()


def test_formats_lists_the_layouts():
    data = json.loads(runner.invoke(app, ["formats", "--json"]).stdout)
    assert [d["name"] for d in data] == ["shanxi", "hebei", "national"]


def test_stats_counts_the_examples(use_home):
    data = json.loads(runner.invoke(app, ["stats", "--json"]).stdout)
    assert data["documents"] == 5 and data["departments"] == 5
    assert data["projects"] == 69
    assert data["by_layout"] == {"hebei": 2, "shanxi": 3}


def test_json_export_has_the_contract_keys(use_home, tmp_path):
    out = tmp_path / "kg.json"
    assert runner.invoke(app, ["export", "--format", "json", "--output", str(out)]).exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    doc = data["documents"][0]
    assert {"source", "department", "totals", "functional_spending", "projects", "department_indicators"} <= set(doc)
    assert {"name", "code", "province", "county", "fiscal_year", "doc_kind", "subunits"} <= set(doc["department"])
    project = next(p for d in data["documents"] for p in d["projects"] if p["funding_yuan"])
    assert {"name", "amount_wan", "carryover", "project_code", "category", "implementing_unit", "funding_yuan",
            "legal_basis", "indicators"} <= set(project)
    assert set(project["funding_yuan"]) == {"total", "central", "provincial", "local", "self_raised", "other"}
    assert "\\u" not in out.read_text(encoding="utf-8")


def test_csv_export_one_file_per_table(use_home, tmp_path):
    result = runner.invoke(app, ["export", "--format", "csv", "--output", str(tmp_path / "csv/")])
    assert result.exit_code == 0
    files = sorted(p.name for p in (tmp_path / "csv").iterdir())
    assert files == ["kg_economic_spending.csv", "kg_functional_spending.csv", "kg_income_by_source.csv",
                     "kg_indicators.csv", "kg_legal_bases.csv", "kg_projects.csv", "kg_three_public.csv", "kg_totals.csv"]
    raw = (tmp_path / "csv" / "kg_projects.csv").read_text(encoding="utf-8")
    assert raw.startswith("\ufeff")  # Excel reads Chinese UTF-8 only with a BOM
    rows = list(csv.DictReader(io.StringIO(raw.lstrip("\ufeff"))))
    assert len(rows) == 69
    row = next(r for r in rows if r["name"] == "村级管理费用（三保）")
    assert row["amount_wan"] == "260" and row["funding_local_yuan"] == "2600000" and row["legal_bases"] == "晋财预〔2020〕52号"


def test_export_of_empty_store_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_HOME", str(tmp_path / "empty"))
    result = runner.invoke(app, ["export", "--output", str(tmp_path / "x.json")])
    assert result.exit_code == 1 and "kg ingest" in result.stderr


def test_missing_path_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_HOME", str(tmp_path / "home"))
    result = runner.invoke(app, ["ingest", str(tmp_path / "nope.txt")])
    assert result.exit_code == 1 and "no such file" in result.stderr


def test_show_unknown_name(use_home):
    result = runner.invoke(app, ["show", "完全不存在的名字"])
    assert result.exit_code == 1 and "kg search" in result.stderr


def test_show_policy_by_any_bracket(use_home):
    data = json.loads(runner.invoke(app, ["show", "晋财行[2025]110号", "--json"]).stdout)
    assert data["kind"] == "policy" and data["label"] == "晋财行〔2025〕110号"
    assert len([n for n in data["neighbours"] if n["relation"] == "cites"]) == 2


def test_a_lost_index_is_rebuilt_by_the_next_command_and_by_reindex(tmp_path, monkeypatch):
    import shutil

    from conftest import EXAMPLES

    monkeypatch.setenv("KG_HOME", str(tmp_path / "home"))
    assert runner.invoke(app, ["ingest", str(EXAMPLES)]).exit_code == 0
    shutil.rmtree(tmp_path / "home" / "index")
    result = runner.invoke(app, ["search", "选调生", "--type", "project", "--json"])
    assert result.exit_code == 0, result.output  # the store holds them: the index is repaired, not reported missing
    assert len(json.loads(result.stdout)["hits"]) == 5
    assert "repaired the search index" in result.stderr
    shutil.rmtree(tmp_path / "home" / "index")
    assert runner.invoke(app, ["reindex"]).exit_code == 0
    data = json.loads(runner.invoke(app, ["search", "选调生", "--type", "project", "--json"]).stdout)
    assert len(data["hits"]) == 5


def test_check_reports_the_examples_findings(use_home, tmp_path):
    """The examples hold real errors (e.g. 组织部's 整体绩效 项目支出 3437.0599 vs 3486.86): exit 1, JSON, HTML."""
    page = tmp_path / "report.html"
    result = runner.invoke(app, ["check", "--json", "--html", str(page)])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["summary"]["error"] >= 1
    org = next(d for d in report["documents"] if "organization" in d["source"])
    f = next(f for f in org["findings"] if f["rule"] == "GJ-005")
    assert (f["expected"]["value"], f["found"]["value"]) == ("3486.86", "3437.0599")
    assert f["found"]["location"].endswith(":561") and "3437.0599万元" in f["found"]["excerpt"]
    assert "3437.0599" in page.read_text(encoding="utf-8")
    fengfeng = next(d for d in report["documents"] if "fengfeng" in d["source"])
    assert fengfeng["findings"] == []


def test_check_rules_lists_every_rule():
    from kg.checks import RULES

    result = runner.invoke(app, ["check", "--rules"])
    assert result.exit_code == 0
    for rule_id in RULES:
        assert rule_id in result.stdout
    assert runner.invoke(app, ["check", "--rule", "NOPE-1"]).exit_code == 2


def test_check_finds_what_does_not_add_up(tmp_path, monkeypatch):
    from conftest import EXAMPLES

    monkeypatch.setenv("KG_HOME", str(tmp_path / "home"))
    src = sorted(EXAMPLES.glob("*liushukou*"))[0].read_text(encoding="utf-8")
    # one project row and one functional row changed, as a careless edit of the tables would
    bad = src.replace("村级管理费用（三保）\t260.00\t260.00", "村级管理费用（三保）\t261.00\t261.00")
    bad = bad.replace("2101103\t公务员医疗补助\t14.13\t14.13\t", "2101103\t公务员医疗补助\t15.13\t14.13\t")
    bad = bad.replace("201\t一般公共服务支出\t713.98\t698.73\t15.25", "201\t一般公共服务支出\t713.98\t698.73\t16.25")
    assert bad.count("261.00") == 2 and "15.13" in bad and "16.25" in bad
    (tmp_path / "bad.txt").write_text(bad, encoding="utf-8")
    assert runner.invoke(app, ["ingest", str(tmp_path / "bad.txt")]).exit_code == 0
    result = runner.invoke(app, ["check", "--json"])
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["documents"][0]["findings"]
    rules = {f["rule"] for f in findings}
    assert {"GJ-001", "PJ-001", "B-007"} <= rules
    funding = next(f for f in findings if f["rule"] == "PJ-001")
    assert funding["expected"]["value"] == "261.00" and funding["found"]["value"] == "2600000"
    assert funding["expected"]["line"] and funding["found"]["line"]


def test_a_reader_that_stops_early_is_not_an_error(use_home):
    """`kg search … | head -c 10`, `kg export … -o - | head -c 100`: the reader closing the pipe ends kg with no
    error line and no traceback (the exit status is the shell's business: 0 or 1)."""
    import subprocess
    import sys

    for args in (["search", "资金", "--limit", "1000", "--format", "nl"], ["export", "--format", "json", "--output", "-"]):
        proc = subprocess.Popen([sys.executable, "-c", "from kg.cli import main; main()", *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout.read(10)
        proc.stdout.close()
        proc.wait(timeout=120)
        err = proc.stderr.read().decode("utf-8", "replace")
        assert proc.returncode in (0, 1) and err.strip() == "", (args, proc.returncode, err)
