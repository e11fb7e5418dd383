"""The RDF export as an rdflib Graph: Oxigraph-backed (oxrdflib) against a parse into rdflib's memory store.

    python benchmarks/rdflib_bench.py [DOCS]     (default: the five examples; DOCS > 0 uses a synthetic corpus)

Prints, for each backend of ``BudgetKG.rdflib_graph``: seconds to get the Graph, seconds for a
SPARQL COUNT through ``graph.query`` and for a full ``graph.triples`` walk, and the peak Python
memory of building it (tracemalloc; Oxigraph's own Rust allocations are not counted).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

QUERY = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a <https://w3id.org/budget-kg/ontology#Project> }"


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main() -> None:
    import oxrdflib  # noqa: F401  imports are not what is measured
    import rdflib  # noqa: F401

    from kg.app import BudgetKG

    docs = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    with tempfile.TemporaryDirectory() as tmp:
        source = ROOT / "examples"
        if docs:
            from corpus import make_corpus

            source = Path(tmp) / "corpus"
            make_corpus(source, docs)
        kg = BudgetKG(Path(tmp) / "home")
        kg.ingest([str(source)])
        t, _ = timed(kg.oxigraph)  # the store `kg sparql` builds once per generation
        print(f"documents: {len(kg.documents())}; Oxigraph store built once in {t:.2f} s (shared with kg sparql)")
        for backend in ("oxigraph", "memory"):
            fresh = BudgetKG(kg.home)
            tracemalloc.start()
            build, graph = timed(lambda: fresh.rdflib_graph(backend))
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            query, rows = timed(lambda: list(graph.query(QUERY)))
            walk, count = timed(lambda: sum(1 for _ in graph.triples((None, None, None))))
            print(f"{backend:9s} graph in {build:7.3f} s  query {query:6.3f} s ({int(rows[0][0])} projects)  "
                  f"walk {walk:6.3f} s ({count} triples)  peak Python memory {peak / 1e6:7.1f} MB")
    print(f"cpus: {os.cpu_count()}, load: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
