"""The `kg` command: a thin layer over the library.

Data goes to stdout (a table, or JSON with --json, Chinese unescaped); progress
and messages go to stderr. Exit codes: 0 ok, 1 problems found, 2 usage.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from kg.store import Store

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False,
                  help="Knowledge graph and search over Chinese government budget disclosures (部门预算公开).")
out = Console(highlight=False, width=None if sys.stdout.isatty() else 240)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def emit_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def _store() -> Store:
    return Store()


# ------------------------------------------------------------------ ingest


@app.command()
def ingest(paths: List[str] = typer.Argument(..., help="Files or folders (searched recursively)."),
           format: Optional[str] = typer.Option(None, "--format", "-f", help="Force a layout parser (see `kg formats`)."),
           as_json: bool = typer.Option(False, "--json", help="Print outcomes as JSON.")):
    """Read budget documents into the store ($KG_HOME, default ./.kg) and update the search index."""
    from kg.ingest.layouts import LAYOUTS
    from kg.pipeline import ingest_paths
    from kg.search.index import SearchIndex

    if format is not None and format not in LAYOUTS:
        fail(f"no layout named {format!r}; known: {', '.join(LAYOUTS)} (see `kg formats`)", 2)
    import os

    from kg.pipeline import expand

    store = _store()
    big_batch = len(expand(paths)) >= 20 and (os.cpu_count() or 1) > 1
    index = SearchIndex(store.home, procs=2 if big_batch else 1)
    from rich.progress import BarColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  console=err, transient=True, disable=as_json or not err.is_terminal) as bar:
        task = bar.add_task("ingesting", total=None)

        def progress(done: int, total: int, current: str) -> None:
            bar.update(task, completed=done, total=total, description=Path(current).name[:40] or "done")

        with index.writer() as writer:
            outcomes = ingest_paths(paths, store, layout=format, progress=progress, on_document=writer.replace)
    failed = [o for o in outcomes if o.status == "failed"]
    if as_json:
        emit_json([o.as_dict() for o in outcomes])
    else:
        for o in outcomes:
            if o.status == "failed":
                err.print(f"[red]✗[/red] {o.source}: {o.problems[0].message}" if o.problems else f"✗ {o.source}")
            else:
                warn = f"  ({len(o.problems)} warnings)" if o.problems else ""
                out.print(f"✓ {o.source}  {o.status}  layout={o.layout}  projects={o.projects}  "
                          f"indicators={o.indicators}  legal_bases={o.legal_bases}{warn}")
        ok = len(outcomes) - len(failed)
        err.print(f"{ok} of {len(outcomes)} files ingested" + (f", {len(failed)} failed" if failed else ""))
    if failed or not outcomes:
        raise typer.Exit(1)


@app.command(name="check")
def check_cmd(as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
              html: Optional[Path] = typer.Option(None, "--html", help="Also write a self-contained HTML report here."),
              rules: bool = typer.Option(False, "--rules", help="List the rules and exit."),
              rule: Optional[List[str]] = typer.Option(None, "--rule", help="Run only this rule id (repeatable).")):
    """Check each stored document as an auditor would: sums, tables against tables, text against tables,
    projects against their target tables, missing or empty tables. Exit 1 when an error-level finding exists."""
    from kg.checks import RULES, run_checks
    from kg.checks.report import render_html, render_rules, render_text

    if rules:
        if as_json:
            emit_json([{"id": r.id, "severity": r.severity, "title": r.title, "description": r.description,
                        "anchor": r.anchor} for r in RULES.values()])
        else:
            out.print(render_rules(), markup=False)
        return
    unknown = [r for r in rule or [] if r not in RULES]
    if unknown:
        fail(f"no rule {', '.join(unknown)}; `kg check --rules` lists them", 2)
    docs = _store().documents()
    if not docs:
        fail("the store is empty; run `kg ingest PATH` first")
    report = run_checks(docs, rule)
    if html:
        html.write_text(render_html(report), encoding="utf-8")
        err.print(f"wrote {html}")
    if as_json:
        emit_json(report.as_dict())
    else:
        out.print(render_text(report), markup=False)
    if report.has_errors:
        raise typer.Exit(1)


@app.command()
def reindex():
    """Rebuild the search index from the stored records (after the index was deleted or the tool upgraded)."""
    from kg.search.index import SearchIndex

    store = _store()
    docs = {key: store.get(key) for key in store.manifest()}
    docs = {k: d for k, d in docs.items() if d is not None}
    if not docs:
        fail("the store is empty; run `kg ingest PATH` first")
    SearchIndex(store.home, procs=2 if len(docs) >= 20 else 1).rebuild(docs)
    err.print(f"search index rebuilt from {len(docs)} documents")


@app.command()
def formats(as_json: bool = typer.Option(False, "--json")):
    """List the document layouts this tool can read."""
    from kg.ingest.layouts import LAYOUTS

    rows = [{"name": name, "description": m.DESCRIPTION, "module": m.__name__} for name, m in LAYOUTS.items()]
    if as_json:
        emit_json(rows)
        return
    table = Table("name", "description")
    for r in rows:
        table.add_row(r["name"], r["description"])
    out.print(table)


@app.command()
def stats(as_json: bool = typer.Option(False, "--json")):
    """Counts of what the store holds."""
    docs = _store().documents()
    data = {
        "documents": len(docs),
        "departments": len({d.department.name for d in docs}),
        "projects": sum(len(d.projects) for d in docs),
        "project_indicators": sum(len(p.indicators) for d in docs for p in d.projects),
        "department_indicators": sum(len(d.department_indicators) for d in docs),
        "legal_bases": len({b.key for d in docs for b in d.legal_bases}),
        "citations": sum(len(d.legal_bases) for d in docs),
        "functional_rows": sum(len(d.functional_spending) for d in docs),
        "problems": sum(len(d.problems) for d in docs),
        "by_layout": {layout: sum(1 for d in docs if d.layout == layout) for layout in sorted({d.layout for d in docs})},
    }
    if as_json:
        emit_json(data)
        return
    table = Table("what", "count")
    for k, v in data.items():
        table.add_row(k, ", ".join(f"{a}={b}" for a, b in v.items()) if isinstance(v, dict) else str(v))
    out.print(table)


class ExportFormat(str, Enum):
    json = "json"
    csv = "csv"
    turtle = "turtle"
    ntriples = "ntriples"
    jsonld = "jsonld"
    graphml = "graphml"
    gexf = "gexf"


@app.command()
def export(format: ExportFormat = typer.Option(ExportFormat.json, "--format", "-f"),
           output: Path = typer.Option(..., "--output", "-o", help="File to write (for csv: a folder or a file stem).")):
    """Write the store as JSON, CSV (one file per table), RDF or a graph file."""
    docs = _store().documents()
    if not docs:
        fail("the store is empty; run `kg ingest PATH` first (store: $KG_HOME, default ./.kg)")
    from kg.exports import write

    written = write(docs, format.value, output)
    for path in written:
        err.print(f"wrote {path}")




# ------------------------------------------------------------------ search


class EntityType(str, Enum):
    project = "project"
    indicator = "indicator"
    policy = "policy"
    department = "department"
    text = "text"


@app.command()
def search(query: str = typer.Argument(..., help="Words, a name, or a document number in any bracket style."),
           type: Optional[EntityType] = typer.Option(None, "--type", "-t"),
           department: Optional[str] = typer.Option(None, "--department", "-d", help="Exact department name."),
           year: Optional[int] = typer.Option(None, "--year", "-y"),
           min_amount: Optional[float] = typer.Option(None, "--min-amount", help="万元"),
           max_amount: Optional[float] = typer.Option(None, "--max-amount", help="万元"),
           limit: int = typer.Option(20, "--limit", "-n"),
           as_json: bool = typer.Option(False, "--json")):
    """Find projects, indicators, policies, departments and text that mention QUERY."""
    from kg.search.query import QueryError, search as run

    try:
        result = run(_store().home, query, type=type.value if type else None, department=department, year=year,
                     min_amount=min_amount, max_amount=max_amount, limit=limit)
    except QueryError as exc:
        fail(str(exc), 2)
    if as_json:
        emit_json(result.as_dict())
        return
    for note in result.notes:
        err.print(f"note: {note}")
    if not result.hits:
        hint = f"; did you mean: {'、'.join(result.suggestions)}" if result.suggestions else ""
        err.print(f"no hits for {query!r}{hint}")
        raise typer.Exit(1)
    table = Table("type", "name", "department", "万元", "snippet", "file:line", show_lines=False)
    for h in result.hits:
        snip = h.snippet.replace("[", "\\[").replace("«", "[bold yellow]").replace("»", "[/bold yellow]")
        amount = "" if h.amount_wan is None else f"{h.amount_wan:,.2f}"
        name = f"{h.label}（{h.context}）" if h.type == "indicator" and h.context else h.label
        table.add_row(h.type, name, "、".join(h.departments) if h.departments else h.department, amount, snip,
                      f"{h.file}:{h.line}")
    out.print(table)
    facets = "  ".join(f"{k}={v}" for k, v in result.facets["type"].items())
    err.print(f"{len(result.hits)} shown; by type: {facets}")


# ------------------------------------------------------------------ graph


def _graph():
    from kg.graph.build import build

    docs = _store().documents()
    if not docs:
        fail("the store is empty; run `kg ingest PATH` first")
    return build(docs)


def _resolve(g, name: str) -> str:
    """The node a user named, or a one-line error."""
    from kg.graph.queries import NotFound, resolve

    try:
        return resolve(g, name)
    except NotFound as exc:
        fail(str(exc))


def _graph_and_node(name: str):
    g = _graph()
    return g, _resolve(g, name)


@app.command()
def sparql(query: Optional[str] = typer.Argument(None, help="A SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE)."),
           file: Optional[Path] = typer.Option(None, "--file", help="Read the query from a .rq file."),
           as_json: bool = typer.Option(False, "--json", help="SPARQL 1.1 Query Results JSON."),
           as_csv: bool = typer.Option(False, "--csv", help="SPARQL 1.1 Query Results CSV.")):
    """Run a read-only SPARQL query over the RDF export (Oxigraph). Prefixes bkg: skos: eli: qb: prov: org: are predefined."""
    from kg.graph import sparql as sp

    if (query is None) == (file is None):
        fail("give a query or --file Q.rq (one of them)", 2)
    if file is not None:
        if not file.exists():
            fail(f"no such file: {file}", 2)
        query = file.read_text(encoding="utf-8")
    store = _store()
    if not store.manifest():
        fail("the store is empty; run `kg ingest PATH` first")
    try:
        result = sp.run(sp.open_store(store), query)
    except sp.SparqlError as exc:
        fail(str(exc), 2)
    if as_json:
        sys.stdout.buffer.write(sp.to_json(result) + b"\n")
        return
    if as_csv:
        sys.stdout.buffer.write(sp.to_csv(result))
        return
    header, rows = sp.rows(result)
    table = Table(*header)
    for r in rows:
        table.add_row(*[("" if v is None else v) for v in r])
    out.print(table)
    err.print(f"{len(rows)} rows")


@app.command()
def policy(number: str = typer.Argument(..., help="Document number in any bracket style (or a title)."),
           as_json: bool = typer.Option(False, "--json")):
    """A policy, the projects that cite it (department, amount) and their total."""
    from kg.graph.queries import NotFound, policy_report

    docs = _store().documents()
    try:
        report = policy_report(docs, number)
    except NotFound as exc:
        fail(str(exc))
    if as_json:
        emit_json(report)
        return
    out.print(f"{report['doc_number'] or ''} 《{report['title'] or ''}》 {report['issuer'] or ''}".strip())
    table = Table("project", "department", "year", "万元", "file:line")
    for p in report["projects"]:
        table.add_row(p["name"], p["department"], str(p["fiscal_year"] or ""),
                      "" if p["amount_wan"] is None else f"{p['amount_wan']:,.2f}",
                      f"{p['source']['file']}:{p['source']['line']}")
    out.print(table)
    out.print(f"total: {report['total_wan']:,.2f} 万元 in {len(report['projects'])} projects, "
              f"{len(report['departments'])} departments")


@app.command()
def show(name: str = typer.Argument(..., help="A department, project, policy, indicator or code (exact or part of the name)."),
         as_json: bool = typer.Option(False, "--json")):
    """Any node of the graph with its neighbours and amounts."""
    from kg.graph.queries import describe

    g, node = _graph_and_node(name)
    info = describe(g, node)
    if as_json:
        emit_json(info)
        return
    out.print(f"[bold]{info['label']}[/bold]  ({info['kind']})  {info['id']}")
    for k, v in info.items():
        if k not in ("id", "label", "kind", "neighbours"):
            out.print(f"  {k}: {v}")
    table = Table("relation", "dir", "kind", "name", "amount")
    for n in info["neighbours"]:
        amount = n.get("amount_wan")
        amount = f"{amount:,.2f} 万元" if amount is not None else (
            f"{n['amount_yuan']:,.0f} 元" if n.get("amount_yuan") is not None else "")
        table.add_row(n["relation"] or "", "→" if n["direction"] == "out" else "←", n["kind"] or "", n["label"] or "", amount)
    out.print(table)


@app.command()
def neighbors(name: str = typer.Argument(...), depth: int = typer.Option(1, "--depth", min=1, max=4),
              as_json: bool = typer.Option(False, "--json")):
    """Nodes within DEPTH hops of a node."""
    from kg.graph.queries import neighbourhood

    g, node = _graph_and_node(name)
    sub = neighbourhood(g, node, depth)
    nodes = [{"id": n, **a} for n, a in sorted(sub.nodes(data=True))]
    edges = [{"source": u, "target": v, **d} for u, v, d in sorted(sub.edges(data=True), key=lambda e: (e[0], e[1]))]
    if as_json:
        emit_json({"center": node, "nodes": nodes, "edges": edges})
        return
    table = Table("kind", "name", "id")
    for n in nodes:
        table.add_row(n["kind"], n["label"], n["id"])
    out.print(table)
    err.print(f"{len(nodes)} nodes, {len(edges)} edges within {depth} hops of {node}")


@app.command()
def path(source: str = typer.Argument(...), target: str = typer.Argument(...),
         as_json: bool = typer.Option(False, "--json")):
    """The shortest chain of relations between two nodes (source documents left out)."""
    from kg.graph.queries import NotFound, shortest_path

    g, a = _graph_and_node(source)
    b = _resolve(g, target)
    try:
        steps = shortest_path(g, a, b)
    except NotFound as exc:
        fail(str(exc))
    if as_json:
        emit_json(steps)
        return
    for s in steps:
        out.print(f"{s['label']} ({s['kind']})" + (f"  —{s['relation_to_next']}—" if s["relation_to_next"] else ""))


def main() -> None:
    """Entry point: a bug shows one line and how to report it, never a traceback (KG_DEBUG=1 shows it)."""
    import os

    try:
        app()
    except Exception as exc:  # pragma: no cover - last resort
        if os.environ.get("KG_DEBUG"):
            raise
        err.print(f"[red]internal error:[/red] {type(exc).__name__}: {exc} (rerun with KG_DEBUG=1 for details)")
        sys.exit(1)


# ------------------------------------------------------------------ pictures


class PictureFormat(str, Enum):
    html = "html"
    png = "png"
    svg = "svg"


@app.command()
def viz(policy: Optional[str] = typer.Option(None, "--policy", help="Document number (any brackets) or title."),
        department: Optional[str] = typer.Option(None, "--department"),
        project: Optional[str] = typer.Option(None, "--project"),
        search: Optional[str] = typer.Option(None, "--search", help="Draw the subgraph around the hits of a search."),
        depth: Optional[int] = typer.Option(None, "--depth", min=1, max=4, help="Hops around the centre (default 1-2)."),
        format: PictureFormat = typer.Option(PictureFormat.html, "--format", "-f"),
        output: Path = typer.Option(Path("kg-graph.html"), "--output", "-o")):
    """Draw part of the graph: a self-contained offline HTML page, or a PNG/SVG picture."""
    from kg.graph import viz as vz

    if sum(x is not None for x in (policy, department, project, search)) != 1:
        fail("choose exactly one of --policy, --department, --project, --search", 2)
    g = _graph()
    search_nodes = None
    if search is not None:
        from kg.search.query import QueryError, search as run

        try:
            hits = run(_store().home, search, limit=50).hits
        except QueryError as exc:
            fail(str(exc), 2)
        search_nodes = vz.search_hits_to_nodes(g, hits)
        if not search_nodes:
            fail(f"no hits for {search!r}; nothing to draw")
    try:
        sub, centres, title = vz.select(g, policy=policy, department=department, project=project,
                                        search_nodes=search_nodes, depth=depth)
        if search is not None:
            title = f"检索 {search}"
        if format is PictureFormat.html:
            path = vz.write_html(sub, centres, title, output)
        else:
            from kg.graph.pictures import draw_graph, font_warning

            note = font_warning()
            if note:
                err.print(f"note: {note}")
            if output.suffix.lower() != f".{format.value}":
                output = output.with_suffix(f".{format.value}")
            path = draw_graph(sub, centres, title, output)
    except vz.VizError as exc:
        fail(str(exc))
    err.print(f"wrote {path} ({sub.number_of_nodes()} nodes, {sub.number_of_edges()} edges)")


@app.command()
def chart(department: str = typer.Option(..., "--department", help="Department name (exact or a part)."),
          year: Optional[int] = typer.Option(None, "--year"),
          output: Path = typer.Option(Path("department-chart.svg"), "--output", "-o", help=".svg or .png")):
    """A department's spending by functional class (sunburst) and its projects' funding mix."""
    from kg.graph.pictures import department_chart, font_warning

    docs = [d for d in _store().documents() if department in d.department.name and (year is None or d.department.fiscal_year == year)]
    if not docs:
        fail(f"no department matching {department!r}{' in ' + str(year) if year else ''}; see `kg stats` or `kg search`")
    exact = [d for d in docs if d.department.name == department] or docs
    doc = sorted(exact, key=lambda d: d.department.fiscal_year or 0)[-1]
    note = font_warning()
    if note:
        err.print(f"note: {note}")
    path = department_chart(doc, output)
    err.print(f"wrote {path} ({doc.department.name} {doc.department.fiscal_year})")
