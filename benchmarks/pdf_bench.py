"""PDF ingest speed: pages per second of budget-kg reading PDFs beside PDFium's own text extraction.

    python benchmarks/pdf_bench.py [FILE_OR_FOLDER ...] [--repeat 3]

Default inputs: the real PDFs the tests use (tests/data/corpus, examples/) and ../shared/corpus/shanghai when
present. For each file it times, on one core, in one process:

* budget-kg: ``parse_bytes`` — PDFium words and ruling lines, rows from positions, the national
  table readers, records (what ``kg ingest`` does before the store);
* the peer: pypdfium2's plain text extraction of every page (``get_text_range``), the least any
  PDF reader must do, with no positions, rows or meaning;
* peak memory: Python heap (tracemalloc) during one parse, and the process's peak RSS at the end.

The best of ``--repeat`` runs is reported.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = [ROOT / "tests" / "data" / "corpus", ROOT / "examples", ROOT.parent / "shared" / "corpus" / "shanghai"]


def pdfs(args: list[str]) -> list[Path]:
    found: dict[str, Path] = {}
    for a in args or DEFAULTS:
        p = Path(a)
        for f in sorted(p.glob("*.pdf")) if p.is_dir() else [p]:
            found.setdefault(f.name, f)  # the same file in two folders is measured once
    return sorted(found.values(), key=lambda f: f.name)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def peer_text(data: bytes) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    chars = 0
    for i in range(len(pdf)):
        page = pdf[i]
        textpage = page.get_textpage()
        chars += len(textpage.get_text_range())
        textpage.close()
        page.close()
    pdf.close()
    return chars


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from kg.ingest import parse_bytes
    from kg.ingest.pdfwords import page_count

    files = pdfs(args.paths)
    if not files:
        sys.exit("no PDF files found")
    print(f"{'file':48} {'pages':>5} {'kg s':>7} {'kg p/s':>7} {'peer s':>7} {'peer p/s':>8} {'ratio':>6} {'heap MB':>8}  result")
    tot_pages = tot_kg = tot_peer = 0.0
    for f in files:
        data = f.read_bytes()
        pages = page_count(data)
        result = parse_bytes(data, f.name)
        kg = best(lambda: parse_bytes(data, f.name), args.repeat)
        peer = best(lambda: peer_text(data), args.repeat)
        tracemalloc.start()
        parse_bytes(data, f.name)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        status = "read" if result.document else (result.problems[0].code if result.problems else "failed")
        print(f"{f.name[:48]:48} {pages:5d} {kg:7.3f} {pages / kg:7.1f} {peer:7.3f} {pages / peer:8.1f} "
              f"{kg / peer:6.1f} {peak / 2**20:8.1f}  {status}")
        tot_pages, tot_kg, tot_peer = tot_pages + pages, tot_kg + kg, tot_peer + peer
    print(f"{'all':48} {int(tot_pages):5d} {tot_kg:7.3f} {tot_pages / tot_kg:7.1f} {tot_peer:7.3f} "
          f"{tot_pages / tot_peer:8.1f} {tot_kg / tot_peer:6.1f}")
    print(f"30-page disclosure at this rate: {30 * tot_kg / tot_pages:.2f} s (aim: under 2 s on one core)")
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
