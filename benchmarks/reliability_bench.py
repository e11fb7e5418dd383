"""What real use does to kg, counted: kill -9 at random points, concurrent runs, bad inputs, a huge file.

    python benchmarks/reliability_bench.py            (20 kill trials, 4 concurrent pairs, ~60 bad inputs, up to 40 MB)
    python benchmarks/reliability_bench.py --quick    (the short version CI runs through tests/test_reliability.py)

Every trial runs the real `kg` command in a child process. Prints one line per figure:
* kill trials survived: `kg ingest` SIGKILLed once a random number of documents is stored, then a plain
  `kg ingest` of the same folder; survived = every document stored, searchable, and store/index agree;
* concurrent runs: two `kg ingest` of disjoint halves started together; documents lost = stored or
  searchable fewer than given; plus tracebacks;
* bad inputs: damaged, binary, re-encoded, hostile-named files, a FIFO, a /dev/zero link and a symlink loop
  in one folder with good documents; tracebacks, hangs (no answer within 120 s), good documents lost;
* largest file: one document made of the examples' tables repeated to N MB: time and peak memory, and
  that a file over the size limit is refused at once.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from reliability import agreement, corpus, kg, kg_start, kill_when_stored, no_traceback, outcomes  # noqa: E402

EXAMPLES = sorted((ROOT / "examples").glob("*.txt"))


def kill_trials(work: Path, trials: int, docs: int, seed: int = 1) -> tuple[int, int, list[str]]:
    rng = random.Random(seed)
    survived, notes = 0, []
    folder = work / "kill-in"
    corpus(folder, docs, seed=seed)
    for t in range(trials):
        home = work / f"kill-home-{t}"
        at = rng.randint(1, docs - 1)
        proc = kg_start(home, "ingest", str(folder))
        stored_at_kill, survivors = kill_when_stored(proc, home, at)
        rerun = kg(home, "ingest", str(folder), "--json", timeout=600)
        state = agreement(home)
        ok = (survivors == 0 and rerun.returncode == 0 and no_traceback(rerun.stderr) and state["drift"] == 0
              and state["stored"] == docs and state["searchable"] == docs)
        survived += ok
        if not ok:
            notes.append(f"trial {t}: killed with {stored_at_kill} stored, {survivors} helpers outlived it; "
                         f"after re-run {state}; exit {rerun.returncode}")
        shutil.rmtree(home, ignore_errors=True)
    return survived, trials, notes


def concurrent_trials(work: Path, pairs: int, docs: int) -> tuple[int, int, int]:
    lost_total, tracebacks, waited = 0, 0, 0
    for t in range(pairs):
        halves = [work / f"conc-{t}-a", work / f"conc-{t}-b"]
        files = corpus(work / f"conc-{t}", docs, seed=100 + t)
        for h in halves:
            h.mkdir()
        for i, f in enumerate(files):
            f.rename(halves[i % 2] / f.name)
        home = work / f"conc-home-{t}"
        procs = [kg_start(home, "ingest", str(h)) for h in halves]
        for p in procs:
            p.wait(timeout=600)
            _, err = p.communicate()
            tracebacks += not no_traceback(err) or p.returncode != 0
            waited += "waiting for another kg run" in err
        state = agreement(home)
        lost_total += docs - min(state["stored"], state["searchable"])
    return lost_total, tracebacks, waited


def bad_inputs(folder: Path, good: int, seed: int = 5, quick: bool = False) -> int:
    """Writes damaged and hostile files next to ``good`` good documents; returns how many bad entries."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    corpus(folder / "good", good, seed=seed)
    texts = [p.read_bytes() for p in EXAMPLES]
    bad = folder / "bad"
    bad.mkdir()
    n = 0

    def put(name: str, data: bytes) -> None:
        nonlocal n
        with open(os.path.join(os.fsencode(bad), os.fsencode(name) if isinstance(name, str) else name), "wb") as fh:
            fh.write(data)
        n += 1

    rounds = 2 if quick else 8
    for r in range(rounds):
        src = rng.choice(texts)
        text = src.decode("utf-8")
        put(f"random-{r}.txt", bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 20000))))
        put(f"truncated-{r}.txt", src[:rng.randint(0, len(src))])
        lines = text.split("\n")
        rng.shuffle(lines)
        put(f"shuffled-{r}.txt", "\n".join(lines).encode("utf-8"))
        put(f"gbk-{r}.txt", text.encode("gb18030"))
        put(f"utf16-{r}.txt", text.encode("utf-16"))
        put(f"bom-crlf-{r}.txt", b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
        put(f"cr-{r}.txt", text.replace("\n", "\r").encode("utf-8"))
        at = rng.randint(0, len(src))
        put(f"nul-{r}.txt", src[:at] + b"\x00" * rng.randint(1, 5) + src[at:])
        put(f"markup-[b]x[／x]-{r}.txt", text.replace("项目", "项目[/b]&lt;svg onload=alert(1)&gt;", 5).encode("utf-8"))
    put("long-line.txt", b"\xe9\xa1\xb9" * (10 * 1024 * 1024 // 3))
    put(b"name-\xff\xfe.txt", texts[0])
    if os.name == "posix":
        os.mkfifo(bad / "pipe.txt")
        (bad / "zero.txt").symlink_to("/dev/zero")
        (bad / "loop.txt").symlink_to("loop.txt")
        n += 3
    return n


def bad_input_trial(work: Path, quick: bool) -> dict:
    folder = work / "bad-in"
    good = 4 if quick else 10
    count = bad_inputs(folder, good, quick=quick)
    home = work / "bad-home"
    hangs = 0
    try:
        result = kg(home, "ingest", str(folder), "--json", timeout=120 if quick else 600)
        tracebacks = 0 if no_traceback(result.stderr) else 1
        listed = outcomes(result.stdout)
    except subprocess.TimeoutExpired:
        hangs, tracebacks, listed = 1, 0, []
    state = agreement(home) if home.exists() else {"stored": 0, "searchable": 0}
    good_in = sum(1 for o in listed if "/good/" in o["source"] and o["status"] == "added")
    return {"bad": count, "good": good, "tracebacks": tracebacks, "hangs": hangs,
            "good_lost": good - min(good_in, state["searchable"]), "outcomes": len(listed)}


def big_file(path: Path, mb: float) -> None:
    """One document: a real example whose tables are repeated until the file is ``mb`` megabytes."""
    text = EXAMPLES[-1].read_text(encoding="utf-8")
    head, sep, tail = text.partition("\n")
    body = tail * max(1, int(mb * 1024 * 1024 / len(tail.encode("utf-8"))))
    path.write_text(head + sep + body, encoding="utf-8")


def largest_file(work: Path, sizes: list[float]) -> list[str]:
    lines = []
    for mb in sizes:
        path = work / f"big-{mb:g}MB.txt"
        big_file(path, mb)
        home = work / f"big-home-{mb:g}"
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t = time.perf_counter()
        result = kg(home, "ingest", str(path), "--json", timeout=900)
        took = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        status = outcomes(result.stdout)[0]["status"] if result.stdout.strip() else "no answer"
        problem = ""
        if status == "failed":
            problem = " (" + outcomes(result.stdout)[0]["problems"][0]["code"] + ")"
        lines.append(f"largest file: {path.stat().st_size / 1048576:.1f} MB -> {status}{problem} in {took:.1f} s, "
                     f"peak memory {max(peak, before) / 1024:.0f} MB")
        path.unlink()
        shutil.rmtree(home, ignore_errors=True)
    over = work / "over.txt"
    with open(over, "wb") as fh:
        fh.truncate(101 * 1024 * 1024)
    t = time.perf_counter()
    result = kg(work / "over-home", "ingest", str(over), "--json", timeout=120)
    code = outcomes(result.stdout)[0]["problems"][0]["code"]
    lines.append(f"over the limit: 101 MB file -> {code} in {time.perf_counter() - t:.1f} s (limit 100 MB, --max-file-mb)")
    return lines


def run(quick: bool) -> dict:
    figures = {}
    with tempfile.TemporaryDirectory(prefix="kg-rel-") as tmp:
        work = Path(tmp)
        survived, trials, notes = kill_trials(work, 2 if quick else 20, 6 if quick else 12)
        figures["kill"] = (survived, trials)
        print(f"kill trials survived: {survived}/{trials} (search complete after a plain re-run)")
        for n in notes:
            print(f"  {n}")
        lost, tracebacks, waited = concurrent_trials(work, 1 if quick else 4, 6 if quick else 12)
        figures["concurrent"] = (lost, tracebacks)
        print(f"concurrent runs: {1 if quick else 4} pairs, {lost} documents lost, {tracebacks} failed runs, "
              f"{waited} runs waited for the other")
        bad = bad_input_trial(work, quick)
        figures["bad"] = bad
        print(f"bad inputs: {bad['bad']} tried beside {bad['good']} good documents: {bad['tracebacks']} tracebacks, "
              f"{bad['hangs']} hangs, {bad['good_lost']} good documents lost")
        for line in largest_file(work, [1] if quick else [5, 20, 40]):
            print(line)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the short version (CI)")
    run(parser.parse_args().quick)
