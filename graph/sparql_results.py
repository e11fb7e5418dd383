"""SPARQL answers written out: the one writer of `kg sparql` and of the `/sparql` endpoint of `kg serve`.

SELECT and ASK answers in the four SPARQL 1.1 Query Results formats (JSON, XML, CSV, TSV);
CONSTRUCT and DESCRIBE triples as RDF (Turtle, N-Triples, JSON-LD, RDF/XML) through the RDF
export's own serializer (kg.graph.rdf), so a triple reads the same in an export and in an answer.

An answer is anything with ``kind`` (``solutions``, ``boolean`` or ``triples``), ``variables``,
``boolean``, rows of term tuples ``(kind, value, datatype, language)`` when iterated, and
``truncated`` once they are read: kg.graph.sparql.Answer as it streams from the query process.
The result formats are written row by row as the rows arrive; RDF is written once all triples
are in (a serializer groups triples by subject). Which format a request gets (the Accept
header, ``--format``) is for the front ends to decide; here a format is a short name.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Iterator, Optional
from xml.sax.saxutils import escape, quoteattr

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

RESULT_FORMATS = ("json", "xml", "csv", "tsv")
"""Formats of SELECT and ASK answers (SPARQL 1.1 Query Results)."""
GRAPH_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml")
"""Formats of CONSTRUCT and DESCRIBE answers (RDF)."""

MEDIA_TYPES = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
    "tsv": "text/tab-separated-values", "turtle": "text/turtle", "ntriples": "application/n-triples",
    "jsonld": "application/ld+json", "rdfxml": "application/rdf+xml",
}
"""The media type each format is sent as."""

NAMES = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "turtle", "ttl": "turtle",
         "n-triples": "ntriples", "ntriples": "ntriples", "nt": "ntriples", "json-ld": "jsonld", "jsonld": "jsonld",
         "rdf+xml": "rdfxml", "rdf-xml": "rdfxml", "rdfxml": "rdfxml"}
"""Short names people and clients use (``--format``, ``format=``/``output=`` parameters) for the formats."""

FOR_TRIPLES = {"json": "jsonld", "xml": "rdfxml", "csv": "ntriples"}
"""What a results format means for a CONSTRUCT/DESCRIBE answer: JSON is JSON-LD, XML is RDF/XML and CSV
(a line a row) N-Triples (a line a triple). TSV stays TSV: the triples as rows ?subject ?predicate ?object."""


def resolve(kind: str, name: str) -> Optional[str]:
    """The format ``name`` stands for with an answer of this ``kind``; None when it cannot carry one."""
    fmt = NAMES.get(name.lower())
    if kind == "triples":
        fmt = FOR_TRIPLES.get(fmt, fmt)
        return fmt if fmt in GRAPH_FORMATS or fmt == "tsv" else None
    return fmt if fmt in RESULT_FORMATS else None


def formats_for(kind: str) -> tuple[str, ...]:
    """The formats an answer of this kind can be written in (for messages)."""
    return GRAPH_FORMATS + ("tsv",) if kind == "triples" else RESULT_FORMATS


def write(answer, fmt: str) -> Iterator[bytes]:
    """The answer in format ``fmt`` (a value of RESULT_FORMATS or GRAPH_FORMATS), in pieces as its rows arrive."""
    if fmt in GRAPH_FORMATS:
        if answer.kind != "triples":
            raise ValueError(f"{fmt} carries CONSTRUCT/DESCRIBE answers, not {answer.kind}")
        return _graph(answer, fmt)
    writer = {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}[fmt]
    return (piece.encode("utf-8") for piece in writer(answer))


# ------------------------------------------------------------------ SPARQL 1.1 Query Results


def _form(term) -> tuple[str, str, Optional[str]]:
    """How every results format tells terms apart: ``uri``, ``bnode``, ``lang`` (with its language tag),
    ``typed`` (with its datatype) or ``plain`` (an xsd:string, written without a datatype); and the value."""
    kind, value, datatype, language = term
    if kind != "literal":
        return kind, value, None
    if language:
        return "lang", value, language
    if datatype and datatype not in (XSD_STRING, RDF_LANG_STRING):
        return "typed", value, datatype
    return "plain", value, None


def _json(answer) -> Iterator[str]:
    """SPARQL 1.1 Query Results JSON; a cut answer says so in a top-level ``"truncated": true``."""
    if answer.kind == "boolean":
        yield json.dumps({"head": {}, "boolean": answer.boolean}) + "\n"
        return
    yield '{"head":{"vars":' + json.dumps(answer.variables, ensure_ascii=False) + '},"results":{"bindings":['
    first = True
    for row in answer:
        binding = {}
        for name, term in zip(answer.variables, row):
            if term is None:
                continue
            form, value, extra = _form(term)
            b = {"type": term[0], "value": value}
            if form == "lang":
                b["xml:lang"] = extra
            elif form == "typed":
                b["datatype"] = extra
            binding[name] = b
        yield ("" if first else ",") + json.dumps(binding, ensure_ascii=False)
        first = False
    yield "]}" + (',"truncated":true' if answer.truncated else "") + "}\n"


_XML_TERM = {"uri": "<uri>{v}</uri>", "bnode": "<bnode>{v}</bnode>", "lang": "<literal xml:lang={x}>{v}</literal>",
             "typed": "<literal datatype={x}>{v}</literal>", "plain": "<literal>{v}</literal>"}


def _xml_term(term) -> str:
    form, value, extra = _form(term)
    return _XML_TERM[form].format(v=escape(value), x=quoteattr(extra or ""))


def _xml(answer) -> Iterator[str]:
    """SPARQL Query Results XML Format."""
    yield '<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>'
    if answer.kind == "boolean":
        yield f"</head>\n<boolean>{str(answer.boolean).lower()}</boolean>\n</sparql>\n"
        return
    yield "".join(f"<variable name={quoteattr(v)}/>" for v in answer.variables) + "</head>\n<results>\n"
    for row in answer:
        yield "<result>" + "".join(f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>"
                                   for name, term in zip(answer.variables, row) if term is not None) + "</result>\n"
    yield "</results>\n</sparql>\n"


def _csv(answer) -> Iterator[str]:
    """SPARQL 1.1 Query Results CSV: plain values, blank nodes as ``_:label``."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")

    def line(cells) -> str:
        buf.seek(0)
        buf.truncate()
        w.writerow(cells)
        return buf.getvalue()

    if answer.kind == "boolean":
        yield line(["result"]) + line([str(answer.boolean).lower()])
        return
    yield line(answer.variables)
    for row in answer:
        yield line(["" if t is None else (f"_:{t[1]}" if t[0] == "bnode" else t[1]) for t in row])


