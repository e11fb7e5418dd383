"""Projects: rows of the project expenditure tables joined with their target tables.

The project tables (本年预算 / 上年结转) give the authoritative name and amount;
the target table (绩效目标表) gives funding, legal basis and indicators. Names
differ between the two through OCR damage (a line-break space, a repeated or a
lost character), so they are matched by a forgiving key and, when that fails,
by similarity confirmed by the amount.
"""

from __future__ import annotations

import difflib
import re
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional, Sequence

from kg.model import Funding, Indicator, LegalBasis, Project, Provenance

from .summary import BUDGET_SOURCES
from .tables import Row, compact, parse_amount

ORG_SUFFIX = re.compile(r"(?:政府|委员会|部|局|中心|办公室|院|所|站|队|会|校|馆|处|室|社|团)(?:[（(]本级[)）])?$")


def clean_name(text: str) -> str:
    """A name as a reader would write it: line-break spaces dropped, a character repeated across the break kept once."""
    text = re.sub(r"(\S)\s+\1", r"\1", text.strip())
    return compact(text)


def match_key(name: str) -> str:
    """A key that survives OCR damage: no spaces or brackets, repeated characters collapsed."""
    key = re.sub(r"[\s()（）\[\]【】“”\"'‘’、，,.。:：·\-—]", "", name)
    return re.sub(r"(.)\1+", r"\1", key)


@dataclass
class ProjectRow:
    name: str
    amount_wan: Optional[Decimal]
    carryover: bool
    line: int
    budget_sources: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class TargetTable:
    """What one target table says about its project."""

    name: str
    line: int
    file: str
    department_code: Optional[str] = None
    implementing_unit: Optional[str] = None
    category: Optional[str] = None
    project_code: Optional[str] = None
    amount_wan: Optional[Decimal] = None
    funding: Optional[Funding] = None
    overview: Optional[str] = None
    goals: Optional[str] = None
    basis_text: Optional[str] = None
    legal_bases: list[LegalBasis] = field(default_factory=list)
    citations: list[LegalBasis] = field(default_factory=list)
    """Policies cited in 保证项目实施的制度、措施 or 指标值确定依据 (not the legal basis)."""
    indicators: list[Indicator] = field(default_factory=list)

    @property
    def funding_wan(self) -> Optional[Decimal]:
        if self.funding is not None and self.funding.total is not None:
            return self.funding.total / Decimal(10000)
        return self.amount_wan


def read_project_rows(rows: Sequence[Row], carryover: bool, skip_names: set[str]) -> list[ProjectRow]:
    """Project rows of a 项目支出预算表, without the department and unit subtotal rows."""
    out: list[ProjectRow] = []
    started = False
    columns: dict[int, str] = {}
    for row in rows:
        texts = row.texts
        if not texts:
            continue
        if not started:
            started = any(compact(c) == "项目名称" for c in row.cells)
        if started and not out and not any(parse_amount(t) is not None for t in texts):
            # header rows: which column holds which budget source (一般公共预算, 政府性基金预算, …)
            for i, cell in enumerate(row.cells):
                key = next((k for k, w in BUDGET_SOURCES.items() if w in compact(cell)), None)
                if key and key not in columns.values():
                    columns[i] = key
            continue
        if all(re.fullmatch(r"\d{1,2}", t) for t in texts):
            continue  # the column-number row 1 2 3 …
        name = clean_name(texts[0])
        amount = parse_amount(texts[1]) if len(texts) > 1 else None
        if amount is None and len(texts) == 1 and out and out[-1].line >= row.line - 2 and len(name) <= 15 \
                and parse_amount(name) is None and not name.startswith(("注", "单位")):
            out[-1].name = clean_name(out[-1].name + name)  # the rest of a name that OCR put on its own line
            continue
        if amount is None or parse_amount(texts[0]) is not None or name in ("合计", "总计", "小计"):
            continue
        out.append(ProjectRow(name, amount, carryover, row.line, _sources(row, amount, columns)))
    return _drop_subtotals(out, skip_names)


def _sources(row: Row, amount: Decimal, columns: dict[int, str]) -> dict[str, Decimal]:
    """The budget-source columns of a project row; blanks are 0 when the columns add up to the amount."""
    found = {}
    for i, key in columns.items():
        value = parse_amount(row.cells[i]) if i < len(row.cells) else None
        if value is not None:
            found[key] = value
    keys = [k for k in BUDGET_SOURCES if k in columns.values() or k in found]
    if found and sum(found.values()) == amount:
        return {k: found.get(k, Decimal(0)) for k in keys}
    return {k: found[k] for k in keys if k in found}


