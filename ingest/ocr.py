"""Words from scanned (image-only) PDF pages: Debian's tesseract with chi_sim, pages rasterised by PDFium.

Why this way: tesseract is the one free engine Debian packages with a Simplified Chinese
model (apt: tesseract-ocr tesseract-ocr-chi-sim), so the project's setup installs it and
nothing is downloaded at run time. It is called as a subprocess with TSV output (word,
box, confidence) rather than through pytesseract: pytesseract would do the same (write
the image, run the binary, parse the TSV) behind one more dependency, and calling it
directly lets the image go in on stdin and a missing engine become one clear message.
Pages are rendered with pypdfium2, the PDF library the text-layer loader already uses.

What is done to a page, in order:
1. Render it in grey at ``DPI`` (300: small table digits at 9-10 pt are then ~30 px high,
   the size tesseract reads best).
2. Find the table's ruling lines (runs of dark pixels longer than ``RULE_MIN_INCHES``),
   paint them white and keep them as ``Rule`` s: tesseract misreads grid lines as glyphs and
   lets them break its line finding, and the row builder wants the rules anyway.
3. OCR the cleaned page as one block of text (``--psm 6``: tables are uniform rows).
4. Merge tesseract's pieces into words as a text layer would give them: tesseract puts a
   space between CJK glyphs and splits ``371,514,655.00`` after each comma, so neighbouring
   CJK glyphs and number pieces on one line are joined when the gap is small and no ruling
   line runs between them. A merged word's confidence is the lowest of its pieces.
5. Read again, each on its own, the well-formed figures that scored below the trust threshold
   (tesseract scores the first figure after a wide blank low however clear it is). A figure
   whose second read, taken with its surroundings up to the cell's rules (so a piece lost
   beside it makes the reads differ), agrees exactly takes the second read's confidence.
   All crops of a page go to tesseract in one call.

Coordinates are PDF points from the page's top-left corner, like the text-layer loader's.

Trust: OCR can misread a digit, and a misread figure looks just like a real one. A figure
(a word that is mostly digits and has no Chinese: an amount, a code) is trusted only when
tesseract's confidence is at least ``TRUST_CONFIDENCE`` and its form is well formed
(``1,234,567.00``, not ``1,23,4567.00`` nor ``881,8O3.00``). Pieces of one number are joined
even where a comma was lost, so a lost comma gives one malformed (untrusted) word rather than
two plausible figures. ``is_trusted(word)`` says so for one word; ``withhold_untrusted(page)``
takes the untrusted figures out of a page and returns them, so the reader records a problem
for each (page, place, what was seen) and never stores a figure the engine was not sure of.
Words that are not figures (labels, titles) are kept whatever their confidence: a misread
label fails to match a header, it does not change an amount. The threshold was chosen with
``benchmarks/ocr_bench.py`` (pages rasterised from a text PDF at 150-300 dpi, every OCR'd
figure compared with the text layer): see ``TRUST_CONFIDENCE``.

A missing engine or language model raises ``UnreadableFile`` (code ``ocr-unavailable``)
whose message names the apt packages; it is never a traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from statistics import median
from typing import Iterable, Optional, Union

from .textio import UnreadableFile
from .words import PageWords, Rule, Word

DPI = 300
"""Rendering resolution: 9-pt table digits come out ~30 px high (200 dpi misreads more)."""
LANG = "chi_sim"
"""tesseract's Simplified Chinese model (it reads Latin letters and digits too)."""
APT_PACKAGES = "tesseract-ocr tesseract-ocr-chi-sim"
"""What to install when the engine or the model is missing."""
TRUST_CONFIDENCE = 80.0
"""Lowest tesseract confidence (0..100) at which a figure is taken as read. Measured with
benchmarks/ocr_bench.py on 7 table pages scanned at 150/200/300 dpi (891 figure words): the wrong
figures scored at most 68, while 819 of 855 right ones scored 80 or more; 80 leaves a margin."""
PSM = "6"
"""tesseract page segmentation: one uniform block of text (tables are rows of one size)."""
PAGE_TIMEOUT = 300
"""Seconds one page may take (a table page takes 2-5 s on one core)."""
RULE_MIN_INCHES = 0.5
"""A dark run at least this long is a ruling line (no glyph stroke is that long)."""
DARK = 160
"""Grey level (0 black .. 255 white) below which a pixel is ink."""
CJK_JOIN = 1.0
"""Join two CJK pieces when the gap is at most this many line heights."""
NUMBER_JOIN = 1.5
"""Join two pieces of one number (``371,`` ``514,`` ``655.`` ``00``) up to this many digit heights apart
(tesseract leaves up to ~1 digit height around the commas of a monospaced font; the next column's
figure or code is 2.5+ away)."""
MIXED_JOIN = 0.6
"""Join a CJK piece and a digit piece (``2025`` ``年``) up to this gap."""

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef“”‘’]")
_NUMBER_PIECE = re.compile(r"^[-+]?[0-9][0-9,.]*%?$|^[,.][0-9,.]*%?$")
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_ITEM_NUMBER = re.compile(r"^[0-9]{1,2}[.，、．]$")
_WELL_FORMED = re.compile(r"^[-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?%?$")
_JUNK = "“”‘’\"'，|｜"
_RULE_NOISE = re.compile(r"^[|｜丨]+$")

