"""The `kg` command: parses arguments, calls the application object (kg.app.BudgetKG) and prints.

Every data command writes through kg.output: ``--format table|json|csv|tsv|nl`` (``--json``
is short for ``--format json``, Chinese unescaped), tables that fit the terminal, file places
relative to the current folder, ``-o -`` for stdout. Progress and messages go to stderr.
Exit codes: 0 ok, 1 problems found, 2 usage; a kg.errors.KGError carries its own exit code.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from enum import Enum
from functools import wraps
from pathlib import Path
from typing import List, Optional, Sequence

import typer
from rich.text import Text

from kg import output
from kg.app import BudgetKG
from kg.display import printable
from kg.errors import KGError
from kg.graph.sparql_results import GRAPH_FORMATS, RESULT_FORMATS
from kg.output import Column, Format, TableView, emit, format_option, json_option


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("budget-kg")
        except PackageNotFoundError:  # run from a source tree that was never installed
            number = "unknown (not installed)"
        sys.stdout.write(f"kg (budget-kg) {number}\n")
        raise typer.Exit()


app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False,
                  help="Knowledge graph and search over Chinese government budget disclosures (部门预算公开).")


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version of kg and exit.")):
    """Knowledge graph and search over Chinese government budget disclosures (部门预算公开)."""


def fail(message: str, code: int = 1) -> None:
    output.stderr().print(Text("error:", style="red"), message)
    raise typer.Exit(code)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _kg() -> BudgetKG:
    """The application over $KG_HOME (default ./.kg), its search index first brought up to the store if a
    killed or failed run left it behind."""
    kg = BudgetKG()
    kg.ensure_index(on_note=_note)
    return kg


def command(*args, **kwargs):
    """``app.command`` that turns a KGError into one line on stderr and its exit code."""
    def decorate(fn):
        @wraps(fn)
        def run(*a, **kw):
            try:
                return fn(*a, **kw)
            except KGError as exc:
                fail(str(exc), exc.exit_code)
        return app.command(*args, **kwargs)(run)
    return decorate


_note = output.note


def _wan(value) -> str:
    return "" if value is None else f"{value:,.2f}"


# ------------------------------------------------------------------ ingest


def _outcome_line(o) -> str:
    if o.status == "failed":
        return f"✗ {output.relative(o.source)}: {o.problems[0].message}" if o.problems else f"✗ {o.source}"
    warn = f"  ({len(o.problems)} warnings)" if o.problems else ""
    return (f"✓ {output.relative(o.source)}  {o.status}  layout={o.layout}  projects={o.projects}  "
            f"indicators={o.indicators}  legal_bases={o.legal_bases}{warn}")


@command()
def ingest(paths: List[str] = typer.Argument(..., help="Files or folders (searched recursively)."),
           layout: Optional[str] = typer.Option(None, "--layout", "-l",
                                                help="Force a layout parser (see `kg formats`) instead of detecting it."),
           format: Optional[str] = typer.Option(
               None, "--format", "-f", help=output.FORMAT_HELP + " A layout name here is read as --layout."),
           as_json: bool = json_option(),
           max_file_mb: Optional[float] = typer.Option(None, "--max-file-mb", min=0,
                                                       help="Skip files larger than this (MB; default 100 or $KG_MAX_FILE_MB)."),
           file_timeout: Optional[float] = typer.Option(None, "--file-timeout", min=0,
                                                        help="Stop reading and indexing one file after this many seconds (default 120 or $KG_FILE_TIMEOUT; 0 = no limit).")):
    """Read budget documents into the store ($KG_HOME, default ./.kg) and update the search index.

    A second run on the same store waits for the first; a run that was killed is completed by the next one.

    One line per file as it is done, a bar with the number of files, and a summary."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if format is not None and format.lower() not in {f.value for f in Format}:
        if layout is not None:
            fail(f"--format {format} is not an output format ({', '.join(f.value for f in Format)})", 2)
        layout, format = format, None  # the old spelling of --layout
    fmt = output.choose(Format(format.lower()) if format else None, as_json)
    writer = None if fmt is Format.table else output.RecordWriter(fmt)
    err = output.stderr()
    out = output.stdout()

    with Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
        task = None

        def progress(done: int, total: int, current: str) -> None:
            nonlocal task
            name = printable(Path(current).name[:40]) or "done"
            if task is None:
                task = bar.add_task(name, total=total)
            bar.update(task, completed=done, total=total, description=name)

        def on_file(o) -> None:
            if writer is not None:
                writer.write(o.as_dict())
            elif o.status == "failed":
                bar.console.print(Text("✗", style="red"), _outcome_line(o)[2:])
            else:
                out.print(_outcome_line(o), markup=False)

        # the pipeline takes the whole batch under the home's lock and brings the index up to the store itself
        outcomes = BudgetKG().ingest(paths, layout=layout, progress=progress, on_file=on_file, on_note=_note,
                                     max_file_mb=max_file_mb, file_seconds=file_timeout)
    if writer is not None:
        writer.close()
    failed = [o for o in outcomes if o.status == "failed"]
    counts = {s: sum(1 for o in outcomes if o.status == s) for s in ("added", "updated", "unchanged")}
    detail = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    output.message(f"{len(outcomes) - len(failed)} of {len(outcomes)} files ingested"
                   + (f" ({detail})" if detail else "") + (f", {len(failed)} failed" if failed else ""))
    if failed or not outcomes:
        raise typer.Exit(1)


