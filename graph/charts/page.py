"""One self-contained HTML page per picture: plotly.js and the figure inlined, no network.

plotly.js comes inside the ``plotly`` Python distribution (PyPI), so the page needs neither npm
nor a CDN; the Content-Security-Policy forbids every request. Document text reaches the page as
JSON data whose labels were escaped for plotly (``common.plain``), so it shows as text.
"""

from __future__ import annotations

import html
import os
import re
from functools import lru_cache
from pathlib import Path

from ..viz import _json_for_script

TEMPLATE = Path(__file__).resolve().parent.parent / "chart_template.html"
DEFAULT_LINK_BASE = "http://127.0.0.1:8000"
"""Where `kg serve` listens by default; a click on a node opens ``<base>/node/<id>``."""


def link_base() -> str:
    """$KG_SERVE_URL, else the default `kg serve` address (an empty value gives same-server links)."""
    return os.environ.get("KG_SERVE_URL", DEFAULT_LINK_BASE).rstrip("/")


@lru_cache(maxsize=1)
def plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def render(kind: str, title: str, figure: dict, note: str, base: str | None = None) -> str:
    """The page for one figure. ``base`` overrides where clicks lead (default ``link_base()``)."""
    data = {"kind": kind, "title": title, "figure": figure, "note": note,
            "link_base": link_base() if base is None else base.rstrip("/")}
    values = {"__TITLE__": html.escape(title), "__DATA__": _json_for_script(data),
              "/*__PLOTLY__*/": plotly_js().replace("</script", "<\\/script")}
    return re.sub(r"__TITLE__|__DATA__|/\*__PLOTLY__\*/", lambda m: values[m.group(0)],
                  TEMPLATE.read_text(encoding="utf-8"))
