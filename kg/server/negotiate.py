"""Content negotiation of the SPARQL endpoint: which format an answer is sent in (Accept header, or a
``format``/``output`` parameter some clients send). kg.graph.sparql_results writes the answer.
"""

from __future__ import annotations

from typing import Optional

from kg.graph.sparql_results import MEDIA_TYPES, resolve

RESULT_TYPES = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
"""Media types a client may accept for SELECT and ASK answers, and the format each gets."""

GRAPH_TYPES = {
    "text/turtle": "turtle", "application/x-turtle": "turtle", "application/n-triples": "ntriples",
    "text/plain": "ntriples", "application/ld+json": "jsonld", "application/json": "jsonld",
    "application/rdf+xml": "rdfxml",
}
"""Media types a client may accept for CONSTRUCT and DESCRIBE answers."""


class NotAcceptable(ValueError):
    """No media type the client accepts can carry this kind of answer."""


def _accepted(accept: str) -> list[tuple[str, float]]:
    """Media ranges of an Accept header, best first (q-values; ties in the order given)."""
    out = []
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        out.append((fields[0].lower(), q, -i))
    out.sort(key=lambda x: (x[1], x[2]), reverse=True)
    return [(m, q) for m, q, _ in out if q > 0]


def choose(kind: str, accept: Optional[str], format: Optional[str] = None) -> str:
    """The format to answer with: ``format`` when it names one for this kind of answer, else the best
    the Accept header allows (SPARQL JSON, or Turtle for triples, when anything goes)."""
    table = GRAPH_TYPES if kind == "triples" else RESULT_TYPES
    default = "turtle" if kind == "triples" else "json"
    if format:
        name = resolve(kind, format) or table.get(format.lower())
        if name:
            return name
    if not accept:
        return default
    for media, _ in _accepted(accept):
        if media in table:
            return table[media]
        if media in ("*/*", "application/*", "text/*"):
            return default
    raise NotAcceptable(f"cannot answer a {'CONSTRUCT/DESCRIBE' if kind == 'triples' else 'SELECT/ASK'} query as "
                        f"{accept}; accepted: {', '.join(dict.fromkeys(MEDIA_TYPES[v] for v in table.values()))}")
