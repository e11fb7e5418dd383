"""Chinese text analysis for the index.

Two analyzers, each fixing a trap of jieba's stock ChineseAnalyzer for Whoosh:

* ``WordAnalyzer``: jieba's precise mode with a budget lexicon. Positions are
  token ordinals (the stock analyzer records character offsets as positions,
  so phrase queries never match), and tokens never overlap (search mode's
  overlapping tokens break highlighting: 马克思 highlighted as 马克).
* ``BigramAnalyzer``: overlapping character bigrams. Every verbatim 2+ character
  piece of a name holds all of its own bigrams, so a lookup of those terms finds
  it however jieba would have cut it (hits are then checked verbatim), and
  queries need no jieba (its dictionary takes ~0.6 s to load, too slow for a
  command people type). Positions are ordinals in both analyzers, so a field
  that keeps them supports phrases; the index does not need them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

from whoosh.analysis import Token, Tokenizer

from kg.text import compact, year_brackets

LEXICON_FILE = Path(__file__).with_name("lexicon.txt")
"""Budget terms jieba does not know (选调生, 三公经费, 一事一议 …), one per line."""

_KEEP = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")
_FULL_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
"""Full-width ASCII (！ … ～) → ASCII, for str.translate (built once: normalise runs for every indexed field)."""


def normalise(text: str) -> str:
    """The form both indexing and queries see: no layout spaces, full-width ASCII folded, lower case,
    and the year of a document number always in 〔〕 (so 晋财预[2020]52号 reads as 晋财预〔2020〕52号)."""
    text = compact(text or "")
    text = text.translate(_FULL_WIDTH)
    text = year_brackets(text)
    return text.lower()


def _tokens(pieces, positions: bool, chars: bool, keeporiginal: bool, removestops: bool, mode: str,
            start_char: int, **kwargs):
    """Whoosh tokens for (text, position, start, end) pieces: one reused Token, as Whoosh expects."""
    t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
    for text, pos, begin, end in pieces:
        t.text = text
        t.boost = 1.0
        t.stopped = False
        if keeporiginal:
            t.original = text
        if positions:
            t.pos = pos
        if chars:
            t.startchar = start_char + begin
            t.endchar = start_char + end
        yield t


def _bigram_pieces(text: str, start_pos: int):
    pos = start_pos
    for run in re.finditer(r"[\u3400-\u9fffa-z0-9.%〔〕]+", text):
        s = run.group(0)
        grams = [(s, 0)] if len(s) == 1 else [(s[i:i + 2], i) for i in range(len(s) - 1)]
        for gram, offset in grams:
            at = run.start() + offset
            yield gram, pos, at, at + len(gram)
            pos += 1
        pos += 1  # a gap so that a phrase cannot span punctuation


class BigramTokenizer(Tokenizer):
    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        return _tokens(_bigram_pieces(normalise(value), start_pos), positions, chars, keeporiginal, removestops,
                       mode, start_char, **kwargs)


def bigrams(text: str) -> list[str]:
    """The bigram terms of a query string, in order (a single character stays itself)."""
    return [tok.text for tok in BigramTokenizer()(text)]


def BigramAnalyzer():
    return BigramTokenizer()


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    if LEXICON_FILE.exists():
        for word in LEXICON_FILE.read_text(encoding="utf-8").split():
            jieba.add_word(word, freq=20000)
    return jieba


def learn(words: Iterable[str]) -> None:
    """Teach jieba names seen in ingested documents (project, indicator and policy names)."""
    jb = _jieba()
    for w in words:
        w = normalise(w)
        if 2 <= len(w) <= 12 and _KEEP.search(w):
            jb.add_word(w, freq=5000)


def _word_pieces(text: str, start_pos: int):
    pos, at = start_pos, 0
    for word in _jieba().cut(text, HMM=True):
        begin, at = at, at + len(word)
        if _KEEP.search(word):
            yield word, pos, begin, at
            pos += 1


class WordTokenizer(Tokenizer):
    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        return _tokens(_word_pieces(normalise(value), start_pos), positions, chars, keeporiginal, removestops,
                       mode, start_char, **kwargs)


def WordAnalyzer():
    return WordTokenizer()


def words(text: str) -> list[str]:
    return [tok.text for tok in WordTokenizer()(text)]


def load_vocabulary(path: Optional[Path]) -> None:
    if path and path.exists():
        learn(path.read_text(encoding="utf-8").split())
