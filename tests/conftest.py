"""Shared fixtures: the shipped examples, parsed once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.exports.jsonout import document_json
from kg.ingest import parse_bytes

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def parsed() -> dict[str, dict]:
    """Example stem → its JSON export object."""
    out = {}
    for path in sorted(EXAMPLES.glob("*.txt")):
        result = parse_bytes(path.read_bytes(), f"examples/{path.name}")
        assert result.document is not None, result.problems
        out[path.stem] = document_json(result.document)
    return out


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def kg_home(tmp_path_factory) -> Path:
    """A store and index holding every example, built once through the real ingest pipeline."""
    from kg.pipeline import ingest_paths
    from kg.search.index import SearchIndex
    from kg.store import Store

    home = tmp_path_factory.mktemp("kg-home")
    store = Store(home)
    # the text examples the counts below were written for (examples/ also holds a PDF, tested in test_corpus)
    outcomes = ingest_paths([str(p) for p in sorted(EXAMPLES.glob("*.txt"))], store, index=SearchIndex(home))
    assert all(o.status == "added" for o in outcomes)
    return home


@pytest.fixture()
def use_home(kg_home, monkeypatch) -> Path:
    monkeypatch.setenv("KG_HOME", str(kg_home))
    return kg_home
