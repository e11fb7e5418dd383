"""Bad files in a batch: one clear line each, the rest still goes in, nothing stored is damaged."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from conftest import EXAMPLES
from kg.cli import app
from kg.store import Store

runner = CliRunner()


def make_batch(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    good = sorted(EXAMPLES.glob("*.txt"))[:2]
    for p in good:
        shutil.copy(p, batch / p.name)
    (batch / "empty.txt").write_bytes(b"")
    (batch / "scan.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    (batch / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (batch / "notes.txt").write_text("会议纪要\n今天讨论了天气。\n", encoding="utf-8")
    text = good[0].read_text(encoding="utf-8")
    (batch / "truncated.txt").write_text(text[: len(text) // 3], encoding="utf-8")
    (batch / "latin1.txt").write_bytes("caf\xe9 ".encode("latin-1") * 3 + b"\xff\xfe\xfa")
    return batch, good


def test_batch_with_bad_files(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_HOME", str(tmp_path / "home"))
    batch, good = make_batch(tmp_path)
    result = runner.invoke(app, ["ingest", str(batch), "--json"])
    assert result.exit_code == 1, result.output
    outcomes = {o["source"].split("/")[-1]: o for o in json.loads(result.stdout)}
    for p in good:
        assert outcomes[p.name]["status"] == "added"
    codes = {name: o["problems"][0]["code"] for name, o in outcomes.items() if o["status"] == "failed"}
    assert codes == {"empty.txt": "empty-file", "scan.pdf": "bad-pdf", "photo.txt": "binary-file",
                     "notes.txt": "unrecognised-layout", "truncated.txt": "truncated-document",
                     "latin1.txt": "bad-encoding"}
    assert len(Store().documents()) == 2


def test_each_bad_file_gets_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_HOME", str(tmp_path / "home"))
    batch, good = make_batch(tmp_path)
    result = runner.invoke(app, ["ingest", str(batch)])
    assert result.exit_code == 1
    failures = [line for line in result.stderr.splitlines() if line.startswith("✗")]
    assert len(failures) == 6
    assert any("scan.pdf" in f and "cannot be opened" in f and "download it again" in f for f in failures)
    assert any("notes.txt" in f and "--format" in f for f in failures)


def test_failed_run_keeps_what_was_stored(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_HOME", str(tmp_path / "home"))
    first = sorted(EXAMPLES.glob("*.txt"))[0]
    assert runner.invoke(app, ["ingest", str(first)]).exit_code == 0
    before = Store().documents()
    batch, _ = make_batch(tmp_path)
    shutil.copy(first, batch / "again.txt")
    runner.invoke(app, ["ingest", str(batch)])
    after = {d.source: d for d in Store().documents()}
    assert before[0].source in after and after[before[0].source] == before[0]


def test_gb18030_and_crlf_inputs_read_the_same(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_HOME", str(tmp_path / "home"))
    src = sorted(EXAMPLES.glob("*liushukou*"))[0]
    text = src.read_text(encoding="utf-8")
    (tmp_path / "gbk.txt").write_bytes(text.replace("\n", "\r\n").encode("gb18030"))
    (tmp_path / "bom.txt").write_bytes("\ufeff".encode("utf-8") + text.encode("utf-8"))
    result = runner.invoke(app, ["ingest", str(tmp_path / "gbk.txt"), str(tmp_path / "bom.txt"), "--json"])
    assert result.exit_code == 0, result.output
    docs = Store().documents()
    assert len(docs) == 2
    a, b = docs
    assert [p.name for p in a.projects] == [p.name for p in b.projects]
    assert a.totals == b.totals


def test_unknown_format_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_HOME", str(tmp_path / "home"))
    result = runner.invoke(app, ["ingest", str(EXAMPLES), "--format", "nope"])
    assert result.exit_code == 2
