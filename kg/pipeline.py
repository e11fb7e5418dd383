"""Ingest a batch of paths into the store: each file on its own, so one bad file never stops the rest."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from kg.ingest import parse_bytes
from kg.model import BudgetDocument, Problem
from kg.store import Store

Progress = Callable[[int, int, str], None]
"""Called as progress(done, total, current_path) so a CLI can draw a bar; the library never prints."""


@dataclass
class FileOutcome:
    source: str
    status: str
    """added, updated, unchanged or failed."""
    layout: Optional[str] = None
    projects: int = 0
    indicators: int = 0
    legal_bases: int = 0
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"source": self.source, "status": self.status, "layout": self.layout, "projects": self.projects,
                "indicators": self.indicators, "legal_bases": self.legal_bases,
                "problems": [p.model_dump() for p in self.problems]}


def expand(paths: Iterable[str]) -> list[str]:
    """Files as given, and every non-hidden file under given folders (sorted, recursive)."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                out += [str(Path(root) / f) for f in sorted(files) if not f.startswith(".")]
        else:
            out.append(str(path))
    return out


def ingest_paths(paths: Iterable[str], store: Store, layout: Optional[str] = None,
                 progress: Optional[Progress] = None,
                 on_document: Optional[Callable[[str, Optional[BudgetDocument]], None]] = None) -> list[FileOutcome]:
    """Parse and store each file; ``on_document(key, doc)`` lets indexes follow (doc None = removed)."""
    files = expand(paths)
    outcomes: list[FileOutcome] = []
    with store.locked():
        for i, source in enumerate(files):
            if progress:
                progress(i, len(files), source)
            outcomes.append(_ingest_one(source, store, layout, on_document))
        if progress:
            progress(len(files), len(files), "")
    return outcomes


def _ingest_one(source: str, store: Store, layout: Optional[str], on_document) -> FileOutcome:
    path = Path(source)
    if not path.exists():
        return FileOutcome(source, "failed", problems=[Problem(
            code="not-found", file=source, severity="error", message="no such file or folder; check the path")])
    try:
        data = path.read_bytes()
    except OSError as exc:
        return FileOutcome(source, "failed", problems=[Problem(
            code="unreadable", file=source, severity="error", message=f"cannot read the file ({exc.strerror}); check permissions")])
    key = str(path.resolve())
    if layout is None and store.is_current(key, hashlib.sha256(data).hexdigest()):
        doc = store.get(key)
        if doc is not None:
            return FileOutcome(source, "unchanged", layout=doc.layout, projects=len(doc.projects),
                               indicators=doc.indicator_count, legal_bases=len(doc.legal_bases),
                               problems=list(doc.problems))
    result = parse_bytes(data, source, layout)
    if result.document is None:
        return FileOutcome(source, "failed", problems=result.problems)
    doc = result.document
    outcome = FileOutcome(source, "unchanged", layout=doc.layout, projects=len(doc.projects),
                          indicators=doc.indicator_count, legal_bases=len(doc.legal_bases), problems=result.problems)
    if store.is_current(key, doc.sha256):
        return outcome
    existed = key in store.manifest()
    store.put(key, doc)
    if on_document:
        on_document(key, doc)
    outcome.status = "updated" if existed else "added"
    return outcome
