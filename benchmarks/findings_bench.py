"""What keeping ``kg check``'s findings with the store saves: graph build, RDF export and ``kg check``, before
(the 37 rules run on every document each time) and after (findings read from $KG_HOME/findings).

    python benchmarks/findings_bench.py [--repeat 5]

Sets: the shipped examples (text and PDF), and those plus the corpus in tests/data/corpus when present.
"Before" is the same use case with the findings computed in memory, as every build did until now; "after"
is a fresh ``BudgetKG`` over the ingested home (so the findings files are read, not a cached copy).
Both include loading the stored records. Prints best-of-N wall times and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from pdf_bench import best  # noqa: E402  (one timing helper for the benchmarks)


def run_set(name: str, paths: list[Path], repeat: int) -> None:
    from kg.app import BudgetKG
    from kg.checks import check, run_checks
    from kg.checks.stored import StoredFindings
    from kg.graph.build import build
    from kg.graph.rdf import write_rdf
    from kg.pipeline import ingest_paths
    from kg.search.index import SearchIndex
    from kg.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        home, out = Path(tmp) / "home", Path(tmp) / "out"
        out.mkdir()
        t = time.perf_counter()
        outcomes = ingest_paths([str(p) for p in paths], Store(home), index=SearchIndex(home))
        ingest = time.perf_counter() - t
        docs = Store(home).documents()
        n = len(docs)
        print(f"\n{name}: {n} documents ({sum(o.status == 'failed' for o in outcomes)} files failed), "
              f"ingest {ingest:.2f} s")

        rules = best(lambda: [check(d) for d in docs], repeat)
        read = best(lambda: [StoredFindings(Store(home))(d) for d in docs], repeat)
        print(f"  findings of all documents: rules {rules * 1000:7.1f} ms ({rules / n * 1000:.1f} ms/doc)   "
              f"read kept {read * 1000:6.1f} ms ({read / n * 1000:.2f} ms/doc)   x{rules / read:.0f}")

        def before_graph():
            build(Store(home).documents())

        def after_graph():
            BudgetKG(home).graph()

        def before_rdf():
            write_rdf(Store(home).documents(), "turtle", out / "before.ttl")

        def after_rdf():
            BudgetKG(home).export("turtle", out / "after.ttl", force=True)

        def before_check():
            run_checks(Store(home).documents())

        def after_check():
            BudgetKG(home).check()

        print(f"  {'use case':<22}{'before':>10}{'after':>10}{'saved':>10}{'ratio':>8}")
        for label, before, after in (("graph build", before_graph, after_graph),
                                     ("RDF export (turtle)", before_rdf, after_rdf),
                                     ("kg check (report)", before_check, after_check)):
            b, a = best(before, repeat), best(after, repeat)
            print(f"  {label:<22}{b * 1000:8.0f}ms{a * 1000:8.0f}ms{(b - a) * 1000:8.0f}ms{b / a:7.2f}x")
        assert (out / "before.ttl").read_bytes() == (out / "after.ttl").read_bytes(), "exports differ"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    from kg.checks import check
    from kg.ingest import parse_bytes

    # warm up the parsers and the rules' lazy imports, so the first set is not charged for them
    sample = sorted((ROOT / "examples").glob("*.txt"))[0]
    check(parse_bytes(sample.read_bytes(), sample.name).document)

    examples = sorted(p for p in (ROOT / "examples").iterdir() if p.is_file())
    run_set("examples/", examples, args.repeat)
    corpus = ROOT / "tests" / "data" / "corpus"
    if corpus.is_dir():
        run_set("examples/ + tests/data/corpus/", examples + sorted(p for p in corpus.iterdir() if p.is_file()),
                args.repeat)


if __name__ == "__main__":
    main()
