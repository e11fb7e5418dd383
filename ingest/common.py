"""Facts about a document that every layout finds the same way: codes, places, prose sections."""

from __future__ import annotations

import re
from collections import Counter
from typing import Optional, Sequence

from kg.model import Provenance, TextSection

from .tables import Row, Sheet, compact, is_section_heading

PROVINCES = (
    ("11", "北京市", "京"), ("12", "天津市", "津"), ("13", "河北省", "冀"), ("14", "山西省", "晋"),
    ("15", "内蒙古自治区", "蒙"), ("21", "辽宁省", "辽"), ("22", "吉林省", "吉"), ("23", "黑龙江省", "黑"),
    ("31", "上海市", "沪"), ("32", "江苏省", "苏"), ("33", "浙江省", "浙"), ("34", "安徽省", "皖"),
    ("35", "福建省", "闽"), ("36", "江西省", "赣"), ("37", "山东省", "鲁"), ("41", "河南省", "豫"),
    ("42", "湖北省", "鄂"), ("43", "湖南省", "湘"), ("44", "广东省", "粤"), ("45", "广西壮族自治区", "桂"),
    ("46", "海南省", "琼"), ("50", "重庆市", "渝"), ("51", "四川省", "川"), ("52", "贵州省", "黔"),
    ("53", "云南省", "滇"), ("54", "西藏自治区", "藏"), ("61", "陕西省", "陕"), ("62", "甘肃省", "甘"),
    ("63", "青海省", "青"), ("64", "宁夏回族自治区", "宁"), ("65", "新疆维吾尔自治区", "新"),
)
"""GB/T 2260 province codes, names and one-character abbreviations (used as document-number prefixes)."""

_PROJECT_CODE = re.compile(r"\b(\d{2})\d{4}\d{2}[A-Z]\d")
_DOC_PREFIX = re.compile(r"([\u4e00-\u9fff])[\u4e00-\u9fff]{0,6}[〔\[【（(]\s*(?:19|20)\d{2}\s*[〕\]】）)]\s*\d+\s*号")


def find_province(text: str) -> Optional[str]:
    """The province, from project codes (administrative division prefix), named provinces, or number prefixes."""
    by_code = {code: name for code, name, _ in PROVINCES}
    codes = Counter(m.group(1) for m in _PROJECT_CODE.finditer(text) if m.group(1) in by_code)
    if codes:
        return by_code[codes.most_common(1)[0][0]]
    named = Counter({name: text.count(name) for _, name, _ in PROVINCES})
    best = named.most_common(1)[0]
    if best[1] > 0:
        return best[0]
    by_abbr = {abbr: name for _, name, abbr in PROVINCES}
    prefixes = Counter(m.group(1) for m in _DOC_PREFIX.finditer(text) if m.group(1) in by_abbr)
    return by_abbr[prefixes.most_common(1)[0][0]] if prefixes else None


_COUNTY_SUFFIX = re.compile(r"(?:自治县|矿区|县|旗|区|市)")


def _places(text: str) -> Counter:
    """Every 2- and 3-character stem before a county-level suffix, counted."""
    counts: Counter = Counter()
    for m in _COUNTY_SUFFIX.finditer(text):
        for n in (2, 3):
            stem = text[max(0, m.start() - n):m.start()]
            if len(stem) == n and re.fullmatch(r"[\u4e00-\u9fff]+", stem):
                counts[stem + m.group(0)] += 1
    return counts


def find_county(text: str, department: str) -> Optional[str]:
    """The county-level area: one the department name contains or starts with, else None."""
    counts = _places(text)
    for place, _ in counts.most_common():
        if place in department and not place.endswith("市"):
            return place
    for place, _ in counts.most_common():
        stem = re.sub(r"(县|矿区|自治县|旗|区|市)$", "", place)
        if department.startswith(stem) and len(stem) >= 2:
            return place
    return None


def department_code(text: str, name: str) -> Optional[str]:
    """The budget code printed before the department name: 512-泽州县…, 909卢龙县…, 990 峰峰…"""
    if not name:
        return None
    rx = re.compile(r"(?<!\d)(\d{3,6})\s*[-－—]?\s*" + re.escape(name[:4]))
    codes = Counter(rx.findall(compact(text.replace("\t", " ")).replace(" ", "")))
    codes.update(rx.findall(text))
    return codes.most_common(1)[0][0] if codes else None


def header_row(rows: Sequence[Row], words: Sequence[str]) -> Optional[Row]:
    """The first row holding every one of ``words`` as a cell."""
    for row in rows:
        cells = {compact(c) for c in row.cells}
        if all(w in cells for w in words):
            return row
    return None


def text_sections(all_sheets: Sequence[Sheet], file: str) -> list[TextSection]:
    """Prose of the explanatory part (情况说明), section by section, for full-text search."""
    out = []
    for sheet in all_sheets:
        if not sheet.title or sheet.title.endswith("表"):
            continue
        prose = []
        for r in sheet.rows:  # a short row is kept when it ends a sentence the row before broke off (PDF wraps)
            if r.single and (len(r.single) > 8 or (prose and prose[-1].single[-1] not in "。；;：:！？")):
                prose.append(r)
        if prose:
            out.append(TextSection(heading=sheet.title, text="\n".join(r.single for r in prose),
                                   source=Provenance(file=file, line=sheet.line), lines=tuple(r.line for r in prose)))
    return out
