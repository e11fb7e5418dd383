"""A store follows the readers: a file read by another version of them is read again on `kg ingest`, so a
fixed misreading never stays stored; `kg stats` says how many documents wait for that."""

from __future__ import annotations

import json

from conftest import EXAMPLES
from kg.app import BudgetKG
from kg.ingest.version import fingerprint, reader_version
from kg.store import Store

SOURCE = sorted(EXAMPLES.glob("*liushukou*"))[0]


def test_an_unchanged_file_read_by_the_same_readers_is_not_read_again(tmp_path):
    kg = BudgetKG(tmp_path / "home")
    assert [o.status for o in kg.ingest([str(SOURCE)])] == ["added"]
    (entry,) = Store(tmp_path / "home").manifest().values()
    assert entry["reader"] == reader_version()
    assert [o.status for o in kg.ingest([str(SOURCE)])] == ["unchanged"]
    assert kg.stats()["read_by_other_readers"] == 0


def test_a_file_read_by_other_readers_is_read_again(tmp_path, monkeypatch):
    kg = BudgetKG(tmp_path / "home")
    kg.ingest([str(SOURCE)])
    monkeypatch.setattr("kg.pipeline.reader_version", lambda: "0123456789abcdef")
    monkeypatch.setattr("kg.ingest.version.reader_version", lambda: "0123456789abcdef")
    assert kg.stats()["read_by_other_readers"] == 1
    assert [o.status for o in kg.ingest([str(SOURCE)])] == ["updated"]
    (entry,) = Store(tmp_path / "home").manifest().values()
    assert entry["reader"] == "0123456789abcdef"
    assert kg.stats()["read_by_other_readers"] == 0
    assert kg.search("村级组织").hits  # the index follows the new reading


def test_a_store_from_before_reader_versions_is_read_again(tmp_path):
    home = tmp_path / "home"
    kg = BudgetKG(home)
    kg.ingest([str(SOURCE)])
    store = Store(home)
    key = next(iter(store.manifest()))
    store.put(key, store.get(key))  # as stores were written before readers were versioned: no "reader"
    assert "reader" not in Store(home).manifest()[key]
    assert BudgetKG(home).stats()["read_by_other_readers"] == 1
    assert [o.status for o in BudgetKG(home).ingest([str(SOURCE)])] == ["updated"]


def test_the_version_changes_with_any_reader_file(tmp_path):
    (tmp_path / "pkg").mkdir()
    a, b = tmp_path / "pkg" / "a.py", tmp_path / "pkg" / "b.py"
    a.write_text("x = 1\n"), b.write_text("y = 2\n")
    before = fingerprint([a, b])
    assert fingerprint([a, b]) == before and len(before) == 16
    b.write_text("y = 3\n")
    assert fingerprint([a, b]) != before
    assert json.dumps(reader_version())  # a plain string, stored in the manifest


def test_doctor_names_documents_read_by_other_readers(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from kg.cli import app

    BudgetKG(tmp_path / "home").ingest([str(SOURCE)])
    monkeypatch.setenv("KG_HOME", str(tmp_path / "home"))
    monkeypatch.setattr("kg.ingest.version.reader_version", lambda: "0123456789abcdef")
    result = CliRunner().invoke(app, ["doctor", "--check"])
    assert result.exit_code == 0, result.output  # the store and index agree: nothing to repair
    assert "1 documents were read by another version" in result.output and SOURCE.name in result.output
