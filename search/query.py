"""Queries: `kg search` without loading jieba.

A query is split on spaces; every piece must match. A piece that is a document
number (any bracket style, or none) matches the normalised policy and project
numbers exactly, so 晋财预[2020]52号 never finds 晋财预〔2020〕82号. Any other
piece finds the entries holding all its character pairs (term lookups), ranked
exact name > name contains > mention; every hit shown is checked verbatim.
"""

from __future__ import annotations

import difflib
import heapq
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Optional

from whoosh import query as Q

from kg.text import compact, document_number, simplified

from .analysis import bigrams, normalise
from .index import TYPES, SearchIndex

MAX_QUERY = 100
"""Characters; longer queries are refused with a message (nobody types a paragraph)."""



class QueryError(ValueError):
    """A query that cannot be run; the message says what to type instead."""


@dataclass
class Hit:
    type: str
    label: str
    department: str
    fiscal_year: Optional[int]
    amount_wan: Optional[float]
    snippet: str
    file: str
    line: int
    score: float
    context: str = ""
    departments: list[str] = field(default_factory=list)
    where: str = ""
    """The place as people read it (``file:12``, ``file p.3``, ``file!Sheet!B7``; kg.model.format_place)."""

    def as_dict(self) -> dict:
        return {"type": self.type, "label": self.label, "department": self.department,
                "departments": self.departments or [self.department], "fiscal_year": self.fiscal_year,
                "amount_wan": self.amount_wan, "context": self.context, "snippet": self.snippet,
                "source": {"file": self.file, "line": self.line}
                | ({"where": self.where} if self.where and self.where != f"{self.file}:{self.line}" else {}),
                "score": round(self.score, 4)}


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    suggestions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"query": self.query, "hits": [h.as_dict() for h in self.hits], "facets": self.facets,
                "suggestions": self.suggestions, "notes": self.notes}


