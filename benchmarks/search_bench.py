"""Ingest and search speed on a synthetic corpus, side by side with two peers on the same text.

    python benchmarks/search_bench.py [DOCS]      (default 1000 documents, ~70 MB)

* budget-kg: the real `kg ingest` pipeline (parse + store + Whoosh index, bigram and jieba fields) and
  `kg.search.query.search` in-process;
* naive peer: Whoosh with jieba's stock ChineseAnalyzer over the same entry texts;
* fast peer: SQLite FTS5 over jieba-pre-tokenised text (the tokenising time is counted).

Prints MB/s and docs/s end to end, index size, and search p50/p99 over the query set.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from corpus import make_corpus  # noqa: E402

QUERIES = ["选调生", "遗属补助", "村级组织运转经费", "晋财预[2020]52号", "晋财行【2025】110号", "满意度", "乡村振兴",
           "第一书记", "公务用车", "一事一议", "培训", "驻村工作队", "报刊", "取暖费", "村两委", "离任补贴",
           "政府采购", "三公经费", "人大代表", "网络安全", "治超", "党员教育", "计生", "机关运行经费"]
OUT = ROOT / "benchmarks" / "out"


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def timed_queries(fn) -> tuple[float, float]:
    times = []
    for _ in range(3):
        for q in QUERIES:
            t = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - t) * 1000)
    return percentile(times, 0.5), percentile(times, 0.99)


def ours(files, home: Path):
    from kg.pipeline import ingest_paths
    from kg.search.index import SearchIndex
    from kg.search.query import search
    from kg.store import Store

    shutil.rmtree(home, ignore_errors=True)
    t = time.perf_counter()
    outcomes = ingest_paths([str(f) for f in files], Store(home), index=SearchIndex(home))
    ingest = time.perf_counter() - t
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        raise SystemExit(f"{len(failed)} documents failed to ingest, e.g. {failed[0].source}: {failed[0].problems[0].message}")
    search(home, QUERIES[0])  # warm: open files once, as a running process would
    p50, p99 = timed_queries(lambda q: search(home, q, limit=20))
    return ingest, size_of(home / "index"), p50, p99


def entry_texts(home: Path) -> list[tuple[str, str]]:
    """The same texts our index holds (label + body of every entry), read from the stored records."""
    from kg.search.index import entries
    from kg.store import Store

    store = Store(home)
    out = []
    for key, doc in zip(store.manifest(), store.documents()):
        out += [(e["key"], f"{e['label']}\n{e['body']}") for e in entries(key, doc)]
    return out


def naive(texts, home: Path):
    from jieba.analyse import ChineseAnalyzer
    from whoosh import index
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.qparser import QueryParser

    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    ix = index.create_in(str(home), Schema(key=ID(stored=True), body=TEXT(analyzer=ChineseAnalyzer(), stored=True)))
    t = time.perf_counter()
    w = ix.writer(limitmb=256, procs=2 if (os.cpu_count() or 1) > 1 else 1, multisegment=True)
    for key, body in texts:
        w.add_document(key=key, body=body)
    w.commit()
    ingest = time.perf_counter() - t
    searcher = ix.searcher()
    parser = QueryParser("body", ix.schema)
    p50, p99 = timed_queries(lambda q: searcher.search(parser.parse(q), limit=20))
    return ingest, size_of(home), p50, p99


def fast(texts, home: Path):
    import jieba

    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    db = sqlite3.connect(home / "fts.db")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(key UNINDEXED, body)")
    t = time.perf_counter()
    db.executemany("INSERT INTO docs VALUES (?, ?)", ((k, " ".join(jieba.cut(b))) for k, b in texts))
    db.commit()
    ingest = time.perf_counter() - t

    def query(q):
        terms = [w for w in jieba.cut(q) if w.strip() and any(ch.isalnum() for ch in w)]
        expr = " ".join(f'"{w}"' for w in terms)
        return db.execute("SELECT key FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 20", (expr,)).fetchall()

    p50, p99 = timed_queries(query)
    return ingest, size_of(home), p50, p99


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    corpus = OUT / f"corpus-{count}"
    if not corpus.exists() or len(list(corpus.glob("*.txt"))) != count:
        shutil.rmtree(corpus, ignore_errors=True)
        make_corpus(corpus, count)
    files = sorted(corpus.glob("*.txt"))
    mb = sum(f.stat().st_size for f in files) / 1e6
    print(f"corpus: {len(files)} documents, {mb:.1f} MB ({os.cpu_count()} cores)")

    rows = []
    t_ours, size, p50, p99 = ours(files, OUT / "home")
    rows.append(("budget-kg (parse+store+index)", mb, t_ours, size, p50, p99))
    texts = entry_texts(OUT / "home")
    text_mb = sum(len(b.encode()) for _, b in texts) / 1e6
    print(f"indexed entry text: {len(texts)} entries, {text_mb:.1f} MB (peers index this same text)")
    t, size, p50, p99 = naive(texts, OUT / "naive")
    rows.append(("whoosh + jieba ChineseAnalyzer", text_mb, t, size, p50, p99))
    t, size, p50, p99 = fast(texts, OUT / "fts5")
    rows.append(("SQLite FTS5 + jieba pre-tokenised", text_mb, t, size, p50, p99))

    print(f"\n{'system':36} {'input MB':>9} {'ingest s':>9} {'MB/s':>6} {'docs/s':>7} {'index MB':>9} {'p50 ms':>7} {'p99 ms':>7}")
    for name, m, t, size, a, b in rows:
        print(f"{name:36} {m:9.1f} {t:9.1f} {m / t:6.2f} {len(files) / t:7.1f} {size / 1e6:9.1f} {a:7.1f} {b:7.1f}")
    base = rows[0]
    print("\nratios (budget-kg / peer):")
    for name, m, t, size, a, b in rows[1:]:
        print(f"  vs {name}: ingest time {base[2] / t:.2f}x, index size {base[3] / size:.2f}x, "
              f"p50 {base[4] / a:.2f}x, p99 {base[5] / b:.2f}x")


if __name__ == "__main__":
    main()
