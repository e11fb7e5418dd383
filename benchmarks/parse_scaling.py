"""How ingest time and memory grow with the size of one document (a county-wide compilation is several MB).

    python benchmarks/parse_scaling.py                     (1, 2, 4, 8 MB; the code of this tree)
    python benchmarks/parse_scaling.py --sizes 1 2 4 8 16
    python benchmarks/parse_scaling.py --code REV          (the same, run on the code of git revision REV: before/after)

The input is built as reliability_bench.py builds its largest file: a shipped example whose tables are repeated
until the file is N MB (one department document, hundreds of projects). Each size runs in a fresh child process
through the real pipeline (``kg.pipeline.ingest_paths`` into a new store and search index) and prints, per size:
parse (bytes → records), index (search entries written and committed) and total (with the store), each in CPU
seconds and as seconds per MB of input, and the peak memory of the process. CPU seconds are reported because
the machine may be shared (wall seconds are printed too). The last lines fit time ∝ size^k over the sizes
(k = 1: linear) for parse, index and total.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tarfile
import tempfile
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = sorted((ROOT / "examples").glob("*.txt"))[-1]
PACKAGE_DIRS = {"ingest": "ingest", "search": "search", "graph": "graph", "ontology": "ontology", "exports": "exports"}
"""kg.X → folder of the source tree (pyproject's package-dir), to run another revision's code."""


def document(mb: float) -> bytes:
    """One document of about ``mb`` MB: the example's first line, then the rest repeated (reliability_bench.big_file)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    head, sep, tail = text.partition("\n")
    return (head + sep + tail * max(1, int(mb * 1024 * 1024 / len(tail.encode("utf-8"))))).encode("utf-8")


def child(mb: float) -> dict:
    """Ingest one document of ``mb`` MB in this process; the figures as a dict."""
    import gc
    import resource
    import time

    from kg import pipeline
    from kg.search.index import IndexWriter, SearchIndex
    from kg.store import Store

    spent = {"parse": [0.0, 0.0], "index": [0.0, 0.0]}

    def timed(phase, fn):
        def wrapper(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[phase][0] += time.perf_counter() - wall
                spent[phase][1] += time.process_time() - cpu
        return wrapper

    pipeline.parse_bytes = timed("parse", pipeline.parse_bytes)
    IndexWriter.replace = timed("index", IndexWriter.replace)
    IndexWriter.commit = timed("index", IndexWriter.commit)
    data = document(mb)
    with tempfile.TemporaryDirectory(prefix="kg-scale-") as tmp:
        path = Path(tmp) / f"compilation-{mb:g}MB.txt"
        path.write_bytes(data)
        home = Path(tmp) / "home"
        from kg.ingest import parse_bytes
        # imports, compiled patterns and jieba's dictionary (~1 s, once per process) are not what is measured
        parse_bytes(document(0.05), "warm-up.txt")
        from kg.search.analysis import learn
        learn(["选调生"])
        gc.collect()
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        wall, cpu = time.perf_counter(), time.process_time()
        outcomes = pipeline.ingest_paths([str(path)], Store(home), index=SearchIndex(home),
                                         limits=pipeline.Limits(file_seconds=0))
        total = [time.perf_counter() - wall, time.process_time() - cpu]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    o = outcomes[0]
    return {"mb": len(data) / 1048576, "status": o.status, "projects": o.projects, "indicators": o.indicators,
            "parse": spent["parse"], "index": spent["index"], "total": total,
            "peak_mb": peak / 1024, "start_mb": base / 1024}


def source_tree(rev: str, into: Path) -> Path:
    """An importable ``kg`` package made of revision ``rev``'s files (git archive + the package-dir layout)."""
    tree = into / "src"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tree, filter="data")
    for name, folder in PACKAGE_DIRS.items():
        link = tree / "kg" / name
        if not link.exists():
            link.symlink_to(tree / folder, target_is_directory=True)
    return tree


def run(sizes: list[float], rev: str | None) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="kg-scale-code-") as tmp:
        env = dict(os.environ)
        if rev:
            # first on the path: shadows the editable install of this tree
            env["PYTHONPATH"] = str(source_tree(rev, Path(tmp))) + os.pathsep + env.get("PYTHONPATH", "")
        results = []
        for mb in sizes:
            out = subprocess.run([sys.executable, __file__, "--child", str(mb)], env=env, capture_output=True,
                                 text=True, cwd=tmp)
            if out.returncode != 0:
                raise SystemExit(f"{mb} MB: the child failed:\n{out.stderr[-3000:]}")
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
            show(results[-1])
        return results


def show(r: dict) -> None:
    mb = r["mb"]
    print(f"{mb:5.1f} MB  {r['status']:<6} {r['projects']:5d} projects  "
          f"parse {r['parse'][1]:6.1f} s ({r['parse'][1] / mb:4.2f} s/MB)  "
          f"index {r['index'][1]:6.1f} s ({r['index'][1] / mb:4.2f} s/MB)  "
          f"total {r['total'][1]:6.1f} s ({r['total'][1] / mb:4.2f} s/MB, wall {r['total'][0]:.1f} s)  "
          f"peak {r['peak_mb']:5.0f} MB ({(r['peak_mb'] - r['start_mb']) / mb:4.0f} MB per MB over the "
          f"{r['start_mb']:.0f} MB at start)", flush=True)


def exponent(xs: list[float], ys: list[float]) -> float:
    """k of the least-squares fit log y = k log x + c."""
    lx, ly = [math.log(x) for x in xs], [math.log(max(y, 1e-6)) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 2, 4, 8], help="document sizes in MB")
    parser.add_argument("--code", metavar="REV", help="run the code of this git revision (e.g. main) instead")
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child)))
        return
    print(f"code: {args.code or 'this tree'}; input: {EXAMPLE.name} repeated; CPU seconds (s/MB = per MB of input)")
    results = run(args.sizes, args.code)
    if len(results) >= 2:
        xs = [r["mb"] for r in results]
        for phase in ("parse", "index", "total"):
            print(f"fit {phase}: time ∝ size^{exponent(xs, [r[phase][1] for r in results]):.2f}")
        print(f"fit peak memory over start: ∝ size^{exponent(xs, [r['peak_mb'] - r['start_mb'] for r in results]):.2f}")


if __name__ == "__main__":
    main()
