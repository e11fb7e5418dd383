"""A check report for people: plain text for the terminal, one self-contained HTML page (escaped, offline,
no script) with the two evidence lines of every finding quoted, and the list of rules."""

from __future__ import annotations

import html
from typing import Iterable

from . import RULES, Report
from .finding import SEVERITIES, Evidence, Finding, Rule, fmt

MARK = {"error": "✗", "warning": "!", "info": "·"}
LABEL = {"error": "错误 error", "warning": "警告 warning", "info": "提示 info"}


def _figure(e: Evidence) -> str:
    if e.value is None:
        return ""
    return f"{fmt(e.value)}{e.unit or ''}"


def render_text(report: Report) -> str:
    """The report as lines of text: one block per document, each finding with its two places quoted."""
    out = []
    for source, found in report.documents:
        if not found:
            out.append(f"✓ {source}: no findings")
            continue
        counts = ", ".join(f"{sum(1 for f in found if f.severity == s)} {s}" for s in SEVERITIES
                           if any(f.severity == s for f in found))
        out.append(f"✗ {source}: {counts}")
        for f in found:
            out.append(f"  {MARK[f.severity]} {f.rule} {f.severity}: {f.message}")
            out.append(f"      {f.gloss}")
            for side in (f.expected, f.found):
                place = side.location or "(not printed)"
                quote = f"  「{side.excerpt}」" if side.excerpt else ""
                out.append(f"      {side.what} {_figure(side)} @ {place}{quote}".rstrip())
    out.append(f"{len(report.documents)} documents: " +
               ", ".join(f"{report.count(s)} {s}" for s in SEVERITIES))
    return "\n".join(out)


def render_rules(rules: Iterable[Rule] = ()) -> str:
    rules = list(rules) or list(RULES.values())
    return "\n".join(f"{r.id:<8}{r.severity:<9}{r.title}: {r.description}" +
                     (f" (anchor {r.anchor})" if r.anchor else "") for r in rules)


_STYLE = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC",sans-serif;margin:2em auto;max-width:72em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}td,th{border:1px solid #ddd;padding:.35em .5em;
vertical-align:top;text-align:left}th{background:#f4f4f4}.error{color:#b00020}.warning{color:#a15c00}
.info{color:#555}q{display:block;font-family:monospace;background:#f8f8f0;padding:.2em .4em;quotes:none;
white-space:pre-wrap}.loc{font-family:monospace;font-size:.9em;color:#444}.summary span{margin-right:1.5em}
"""


def _side(e: Evidence) -> str:
    esc = html.escape
    parts = [f"<div>{esc(e.what)} <b>{esc(_figure(e))}</b></div>",
             f'<div class="loc">{esc(e.location or "(not printed)")}</div>']
    if e.excerpt:
        parts.append(f"<q>{esc(e.excerpt)}</q>")
    return "".join(parts)


def _row(f: Finding) -> str:
    esc = html.escape
    return (f'<tr><td class="{f.severity}">{esc(LABEL[f.severity])}</td><td>{esc(f.rule)}</td>'
            f"<td>{esc(f.message)}<br><small>{esc(f.gloss)}</small></td>"
            f"<td>{_side(f.expected)}</td><td>{_side(f.found)}</td></tr>")


def render_html(report: Report, title: str = "kg check") -> str:
    """One offline page: no script, no external resource; every document text is HTML-escaped."""
    esc = html.escape
    body = [f"<h1>{esc(title)}</h1>", '<p class="summary">' +
            "".join(f'<span class="{s}">{esc(LABEL[s])}: {report.count(s)}</span>' for s in SEVERITIES) + "</p>"]
    for source, found in report.documents:
        body.append(f"<h2>{esc(source)}</h2>")
        if not found:
            body.append("<p>No findings.</p>")
            continue
        body.append("<table><tr><th>级别 severity</th><th>规则 rule</th><th>发现 finding</th>"
                    "<th>依据 expected</th><th>不符处 found</th></tr>")
        body.extend(_row(f) for f in found)
        body.append("</table>")
    body.append("<h2>规则 Rules</h2><table><tr><th>id</th><th>severity</th><th>rule</th><th>anchor</th></tr>")
    body.extend(f"<tr><td>{esc(r.id)}</td><td>{esc(r.severity)}</td><td>{esc(r.title)}: {esc(r.description)}</td>"
                f"<td>{esc(r.anchor or '')}</td></tr>" for r in RULES.values())
    body.append("</table>")
    return ("<!DOCTYPE html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>\n" + "\n".join(body) +
            "\n</body></html>\n")