@command(name="check")
def check_cmd(format: Optional[Format] = format_option(), as_json: bool = json_option(),
              html: Optional[Path] = typer.Option(None, "--html",
                                                  help="Also write a self-contained HTML report here (- for stdout, "
                                                       "instead of the text report)."),
              rules: bool = typer.Option(False, "--rules", help="List the rules (id, severity, what it compares) and exit."),
              rule: Optional[List[str]] = typer.Option(None, "--rule",
                                                       help="Run only this rule id, e.g. B-001 (repeatable; see --rules).")):
    """Check each stored document as an auditor would: sums, tables against tables, text against tables,
    projects against their target tables, missing or empty tables. Exit 1 when an error-level finding exists."""
    from kg.checks.report import render_html, render_rules, render_text

    fmt = output.choose(format, as_json)
    if rules:
        listed = BudgetKG.check_rules()
        emit(fmt, document=listed, table=lambda: TableView([], [], title=render_rules().splitlines()))
        return
    report = _kg().check(rule)
    if html is not None:
        if output.is_stdout(html):
            sys.stdout.write(render_html(report))
            if report.has_errors:
                raise typer.Exit(1)
            return
        html.write_text(render_html(report), encoding="utf-8")
        output.message(f"wrote {output.relative(str(html))}")

    def records():
        for source, found in report.documents:
            for x in found:
                yield {"source": source, **x.as_dict()}

    emit(fmt, document=report.as_dict(), records=records(),
         table=lambda: TableView([], [], title=render_text(report).splitlines()))
    if report.has_errors:
        raise typer.Exit(1)


@command()
def reindex():
    """Rebuild the search index from the stored records (after the index was deleted or the tool upgraded)."""
    count = BudgetKG().reindex(on_note=_note)
    output.message(f"search index rebuilt from {count} documents")


def _reread_note(count: int, sources: Sequence[str] = ()) -> str:
    """What to do about documents read by another version of the readers (kg stats, kg doctor)."""
    named = f": {', '.join(sources[:3])}" + (f" and {len(sources) - 3} more" if len(sources) > 3 else "") if sources else ""
    return (f"{count} documents were read by another version of the readers; `kg ingest` their files again to read "
            f"them as this version does{named}")


@command()
def doctor(check_only: bool = typer.Option(False, "--check", help="Only report; change nothing (exit 1 if anything is wrong)."),
           format: Optional[Format] = format_option(), as_json: bool = json_option()):
    """Verify that the store and the search index agree (every stored document searchable, nothing else) and repair them."""
    fmt = output.choose(format, as_json)
    kg = BudgetKG()
    report = kg.doctor(fix=not check_only, on_note=_note)
    if fmt is not Format.table:
        emit(fmt, document=report.as_dict())
    else:
        output.message(f"store and index: {report.drift.describe()}")
        if report.unreadable_records:
            output.message(f"{len(report.unreadable_records)} stored records no longer load; ingest their files again")
        if report.index_rebuilt:
            output.message(f"the search index needed a rebuild: {report.index_rebuilt}")
        older = kg.read_by_other_readers()
        if older:  # not a fault of the store: the readers changed since these files were read
            output.message(_reread_note(len(older), older))
        if not report.healthy:
            output.message("repaired" if report.repaired else "run `kg doctor` (without --check) to repair")
    if not report.healthy and not report.repaired:
        raise typer.Exit(1)


