"""Ingest a batch of paths into the store and the search index: each file on its own, so one bad file never
stops the rest, and store and index move together (see kg.sync).

One function, ``ingest_paths``, is the whole use case: it takes the home's writer lock (waiting for another
run, saying so through ``message``), first repairs whatever a killed earlier run left unindexed, then
reads each file (regular files only, size-limited, streamed), indexes and stores the changed ones (the
reading and the indexing of a file within one time budget), committing the index every few seconds so a kill loses at most that much work
(and the next run redoes it).
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Optional

from kg.ingest.version import reader_version
from kg.ingest import ParseResult, parse_bytes
from kg.ingest.textio import UnreadableFile, max_file_bytes, read_file
from kg.lock import Message
from kg.model import BudgetDocument, Problem
from kg.store import Store

if TYPE_CHECKING:
    from kg.search.index import IndexWriter, SearchIndex

Progress = Callable[[int, int, str], None]
"""Called as progress(done, total, current_path) so a CLI can draw a bar; the library never prints."""

DEFAULT_FILE_SECONDS = 120.0
"""Per-file time budget (parse and search entries): real disclosures take about a second, a compilation of a
county's departments (several MB) some seconds a MB; ``KG_FILE_TIMEOUT`` changes it."""
COMMIT_SECONDS = 5.0
"""The index is committed at least this often during a batch: a kill loses at most this much indexing."""


@dataclass(frozen=True)
class Limits:
    """What one file may cost before it is reported and skipped."""

    max_file_mb: Optional[float] = None
    """Largest file read, in MB (None: $KG_MAX_FILE_MB or 100)."""
    file_seconds: Optional[float] = None
    """Longest time spent parsing and indexing one file (None: $KG_FILE_TIMEOUT or 120 s; 0 = no limit)."""

    def seconds(self) -> float:
        if self.file_seconds is not None:
            return self.file_seconds
        try:
            return float(os.environ.get("KG_FILE_TIMEOUT") or DEFAULT_FILE_SECONDS)
        except ValueError:
            return DEFAULT_FILE_SECONDS


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


