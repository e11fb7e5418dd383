"""Text normalisation shared by ingest and search, with no heavy imports (a cold `kg search` loads only this).

* ``compact``: drop the spaces converters put next to Chinese characters;
* document numbers (文号): any bracket style → 〔〕, e.g. 晋财预[2020]52号 → 晋财预〔2020〕52号.

The one place that knows how a document number is written: ingest (kg.ingest.legal), search
(search/analysis.py, search/query.py) and the graph (graph/build.py, graph/queries.py) all use it.
"""

from __future__ import annotations

import re
from typing import Optional

CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
"""Chinese characters and full-width punctuation."""

_SPACE_NEAR_CJK = re.compile(rf"(?<=[{CJK}])\s+|\s+(?=[{CJK}])")


_ANY_SPACE = re.compile(r"\s")
"""Matches exactly the characters str.strip() removes (checked over every code point)."""


def compact(text: str) -> str:
    """Drop the spaces that converters put next to Chinese characters (line breaks, justification)."""
    if _ANY_SPACE.search(text) is None:
        return text  # most cells: nothing to drop, and a plain search is several times faster than the sub
    return _SPACE_NEAR_CJK.sub("", text).strip()


OPEN = "〔[【（(［{｛〈"
CLOSE = "〕]】）)］}｝〉"
NUMBER = re.compile(
    rf"(?P<prefix>[\u4e00-\u9fffA-Za-z]{{0,16}})\s*[{re.escape(OPEN)}]\s*(?P<year>(?:19|20)\d{{2}})\s*"
    rf"[{re.escape(CLOSE)}]\s*(?:第\s*)?(?P<seq>\d{{1,5}})\s*号"
)
PREFIX_CUT = re.compile(r".*(?:通知|意见|办法|方案|规定|决定|纪要|请示|通告|文件|印发|转发|关于|依据|根据|按照|参照|执行|详见|见|的|及|和|与|或)")


def normalise_number(text: str) -> Optional[str]:
    """晋财预 [2020] 52号 → 晋财预〔2020〕52号; None when the text holds no document number."""
    m = NUMBER.search(compact(text).replace(" ", ""))
    return format_number(m) if m else None


_LOOSE_NUMBER = re.compile(
    rf"^([\u4e00-\u9fff]{{1,12}}?)\s*[{re.escape(OPEN)}]?\s*((?:19|20)\d{{2}})\s*[{re.escape(CLOSE)}]?\s*第?\s*(\d{{1,5}})\s*号?$")
_YEAR_IN_BRACKETS = re.compile(rf"[{re.escape(OPEN)}]\s*((?:19|20)\d{{2}})\s*[{re.escape(CLOSE)}]")


def document_number(piece: str) -> Optional[str]:
    """What a user typed as a number, read loosely: 晋财预[2020]52号, 晋财预2020 52号, 晋财预〔2020〕52 → 晋财预〔2020〕52号."""
    exact = normalise_number(piece)
    if exact:
        return exact
    m = _LOOSE_NUMBER.match(piece.strip())
    return f"{m.group(1)}〔{m.group(2)}〕{int(m.group(3))}号" if m else None


def year_brackets(text: str) -> str:
    """The year of a document number always in 〔〕, whatever bracket it was typed with (晋财预[2020]… → 晋财预〔2020〕…)."""
    return _YEAR_IN_BRACKETS.sub(r"〔\1〕", text)


def clean_prefix(prefix: str) -> str:
    return PREFIX_CUT.sub("", prefix)


def format_number(m: re.Match) -> str:
    return f"{clean_prefix(m.group('prefix'))}〔{m.group('year')}〕{int(m.group('seq'))}号"


_T2S = None


def simplified(text: str) -> str:
    """Traditional characters turned simplified (OpenCC's t2s, phrase-aware): the disclosures are printed in
    simplified Chinese, so 選調生 should find 选调生. OpenCC loads only for text outside ASCII."""
    global _T2S
    if text.isascii():
        return text
    if _T2S is None:
        import opencc

        _T2S = opencc.OpenCC("t2s")
    return _T2S.convert(text)
