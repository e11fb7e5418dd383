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


def next_year(text: str) -> str:
    """One example as if published for the next year (a second year of the same department)."""
    return text.replace("2026", "2027").replace("2025", "2026")


@pytest.fixture(scope="session")
def two_year_documents(kg_home) -> list:
    """The stored examples plus the 组织部 document published again for 2027."""
    from kg.ingest import parse_bytes
    from kg.store import Store

    src = sorted(EXAMPLES.glob("*party-organization*"))[0].read_text(encoding="utf-8")
    extra = parse_bytes(next_year(src).encode("utf-8"), "examples-2027/party-organization-2027.txt").document
    assert extra is not None and extra.department.fiscal_year == 2027
    return list(Store(kg_home).documents()) + [extra]


def bundled_rows(ox, name: str) -> list[dict]:
    """A bundled query (exports/queries/NAME) run on an Oxigraph store, as dicts by column."""
    from kg.graph.sparql import rows, run

    header, body = rows(run(ox, (ROOT / "exports" / "queries" / name).read_text(encoding="utf-8")))
    return [dict(zip(header, r)) for r in body]
