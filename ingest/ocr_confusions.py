"""The words table readers look for, restored where tesseract (chi_sim) misread a glyph of them.

Why: readers find tables by their titles and header words (财务收支预算总表, 本年支出合计 …).
tesseract reads those words well but for a few glyphs it confuses with a look-alike: 支 comes out
as 文 in most scanned titles (财务收文预算总表, 部门文出预算总表), so a scanned document loses its
totals table although every figure in it was read. The confusions below were measured, not
guessed: the shipped disclosures were rasterised at 200 dpi, OCR'd with ``kg.ingest.ocr`` and
aligned glyph by glyph with their own text layers (``benchmarks/ocr_bench.py --documents`` measures
what this buys).

How: in a cell read by OCR, a stretch that is one of ``WORDS`` but for glyphs listed in
``CONFUSIONS`` (at most one in three of the word's glyphs), or a word of ``STRAY_MIN`` or more glyphs
with one stray glyph inside (一般公共了预算: tesseract puts a glyph into a wide gap), is replaced by the
word. Exact words are taken first, so a cell that already says what it means is never changed.
Only words and glyphs listed here are ever restored; figures are never touched (a figure OCR is
unsure of stays withheld by ``kg.ingest.ocr``'s trust rules). Text layers never come here: their
words are exact.
"""

from __future__ import annotations

import re
from functools import lru_cache

CONFUSIONS: dict[str, str] = {
    "支": "文有",
    "款": "丈旺于秋茂堵基攻归电王葡可也明",
    "费": "寓交慢赣要缆党",
    "预": "巴氛也入祯",
    "项": "而页顶曾古剖需抽寺",
    "类": "到贡划关由双匡冯",
    "计": "评证主直儿",
    "合": "答符客侣千举",
    "金": "爹合全多",
    "编": "纲朋顷",
    "拨": "毛所氢",
    "算": "得征",
    "公": "人",
    "共": "开关",
    "元": "刀",
    "目": "日",
    "出": "机",
    "分": "隶",
    "资": "次",
    "小": "目",
    "年": "车",
}
"""Glyph as printed → the glyphs tesseract chi_sim read it as, measured on the seven shipped disclosures
scanned whole at 200 dpi (支→文 128 times, 款→丈 and 款→旺 4, 项→而 5, 类→到 4, the rest 1-2 times),
for the glyphs of ``WORDS``. Left out on purpose: misreadings that make another real word in place of
one of ``WORDS`` (合→会 turns 合计 into 会计, 类→区 功能分类 into 功能分区)."""

WORDS: tuple[str, ...] = (
    # table titles
    "财务收支", "收支", "收入支出", "收入", "支出", "预算", "决算", "总表", "预算表", "决算表",
    "财政拨款", "一般公共预算", "政府性基金", "国有资本经营", "基本支出", "三公", "经费", "功能分类",
    "经济分类", "机关运行经费", "部门", "单位", "情况说明", "项目经费",
    # header and row labels
    "项目", "预算数", "决算数", "金额", "合计", "总计", "小计", "收入总计", "支出总计", "本年收入合计",
    "本年支出合计", "上年结转", "结转结余", "年初结转和结余", "项目支出", "上缴上级支出", "经营支出",
    "附属单位", "人员经费", "公用经费", "因公出国", "公务接待费", "公务用车购置及运行费", "购置费",
    "运行费", "运行维护费", "编制部门", "编制单位", "万元", "财政专户", "单位资金", "科目编码", "科目名称",
    "功能分类科目", "经济分类科目", "项目名称", "一级指标", "二级指标", "三级指标",
)
"""What the national readers look for in titles and headers (and the words around them)."""

_CJK = re.compile(r"[\u3400-\u9fff]")
_STARTING: dict[str, list[str]] = {}
"""Glyph → the words that start with it, longest first."""
_MAYBE_STARTING: dict[str, list[str]] = {}
"""Glyph → the words that start with it or with a glyph it is a misreading of, longest first."""
for _word in sorted(WORDS, key=len, reverse=True):
    _STARTING.setdefault(_word[0], []).append(_word)
    for _glyph in _word[0] + CONFUSIONS.get(_word[0], ""):
        _MAYBE_STARTING.setdefault(_glyph, []).append(_word)


def _matches(word: str, text: str, at: int) -> bool:
    """Whether ``text[at:]`` starts with ``word`` read with known confusions (at most a third of it)."""
    stretch = text[at:at + len(word)]
    if len(stretch) < len(word):
        return False
    wrong = 0
    for want, seen in zip(word, stretch):
        if want == seen:
            continue
        if seen not in CONFUSIONS.get(want, ""):
            return False
        wrong += 1
    return 0 < wrong <= max(1, len(word) // 3)


STRAY_MIN = 5
"""Shortest word in which a stray glyph is forgiven: tesseract puts one into a wide gap (一般公共了预算,
国有资本经营了预算), but in a short word the extra glyph is as likely real (年末结转和结余 is not 结转结余)."""


def _with_stray(word: str, text: str, at: int) -> bool:
    """Whether ``text[at:]`` starts with ``word`` (``STRAY_MIN``+ glyphs) with one stray glyph inside it."""
    if len(word) < STRAY_MIN:
        return False
    stretch = text[at:at + len(word) + 1]
    if len(stretch) <= len(word) or stretch[0] != word[0] or stretch[-1] != word[-1]:
        return False
    return any(stretch[:i] + stretch[i + 1:] == word for i in range(1, len(word)))


@lru_cache(maxsize=65536)
def restore(text: str) -> str:
    """``text`` with the misread words of ``WORDS`` restored (left to right, exact words first, longest first)."""
    if not _CJK.search(text):
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        exact = next((w for w in _STARTING.get(text[i], ()) if text.startswith(w, i)), None)
        if exact is not None:
            out.append(exact)
            i += len(exact)
            continue
        candidates = _MAYBE_STARTING.get(text[i], ())
        fuzzy = next((w for w in candidates if _matches(w, text, i)), None)
        if fuzzy is not None:
            out.append(fuzzy)
            i += len(fuzzy)
            continue
        stray = next((w for w in candidates if _with_stray(w, text, i)), None)
        if stray is not None:
            out.append(stray)
            i += len(stray) + 1
            continue
        out.append(text[i])
        i += 1
    return "".join(out)
