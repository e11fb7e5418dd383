"""Static pictures for print (SVG/PNG, matplotlib), laid out in points by our own code.

Each chart computes where every label goes before drawing, from the text sizes the font reports
(``TextPath`` metrics), so labels get the room they need instead of being cut or stacked; and
``text_problems`` asks the renderer afterwards for every text's box, so tests can check that no two
labels overlap and none runs off the figure.

The axes cover the whole figure with one data unit = one point (1/72 inch) and y growing downwards,
which keeps the layout arithmetic the same as the numbers on the page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from kg.graph.pictures import _pyplot

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac", "#86bcb6", "#d37295", "#8cd17d", "#499894", "#f1ce63", "#a0cbe8", "#ffbe7d", "#d4a6c8")
"""Tableau 20-like colours that stay apart in print and for most colour-blind readers."""
OTHER_COLOUR = "#c8c8c8"
TEXT = "#222222"
MUTED = "#666666"


@dataclass
class Canvas:
    """A figure ``width`` × ``height`` points with one axes spanning it in point units (y down)."""

    width: float
    height: float

    def __post_init__(self):
        plt, self.has_cjk = _pyplot()
        self.plt = plt
        self.fig = plt.figure(figsize=(self.width / 72, self.height / 72), dpi=72)
        self.ax = self.fig.add_axes((0, 0, 1, 1))
        self.ax.set_xlim(0, self.width)
        self.ax.set_ylim(self.height, 0)
        self.ax.axis("off")

    def text(self, x: float, y: float, s: str, size: float = 9, **kw):
        kw.setdefault("color", TEXT)
        return self.ax.text(x, y, s, fontsize=size, **kw)

    def save(self, fmt: str) -> bytes:
        buf = io.BytesIO()
        self.fig.savefig(buf, format=fmt, dpi=150 if fmt == "png" else 72,
                         metadata={"Date": None} if fmt == "svg" else {})
        self.plt.close(self.fig)
        return buf.getvalue()


_measurer = None


def text_size(s: str, size: float) -> tuple[float, float]:
    """Width and height in points of ``s`` (one or more lines) at ``size`` in the chosen CJK font."""
    global _measurer
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    plt, _ = _pyplot()
    if _measurer is None:
        _measurer = (TextToPath(), FontProperties(family=plt.rcParams["font.sans-serif"]))
    ttp, prop = _measurer
    prop = prop.copy()
    prop.set_size(size)
    lines = s.split("\n")
    width = max(ttp.get_text_width_height_descent(line or " ", prop, ismath=False)[0] for line in lines)
    return width, len(lines) * size * LINE


@lru_cache(maxsize=4096)
def _char_width(ch: str) -> float:
    """Advance of one character at size 1 (wrapping measures each character once, not every prefix)."""
    return text_size(ch, 100)[0] / 100


LINE = 1.25
"""Line height as a multiple of the font size (matplotlib's default linespacing is 1.2)."""


def wrap(s: str, width: float, size: float, max_lines: Optional[int] = None) -> str:
    """``s`` broken into lines no wider than ``width`` points (Chinese breaks between any two characters,
    so no word splitting is needed); with ``max_lines`` the last line ends in … when cut."""
    lines, line, used = [], "", 0.0
    for ch in s:
        w = _char_width(ch) * size * 1.02  # a little slack for kerning
        if line and used + w > width:
            lines.append(line)
            line, used = "", 0.0
        line += ch
        used += w
    if line:
        lines.append(line)
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_size(last + "…", size)[0] > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return "\n".join(lines)


def text_problems(fig, *, margin: float = 0.5) -> list[str]:
    """Labels that overlap each other or run off the figure, from the boxes the renderer reports.

    Returns one line per problem (empty when the picture is clean)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    boxes = []
    for t in fig.findobj(lambda a: hasattr(a, "get_window_extent") and a.__class__.__name__ == "Text"):
        if not t.get_visible() or not t.get_text().strip():
            continue
        boxes.append((t.get_text(), t.get_window_extent(renderer)))
    problems = []
    for text, b in boxes:
        if b.x0 < page.x0 - margin or b.y0 < page.y0 - margin or b.x1 > page.x1 + margin or b.y1 > page.y1 + margin:
            problems.append(f"clipped: {text!r} at {tuple(round(v) for v in b.extents)} outside {tuple(page.extents)}")
    for i, (ta, a) in enumerate(boxes):
        for tb, b in boxes[i + 1:]:
            w = min(a.x1, b.x1) - max(a.x0, b.x0)
            h = min(a.y1, b.y1) - max(a.y0, b.y0)
            if w > margin and h > margin:
                problems.append(f"overlap: {ta!r} and {tb!r}")
    return problems


def title_block(c: Canvas, title: str, subtitle: str, top: float = 14) -> float:
    """Title and subtitle at the top left; returns the y below them."""
    c.text(16, top, title, 15, va="top", weight="bold")
    c.text(16, top + 24, subtitle, 9.5, va="top", color=MUTED)
    return top + 46


def footer(c: Canvas, lines: list[str]) -> None:
    """Source and notes at the bottom left."""
    y = c.height - 10
    for line in reversed(lines):
        c.text(16, y, line, 8.5, va="bottom", color=MUTED)
        y -= 8.5 * LINE + 2


def footer_height(lines: list[str]) -> float:
    return len(lines) * (8.5 * LINE + 2) + 16
