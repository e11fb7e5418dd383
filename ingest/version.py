"""Which version of the readers read a stored document, so a store follows the readers it is used with.

An unchanged file is not read again on `kg ingest` (its hash matches the stored version), which is
right until the readers themselves change: a fixed misreading would then stay in every store built
before the fix. The fingerprint covers the source of the ingest package and the record model, so any
change to how files are read marks every document read before it as read by another version.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def reader_version() -> str:
    """A short hash of the readers' source (ingest/, kg/model.py): equal exactly when files are read alike."""
    import kg.model

    here = Path(__file__).resolve().parent
    return fingerprint(sorted(here.rglob("*.py")) + [Path(kg.model.__file__).resolve()])


def fingerprint(files: list[Path]) -> str:
    """A hash of the files' names (relative to their grandparent, the same in a checkout and a wheel) and bytes."""
    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(f.parents[1]).as_posix().encode("utf-8") + b"\0")
        h.update(f.read_bytes())
    return h.hexdigest()[:16]
