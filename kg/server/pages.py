"""The web pages: each route calls BudgetKG and renders what it returns, as HTML or as JSON.

JSON for every page: the same path with ``.json`` (``/search.json``, ``/node/<id>.json``) or a
request that accepts application/json before text/html. HTML goes through Jinja2 with autoescape
on, so document text (a project named ``<script>``) is shown as text.
"""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from kg.errors import KGError, UsageError

from . import HERE, PICTURE_CSP

KIND_NAMES = {"department": "部门 department", "unit": "所属单位 unit", "project": "项目 project",
              "policy": "政策 policy", "indicator": "绩效指标 indicator", "funding": "资金来源 funding source",
              "functional": "功能分类 functional class", "economic": "经济分类 economic class",
              "document": "来源文件 source document"}
SEARCH_TYPES = ("project", "indicator", "policy", "department", "text")
HIDDEN = {"id", "label", "kind", "neighbours", "quote", "file", "line", "page"}
"""Node attributes shown elsewhere on the page than in its attribute table."""


def node_url(node_id: str) -> str:
    """The stable address of a node: ``/node/`` and the id, %-encoded as encodeURIComponent does (charts link so)."""
    return "/node/" + quote(node_id, safe="-_.!~*'()")


def picture_url(node_id: str) -> str:
    """The offline graph picture of a node."""
    return "/graph/" + quote(node_id, safe="-_.!~*'()")


def json_url(request: Request) -> Optional[str]:
    """This page as JSON: the path with ``.json``, the same query string."""
    path = request.url.path
    if path in ("/", "/editor") or path.startswith(("/graph/", "/static/")) or path.endswith(".json"):
        return None
    return quote(path, safe="/:") + ".json" + (f"?{request.url.query}" if request.url.query else "")


def place(attrs: dict) -> str:
    """Where a fact was read, as people find it: ``file:12``, ``file p.3`` for a PDF, ``file!Sheet!B7`` for a workbook."""
    from kg.graph.facts import where

    return where(attrs)


def _amount(attrs: dict) -> str:
    if attrs.get("amount_wan") is not None:
        return f"{attrs['amount_wan']:,.2f} 万元"
    if attrs.get("amount_yuan") is not None:
        return f"{attrs['amount_yuan']:,.0f} 元"
    return ""


env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                  trim_blocks=True, lstrip_blocks=True)
def highlight(snippet: str) -> Markup:
    """A search snippet with the matched words («…») marked; the text itself is escaped."""
    return Markup(str(escape(snippet)).replace("«", "<mark>").replace("»", "</mark>"))


env.filters["highlight"] = highlight
env.globals.update(node_url=node_url, place=place, picture_url=picture_url, json_url=None, kind_names=KIND_NAMES, amount=_amount)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    if is_dataclass(value):
        return asdict(value)
    if isinstance(value, (set, tuple)):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, default=_plain, indent=1)
    return Response(body, status_code=status, media_type="application/json; charset=utf-8")


