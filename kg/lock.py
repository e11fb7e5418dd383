"""The one writer lock of a $KG_HOME: portable, released by the OS when its holder dies, waited for politely.

``filelock`` picks the operating system's lock (``fcntl.flock`` on Linux and macOS,
``msvcrt.locking`` on Windows), so a process killed with SIGKILL cannot leave a lock
behind: the kernel drops it with the process, and the next run simply takes it over.
Nothing here forks helper processes, so no child can inherit the lock and outlive
its parent (the Whoosh multi-process writer used to). A run that finds the lock
held says who holds it (pid, command, since when) through ``message`` and waits.
"""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional

from filelock import FileLock, Timeout

Message = Callable[[str], None]
"""Called with one line for the user (a CLI prints it on stderr); the library never prints."""

LOCK_NAME = ".lock"
OWNER_NAME = ".lock.owner"


def _describe_owner(home: Path) -> str:
    try:
        info = json.loads((home / OWNER_NAME).read_text(encoding="utf-8"))
        since = time.strftime("%H:%M:%S", time.localtime(info["since"]))
        return f"pid {info['pid']}, `{info['command']}` since {since}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


@contextmanager
def home_lock(home: Path, message: Optional[Message] = None, timeout: Optional[float] = None,
              command: str = "kg") -> Iterator[None]:
    """Hold the writer lock of ``home``; wait (saying so once) while another live run holds it.

    ``timeout`` None waits as long as the other run takes; a number raises ``filelock.Timeout``.
    """
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(home / LOCK_NAME))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if message:
            message(f"waiting for another kg run on {home} to finish ({_describe_owner(home)}) …")
        lock.acquire(timeout=-1 if timeout is None else timeout)
    try:
        try:
            (home / OWNER_NAME).write_text(json.dumps({"pid": os.getpid(), "since": time.time(),
                                                       "command": command or " ".join(sys.argv[:2])}),
                                           encoding="utf-8")
        except OSError:
            pass  # the owner note only improves the waiting message
        yield
    finally:
        lock.release()


@contextmanager
def try_home_lock(home: Path) -> Iterator[bool]:
    """Hold the writer lock if it is free (yields True), else yield False at once: for repairs a reader may skip."""
    home = Path(home)
    lock = FileLock(str(home / LOCK_NAME))
    try:
        lock.acquire(timeout=0)
    except (Timeout, OSError):
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