@command()
def formats(format: Optional[Format] = format_option(), as_json: bool = json_option()):
    """List the document layouts this tool can read."""
    rows = BudgetKG.formats()
    emit(output.choose(format, as_json), document=rows,
         table=lambda: TableView([Column("name", 0, 8), Column("description", 1, 20)],
                                 [(r["name"], r["description"]) for r in rows]))


@command()
def stats(format: Optional[Format] = format_option(), as_json: bool = json_option()):
    """Counts of what the store holds, and whether the search index agrees with it (index_drift)."""
    data = _kg().stats()
    rows = [(k, ", ".join(f"{a}={b}" for a, b in v.items()) if isinstance(v, dict) else str(v)) for k, v in data.items()]
    emit(output.choose(format, as_json), document=data,
         table=lambda: TableView([Column("what", 0, 10), Column("count", 0, 10, justify="right")], rows))
    if data["read_by_other_readers"]:
        output.note(_reread_note(data["read_by_other_readers"]))


class ExportFormat(str, Enum):
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    turtle = "turtle"
    ntriples = "ntriples"
    jsonld = "jsonld"
    graphml = "graphml"
    gexf = "gexf"


EXPORT_SUFFIX = {"json": ".json", "csv": ".csv", "turtle": ".ttl", "ntriples": ".nt", "jsonld": ".jsonld",
                 "graphml": ".graphml", "gexf": ".gexf", "xlsx": ".xlsx"}


@command()
def export(format: ExportFormat = typer.Option(ExportFormat.json, "--format", "-f",
                                               help="What to write: json, csv (one file per table), xlsx (one sheet "
                                                    "per table), turtle, ntriples, jsonld, graphml or gexf."),
           output_path: Path = typer.Option(..., "--output", "-o",
                                            help="File to write, - for stdout (for csv: a folder or a file stem)."),
           force: bool = typer.Option(False, "--force", help="Replace OUTPUT if it exists (otherwise an existing file is never touched; the new file is written whole, then renamed into place).")):
    """Write the store as JSON, CSV (one file per table), .xlsx (one sheet per table), RDF or a graph file."""
    if output.is_stdout(output_path) and format is ExportFormat.csv:
        fail("csv writes one file per table; give a folder with --output (or use --format json for stdout)", 2)
    with output.output_file(output_path, "export" + EXPORT_SUFFIX[format.value]) as target:
        written = _kg().export(format.value, target, force=force)
    if not output.is_stdout(output_path):
        for path in written:
            output.message(f"wrote {output.relative(str(path))}")


# ------------------------------------------------------------------ search


class EntityType(str, Enum):
    project = "project"
    indicator = "indicator"
    policy = "policy"
    department = "department"
    text = "text"


PATH_BREAKS = "/\\-_ "

SEARCH_COLUMNS = (
    Column("name", 0, 20),
    Column("万元", 1, 6, justify="right", wrap=False),
    Column("file", 2, 22, breaks=PATH_BREAKS),
    Column("department", 3, 14),
    Column("type", 4, 4, wrap=False, optional=True),
    Column("year", 5, 4, wrap=False, optional=True),
    Column("snippet", 6, 20, markup=True, optional=True),
)
"""The search table, most needed first: names stay whole; the snippet goes first when room is short."""


def _snippet_markup(snippet: str) -> str:
    """A search snippet as rich markup with its «match» in bold yellow; the rest escaped, shown as the text it is."""
    return "".join(f"[bold yellow]{_escape(printable(part))}[/bold yellow]" if i % 2 else _escape(printable(part))
                   for i, part in enumerate(snippet.replace("»", "«").split("«")))


def _search_table(result) -> TableView:
    rows = []
    for h in result.hits:
        snip = _snippet_markup(h.snippet)
        name = f"{h.label}（{h.context}）" if h.type == "indicator" and h.context else h.label
        rows.append((name, _wan(h.amount_wan), output.place_from(getattr(h, "where", "") or f"{h.file}:{h.line}", h.file),
                     "、".join(h.departments) if h.departments else h.department, h.type,
                     "" if h.fiscal_year is None else str(h.fiscal_year), snip))
    return TableView(SEARCH_COLUMNS, rows)


