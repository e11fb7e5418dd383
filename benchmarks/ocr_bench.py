"""OCR speed and figure accuracy on scans made from a text PDF, so every expected figure is known.

Each table page of a real disclosure is rasterised at a scan resolution into an image-only PDF
(JPEG, as scanners save), then read back by ``kg.ingest.ocr.ocr_pages``. Expected figures are
the numbers of the original page's text layer. Printed per scan resolution:
pages/second, figures read exactly, figures withheld as untrusted, and trusted figures that are
wrong (invented: must be 0). ``--dump`` writes every OCR'd figure with its confidence and whether
it was right, which is how ``TRUST_CONFIDENCE`` was chosen.

``--documents`` measures what the national reader makes of whole scanned documents: every page of
each PDF is rasterised, loaded through the PDF loader (OCR, untrusted figures withheld) and read
twice: with titles and headers matched exactly, as a text layer is read (the reader before
``kg.ingest.ocr_confusions``), and as an OCR'd document is read (known misreadings restored).
Printed per document and in all: standard tables found (of those the text layer gives) and the
totals fields that come out exact, wrong or missing against the text layer's own reading.

    python benchmarks/ocr_bench.py [--pdf FILE] [--pages 9-21] [--scan-dpi 150,200,300] [--dump out.tsv]
    python benchmarks/ocr_bench.py --documents tests/data/pdf/*.pdf ../shared/corpus/shanghai/*.pdf
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from kg.ingest import detect_layout, ocr
from kg.ingest.layouts import national
from kg.ingest.loaders import load

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PDF = ROOT / "tests" / "data" / "pdf" / "putuo-commerce-2025-dept-budget.pdf"
FIGURE = re.compile(r"^[0-9]{1,3}(?:,[0-9]{3})*\.[0-9]{2}$|^[0-9]{2,3}$")
"""Amounts as printed (``371,514,655.00``) and classification codes (``201``, ``05``)."""


def scan(pdf: Path, pages: list[int], dpi: int, out: Path, quality: int = 85) -> None:
    """An image-only PDF of the pages, as a scanner at ``dpi`` would save them."""
    doc = pdfium.PdfDocument(str(pdf))
    images = [doc[n - 1].render(scale=dpi / 72, grayscale=True).to_pil() for n in pages]
    images[0].save(out, save_all=True, append_images=images[1:], resolution=dpi, quality=quality)
    doc.close()


def printed_figures(pdf: Path, number: int) -> Counter:
    """The figures on a page's text layer."""
    doc = pdfium.PdfDocument(str(pdf))
    text = doc[number - 1].get_textpage().get_text_range()
    doc.close()
    return Counter(t for t in text.split() if FIGURE.match(t))


