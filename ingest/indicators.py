"""Performance indicators (绩效指标): levels, values, and rows damaged by OCR.

Target tables print 一级/二级/三级指标 and 指标值 in columns, but OCR shifts
cells left and right, drops the level on continuation rows, and two-sided tables
(实施期目标 | 年度目标) repeat each row. Column positions alone cannot be trusted,
so rows are read by the meaning of their cells: a level keyword is a level, a
number-like cell is a value, the cell before it is the name.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Optional, Sequence

from kg.model import Indicator, IndicatorValue, Provenance

from .tables import Row, compact

LEVEL1 = ("产出指标", "效益指标", "满意度指标")
LEVEL2_OF_OUTPUT = ("数量指标", "质量指标", "时效指标", "成本指标")
LEVEL2_OF_BENEFIT = ("经济效益", "社会效益", "生态效益", "可持续影响")
LEVEL2_OF_SATISFACTION = ("服务对象满意度",)
LEVEL1_OF = {
    **{k: "产出指标" for k in LEVEL2_OF_OUTPUT},
    **{k: "效益指标" for k in LEVEL2_OF_BENEFIT},
    **{k: "满意度指标" for k in LEVEL2_OF_SATISFACTION},
}
"""Each 二级指标 belongs to exactly one 一级指标: the level a row means follows from its 二级指标."""

HEADER_WORDS = {"绩效指标", "年度绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "绩效指标描述", "指标值确定依据"}

QUALITATIVE_VALUES = {
    "提高", "提升", "保障", "增强", "激发", "改善", "助推", "助力", "促进", "加强", "优化", "完善", "巩固", "消除",
    "合规", "合格", "有效", "规范", "健全", "良好", "顺利", "及时", "服务", "展示", "增加", "是", "否", "无违规",
    "定性", "全年", "每月", "按年", "春节", "去年", "有序推进", "有效调动", "高质量", "稳步提升",
}
"""Short values that are words, not numbers (seen in target tables across provinces)."""

_COMPARATORS = {"≥": "≥", "≧": "≥", ">=": "≥", "＞=": "≥", "≤": "≤", "≦": "≤", "<=": "≤", "＜=": "≤",
                ">": ">", "＞": ">", "<": "<", "＜": "<", "=": "=", "＝": "="}
_VALUE = re.compile(r"^(?P<cmp>≥|≧|>=|＞=|≤|≦|<=|＜=|>|＞|<|＜|=|＝)?\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>[^\d\s、，,~～至-]{0,8})$")
_NOT_A_UNIT = re.compile(r"(?:底|前|后|以内|之前|以前|季度|日之前)$|^年\d|^月\d")
_MONEY = re.compile(r"元")


def level2_of(cell: str) -> Optional[str]:
    """The canonical 二级指标 for a cell (社会效益指标 → 社会效益), else None."""
    c = compact(cell).replace("：", "").rstrip(":")
    if c in LEVEL1_OF:
        return c
    if c.endswith("指标") and c[:-2] in LEVEL1_OF:
        return c[:-2]
    return None


def level1_of(cell: str) -> Optional[str]:
    c = compact(cell)
    return c if c in LEVEL1 else None


def parse_value(value: Optional[str]) -> IndicatorValue:
    """Split ``≥83人`` into (≥, 83, 人); lists, dates and words stay text only."""
    if not value:
        return IndicatorValue()
    m = _VALUE.match(compact(value).replace(",", ""))
    if not m:
        return IndicatorValue()
    unit = m.group("unit") or None
    if unit and _NOT_A_UNIT.search(unit):
        return IndicatorValue()
    try:
        number = Decimal(m.group("num"))
    except InvalidOperation:  # pragma: no cover
        return IndicatorValue()
    cmp = m.group("cmp")
    return IndicatorValue(comparator=_COMPARATORS.get(cmp) if cmp else None, number=number, unit=unit)


def _numeric(cell: str) -> bool:
    c = compact(cell)
    if "%" in c or "％" in c:
        return True
    return bool(re.match(r"^(?:≥|≧|>=|≤|≦|<=|>|＞|<|＜|=|＝)\s*\d", c) or re.match(r"^\d[\d.,、~\-至]*\s*\S{0,6}$", c))


def _value_like(cell: str) -> bool:
    return _numeric(cell) or compact(cell) in QUALITATIVE_VALUES or len(compact(cell)) <= 2


def _single_is_value(cell: str) -> bool:
    return _value_like(cell) or len(compact(cell)) <= 3


def _pick_pair(tokens: Sequence[str]) -> tuple[Optional[str], Optional[str], int]:
    """Choose (name, value) among a row's content cells; returns how many cells it used."""
    if not tokens:
        return None, None, 0
    if len(tokens) == 1:
        return (None, tokens[0], 1) if _single_is_value(tokens[0]) else (tokens[0], None, 1)
    for k in range(len(tokens) - 1):
        if not _numeric(tokens[k]) and _value_like(tokens[k + 1]):
            return tokens[k], tokens[k + 1], k + 2
    if _numeric(tokens[0]):
        return None, tokens[0], 1
    return tokens[0], tokens[1], 2


