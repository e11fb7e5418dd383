"""Turn the bytes of a budget file into text, or say clearly why not.

Government sites publish UTF-8, UTF-8 with BOM and GB18030/GBK files, with CRLF
or LF line ends. A file that is none of these (a PDF, an image, a truncated
download) must fail with a message a user can act on, not a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

ENCODINGS = ("utf-8-sig", "gb18030")
"""Tried in this order: UTF-8 (a BOM is dropped), then GB18030, a superset of GBK and GB2312."""


class UnreadableFile(Exception):
    """The file cannot be turned into text; ``code`` and ``hint`` say why and what to try."""

    def __init__(self, code: str, message: str, hint: str):
        super().__init__(message)
        self.code = code
        self.hint = hint


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


BINARY_SIGNATURES = {
    b"%PDF": "a PDF file; convert it to text first (e.g. pdftotext -layout FILE)",
    b"PK\x03\x04": "a ZIP/DOCX/XLSX file; export it as text first",
    b"\xd0\xcf\x11\xe0": "an old Office (DOC/XLS) file; export it as text first",
    b"\x89PNG": "a PNG image; OCR it to text first",
    b"\xff\xd8\xff": "a JPEG image; OCR it to text first",
}


def decode(data: bytes) -> DecodedText:
    """Decode budget text; raise ``UnreadableFile`` for empty, binary or undecodable input."""
    if not data.strip():
        raise UnreadableFile("empty-file", "the file is empty", "check that the download or conversion finished")
    for magic, what in BINARY_SIGNATURES.items():
        if data.startswith(magic):
            raise UnreadableFile("binary-file", f"this is {what.split(';')[0]}", what.split("; ", 1)[1])
    if b"\x00" in data[:4096]:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            try:
                return DecodedText(_normalise(data.decode("utf-16")), "utf-16")
            except UnicodeDecodeError:
                pass
        raise UnreadableFile("binary-file", "the file holds binary data, not text",
                             "convert the document to plain text (UTF-8 or GB18030) first")
    for encoding in ENCODINGS:
        try:
            return DecodedText(_normalise(data.decode(encoding)), encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("bad-encoding", "the text is neither UTF-8 nor GB18030/GBK",
                         "re-save the file as UTF-8, or pass it through iconv -f ENCODING -t UTF-8")


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
