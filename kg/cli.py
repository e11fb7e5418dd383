"""The `kg` command: parses arguments, calls the application object (kg.app.BudgetKG) and prints.

Data goes to stdout (a table, or JSON with --json, Chinese unescaped); progress
and messages go to stderr. Exit codes: 0 ok, 1 problems found, 2 usage; a
kg.errors.KGError carries its own exit code.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from functools import wraps
from pathlib import Path
from typing import List, Optional

import typer
from rich.text import Text
from rich.table import Table

from kg.app import BudgetKG
from kg.display import SafeConsole, printable
from kg.errors import KGError

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False,
                  help="Knowledge graph and search over Chinese government budget disclosures (部门预算公开).")
# markup is off: names, paths and queries are printed as the text they are (kg.display)
out = SafeConsole(highlight=False, width=None if sys.stdout.isatty() else 240)
err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)


def emit_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def fail(message: str, code: int = 1) -> None:
    err.print(Text("error:", style="red"), message)
    raise typer.Exit(code)


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


def _table(header, rows) -> None:
    table = Table(*header)
    for r in rows:
        table.add_row(*(printable(c) if isinstance(c, str) else ("" if c is None else c) for c in r))
    out.print(table)


def _highlighted(snippet: str) -> Text:
    """A search snippet with its «match» in bold yellow; the rest shown as the text it is."""
    text = Text()
    for i, part in enumerate(snippet.replace("»", "«").split("«")):
        text.append(printable(part), style="bold yellow" if i % 2 else "")
    return text


def _note(note: str) -> None:
    err.print(f"note: {note}")


# ------------------------------------------------------------------ ingest


@command()
def ingest(paths: List[str] = typer.Argument(..., help="Files or folders (searched recursively)."),
           format: Optional[str] = typer.Option(None, "--format", "-f", help="Force a layout parser (see `kg formats`)."),
           as_json: bool = typer.Option(False, "--json", help="Print outcomes as JSON."),
           max_file_mb: Optional[float] = typer.Option(None, "--max-file-mb", min=0,
                                                       help="Skip files larger than this (MB; default 100 or $KG_MAX_FILE_MB)."),
           file_timeout: Optional[float] = typer.Option(None, "--file-timeout", min=0,
                                                        help="Stop reading one file after this many seconds (default 120 or $KG_FILE_TIMEOUT; 0 = no limit).")):
    """Read budget documents into the store ($KG_HOME, default ./.kg) and update the search index.

    A second run on the same store waits for the first; a run that was killed is completed by the next one."""
    from rich.progress import BarColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}", markup=False), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  console=err, transient=True, disable=as_json or not err.is_terminal) as bar:
        task = bar.add_task("ingesting", total=None)

        def progress(done: int, total: int, current: str) -> None:
            bar.update(task, completed=done, total=total, description=printable(Path(current).name[:40]) or "done")

        outcomes = BudgetKG().ingest(paths, layout=format, progress=progress, on_note=_note,
                                     max_file_mb=max_file_mb, file_seconds=file_timeout)
    failed = [o for o in outcomes if o.status == "failed"]
    if as_json:
        emit_json([o.as_dict() for o in outcomes])
    else:
        for o in outcomes:
            if o.status == "failed":
                err.print(Text("✗", style="red"), f"{o.source}: {o.problems[0].message}" if o.problems else o.source)
            else:
                warn = f"  ({len(o.problems)} warnings)" if o.problems else ""
                out.print(f"✓ {o.source}  {o.status}  layout={o.layout}  projects={o.projects}  "
                          f"indicators={o.indicators}  legal_bases={o.legal_bases}{warn}")
        ok = len(outcomes) - len(failed)
        err.print(f"{ok} of {len(outcomes)} files ingested" + (f", {len(failed)} failed" if failed else ""))
    if failed or not outcomes:
        raise typer.Exit(1)


@command(name="check")
def check_cmd(as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
              html: Optional[Path] = typer.Option(None, "--html", help="Also write a self-contained HTML report here."),
              rules: bool = typer.Option(False, "--rules", help="List the rules and exit."),
              rule: Optional[List[str]] = typer.Option(None, "--rule", help="Run only this rule id (repeatable).")):
    """Check each stored document as an auditor would: sums, tables against tables, text against tables,
    projects against their target tables, missing or empty tables. Exit 1 when an error-level finding exists."""
    from kg.checks.report import render_html, render_rules, render_text

    if rules:
        if as_json:
            emit_json(BudgetKG.check_rules())
        else:
            out.print(render_rules(), markup=False)
        return
    report = _kg().check(rule)
    if html:
        html.write_text(render_html(report), encoding="utf-8")
        err.print(f"wrote {html}")
    if as_json:
        emit_json(report.as_dict())
    else:
        out.print(render_text(report), markup=False)
    if report.has_errors:
        raise typer.Exit(1)


@command()
def reindex():
    """Rebuild the search index from the stored records (after the index was deleted or the tool upgraded)."""
    count = BudgetKG().reindex(on_note=_note)
    err.print(f"search index rebuilt from {count} documents")


@command()
def doctor(check_only: bool = typer.Option(False, "--check", help="Only report; change nothing (exit 1 if anything is wrong)."),
           as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON.")):
    """Verify that the store and the search index agree (every stored document searchable, nothing else) and repair them."""
    report = BudgetKG().doctor(fix=not check_only, on_note=_note)
    if as_json:
        emit_json(report.as_dict())
    else:
        err.print(f"store and index: {report.drift.describe()}")
        if report.unreadable_records:
            err.print(f"{len(report.unreadable_records)} stored records no longer load; ingest their files again")
        if report.index_rebuilt:
            err.print(f"the search index needed a rebuild: {report.index_rebuilt}")
        if not report.healthy:
            err.print("repaired" if report.repaired else "run `kg doctor` (without --check) to repair")
    if not report.healthy and not report.repaired:
        raise typer.Exit(1)


@command()
def formats(as_json: bool = typer.Option(False, "--json")):
    """List the document layouts this tool can read."""
    rows = BudgetKG.formats()
    if as_json:
        emit_json(rows)
        return
    _table(("name", "description"), [(r["name"], r["description"]) for r in rows])


@command()
def stats(as_json: bool = typer.Option(False, "--json")):
    """Counts of what the store holds, and whether the search index agrees with it (index_drift)."""
    data = _kg().stats()
    if as_json:
        emit_json(data)
        return
    _table(("what", "count"), [(k, ", ".join(f"{a}={b}" for a, b in v.items()) if isinstance(v, dict) else str(v))
                               for k, v in data.items()])


class ExportFormat(str, Enum):
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    turtle = "turtle"
    ntriples = "ntriples"
    jsonld = "jsonld"
    graphml = "graphml"
    gexf = "gexf"


@command()
def export(format: ExportFormat = typer.Option(ExportFormat.json, "--format", "-f"),
           output: Path = typer.Option(..., "--output", "-o", help="File to write (for csv: a folder or a file stem)."),
           force: bool = typer.Option(False, "--force", help="Replace OUTPUT if it exists (otherwise an existing file is never touched; the new file is written whole, then renamed into place).")):
    """Write the store as JSON, CSV (one file per table), .xlsx (one sheet per table), RDF or a graph file."""
    for path in _kg().export(format.value, output, force=force):
        err.print(f"wrote {path}")


# ------------------------------------------------------------------ search


class EntityType(str, Enum):
    project = "project"
    indicator = "indicator"
    policy = "policy"
    department = "department"
    text = "text"


@command()
def search(query: str = typer.Argument(..., help="Words, a name, or a document number in any bracket style."),
           type: Optional[EntityType] = typer.Option(None, "--type", "-t"),
           department: Optional[str] = typer.Option(None, "--department", "-d", help="Exact department name."),
           year: Optional[int] = typer.Option(None, "--year", "-y"),
           min_amount: Optional[float] = typer.Option(None, "--min-amount", help="万元"),
           max_amount: Optional[float] = typer.Option(None, "--max-amount", help="万元"),
           limit: int = typer.Option(20, "--limit", "-n"),
           as_json: bool = typer.Option(False, "--json")):
    """Find projects, indicators, policies, departments and text that mention QUERY."""
    result = _kg().search(query, type=type.value if type else None, department=department, year=year,
                          min_amount=min_amount, max_amount=max_amount, limit=limit)
    if as_json:
        emit_json(result.as_dict())
        return
    for note in result.notes:
        _note(note)
    if not result.hits:
        hint = f"; did you mean: {'、'.join(result.suggestions)}" if result.suggestions else ""
        err.print(f"no hits for {query!r}{hint}")
        raise typer.Exit(1)
    table = Table("type", "name", "department", "万元", "snippet", "file:line", show_lines=False)
    for h in result.hits:
        snip = _highlighted(h.snippet)
        amount = "" if h.amount_wan is None else f"{h.amount_wan:,.2f}"
        name = f"{h.label}（{h.context}）" if h.type == "indicator" and h.context else h.label
        table.add_row(h.type, printable(name), printable("、".join(h.departments) if h.departments else h.department),
                      amount, snip, printable(h.where or f"{h.file}:{h.line}"))
    out.print(table)
    facets = "  ".join(f"{k}={v}" for k, v in result.facets["type"].items())
    err.print(f"{len(result.hits)} shown; by type: {facets}")


# ------------------------------------------------------------------ graph


@command()
def sparql(query: Optional[str] = typer.Argument(None, help="A SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE)."),
           file: Optional[Path] = typer.Option(None, "--file", help="Read the query from a .rq file."),
           name: Optional[str] = typer.Option(None, "--query", "-q",
                                              help="Run a bundled query by name or letter (see `kg queries`)."),
           as_json: bool = typer.Option(False, "--json", help="SPARQL 1.1 Query Results JSON; JSON-LD for CONSTRUCT/DESCRIBE."),
           as_csv: bool = typer.Option(False, "--csv", help="SPARQL 1.1 Query Results CSV; N-Triples for CONSTRUCT/DESCRIBE."),
           timeout: float = typer.Option(30.0, "--timeout", help="Stop the query after this many seconds."),
           limit: int = typer.Option(10_000, "--limit", help="Return at most this many rows (or triples)."),
           memory: int = typer.Option(1024, "--memory", help="Memory the query may use, in MB.")):
    """Run a read-only SPARQL query over the RDF export (Oxigraph), bounded in time, rows and memory.

    Prefixes bkg: skos: eli: qb: prov: org: are predefined. Updates and SERVICE are refused."""
    if sum(x is not None for x in (query, file, name)) != 1:
        fail("give a query, --file Q.rq or --query NAME (one of them)", 2)
    if file is not None:
        if not file.exists():
            fail(f"no such file: {file}", 2)
        query = file.read_text(encoding="utf-8")
    result = _kg().sparql(query=query, name=name, timeout=timeout, max_rows=limit, max_memory_mb=memory)
    if as_json or as_csv:
        for chunk in (result.iter_json() if as_json else result.iter_csv()):
            sys.stdout.buffer.write(chunk)
            sys.stdout.flush()
    else:
        header, rows = result.table()
        _table(header, [[("" if v is None else v) for v in r] for r in rows])
        err.print(f"{len(rows)} rows")
    if result.truncated:
        err.print(f"[yellow]warning:[/yellow] stopped at {limit} rows (--limit); the answer is cut")


@command()
def queries(as_json: bool = typer.Option(False, "--json")):
    """List the bundled competency queries (run one with `kg sparql --query NAME`)."""
    found = BudgetKG.queries()
    if as_json:
        emit_json([q.as_dict() for q in found])
        return
    _table(("name", "description"), [(q.name, q.description) for q in found])


@command()
def policy(number: str = typer.Argument(..., help="Document number in any bracket style (or a title)."),
           as_json: bool = typer.Option(False, "--json")):
    """A policy, the projects resting on it (立项依据: department, amount, total) and those citing it elsewhere."""
    report = _kg().policy(number)
    if as_json:
        emit_json(report)
        return
    out.print(f"{report['doc_number'] or ''} 《{report['title'] or ''}》 {report['issuer'] or ''}".strip())
    if report["projects"]:
        _table(("project", "department", "year", "万元", "file:line"),
               [(p["name"], p["department"], str(p["fiscal_year"] or ""),
                 "" if p["amount_wan"] is None else f"{p['amount_wan']:,.2f}",
                 p["source"].get("where") or f"{p['source']['file']}:{p['source']['line']}") for p in report["projects"]])
    out.print(f"total: {report['total_wan']:,.2f} 万元 in {len(report['projects'])} projects, "
              f"{len(report['departments'])} departments (立项依据, legal basis)")
    if report["cited_in"]:
        out.print("cited elsewhere (保证项目实施的制度、措施 …), not the legal basis:")
        _table(("project", "department", "year", "万元", "file:line"),
               [(p["name"], p["department"], str(p["fiscal_year"] or ""),
                 "" if p["amount_wan"] is None else f"{p['amount_wan']:,.2f}",
                 p["source"].get("where") or f"{p['source']['file']}:{p['source']['line']}") for p in report["cited_in"]])


@command()
def show(name: str = typer.Argument(..., help="A department, project, policy, indicator or code (exact or part of the name)."),
         as_json: bool = typer.Option(False, "--json")):
    """Any node of the graph with its neighbours and amounts."""
    info = _kg().show(name)
    if as_json:
        emit_json(info)
        return
    out.print(Text(printable(info["label"]), style="bold"), f" ({info['kind']})  {info['id']}")
    for k, v in info.items():
        if k not in ("id", "label", "kind", "neighbours"):
            out.print(f"  {k}: {v}")
    rows = []
    for n in info["neighbours"]:
        amount = n.get("amount_wan")
        amount = f"{amount:,.2f} 万元" if amount is not None else (
            f"{n['amount_yuan']:,.0f} 元" if n.get("amount_yuan") is not None else "")
        rows.append((n["relation"] or "", "→" if n["direction"] == "out" else "←", n["kind"] or "", n["label"] or "", amount))
    _table(("relation", "dir", "kind", "name", "amount"), rows)


@command()
def neighbors(name: str = typer.Argument(...), depth: int = typer.Option(1, "--depth", min=1, max=4),
              as_json: bool = typer.Option(False, "--json")):
    """Nodes within DEPTH hops of a node."""
    data = _kg().neighbors(name, depth)
    if as_json:
        emit_json(data)
        return
    _table(("kind", "name", "id"), [(n["kind"], n["label"], n["id"]) for n in data["nodes"]])
    err.print(f"{len(data['nodes'])} nodes, {len(data['edges'])} edges within {depth} hops of {data['center']}")


@command()
def path(source: str = typer.Argument(...), target: str = typer.Argument(...),
         as_json: bool = typer.Option(False, "--json")):
    """The shortest chain of relations between two nodes (source documents left out)."""
    steps = _kg().path(source, target)
    if as_json:
        emit_json(steps)
        return
    for s in steps:
        out.print(f"{s['label']} ({s['kind']})" + (f"  —{s['relation_to_next']}—" if s["relation_to_next"] else ""))


def main() -> None:
    """Entry point: a bug shows one line and how to report it, never a traceback (KG_DEBUG=1 shows it)."""
    import os

    from kg.oserrors import environment_message

    try:
        app()
    except OSError as exc:  # the environment (permissions, full disk, a folder given as a file), not a bug
        if os.environ.get("KG_DEBUG"):
            raise
        err.print(Text("error:", style="red"), environment_message(exc))
        sys.exit(1)
    except Exception as exc:  # pragma: no cover - last resort
        if os.environ.get("KG_DEBUG"):
            raise
        err.print(Text("internal error:", style="red"), f"{type(exc).__name__}: {exc} (rerun with KG_DEBUG=1 for details)")
        sys.exit(1)


# ------------------------------------------------------------------ pictures


class PictureFormat(str, Enum):
    html = "html"
    png = "png"
    svg = "svg"


@command()
def viz(policy: Optional[str] = typer.Option(None, "--policy", help="Document number (any brackets) or title."),
        department: Optional[str] = typer.Option(None, "--department"),
        project: Optional[str] = typer.Option(None, "--project"),
        search: Optional[str] = typer.Option(None, "--search", help="Draw the subgraph around the hits of a search."),
        depth: Optional[int] = typer.Option(None, "--depth", min=1, max=4, help="Hops around the centre (default 1-2)."),
        format: PictureFormat = typer.Option(PictureFormat.html, "--format", "-f"),
        output: Path = typer.Option(Path("kg-graph.html"), "--output", "-o"),
        force: bool = typer.Option(False, "--force", help="Replace OUTPUT if it exists (otherwise an existing file is never touched; the new file is written whole, then renamed into place).")):
    """Draw part of the graph: a self-contained offline HTML page, or a PNG/SVG picture."""
    picture = _kg().viz(policy=policy, department=department, project=project, search=search, depth=depth,
                        format=format.value, output=output, on_note=_note, force=force)
    err.print(f"wrote {picture.path} ({picture.nodes} nodes, {picture.edges} edges)")


class ChartKind(str, Enum):
    sankey = "sankey"
    treemap = "treemap"
    policy = "policy"
    top_policies = "top-policies"


@command()
def chart(kind: ChartKind = typer.Option(ChartKind.sankey, "--kind", "-k",
                                         help="sankey: where the money goes; treemap: the biggest projects; "
                                              "policy: a policy's projects; top-policies: policies by money carried."),
          department: Optional[str] = typer.Option(None, "--department", help="Department name (exact or a part)."),
          county: Optional[str] = typer.Option(None, "--county", help="Every department of a county, e.g. 泽州县."),
          policy: Optional[str] = typer.Option(None, "--policy", help="Document number (any brackets) or title."),
          year: Optional[int] = typer.Option(None, "--year", help="Budget year (default: the latest stored)."),
          format: Optional[PictureFormat] = typer.Option(None, "--format", "-f",
                                                         help="html (interactive, offline), svg or png; "
                                                              "default from the output suffix, else html."),
          link_base: Optional[str] = typer.Option(None, "--link-base",
                                                  help="Where clicks in the HTML open nodes (default $KG_SERVE_URL "
                                                       "or http://127.0.0.1:8000; '' for the same server)."),
          output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write (default kg-KIND.FORMAT)."),
          force: bool = typer.Option(False, "--force", help="Replace OUTPUT if it exists (otherwise an existing file is never touched; the new file is written whole, then renamed into place).")):
    """Charts of the money: a money-flow Sankey, a project treemap, a policy's projects, a county's top policies."""
    picture = _kg().chart(kind.value, department=department, county=county, policy=policy, year=year,
                          format=format.value if format else None, output=output, link_base=link_base,
                          on_note=_note, force=force)
    err.print(f"wrote {picture.path} ({picture.title})")


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
    err.print(f"budget-kg at http://{host if ':' not in host else f'[{host}]'}:{port}/  "
              f"(SPARQL endpoint: /sparql; Ctrl-C stops)")
    run(host=host, port=port, settings=Settings(timeout=timeout, max_rows=max_rows), kg=_kg())
