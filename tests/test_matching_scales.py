"""Project matching (project rows ↔ target tables) was rewritten to cost time in proportion to a compilation's size;
these tests hold it to the quadratic original, kept here as the specification, on generated rows and targets whose
names repeat, differ by a character, or are damaged, and whose amounts coincide or not."""

from __future__ import annotations

import difflib
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kg.ingest.projects import ProjectRow, TargetTable, match_key, match_targets
from kg.model import Funding, Provenance


def reference_match_targets(rows, targets) -> dict[int, int]:
    """The original: for each row the first free target of the same key, then the best similar ones."""
    pairs: dict[int, int] = {}
    free = set(range(len(targets)))
    for i, row in enumerate(rows):
        for j in sorted(free):
            if match_key(targets[j].name) == match_key(row.name):
                pairs[i] = j
                free.discard(j)
                break
    scored = []
    for i, row in enumerate(rows):
        if i in pairs:
            continue
        for j in free:
            ratio = difflib.SequenceMatcher(None, match_key(row.name), match_key(targets[j].name)).ratio()
            same_money = row.amount_wan is not None and targets[j].funding_wan == row.amount_wan
            if ratio >= 0.85 or (same_money and ratio >= 0.6):
                scored.append((same_money, ratio, i, j))
    for _, _, i, j in sorted(scored, reverse=True):
        if i not in pairs and j in free:
            pairs[i] = j
            free.discard(j)
    return pairs


BASES = ["村级管理费用（三保）", "党建工作经费及干部培训费", "农村人居环境整治专项资金", "选调生生活补贴"]


@st.composite
def damaged(draw) -> str:
    """A base name with up to three characters dropped or replaced (similarities around the 0.6 and 0.85 bars)."""
    name = list(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(name) - 1))
        if draw(st.booleans()) and len(name) > 2:
            del name[at]
        else:
            name[at] = draw(st.sampled_from("费用经补资金项目"))
    return "".join(name)


NAMES = st.one_of(damaged(), st.text(alphabet="村级管理费用党建经（）三保 干部培训", min_size=1, max_size=12))
AMOUNTS = st.one_of(st.none(), st.sampled_from([Decimal("1.5"), Decimal("12"), Decimal("300")]))


def target(name: str, amount) -> TargetTable:
    t = TargetTable(name=name, line=1, file="f")
    if amount is not None:
        t.funding = Funding(total=amount * 10000, source=Provenance(file="f", line=1))
    return t


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(NAMES, AMOUNTS), max_size=14), st.lists(st.tuples(NAMES, AMOUNTS), max_size=14))
def test_matching_is_the_original(row_specs, target_specs):
    rows = [ProjectRow(name, amount, False, n + 1) for n, (name, amount) in enumerate(row_specs)]
    targets = [target(name, amount) for name, amount in target_specs]
    assert match_targets(rows, targets) == reference_match_targets(rows, targets)


def test_a_compilation_of_repeated_departments_matches_each_row_to_its_own_table():
    names = ["村级管理费用（三保）", "党建经费", "干部培训费"] * 200
    rows = [ProjectRow(n, Decimal(i % 7), False, i) for i, n in enumerate(names)]
    targets = [target(n, Decimal(i % 7)) for i, n in enumerate(names)]
    assert match_targets(rows, targets) == {i: i for i in range(len(names))}