def _drop_subtotals(rows: list[ProjectRow], skip_names: set[str]) -> list[ProjectRow]:
    """Department and unit rows repeat the sum of the projects under them."""
    keys = {match_key(n) for n in skip_names if n}
    kept: list[ProjectRow] = []
    for i, row in enumerate(rows):
        if match_key(row.name) in keys or "本级" in row.name:
            continue
        if ORG_SUFFIX.search(row.name) and _is_sum_of_following(rows, i):
            continue
        kept.append(row)
    return kept


def _is_sum_of_following(rows: list[ProjectRow], i: int) -> bool:
    target = rows[i].amount_wan
    total = Decimal(0)
    for row in rows[i + 1:]:
        if row.amount_wan == target and ORG_SUFFIX.search(row.name):
            continue
        total += row.amount_wan or 0
        if total == target:
            return True
        if total > target:
            return False
    return False


def match_targets(rows: Sequence[ProjectRow], targets: Sequence[TargetTable]) -> dict[int, int]:
    """Map project row index → target table index; each used at most once.

    A row takes the first free target of the same key; rows left over take the most similar free target
    (similarity confirmed by the amount). Keys are computed once and looked up, so a compilation of many
    departments (thousands of rows and targets) costs time in proportion to its size, not its square."""
    pairs: dict[int, int] = {}
    target_keys = [match_key(t.name) for t in targets]
    row_keys = [match_key(r.name) for r in rows]
    by_key: dict[str, deque[int]] = {}
    for j, key in enumerate(target_keys):
        by_key.setdefault(key, deque()).append(j)
    for i, key in enumerate(row_keys):
        free_of_key = by_key.get(key)
        if free_of_key:
            pairs[i] = free_of_key.popleft()  # targets of a key are taken in order: the first free one
    free = set(range(len(targets))) - set(pairs.values())
    scored = []
    for i, row in enumerate(rows):
        if i in pairs:
            continue
        for j in free:
            same_money = row.amount_wan is not None and targets[j].funding_wan == row.amount_wan
            matcher = difflib.SequenceMatcher(None, row_keys[i], target_keys[j])
            # quick_ratio() bounds ratio() from above: a pair it rules out would fail the test below anyway
            if matcher.quick_ratio() < (0.6 if same_money else 0.85):
                continue
            ratio = matcher.ratio()
            if ratio >= 0.85 or (same_money and ratio >= 0.6):
                scored.append((same_money, ratio, i, j))
    for _, _, i, j in sorted(scored, reverse=True):
        if i not in pairs and j in free:
            pairs[i] = j
            free.discard(j)
    return pairs


def build_projects(rows: Sequence[ProjectRow], targets: Sequence[TargetTable], file: str) -> tuple[list[Project], list[TargetTable]]:
    """Projects from the project tables, enriched by matched target tables; returns unmatched targets too."""
    pairs = match_targets(rows, targets)
    projects = []
    for i, row in enumerate(rows):
        t = targets[pairs[i]] if i in pairs else None
        projects.append(project_from(row.name, row.amount_wan, row.carryover, Provenance(file=file, line=row.line), t,
                                     row.budget_sources))
    used = set(pairs.values())
    unmatched = [t for j, t in enumerate(targets) if j not in used]
    return projects, unmatched


def project_from(name: str, amount: Optional[Decimal], carryover: bool, source: Provenance,
                 t: Optional[TargetTable], sources: Optional[dict[str, Decimal]] = None) -> Project:
    if t is None:
        return Project(name=name, amount_wan=amount, carryover=carryover, source=source, budget_sources=sources or {})
    return Project(
        name=name, amount_wan=amount if amount is not None else t.amount_wan, carryover=carryover,
        budget_sources=sources or {},
        project_code=t.project_code, category=t.category, implementing_unit=t.implementing_unit,
        funding=t.funding, overview=t.overview, goals=t.goals, basis_text=t.basis_text,
        legal_bases=tuple(t.legal_bases), indicators=tuple(t.indicators), source=source,
        citations=tuple(c for c in t.citations if c.key not in {b.key for b in t.legal_bases}),
        target_source=Provenance(file=t.file, line=t.line), target_name=t.name,
    )
