"""Every record the parser makes of a fixed set of inputs, reduced to one digest per input: speed work on the
parser must leave each of them byte-identical (tests/test_records_unchanged.py).

The inputs are the shipped examples and corpus files as they are, and each text one concatenated with itself
(its first line once, the rest twice: the shape of a county-wide compilation, and what
benchmarks/parse_scaling.py grows to many MB). The expectation, tests/data/records/digests.json and the full
records of one doubled example (party-organization.x2.json.gz, to see *what* changed when a digest differs),
was written by ``python tests/records.py --write`` from the code before the parser was sped up; write it
again only for a change that is meant to change records, and say so in the commit.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = Path(__file__).resolve().parent / "data" / "records"
FULL = "zezhou-party-organization-dept-2026.x2"
"""The input whose whole records are kept, not just their digest."""


def repeated(text: str, times: int) -> str:
    """The document with everything after its first line repeated ``times`` times (a compilation)."""
    head, sep, tail = text.partition("\n")
    return head + sep + tail * times


def inputs() -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every input, in a fixed order."""
    texts = sorted((ROOT / "examples").glob("*.txt")) + sorted((ROOT / "tests" / "data" / "corpus").glob("*.txt"))
    pdfs = sorted((ROOT / "examples").glob("*.pdf")) + sorted((ROOT / "tests" / "data" / "corpus").glob("*.pdf"))
    for path in texts:
        yield path.stem, path.read_bytes()
        yield path.stem + ".x2", repeated(path.read_text(encoding="utf-8"), 2).encode("utf-8")
    for path in pdfs:
        yield path.stem + ".pdf", path.read_bytes()


def records(name: str, data: bytes) -> str:
    """All the parser says about one input (document and problems), as canonical JSON."""
    from kg.ingest import parse_bytes

    result = parse_bytes(data, f"input/{name}")
    out = {"document": result.document.model_dump(mode="json") if result.document else None,
           "problems": [p.model_dump(mode="json") for p in result.problems]}
    return json.dumps(out, ensure_ascii=False, sort_keys=True, indent=1)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write() -> None:
    EXPECTED.mkdir(parents=True, exist_ok=True)
    digests = {}
    for name, data in inputs():
        text = records(name, data)
        digests[name] = digest(text)
        if name == FULL:
            with gzip.GzipFile(EXPECTED / f"{name}.json.gz", "wb", mtime=0) as fh:
                fh.write(text.encode("utf-8"))
        print(name, digests[name][:12], file=sys.stderr)
    (EXPECTED / "digests.json").write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/records.py --write   (records the parser's output as the expectation)")
    write()
