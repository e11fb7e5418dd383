"""Reliability: what real use does to kg. Killed and concurrent ingests, full disks, pipes, devices, huge
files, hostile names and bytes. Each test runs on a handful of small documents in a few seconds; the
benchmark (benchmarks/reliability_bench.py) runs the same trials many more times and prints the figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, next_year
from reliability import (agreement, corpus, kg, kg_start, kill_when_stored, no_traceback, outcomes,
                         random_points)

from kg.ingest import parse_bytes
from kg.ingest.textio import UnreadableFile, read_file
from kg.pipeline import Limits, ingest_paths
from kg.search.index import SearchIndex
from kg.store import Store

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.txt"))
EXAMPLE_BYTES = [p.read_bytes() for p in EXAMPLE_FILES]
posix_only = pytest.mark.skipif(os.name != "posix", reason="named pipes, device files and SIGKILL are POSIX")


# ------------------------------------------------------------------ store and index move together


@posix_only
@pytest.mark.parametrize("trial", range(2))
def test_ingest_killed_at_a_random_point_is_completed_by_a_plain_rerun(tmp_path, trial):
    files = corpus(tmp_path / "in", 8, seed=trial)
    home = tmp_path / "home"
    at = random_points(2, 1, 7, seed=11)[trial]
    proc = kg_start(home, "ingest", str(tmp_path / "in"))
    _, survivors = kill_when_stored(proc, home, at)
    assert survivors == 0  # no helper process outlives a killed ingest (they used to hold the locks)
    rerun = kg(home, "ingest", str(tmp_path / "in"), "--json")
    assert rerun.returncode == 0, rerun.stderr
    assert no_traceback(rerun.stderr)
    assert {o["status"] for o in outcomes(rerun.stdout)} <= {"added", "unchanged"}
    state = agreement(home)
    assert state == {"stored": len(files), "departments": len(files), "searchable": len(files), "drift": 0}


@posix_only
def test_two_concurrent_ingests_wait_for_each_other_and_lose_nothing(tmp_path):
    files = corpus(tmp_path / "in", 8, seed=3)
    home = tmp_path / "home"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for i, f in enumerate(files):
        f.rename(tmp_path / ("a" if i % 2 else "b") / f.name)
    first = kg_start(home, "ingest", str(tmp_path / "a"))
    second = kg_start(home, "ingest", str(tmp_path / "b"))
    results = [(p.wait(timeout=300), *p.communicate()) for p in (first, second)]
    for code, out, err in results:
        assert code == 0, err
        assert no_traceback(err)
    assert any("waiting for another kg run" in err for _, _, err in results)
    assert agreement(home) == {"stored": 8, "departments": 8, "searchable": 8, "drift": 0}


def test_stored_but_unindexed_documents_are_found_by_doctor_and_by_the_next_command(tmp_path):
    home = tmp_path / "home"
    assert ingest_paths([str(EXAMPLE_FILES[0])], Store(home), index=SearchIndex(home))[0].status == "added"
    store = Store(home)
    with store.locked():  # what a run killed between storing and indexing leaves behind
        doc = parse_bytes(EXAMPLE_BYTES[1], str(EXAMPLE_FILES[1])).document
        from kg.ingest.version import reader_version

        store.put(str(EXAMPLE_FILES[1].resolve()), doc, reader_version())
    check = kg(home, "doctor", "--check", "--json")
    assert check.returncode == 1
    assert json.loads(check.stdout)["drift"]["unindexed"] == 1
    rerun = kg(home, "ingest", str(EXAMPLE_FILES[1]), "--json")
    assert rerun.returncode == 0 and outcomes(rerun.stdout)[0]["status"] == "unchanged"
    assert "repaired the search index" in rerun.stderr
    assert agreement(home) == {"stored": 2, "departments": 2, "searchable": 2, "drift": 0}
    assert kg(home, "doctor", "--check").returncode == 0


def test_disk_full_keeps_what_was_stored_and_the_rerun_makes_it_searchable(tmp_path):
    corpus(tmp_path / "in", 6, seed=5)
    home = tmp_path / "home"
    full_after_three = (
        "import errno, sys\n"
        "import kg.store as st\n"
        "real, calls = st.atomic_write, [0]\n"
        "def write(path, data):\n"
        "    calls[0] += path.parent.name == 'documents'\n"
        "    if calls[0] > 3: raise OSError(errno.ENOSPC, 'No space left on device', str(path))\n"
        "    return real(path, data)\n"
        "st.atomic_write = write\n"
        f"sys.argv = ['kg', 'ingest', {str(tmp_path / 'in')!r}]\n"
        "from kg.cli import main; main()\n")
    env = {**os.environ, "KG_HOME": str(home)}
    env.pop("KG_DEBUG", None)
    full = subprocess.run([sys.executable, "-c", full_after_three], env=env, capture_output=True, text=True, timeout=120)
    assert full.returncode == 1
    assert no_traceback(full.stderr)
    assert "disk is full" in full.stderr and "No space left on device" in full.stderr
    assert len(Store(home).manifest()) == 3  # the documents written before the disk filled up are kept
    rerun = kg(home, "ingest", str(tmp_path / "in"))
    assert rerun.returncode == 0, rerun.stderr
    assert agreement(home) == {"stored": 6, "departments": 6, "searchable": 6, "drift": 0}


def test_manifest_grows_by_one_journal_line_per_document_and_survives_a_torn_line(tmp_path):
    doc = parse_bytes(EXAMPLE_BYTES[0], "x.txt").document
    store = Store(tmp_path)
    sizes = []
    with store.locked():
        for i in range(40):
            before = store.log_path.stat().st_size if store.log_path.exists() else 0
            store.put(f"/data/{i:03d}.txt", doc)
            sizes.append(store.log_path.stat().st_size - before)
            assert not store.manifest_path.exists()  # the snapshot is not rewritten per document
    assert max(sizes) - min(sizes) <= 2  # the same small line whether the manifest holds 1 or 40 documents
    assert len(json.loads(store.manifest_path.read_text(encoding="utf-8"))["documents"]) == 40
    stamp = store.stamp()
    with store.locked():
        store.put("/data/new.txt", doc)
        store._log.write(b'{"seq": 999, "put": "/data/torn.t')  # killed mid-line
        store._log.flush()
        assert Store(tmp_path).stamp() == stamp + 1
        assert "/data/torn.t" not in str(Store(tmp_path).manifest())
    assert len(Store(tmp_path).manifest()) == 41


def test_store_works_without_fcntl(tmp_path):
    """Windows has no fcntl: the package must import and the store must lock, write and read without it."""
    script = (
        "import sys\n"
        "sys.modules['fcntl'] = None  # any `import fcntl` now fails, as on Windows\n"
        "import kg.cli\n"
        "from kg.ingest import parse_bytes\n"
        "from kg.store import Store\n"
        f"doc = parse_bytes(open({str(EXAMPLE_FILES[0])!r}, 'rb').read(), 'x.txt').document\n"
        f"store = Store({str(tmp_path)!r})\n"
        "with store.locked():\n"
        "    store.put('/x.txt', doc)\n"
        f"assert Store({str(tmp_path)!r}).get('/x.txt').department.name == doc.department.name\n"
        "sys.argv = ['kg', '--help']\n"
        "kg.cli.main()\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "ingest" in result.stdout


# ------------------------------------------------------------------ what is read


@posix_only
def test_pipes_devices_loops_and_bad_names_are_reported_and_the_batch_goes_on(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_bytes(EXAMPLE_BYTES[0])
    os.mkfifo(folder / "pipe.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")
    (folder / "loop.txt").symlink_to("loop.txt")
    with open(os.path.join(os.fsencode(folder), b"name-\xff\xfe.txt"), "wb") as fh:
        fh.write(EXAMPLE_BYTES[1])
    home = tmp_path / "home"
    result = kg(home, "ingest", str(folder), "--json", timeout=60)  # a hang on the pipe fails by timeout
    assert result.returncode == 1
    assert no_traceback(result.stderr)
    by_name = {Path(o["source"]).name: o for o in outcomes(result.stdout)}
    assert by_name["good.txt"]["status"] == "added"
    codes = {name: o["problems"][0]["code"] for name, o in by_name.items() if o["status"] == "failed"}
    assert codes == {"pipe.txt": "not-a-file", "zero.txt": "not-a-file", "loop.txt": "symlink-loop",
                     "name-\\xff\\xfe.txt": "bad-file-name"}
    assert agreement(home)["searchable"] == 1


def test_a_folder_that_cannot_be_listed_is_reported_not_skipped(tmp_path, monkeypatch):
    (tmp_path / "in" / "locked").mkdir(parents=True)
    (tmp_path / "in" / "good.txt").write_bytes(EXAMPLE_BYTES[0])
    real = os.scandir

    def scandir(path="."):
        if str(path).endswith("locked"):  # what chmod 000 does for a non-root user
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    home = tmp_path / "home"
    result = ingest_paths([str(tmp_path / "in")], Store(home), index=SearchIndex(home))
    status = {Path(o.source).name: (o.status, o.problems[0].code if o.problems else None) for o in result}
    assert status == {"locked": ("failed", "unreadable-folder"), "good.txt": ("added", None)}


def test_huge_files_are_refused_without_reading_them(tmp_path):
    sparse = tmp_path / "huge.txt"
    with open(sparse, "wb") as fh:
        fh.truncate(101 * 1024 * 1024)  # over the default 100 MB, costs no disk
    with pytest.raises(UnreadableFile) as exc:
        read_file(sparse)
    assert exc.value.code == "file-too-large"
    two_mb = tmp_path / "two.txt"
    two_mb.write_bytes(EXAMPLE_BYTES[0] * (2 * 1024 * 1024 // len(EXAMPLE_BYTES[0]) + 1))
    result = kg(tmp_path / "home", "ingest", str(two_mb), "--json", KG_MAX_FILE_MB="1")
    assert result.returncode == 1 and no_traceback(result.stderr)
    problem = outcomes(result.stdout)[0]["problems"][0]
    assert problem["code"] == "file-too-large" and "--max-file-mb" in problem["message"]


def test_one_slow_file_is_stopped_by_its_time_budget_and_the_next_one_goes_in(tmp_path):
    home = tmp_path / "home"
    slow = ingest_paths([str(EXAMPLE_FILES[0])], Store(home), index=SearchIndex(home), limits=Limits(file_seconds=1e-4))
    assert slow[0].status == "failed" and slow[0].problems[0].code == "too-slow"
    ok = ingest_paths([str(EXAMPLE_FILES[0])], Store(home), index=SearchIndex(home))
    assert ok[0].status == "added"


def _entries_by_document(home: Path) -> dict[str, int]:
    """Committed search entries per document key."""
    from collections import Counter

    with SearchIndex(home).open().searcher() as s:
        return dict(Counter(fields["doc_key"] for fields in s.all_stored_fields()))


def test_the_time_budget_covers_indexing_and_a_file_out_of_time_is_in_neither_store_nor_index(tmp_path, monkeypatch):
    """A file whose parse fits its budget but whose search entries do not is stopped half-way through its entries:
    it is reported, it is neither stored nor indexed (not even in part), the documents indexed before it in the
    same uncommitted batch keep all their entries, and a stored older version of it stays as it was."""
    import time

    from kg.search import index as index_module

    folder = tmp_path / "in"
    folder.mkdir()
    a, slow, c = (folder / "a.txt", folder / "b-slow.txt", folder / "c.txt")
    for path, src in zip((a, slow, c), (EXAMPLE_FILES[0], EXAMPLE_FILES[-1], EXAMPLE_FILES[1])):
        path.write_bytes(src.read_bytes())  # the slow one is a 2026 document: next_year changes it
    home = tmp_path / "home"
    old = ingest_paths([str(slow)], Store(home), index=SearchIndex(home))  # an older version, committed
    assert old[0].status == "added"
    old_entries = _entries_by_document(home)[str(slow.resolve())]
    slow.write_text(next_year(slow.read_text(encoding="utf-8")), encoding="utf-8")  # the new version will not fit

    real_entries = index_module.entries_and_vocabulary

    def entries_and_vocabulary(key, doc):
        rows, names = real_entries(key, doc)

        def slowly():
            for n, entry in enumerate(rows):
                if n == 20 and key.endswith("b-slow.txt"):
                    time.sleep(60)  # interrupted by the budget with 20 entries of this document already added
                yield entry
        return slowly(), names

    monkeypatch.setattr(index_module, "entries_and_vocabulary", entries_and_vocabulary)
    began = time.monotonic()
    outcomes = ingest_paths([str(folder)], Store(home), index=SearchIndex(home), limits=Limits(file_seconds=5))
    assert time.monotonic() - began < 50
    status = {Path(o.source).name: (o.status, o.problems[0].code if o.problems else None) for o in outcomes}
    assert status == {"a.txt": ("added", None), "b-slow.txt": ("failed", "too-slow"), "c.txt": ("added", None)}
    assert "reading and indexing" in outcomes[1].problems[0].message
    store = Store(home)
    assert store.get(str(slow.resolve())).department.fiscal_year == 2026  # the older version, untouched
    monkeypatch.setattr(index_module, "entries_and_vocabulary", real_entries)
    expected = {str(p.resolve()): len(real_entries(str(p.resolve()), store.get(str(p.resolve())))[0])
                for p in (a, c)}
    expected[str(slow.resolve())] = old_entries
    assert _entries_by_document(home) == expected
    assert agreement(home)["drift"] == 0


# ------------------------------------------------------------------ messages


def test_environment_errors_are_one_plain_line(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    result = kg(a_file / "home", "ingest", str(EXAMPLE_FILES[0]))
    assert result.returncode == 1 and no_traceback(result.stderr)
    assert "is a file, not a folder" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    home = tmp_path / "home"
    assert kg(home, "ingest", str(EXAMPLE_FILES[0])).returncode == 0
    to_dir = kg(home, "export", "--format", "json", "--output", str(tmp_path))
    assert to_dir.returncode == 2 and no_traceback(to_dir.stderr) and "give a file name" in to_dir.stderr
    chart = kg(home, "chart", "--department", "乡", "--output", str(tmp_path / "c.txt"))
    assert chart.returncode == 0 and no_traceback(chart.stderr) and "c.html" in chart.stderr  # format from a known suffix
    year = kg(home, "search", "选调生", "--year", "99999999999999")
    assert year.returncode == 2 and no_traceback(year.stderr) and "four-digit year" in year.stderr


# ------------------------------------------------------------------ fuzz


def _variants(draw_bytes: bytes, how: str, cut: float, seed: int) -> bytes:
    import random

    text = draw_bytes.decode("utf-8")
    if how == "truncate":
        return draw_bytes[:int(len(draw_bytes) * cut)]
    if how == "shuffle":
        lines = text.split("\n")
        random.Random(seed).shuffle(lines)
        return "\n".join(lines).encode("utf-8")
    if how == "gb18030":
        return text.encode("gb18030")
    if how == "utf-16":
        return text.encode("utf-16")
    if how == "bom-crlf":
        return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")
    if how == "nul":
        at = int(len(draw_bytes) * cut)
        return draw_bytes[:at] + b"\x00" + draw_bytes[at:]
    if how == "markup":
        return text.replace("项目", "项目[/x][b]&lt;svg onload=alert(1)&gt;", 3).encode("utf-8")
    raise AssertionError(how)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(range(len(EXAMPLE_BYTES))),
       st.sampled_from(["truncate", "shuffle", "gb18030", "utf-16", "bom-crlf", "nul", "markup"]),
       st.floats(0, 1), st.integers(0, 1000))
def test_loaders_and_readers_never_raise_on_damaged_documents(which, how, cut, seed):
    result = parse_bytes(_variants(EXAMPLE_BYTES[which], how, cut, seed), "fuzz.txt")
    assert result.document is not None or any(p.severity == "error" for p in result.problems)


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=4096))
def test_random_bytes_never_raise(data):
    result = parse_bytes(data, "random.bin")
    assert result.document is None or result.document.department.name


NAME = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), min_size=1, max_size=40)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(NAME)
def test_hostile_file_names_are_ingested_or_reported(tmp_path, name):
    name = name.strip(".") or "x"  # `.` and `..` are not file names; a leading dot hides a file
    folder = tmp_path / f"n{abs(hash(name))}"
    folder.mkdir()
    try:
        (folder / name).write_bytes(EXAMPLE_BYTES[0])
    except OSError:  # a name this file system refuses (too long in bytes)
        return
    home = folder / ".home"
    result = ingest_paths([str(folder / name)], Store(home), index=SearchIndex(home))
    assert [o.status for o in result] == ["added"]
    json.dumps([o.as_dict() for o in result], ensure_ascii=False).encode("utf-8")  # printable as UTF-8


# ------------------------------------------------------------------ the benchmark's short version


@posix_only
def test_reliability_benchmark_short_version(capsys):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from reliability_bench import run

    figures = run(quick=True)
    survived, trials = figures["kill"]
    assert survived == trials
    assert figures["concurrent"] == (0, 0)
    bad = figures["bad"]
    assert (bad["tracebacks"], bad["hangs"], bad["good_lost"]) == (0, 0, 0)
    assert bad["outcomes"] == bad["bad"] + bad["good"]  # every entry answered with one line
    assert "largest file" in capsys.readouterr().out
