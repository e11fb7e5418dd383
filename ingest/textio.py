"""Turn the bytes of a budget file into text, or say clearly why not.

Government sites publish UTF-8, UTF-8 with BOM and GB18030/GBK files, with CRLF
or LF line ends. A file that is none of these (a PDF, an image, a truncated
download) must fail with a message a user can act on, not a traceback.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

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


DEFAULT_MAX_FILE_MB = 100
"""Per-file size limit: a real disclosure is well under 10 MB even as text; a bigger file is a mistake
(a disk image, a log, a symlink to a device) that would otherwise hold a batch. ``KG_MAX_FILE_MB`` changes it."""

READ_CHUNK = 1 << 20


def max_file_bytes(mb: float | None = None) -> int:
    """The limit in bytes: ``mb``, else $KG_MAX_FILE_MB, else the default."""
    if mb is None:
        raw = os.environ.get("KG_MAX_FILE_MB")
        try:
            mb = float(raw) if raw else DEFAULT_MAX_FILE_MB
        except ValueError:
            mb = DEFAULT_MAX_FILE_MB
    return int(max(mb, 0) * 1024 * 1024)


_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_file(path: Path, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; ``UnreadableFile`` for anything else.

    Never blocks on a named pipe (opened non-blocking, checked with fstat before any read), never
    reads a device or a growing file past the limit (streamed in chunks, stopped at the limit).
    """
    limit = max_file_bytes() if max_bytes is None else max_bytes
    try:
        st = os.stat(path)
    except OSError as exc:
        raise _os_problem(exc) from None
    if not stat.S_ISREG(st.st_mode):
        raise UnreadableFile("not-a-file", f"this is {_kind(st.st_mode)}, not a regular file",
                             "give budget files (or folders of them); skipped")
    if st.st_size > limit:
        raise _too_big(st.st_size, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _os_problem(exc) from None
    with os.fdopen(fd, "rb", buffering=0) as fh:
        st = os.fstat(fd)  # the file may have been swapped for a pipe since the stat above
        if not stat.S_ISREG(st.st_mode):
            raise UnreadableFile("not-a-file", f"this is {_kind(st.st_mode)}, not a regular file",
                                 "give budget files (or folders of them); skipped")
        chunks, size = [], 0
        while True:
            chunk = fh.read(min(READ_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise _too_big(size, limit)
    return b"".join(chunks)


def _too_big(size: int, limit: int) -> UnreadableFile:
    return UnreadableFile("file-too-large", f"the file is {size / 1048576:,.0f} MB, over the limit of "
                          f"{limit / 1048576:,.0f} MB per file",
                          "if it really is one budget document, raise the limit with --max-file-mb or KG_MAX_FILE_MB")


def _os_problem(exc: OSError) -> UnreadableFile:
    import errno

    what = {errno.ENOENT: ("not-found", "no such file or folder", "check the path"),
            errno.EACCES: ("unreadable", "permission denied", "check the file's permissions (chmod +r)"),
            errno.ELOOP: ("symlink-loop", "the symbolic link points to itself (a loop)", "fix or remove the link"),
            errno.EISDIR: ("not-a-file", "this is a folder", "give the folder itself, not a file in it")}
    code, message, hint = what.get(exc.errno, ("unreadable", f"cannot read the file ({exc.strerror or exc})",
                                               "check the file and its permissions"))
    return UnreadableFile(code, message, hint)


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