def wants_json(request: Request) -> bool:
    if request.url.path.endswith(".json"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and ("text/html" not in accept
                                             or accept.index("application/json") < accept.index("text/html"))


def render(request: Request, template: str, data: Any, status: int = 200, **context) -> Response:
    """The page as JSON (``data``) or HTML (the template with ``data`` and ``context``)."""
    if wants_json(request):
        return json_response(data, status)
    html = env.get_template(template).render(data=data, request=request, json_url=json_url(request), **context)
    return HTMLResponse(html, status_code=status)


async def on_kg_error(request: Request, exc: KGError) -> Response:
    if wants_json(request):
        return json_response({"error": exc.as_dict()}, exc.http_status)
    html = env.get_template("error.html").render(error=exc, request=request)
    return HTMLResponse(html, status_code=exc.http_status)


async def on_http_error(request: Request, exc: HTTPException) -> Response:
    error = KGError(exc.detail or "error")
    if wants_json(request):
        return json_response({"error": {"code": "http", "message": exc.detail, "hint": None}}, exc.status_code)
    html = env.get_template("error.html").render(error=error, request=request)
    return HTMLResponse(html, status_code=exc.status_code, headers=getattr(exc, "headers", None))


EXCEPTION_HANDLERS = {KGError: on_kg_error, HTTPException: on_http_error}


def _kg(request: Request):
    return request.app.state.kg


def _int(value: Optional[str], name: str, low: int = 0, high: int = 10**9) -> Optional[int]:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise UsageError(f"{name} must be a whole number, not {value!r}") from None
    if not low <= number <= high:
        raise UsageError(f"{name} must be between {low} and {high}")
    return number


def _float(value: Optional[str], name: str) -> Optional[float]:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        raise UsageError(f"{name} must be a number (万元), not {value!r}") from None


# ------------------------------------------------------------------ routes


async def home(request: Request) -> Response:
    kg = _kg(request)
    stats = await run_in_threadpool(kg.stats)
    queries = [q.as_dict() for q in kg.queries()]
    return render(request, "home.html", {"stats": stats, "queries": queries})


async def search(request: Request) -> Response:
    kg = _kg(request)
    p = request.query_params
    text = p.get("q", "").strip()
    filters = {"type": p.get("type") or None, "department": p.get("department") or None,
               "year": _int(p.get("year"), "year", 1900, 2200), "min_amount": _float(p.get("min_amount"), "min_amount"),
               "max_amount": _float(p.get("max_amount"), "max_amount")}
    limit = _int(p.get("limit"), "limit", 1, 500) or 20
    if filters["type"] is not None and filters["type"] not in SEARCH_TYPES:
        raise UsageError(f"unknown type {filters['type']!r}; choose one of {', '.join(SEARCH_TYPES)}")
    if not text:
        return render(request, "search.html", {"query": "", "hits": [], "facets": {}, "suggestions": [], "notes": []},
                      filters=filters, facet_links={}, limit=limit)

    def run():
        result = kg.search(text, limit=limit, **filters)
        nodes = kg.hit_nodes(result.hits) if result.hits else []
        return result, nodes

    result, nodes = await run_in_threadpool(run)
    data = result.as_dict()
    for hit, node_id in zip(data["hits"], nodes):
        hit["node"] = node_id
        hit["url"] = node_url(node_id) if node_id else None
    base = {"q": text, "limit": limit, **{k: v for k, v in filters.items() if v is not None}}
    facet_links = {facet: {value: "/search?" + urlencode({**base, facet: value}) for value in counts}
                   for facet, counts in data["facets"].items()}
    return render(request, "search.html", data, filters=filters, facet_links=facet_links, limit=limit)


async def node(request: Request) -> Response:
    kg = _kg(request)
    node_id = request.path_params["node_id"]
    as_json = False
    if node_id.endswith(".json"):
        graph = await run_in_threadpool(kg.graph)
        if node_id not in graph:
            node_id, as_json = node_id[: -len(".json")], True
    info = await run_in_threadpool(kg.node, node_id)
    if as_json:
        return json_response(info)
    attributes = {k: v for k, v in info.items() if k not in HIDDEN and v not in (None, "")}
    groups: dict[str, list[dict]] = {}
    for n in info["neighbours"]:
        groups.setdefault(n["relation"] or "", []).append(n)
    return render(request, "node.html", info, attributes=attributes, groups=groups)


async def picture(request: Request) -> Response:
    kg = _kg(request)
    depth = _int(request.query_params.get("depth"), "depth", 1, 3) or 1
    html = await run_in_threadpool(kg.node_picture, request.path_params["node_id"], depth)
    return HTMLResponse(html, headers={"Content-Security-Policy": PICTURE_CSP})


async def check(request: Request) -> Response:
    kg = _kg(request)
    source = request.query_params.get("source")

    def run():
        docs = kg.check().as_dict()["documents"]
        return [d for d in docs if source is None or d["source"] == source]

    results = await run_in_threadpool(run)
    if source is not None and not results:
        from kg.errors import NotFoundError

        raise NotFoundError(f"no stored document {source!r}", "see /check for every document")
    return render(request, "check.html", results, source=source)


async def queries(request: Request) -> Response:
    return render(request, "queries.html", [q.as_dict() for q in _kg(request).queries()])


async def editor(request: Request) -> Response:
    kg = _kg(request)
    name = request.query_params.get("name")
    text = request.query_params.get("query") or (kg.bundled_query(name).text if name else "")
    data = {"query": text, "queries": [q.as_dict() for q in kg.queries()]}
    return render(request, "editor.html", data, settings=request.app.state.settings)