def shown(path: str) -> str:
    """A path that can be printed and written as UTF-8: undecodable bytes of a file name as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace") if _undecodable(path) else path


def _undecodable(path: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in path)


def _failed(source: str, code: str, message: str) -> FileOutcome:
    return FileOutcome(shown(source), "failed", problems=[Problem(code=code, file=shown(source), severity="error",
                                                                  message=message)])


def walk(paths: Iterable[str]) -> tuple[list[str], list[FileOutcome]]:
    """Files as given and every non-hidden file under given folders (sorted, recursive), plus one failed
    outcome per folder that cannot be listed: a folder without permission is reported, never skipped silently."""
    out: list[str] = []
    problems: list[FileOutcome] = []

    def unreadable(exc: OSError) -> None:
        problems.append(_failed(exc.filename or "?", "unreadable-folder",
                                f"cannot open the folder ({exc.strerror}); its files were not read: "
                                "check its permissions (chmod +rx)"))

    for p in paths:
        path = Path(p)
        if path.is_dir():
            for root, dirs, files in os.walk(path, onerror=unreadable):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                out += [str(Path(root) / f) for f in sorted(files) if not f.startswith(".")]
        else:
            out.append(str(path))
    return out, problems


def expand(paths: Iterable[str]) -> list[str]:
    """Files as given, and every non-hidden file under given folders (sorted, recursive)."""
    return walk(paths)[0]


def ingest_paths(paths: Iterable[str], store: Store, layout: Optional[str] = None,
                 progress: Optional[Progress] = None,
                 on_document: Optional[Callable[[str, Optional[BudgetDocument]], None]] = None,
                 *, index: Optional["SearchIndex"] = None, message: Optional[Message] = None,
                 limits: Limits = Limits(),
                 on_outcome: Optional[Callable[[FileOutcome], None]] = None) -> list[FileOutcome]:
    """Parse, store and index each file; one outcome per file (and per unreadable folder).

    ``index`` (normally given) is kept in step with the store by this function; ``on_document(key, doc)``
    lets other followers see each change (doc None = removed). ``message`` gets one-line notes for the
    user (waiting for another run, an index repaired). ``on_outcome(outcome)`` hears each file as soon as it
    is stored (a CLI prints a line per file), and each folder that could not be listed.
    """
    heard = on_outcome or (lambda outcome: None)
    with store.locked(message):
        files, outcomes = walk(paths)
        for outcome in outcomes:
            heard(outcome)
        if index is None:
            for i, source in enumerate(files):
                if progress:
                    progress(i, len(files), source)
                outcomes.append(_ingest_one(source, store, layout, on_document, limits))
                heard(outcomes[-1])
        else:
            outcomes += _ingest_indexed(files, store, index, layout, progress, on_document, message, limits, heard)
        if progress:
            progress(len(files), len(files), "")
    return outcomes


def _ingest_indexed(files, store, index, layout, progress, on_document, message, limits,
                    heard: Callable[[FileOutcome], None]) -> list[FileOutcome]:
    from kg.sync import in_step, repair

    if not in_step(store, index):
        found = repair(store, index)
        if found.total and message:
            message(f"repaired the search index first: {found.describe()}")
    outcomes = []
    with index.writer(store.stamp) as writer:
        last_commit = time.monotonic()
        for i, source in enumerate(files):
            if progress:
                progress(i, len(files), source)
            outcomes.append(_ingest_one(source, store, layout, on_document, limits, writer))
            heard(outcomes[-1])
            if writer.pending and time.monotonic() - last_commit > COMMIT_SECONDS:
                writer.commit(store.stamp())
                last_commit = time.monotonic()
    return outcomes


def _timer_usable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _keep_findings(store: Store, doc_id: str, doc: BudgetDocument) -> None:
    """Run ``kg check``'s rules once on the new version and keep the findings beside it (kg.checks.stored), so
    graph, RDF and ``kg check`` read them instead of running the rules again. A rule that fails here costs
    nothing at ingest: the findings are then computed on first use, where the failure shows."""
    from kg.checks.stored import save

    try:
        save(store, doc_id, doc)
    except Exception:
        pass


class _OverBudget(BaseException):
    """Raised inside a parse that ran past its time budget (a BaseException: parsers' own handlers miss it)."""


@contextmanager
def _time_budget(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (SIGALRM: the main thread on Unix; elsewhere no budget)."""
    if not (seconds > 0 and _timer_usable()):
        yield
        return

    def on_alarm(signum, frame):
        raise _OverBudget()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _ingest_one(source: str, store: Store, layout: Optional[str], on_document, limits: Limits,
                writer: Optional["IndexWriter"] = None) -> FileOutcome:
    """Read, store and (with ``writer``) index one file. Its time budget covers the parse and the search entries:
    the document is indexed (uncommitted) before it is stored, so one that runs out of time is taken back out
    of the index and never stored, and store and index still agree. The index commit is not timed: it writes the
    postings of every document since the last one, and stopping it half-way would leave a half-written segment."""
    if _undecodable(source):
        return _failed(source, "bad-file-name", "the file name is not valid UTF-8 (shown with \\x escapes); "
                       "rename it, e.g. with `convmv -f GBK -t UTF-8 --notest FILE`")
    path = Path(source)
    try:
        data = read_file(path, max_file_bytes(limits.max_file_mb))
    except UnreadableFile as exc:
        return _failed(source, exc.code, f"{exc}; {exc.hint}")
    key = str(path.resolve())
    reader = reader_version()  # a file read by other readers is read again: a fixed misreading must not stay stored
    if layout is None and store.is_current(key, hashlib.sha256(data).hexdigest(), reader):
        doc = store.get(key)
        if doc is not None:
            return FileOutcome(source, "unchanged", layout=doc.layout, projects=len(doc.projects),
                               indicators=doc.indicator_count, legal_bases=len(doc.legal_bases),
                               problems=list(doc.problems))
    seconds = limits.seconds()
    started = time.monotonic()
    try:
        with _time_budget(seconds):
            result = _parse(data, source, layout)
    except _OverBudget:
        return _too_slow(source, "reading", seconds)
    finally:
        del data
    if isinstance(result, FileOutcome):
        return result
    if result.document is None:
        return FileOutcome(source, "failed", problems=result.problems)
    doc = result.document
    outcome = FileOutcome(source, "unchanged", layout=doc.layout, projects=len(doc.projects),
                          indicators=doc.indicator_count, legal_bases=len(doc.legal_bases), problems=result.problems)
    if store.is_current(key, doc.sha256, reader):
        return outcome
    if writer is not None:
        writer.ready()  # outside the budget: a lock taken is never left behind by an interruption
        left = seconds - (time.monotonic() - started) if seconds > 0 else 0
        try:
            if seconds > 0 and left <= 0 and _timer_usable():
                raise _OverBudget()
            with _time_budget(left):
                writer.replace(key, doc)
        except _OverBudget:
            writer.undo(key, store.get)
            return _too_slow(source, "reading and indexing", seconds)
    existed = key in store.manifest()
    doc_id = store.put(key, doc, reader)  # a failure here (disk full) ends the batch and cancels the uncommitted index with it
    _keep_findings(store, doc_id, doc)
    if on_document:
        on_document(key, doc)
    outcome.status = "updated" if existed else "added"
    return outcome


def _too_slow(source: str, what: str, seconds: float) -> FileOutcome:
    return _failed(source, "too-slow", f"{what} the file took longer than {seconds:g} s and was stopped; "
                   "if it really is one budget document, allow more with --file-timeout or KG_FILE_TIMEOUT")


def _parse(data: bytes, source: str, layout: Optional[str]) -> "ParseResult | FileOutcome":
    """The parse of one file, or a failed outcome for a parser that ran out of memory or broke."""
    try:
        return parse_bytes(data, source, layout)
    except MemoryError:
        return _failed(source, "too-large", "the file needs more memory than is available; split it or free memory")
    except RecursionError as exc:
        return _failed(source, "parser-error", f"the parser failed on this file ({exc}); please report it")
    except Exception as exc:  # a parser bug must cost one file, not the batch
        return _failed(source, "parser-error", f"the parser failed on this file ({type(exc).__name__}: {exc}); "
                       "please report it with the file")
