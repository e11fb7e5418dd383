"""One plain line for an error of the environment (not of kg): what failed, on which path, what to do.

A read-only home, a full disk, a folder given where a file is wanted: these reach the user as
``OSError`` from deep inside a write; the CLI (and any other front end) shows this line instead of
"internal error" and a traceback.
"""

from __future__ import annotations

import errno

HINTS = {
    errno.ENOSPC: "the disk is full: free some space (or point $KG_HOME / --output elsewhere) and run the command again; "
                  "what was already stored is kept and the next run finishes the search index",
    errno.EDQUOT: "the disk quota is used up: free some space and run the command again",
    errno.EACCES: "permission denied: choose a folder you can write to (e.g. export KG_HOME=~/.kg) or fix its permissions",
    errno.EPERM: "the operation is not permitted there: choose another folder or fix its permissions",
    errno.EROFS: "that file system is read-only: point $KG_HOME (or --output) to a writable folder",
    errno.EISDIR: "that is a folder: give a file name (e.g. FOLDER/out.json)",
    errno.ENOTDIR: "a part of that path is a file, not a folder: check the path",
    errno.ENOENT: "no such file or folder: check the path (the folder must exist)",
    errno.ENAMETOOLONG: "the file name is too long: choose a shorter one",
    errno.EFBIG: "the file grew past the size this system allows: free space or raise the limit (ulimit -f)",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) and run the command again",
}


def environment_message(exc: OSError) -> str:
    """``cannot write /path (No space left on device): the disk is full: …``"""
    where = f" {exc.filename}" if exc.filename else ""
    reason = exc.strerror or type(exc).__name__
    hint = HINTS.get(exc.errno or -1, "check the path, its permissions and the free space, then run the command again")
    return f"cannot use{where} ({reason}); {hint}"
