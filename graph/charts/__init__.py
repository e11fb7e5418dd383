"""Charts: one plain registry of picture kinds, each drawn from records as offline HTML or print SVG/PNG.

    chart("sankey", docs, county="泽州县").html()      # self-contained page (plotly.js inlined)
    chart("treemap", docs, department="…").static("svg")

Kinds: ``sankey`` (money flow), ``treemap`` (projects by amount), ``policy`` (one policy's projects),
``top-policies`` (a county's policies by money carried), ``years`` (headline figures year on year). Adding a
kind is one entry in ``KINDS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from kg.model import BudgetDocument

from ..flows import SelectionError, money_flow, policy_projects, scope_of, select_documents, top_policies, year_on_year
from . import page, sankey, treemap, years
from . import policy as policy_chart


@dataclass(frozen=True)
class Chart:
    """A picture's figures, ready to be written as HTML or drawn for print."""

    kind: str
    data: Any
    """The figures (MoneyFlow, ProjectMap, PolicyProjects, or (items, scope))."""
    title: str
    subtitle: str
    note: str
    """Source line shown under the picture."""
    _figure: Callable[[], dict]
    _draw: Callable[..., Any]

    def figure(self) -> dict:
        """The plotly figure (JSON data)."""
        return self._figure()

    def html(self, link_base: Optional[str] = None) -> str:
        """A self-contained page; clicks open ``<link_base>/node/<id>`` (default: `kg serve` on 127.0.0.1:8000)."""
        return page.render(self.kind, self.title, self.figure(), self.note, link_base)

    def static(self, fmt: str = "svg") -> bytes:
        """SVG or PNG bytes for print."""
        if fmt not in ("svg", "png"):
            raise ValueError(f"static pictures are svg or png, not {fmt!r}")
        return self._draw(fmt)

    def canvas(self):
        """The drawn print figure left open (for checks of its text boxes)."""
        return self._draw("svg", keep_figure=True)


def _sankey(docs, department=None, county=None, policy=None, year=None) -> Chart:
    flow = money_flow(select_documents(docs, department=department, county=county, year=year))
    head, sub = sankey.title(flow)
    return Chart("sankey", flow, head, sub, flow.scope.source_note, lambda: sankey.figure(flow),
                 lambda fmt, **kw: sankey.draw(flow, fmt, **kw))


def _treemap(docs, department=None, county=None, policy=None, year=None) -> Chart:
    m = treemap.project_map(select_documents(docs, department=department, county=county, year=year))
    head, sub = treemap.title(m)
    return Chart("treemap", m, head, sub, m.scope.source_note, lambda: treemap.figure(m),
                 lambda fmt, **kw: treemap.draw(m, fmt, **kw))


def _policy(docs, department=None, county=None, policy=None, year=None) -> Chart:
    if not policy:
        raise SelectionError("a policy picture needs --policy (a document number in any bracket style, or a title)")
    if department or county or year:
        docs = select_documents(docs, department=department, county=county, year=year)
    p = policy_projects(docs, policy)
    head, sub = policy_chart.policy_title(p)
    return Chart("policy", p, head, sub, p.scope.source_note, lambda: policy_chart.policy_figure(p),
                 lambda fmt, **kw: policy_chart.policy_draw(p, fmt, **kw))


def _top_policies(docs, department=None, county=None, policy=None, year=None, keep: int = 15) -> Chart:
    chosen = select_documents(docs, department=department, county=county, year=year)
    items, scope = top_policies(chosen, keep), scope_of(chosen)
    if not items:
        raise SelectionError(f"no project of {scope.where} cites a policy; nothing to rank")
    head, sub = policy_chart.top_title(items, scope)
    return Chart("top-policies", (items, scope), head, sub, scope.source_note,
                 lambda: policy_chart.top_figure(items, scope),
                 lambda fmt, **kw: policy_chart.top_draw(items, scope, fmt, **kw))


def _years(docs, department=None, county=None, policy=None, year=None) -> Chart:
    t = year_on_year(docs, department=department, county=county)
    head, sub = years.title(t)
    return Chart("years", t, head, sub, "；".join(years.notes(t)), lambda: years.figure(t),
                 lambda fmt, **kw: years.draw(t, fmt, **kw))


KINDS: dict[str, Callable[..., Chart]] = {
    "sankey": _sankey,
    "treemap": _treemap,
    "policy": _policy,
    "top-policies": _top_policies,
    "years": _years,
}
"""Picture kind → builder taking (docs, department=, county=, policy=, year=)."""


def chart(kind: str, docs: Sequence[BudgetDocument], *, department: Optional[str] = None,
          county: Optional[str] = None, policy: Optional[str] = None, year: Optional[int] = None) -> Chart:
    """Build one picture; raises ``SelectionError`` with a message a user can act on."""
    if kind not in KINDS:
        raise SelectionError(f"no chart kind {kind!r}; known: {', '.join(KINDS)}")
    if kind in ("sankey", "treemap", "top-policies", "years") and not (department or county):
        raise SelectionError(f"a {kind} picture needs --department or --county")
    return KINDS[kind](list(docs), department=department, county=county, policy=policy, year=year)