class TwoSidedReader:
    """Reads the indicator block of a target table whose columns OCR may have shifted.

    ``right_start`` is the column where the 年度目标 half begins (None for
    one-sided tables). Level state carries over rows, as the merged cells of the
    printed table do.
    """

    def __init__(self, header: Row, file: str):
        self.file = file
        seen = [i for i, c in enumerate(header.cells) if compact(c) == "二级指标"]
        self.right_start = seen[1] if len(seen) > 1 else None
        self.level1: Optional[str] = None
        self.level2: Optional[str] = None
        self.indicators: list[Indicator] = []

    def feed(self, row: Row) -> None:
        if any(len(c) > 80 for c in row.cells):
            return  # prose that a converter dropped into the table (重点任务)
        left_kw_l1 = left_kw_l2 = right_l2 = None
        left: list[str] = []
        right: list[str] = []
        side = "left"
        for idx, raw in enumerate(row.cells):
            cell = compact(raw)
            if not cell or cell in HEADER_WORDS:
                continue
            l1, l2 = level1_of(cell), level2_of(cell)
            if side == "left" and (l1 or l2):
                beyond = self.right_start is not None and idx >= self.right_start
                if left or (beyond and (left_kw_l1 or left_kw_l2)):
                    side = "right"
                else:
                    left_kw_l1 = l1 or left_kw_l1
                    left_kw_l2 = l2 or left_kw_l2
                    continue
            if side == "right":
                if l2 and not right_l2:
                    right_l2 = l2
                elif not (l1 or l2):
                    right.append(cell)
                continue
            if (self.right_start is not None and idx >= self.right_start and left
                    and any(_value_like(t) for t in left)):
                side = "right"
                right.append(cell)
                continue
            left.append(cell)
        name, value, used = _pick_pair(left)
        right += left[used:]
        if (name is None) != (value is None) and right:
            r_name, r_value, _ = _pick_pair(right)
            if name is None and r_name and (value is None or r_value in (None, value)):
                name = r_name
            if value is None and r_value and (r_name is None or r_name == name):
                value = r_value
        explicit = left_kw_l2 or (right_l2 if name else None)
        if left_kw_l1:
            self.level1 = left_kw_l1
            self.level2 = None
        if explicit:
            self.level2 = explicit
        if not name:
            return
        level2 = self._meant_level2(self.level2, explicit is not None, name, value)
        level1 = LEVEL1_OF.get(level2) if level2 else self.level1
        self.indicators.append(Indicator(level1=level1, level2=level2, name=name, value=value,
                                         parsed=parse_value(value),
                                         source=Provenance(file=self.file, line=row.line)))

    @staticmethod
    def _meant_level2(level2: Optional[str], explicit: bool, name: str, value: Optional[str]) -> Optional[str]:
        """The level a row clearly means when OCR put it under the wrong heading."""
        parsed = parse_value(value)
        is_money = parsed.unit is not None and bool(_MONEY.search(parsed.unit))
        if is_money and level2 != "成本指标":
            if level2 is None or not explicit or LEVEL1_OF.get(level2) != "产出指标":
                return "成本指标"
        if name.endswith("满意度") and level2 in LEVEL2_OF_BENEFIT and not explicit:
            return "服务对象满意度"
        return level2


def read_two_sided(rows: Sequence[Row], header: Row, file: str) -> list[Indicator]:
    reader = TwoSidedReader(header, file)
    for row in rows:
        reader.feed(row)
    return reader.indicators


def read_columns(rows: Sequence[Row], header: Row, file: str) -> list[Indicator]:
    """Indicator tables with clean columns (Hebei layout): one row per indicator, six fields.

    Rows split across a page break arrive as two short rows; they are joined
    back when together they make one full row.
    """
    names = [compact(c) for c in header.cells]

    def col(label: str) -> Optional[int]:
        return names.index(label) if label in names else None

    c1, c2, c3, cdesc, cval, cbasis = (col(x) for x in ("一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"))
    width = len(header.cells)
    merged: list[Row] = []
    pending: Optional[Row] = None
    for row in rows:
        if pending is not None and len(pending.cells) + len(row.cells) <= width:
            pending = Row(pending.line, pending.cells + row.cells)
        else:
            if pending is not None:
                merged.append(pending)
            pending = row
        if pending is not None and len(pending.cells) >= width:
            merged.append(pending)
            pending = None
    if pending is not None:
        merged.append(pending)

    out: list[Indicator] = []
    level1: Optional[str] = None
    level2: Optional[str] = None

    def cell(row: Row, i: Optional[int]) -> Optional[str]:
        if i is None or i >= len(row.cells):
            return None
        return compact(row.cells[i]) or None

    for row in merged:
        a, b = cell(row, c1), cell(row, c2)
        if a and level1_of(a):
            level1, level2 = level1_of(a), None
        elif a and level2_of(a):
            level2 = level2_of(a)
        if b and level2_of(b):
            level2 = level2_of(b)
        name = cell(row, c3)
        if not name or name in HEADER_WORDS:
            continue
        value = cell(row, cval)
        l2 = TwoSidedReader._meant_level2(level2, bool(b and level2_of(b)), name, value)
        out.append(Indicator(level1=LEVEL1_OF.get(l2) if l2 else level1, level2=l2, name=name, value=value,
                             parsed=parse_value(value), description=cell(row, cdesc), basis=cell(row, cbasis),
                             source=Provenance(file=file, line=row.line)))
    return out
