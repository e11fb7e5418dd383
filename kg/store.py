"""The record store under $KG_HOME: one JSON file per ingested document plus a journalled manifest.

Documents are written to a temporary file that replaces the old one in a single rename,
so a run that fails half-way leaves every document either as it was or as it is now.
The manifest (which source file is which document) is a snapshot, ``manifest.json``,
plus an append-only journal, ``manifest.log``: storing a document appends one line
(O(1), not a rewrite of the whole manifest), and the journal is folded into the
snapshot once per batch. Every journal line carries a sequence number; the last one
is the store's *stamp*, which the search index records when it catches up
(see ``kg.sync``), so a glance at two small files tells whether they agree.
A torn last line (the process killed mid-write) is ignored and cut off by the next writer.

Beside each record may lie what ``kg check`` found in it (``findings/<doc_id>.json``, written and read
by kg.checks.stored): derived data, dropped whenever its record is replaced or removed and recomputed
whenever it is missing, stale or unreadable.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Optional

from kg.lock import Message, home_lock

if TYPE_CHECKING:  # loaded on first use: a search never needs the model
    from kg.model import BudgetDocument

DEFAULT_HOME = ".kg"
LOG_TAIL = 1 << 16
"""Bytes read from the end of the journal to find its last sequence number."""


def kg_home() -> Path:
    """``$KG_HOME`` or ``./.kg``."""
    return Path(os.environ.get("KG_HOME") or DEFAULT_HOME)


def atomic_write(path: Path, data: bytes, durable: bool = True) -> None:
    """Write ``path`` so that readers and crashes see the old bytes or the new ones, never a mix.

    ``durable=False`` skips the fsync (~10 ms a file on a VM disk) for derived files that are checked when read
    and rebuilt when damaged (kg.checks.stored): a power cut may then leave it empty or torn, which its reader sees."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def document_id(source_key: str) -> str:
    return hashlib.sha1(source_key.encode("utf-8")).hexdigest()[:16]


def _last_seq(data: bytes) -> Optional[int]:
    """The sequence number of the last complete journal line in ``data`` (a tail of the journal)."""
    lines = data.split(b"\n")
    for line in reversed(lines[:-1]):  # the part after the last newline is torn or empty
        try:
            return int(json.loads(line)["seq"])
        except (ValueError, KeyError, TypeError):
            continue
    return None


