"""Compacted JSON-LD under the published context (ontology/context.jsonld).

Oxigraph writes expanded JSON-LD with ``rdf:type`` as an ordinary property, so framing by
``@type`` finds nothing; pyld compacts correctly but takes ~2 s per 10,000 triples (minutes at a
million). The context holds only prefixes, so compaction is a plain rewrite: one node object per
subject (first-emission order), ``@type`` for rdf:type, compact IRIs, ``@language``/``@type`` on
literals. tests/test_jsonld.py checks with pyld that it expands to the same graph and frames by type.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from typing import Iterable

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@lru_cache(maxsize=1)
def context() -> dict:
    """The published context: ``{"@context": {...}}`` as shipped in the package."""
    return json.loads(files("kg.ontology").joinpath("context.jsonld").read_text(encoding="utf-8"))


def _prefixes() -> list[tuple[str, str]]:
    ctx = context()["@context"]
    # longest namespace first, so id: wins over a shorter namespace it extends
    return sorted(((k, v) for k, v in ctx.items() if isinstance(v, str) and not k.startswith("@")),
                  key=lambda kv: -len(kv[1]))


def _compact_iri(value: str, prefixes) -> str:
    for prefix, ns in prefixes:
        if value.startswith(ns) and len(value) > len(ns):
            rest = value[len(ns):]
            if not rest.startswith("//"):
                return f"{prefix}:{rest}"
    return value


def _node(term, prefixes) -> str:
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return _compact_iri(term.value, prefixes)


def _value(term, prefixes):
    if isinstance(term, Literal):
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value == XSD_STRING:
            return term.value
        return {"@value": term.value, "@type": _compact_iri(term.datatype.value, prefixes)}
    return {"@id": _node(term, prefixes)}


def compact(triples: Iterable[Triple]) -> dict:
    """``{"@context": …, "@graph": [node objects]}`` for these triples."""
    prefixes = _prefixes()
    nodes: dict[str, dict] = {}
    for t in triples:
        sid = _node(t.subject, prefixes)
        node = nodes.get(sid)
        if node is None:
            node = nodes[sid] = {"@id": sid}
        if t.predicate.value == RDF_TYPE and isinstance(t.object, NamedNode):
            key, value = "@type", _compact_iri(t.object.value, prefixes)
        else:
            key, value = _compact_iri(t.predicate.value, prefixes), _value(t.object, prefixes)
        old = node.get(key)
        if old is None:
            node[key] = value
        elif isinstance(old, list):
            old.append(value)
        else:
            node[key] = [old, value]
    return {"@context": context()["@context"], "@graph": list(nodes.values())}


def dumps(triples: Iterable[Triple]) -> bytes:
    """Compacted JSON-LD as UTF-8 bytes (Chinese unescaped, one node object per line)."""
    doc = compact(triples)
    head = json.dumps(doc["@context"], ensure_ascii=False, indent=1)
    body = ",\n".join(json.dumps(n, ensure_ascii=False, separators=(",", ":")) for n in doc["@graph"])
    return f'{{"@context":{head},\n"@graph":[\n{body}\n]}}\n'.encode("utf-8")
