"""Text from documents, file names and queries, made safe to show on a terminal.

Whatever a user or a document supplies is shown literally: the consoles print with markup turned off
(``[/x]`` in a name is text, not a closing tag that crashes rich), and ``printable`` escapes what could
forge or garble lines: newlines and other control characters (a file name with a newline cannot fake a
"✓ … added" line), terminal escape sequences, bidirectional overrides, undecodable file-name bytes.
"""

from __future__ import annotations

import unicodedata

from rich.console import Console

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_INVISIBLE = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")
"""Direction marks, embeddings, overrides and isolates, line and paragraph separators."""


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``text`` on one line with control, format-override and undecodable characters written as escapes."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(_escape(ch) if (unicodedata.category(ch) in ("Cc", "Cs") or ch in _INVISIBLE) else ch
                   for ch in text)


class SafeConsole(Console):
    """A rich console that never reads markup and shows every plain string through ``printable``.

    Styled output is built explicitly as ``rich.text.Text`` (whose content the caller passes through
    ``printable``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("markup", False)
        super().__init__(**kwargs)

    def print(self, *objects, **kwargs) -> None:  # noqa: A003 - rich's name
        super().print(*(printable(o) if isinstance(o, str) else o for o in objects), **kwargs)
