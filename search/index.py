"""The Whoosh index under $KG_HOME/index, built from records and updated per document.

Each stored document contributes entries of five types (search/entries.py, a projection of the
document's facts): project, indicator, policy, department and text (情况说明 sections). Re-ingesting a document deletes
its entries and adds the new ones, so nothing is indexed twice.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Optional

from whoosh import index as windex
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

if TYPE_CHECKING:  # the model (pydantic) is not needed to answer a query
    from kg.model import BudgetDocument

from .analysis import BigramAnalyzer, WordAnalyzer, learn, normalise
from .entries import TYPES, entries, entries_and_vocabulary  # noqa: F401  (entries, TYPES: this module's interface)



def schema() -> Schema:
    return Schema(
        key=ID(stored=True, unique=True),
        doc_key=ID(stored=True),
        type=ID(stored=True, sortable=True),
        label=STORED,
        label_exact=ID(sortable=True),
        label_len=NUMERIC(int, sortable=True, shift_step=0),
        label_grams=TEXT(analyzer=BigramAnalyzer(), phrase=False),
        body_grams=TEXT(analyzer=BigramAnalyzer(), phrase=False),
        words=TEXT(analyzer=WordAnalyzer(), phrase=False, spelling=True),
        docnum=KEYWORD(stored=True, lowercase=False, commas=True),
        department=ID(stored=True, sortable=True),
        fiscal_year=NUMERIC(int, stored=True, shift_step=0),
        amount_wan=NUMERIC(float, stored=True, shift_step=0),
        amount_yuan=NUMERIC(int, bits=64, sortable=True, shift_step=0),
        body=STORED,
        context=STORED,
        file=STORED,
        line=STORED,
        where=STORED,
    )


class IndexWriter:
    """Buffers replacements; ``commit`` makes them durable and then records which document versions the
    index holds (``SearchIndex.synced``), so a crash between the two only makes the next run redo work."""

    def __init__(self, index: "SearchIndex"):
        self.index = index
        self._writer = None
        self.vocabulary: set[str] = set()
        self.pending: dict[str, Optional[str]] = {}
        """Key → sha256 of the document version written since the last commit (None: removed)."""

    def ready(self) -> None:
        """Open the Whoosh writer (taking its lock) if it is not open: callers that may interrupt ``replace``
        (a time budget) call this first, so an interruption never falls between taking the lock and keeping it."""
        if self._writer is None:
            # one process: the multi-process writer was no faster on the ingest benchmark and its helper
            # processes outlived a killed parent, holding the locks. limitmb: the postings of one document are
            # sorted in memory up to ~15 MB of text; past that Whoosh spills and merges them through pickle
            # files, which made indexing a 8 MB document 50% slower at 128 MB
            self._writer = self.index.open().writer(limitmb=256)

    def replace(self, key: str, doc: Optional[BudgetDocument]) -> None:
        self.ready()
        self._writer.delete_by_term("doc_key", key)
        self.pending[key] = doc.sha256 if doc is not None else None
        if doc is None:
            return
        rows, names = entries_and_vocabulary(key, doc)
        learn(names)
        self.vocabulary.update(normalise(n) for n in names if n)
        for e in rows:
            self._writer.add_document(**e)

    def commit(self, stamp: Optional[int] = None) -> None:
        """Make the buffered changes durable; ``stamp`` is the store's stamp they bring the index up to."""
        if self._writer is not None:
            self._writer.commit()
            self._writer = None
            self.index.save_vocabulary(self.vocabulary)
            self.vocabulary = set()
        if self.pending or (stamp is not None and stamp != self.index.synced_stamp()):
            synced = self.index.synced()
            for key, sha in self.pending.items():
                if sha is None:
                    synced.pop(key, None)
                else:
                    synced[key] = sha
            self.index.save_synced(synced, stamp)
            self.pending = {}

    def undo(self, key: str, doc_of: Callable[[str], Optional[BudgetDocument]]) -> None:
        """Take back everything ``replace(key, …)`` did since the last commit, even half done (interrupted by a
        time budget): Whoosh cannot drop a part of an uncommitted segment, so all uncommitted changes are
        cancelled and those of the other documents written again (at most a commit interval's work), each as
        ``doc_of(key)`` gives it (the store: they were stored after they were indexed). Documents are not kept in
        memory for this: a repair writes hundreds between commits."""
        again = [(k, sha) for k, sha in self.pending.items() if k != key]
        try:
            self.cancel()
        except Exception:
            pass  # the writer is dropped and its lock released all the same; what it wrote is never committed
        for k, sha in again:
            self.replace(k, None if sha is None else doc_of(k))

    def cancel(self) -> None:
        """Drop every change since the last commit."""
        writer, self._writer = self._writer, None
        self.pending = {}
        self.vocabulary = set()
        if writer is not None:
            try:
                writer.cancel()
            except Exception:
                # a writer stopped in the middle of a document may fail to close its files; its lock must still go
                if getattr(writer, "writelock", None) is not None:
                    writer.writelock.release()
                raise


