"""The SPARQL 1.1 Protocol at ``/sparql``: queries by GET or POST, answers by content negotiation.

Read-only: an update request (``update=`` or ``application/sparql-update``) is refused with 400, as are
updates and ``SERVICE`` inside a query (BudgetKG.sparql refuses them before the engine sees them).
Every query runs under the server's time limit and row cap; a query stopped by its time limit gets the
status kg.errors.QueryLimitError declares (503, reasons there) with the reason as text, a bad query
400 with the engine's message. GET without a query answers with a SPARQL 1.1 Service Description
(Turtle), or sends a browser to the editor. The answer's format is negotiated in negotiate.py and
written by kg.graph.sparql_results, the writer `kg sparql` uses too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from kg.errors import KGError
from kg.graph.sparql_results import MEDIA_TYPES

from .negotiate import NotAcceptable, choose

if TYPE_CHECKING:
    from . import Settings

MAX_QUERY_BYTES = 256 * 1024
"""A longer request body is refused (413) before it is read into memory."""

def _text(status: int, message: str) -> PlainTextResponse:
    return PlainTextResponse(message.rstrip() + "\n", status_code=status)


async def _query_of(request: Request) -> tuple[str | None, dict[str, list[str]], Response | None]:
    """The query text and the other parameters, or an error response."""
    params = parse_qs(request.url.query, keep_blank_values=True)
    if request.method == "POST":
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        length = int(request.headers.get("content-length") or 0)
        if length > MAX_QUERY_BYTES:
            return None, params, _text(413, f"the request is larger than {MAX_QUERY_BYTES // 1024} KB")
        body = await request.body()
        if len(body) > MAX_QUERY_BYTES:
            return None, params, _text(413, f"the request is larger than {MAX_QUERY_BYTES // 1024} KB")
        if ctype == "application/sparql-update":
            return None, params, _text(400, "updates are refused: this endpoint is read-only")
        if ctype == "application/sparql-query":
            try:
                return body.decode("utf-8"), params, None
            except UnicodeDecodeError:
                return None, params, _text(400, "the query is not UTF-8 text")
        if ctype == "application/x-www-form-urlencoded":
            try:
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                return None, params, _text(400, "the form is not UTF-8 text")
            for k, v in form.items():
                params.setdefault(k, []).extend(v)
        else:
            return None, params, _text(415, "POST a query as application/sparql-query or "
                                            "application/x-www-form-urlencoded (query=...)")
    if "update" in params:
        return None, params, _text(400, "updates are refused: this endpoint is read-only")
    queries = params.get("query", [])
    if len(queries) > 1:
        return None, params, _text(400, "give one query parameter, not several")
    if params.get("default-graph-uri") or params.get("named-graph-uri"):
        return None, params, _text(400, "this endpoint answers from its one default graph; "
                                        "leave out default-graph-uri and named-graph-uri")
    return (queries[0] if queries else None), params, None


def _run(kg, query: str, settings: "Settings"):
    """Start the query through the application, bounded by the server's time limit and row cap."""
    return kg.sparql(query=query, timeout=settings.timeout, max_rows=settings.max_rows)


def _written(result, name: str) -> bytes:
    """The whole answer in format ``name``: read before the status is sent, so a limit reached while
    the rows come in is still answered with its own status."""
    return b"".join(result.write(name))


async def endpoint(request: Request) -> Response:
    kg, settings = request.app.state.kg, request.app.state.settings
    query, params, error = await _query_of(request)
    if error is not None:
        return error
    if query is None:
        if request.method == "POST":
            return _text(400, "no query given: send query=... or a body of type application/sparql-query")
        accept = request.headers.get("accept", "")
        if "text/html" in accept and "text/turtle" not in accept:
            return RedirectResponse("/editor", status_code=303)
        return Response(service_description(str(request.url_for("sparql")), settings),
                        media_type="text/turtle; charset=utf-8")
    try:
        result = await run_in_threadpool(_run, kg, query, settings)
    except KGError as exc:
        return _text(exc.http_status, str(exc))
    fmt = (params.get("format") or params.get("output") or [None])[0]
    try:
        name = choose(result.kind, request.headers.get("accept"), fmt)
    except NotAcceptable as exc:
        result.close()
        return _text(406, str(exc))
    try:
        body = await run_in_threadpool(_written, result, name)
    except KGError as exc:
        return _text(exc.http_status, str(exc))
    headers = {"Vary": "Accept"}
    if result.truncated:
        headers["KG-Truncated"] = f"the answer was cut at {settings.max_rows} rows (kg serve --max-rows)"
    return Response(body, media_type=f"{MEDIA_TYPES[name]}; charset=utf-8", headers=headers)


def service_description(endpoint_url: str, settings: "Settings") -> bytes:
    """A SPARQL 1.1 Service Description of this endpoint, as Turtle."""
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import RDF

    SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
    FMT = Namespace("http://www.w3.org/ns/formats/")
    g = Graph()
    g.bind("sd", SD)
    g.bind("fmt", FMT)
    s = URIRef(endpoint_url)
    g.add((s, RDF.type, SD.Service))
    g.add((s, SD.endpoint, s))
    g.add((s, SD.supportedLanguage, SD.SPARQL11Query))
    for f in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
              "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        g.add((s, SD.resultFormat, FMT[f]))
    dataset, graph = BNode(), BNode()
    g.add((s, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, SD.defaultGraph, graph))
    g.add((graph, RDF.type, SD.Graph))
    from rdflib.namespace import RDFS

    g.add((s, RDFS.comment, Literal(
        f"budget-kg (部门预算公开) read-only SPARQL endpoint; each query is stopped after {settings.timeout:g} s "
        f"and answers at most {settings.max_rows} rows; SERVICE and updates are refused.")))
    return g.serialize(format="turtle").encode("utf-8")
