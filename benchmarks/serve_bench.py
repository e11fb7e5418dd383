"""`kg serve` under load, beside the same calls made in-process on BudgetKG.

    python benchmarks/serve_bench.py [--docs N] [--requests R]

The store holds examples/ (default) or N synthetic documents (benchmarks/corpus.py). The server runs
as `kg serve` in its own process (uvicorn, one worker), so client and server do not share a GIL; the
load comes from a small asyncio client (httpx) with 1 and 8 concurrent clients. Two calls:

* search: ``GET /search.json?q=…`` over a set of queries; in-process ``BudgetKG.search`` plus
  ``BudgetKG.hit_nodes`` (what the route calls for the node links);
* competency query: ``POST /sparql`` with a bundled query (SPARQL JSON); in-process
  ``BudgetKG.sparql(name=…)`` written as SPARQL JSON.

Prints requests/second and p50/p99 latency (ms) for each: the fastest of ``--repeat`` runs, HTTP and
in-process runs alternating.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

QUERIES = ["选调生", "遗属补助", "村级组织运转经费", "晋财预[2020]52号", "晋财行【2025】110号", "满意度", "乡村振兴",
           "第一书记", "公务用车", "培训", "报刊", "取暖费", "村两委", "政府采购", "三公经费", "机关运行经费"]
COMPETENCY = "f_funding_mix_by_department"


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def report(name: str, clients: int, seconds: float, latencies: list[float]) -> str:
    return (f"{name:<40} {clients:>2} clients  {len(latencies) / seconds:8.1f} req/s   "
            f"p50 {statistics.median(latencies) * 1000:7.1f} ms   p99 {percentile(latencies, 0.99) * 1000:7.1f} ms")


async def load(base: str, call: str, clients: int, total: int) -> tuple[float, list[float]]:
    """``total`` requests spread over ``clients`` concurrent clients; wall seconds and each latency."""
    from kg.app import BudgetKG

    query = BudgetKG.bundled_query(COMPETENCY).text
    latencies: list[float] = []
    counter = iter(range(total))

    async def one_client(http: httpx.AsyncClient):
        for i in counter:
            t = time.perf_counter()
            if call == "search":
                r = await http.get(f"{base}/search.json", params={"q": QUERIES[i % len(QUERIES)]})
            else:
                r = await http.post(f"{base}/sparql", content=query.encode(), headers={
                    "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
            r.raise_for_status()
            latencies.append(time.perf_counter() - t)

    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=clients)) as http:
        start = time.perf_counter()
        await asyncio.gather(*(one_client(http) for _ in range(clients)))
        return time.perf_counter() - start, latencies


def in_process(kg, call: str, clients: int, total: int) -> tuple[float, list[float]]:
    text = kg.bundled_query(COMPETENCY).text  # the text the HTTP client sends
    def one(i: int) -> float:
        t = time.perf_counter()
        if call == "search":
            result = kg.search(QUERIES[i % len(QUERIES)])
            kg.hit_nodes(result.hits)
        else:
            kg.sparql(query=text).to_json()
        return time.perf_counter() - t

    start = time.perf_counter()
    if clients == 1:
        latencies = [one(i) for i in range(total)]
    else:
        with ThreadPoolExecutor(clients) as pool:
            latencies = list(pool.map(one, range(total)))
    return time.perf_counter() - start, latencies


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=0, help="synthetic documents instead of examples/")
    ap.add_argument("--requests", type=int, default=400, help="requests per search measurement")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the fastest is shown "
                    "(the one least disturbed by other load on the machine)")
    args = ap.parse_args()

    from kg.app import BudgetKG

    work = Path(tempfile.mkdtemp(prefix="kg-serve-bench-"))
    try:
        home = work / "home"
        if args.docs:
            from corpus import make_corpus

            source = work / "corpus"
            make_corpus(source, args.docs)
        else:
            source = ROOT / "examples"
        kg = BudgetKG(home)
        kg.ingest([str(source)])
        kg.sparql(name=COMPETENCY).to_json()  # build the Oxigraph store once, before timing
        stats = kg.stats()
        print(f"store: {stats['documents']} documents, {stats['projects']} projects; CPUs: {os.cpu_count()}; "
              f"Python {sys.version.split()[0]}; load average {os.getloadavg()[0]:.1f}")

        port = free_port()
        kg_bin = Path(sys.executable).with_name("kg")
        server = subprocess.Popen([str(kg_bin), "serve", "--port", str(port)], env={**os.environ, "KG_HOME": str(home)},
                                  stderr=open(work / "server.log", "w"))
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    httpx.get(base + "/sparql", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.05)
            asyncio.run(load(base, "search", 1, 20))  # warm-up: graph, index readers
            asyncio.run(load(base, "sparql", 1, 5))
            for call, total in (("search", args.requests), ("sparql", max(40, args.requests // 4))):
                label = "search" if call == "search" else f"SPARQL {COMPETENCY.split('_')[0]}"
                for clients in (1, 8):
                    http, local = [], []
                    for _ in range(args.repeat):  # alternate, so a burst of other load hits both sides alike
                        http.append(asyncio.run(load(base, call, clients, total)))
                        local.append(in_process(kg, call, clients, total))
                    print(report(f"{label} (HTTP)", clients, *min(http)))
                    print(report(f"{label} (in-process)", clients, *min(local)))
        except Exception:
            sys.stderr.write((work / "server.log").read_text(encoding="utf-8")[-5000:])
            raise
        finally:
            server.terminate()
            server.wait(10)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