def _cpu() -> float:
    """CPU seconds of this process and its finished children (tesseract): a figure load does not skew."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def evaluate(pdf: Path, pages: list[int], dpi: int, dump=None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        scanned = Path(tmp) / "scan.pdf"
        scan(pdf, pages, dpi, scanned)
        started, cpu = time.perf_counter(), _cpu()
        read = ocr.ocr_pages(scanned)
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    expected = right = withheld = invented = 0
    for original, page in zip(pages, read):
        want = printed_figures(pdf, original)
        expected += sum(want.values())
        seen = Counter()
        for w in page.words:
            if not FIGURE.match(w.text):
                continue
            ok = seen[w.text] < want[w.text]
            seen[w.text] += 1
            trusted = ocr.is_trusted(w)
            right += ok and trusted
            withheld += not trusted
            invented += trusted and not ok
            if dump:
                dump.write(f"{dpi}\t{original}\t{w.text}\t{w.confidence:.1f}\t{int(ok)}\n")
    return {"dpi": dpi, "pages": len(pages), "seconds": seconds, "cpu": cpu, "expected": expected, "right": right,
            "withheld": withheld, "invented": invented}


TOTALS = ("income_total", "expenditure_total", "current_year_income", "carryover_income", "basic_expenditure",
          "project_expenditure", "personnel", "public_use", "three_public", "overseas_travel", "official_reception",
          "vehicle", "operating_costs")
"""The totals fields read from the standard tables (procurement is read from prose, not compared)."""


def _reading(doc) -> tuple[set[str], dict, bool]:
    """(standard tables found with rows, totals, recognised as the national layout) of one table model."""
    tables = set(national.standard_tables(national.cut(national.read_rows(doc))))
    return tables, national.parse(doc).totals, detect_layout(doc)[0] == national.NAME


def evaluate_document(pdf: Path, dpi: int) -> dict:
    """One scanned document read with exact and with OCR-tolerant titles, against its text layer."""
    text_tables, truth, _ = _reading(load(pdf.read_bytes(), pdf.name))
    want = [f for f in TOTALS if getattr(truth, f) is not None]
    pages = len(pdfium.PdfDocument(str(pdf)))
    with tempfile.TemporaryDirectory() as tmp:
        scanned = Path(tmp) / "scan.pdf"
        scan(pdf, list(range(1, pages + 1)), dpi, scanned)
        started = time.perf_counter()
        doc = load(scanned.read_bytes(), pdf.name)
        seconds = time.perf_counter() - started
    out = {"name": pdf.name, "pages": pages, "seconds": seconds, "tables": len(text_tables), "totals": len(want)}
    for mode, view in (("exact", dataclasses.replace(doc, ocr_pages=frozenset())), ("tolerant", doc)):
        tables, totals, recognised = _reading(view)
        got = {f: getattr(totals, f) for f in TOTALS}
        out[mode] = {"tables": len(tables & text_tables), "recognised": recognised,
                     "exact": sum(got[f] == getattr(truth, f) for f in want),
                     "wrong": sorted(f for f in TOTALS if got[f] is not None and got[f] != getattr(truth, f)),
                     "missing": sum(got[f] is None for f in want)}
    return out


def documents(paths: list[Path], dpi: int) -> None:
    ocr.check_engine()
    print(f"Whole documents scanned at {dpi} dpi, OCR'd ({os.cpu_count()} CPUs), read by the national reader; "
          "titles/headers matched exactly (as before) vs OCR-tolerant (kg.ingest.ocr_confusions)")
    print("document                                      pages  ocr s  tables exact→tolerant  "
          "totals exact→tolerant (of)  wrong exact→tolerant")
    sums = Counter()
    for pdf in paths:
        r = evaluate_document(pdf, dpi)
        e, t = r["exact"], r["tolerant"]
        print(f"{r['name'][:44]:44}  {r['pages']:5}  {r['seconds']:5.0f}  {e['tables']:>4} → {t['tables']:<2} of {r['tables']:<7}"
              f"  {e['exact']:>4} → {t['exact']:<2} of {r['totals']:<12}  {len(e['wrong'])} → {len(t['wrong'])} "
              f"{' '.join(t['wrong'])}" + ("" if t["recognised"] else "  (not recognised)"))
        for mode in ("exact", "tolerant"):
            sums[mode, "tables"] += r[mode]["tables"]
            sums[mode, "exact"] += r[mode]["exact"]
            sums[mode, "wrong"] += len(r[mode]["wrong"])
            sums[mode, "recognised"] += r[mode]["recognised"]
        sums["tables"] += r["tables"]
        sums["totals"] += r["totals"]
    print(f"all {len(paths)} documents: standard tables {sums['exact', 'tables']} → {sums['tolerant', 'tables']} of "
          f"{sums['tables']}; totals exact {sums['exact', 'exact']} → {sums['tolerant', 'exact']} of {sums['totals']}; "
          f"wrong {sums['exact', 'wrong']} → {sums['tolerant', 'wrong']}; recognised as national "
          f"{sums['exact', 'recognised']} → {sums['tolerant', 'recognised']}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pdf", type=Path, default=DEFAULT_PDF)
    p.add_argument("--pages", default="9-21", help="1-based pages of the text PDF, e.g. 9-21 or 9,12")
    p.add_argument("--scan-dpi", help="scan resolutions (default 150,200,300; 200 with --documents)")
    p.add_argument("--dump", type=Path)
    p.add_argument("--documents", type=Path, nargs="+", metavar="PDF",
                   help="scan each whole PDF and compare the national reader's exact and OCR-tolerant readings")
    a = p.parse_args(argv)
    if a.documents:
        documents(a.documents, int(a.scan_dpi or 200))
        return 0
    a.scan_dpi = a.scan_dpi or "150,200,300"
    pages = []
    for part in a.pages.split(","):
        lo, _, hi = part.partition("-")
        pages += range(int(lo), int(hi or lo) + 1)
    ocr.check_engine()
    dump = a.dump.open("w", encoding="utf-8") if a.dump else None
    print(f"OCR of {a.pdf.name} pages {a.pages}, rendered at {ocr.DPI} dpi, trust >= {ocr.TRUST_CONFIDENCE}; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (other work slows pages/s)")
    print("scan dpi  pages/s  cpu s/page  figures  read right  withheld  invented(trusted, wrong)")
    for dpi in (int(d) for d in a.scan_dpi.split(",")):
        r = evaluate(a.pdf, pages, dpi, dump)
        print(f"{r['dpi']:>8}  {r['pages'] / r['seconds']:7.2f}  {r['cpu'] / r['pages']:10.2f}  {r['expected']:7}  "
              f"{r['right']:5} ({100 * r['right'] / max(1, r['expected']):5.1f}%)  {r['withheld']:8}  {r['invented']:8}")
    if dump:
        dump.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
