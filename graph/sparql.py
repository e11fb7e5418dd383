"""SPARQL over the exported RDF, on Oxigraph (rdflib's engine is 15-20x slower on budget-shaped data).

The store is loaded from the records once per store generation and kept on
disk under $KG_HOME/oxigraph, so repeated queries do not rebuild it. Queries
only: an update is refused before it reaches the engine, and so is ``SERVICE``
(the engine would otherwise send HTTP requests to any host a query names).

``execute`` is what the CLI and the HTTP server call: Oxigraph cannot interrupt a query
in-process, so the query runs in a child process that is killed when its time is up,
whose resident memory is watched (an ORDER BY over a huge product is stopped at the budget
instead of exhausting the machine), and that stops after ``max_rows`` rows. Rows are streamed back in batches, so
the first rows print while the rest are still being computed. kg.graph.sparql_results writes them out.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Union

from pyoxigraph import (BlankNode, DefaultGraph, Literal, NamedNode, Quad, QueryBoolean, QuerySolutions, QueryTriples,
                        Store as OxStore)

from kg.store import Store

from .rdf import PREFIXES, sorted_triples

_UPDATE = re.compile(r"^\s*(?:(?:PREFIX|BASE)\s[^\n]*\n\s*)*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
                     re.I | re.M)
# strings (long and short), IRIs and comments are blanked before looking for keywords
_OPAQUE = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*')
_SERVICE = re.compile(r"\bSERVICE\b", re.I)
_BATCH = 500
_TICK = 0.05  # seconds between checks of the child's time and memory


class SparqlError(ValueError):
    """A query that cannot run; the message says why."""


class QueryLimitExceeded(SparqlError):
    """A query stopped because it ran past its time or memory budget; the message says which and what to try."""


@dataclass(frozen=True)
class Limits:
    """Bounds on one query, so one careless query cannot hang or exhaust the machine."""

    timeout: float = 30.0
    """Seconds of wall-clock time before the query is stopped."""
    max_rows: int = 10_000
    """Rows (or triples) returned at most; the rest is cut and the answer marked truncated."""
    max_memory_mb: int = 1024
    """Memory the query may add to its process (resident, in MB), checked every 50 ms; beyond it the query is stopped."""


def _strip_comments(query: str) -> str:
    return "\n".join(line for line in query.splitlines() if not line.lstrip().startswith("#"))


def check(query: str) -> None:
    """Refuse what must not reach the engine: empty queries, updates and SERVICE (no outbound requests)."""
    text = _strip_comments(query)
    if not text.strip():
        raise SparqlError("empty query; pass a SPARQL SELECT/ASK/CONSTRUCT/DESCRIBE query or --file Q.rq")
    if _UPDATE.search(text):
        raise SparqlError("updates are refused: the store is read-only (INSERT/DELETE/LOAD/CLEAR/DROP …); "
                          "change the documents and re-ingest instead")
    if _SERVICE.search(_OPAQUE.sub(" ", query)):
        raise SparqlError("SERVICE is refused: kg sparql answers from the local export only and makes no "
                          "outbound requests; download the other data and query it separately")


def open_store(store: Store) -> OxStore:
    """The Oxigraph store for the current records (rebuilt when the records changed)."""
    return OxStore.read_only(str(store_path(store)))


def store_path(store: Store) -> Path:
    """The folder of the on-disk Oxigraph store for the current records, built when missing or stale (the
    findings of ``kg check`` come from the store, kg.checks.stored, computed only where missing)."""
    from kg.checks.stored import StoredFindings

    base = store.home / "oxigraph"
    current = base / store.generation()
    if current.exists() and (current / ".complete").exists():
        return current
    if base.exists():
        shutil.rmtree(base)
    current.mkdir(parents=True)
    ox = OxStore(str(current))
    ox.bulk_extend(as_quads(sorted_triples(store.documents(), StoredFindings(store))))
    ox.flush()
    del ox
    (current / ".complete").write_text("ok\n")
    return current


def as_quads(triples):
    graph = DefaultGraph()
    return (Quad(t.subject, t.predicate, t.object, graph) for t in triples)


def memory_store(triples) -> OxStore:
    ox = OxStore()
    ox.bulk_extend(as_quads(triples))
    return ox


def run(ox: OxStore, query: str):
    """Run a checked query in this process, unbounded: for tests and benchmarks over known queries."""
    check(query)
    try:
        return ox.query(query, prefixes=PREFIXES)
    except SyntaxError as exc:
        raise SparqlError(f"SPARQL syntax error: {exc}") from None
    except OSError as exc:  # pragma: no cover
        raise SparqlError(str(exc)) from None


# ------------------------------------------------------------------ bounded, streamed execution

# A term crosses the process boundary as a plain tuple: (kind, value, datatype, language),
# kind one of "uri", "bnode", "literal" (the SPARQL JSON results names).
TermTuple = tuple


def _pack(term) -> Optional[TermTuple]:
    if term is None:
        return None
    if isinstance(term, NamedNode):
        return ("uri", term.value, None, None)
    if isinstance(term, BlankNode):
        return ("bnode", term.value, None, None)
    if isinstance(term, Literal):
        return ("literal", term.value, term.datatype.value, term.language)
    return ("literal", str(term), None, None)  # quoted triples (RDF-star): shown as text


def unpack(t: TermTuple):
    """A transported term as a pyoxigraph term again (for RDF writers)."""
    kind, value, datatype, language = t
    if kind == "uri":
        return NamedNode(value)
    if kind == "bnode":
        return BlankNode(value)
    if language:
        return Literal(value, language=language)
    return Literal(value, datatype=NamedNode(datatype)) if datatype else Literal(value)


def _child(conn, path: Optional[str], ox: Optional[OxStore], query: str, max_rows: int) -> None:
    """Runs in the child process: send ('head'|'rows'|'boolean'|'end'|'error', payload) messages."""
    try:
        if ox is None:
            ox = OxStore.read_only(path)
        try:
            result = ox.query(query, prefixes=PREFIXES)
        except SyntaxError as exc:
            conn.send(("error", f"SPARQL syntax error: {exc}"))
            return
        if isinstance(result, QueryBoolean):
            conn.send(("boolean", bool(result)))
            conn.send(("end", False))
            return
        if isinstance(result, QuerySolutions):
            names = [v.value for v in result.variables]
            conn.send(("head", ("solutions", names)))
            rows_of = lambda s: tuple(_pack(s[n]) for n in names)  # noqa: E731
        else:
            conn.send(("head", ("triples", ["subject", "predicate", "object"])))
            rows_of = lambda t: (_pack(t.subject), _pack(t.predicate), _pack(t.object))  # noqa: E731
        batch, n = [], 0
        for item in result:
            if n == max_rows:
                if batch:
                    conn.send(("rows", batch))
                conn.send(("end", True))
                return
            batch.append(rows_of(item))
            n += 1
            if len(batch) == _BATCH:
                conn.send(("rows", batch))
                batch = []
        if batch:
            conn.send(("rows", batch))
        conn.send(("end", False))
    except MemoryError:
        conn.send(("memory", None))
    except OSError as exc:
        conn.send(("error", str(exc)))
    finally:
        conn.close()


def _rss_bytes(pid: int) -> int:
    """Resident memory of a process (Linux /proc); 0 where it cannot be read."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class Answer:
    """A query's answer as it streams in: ``kind`` (solutions, triples, boolean), ``variables``,
    ``boolean``; iterate for rows of term tuples. ``truncated`` is known once iteration ends."""

    def __init__(self, proc, conn, limits: Limits, deadline: float):
        self._proc, self._conn, self.limits, self._deadline = proc, conn, limits, deadline
        self.truncated = False
        self.boolean: Optional[bool] = None
        self.count = 0
        self._done = False
        self._rss0 = _rss_bytes(proc.pid)
        kind, payload = self._receive()
        if kind == "boolean":
            self.kind, self.variables, self.boolean = "boolean", ["result"], payload
            self._receive()
            self._finish()
        else:
            self.kind, self.variables = payload

    def _receive(self):
        while not self._conn.poll(_TICK):
            if time.monotonic() >= self._deadline:
                self.close()
                raise QueryLimitExceeded(
                    f"the query was stopped at the time limit ({self.limits.timeout:g} s); narrow it (fewer unbound "
                    "triple patterns, a VALUES or FILTER, LIMIT) or raise --timeout")
            if _rss_bytes(self._proc.pid) - self._rss0 > self.limits.max_memory_mb * 1024 * 1024:
                self.close()
                raise QueryLimitExceeded(
                    f"the query was stopped at its memory budget ({self.limits.max_memory_mb} MB); add LIMIT, avoid "
                    "ORDER BY over a large product, narrow the patterns, or raise --memory")
        try:
            kind, payload = self._conn.recv()
        except EOFError:
            self._proc.join(1)
            code = self._proc.exitcode
            self.close()
            raise SparqlError(f"the query process ended without an answer (exit {code})") from None
        if kind == "error":
            self.close()
            raise SparqlError(payload)
        if kind == "memory":
            self.close()
            raise QueryLimitExceeded(f"the query ran out of its memory budget ({self.limits.max_memory_mb} MB); "
                                     "add LIMIT or narrow the patterns")
        return kind, payload

    def __iter__(self) -> Iterator[tuple]:
        while not self._done:
            kind, payload = self._receive()
            if kind == "end":
                self.truncated = payload
                self._finish()
                return
            for row in payload:
                self.count += 1
                yield row

    def _finish(self) -> None:
        self._done = True
        self.close()

    def close(self) -> None:
        """Stop the child (if still running) and release the pipe."""
        self._done = True
        if self._proc.is_alive():
            self._proc.kill()
        self._proc.join(5)
        self._conn.close()


