"""The application object: every use case of budget-kg as one method returning plain data.

The CLI (kg/cli.py) parses arguments and prints what these methods return; the
server, the tests and the benchmarks call the same object. Nothing here prints;
long work reports progress through a callback. Everything a user can act on is
raised as one family of errors with codes (kg.errors).

``BudgetKG(home)`` owns the record store, the search index, the Oxigraph store
and the networkx graph. The documents and the graph are cached per store
generation, so a long-running server rebuilds them only after an ingest.

Heavy modules (pydantic model, networkx, Oxigraph, matplotlib) load on first use:
a `kg search` from the shell must stay quick.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Optional, Union

from kg.errors import BadQueryError, EmptyStoreError, KGError, NotFoundError, QueryLimitError, UsageError
from kg.store import Store

if TYPE_CHECKING:
    from kg.graph.charts import Chart
    import networkx as nx
    import rdflib

    from kg.checks import Report
    from kg.checks.stored import StoredFindings
    from kg.exports.bundled import BundledQuery
    from kg.model import BudgetDocument
    from kg.pipeline import FileOutcome
    from kg.search.query import SearchResult
    from kg.sync import Checkup, Drift

_SEARCH_LOCK = threading.Lock()
"""kg.search keeps one Whoosh searcher per process, and Whoosh's file readers are not thread-safe; the server
calls search from several threads at once, so searches take turns (each is a few milliseconds)."""

_FORK_LOCK = threading.Lock()
"""Each SPARQL query starts a child process by fork; two threads forking at once make filelock's fork guard
raise (RuntimeError), so the server's threads start their queries one at a time (the queries then run side
by side in their children)."""

Progress = Callable[[int, int, str], None]
"""progress(done, total, current_path), as kg.pipeline calls it."""

EXPORT_FORMATS = ("json", "csv", "xlsx", "turtle", "ntriples", "jsonld", "graphml", "gexf")
PICTURE_FORMATS = ("html", "png", "svg")


@dataclass(frozen=True)
class Picture:
    """A picture written to disk."""

    path: Path
    """The file written (its suffix follows the format)."""
    title: str
    """What it shows: the centre of a graph picture, or department and year of a chart."""
    nodes: Optional[int] = None
    """Nodes drawn (graph pictures only)."""
    edges: Optional[int] = None
    """Edges drawn (graph pictures only)."""
    notes: list[str] = field(default_factory=list)
    """Things the user should know (e.g. no CJK font installed)."""

    def as_dict(self) -> dict:
        return {"path": str(self.path), "title": self.title, "nodes": self.nodes, "edges": self.edges,
                "notes": self.notes}


def _guarded(rows: Iterator) -> Iterator:
    """Rows of a streamed answer; a limit reached meanwhile (time, memory) becomes QueryLimitError."""
    from kg.graph import sparql as sp

    try:
        yield from rows
    except sp.QueryLimitExceeded as exc:
        raise QueryLimitError(str(exc)) from None
    except sp.SparqlError as exc:
        raise BadQueryError(str(exc)) from None


class SparqlResult:
    """A bounded SPARQL answer as it streams in: SELECT solutions, an ASK boolean or CONSTRUCT/DESCRIBE triples.

    Rows arrive from the query's child process while they are read, so read it once: call one of
    the writers once. ``truncated`` says (after reading) that the row cap cut the answer."""

    def __init__(self, answer):
        self.answer = answer

    @property
    def kind(self) -> str:
        """``solutions``, ``boolean`` or ``triples``."""
        return self.answer.kind

    @property
    def truncated(self) -> bool:
        return self.answer.truncated

    def write(self, format: str) -> Iterator[bytes]:
        """The answer in ``format``, in pieces as its rows arrive (kg.graph.sparql_results writes it).

        SELECT/ASK: json, xml, csv, tsv (SPARQL 1.1 Query Results). CONSTRUCT/DESCRIBE: turtle, ntriples,
        jsonld, rdfxml, and json, xml, csv meaning JSON-LD, RDF/XML, N-Triples (tsv: the triples as rows).
        A format that cannot carry this kind of answer is a UsageError (the query is stopped)."""
        from kg.graph import sparql_results as sr

        fmt = sr.resolve(self.kind, format)
        if fmt is None:
            self.close()
            said = "CONSTRUCT/DESCRIBE" if self.kind == "triples" else "SELECT/ASK"
            raise UsageError(f"a {said} answer cannot be written as {format}; "
                             f"choose one of {', '.join(sr.formats_for(self.kind))}")
        return _guarded(sr.write(self.answer, fmt))

    def iter_json(self) -> Iterator[bytes]:
        """SPARQL 1.1 Query Results JSON row by row; compacted JSON-LD for triples."""
        return self.write("json")

    def iter_csv(self) -> Iterator[bytes]:
        """SPARQL 1.1 Query Results CSV row by row; N-Triples for triples."""
        return self.write("csv")

    def to_json(self) -> bytes:
        return b"".join(self.iter_json())

    def to_csv(self) -> bytes:
        return b"".join(self.iter_csv())

    def close(self) -> None:
        """Stop the query (when its answer is not wanted after all) and release its process."""
        self.answer.close()

    def table(self) -> tuple[list[str], list[list[Optional[str]]]]:
        """Header and rows of plain values, IRIs shortened with the known prefixes."""
        from kg.graph import sparql as sp

        return list(self.answer.variables), list(_guarded(sp.short_rows(self.answer)))


@dataclass(frozen=True)
class Violation:
    """One SHACL result: which node breaks which constraint of ontology/shapes.ttl."""

    focus: str
    """The node that fails (IRI)."""
    path: Optional[str]
    """The property concerned (IRI), when the constraint is about one."""
    message: str
    """What is wrong, as the shape or pyshacl words it."""
    severity: str
    """Violation, Warning or Info."""
    shape: Optional[str] = None
    """The shape (IRI) whose constraint failed."""
    value: Optional[str] = None
    """The offending value, when there is one."""

    def as_dict(self) -> dict:
        return {"focus": self.focus, "path": self.path, "message": self.message, "severity": self.severity,
                "shape": self.shape, "value": self.value}


@dataclass(frozen=True)
class Validation:
    """The outcome of ``kg validate``."""

    conforms: bool
    """True when the RDF export meets every shape."""
    triples: int
    """Triples validated."""
    violations: list[Violation]
    """Empty when it conforms; sorted by focus node."""

    def as_dict(self) -> dict:
        return {"conforms": self.conforms, "triples": self.triples,
                "violations": [v.as_dict() for v in self.violations]}


def _violations(report) -> list[Violation]:
    """pyshacl's results graph read into Violation records."""
    from rdflib.namespace import SH

    found = []
    for r in report.subjects(SH.resultSeverity, None):
        def one(p):
            v = report.value(r, p)
            return None if v is None else str(v)
        severity = (one(SH.resultSeverity) or "").rsplit("#", 1)[-1]
        found.append(Violation(one(SH.focusNode) or "", one(SH.resultPath), one(SH.resultMessage) or "",
                               severity, one(SH.sourceShape), one(SH.value)))
    return sorted(found, key=lambda v: (v.focus, v.path or "", v.message))