def _filters_said(type, department, year, min_amount, max_amount) -> list[str]:
    said = []
    if department:
        said.append(f"--department {department}")
    if year:
        said.append(f"--year {year}")
    if min_amount is not None:
        said.append(f"--min-amount {min_amount:g}")
    if max_amount is not None:
        said.append(f"--max-amount {max_amount:g}")
    return said


@command()
def search(query: str = typer.Argument(..., help="Words, a name, or a document number in any bracket style."),
           type: Optional[EntityType] = typer.Option(None, "--type", "-t", help="Only hits of this kind."),
           department: Optional[str] = typer.Option(None, "--department", "-d", help="Exact department name."),
           year: Optional[int] = typer.Option(None, "--year", "-y", help="Only this budget year (预算年度)."),
           min_amount: Optional[float] = typer.Option(None, "--min-amount", help="At least this many 万元."),
           max_amount: Optional[float] = typer.Option(None, "--max-amount", help="At most this many 万元."),
           limit: int = typer.Option(20, "--limit", "-n", help="Show at most this many hits."),
           format: Optional[Format] = format_option(), as_json: bool = json_option()):
    """Find projects, indicators, policies, departments and text that mention QUERY."""
    fmt = output.choose(format, as_json)
    kg = _kg()
    result = kg.search(query, type=type.value if type else None, department=department, year=year,
                       min_amount=min_amount, max_amount=max_amount, limit=limit)
    for note in result.notes:
        _note(note)
    if not result.hits:
        filters = _filters_said(type, department, year, min_amount, max_amount)
        unfiltered = kg.unfiltered_hits(query, type=type.value if type else None) if filters else 0
        kind = f" {type.value}" if type else ""
        if unfiltered:
            output.message(f"{unfiltered}{kind} hit{'s' if unfiltered != 1 else ''} for {query!r}, "
                           f"none with {' '.join(filters)}")
        else:
            hint = f"; did you mean: {'、'.join(result.suggestions)}" if result.suggestions else ""
            output.message(f"no{kind} hits for {query!r}{hint}")
        if fmt is Format.table:
            raise typer.Exit(1)
    emit(fmt, document=result.as_dict(), records=[h.as_dict() for h in result.hits],
         table=lambda: _search_table(result))
    if fmt is Format.table:
        facets = "  ".join(f"{k}={v}" for k, v in result.facets["type"].items())
        output.message(f"{len(result.hits)} shown; by type: {facets}")


# ------------------------------------------------------------------ graph


SparqlFormat = Enum("SparqlFormat", {f: f for f in [x.value for x in Format] + list(RESULT_FORMATS + GRAPH_FORMATS)},
                    type=str)
"""`kg sparql --format`: the formats of every data command and those of the SPARQL writer (kg.graph.sparql_results)."""


@command()
def sparql(query: Optional[str] = typer.Argument(None, help="A SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE)."),
           file: Optional[Path] = typer.Option(None, "--file", help="Read the query from a .rq file."),
           name: Optional[str] = typer.Option(None, "--query", "-q",
                                              help="Run a bundled query by name or letter (see `kg queries`)."),
           format: Optional[SparqlFormat] = typer.Option(
               None, "--format", case_sensitive=False,
               help="table or nl (one solution a line, plain values) for people; json, xml, csv or tsv: SPARQL 1.1 "
                    "Query Results (the endpoint's formats); for CONSTRUCT/DESCRIBE turtle, ntriples, jsonld or "
                    "rdfxml, where json, xml and csv give JSON-LD, RDF/XML and N-Triples."),
           as_json: bool = typer.Option(False, "--json", help="Shorthand for --format json."),
           as_csv: bool = typer.Option(False, "--csv", help="Shorthand for --format csv."),
           timeout: float = typer.Option(30.0, "--timeout", help="Stop the query after this many seconds."),
           limit: int = typer.Option(10_000, "--limit", help="Return at most this many rows (or triples)."),
           memory: int = typer.Option(1024, "--memory", help="Memory the query may use, in MB.")):
    """Run a read-only SPARQL query over the RDF export (Oxigraph), bounded in time, rows and memory.

    Prefixes bkg: skos: eli: qb: prov: org: are predefined. Updates and SERVICE are refused."""
    if sum(x is not None for x in (query, file, name)) != 1:
        fail("give a query, --file Q.rq or --query NAME (one of them)", 2)
    if as_csv:
        if as_json or format not in (None, SparqlFormat.csv):
            fail("--csv contradicts the other format given; give one", 2)
        format = SparqlFormat.csv
    fmt = output.choose(format, as_json).value
    if file is not None:
        if not file.exists():
            fail(f"no such file: {file}", 2)
        query = file.read_text(encoding="utf-8")
    result = _kg().sparql(query=query, name=name, timeout=timeout, max_rows=limit, max_memory_mb=memory)
    if fmt not in (Format.table, Format.nl):  # written by kg.graph.sparql_results, streamed as the answer comes
        for chunk in result.write(fmt):
            sys.stdout.buffer.write(chunk)
            sys.stdout.flush()
    else:
        header, rows = result.table()
        if fmt == Format.nl:
            output.write_records(({h: v for h, v in zip(header, r)} for r in rows), Format.nl)
        else:
            emit(Format.table, document=None, table=lambda: TableView([Column(h, 0, 8) for h in header],
                                                                      [[("" if v is None else v) for v in r] for r in rows]))
            output.message(f"{len(rows)} rows")
    if result.truncated:
        output.message(f"[yellow]warning:[/yellow] stopped at {limit} rows (--limit); the answer is cut", markup=True)


