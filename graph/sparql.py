"""SPARQL over the exported RDF, on Oxigraph (rdflib's engine is 15-20x slower on budget-shaped data).

The store is loaded from the records once per store generation and kept on
disk under $KG_HOME/oxigraph, so repeated queries do not rebuild it. Queries
only: an update is refused before it reaches the engine.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Optional

from pyoxigraph import DefaultGraph, Quad, QueryBoolean, QueryResultsFormat, QuerySolutions, QueryTriples, RdfFormat, Store as OxStore

from kg.store import Store

from .rdf import PREFIXES, sorted_triples

_UPDATE = re.compile(r"^\s*(?:(?:PREFIX|BASE)\s[^\n]*\n\s*)*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
                     re.I | re.M)


class SparqlError(ValueError):
    """A query that cannot run; the message says why."""


def _strip_comments(query: str) -> str:
    return "\n".join(line for line in query.splitlines() if not line.lstrip().startswith("#"))


def open_store(store: Store) -> OxStore:
    """The Oxigraph store for the current records (rebuilt when the records changed)."""
    base = store.home / "oxigraph"
    current = base / store.generation()
    if current.exists() and (current / ".complete").exists():
        return OxStore.read_only(str(current))
    if base.exists():
        shutil.rmtree(base)
    current.mkdir(parents=True)
    ox = OxStore(str(current))
    ox.bulk_extend(as_quads(sorted_triples(store.documents())))
    ox.flush()
    del ox
    (current / ".complete").write_text("ok\n")
    return OxStore.read_only(str(current))


def as_quads(triples):
    graph = DefaultGraph()
    return (Quad(t.subject, t.predicate, t.object, graph) for t in triples)


def memory_store(triples) -> OxStore:
    ox = OxStore()
    ox.bulk_extend(as_quads(triples))
    return ox


def run(ox: OxStore, query: str):
    text = _strip_comments(query)
    if not text.strip():
        raise SparqlError("empty query; pass a SPARQL SELECT/ASK/CONSTRUCT query or --file Q.rq")
    if _UPDATE.search(text):
        raise SparqlError("updates are refused: the store is read-only (INSERT/DELETE/LOAD/CLEAR/DROP …); "
                          "change the documents and re-ingest instead")
    try:
        return ox.query(query, prefixes=PREFIXES)
    except SyntaxError as exc:
        raise SparqlError(f"SPARQL syntax error: {exc}") from None
    except OSError as exc:  # pragma: no cover
        raise SparqlError(str(exc)) from None


def to_json(result) -> bytes:
    if isinstance(result, (QuerySolutions, QueryBoolean)):
        return result.serialize(format=QueryResultsFormat.JSON)
    return result.serialize(format=RdfFormat.N_TRIPLES)


def to_csv(result) -> bytes:
    if isinstance(result, QuerySolutions):
        return result.serialize(format=QueryResultsFormat.CSV)
    if isinstance(result, QueryBoolean):
        return result.serialize(format=QueryResultsFormat.CSV)
    return result.serialize(format=RdfFormat.N_TRIPLES)


def rows(result) -> tuple[list[str], list[list[Optional[str]]]]:
    """Header and rows of plain values (IRIs shortened with the known prefixes)."""
    if isinstance(result, QueryBoolean):
        return ["result"], [[str(bool(result)).lower()]]
    if isinstance(result, QueryTriples):
        return ["subject", "predicate", "object"], [[_short(t.subject), _short(t.predicate), _short(t.object)] for t in result]
    names = [v.value for v in result.variables]
    out = []
    for solution in result:
        out.append([_short(solution[n]) if solution[n] is not None else None for n in names])
    return names, out


def _short(term) -> str:
    value = getattr(term, "value", str(term))
    if type(term).__name__ == "NamedNode":
        for prefix, ns in PREFIXES.items():
            if value.startswith(ns):
                return value[len(ns):] if prefix == "id" else f"{prefix}:{value[len(ns):]}"
    return value
