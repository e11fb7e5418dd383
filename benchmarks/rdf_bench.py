"""RDF export and SPARQL speed at ~100k and ~1M triples: Oxigraph (what `kg` uses) beside rdflib.

    python benchmarks/rdf_bench.py [--sizes 100000,1000000]

The corpus is the parsed examples copied under new department names until the triple count is reached.
rdflib's Turtle writer is super-linear, so at 1M triples it is timed on N-Triples only (Turtle would take
many minutes; the 100k figure shows the trend).
"""

from __future__ import annotations

import argparse
import math
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = sorted((ROOT / "exports" / "queries").glob("*.rq"))


def documents(target_triples: int):
    """The examples copied under new department names until the distinct triples reach the target."""
    from kg.graph.rdf import sorted_triples
    from kg.ingest import parse_bytes

    base = [parse_bytes(p.read_bytes(), f"examples/{p.name}").document for p in sorted((ROOT / "examples").glob("*.txt"))]

    def copies(rounds: int):
        docs = []
        for r in range(rounds):
            for d in base:
                docs.append(d.model_copy(update={
                    "source": f"synthetic/{r:05d}/{d.source}", "sha256": f"{r:05d}{d.sha256[5:]}",
                    "department": d.department.model_copy(update={"name": f"{d.department.name}{r:05d}"})}))
        return docs

    one, two = len(sorted_triples(copies(1))), len(sorted_triples(copies(2)))
    per_round = two - one  # shared nodes (codes, funding sources) count once
    return copies(max(1, math.ceil((target_triples - one) / per_round) + 1))


def timed(fn, repeat=1):
    best = None
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    args = ap.parse_args()
    import rdflib
    from pyoxigraph import RdfFormat, Store, serialize

    from kg.graph.rdf import PREFIXES, sorted_triples
    from kg.graph.sparql import as_quads, run

    for size in [int(s) for s in args.sizes.split(",")]:
        docs = documents(size)
        t_build, tr = timed(lambda: sorted_triples(docs))
        print(f"\n== {len(tr):,} triples from {len(docs)} documents (build + sort {t_build:.1f}s)")
        t_ttl, data = timed(lambda: serialize(tr, format=RdfFormat.TURTLE, prefixes={k: v for k, v in PREFIXES.items() if k != 'id'}))
        t_nt, nt = timed(lambda: serialize(tr, format=RdfFormat.N_TRIPLES))
        print(f"oxigraph export: turtle {t_ttl:.2f}s ({len(data) / 1e6:.0f} MB), n-triples {t_nt:.2f}s; "
              f"end to end turtle from records (build + write) {t_build + t_ttl:.1f}s")

        t_load_r, g = timed(lambda: rdflib.Graph().parse(data=nt, format="nt"))
        t_nt_r, _ = timed(lambda: g.serialize(format="nt"))
        line = f"rdflib: load n-triples {t_load_r:.1f}s, write n-triples {t_nt_r:.1f}s"
        if len(tr) <= 200_000:
            t_ttl_r, _ = timed(lambda: g.serialize(format="turtle"))
            line += f", write turtle {t_ttl_r:.1f}s (oxigraph {t_ttl:.2f}s: {t_ttl_r / t_ttl:.0f}x)"
        print(line)

        ox = Store()
        t_load_o, _ = timed(lambda: ox.bulk_extend(as_quads(tr)))
        print(f"oxigraph load {t_load_o:.1f}s")
        print(f"{'query':44} {'oxigraph ms':>12} {'rdflib ms':>10} {'ratio':>6}")
        ratios = []
        for q in QUERIES:
            text = q.read_text(encoding="utf-8")
            t_o, res = timed(lambda: list(run(ox, text)), repeat=3)
            t_r, _ = timed(lambda: list(g.query(text, initNs=PREFIXES)), repeat=1)
            ratios.append(t_r / t_o)
            print(f"{q.stem:44} {t_o * 1000:12.1f} {t_r * 1000:10.1f} {t_r / t_o:6.1f}")
        print(f"median rdflib/oxigraph ratio: {statistics.median(ratios):.1f}x")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
