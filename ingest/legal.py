"""Policy citations: documents cited in 立项依据 (legal bases) and elsewhere (保证措施, 指标值确定依据).

A document number (文号) is typed with any bracket: 晋财预[2020]52号,
晋财行【2025】110号, 卢财（2019）168号. The same number is the same policy, so
numbers are normalised to 〔〕 without spaces. A citation may also give the
title in 《》 and the issuing authority; a citation with a title and no number
is a legal basis too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from kg.model import LegalBasis, Provenance
from kg.text import NUMBER as _NUMBER, clean_prefix as _clean_prefix, compact, format_number as _format
from kg.text import normalise_number  # noqa: F401  (part of this module's interface)

_TITLE = re.compile(r"《(?P<title>[^《》]{2,120})》")
_ORG = re.compile(r"(?:厅|局|部|委|委员会|政府|办公室|办公厅|院|会|中心|小组|党组|署|处|室|所|组)$")
_LEAD = re.compile(r"^(?:\d+[.、]|该项目|本项目|依据|根据|按照|参照|按|据|经|由|关于|文件|是|为)+")
_TRAIL = re.compile(r"(?:关于印发|关于转发|关于|联合印发|印发|转发|下发|文件|发布|制定|的)+$")
_DELIMS = "。；;，,（()）》\n"


@dataclass
class _Span:
    start: int
    end: int
    text: str


def _issuer_before(text: str, pos: int) -> Optional[str]:
    """An authority named right before a title or number: 山西省财政厅《…》."""
    start = max(text.rfind(d, 0, pos) for d in _DELIMS) + 1
    seg = text[start:pos].strip().rstrip("《").strip()
    seg = _NUMBER.sub("", seg)
    seg = _TRAIL.sub("", _LEAD.sub("", seg)).strip(" 、")
    if 2 <= len(seg) <= 60 and _ORG.search(seg):
        return seg
    return None


def _issuer_in_title(title: str) -> Optional[str]:
    """山西省财政厅关于提前下达… → 山西省财政厅."""
    if "关于" in title:
        head = title.split("关于", 1)[0].strip()
        if 2 <= len(head) <= 40 and _ORG.search(head):
            return head
    return None


def extract(text: Optional[str], file: str, line: int) -> list[LegalBasis]:
    """Every cited policy in one basis text, numbered or title-only, each once."""
    if not text:
        return []
    text = compact(text)
    numbers = [_Span(m.start(), m.end(), _format(m)) for m in _NUMBER.finditer(text)]
    for n, m in zip(numbers, _NUMBER.finditer(text)):
        n.start += len(m.group("prefix")) - len(_clean_prefix(m.group("prefix")))
    titles = []
    for m in _TITLE.finditer(text):
        inner = m.group("title").strip()
        if _NUMBER.fullmatch(inner.replace(" ", "")):
            continue  # 《晋治超办字〔2018〕3号》 is a number written as a title
        titles.append(_Span(m.start(), m.end(), inner))
    used: set[int] = set()
    out: list[LegalBasis] = []
    seen: set[str] = set()
    prov = Provenance(file=file, line=line)
    for n in numbers:
        title_idx = _title_for(text, n, titles, numbers, used)
        title = titles[title_idx].text if title_idx is not None else None
        if title_idx is not None:
            used.add(title_idx)
        issuer = None
        if title_idx is not None:
            t = titles[title_idx]
            issuer = _issuer_before(text, t.start) if t.start < n.start else _issuer_between(text, n.end, t.start)
            issuer = issuer or _issuer_in_title(t.text)
        issuer = issuer or _issuer_before(text, n.start)
        if n.text in seen:
            continue
        seen.add(n.text)
        out.append(LegalBasis(doc_number=n.text, as_printed=text[n.start:n.end], title=title, issuer=issuer, source=prov))
    for i, t in enumerate(titles):
        if i in used or _chained_to_used(text, i, titles, used):
            continue
        key = f"《{t.text}》"
        if key in seen:
            continue
        seen.add(key)
        out.append(LegalBasis(doc_number=None, as_printed=key, title=t.text,
                              issuer=_issuer_before(text, t.start) or _issuer_in_title(t.text), source=prov))
    return out


def _issuer_between(text: str, start: int, end: int) -> Optional[str]:
    seg = _TRAIL.sub("", _LEAD.sub("", text[start:end])).strip(" 、")
    return seg if 2 <= len(seg) <= 40 and _ORG.search(seg) else None


def _gap_ok(gap: str, limit: int) -> bool:
    return len(re.sub(r"[\s（()）〔〕\[\]【】、，,:：]", "", gap)) <= limit and not _NUMBER.search(gap)


def _title_for(text: str, n: _Span, titles: list[_Span], numbers: list[_Span], used: set[int]) -> Optional[int]:
    """The title a number belongs to: one printed right after it (…号文《title》), else the nearest 《》
    before it, else one shortly after it."""
    tight = _tight_after(text, n, titles, used)
    if tight is not None:
        return tight
    before = [i for i, t in enumerate(titles) if t.end <= n.start and i not in used]
    if before:
        i = before[-1]
        gap = text[titles[i].end:n.start]
        if _gap_ok(gap, 16):
            return i
    after = [i for i, t in enumerate(titles) if t.start >= n.end and i not in used]
    if after:
        i = after[0]
        gap = text[n.end:titles[i].start]
        later_numbers = [m for m in numbers if m.start >= titles[i].end]
        owned_by_next = later_numbers and _gap_ok(text[titles[i].end:later_numbers[0].start], 12) \
            and _tight_after(text, later_numbers[0], titles, used) is None
        if _gap_ok(gap, 14) and not owned_by_next:
            return i
    return None


def _tight_after(text: str, n: _Span, titles: list[_Span], used: set[int]) -> Optional[int]:
    """A title printed right after the number (89号《…》, 89号文《…》): that number's own title."""
    after = [i for i, t in enumerate(titles) if t.start >= n.end and i not in used]
    if after and re.fullmatch(r"文?", text[n.end:titles[after[0]].start]):
        return after[0]
    return None


def _chained_to_used(text: str, i: int, titles: list[_Span], used: set[int]) -> bool:
    """《A》和《B》的通知（号）: A is part of the same cited document as B."""
    if i + 1 < len(titles):
        gap = text[titles[i].end:titles[i + 1].start]
        return gap in ("和", "及", "、", "与") and (i + 1) in used
    return False
