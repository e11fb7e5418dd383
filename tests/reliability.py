"""Shared helpers of the reliability suite and benchmark: small corpora, kg in a subprocess, agreement checks.

Everything runs the real `kg` entry point in a child process (as a user would), so a kill -9, a second
concurrent run or a full disk hits the same code paths as in real use.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from corpus import make_corpus  # noqa: E402


def corpus(folder: Path, count: int, seed: int = 7) -> list[Path]:
    """``count`` distinct budget documents (the examples with other department names, amounts and years)."""
    return make_corpus(folder, count, seed)


RUN_KG = "import sys; sys.argv[0] = 'kg'; from kg.cli import main; main()"


def kg_env(home: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "KG_DEBUG"}
    env.update({"KG_HOME": str(home), "PYTHONUNBUFFERED": "1", **extra})
    return env


def _cwd(home: Path) -> str:
    """A folder to run in outside the repository (its kg/ folder must not shadow the installed package)."""
    folder = Path(home).parent
    while not folder.is_dir():
        folder = folder.parent
    return str(folder)


def kg(home: Path, *args: str, timeout: float = 120, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", RUN_KG, *args], env=kg_env(home, **extra), capture_output=True,
                          text=True, timeout=timeout, cwd=_cwd(home))


def kg_start(home: Path, *args: str, **extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", RUN_KG, *args], env=kg_env(home, **extra), cwd=_cwd(home),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def stored_count(home: Path) -> int:
    docs = home / "documents"
    return sum(1 for p in docs.glob("*.json")) if docs.exists() else 0


def kill_when_stored(proc: subprocess.Popen, home: Path, at_least: int, timeout: float = 120) -> tuple[int, int]:
    """SIGKILL the `kg` process (the parent only, as the OOM killer would) once ``at_least`` documents are on
    disk; returns the number stored then and how many processes of its group outlived it (children that
    would hold the locks). Any such survivor is killed afterwards."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None and stored_count(home) < at_least:
        time.sleep(0.005)
    n = stored_count(home)
    try:
        os.kill(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    time.sleep(0.05)
    survivors = 0
    try:
        os.killpg(proc.pid, 0)  # any process left in its group?
        survivors = 1
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.stdout.close()
    proc.stderr.close()
    return n, survivors


def agreement(home: Path) -> dict:
    """Store vs index, as `kg doctor --check` sees it, and how many stored departments a search finds."""
    from kg.search.index import SearchIndex
    from kg.store import Store
    from kg.sync import drift

    store = Store(home)
    d = drift(store, SearchIndex(home))
    names = {doc.department.name for doc in store.documents()}
    found = 0
    if names:
        from kg.search.query import search

        for name in names:
            hits = search(home, name, type="department", limit=5).hits
            found += any(h.label == name for h in hits)
    return {"stored": len(store.manifest()), "departments": len(names), "searchable": found, "drift": d.total}


def random_points(n: int, low: int, high: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    return [rng.randint(low, high) for _ in range(n)]


def no_traceback(text: str) -> bool:
    return "Traceback" not in text and "internal error" not in text


def outcomes(proc_stdout: str) -> list[dict]:
    return json.loads(proc_stdout) if proc_stdout.strip() else []
