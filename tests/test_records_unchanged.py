"""The parser's records of the examples, the corpus files and their doubled (compilation-shaped) versions are
exactly those recorded before the parser was made to scale (tests/records.py says how they were recorded)."""

from __future__ import annotations

import difflib
import gzip
import json

import pytest

from records import EXPECTED, FULL, digest, inputs, records

DIGESTS = json.loads((EXPECTED / "digests.json").read_text(encoding="utf-8"))
INPUTS = dict(inputs())


def test_every_input_has_an_expectation():
    assert sorted(INPUTS) == sorted(DIGESTS)


@pytest.mark.parametrize("name", sorted(DIGESTS))
def test_records_unchanged(name):
    text = records(name, INPUTS[name])
    if name == FULL:
        with gzip.open(EXPECTED / f"{name}.json.gz", "rt", encoding="utf-8") as fh:
            want = fh.read()
        diff = "".join(list(difflib.unified_diff(want.splitlines(True), text.splitlines(True), n=2))[:60])
        assert text == want, diff
    assert digest(text) == DIGESTS[name], f"the records of {name} changed"
