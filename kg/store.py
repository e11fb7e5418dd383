"""The record store under $KG_HOME: one JSON file per ingested document plus a manifest.

Writes go to a temporary file that replaces the old one in a single rename, so a
run that fails half-way leaves every document either as it was or as it is now,
never half-written. An exclusive lock keeps two ``kg ingest`` runs apart.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Optional

if TYPE_CHECKING:  # loaded on first use: a search never needs the model
    from kg.model import BudgetDocument

DEFAULT_HOME = ".kg"


def kg_home() -> Path:
    """``$KG_HOME`` or ``./.kg``."""
    return Path(os.environ.get("KG_HOME") or DEFAULT_HOME)


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def document_id(source_key: str) -> str:
    return hashlib.sha1(source_key.encode("utf-8")).hexdigest()[:16]


class Store:
    def __init__(self, home: Optional[Path] = None):
        self.home = Path(home) if home else kg_home()
        self.docs_dir = self.home / "documents"
        self.manifest_path = self.home / "manifest.json"
        self._manifest: Optional[dict[str, dict]] = None
        """The manifest as last read or written by this object: a batch reads it once, not once per file."""

    @contextmanager
    def locked(self) -> Iterator["Store"]:
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.home / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._manifest = None  # another run may have written before we got the lock
            try:
                yield self
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # manifest: source key (absolute path) → {doc_id, sha256, layout, source}
    def manifest(self) -> dict[str, dict]:
        """Source key → entry. Read-only for callers: change it through put and remove."""
        if self._manifest is None:
            self._manifest = json.loads(self.manifest_path.read_text(encoding="utf-8")) \
                if self.manifest_path.exists() else {}
        return self._manifest

    def _save_manifest(self, manifest: dict[str, dict]) -> None:
        atomic_write(self.manifest_path, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))
        self._manifest = manifest

    def is_current(self, key: str, sha256: str) -> bool:
        entry = self.manifest().get(key)
        return bool(entry and entry["sha256"] == sha256 and (self.docs_dir / f"{entry['doc_id']}.json").exists())

    def put(self, key: str, document: BudgetDocument) -> str:
        doc_id = document_id(key)
        atomic_write(self.docs_dir / f"{doc_id}.json", document.model_dump_json().encode("utf-8"))
        manifest = dict(self.manifest())
        manifest[key] = {"doc_id": doc_id, "sha256": document.sha256, "layout": document.layout, "source": document.source}
        self._save_manifest(manifest)
        return doc_id

    def remove(self, key: str) -> bool:
        manifest = dict(self.manifest())
        entry = manifest.pop(key, None)
        if entry is None:
            return False
        self._save_manifest(manifest)
        path = self.docs_dir / f"{entry['doc_id']}.json"
        if path.exists():
            path.unlink()
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