@command()
def queries(format: Optional[Format] = format_option(), as_json: bool = json_option()):
    """List the bundled competency queries (run one with `kg sparql --query NAME`)."""
    found = [q.as_dict() for q in BudgetKG.queries()]
    emit(output.choose(format, as_json), document=found,
         table=lambda: TableView([Column("name", 0, 12), Column("description", 1, 20)],
                                 [(q["name"], q["description"]) for q in found]))


POLICY_COLUMNS = (
    Column("project", 0, 20),
    Column("万元", 1, 6, justify="right", wrap=False),
    Column("file", 2, 22, breaks=PATH_BREAKS),
    Column("department", 3, 14),
    Column("year", 4, 4, wrap=False, optional=True),
)


@command()
def policy(number: str = typer.Argument(..., help="Document number in any bracket style (or a title)."),
           format: Optional[Format] = format_option(), as_json: bool = json_option()):
    """A policy, the projects resting on it (立项依据: department, amount, total) and those citing it elsewhere."""
    fmt = output.choose(format, as_json)
    report = _kg().policy(number)

    def rows(projects) -> list:
        return [(p["name"], _wan(p["amount_wan"]), output.source_place(p["source"]), p["department"],
                 str(p["fiscal_year"] or "")) for p in projects]

    def table() -> TableView:
        head = f"{report['doc_number'] or ''} 《{report['title'] or ''}》 {report['issuer'] or ''}".strip()
        foot = (f"total: {report['total_wan']:,.2f} 万元 in {len(report['projects'])} projects, "
                f"{len(report['departments'])} departments (立项依据, legal basis)")
        columns = POLICY_COLUMNS if report["projects"] else []  # no empty table when none rests on it
        return TableView(columns, rows(report["projects"]), title=[head], footer=[foot])

    records = ([{"relation": "legal_basis", **p} for p in report["projects"]]
               + [{"relation": "cited_in", **p} for p in report["cited_in"]])
    emit(fmt, document=report, records=records, table=table)
    if fmt is Format.table and report["cited_in"]:
        emit(fmt, document=None, table=lambda: TableView(
            POLICY_COLUMNS, rows(report["cited_in"]),
            title=["cited elsewhere (保证项目实施的制度、措施 …), not the legal basis:"]))


@command()
def show(name: str = typer.Argument(..., help="A department, project, policy, indicator or code (exact or part of the name)."),
         format: Optional[Format] = format_option(), as_json: bool = json_option()):
    """Any node of the graph with its neighbours and amounts."""
    info = _kg().show(name)

    def table() -> TableView:
        title = [f"{info['label']}  ({info['kind']})  {info['id']}"]
        title += [f"  {k}: {v}" for k, v in info.items() if k not in ("id", "label", "kind", "neighbours")]
        rows = []
        for n in info["neighbours"]:
            amount = n.get("amount_wan")
            amount = f"{amount:,.2f} 万元" if amount is not None else (
                f"{n['amount_yuan']:,.0f} 元" if n.get("amount_yuan") is not None else "")
            rows.append((n["relation"] or "", "→" if n["direction"] == "out" else "←", n["kind"] or "",
                         n["label"] or "", amount))
        columns = [Column("relation", 1, 8), Column("dir", 0, 3, wrap=False), Column("kind", 2, 6),
                   Column("name", 0, 14), Column("amount", 1, 8, justify="right", wrap=False)]
        return TableView(columns, rows, title=title)

    emit(output.choose(format, as_json), document=info, records=info["neighbours"], table=table)


