"""SPARQL answers written in the media types of the SPARQL 1.1 Protocol, chosen by the Accept header.

An answer arrives as plain term tuples ``(kind, value, datatype, language)`` with ``kind`` one of
``uri``, ``bnode``, ``literal`` (the names of the SPARQL JSON results). SELECT/ASK answers are
written as SPARQL JSON, XML, CSV or TSV; CONSTRUCT/DESCRIBE triples as Turtle, N-Triples,
RDF/XML or JSON-LD (pyoxigraph's writers).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Optional
from xml.sax.saxutils import escape, quoteattr

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

RESULT_TYPES = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
"""Media types for SELECT and ASK answers, the first one of each format being the one answered with."""

GRAPH_TYPES = {
    "text/turtle": "turtle", "application/x-turtle": "turtle", "application/n-triples": "ntriples",
    "text/plain": "ntriples", "application/ld+json": "jsonld", "application/json": "jsonld",
    "application/rdf+xml": "rdfxml",
}
"""Media types for CONSTRUCT and DESCRIBE answers."""

CONTENT_TYPES = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
    "tsv": "text/tab-separated-values", "turtle": "text/turtle", "ntriples": "application/n-triples",
    "jsonld": "application/ld+json", "rdfxml": "application/rdf+xml",
}

SHORT_NAMES = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "turtle", "ttl": "turtle",
               "n-triples": "ntriples", "ntriples": "ntriples", "nt": "ntriples", "json-ld": "jsonld",
               "jsonld": "jsonld", "rdf+xml": "rdfxml", "rdfxml": "rdfxml"}
"""Values of the ``format``/``output`` parameter some clients send instead of (or beside) Accept."""


@dataclass
class Table:
    """A whole (already capped) answer: ``kind`` solutions, boolean or triples."""

    kind: str
    variables: list[str]
    rows: list[tuple]
    boolean: Optional[bool] = None
    truncated: bool = False


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
    """The format to answer with: ``format`` when given, else the best the Accept header allows."""
    table = GRAPH_TYPES if kind == "triples" else RESULT_TYPES
    default = "turtle" if kind == "triples" else "json"
    if format:
        name = SHORT_NAMES.get(format.lower()) or table.get(format.lower())
        if name and name in table.values():
            return name
    if not accept:
        return default
    for media, _ in _accepted(accept):
        if media in table:
            return table[media]
        if media in ("*/*", "application/*", "text/*"):
            return default
    raise NotAcceptable(f"cannot answer a {'CONSTRUCT/DESCRIBE' if kind == 'triples' else 'SELECT/ASK'} query as "
                        f"{accept}; accepted: {', '.join(dict.fromkeys(CONTENT_TYPES[v] for v in table.values()))}")


def write(table: Table, name: str) -> bytes:
    """The answer in format ``name`` (a value of RESULT_TYPES or GRAPH_TYPES)."""
    if table.kind == "triples":
        return _graph(table, name)
    return {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}[name](table)


def _json(t: Table) -> bytes:
    if t.kind == "boolean":
        return json.dumps({"head": {}, "boolean": t.boolean}).encode()
    bindings = []
    for row in t.rows:
        b = {}
        for name, term in zip(t.variables, row):
            if term is None:
                continue
            kind, value, datatype, language = term
            x = {"type": kind, "value": value}
            if language:
                x["xml:lang"] = language
            elif kind == "literal" and datatype and datatype != XSD_STRING:
                x["datatype"] = datatype
            b[name] = x
        bindings.append(b)
    return json.dumps({"head": {"vars": t.variables}, "results": {"bindings": bindings}},
                      ensure_ascii=False).encode("utf-8")


def _xml(t: Table) -> bytes:
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
    out += [f"<variable name={quoteattr(v)}/>" for v in t.variables if t.kind != "boolean"]
    out.append("</head>\n")
    if t.kind == "boolean":
        out.append(f"<boolean>{str(t.boolean).lower()}</boolean>\n</sparql>\n")
        return "".join(out).encode("utf-8")
    out.append("<results>\n")
    for row in t.rows:
        out.append("<result>")
        for name, term in zip(t.variables, row):
            if term is None:
                continue
            kind, value, datatype, language = term
            if kind == "uri":
                inner = f"<uri>{escape(value)}</uri>"
            elif kind == "bnode":
                inner = f"<bnode>{escape(value)}</bnode>"
            elif language:
                inner = f"<literal xml:lang={quoteattr(language)}>{escape(value)}</literal>"
            elif datatype and datatype != XSD_STRING:
                inner = f"<literal datatype={quoteattr(datatype)}>{escape(value)}</literal>"
            else:
                inner = f"<literal>{escape(value)}</literal>"
            out.append(f"<binding name={quoteattr(name)}>{inner}</binding>")
        out.append("</result>\n")
    out.append("</results>\n</sparql>\n")
    return "".join(out).encode("utf-8")


def _csv(t: Table) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    if t.kind == "boolean":
        w.writerows([["result"], [str(t.boolean).lower()]])
    else:
        w.writerow(t.variables)
        for row in t.rows:
            w.writerow(["" if x is None else (f"_:{x[1]}" if x[0] == "bnode" else x[1]) for x in row])
    return buf.getvalue().encode("utf-8")


def _nt_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") \
        .replace("\t", "\\t") + '"'


def _tsv_term(term) -> str:
    if term is None:
        return ""
    kind, value, datatype, language = term
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return f"_:{value}"
    if language:
        return f"{_nt_string(value)}@{language}"
    if datatype and datatype not in (XSD_STRING, RDF_LANG_STRING):
        return f"{_nt_string(value)}^^<{datatype}>"
    return _nt_string(value)


def _tsv(t: Table) -> bytes:
    if t.kind == "boolean":
        return f"?result\n{str(t.boolean).lower()}\n".encode()
    lines = ["\t".join(f"?{v}" for v in t.variables)]
    lines += ["\t".join(_tsv_term(x) for x in row) for row in t.rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _graph(t: Table, name: str) -> bytes:
    from pyoxigraph import RdfFormat, Triple, serialize

    from kg.graph.rdf import PREFIXES
    from kg.graph.sparql import unpack

    fmt = {"turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES, "jsonld": RdfFormat.JSON_LD,
           "rdfxml": RdfFormat.RDF_XML}[name]
    triples = [Triple(unpack(s), unpack(p), unpack(o)) for s, p, o in t.rows]
    prefixes = PREFIXES if name in ("turtle", "rdfxml") else None
    return serialize(triples, format=fmt, prefixes=prefixes)