def _nt_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") \
        .replace("\t", "\\t") + '"'


_TSV_TERM = {"uri": "<{v}>", "bnode": "_:{v}", "lang": "{s}@{x}", "typed": "{s}^^<{x}>", "plain": "{s}"}


def _tsv_term(term) -> str:
    if term is None:
        return ""
    form, value, extra = _form(term)
    return _TSV_TERM[form].format(v=value, s=_nt_string(value), x=extra)


def _tsv(answer) -> Iterator[str]:
    """SPARQL 1.1 Query Results TSV: terms in Turtle/N-Triples syntax, so IRIs and literals stay apart."""
    if answer.kind == "boolean":
        yield f"?result\n{str(answer.boolean).lower()}\n"
        return
    yield "\t".join(f"?{v}" for v in answer.variables) + "\n"
    for row in answer:
        yield "\t".join(_tsv_term(t) for t in row) + "\n"


# ------------------------------------------------------------------ RDF


def _graph(answer, fmt: str) -> Iterator[bytes]:
    from pyoxigraph import Triple

    from .rdf import serialize_rdf
    from .sparql import unpack

    yield serialize_rdf([Triple(unpack(s), unpack(p), unpack(o)) for s, p, o in answer], fmt)


__all__ = ["RESULT_FORMATS", "GRAPH_FORMATS", "MEDIA_TYPES", "resolve", "formats_for", "write"]