@command()
def neighbors(name: str = typer.Argument(..., help="The node to start from (name, number or id)."),
              depth: int = typer.Option(1, "--depth", min=1, max=4, help="Hops from the node (1-4)."),
              format: Optional[Format] = format_option(), as_json: bool = json_option()):
    """Nodes within DEPTH hops of a node."""
    fmt = output.choose(format, as_json)
    data = _kg().neighbors(name, depth)
    emit(fmt, document=data, records=data["nodes"],
         table=lambda: TableView([Column("kind", 1, 6), Column("name", 0, 14), Column("id", 2, 12)],
                                 [(n["kind"], n["label"], n["id"]) for n in data["nodes"]]))
    if fmt is Format.table:
        output.message(f"{len(data['nodes'])} nodes, {len(data['edges'])} edges within {depth} hops of {data['center']}")


@command()
def path(source: str = typer.Argument(..., help="Where the chain starts (name, number or id)."),
         target: str = typer.Argument(..., help="Where it ends."),
         format: Optional[Format] = format_option(), as_json: bool = json_option()):
    """The shortest chain of relations between two nodes (source documents left out)."""
    steps = _kg().path(source, target)
    lines = [f"{s['label']} ({s['kind']})" + (f"  —{s['relation_to_next']}—" if s["relation_to_next"] else "")
             for s in steps]
    emit(output.choose(format, as_json), document=steps, table=lambda: TableView([], [], title=lines))


# ------------------------------------------------------------------ RDF validation


@command()
def validate(format: Optional[Format] = format_option(), as_json: bool = json_option()):
    """Validate the RDF export against the SHACL shapes (ontology/shapes.ttl) with pyshacl; exit 1 listing violations."""
    fmt = output.choose(format, as_json)
    result = _kg().validate()

    def table() -> TableView:
        rows = [(output.short_iri(v.focus), output.short_iri(v.path or ""),
                 v.message.replace(f"<{v.focus}>->", "").replace(f"<{v.focus}>", "the node"), v.severity)
                for v in result.violations]
        return TableView([Column("focus", 0, 20), Column("path", 1, 14), Column("message", 0, 20),
                          Column("severity", 2, 9, wrap=False, optional=True)], rows)

    if fmt is Format.table and result.conforms:
        output.message(f"conforms: {result.triples} triples meet every shape of ontology/shapes.ttl")
    elif fmt is Format.table:
        emit(fmt, document=None, table=table)
        output.message(f"does not conform: {len(result.violations)} violations in {result.triples} triples")
    else:
        emit(fmt, document=result.as_dict(), records=[v.as_dict() for v in result.violations])
    if not result.conforms:
        raise typer.Exit(1)


def main() -> None:
    """Entry point: a bug shows one line and how to report it, never a traceback (KG_DEBUG=1 shows it)."""
    import os

    from kg.oserrors import environment_message

    try:
        app()
    except BrokenPipeError:
        # the reader stopped reading (`kg export -o - | head`): nothing to report; exit 1 as click and rich do when
        # they meet it, with stdout pointed at /dev/null so the interpreter's last flush stays quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except OSError as exc:  # the environment (permissions, full disk, a folder given as a file), not a bug
        if os.environ.get("KG_DEBUG"):
            raise
        output.stderr().print(Text("error:", style="red"), environment_message(exc))
        sys.exit(1)
    except Exception as exc:  # pragma: no cover - last resort
        if os.environ.get("KG_DEBUG"):
            raise
        output.stderr().print(Text("internal error:", style="red"), f"{type(exc).__name__}: {exc} (rerun with KG_DEBUG=1 for details)")
        sys.exit(1)


# ------------------------------------------------------------------ pictures


class PictureFormat(str, Enum):
    html = "html"
    png = "png"
    svg = "svg"


