"""Files kg writes for the user (exports, pages, pictures): whole or not at all, never over a file by surprise.

Each output is written to a temporary file in the same folder and renamed into place, so a full disk
or a kill leaves the previous file intact (never half a JSON). An existing output, or a symlink at that
name, is replaced only when the caller says ``force``; the rename replaces the link itself, never the
file it points to.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from kg.errors import UsageError


def check_target(path: Path, force: bool) -> None:
    """Raise UsageError if ``path`` cannot or should not be written (a folder; an existing file without force)."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{path} is a folder", "give a file name, e.g. FOLDER/out.json")
    if os.path.lexists(path) and not force:
        raise UsageError(f"{path} already exists; nothing was written", "pass --force to replace it")


@contextmanager
def atomic_output(path: Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path (same folder, same suffix) to write; on success it replaces ``path`` in one rename."""
    path = Path(path)
    check_target(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; an export is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
