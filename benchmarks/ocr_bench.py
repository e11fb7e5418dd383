"""OCR speed and figure accuracy on scans made from a text PDF, so every expected figure is known.

Each table page of a real disclosure is rasterised at a scan resolution into an image-only PDF
(JPEG, as scanners save), then read back by ``kg.ingest.ocr.ocr_pages``. Expected figures are
the numbers of the original page's text layer. Printed per scan resolution:
pages/second, figures read exactly, figures withheld as untrusted, and trusted figures that are
wrong (invented: must be 0). ``--dump`` writes every OCR'd figure with its confidence and whether
it was right, which is how ``TRUST_CONFIDENCE`` was chosen.

    python benchmarks/ocr_bench.py [--pdf FILE] [--pages 9-21] [--scan-dpi 150,200,300] [--dump out.tsv]
"""

from __future__ import annotations

import argparse
import os
import io
import re
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from kg.ingest import ocr

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


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pdf", type=Path, default=DEFAULT_PDF)
    p.add_argument("--pages", default="9-21", help="1-based pages of the text PDF, e.g. 9-21 or 9,12")
    p.add_argument("--scan-dpi", default="150,200,300")
    p.add_argument("--dump", type=Path)
    a = p.parse_args(argv)
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
