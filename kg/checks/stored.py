"""The findings of ``kg check`` computed once per stored document version and kept beside the record.

Running the 37 rules costs ~16 ms a document, and every graph, RDF export and ``kg check`` needs the findings
of every document. They depend only on the stored record and the rules, so they are computed at ingest (or on
first use) and kept in ``$KG_HOME/findings/<doc_id>.json`` together with what they were computed from: the
document's sha256 and source and the rules fingerprint (``kg.checks.fingerprint``). A file whose key differs
(the file was re-ingested in another version, the rules changed) or that cannot be read (torn, corrupt, another
format) is never used: the findings are computed again and the file rewritten whole (``kg.store.atomic_write``).
A home that cannot be written (read-only, full) still gets its findings, computed in memory.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Callable, Optional, Sequence

import kg.checks as checks
from kg.store import Store, atomic_write

from .finding import Finding

if TYPE_CHECKING:
    from kg.model import BudgetDocument

FORMAT = 1
"""Layout of a findings file; another number is read as stale."""

FindingsOf = Callable[["BudgetDocument"], Sequence[Finding]]
"""doc → its findings (all rules, most serious first), as ``kg.checks.check(doc)`` gives them."""


def encode(doc: "BudgetDocument", findings: Sequence[Finding], rules: str) -> bytes:
    """A findings file: the key it was computed from, then the findings as ``Finding.as_dict`` writes them."""
    return json.dumps({"format": FORMAT, "rules": rules, "sha256": doc.sha256, "source": doc.source,
                       "findings": [f.as_dict() for f in findings]}, ensure_ascii=False).encode("utf-8")


def decode(data: bytes, doc: "BudgetDocument", rules: str) -> Optional[list[Finding]]:
    """The findings in ``data`` when they were computed from this very document and rule set, else None."""
    try:
        stored = json.loads(data)
        if (stored["format"], stored["rules"], stored["sha256"], stored["source"]) != \
                (FORMAT, rules, doc.sha256, doc.source):
            return None
        return [Finding.from_dict(f) for f in stored["findings"]]
    except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError, RecursionError):
        # torn, corrupt or foreign (bad JSON or UTF-8, missing keys, odd shapes, a bad figure): computed again
        return None


def save(store: Store, doc_id: str, doc: "BudgetDocument") -> list[Finding]:
    """Compute the findings of a document just stored under ``doc_id`` and keep them beside it."""
    found = checks.check(doc)
    _write(store, doc_id, doc, found, checks.fingerprint())
    return found


def _write(store: Store, doc_id: str, doc: "BudgetDocument", found: Sequence[Finding], rules: str) -> None:
    try:
        atomic_write(store.findings_path(doc_id), encode(doc, found, rules), durable=False)  # checked when read
    except OSError:
        pass  # a read-only or full home: the findings are computed again next time


class StoredFindings:
    """``doc → findings`` over a store: read from the findings file when current, else computed and written.

    One object per store generation (``BudgetKG`` keeps one): each document's findings are read or computed
    once however many projections ask. A document the store does not hold is checked in memory."""

    def __init__(self, store: Store):
        self.store = store
        self.rules = checks.fingerprint()
        self._ids = {(e["source"], e["sha256"]): e["doc_id"] for e in store.manifest().values()}
        self._memo: dict[tuple[str, str], list[Finding]] = {}

    def __call__(self, doc: "BudgetDocument") -> list[Finding]:
        key = (doc.source, doc.sha256)
        found = self._memo.get(key)
        if found is None:
            found = self._load(doc)
            self._memo[key] = found
        return list(found)

    def _load(self, doc: "BudgetDocument") -> list[Finding]:
        doc_id = self._ids.get((doc.source, doc.sha256))
        if doc_id is None:
            return checks.check(doc)
        try:
            found = decode(self.store.findings_path(doc_id).read_bytes(), doc, self.rules)
        except OSError:
            found = None
        if found is None:
            found = checks.check(doc)
            _write(self.store, doc_id, doc, found, self.rules)
        return found


__all__ = ["FORMAT", "FindingsOf", "StoredFindings", "decode", "encode", "save"]