def parse(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Query pieces as (kind, value) with kind 'number' or 'text', plus notes for the user."""
    notes: list[str] = []
    if text is None or not text.strip():
        raise QueryError("empty query; type a word, a name or a document number, e.g. kg search 选调生")
    if len(text) > MAX_QUERY:
        raise QueryError(f"query too long ({len(text)} characters, at most {MAX_QUERY}); search for a shorter piece of it")
    if text.count('"') % 2 or text.count("“") != text.count("”"):
        notes.append("unbalanced quote ignored")
    pairs = ("[]", "【】", "〔〕", "（）", "()", "《》")
    if any(text.count(a) != text.count(b) for a, b in pairs):
        notes.append("unbalanced bracket ignored")
    as_simplified = simplified(text)
    if as_simplified != text:
        notes.append(f"searched as simplified Chinese: {as_simplified}")
        text = as_simplified
    cleaned = re.sub(r"[\"“”'‘’]", " ", text)
    pieces: list[tuple[str, str]] = []
    # a document number may be typed with spaces inside: try the whole query first
    whole = document_number(cleaned.replace(" ", ""))
    if whole and len(cleaned.split()) > 1 and not all(document_number(p) for p in cleaned.split()):
        return [("number", whole)], notes
    for raw in cleaned.split():
        number = document_number(raw)
        if number:
            pieces.append(("number", number))
            continue
        # canonical brackets first (normalise), then punctuation the index does not keep becomes a break
        piece = re.sub(r"[^\u3400-\u9fffa-z0-9.%〔〕]", " ", normalise(raw))
        for part in piece.split():
            if bigrams(part):
                pieces.append(("text", part))
    if not pieces:
        raise QueryError(f"query {text!r} has no searchable characters (only punctuation); type Chinese words, names or numbers")
    return pieces, notes


TYPE_WEIGHT = {"project": 1.6, "policy": 1.5, "department": 1.3, "indicator": 1.0, "text": 0.7}
"""Among equally good matches people look for money first: projects and policies before indicators and prose."""


RAREST = 4
"""Pieces longer than this many character pairs look up only their rarest pairs: as selective in practice,
several times cheaper (shown hits are verified verbatim in any case)."""


def _all_terms(field: str, value: str, number: bool = False, searcher=None) -> Optional[Q.Query]:
    """Entries whose field holds every bigram of ``value``: a superset of the verbatim matches, found without
    reading positions (three times faster than a phrase); shown hits are verified verbatim afterwards.

    In a document number, pairs of digits ("20", "02") occur in nearly every entry and narrow nothing that
    the pairs with a bracket or character (预〔, 〕5, 2号) do not: they are left out."""
    grams = list(dict.fromkeys(bigrams(value)))
    if number:
        grams = [g for g in grams if not g.isdigit()] or grams
    if searcher is not None and len(grams) > RAREST:
        grams = sorted(grams, key=lambda g: searcher.doc_frequency(field, g))[:RAREST]
    if not grams:
        return None
    if len(value) == 1:  # one character: match it inside any bigram
        return Q.Or([Q.Prefix(field, value), Q.Wildcard(field, f"?{value}")])
    return Q.And([Q.Term(field, g) for g in grams]) if len(grams) > 1 else Q.Term(field, grams[0])


def _tiers(s, kind: str, value: str) -> dict[int, int]:
    """docnum → best tier for one query piece: 0 exact name (or the policy's own number), 1 name, 2 mention."""
    def docs(q: Optional[Q.Query]) -> set[int]:
        return set(s.docs_for_query(q)) if q is not None else set()

    if kind == "number":
        exact = docs(Q.And([Q.Term("docnum", value), Q.Term("type", "policy")]))
        named = docs(Q.Term("docnum", value)) - exact
        mention = docs(_all_terms("body_grams", normalise(value), number=True, searcher=s))
    else:
        exact = docs(Q.Term("label_exact", value))
        named = docs(_all_terms("label_grams", value, searcher=s))
        mention = docs(_all_terms("body_grams", value, searcher=s))
    tiers = dict.fromkeys(mention, 2)
    tiers.update(dict.fromkeys(named, 1))
    tiers.update(dict.fromkeys(exact, 0))
    return tiers


def search(home: Path, text: str, type: Optional[str] = None, department: Optional[str] = None,
           year: Optional[int] = None, min_amount: Optional[float] = None, max_amount: Optional[float] = None,
           limit: int = 20) -> SearchResult:
    pieces, notes = parse(text)
    if type is not None and type not in TYPES:
        raise QueryError(f"unknown type {type!r}; choose one of {', '.join(TYPES)}")
    if limit < 1:
        raise QueryError("--limit must be at least 1")
    if year is not None and not 1000 <= year <= 9999:
        raise QueryError(f"--year {year} is not a four-digit year; give e.g. --year 2026")
    index = SearchIndex(home)
    if not index.exists():
        raise QueryError("no search index yet; run `kg ingest PATH` first")
    s = _searcher(index)
    if s.doc_count_all() == 0:
        raise QueryError("the search index is empty; run `kg ingest PATH` first")
    if not s.reader().has_column("label_exact") or not s.reader().has_column("amount_yuan"):
        raise QueryError("the search index was built by an older version; run `kg reindex`")
    matched: Optional[dict[int, int]] = None
    for kind, value in pieces:  # every piece must match; tiers add up
        tiers = _tiers(s, kind, value)
        matched = tiers if matched is None else {d: t + tiers[d] for d, t in matched.items() if d in tiers}
    filters = []
    if type:
        filters.append(Q.Term("type", type))
    if department:
        filters.append(Q.Term("department", department))
    if year:
        filters.append(Q.NumericRange("fiscal_year", year, year))
    if min_amount is not None or max_amount is not None:
        filters.append(Q.NumericRange("amount_wan", min_amount, max_amount))
    if filters:
        allowed = set(s.docs_for_query(Q.And(filters)))
        matched = {d: t for d, t in matched.items() if d in allowed}
    columns = _columns(s)
    types, labels, order = columns["type"], columns["label_exact"], columns["order"]
    seen_policies: set[str] = set()
    candidates = []
    for d in matched:  # a policy cited by many departments is one hit
        if types[d] == "policy":
            if labels[d] in seen_policies:
                continue
            seen_policies.add(labels[d])
        candidates.append(d)
    tier_step = len(order)

    def rank(d: int) -> int:
        return matched[d] * tier_step + order[d]

    def in_order() -> Iterator[int]:
        """The best few first (a bounded heap); the full sort only if too many of them fail the verbatim check."""
        best = heapq.nsmallest(max(limit * 5, 200), candidates, key=rank)
        yield from best
        if len(best) < len(candidates):
            yield from sorted(candidates, key=rank)[len(best):]  # ranks are unique: the sorted prefix is `best`

    hits = _verified_hits(s, in_order(), matched, pieces, limit, columns)
    facets = _facets(columns, _facet_docs(matched))
    suggestions = [] if hits else _suggest(s, index, pieces)
    return SearchResult(text, hits, facets, suggestions, notes)


def _verified(fields: dict, pieces) -> bool:
    """A candidate really holds every text piece verbatim (the term match only proved its bigrams)."""
    haystack = normalise(f"{fields.get('label', '')} {fields.get('body', '')}")
    numbers = set((fields.get("docnum") or "").split(","))
    return all(value in haystack or (kind == "number" and value in numbers) for kind, value in pieces)


def _verified_hits(s, ranked: Iterable[int], tiers: dict[int, int], pieces, limit: int, columns: dict) -> list[Hit]:
    hits: list[Hit] = []
    for d in ranked:
        fields = s.stored_fields(d)
        if not _verified(fields, pieces):
            continue
        tier = tiers[d] / max(1, len(pieces))
        score = round((3 - tier) + TYPE_WEIGHT.get(fields["type"], 1.0) / 10, 4)
        hits.append(Hit(type=fields["type"], label=fields["label"], department=fields.get("department", ""),
                        fiscal_year=fields.get("fiscal_year") or None, amount_wan=fields.get("amount_wan"),
                        snippet=snippet(fields.get("body") or fields["label"], [v for _, v in pieces]),
                        file=fields["file"], line=fields["line"], score=score, context=fields.get("context") or "",
                        where=fields.get("where") or f"{fields['file']}:{fields['line']}"))
        if len(hits) >= limit:
            break
    return _policies_once(s, hits, columns)


def _facet_docs(matched: dict[int, int]) -> list[int]:
    """The entries counted in the facets: every candidate, i.e. every entry holding all character pairs of
    each query piece. A verbatim match always is one; an entry holding the pairs apart would be counted too
    (checking each one against its stored text cost ten times the search itself)."""
    return list(matched)


def _facets(columns: dict[str, list], docnums: list[int]) -> dict[str, dict[str, int]]:
    out = {}
    for name in ("type", "department"):
        column = columns[name]
        out[name] = dict(sorted(Counter(column[d] for d in docnums).items()))
    return out


def _columns(s) -> dict[str, list]:
    """type, department, name and amount of every entry, read once per open searcher (kept on it), plus
    each entry's place in the within-tier order (projects and policies first, shorter names first):
    ranking and facets then cost list lookups, not column-file reads."""
    cached = getattr(s, "_kg_columns", None)
    if cached is None:
        reader = s.reader()
        cached = {name: list(reader.column_reader(name))
                  for name in ("type", "department", "label_len", "label_exact", "amount_yuan")}
        weight = {t: -w for t, w in TYPE_WEIGHT.items()}
        within = sorted(range(len(cached["type"])),
                        key=lambda d: (weight.get(cached["type"][d], -1.0), cached["label_len"][d], d))
        order = [0] * len(within)
        for place, d in enumerate(within):
            order[d] = place
        cached["order"] = order
        s._kg_columns = cached
    return cached


_OPEN: dict[str, tuple] = {}


def _searcher(index: SearchIndex):
    """One searcher per process, reopened when the index changed (a new commit)."""
    key = str(index.dir)
    inode = os.stat(index.dir).st_ino  # a rebuilt index is a new folder: never trust the old readers
    ix, s, seen = _OPEN.get(key, (None, None, None))
    try:
        fresh = ix is not None and seen == inode and s.up_to_date()
    except Exception:  # files of an index rebuilt under us
        fresh = False
    if not fresh:
        if s is not None:
            s.close()  # not refresh(): reused segment readers miss deletions made since
        ix = index.open()
        s = ix.searcher()
    _OPEN[key] = (ix, s, inode)
    return s


def _policies_once(s, hits: list[Hit], columns: dict) -> list[Hit]:
    """A policy hit speaks for every department citing it: their names and the amount they carry together."""
    for h in hits:
        if h.type != "policy":
            continue
        docs = s.docs_for_query(Q.And([Q.Term("type", "policy"), Q.Term("label_exact", normalise(h.label))]))
        docs = list(docs)
        h.departments = sorted({columns["department"][d] for d in docs})
        h.amount_wan = sum(columns["amount_yuan"][d] for d in docs) / 10000
    return hits


def snippet(body: str, needles: list[str], width: int = 60) -> str:
    """A window of the text around the first match, the match wrapped in «»."""
    text = compact(body.replace("\n", " "))
    norm = normalise(text)
    if len(norm) != len(text):
        text = norm
    best = None
    for needle in needles:
        n = normalise(needle)
        at = norm.find(n)
        if at >= 0 and (best is None or at < best[0]):
            best = (at, len(n))
    if best is None:
        return text[:width * 2]
    at, n = best
    start = max(0, at - width // 2)
    end = min(len(text), at + n + width)
    return ("…" if start else "") + text[start:at] + "«" + text[at:at + n] + "»" + text[at + n:end] + ("…" if end < len(text) else "")


def _suggest(searcher, index: SearchIndex, pieces) -> list[str]:
    """Close names from the index vocabulary (did you mean …)."""
    vocab_file = index.dir / "vocabulary.txt"
    vocabulary = vocab_file.read_text(encoding="utf-8").split() if vocab_file.exists() else []
    out: list[str] = []
    for _, value in pieces:
        out += difflib.get_close_matches(value, vocabulary, n=5, cutoff=0.5)
        grams = set(bigrams(value))
        if grams:
            scored = sorted(vocabulary, key=lambda w: -len(grams & set(bigrams(w))))[:5]
            out += [w for w in scored if grams & set(bigrams(w))]
        try:
            out += [str(x) for x in searcher.corrector("words").suggest(value, limit=3, maxdist=2)]
        except Exception:  # pragma: no cover - corrector needs a words vocabulary
            pass
    return list(dict.fromkeys(o for o in out if o and o != pieces[0][1]))[:8]