class Store:
    def __init__(self, home: Optional[Path] = None):
        self.home = Path(home) if home else kg_home()
        self.docs_dir = self.home / "documents"
        self.findings_dir = self.home / "findings"
        self.manifest_path = self.home / "manifest.json"
        self.log_path = self.home / "manifest.log"
        self._manifest: Optional[dict[str, dict]] = None
        """The manifest as last read or written by this object: a batch reads it once, not once per file."""
        self._seq = 0
        self._snapshot_seq = 0
        self._log = None

    # ------------------------------------------------------------ locking

    @contextmanager
    def locked(self, message: Optional[Message] = None) -> Iterator["Store"]:
        """Hold the writer lock (waiting for another run, said through ``message``); fold the journal at the end."""
        with home_lock(self.home, message, command="kg ingest"):
            self._manifest = None  # another run may have written before we got the lock
            self._repair_log()
            try:
                yield self
            finally:
                self._close_log()
                try:
                    self.compact()
                except OSError:
                    pass  # the journal stays valid; the next writer folds it

    def _repair_log(self) -> None:
        """Cut a torn last line off the journal (a writer killed mid-append), so new lines start clean."""
        try:
            raw = self.log_path.read_bytes()
        except FileNotFoundError:
            return
        if raw and not raw.endswith(b"\n"):
            with open(self.log_path, "rb+") as fh:
                fh.truncate(raw.rfind(b"\n") + 1)

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    # ------------------------------------------------------------ manifest

    def manifest(self) -> dict[str, dict]:
        """Source key (absolute path) → {doc_id, sha256, layout, source}. Read-only for callers."""
        if self._manifest is None:
            self._manifest = self._read_manifest()
        return self._manifest

    def _read_manifest(self) -> dict[str, dict]:
        # the journal first: a writer replaces the snapshot before it restarts the journal, so a journal read
        # before the snapshot never misses lines the snapshot lacks
        try:
            raw = self.log_path.read_bytes()
        except FileNotFoundError:
            raw = b""
        snapshot: dict = {}
        if self.manifest_path.exists():
            snapshot = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        if "documents" in snapshot and "seq" in snapshot:
            seq, docs = int(snapshot["seq"]), dict(snapshot["documents"])
        else:  # the format before the journal: a plain key → entry mapping
            seq, docs = 0, snapshot
        self._snapshot_seq = self._seq = seq
        for line in raw.split(b"\n")[:-1]:
            try:
                op = json.loads(line)
                n = int(op["seq"])
            except (ValueError, KeyError, TypeError):
                continue  # a torn line
            if n <= seq:
                continue  # already folded into the snapshot
            if "put" in op:
                docs[op["put"]] = op["entry"]
            elif "remove" in op:
                docs.pop(op["remove"], None)
            self._seq = max(self._seq, n)
        return docs

    def _append(self, op: dict) -> None:
        self.manifest()  # know the current sequence number
        self._seq += 1
        op = {"seq": self._seq, **op}
        if self._log is None:
            self.home.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_path, "ab")
        self._log.write(json.dumps(op, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")
        self._log.flush()
        os.fsync(self._log.fileno())

    def compact(self) -> None:
        """Fold the journal into the snapshot (once per batch: O(documents), not O(documents) per document)."""
        manifest = self.manifest()
        if self._seq == self._snapshot_seq and (self.manifest_path.exists() or not manifest):
            return  # nothing since the last fold (journal lines at or below the snapshot's number are skipped)
        atomic_write(self.manifest_path, json.dumps({"seq": self._seq, "documents": manifest}, ensure_ascii=False,
                                                    indent=1, sort_keys=True).encode("utf-8"))
        self._snapshot_seq = self._seq
        # the journal restarts with one line that keeps the stamp; a crash before this only leaves old lines
        # that the snapshot already holds (they are skipped by their sequence numbers)
        atomic_write(self.log_path, json.dumps({"seq": self._seq, "compacted": True}).encode("utf-8") + b"\n")

    def stamp(self) -> int:
        """The sequence number of the last change: equal stamps mean equal manifests (cheap: reads a file tail)."""
        try:
            with open(self.log_path, "rb") as fh:
                size = fh.seek(0, os.SEEK_END)
                fh.seek(max(0, size - LOG_TAIL))
                seq = _last_seq(fh.read())
        except FileNotFoundError:
            seq = None
        if seq is None:
            self._manifest = None
            self.manifest()
            seq = self._seq
        return seq

    # ------------------------------------------------------------ documents

    def is_current(self, key: str, sha256: str, reader: Optional[str] = None) -> bool:
        """True when this version of the file is stored (and, given ``reader``, was read by that reader version)."""
        entry = self.manifest().get(key)
        return bool(entry and entry["sha256"] == sha256 and (reader is None or entry.get("reader") == reader)
                    and (self.docs_dir / f"{entry['doc_id']}.json").exists())

    def read_by_other_readers(self, reader: str) -> list[str]:
        """Sources of stored documents read by another version of the readers (or before versions were kept)."""
        return sorted(e["source"] for e in self.manifest().values() if e.get("reader") != reader)

    def findings_path(self, doc_id: str) -> Path:
        """Where the findings of the stored document ``doc_id`` are kept (kg.checks.stored; derived, rebuildable)."""
        return self.findings_dir / f"{doc_id}.json"

    def _drop_findings(self, doc_id: str) -> None:
        try:
            self.findings_path(doc_id).unlink()
        except OSError:
            pass  # gone already, or cannot go: a findings file names its document version, a stale one is never used

    def put(self, key: str, document: BudgetDocument, reader: Optional[str] = None) -> str:
        """Store a document (atomically) under its source key; findings of an older version are dropped.
        ``reader``: the version of the readers that read it (kg.ingest.version)."""
        doc_id = document_id(key)
        self._drop_findings(doc_id)
        atomic_write(self.docs_dir / f"{doc_id}.json", document.model_dump_json().encode("utf-8"))
        entry = {"doc_id": doc_id, "sha256": document.sha256, "layout": document.layout, "source": document.source}
        if reader:
            entry["reader"] = reader
        self._append({"put": key, "entry": entry})
        self.manifest()[key] = entry
        return doc_id

    def remove(self, key: str) -> bool:
        entry = self.manifest().get(key)
        if entry is None:
            return False
        self._append({"remove": key})
        self.manifest().pop(key, None)
        path = self.docs_dir / f"{entry['doc_id']}.json"
        if path.exists():
            path.unlink()
        self._drop_findings(entry["doc_id"])
        return True

    def get(self, key: str) -> Optional[BudgetDocument]:
        from kg.model import BudgetDocument

        entry = self.manifest().get(key)
        path = self.docs_dir / f"{entry['doc_id']}.json" if entry else None
        return BudgetDocument.model_validate_json(path.read_bytes()) if path and path.exists() else None

    def documents(self) -> list[BudgetDocument]:
        """All stored documents, in a stable order (by source path)."""
        from kg.model import BudgetDocument

        docs = []
        for entry in self.manifest().values():
            path = self.docs_dir / f"{entry['doc_id']}.json"
            if path.exists():
                docs.append(BudgetDocument.model_validate_json(path.read_bytes()))
        return sorted(docs, key=lambda d: d.source)

    def generation(self) -> str:
        """Changes whenever the stored content changes: lets derived caches (graph, RDF) know they are stale."""
        entries = sorted((k, v["sha256"]) for k, v in self.manifest().items())
        return hashlib.sha1(json.dumps(entries).encode()).hexdigest()[:16]