PdfSource = Union[str, os.PathLike, bytes]


def ocr_pages(pdf: PdfSource, pages: Optional[Iterable[int]] = None, *, dpi: int = DPI,
              tesseract: str = "tesseract", lang: str = LANG, jobs: Optional[int] = None) -> list[PageWords]:
    """Words of the given 1-based pages (all when None) of a PDF path or bytes, read by OCR, in page order.

    Pages are rendered one after another and OCR'd ``jobs`` at a time (default: one per CPU).
    """
    import pypdfium2 as pdfium

    engine = check_engine(tesseract, lang)
    document = pdfium.PdfDocument(os.fspath(pdf) if not isinstance(pdf, bytes) else pdf)
    try:
        numbers = list(range(1, len(document) + 1)) if pages is None else sorted(set(pages))
        jobs = max(1, jobs or os.cpu_count() or 1)
        out: list[PageWords] = []
        running: deque[tuple[int, float, float, list[Rule], float, Future]] = deque()
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for number in numbers:
                if not 1 <= number <= len(document):
                    raise ValueError(f"page {number} is not in the PDF (it has {len(document)} pages)")
                page = document[number - 1]
                try:
                    width, height = page.get_size()
                    gray = page.render(scale=dpi / 72, grayscale=True).to_numpy()
                finally:
                    page.close()
                if gray.ndim == 3:
                    gray = gray[:, :, 0]
                cleaned, rules = remove_rules(gray, dpi)
                scale = width / gray.shape[1]
                running.append((number, width, height, rules, scale,
                                pool.submit(_read_page, engine, cleaned, rules, dpi, lang)))
                while len(running) >= jobs * 2:  # bound the images held in memory
                    out.append(_finish(*running.popleft()))
            while running:
                out.append(_finish(*running.popleft()))
    finally:
        document.close()
    return out


def _finish(number: int, width: float, height: float, rules: list[Rule], scale: float,
            future: Future) -> PageWords:
    words = future.result()
    return PageWords(number=number, width=width, height=height, words=tuple(_scaled(w, scale) for w in words),
                     rules=tuple(Rule(r.x0 * scale, r.x1 * scale, r.top * scale, r.bottom * scale) for r in rules),
                     ocr=True)


def _read_page(engine: str, image, rules: list[Rule], dpi: int, lang: str) -> list[Word]:
    """Words (in pixels) of a cleaned page image: one OCR pass, then figures it was unsure of read again."""
    words = words_from_tsv(run_tesseract(engine, image, dpi, lang), rules, image)
    return reread_doubtful(engine, image, words, rules, dpi, lang)


