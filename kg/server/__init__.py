"""`kg serve`: a local web app and a SPARQL 1.1 Protocol endpoint, both over one BudgetKG.

A front end like kg/cli.py: it parses requests, calls the application object (kg.app.BudgetKG)
and writes what it returns as HTML (Jinja2, autoescaped), JSON or SPARQL media types. No use
case lives here. Nothing is written over HTTP: every route is GET, except POST /sparql, which
takes read-only queries. Every response carries a Content-Security-Policy that allows this
server only; the pages load no file from any other host.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from kg.app import BudgetKG

HERE = Path(__file__).resolve().parent

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
"""The policy of every page: files from this server only, no inline script, no framing."""

PICTURE_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; "
               "font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
"""The graph pictures are self-contained offline pages (script inline, no request at all), as `kg viz` writes them."""


@dataclass(frozen=True)
class Settings:
    """What `kg serve` was started with."""

    timeout: float = 30.0
    """Seconds a SPARQL query may run before it is stopped (503)."""
    max_rows: int = 10_000
    """Rows (or triples) a SPARQL answer carries at most; a cut answer says so in the KG-Truncated header."""


class SecurityHeaders:
    """ASGI middleware: the Content-Security-Policy and friends on every response (a route may set its own CSP)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = {b"content-security-policy": CSP.encode(), b"x-content-type-options": b"nosniff",
                         b"referrer-policy": b"no-referrer", b"x-frame-options": b"SAMEORIGIN",
                         b"cross-origin-resource-policy": b"same-origin"}
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        return await self.app(scope, receive, send_with_headers)


def create_app(kg: Optional[BudgetKG] = None, settings: Settings = Settings()):
    """The ASGI application over ``kg`` (default: BudgetKG over $KG_HOME)."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from . import pages, sparql

    routes = [
        Route("/", pages.home, name="home"),
        Route("/search", pages.search, name="search"),
        Route("/search.json", pages.search, name="search_json"),
        Route("/node/{node_id:path}", pages.node, name="node"),
        Route("/graph/{node_id:path}", pages.picture, name="picture"),
        Route("/check", pages.check, name="check"),
        Route("/check.json", pages.check, name="check_json"),
        Route("/queries", pages.queries, name="queries"),
        Route("/queries.json", pages.queries, name="queries_json"),
        Route("/editor", pages.editor, name="editor"),
        Route("/sparql", sparql.endpoint, methods=["GET", "POST"], name="sparql"),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)],
                    exception_handlers=pages.EXCEPTION_HANDLERS)
    app.state.kg = kg if kg is not None else BudgetKG()
    app.state.settings = settings
    return app


def serve(host: str = "127.0.0.1", port: int = 8000, settings: Settings = Settings(),
          kg: Optional[BudgetKG] = None) -> None:
    """Run the server until interrupted (uvicorn)."""
    import uvicorn

    uvicorn.run(create_app(kg, settings), host=host, port=port, log_level="warning", server_header=False)