@command()
def viz(policy: Optional[str] = typer.Option(None, "--policy", help="Document number (any brackets) or title."),
        department: Optional[str] = typer.Option(None, "--department", help="Department name (exact or a part)."),
        project: Optional[str] = typer.Option(None, "--project", help="Project name (exact or a part)."),
        search: Optional[str] = typer.Option(None, "--search", help="Draw the subgraph around the hits of a search."),
        depth: Optional[int] = typer.Option(None, "--depth", min=1, max=4, help="Hops around the centre (default 1-2)."),
        format: PictureFormat = typer.Option(PictureFormat.html, "--format", "-f",
                                             help="html (offline page), png or svg."),
        output_path: Path = typer.Option(Path("kg-graph.html"), "--output", "-o", help="File to write, - for stdout."),
        force: bool = typer.Option(False, "--force", help="Replace OUTPUT if it exists (otherwise an existing file is never touched; the new file is written whole, then renamed into place).")):
    """Draw part of the graph: a self-contained offline HTML page, or a PNG/SVG picture."""
    with output.output_file(output_path, f"graph.{format.value}") as target:
        picture = _kg().viz(policy=policy, department=department, project=project, search=search, depth=depth,
                            format=format.value, output=target, on_note=_note, force=force)
    where = "stdout" if output.is_stdout(output_path) else output.relative(str(picture.path))
    output.message(f"wrote {where} ({picture.nodes} nodes, {picture.edges} edges)")


class ChartKind(str, Enum):
    sankey = "sankey"
    treemap = "treemap"
    policy = "policy"
    top_policies = "top-policies"
    years = "years"


@command()
def chart(kind: ChartKind = typer.Option(ChartKind.sankey, "--kind", "-k",
                                         help="sankey: where the money goes; treemap: the biggest projects; "
                                              "policy: a policy's projects; top-policies: policies by money carried; "
                                              "years: headline figures year on year (every stored year)."),
          department: Optional[str] = typer.Option(None, "--department", help="Department name (exact or a part)."),
          county: Optional[str] = typer.Option(None, "--county", help="Every department of a county, e.g. 泽州县."),
          policy: Optional[str] = typer.Option(None, "--policy",
                                               help="Document number (any brackets) or title (for --kind policy)."),
          year: Optional[int] = typer.Option(None, "--year", help="Budget year (default: the latest stored)."),
          format: Optional[PictureFormat] = typer.Option(None, "--format", "-f",
                                                         help="html (interactive, offline), svg or png; "
                                                              "default from the output suffix, else html."),
          link_base: Optional[str] = typer.Option(None, "--link-base",
                                                  help="Where clicks in the HTML open nodes (default $KG_SERVE_URL "
                                                       "or http://127.0.0.1:8000; '' for the same server)."),
          output_path: Optional[Path] = typer.Option(None, "--output", "-o",
                                                     help="File to write (default kg-KIND.FORMAT), - for stdout."),
          force: bool = typer.Option(False, "--force", help="Replace OUTPUT if it exists (otherwise an existing file is never touched; the new file is written whole, then renamed into place).")):
    """Charts of the money: a money-flow Sankey, a project treemap, a policy's projects, a county's top policies,
    a department's (or county's) headline figures year on year."""
    to_stdout = output.is_stdout(output_path)
    fmt = format.value if format else None
    target_of = output.output_file(output_path, f"chart.{fmt or 'html'}") if to_stdout else nullcontext(output_path)
    with target_of as target:
        picture = _kg().chart(kind.value, department=department, county=county, policy=policy, year=year,
                              format=fmt, output=target, link_base=link_base, on_note=_note, force=force)
    where = "stdout" if to_stdout else output.relative(str(picture.path))
    output.message(f"wrote {where} ({picture.title})")


# ------------------------------------------------------------------ server


@command()
def serve(host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this machine only)."),
          port: int = typer.Option(8000, "--port", help="Port to listen on."),
          timeout: float = typer.Option(30.0, "--timeout", help="Seconds a SPARQL query may run before it is stopped."),
          max_rows: int = typer.Option(10_000, "--max-rows", help="Rows a SPARQL answer carries at most.")):
    """Serve the web app (search, pages for every node, pictures, checks, SPARQL editor) and a SPARQL endpoint."""
    from kg.server import Settings, serve as run

    if timeout <= 0 or max_rows < 1:
        fail("--timeout must be > 0 and --max-rows >= 1", 2)
    if host not in ("127.0.0.1", "localhost", "::1"):
        _note(f"listening on {host}: anyone who can reach this address can read the data (there is no login)")
    output.message(f"budget-kg at http://{host if ':' not in host else f'[{host}]'}:{port}/  "
                   f"(SPARQL endpoint: /sparql; Ctrl-C stops)")
    run(host=host, port=port, settings=Settings(timeout=timeout, max_rows=max_rows), kg=_kg())
