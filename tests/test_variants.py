"""Unseen documents of the same families: other names, years, encodings and page furniture.

Each variant is made from an example by changes a real publisher or converter makes; the facts
read from it must be the facts read from the original, renamed."""

from __future__ import annotations

import random

import pytest

from conftest import EXAMPLES
from kg.ingest import parse_bytes

FURNITURE = ["CS 扫描全能王", "3亿人都在用的扫描App", "仅供内部审核", "— 7 —", "第 12 页", "page number", "12 / 40"]


def facts(doc):
    return {
        "totals": {k: v for k, v in doc.totals.model_dump().items() if k not in ("lines", "excerpts")},  # where, not what
        "functional": [(r.code, r.total, r.basic, r.project) for r in doc.functional_spending],
        "projects": [(p.name, p.amount_wan, p.carryover, p.project_code,
                      p.funding.model_dump(exclude={"source"}) if p.funding else None,
                      [b.doc_number or b.title for b in p.legal_bases],
                      [(i.level1, i.level2, i.name, i.value) for i in p.indicators]) for p in doc.projects],
        "department_indicators": [(i.level1, i.level2, i.name, i.value) for i in doc.department_indicators],
    }


def parse(text: str, encoding: str = "utf-8"):
    result = parse_bytes(text.encode(encoding), "variant.txt")
    assert result.document is not None, result.problems
    return result.document


def with_furniture(text: str, seed: int) -> str:
    """Watermarks and page numbers dropped between rows, as scanners and converters do.

    (In a one-cell-per-line export a row ends at a blank line, so furniture goes only there.)"""
    rng = random.Random(seed)
    lines = text.split("\n")
    cell_per_line = sum(1 for ln in lines if ln.startswith("\t") and "\t" not in ln[1:]) > len(lines) / 3
    out = []
    for line in lines:
        out.append(line)
        at_row_end = line == "" if cell_per_line else True
        if at_row_end and rng.random() < 0.04:
            out += ["", rng.choice(FURNITURE), ""]
    return "\n".join(out)


CASES = sorted(EXAMPLES.glob("*.txt"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_page_furniture_changes_nothing(path):
    text = path.read_text(encoding="utf-8")
    base = parse(text)
    noisy = parse(with_furniture(text, 1))
    assert facts(noisy) == facts(base)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_gb18030_and_crlf(path):
    text = path.read_text(encoding="utf-8")
    assert facts(parse(text.replace("\n", "\r\n"), "gb18030")) == facts(parse(text))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_other_department_and_year(path):
    text = path.read_text(encoding="utf-8")
    base = parse(text)
    old, year = base.department.name, base.department.fiscal_year
    new = "阳城县" + old[3:] if not old.startswith("中国共产党") else "中国共产党阳城县委员会组织部"
    shifted = text.replace(old, new).replace(str(year) + "年度", str(year - 1) + "年度").replace(
        f"预算年度：{year}", f"预算年度：{year - 1}")
    doc = parse(shifted)
    assert doc.department.name == new
    assert doc.department.fiscal_year == year - 1
    assert doc.department.code == base.department.code
    assert facts(doc)["totals"] == facts(base)["totals"]
    assert len(doc.projects) == len(base.projects)
    assert [len(p.indicators) for p in doc.projects] == [len(p.indicators) for p in base.projects]