def reread_doubtful(engine: str, image, words: list[Word], rules: Iterable[Rule] = (), dpi: int = DPI,
                    lang: str = LANG) -> list[Word]:
    """Well-formed figures below the threshold, read again each on its own; a word whose second read
    agrees exactly takes the second read's confidence.

    Reading a whole table line at once, tesseract gives the first figure after a wide blank (the next
    column) a low confidence however clear it is; read alone, a clear figure scores high and a doubtful
    one stays low or reads differently. All the crops of a page go to tesseract as one image.
    """
    import numpy as np

    doubtful = [i for i, w in enumerate(words) if is_figure(w) and not is_trusted(w)
                and _WELL_FORMED.match(_ascii(w.text))]
    if not doubtful:
        return words
    pad = 12
    crops = []
    for i in doubtful:
        w = words[i]
        # wide enough to take in a lost piece beside the word ("1," of "1,410,886.00"), so the second
        # read disagrees rather than confirms the fragment; but not past the cell's ruling lines
        middle, h = (w.x0 + w.x1) / 2, w.bottom - w.top
        beside = [v for v in rules if v.bottom - v.top > v.x1 - v.x0 and v.top < w.bottom and v.bottom > w.top]
        left = max([w.x0 - 2 * h] + [v.x1 for v in beside if (v.x0 + v.x1) / 2 < middle])
        right = min([w.x1 + 2 * h] + [v.x0 for v in beside if (v.x0 + v.x1) / 2 > middle])
        crops.append(image[max(0, int(w.top) - pad):int(w.bottom) + pad, max(0, int(left)):int(right) + 1])
    gap = 40
    sheet = np.full((sum(c.shape[0] + gap for c in crops) + gap, max(c.shape[1] for c in crops) + 2 * gap),
                    255, np.uint8)
    slots = []
    y = gap
    for c in crops:
        sheet[y:y + c.shape[0], gap:gap + c.shape[1]] = c
        slots.append((y, y + c.shape[0]))
        y += c.shape[0] + gap
    pieces: list[list[_Piece]] = [[] for _ in crops]
    for word in words_from_tsv(run_tesseract(engine, sheet, dpi, lang)):
        middle = (word.top + word.bottom) / 2
        for k, (top, bottom) in enumerate(slots):
            if top - gap / 2 <= middle < bottom + gap / 2:
                pieces[k].append(_Piece(word.text, word.x0, word.x1, word.top, word.bottom, word.confidence or 0))
    out = list(words)
    for k, i in enumerate(doubtful):
        again = sorted(pieces[k], key=lambda p: p.x0)
        if again and "".join(p.text for p in again) == words[i].text:
            out[i] = replace(words[i], confidence=min(p.confidence for p in again))
    return out


def _scaled(w: Word, s: float) -> Word:
    return Word(w.text, w.x0 * s, w.x1 * s, w.top * s, w.bottom * s, w.confidence)


def is_trusted(word: Word) -> bool:
    """Whether a word can be taken as read: always for a text layer and for words that are not figures."""
    return word.confidence is None or not is_figure(word) or (
        word.confidence >= TRUST_CONFIDENCE and bool(_WELL_FORMED.match(_ascii(word.text))))


def is_figure(word: Word) -> bool:
    """An amount or a code (``371,514,655.00``, ``201``, misread ``881,8O3.00`` too): mostly digits, no
    Chinese; not a list number (``1.``) nor a title with a year in it."""
    digits = sum(c.isdigit() for c in word.text)
    return (digits > 0 and 2 * digits >= len(word.text) and not _IDEOGRAPH.search(word.text)
            and not _ITEM_NUMBER.match(word.text))


def _ascii(text: str) -> str:
    return text.replace("，", ",").replace("．", ".")


def withhold_untrusted(page: PageWords) -> tuple[PageWords, tuple[Word, ...]]:
    """The page without its untrusted figures, and those figures (for the reader's problems)."""
    kept = tuple(w for w in page.words if is_trusted(w))
    held = tuple(w for w in page.words if not is_trusted(w))
    return (replace(page, words=kept) if held else page), held


# --- the engine ---------------------------------------------------------------------------------

def check_engine(tesseract: str = "tesseract", lang: str = LANG) -> str:
    """The engine's path; ``UnreadableFile`` naming the apt packages when it or the model is missing."""
    path = shutil.which(tesseract)
    if path is None:
        raise UnreadableFile("ocr-unavailable",
                             f"OCR needs tesseract, which is not installed (apt-get install -y {APT_PACKAGES})",
                             f"install the Debian packages {APT_PACKAGES}, or use a PDF with a text layer")
    if lang not in _languages(path):
        package = "tesseract-ocr-" + lang.replace("_", "-")
        raise UnreadableFile("ocr-unavailable",
                             f"tesseract has no '{lang}' model (apt-get install -y {package})",
                             f"install the Debian packages {APT_PACKAGES}")
    return path


@lru_cache(maxsize=8)
def _languages(path: str) -> frozenset[str]:
    try:
        done = subprocess.run([path, "--list-langs"], capture_output=True, text=True, timeout=60)
    except OSError as exc:
        raise UnreadableFile("ocr-unavailable", f"tesseract at {path} cannot run ({exc})",
                             f"reinstall the Debian packages {APT_PACKAGES}") from exc
    lines = (done.stdout + done.stderr).splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and " " not in line.strip())