class SearchIndex:
    def __init__(self, home: Path):
        self.dir = Path(home) / "index"
        self.synced_path = self.dir / "synced.json"
        """Key → sha256 of every document version the committed index holds."""
        self.stamp_path = self.dir / "synced.stamp"
        """The store stamp (kg.store.Store.stamp) the index was last brought up to."""

    def exists(self) -> bool:
        return self.dir.exists() and windex.exists_in(str(self.dir))

    def open(self):
        if not self.exists():
            self.dir.mkdir(parents=True, exist_ok=True)
            return windex.create_in(str(self.dir), schema())
        return windex.open_dir(str(self.dir))

    @contextmanager
    def writer(self, stamp=None) -> Iterator[IndexWriter]:
        """A writer committed at the end of the block (cancelled on error). ``stamp``: a callable giving the
        store stamp to record at commit (callers hold the store lock)."""
        w = IndexWriter(self)
        try:
            yield w
        except BaseException:
            w.cancel()
            raise
        w.commit(stamp() if callable(stamp) else stamp)

    def synced(self) -> dict[str, str]:
        """Key → sha256 of what the index holds; empty if the record is missing (the index then gets checked)."""
        try:
            return json.loads(self.synced_path.read_text(encoding="utf-8")) if self.exists() else {}
        except (OSError, ValueError):
            return {}

    def synced_stamp(self) -> Optional[int]:
        try:
            return int(self.stamp_path.read_text(encoding="ascii"))
        except (OSError, ValueError):
            return None

    def save_synced(self, synced: dict[str, str], stamp: Optional[int]) -> None:
        from kg.store import atomic_write

        # the stamp goes first out of date, then the record, then the new stamp: a crash in between leaves
        # a stamp that does not match, so the next command compares the record instead of trusting it
        if self.stamp_path.exists():
            self.stamp_path.unlink()
        atomic_write(self.synced_path, json.dumps(synced, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        if stamp is not None:
            atomic_write(self.stamp_path, str(stamp).encode("ascii"))

    def save_vocabulary(self, words: set[str]) -> None:
        path = self.dir / "vocabulary.txt"
        old = set(path.read_text(encoding="utf-8").split()) if path.exists() else set()
        new = old | {w for w in words if " " not in w}
        if new != old or not path.exists():
            from kg.store import atomic_write

            atomic_write(path, ("\n".join(sorted(new)) + "\n").encode("utf-8"))

    def rebuild(self, docs_by_key: dict[str, BudgetDocument], stamp: Optional[int] = None) -> None:
        """Index everything again from the store (after an index was lost or its schema changed)."""
        import shutil

        if self.dir.exists():
            shutil.rmtree(self.dir)
        with self.writer(stamp) as w:
            for key, doc in sorted(docs_by_key.items()):
                w.replace(key, doc)