def execute(target: Union[Store, OxStore, Path], query: str, limits: Limits = Limits()) -> Answer:
    """Run ``query`` bounded by ``limits`` in a child process; the answer streams in as it is iterated.

    ``target`` is the kg Store (its on-disk Oxigraph store is used), a folder of an Oxigraph store,
    or an in-memory Oxigraph store (handed to the child by fork)."""
    check(query)
    path: Optional[str] = None
    ox: Optional[OxStore] = None
    if isinstance(target, Store):
        path = str(store_path(target))
    elif isinstance(target, (str, Path)):
        path = str(target)
    else:
        ox = target
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, path, ox, query, limits.max_rows),
                       daemon=True)
    proc.start()
    child.close()
    return Answer(proc, parent, limits, time.monotonic() + limits.timeout)


# ------------------------------------------------------------------ rows for a screen (answers written out: sparql_results)


def short_rows(answer: Answer) -> Iterator[list[Optional[str]]]:
    """Rows of plain values, IRIs shortened with the known prefixes (for a table on screen)."""
    if answer.kind == "boolean":
        yield [str(answer.boolean).lower()]
        return
    for row in answer:
        yield [None if t is None else _short_value(t[0], t[1]) for t in row]


# ------------------------------------------------------------------ in-process helpers (tests)


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
    return _short_value("uri" if isinstance(term, NamedNode) else "other", value)


def _short_value(kind: str, value: str) -> str:
    if kind == "uri":
        for prefix, ns in PREFIXES.items():
            if value.startswith(ns):
                return value[len(ns):] if prefix == "id" else f"{prefix}:{value[len(ns):]}"
    return value


__all__ = ["Limits", "Answer", "execute", "check", "run", "rows", "SparqlError", "QueryLimitExceeded",
           "open_store", "store_path", "memory_store", "unpack", "short_rows"]
