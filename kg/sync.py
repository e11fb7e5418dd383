"""Keep the search index in step with the store: what the store holds is searchable, or gets so by itself.

The store stamps every change of its manifest with a sequence number (``Store.stamp``);
the index records, after each commit, the sha256 of every document version it holds
and the store stamp it caught up with (``SearchIndex.synced``). When the stamps agree
nothing needs a look (two tiny file reads). When they differ, the two records are
compared document by document (``drift``) and the difference is indexed or deleted
(``repair``). A run killed between storing and indexing, a full disk, a second
run, an index deleted by hand: the next command that writes (``kg ingest``,
``kg doctor``) or any command that finds the writer lock free repairs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from kg.lock import Message, try_home_lock
from kg.search.index import SearchIndex
from kg.store import Store


@dataclass
class Drift:
    """How the index differs from the store (each a list of source keys)."""

    unindexed: list[str] = field(default_factory=list)
    """Stored documents the index lacks: not searchable."""
    stale: list[str] = field(default_factory=list)
    """Stored documents the index holds in an older version."""
    orphaned: list[str] = field(default_factory=list)
    """Index entries of documents the store no longer holds."""
    missing_files: list[str] = field(default_factory=list)
    """Manifest entries whose document file is gone (removed from the manifest by a repair)."""

    @property
    def total(self) -> int:
        return len(self.unindexed) + len(self.stale) + len(self.orphaned) + len(self.missing_files)

    def as_dict(self) -> dict:
        return {"unindexed": len(self.unindexed), "stale": len(self.stale), "orphaned": len(self.orphaned),
                "missing_files": len(self.missing_files), "total": self.total}

    def describe(self) -> str:
        parts = [f"{len(v)} {k}" for k, v in (("stored but not searchable", self.unindexed),
                                               ("indexed in an older version", self.stale),
                                               ("indexed but no longer stored", self.orphaned),
                                               ("listed but missing their record file", self.missing_files)) if v]
        return "; ".join(parts) or "store and index agree"


def in_step(store: Store, index: SearchIndex) -> bool:
    """The cheap test: the index caught up with the store's last change."""
    return index.synced_stamp() == store.stamp() and (index.exists() or not store.manifest())


def drift(store: Store, index: SearchIndex) -> Drift:
    """Compare what the store holds with what the index records, document by document."""
    manifest = store.manifest()
    indexed = index.synced() if index.exists() else {}
    d = Drift()
    for key, entry in sorted(manifest.items()):
        if not (store.docs_dir / f"{entry['doc_id']}.json").exists():
            d.missing_files.append(key)
        elif key not in indexed:
            d.unindexed.append(key)
        elif indexed[key] != entry["sha256"]:
            d.stale.append(key)
    d.orphaned = sorted(k for k in indexed if k not in manifest)
    return d


def repair(store: Store, index: SearchIndex, progress: Optional[Callable[[int, int, str], None]] = None,
           chunk: int = 200) -> Drift:
    """Bring the index up to the store (the caller holds the store lock); returns what was found."""
    found = drift(store, index)
    if not index.exists() and store.manifest():
        index.open()  # an index deleted by hand: start an empty one and fill it below
    for key in found.missing_files:
        store.remove(key)
    todo = found.unindexed + found.stale
    gone = found.orphaned + found.missing_files
    with index.writer(store.stamp) as w:
        for key in gone:
            w.replace(key, None)
        for i, key in enumerate(todo):
            if progress:
                progress(i, len(todo), key)
            doc = store.get(key)
            w.replace(key, doc)
            if (i + 1) % chunk == 0:  # a long repair keeps what it did if it is interrupted
                w.commit(None)
    return found


def ensure_in_step(store: Store, index: Optional[SearchIndex] = None,
                   message: Optional[Message] = None) -> Optional[Drift]:
    """Repair the index if it lags the store and no other run is writing; never waits and never raises
    for an environment problem (a read-only home still answers queries). Returns the drift repaired."""
    index = index or SearchIndex(store.home)
    try:
        if not store.home.is_dir() or in_step(store, index):
            return None
        with try_home_lock(store.home) as got:
            if not got:
                if message:
                    message("another kg run is writing; results may not include its documents yet")
                return None
            store._manifest = None  # re-read under the lock
            found = repair(store, index)
            store.compact()
        if found.total and message:
            message(f"repaired the search index: {found.describe()}")
        return found
    except OSError as exc:
        if message:
            message(f"the search index may lag the store and cannot be repaired here ({exc.strerror or exc}); "
                    "run `kg doctor` where $KG_HOME is writable")
        return None


@dataclass
class Checkup:
    """What ``doctor`` found and did."""

    drift: Drift
    unreadable_records: list[str] = field(default_factory=list)
    """Stored record files that no longer load (removed by a repair: ingest their source again)."""
    index_rebuilt: Optional[str] = None
    """Why the index was rebuilt from the store (unopenable or from an older version), if it was."""
    repaired: bool = False

    @property
    def healthy(self) -> bool:
        return not self.drift.total and not self.unreadable_records and self.index_rebuilt is None

    def as_dict(self) -> dict:
        return {"healthy": self.healthy, "repaired": self.repaired, "drift": self.drift.as_dict(),
                "unindexed": self.drift.unindexed, "stale": self.drift.stale, "orphaned": self.drift.orphaned,
                "missing_files": self.drift.missing_files, "unreadable_records": self.unreadable_records,
                "index_rebuilt": self.index_rebuilt}


def _index_trouble(index: SearchIndex) -> Optional[str]:
    if not index.exists():
        return None
    try:
        ix = index.open()
        with ix.searcher() as s:
            if s.doc_count_all() and not (s.reader().has_column("label_exact") and s.reader().has_column("amount_yuan")):
                return "it was built by an older version"
    except Exception as exc:  # whoosh raises many kinds for a damaged index
        return f"it cannot be opened ({type(exc).__name__})"
    return None


def doctor(store: Store, index: Optional[SearchIndex] = None, fix: bool = True,
           message: Optional[Message] = None, progress=None) -> Checkup:
    """Verify store and index against each other (every record loads, every stored version is indexed,
    nothing else is) and, with ``fix``, repair what is wrong. Waits for a running ingest."""
    from kg.model import BudgetDocument

    index = index or SearchIndex(store.home)
    with store.locked(message):
        bad = []
        for key, entry in sorted(store.manifest().items()):
            path = store.docs_dir / f"{entry['doc_id']}.json"
            try:
                BudgetDocument.model_validate_json(path.read_bytes())
            except FileNotFoundError:
                continue  # counted as missing_files by drift
            except (OSError, ValueError):
                bad.append(key)
        trouble = _index_trouble(index)
        found = drift(store, index)
        report = Checkup(found, bad, trouble)
        if fix and not report.healthy:
            for key in bad:
                store.remove(key)
            if trouble:
                docs = {k: store.get(k) for k in store.manifest()}
                index.rebuild({k: d for k, d in docs.items() if d is not None}, stamp=store.stamp())
            else:
                repair(store, index, progress)
            report.repaired = True
        elif fix and index.exists():
            index.save_synced(index.synced(), store.stamp())
    return report