def run_tesseract(path: str, gray, dpi: int, lang: str = LANG) -> str:
    """tesseract's TSV for a grey image (a 2-D uint8 array), fed on stdin as PGM."""
    h, w = gray.shape
    image = b"P5\n%d %d\n255\n" % (w, h) + gray.tobytes()
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # pages run in parallel; threads inside one only contend
    try:
        done = subprocess.run([path, "stdin", "stdout", "-l", lang, "--psm", PSM, "--dpi", str(dpi), "tsv"],
                              input=image, capture_output=True, env=env, timeout=PAGE_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise UnreadableFile("ocr-failed", f"tesseract took over {PAGE_TIMEOUT} s on one page",
                             "check that the page is a scan of text, or OCR it separately") from exc
    if done.returncode != 0:
        raise UnreadableFile("ocr-failed", f"tesseract failed: {done.stderr.decode(errors='replace').strip()[:200]}",
                             f"check the tesseract install (apt-get install -y {APT_PACKAGES})")
    return done.stdout.decode("utf-8", errors="replace")


# --- ruling lines -------------------------------------------------------------------------------

def remove_rules(gray, dpi: int = DPI):
    """The image with its ruling lines painted white, and those lines as ``Rule`` s (in pixels)."""
    import numpy as np

    dark = gray < DARK
    length = max(2, int(dpi * RULE_MIN_INCHES))
    horizontal = _long_runs(dark, length)
    vertical = _long_runs(np.ascontiguousarray(dark.T), length).T
    cleaned = gray.copy()
    cleaned[_widen(horizontal, 0) | _widen(vertical, 1)] = 255  # with the grey edge a scan leaves beside a line
    rules = _segments(horizontal, across=False) + _segments(np.ascontiguousarray(vertical.T), across=True)
    return cleaned, rules


def _widen(mask, axis: int, by: int = 2):
    """The mask grown ``by`` pixels both ways across the lines (rows for axis 0, columns for axis 1)."""
    out = mask.copy()
    for k in range(1, by + 1):
        if axis == 0:
            out[k:] |= mask[:-k]
            out[:-k] |= mask[k:]
        else:
            out[:, k:] |= mask[:, :-k]
            out[:, :-k] |= mask[:, k:]
    return out


def _long_runs(b, length: int):
    """Pixels that lie in a horizontal run of at least ``length`` True pixels."""
    import numpy as np

    h, w = b.shape
    if w < length:
        return np.zeros_like(b)
    c = np.zeros((h, w + 1), np.int32)
    np.cumsum(b, axis=1, out=c[:, 1:])
    full = (c[:, length:] - c[:, :-length]) == length  # full[:, j]: pixels j .. j+length-1 all dark
    # a pixel is covered when a full window starts within length-1 pixels to its left
    f = np.zeros((h, w + length), np.int32)
    np.cumsum(full, axis=1, out=f[:, length:length + full.shape[1]])
    f[:, length + full.shape[1]:] = f[:, length + full.shape[1] - 1:length + full.shape[1]]
    return (f[:, length:length + w] - f[:, :w]) > 0


def _segments(mask, across: bool) -> list[Rule]:
    """Rules from a mask of horizontal runs (``across``: the mask is transposed, so vertical rules)."""
    import numpy as np

    rows = np.flatnonzero(mask.any(axis=1))
    open_: list[list[int]] = []  # [first row, last row, start, end]
    done: list[list[int]] = []
    for y in rows:
        padded = np.concatenate(([False], mask[y], [False])).astype(np.int8)
        edges = np.flatnonzero(np.diff(padded))
        runs = list(zip(edges[0::2].tolist(), edges[1::2].tolist()))
        still: list[list[int]] = []
        for seg in open_:
            if seg[1] == y - 1:
                match = next((r for r in runs if r[0] < seg[3] and r[1] > seg[2]), None)
                if match is not None:
                    runs.remove(match)
                    seg[1], seg[2], seg[3] = y, min(seg[2], match[0]), max(seg[3], match[1])
                    still.append(seg)
                    continue
            done.append(seg)
        open_ = still + [[int(y), int(y), a, b] for a, b in runs]
    done += open_
    if across:
        return [Rule(float(y0), float(y1 + 1), float(a), float(b)) for y0, y1, a, b in done]
    return [Rule(float(a), float(b), float(y0), float(y1 + 1)) for y0, y1, a, b in done]


# --- words from tesseract's pieces --------------------------------------------------------------

@dataclass
class _Piece:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    confidence: float


def words_from_tsv(tsv: str, rules: Iterable[Rule] = (), image=None) -> list[Word]:
    """Words (in pixels) from tesseract TSV: pieces of one line merged as described in the module doc.

    With the (cleaned) page ``image``, each piece's box is shrunk to its ink: tesseract's LSTM boxes
    are sometimes far too tall or wide, and the row builder places words by their boxes.
    """
    verticals = [r for r in rules if r.bottom - r.top > r.x1 - r.x0]
    lines: dict[tuple[str, str, str], list[_Piece]] = {}
    for row in tsv.splitlines()[1:]:
        f = row.split("\t")
        if len(f) < 12 or f[0] != "5":
            continue
        text = f[11].strip()
        if not text or _RULE_NOISE.match(text):
            continue
        left, top, width, height = (float(v) for v in f[6:10])
        lines.setdefault((f[2], f[3], f[4]), []).append(
            _Piece(text, left, left + width, top, top + height, float(f[10])))
    words: list[Word] = []
    for pieces in lines.values():
        pieces.sort(key=lambda p: p.x0)
        for p, after in zip(pieces, pieces[1:]):
            if after.x0 > p.x0:
                p.x1 = min(p.x1, after.x0)  # pieces of one line do not overlap
        if image is not None:
            for p in pieces:
                _shrink_to_ink(p, image)
        words += _merge(pieces, verticals)
    return words


def _shrink_to_ink(p: _Piece, image) -> None:
    box = image[int(p.top):int(p.bottom) + 1, int(p.x0):int(p.x1) + 1] < DARK
    rows, cols = box.any(axis=1).nonzero()[0], box.any(axis=0).nonzero()[0]
    if len(rows) and len(cols):
        p.x0, p.x1 = int(p.x0) + float(cols[0]), int(p.x0) + float(cols[-1] + 1)
        p.top, p.bottom = int(p.top) + float(rows[0]), int(p.top) + float(rows[-1] + 1)


def _merge(pieces: list[_Piece], verticals: list[Rule]) -> list[Word]:
    em = max(1.0, median(p.bottom - p.top for p in pieces))
    out: list[_Piece] = []
    last: Optional[_Piece] = None
    for p in pieces:
        if out and last is not None and _joins(out[-1], last, p, em, verticals):
            a = out[-1]
            out[-1] = _Piece(a.text + p.text, min(a.x0, p.x0), max(a.x1, p.x1), min(a.top, p.top),
                             max(a.bottom, p.bottom), min(a.confidence, p.confidence))
        else:
            out.append(p)
        last = p
    return [Word(_tidy(p.text), p.x0, p.x1, p.top, p.bottom, p.confidence) for p in out]


def _tidy(text: str) -> str:
    """A figure without the stray quote or comma that grid residue puts before it (``，05``, ``”21,601``)."""
    core = text.lstrip(_JUNK)
    return core if core and core[0].isdigit() and _NUMBER_PIECE.match(core) else text


def _number_joint(a: str, b: str) -> bool:
    """Whether two pieces look like parts of one number: split at a separator, or between two digits
    (a lost comma: joined, the word is malformed and so untrusted rather than two plausible figures).
    Stray quotes or bars next to a piece (grid residue) do not hide it."""
    a, b = a.strip(_JUNK), b.strip(_JUNK)
    return bool(a and b and _NUMBER_PIECE.match(a) and _NUMBER_PIECE.match(b))


def _joins(a: _Piece, last: _Piece, b: _Piece, em: float, verticals: list[Rule]) -> bool:
    """Whether piece ``b`` continues word ``a`` (whose rightmost piece is ``last``)."""
    gap = b.x0 - a.x1
    left, right = a.text[-1], b.text[0]
    if _CJK.match(left) and _CJK.match(right):
        limit = CJK_JOIN
    elif _number_joint(a.text, b.text):
        limit = NUMBER_JOIN
        em = min(last.bottom - last.top, b.bottom - b.top)  # a box tesseract stretched must not widen the limit
    elif (_CJK.match(left) and right.isdigit()) or (left.isdigit() and _CJK.match(right)):
        limit = MIXED_JOIN
    else:
        return False
    if gap > limit * em:
        return False
    # a ruling line between the two pieces' middles: figures are printed up to the cell border
    top, bottom = min(last.top, b.top), max(last.bottom, b.bottom)
    lo, hi = (last.x0 + last.x1) / 2, (b.x0 + b.x1) / 2
    return not any(lo < (v.x0 + v.x1) / 2 < hi and v.top < bottom and v.bottom > top for v in verticals)
