"""Text for plotly: document text is escaped before plotly sees it.

Plotly reads labels and hover text as a small HTML subset (``<br>``, ``<b>`` …) and decodes
entities; escaping ``& < >`` makes a project named ``<script>…`` show as those characters.
"""

from __future__ import annotations

import html
from typing import Iterable


def plain(text: str) -> str:
    """Document text made safe for a plotly label: shown exactly as printed, never read as markup."""
    return html.escape(str(text), quote=False).replace("\n", "<br>")


def hover_lines(head: str, rows: Iterable[tuple[str, str]], places: Iterable[str] = ()) -> str:
    """Hover text: the name in bold, one ``name: value`` line per row, then where it was read."""
    lines = [f"<b>{plain(head)}</b>"] + [f"{plain(k)}: {plain(v)}" for k, v in rows if v not in (None, "")]
    places = list(dict.fromkeys(places))
    if places:
        shown = places[:4] + ([f"… 另 {len(places) - 4} 处"] if len(places) > 4 else [])
        lines.append("出处: " + "<br>".join(plain(p) for p in shown))
    return "<br>".join(lines)


GRAPH_KINDS = ("department", "project", "policy", "functional", "funding")
SYNTHETIC = ("project:unlisted", "funding:unstated")


def node_link(key: str) -> str:
    """The key a click opens in `kg serve` (``/node/<id>``), or "" for things that are no graph node
    (基本支出, a “其他” group, an unstated remainder)."""
    kind = key.split(":", 1)[0]
    if kind not in GRAPH_KINDS or key in SYNTHETIC or "-other:" in key:
        return ""
    return key