class BudgetKG:
    """budget-kg over one home folder ($KG_HOME): the store, the search index, Oxigraph and the graph."""

    def __init__(self, home: Union[str, Path, None] = None):
        self.store = Store(Path(home) if home is not None else None)
        self.home = self.store.home
        self._lock = threading.Lock()
        self._generation: Optional[str] = None
        self._docs: Optional[list["BudgetDocument"]] = None
        self._graph: Optional["nx.MultiDiGraph"] = None
        self._oxigraph = None
        self._findings: Optional["StoredFindings"] = None

    # ------------------------------------------------------------ cached state

    def generation(self) -> str:
        """The store's generation as on disk now (another process may have ingested meanwhile)."""
        return Store(self.home).generation()

    def _fresh(self) -> None:
        gen = self.generation()
        if gen != self._generation:
            self._generation, self._docs, self._graph, self._oxigraph = gen, None, None, None
            self._findings = None

    def documents(self) -> list["BudgetDocument"]:
        """Every stored document, sorted by source path; cached per store generation."""
        with self._lock:
            self._fresh()
            if self._docs is None:
                self._docs = Store(self.home).documents()
            return self._docs

    def findings(self) -> "StoredFindings":
        """``doc → findings`` of ``kg check`` (all rules), kept with each stored document version and computed only
        where missing or stale (kg.checks.stored); cached per store generation."""
        with self._lock:
            self._fresh()
            return self._findings_locked()

    def _findings_locked(self) -> "StoredFindings":
        if self._findings is None:
            from kg.checks.stored import StoredFindings

            self._findings = StoredFindings(Store(self.home))
        return self._findings

    def _require_documents(self, hint: str = "run `kg ingest PATH` first") -> list["BudgetDocument"]:
        docs = self.documents()
        if not docs:
            raise EmptyStoreError(hint=hint)
        return docs

    def graph(self) -> "nx.MultiDiGraph":
        """The knowledge graph (networkx), built once per store generation. Raises EmptyStoreError."""
        docs = self._require_documents()
        with self._lock:
            if self._graph is None or self._docs is not docs:
                from kg.graph.build import build

                self._graph = build(docs, self._findings_locked())
            return self._graph

    def oxigraph(self):
        """The read-only Oxigraph store of the RDF export, loaded once per store generation. Raises EmptyStoreError."""
        if not Store(self.home).manifest():
            raise EmptyStoreError()
        with self._lock:
            self._fresh()
            if self._oxigraph is None:
                from kg.graph import sparql as sp

                self._oxigraph = sp.open_store(Store(self.home))
            return self._oxigraph

    def resolve(self, name: str, kind: Optional[str] = None) -> str:
        """The graph node a user named (exact label, id, document number, or a part of a name)."""
        from kg.graph.queries import NotFound, resolve

        try:
            return resolve(self.graph(), name, kind)
        except NotFound as exc:
            raise NotFoundError(str(exc)) from None

    # ------------------------------------------------------------ store and index

    def ingest(self, paths: Iterable[str], layout: Optional[str] = None,
               progress: Optional[Progress] = None, on_note: Optional[Callable[[str], None]] = None,
               max_file_mb: Optional[float] = None, file_seconds: Optional[float] = None,
               on_file: Optional[Callable[["FileOutcome"], None]] = None) -> list["FileOutcome"]:
        """Read files and folders into the store and the search index; one outcome per file, failures included.

        Waits for another run on the same home (``on_note`` hears that, and any repair of what a killed run
        left unindexed); ``max_file_mb`` and ``file_seconds`` bound what one file may cost (kg.pipeline.Limits).
        The files are listed first, so ``progress(done, total, current)`` knows the total from its first call;
        ``on_file(outcome)`` hears each file as soon as it is done (a CLI prints a line)."""
        from kg.ingest.layouts import LAYOUTS
        from kg.pipeline import Limits, ingest_paths
        from kg.search.index import SearchIndex

        paths = list(paths)
        if layout is not None and layout not in LAYOUTS:
            raise UsageError(f"no layout named {layout!r}; known: {', '.join(LAYOUTS)} (see `kg formats`)")
        return ingest_paths(paths, self.store, layout=layout, progress=progress, index=SearchIndex(self.home),
                            message=on_note, limits=Limits(max_file_mb, file_seconds), on_outcome=on_file)

    def reindex(self, on_note: Optional[Callable[[str], None]] = None) -> int:
        """Rebuild the search index from the stored records; returns the number of documents indexed."""
        from kg.search.index import SearchIndex

        store = Store(self.home)
        with store.locked(on_note):
            docs = {key: store.get(key) for key in store.manifest()}
            docs = {k: d for k, d in docs.items() if d is not None}
            if not docs:
                raise EmptyStoreError()
            SearchIndex(self.home).rebuild(docs, stamp=store.stamp())
        return len(docs)

    def ensure_index(self, on_note: Optional[Callable[[str], None]] = None):
        """Bring the search index up to the store if a killed or failed run left it behind (kg.sync); cheap
        when they agree, never waits for a running ingest, never raises for a read-only home. Returns the
        drift repaired, or None."""
        from kg.sync import ensure_in_step

        return ensure_in_step(Store(self.home), message=on_note)

    def doctor(self, fix: bool = True, on_note: Optional[Callable[[str], None]] = None,
               progress: Optional[Progress] = None) -> "Checkup":
        """Verify that store and index agree (every record loads, every stored version is searchable, nothing
        else is indexed) and, with ``fix``, repair them. Waits for a running ingest."""
        from kg.sync import doctor

        return doctor(Store(self.home), fix=fix, message=on_note, progress=progress)

    @staticmethod
    def formats() -> list[dict]:
        """The document layouts this tool can read: name, description, module."""
        from kg.ingest.layouts import LAYOUTS

        return [{"name": name, "description": m.DESCRIPTION, "module": m.__name__} for name, m in LAYOUTS.items()]

    def stats(self) -> dict:
        """Counts of what the store holds (zeros for an empty store) and the index's drift from it."""
        docs = self.documents()
        return {
            "documents": len(docs),
            "departments": len({d.department.name for d in docs}),
            "projects": sum(len(d.projects) for d in docs),
            "project_indicators": sum(len(p.indicators) for d in docs for p in d.projects),
            "department_indicators": sum(len(d.department_indicators) for d in docs),
            "legal_bases": len({b.key for d in docs for b in d.legal_bases}),
            "citations": sum(len(d.legal_bases) for d in docs),
            "functional_rows": sum(len(d.functional_spending) for d in docs),
            "problems": sum(len(d.problems) for d in docs),
            "by_layout": {layout: sum(1 for d in docs if d.layout == layout)
                          for layout in sorted({d.layout for d in docs})},
            "index_drift": self.drift().as_dict(),
        }

    def drift(self) -> "Drift":
        """How the search index differs from the store now (all zero when every stored document is searchable)."""
        from kg.search.index import SearchIndex
        from kg.sync import drift

        return drift(Store(self.home), SearchIndex(self.home))

    def check(self, rules: Optional[Iterable[str]] = None) -> "Report":
        """Every finding of the consistency rules (default all) on each stored document, in source order.

        The findings are those kept with the store (computed once per document version, kg.checks.stored);
        ``rules`` picks from them, as running only those rules would."""
        from kg.checks import RULES, Report

        rules = list(rules or [])
        unknown = [r for r in rules if r not in RULES]
        if unknown:
            raise UsageError(f"no rule {', '.join(unknown)}", "`kg check --rules` lists them")
        docs = self._require_documents()
        found, wanted = self.findings(), set(rules)
        return Report(tuple((d.source, tuple(f for f in found(d) if not wanted or f.rule in wanted)) for d in docs))

    @staticmethod
    def check_rules() -> list[dict]:
        """The consistency rules: id, severity, Chinese title, one English sentence, the anchor rule it matches."""
        from kg.checks import RULES

        return [{"id": r.id, "severity": r.severity, "title": r.title, "description": r.description,
                 "anchor": r.anchor} for r in RULES.values()]

    def export(self, format: str, output: Union[str, Path], force: bool = False) -> list[Path]:
        """Write the store as JSON, CSV (one file per table), .xlsx (one sheet per table), RDF or a graph file;
        returns the files written. Each file is written whole and renamed into place (kg.outputs); an
        existing file is replaced only with ``force``."""
        if format not in EXPORT_FORMATS:
            raise UsageError(f"unknown export format {format!r}; choose one of {', '.join(EXPORT_FORMATS)}")
        docs = self._require_documents("run `kg ingest PATH` first (store: $KG_HOME, default ./.kg)")
        from kg.exports import write

        output = Path(output)
        if format == "csv":
            from kg.exports.csvout import write_csv

            return write_csv(docs, output, force)
        from kg.outputs import atomic_output

        if format == "xlsx" and output.suffix.lower() != ".xlsx":  # the name the xlsx writer would choose
            output = output.with_suffix(".xlsx") if output.suffix else output / "kg.xlsx"
        with atomic_output(output, force) as tmp:
            write(docs, format, tmp, self.findings())
        return [output]

    # ------------------------------------------------------------ search

    def search(self, query: str, type: Optional[str] = None, department: Optional[str] = None,
               year: Optional[int] = None, min_amount: Optional[float] = None, max_amount: Optional[float] = None,
               limit: int = 20) -> "SearchResult":
        """Ranked hits with facets, suggestions and notes; an empty hit list is an answer, not an error."""
        from kg.search.query import QueryError, search as run

        try:
            with _SEARCH_LOCK:
                return run(self.home, query, type=type, department=department, year=year,
                           min_amount=min_amount, max_amount=max_amount, limit=limit)
        except QueryError as exc:
            raise BadQueryError(str(exc)) from None

    def unfiltered_hits(self, query: str, type: Optional[str] = None) -> int:
        """How many hits ``query`` has without the department/year/amount filters (``type`` kept when given).

        Lets a front end say "12 hits for '选调生', none with --year 2030" instead of suggesting other words."""
        return len(self.search(query, type=type, limit=10_000).hits)

    # ------------------------------------------------------------ graph questions

    def policy(self, number: str) -> dict:
        """A policy (number in any bracket style, or a title), the projects citing it and their total."""
        from kg.graph.queries import NotFound, policy_report

        try:
            return policy_report(self.documents(), number)
        except NotFound as exc:
            raise NotFoundError(str(exc)) from None

    def show(self, name: str) -> dict:
        """A node with its attributes and every neighbour, the relation and its amounts."""
        from kg.graph.queries import describe

        return describe(self.graph(), self.resolve(name))

    def neighbors(self, name: str, depth: int = 1) -> dict:
        """``{"center", "nodes", "edges"}``: the nodes within ``depth`` hops (source documents left out)."""
        from kg.graph.queries import neighbourhood

        if not 1 <= depth <= 4:
            raise UsageError(f"depth {depth} is out of range; choose 1 to 4")
        g = self.graph()
        node = self.resolve(name)
        sub = neighbourhood(g, node, depth)
        nodes = [{"id": n, **a} for n, a in sorted(sub.nodes(data=True))]
        edges = [{"source": u, "target": v, **d}
                 for u, v, d in sorted(sub.edges(data=True), key=lambda e: (e[0], e[1]))]
        return {"center": node, "nodes": nodes, "edges": edges}

    def path(self, source: str, target: str) -> list[dict]:
        """The shortest chain of relations between two nodes: id, kind, label, relation_to_next per step."""
        from kg.graph.queries import NotFound, shortest_path

        g = self.graph()
        a, b = self.resolve(source), self.resolve(target)
        try:
            return shortest_path(g, a, b)
        except NotFound as exc:
            raise NotFoundError(str(exc)) from None

    # ------------------------------------------------------------ SPARQL

    @staticmethod
    def queries() -> list["BundledQuery"]:
        """The competency queries shipped with the package."""
        from kg.exports.bundled import bundled_queries

        return list(bundled_queries().values())

    @staticmethod
    def bundled_query(name: str) -> "BundledQuery":
        """A shipped query by name or letter (``a`` → ``a_projects_citing_policy``)."""
        from kg.exports.bundled import bundled_queries, find_query

        found = find_query(name)
        if found is None:
            raise UsageError(f"no bundled query named {name!r}; known: {', '.join(bundled_queries())}",
                             "see `kg queries`")
        return found

    def sparql(self, query: Optional[str] = None, name: Optional[str] = None, *, timeout: float = 30.0,
               max_rows: int = 10_000, max_memory_mb: int = 1024) -> SparqlResult:
        """Run a read-only SPARQL query (text, or a bundled query by ``name``) over the RDF export.

        Bounded: the query runs in a child process stopped after ``timeout`` seconds or beyond
        ``max_memory_mb``, and at most ``max_rows`` rows come back (QueryLimitError otherwise);
        SERVICE and updates are refused (BadQueryError)."""
        from kg.graph import sparql as sp

        if (query is None) == (name is None):
            raise UsageError("give a query or the name of a bundled query (one of them)")
        if timeout <= 0 or max_rows < 1 or max_memory_mb < 64:
            raise UsageError("the time limit must be > 0 s, the row cap >= 1 and the memory budget >= 64 MB")
        if name is not None:
            query = self.bundled_query(name).text
        if not Store(self.home).manifest():
            raise EmptyStoreError()
        try:
            sp.check(query)
            with self._lock:
                self._fresh()
                path = sp.store_path(Store(self.home))
            with _FORK_LOCK:
                answer = sp.execute(path, query, sp.Limits(timeout, max_rows, max_memory_mb))
            return SparqlResult(answer)
        except sp.QueryLimitExceeded as exc:
            raise QueryLimitError(str(exc)) from None
        except sp.SparqlError as exc:
            raise BadQueryError(str(exc)) from None

    # ------------------------------------------------------------ rdflib and SHACL

    def rdflib_graph(self, backend: str = "oxigraph") -> "rdflib.Graph":
        """The RDF export as an rdflib ``Graph``, the Python RDF API people know.

        ``backend="oxigraph"`` (default) wraps the store ``kg sparql`` reads through oxrdflib: no
        copy, opened in milliseconds, ``graph.query`` runs in Oxigraph; the graph is read-only.
        ``backend="memory"`` parses the export into rdflib's own in-memory store (a private,
        writable copy, slower to build). The two hold the same triples by value, but Oxigraph gives
        literals canonical forms (``12`` for decimal ``12.0``) and simple literals their RDF 1.1
        datatype (``Literal("x", datatype=XSD.string)``), which rdflib does not count as equal to
        the parsed ``Literal("x")``: compare values, not terms. Raises EmptyStoreError."""
        import rdflib

        if backend == "oxigraph":
            from oxrdflib import OxigraphStore
            from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

            return rdflib.Graph(store=OxigraphStore(store=self.oxigraph()), identifier=DATASET_DEFAULT_GRAPH_ID)
        if backend == "memory":
            from kg.graph.rdf import serialize_rdf, sorted_triples

            data = serialize_rdf(sorted_triples(self._require_documents(), self.findings()), "ntriples")
            return rdflib.Graph().parse(data=data, format="nt")
        raise UsageError(f"unknown rdflib backend {backend!r}; choose oxigraph or memory")

    def validate(self) -> "Validation":
        """The RDF export checked against the SHACL shapes (ontology/shapes.ttl) with pyshacl.

        Validates a parsed in-memory copy: pyshacl over the Oxigraph-backed graph (one Python call per
        triple pattern) did not finish in 10 minutes on the examples, the copy takes ~3 s."""
        from importlib.resources import files

        import pyshacl
        import rdflib

        shapes = rdflib.Graph().parse(data=files("kg.ontology").joinpath("shapes.ttl").read_bytes(), format="turtle")
        data = self.rdflib_graph("memory")
        conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none")
        return Validation(conforms, len(data), _violations(report))

    # ------------------------------------------------------------ pictures

    def viz_subgraph(self, *, policy: Optional[str] = None, department: Optional[str] = None,
                     project: Optional[str] = None, search: Optional[str] = None,
                     depth: Optional[int] = None) -> tuple["nx.MultiDiGraph", list[str], str]:
        """The part of the graph to draw (exactly one of policy, department, project, search), its centres, a title."""
        from kg.graph import viz as vz

        if sum(x is not None for x in (policy, department, project, search)) != 1:
            raise UsageError("choose exactly one of --policy, --department, --project, --search")
        g = self.graph()
        search_nodes = None
        if search is not None:
            hits = self.search(search, limit=50).hits
            search_nodes = vz.search_hits_to_nodes(g, hits)
            if not search_nodes:
                raise NotFoundError(f"no hits for {search!r}; nothing to draw")
        try:
            sub, centres, title = vz.select(g, policy=policy, department=department, project=project,
                                            search_nodes=search_nodes, depth=depth)
        except vz.VizError as exc:
            raise NotFoundError(str(exc)) from None
        if search is not None:
            title = f"检索 {search}"
        return sub, centres, title

    def viz(self, *, policy: Optional[str] = None, department: Optional[str] = None, project: Optional[str] = None,
            search: Optional[str] = None, depth: Optional[int] = None, format: str = "html",
            output: Union[str, Path] = "kg-graph.html", on_note: Optional[Callable[[str], None]] = None,
            force: bool = False) -> Picture:
        """Draw part of the graph as a self-contained offline HTML page, or a PNG/SVG picture.

        ``on_note(text)`` hears notes (e.g. no CJK font) before the drawing starts; they are also in ``notes``."""
        if format not in PICTURE_FORMATS:
            raise UsageError(f"unknown picture format {format!r}; choose one of {', '.join(PICTURE_FORMATS)}")
        sub, centres, title = self.viz_subgraph(policy=policy, department=department, project=project,
                                                search=search, depth=depth)
        from kg.outputs import atomic_output, check_target

        output = Path(output)
        notes: list[str] = []
        if format != "html" and output.suffix.lower() != f".{format}":
            output = output.with_suffix(f".{format}")
        check_target(output, force)
        if format == "html":
            from kg.graph.viz import write_html

            with atomic_output(output, force) as tmp:
                write_html(sub, centres, title, tmp)
        else:
            from kg.graph.pictures import draw_graph, font_warning

            notes += _notes(font_warning(), on_note)
            with atomic_output(output, force) as tmp:
                draw_graph(sub, centres, title, tmp)
        path = output
        return Picture(path, title, sub.number_of_nodes(), sub.number_of_edges(), notes)

    def chart_data(self, kind: str = "sankey", *, department: Optional[str] = None, county: Optional[str] = None,
                   policy: Optional[str] = None, year: Optional[int] = None) -> "Chart":
        """The figures of one chart (``kg.graph.charts.Chart``: ``.html()`` for the offline page, ``.static(fmt)``
        for print): sankey / treemap for a department or a county, policy for a policy, top-policies for a county,
        years for a department or a county across every stored year."""
        from kg.graph.charts import KINDS, chart
        from kg.graph.flows import SelectionError

        if kind not in KINDS:
            raise UsageError(f"unknown chart kind {kind!r}; choose one of {', '.join(KINDS)}")
        if department and county:
            raise UsageError("choose --department or --county, not both")
        if kind == "policy" and not policy:
            raise UsageError("a policy chart needs --policy (a document number in any bracket style, or a title)")
        if kind != "policy" and not (department or county):
            raise UsageError(f"a {kind} chart needs --department or --county")
        docs = self.documents()
        if not docs:
            raise EmptyStoreError()
        try:
            return chart(kind, docs, department=department, county=county, policy=policy, year=year)
        except SelectionError as exc:
            raise NotFoundError(str(exc)) from None

    def chart(self, kind: str = "sankey", *, department: Optional[str] = None, county: Optional[str] = None,
              policy: Optional[str] = None, year: Optional[int] = None, format: Optional[str] = None,
              output: Union[str, Path, None] = None, link_base: Optional[str] = None,
              on_note: Optional[Callable[[str], None]] = None, force: bool = False) -> Picture:
        """Write a chart: HTML (offline, interactive; clicks open ``<link_base>/node/<id>`` in `kg serve`) or SVG/PNG
        for print. The format is ``format``, else the output's suffix, else html. Written whole (kg.outputs);
        an existing file is replaced only with ``force``."""
        from kg.outputs import atomic_output, check_target

        suffix = Path(output).suffix.lstrip(".").lower() if output else ""
        fmt = format or (suffix if suffix in PICTURE_FORMATS else "html")
        if fmt not in PICTURE_FORMATS:
            raise UsageError(f"unknown picture format {fmt!r}; choose one of {', '.join(PICTURE_FORMATS)}")
        figures = self.chart_data(kind, department=department, county=county, policy=policy, year=year)
        path = Path(output) if output else Path(f"kg-{kind}.{fmt}")
        if path.suffix.lower() != f".{fmt}":
            path = path.with_suffix(f".{fmt}")
        check_target(path, force)
        notes: list[str] = []
        if fmt == "html":
            data = figures.html(link_base).encode("utf-8")
        else:
            from kg.graph.pictures import font_warning

            notes += _notes(font_warning(), on_note)
            data = figures.static(fmt)
        with atomic_output(path, force) as tmp:
            tmp.write_bytes(data)
        return Picture(path, figures.title, notes=notes)

    # ------------------------------------------------------------ nodes for the web app

    def node(self, node_id: str) -> dict:
        """The node with exactly this id (a stable address, unlike a name): attributes, neighbours, quoted lines.

        Each place a fact was read (the node's own ``file``/``line``, and every neighbour relation that
        carries one) gets ``quote``: the text of that line when the source file is still where it was
        ingested and unchanged, else the row as the parser read it (PDF and workbook rows), else None."""
        from kg.graph.queries import describe

        g = self.graph()
        if node_id not in g:
            raise NotFoundError(f"no node {node_id!r} in the graph", "search for it, or see `kg show NAME`")
        info = describe(g, node_id)
        if info.get("file") and info.get("line"):
            info["quote"] = self.quote(info["file"], info["line"]) or info.get("excerpt")
        elif info.get("kind") == "department":
            doc = next((n for n in info["neighbours"] if n["relation"] == "source" and n.get("line")), None)
            if doc is not None:
                info["file"], info["line"] = doc["id"].split(":", 1)[1], doc["line"]
                info["quote"] = self.quote(info["file"], info["line"]) or doc.get("excerpt")
        for n in info["neighbours"]:
            # a relation's line is in the file of its subject: this node for outgoing ones, the other for incoming
            file = n.get("file") or (n["id"].split(":", 1)[1] if n["kind"] == "document" else None) or \
                (info.get("file") if n["direction"] == "out" else g.nodes[n["id"]].get("file"))
            if file and n.get("line"):
                n["file"] = file
                n["quote"] = self.quote(file, n["line"]) or n.get("excerpt")
        return info

    def quote(self, file: str, line: int) -> Optional[str]:
        """The text of ``line`` (1-based) of an ingested text file, or None when the file is gone, changed
        since ingest (its hash differs) or is no text file (a PDF's places are table rows, not lines)."""
        lines = self._source_lines(file)
        return lines[line - 1].strip() if lines is not None and 0 < line <= len(lines) else None

    def _source_lines(self, file: str) -> Optional[list[str]]:
        import hashlib

        from kg.ingest.textio import UnreadableFile, decode

        docs = {d.source: d for d in self.documents()}
        cache = self.__dict__.setdefault("_lines_cache", {})
        key = (self._generation, file)
        if key not in cache:
            lines = None
            doc = docs.get(file)
            try:
                data = Path(file).read_bytes() if doc is not None else None
                if data is not None and hashlib.sha256(data).hexdigest() == doc.sha256:
                    lines = decode(data).text.splitlines()
            except (OSError, UnreadableFile):
                lines = None
            cache[key] = lines
        return cache[key]

    def hit_nodes(self, hits) -> list[Optional[str]]:
        """The graph node of each search hit (None for a text passage with no node of its own)."""
        from kg.graph.viz import search_hits_to_nodes

        g = self.graph()
        return [next(iter(search_hits_to_nodes(g, [h])), None) for h in hits]

    def node_picture(self, node_id: str, depth: int = 1) -> str:
        """The offline graph page (self-contained HTML) of any node and what lies within ``depth`` hops."""
        from kg.graph.queries import neighbourhood
        from kg.graph.viz import VizError, render_html

        if not 1 <= depth <= 3:
            raise UsageError(f"depth {depth} is out of range; choose 1 to 3")
        g = self.graph()
        if node_id not in g:
            raise NotFoundError(f"no node {node_id!r} in the graph")
        sub = neighbourhood(g, node_id, depth)
        try:
            return render_html(sub, [node_id], g.nodes[node_id]["label"])
        except VizError as exc:
            raise NotFoundError(str(exc)) from None


def _notes(note: Optional[str], on_note: Optional[Callable[[str], None]]) -> list[str]:
    if note and on_note:
        on_note(note)
    return [note] if note else []


__all__ = ["BudgetKG", "KGError", "NotFoundError", "EmptyStoreError", "BadQueryError", "UsageError",
           "Picture", "SparqlResult", "Validation", "Violation"]
