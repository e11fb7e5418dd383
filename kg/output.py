"""How every `kg` command writes data: one module, so a new command gets the conventions for free.

Conventions (those of sqlite-utils): ``--format table|json|csv|tsv|nl`` on every data
command, ``--json`` as a shorthand for ``--format json``; JSON keeps Chinese unescaped;
``nl`` is newline-delimited JSON (one record a line); csv/tsv flatten nested records
(``source.file`` becomes ``source_file``, lists are joined with ``; ``). Tables fit the
width they are given: columns are dropped by priority and the rest wrap, names are never
cut short, file places are shown relative to the current folder. Data goes to stdout,
messages to stderr; ``-o -`` means stdout wherever a command writes a file.

Width: the terminal's when stdout is a terminal, else ``$COLUMNS`` when set, else
``DEFAULT_WIDTH`` (a pipe into a file or ``less`` is no reason for 240-column rows).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence

import typer
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kg.display import SafeConsole, printable

DEFAULT_WIDTH = 120
"""Table width when stdout is not a terminal and $COLUMNS is not set."""

LIST_SEPARATOR = "; "
"""How csv/tsv cells join a list of values."""


class Format(str, Enum):
    """The output formats of data commands."""

    table = "table"
    json = "json"
    csv = "csv"
    tsv = "tsv"
    nl = "nl"


FORMAT_HELP = "Output: table (fits the terminal), json, csv, tsv or nl (newline-delimited JSON)."
JSON_HELP = "Shorthand for --format json (Chinese unescaped)."


def format_option(default: Optional[Format] = None):
    """The ``--format`` option every data command takes."""
    return typer.Option(default, "--format", help=FORMAT_HELP, case_sensitive=False)


def json_option():
    """The ``--json`` shorthand every data command takes."""
    return typer.Option(False, "--json", help=JSON_HELP)


def choose(format: Optional[Format], as_json: bool) -> Format:
    """The format asked for: ``--json`` and ``--format`` together must agree."""
    if as_json and format not in (None, Format.json):
        raise typer.BadParameter(f"--json and --format {format.value} contradict each other; give one",
                                 param_hint="--json")
    return Format.json if as_json else (format or Format.table)


# ------------------------------------------------------------------ consoles


def width() -> int:
    """Columns available for a table on stdout (see the module docstring)."""
    if sys.stdout.isatty():
        return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    return columns if columns >= 20 else DEFAULT_WIDTH


def stdout() -> Console:
    """A console on the current stdout (looked up at each call, so test runners and redirections work).

    Markup is off and plain strings go through kg.display.printable: names, paths and queries are shown as
    the text they are (``[/x]`` is no tag, a newline in a file name forges no line)."""
    return SafeConsole(file=sys.stdout, width=width(), highlight=False, soft_wrap=False,
                       force_terminal=sys.stdout.isatty() or None)


def stderr() -> Console:
    return SafeConsole(file=sys.stderr, highlight=False, soft_wrap=True)


def message(text: str, markup: bool = False) -> None:
    """A line for people on stderr (plain text unless ``markup``)."""
    stderr().print(text, markup=markup)


def note(text: str) -> None:
    stderr().print(f"note: {text}", markup=False)


# ------------------------------------------------------------------ places


def relative(path: str) -> str:
    """A path as the user would type it from here: relative to the current folder when below it."""
    try:
        p = Path(path)
        if not p.is_absolute():
            return path
        rel = os.path.relpath(p, Path.cwd())
    except (ValueError, OSError):  # another drive on Windows
        return path
    return rel if not rel.startswith(".." + os.sep + "..") else path


def place(file: str, line: Optional[int] = None, page: Optional[int] = None, sheet: Optional[str] = None,
          cell: Optional[str] = None) -> str:
    """Where a reader finds a fact, path relative to here: ``examples/a.txt:12``, ``a.pdf p.3``, ``a.xlsx!表1!B7``."""
    try:  # the one place format of the record model, when it has one
        from kg.model import format_place  # type: ignore[attr-defined]
    except ImportError:
        format_place = None
    file = relative(file)
    if format_place is not None:
        return format_place(file, line, page, sheet, cell)
    if sheet:
        return f"{file}!{sheet}!{cell}" if cell else f"{file}!{sheet}"
    if page:
        return f"{file} p.{page}"
    return f"{file}:{line}" if line is not None else file


def short_iri(iri: str) -> str:
    """An IRI with the project's known prefixes (bkg:, skos: …) for people; unknown IRIs stay whole."""
    try:
        from kg.graph.rdf import PREFIXES
    except ImportError:  # pragma: no cover
        return iri
    for prefix, base in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(base):
            return f"{prefix}:{iri[len(base):]}"
    return iri


def place_from(where: str, file: str) -> str:
    """A place already written for people (``Provenance.where``, a hit's ``where``) with its path made relative."""
    return relative(file) + where[len(file):] if file and where.startswith(file) else where


def source_place(source: dict) -> str:
    """``place`` of a provenance dict as the JSON of records and hits carries it."""
    if source.get("where"):
        return place_from(source["where"], source.get("file", ""))
    return place(source.get("file", ""), source.get("line"), source.get("page"), source.get("sheet"),
                 source.get("cell"))


# ------------------------------------------------------------------ tables that fit


@dataclass(frozen=True)
class Column:
    """One column of a table view."""

    header: str
    """Shown at the top."""
    priority: int = 0
    """Lower stays longer: when the table does not fit, the highest priority numbers are dropped first."""
    min_width: int = 6
    """Narrowest the column may become by wrapping (never narrower than its widest word would need for names)."""
    justify: str = "left"
    """``right`` for amounts."""
    wrap: bool = True
    """Wrap long cells onto more lines (names, paths); False keeps a cell on one line (amounts, years)."""
    markup: bool = False
    """Cells carry rich markup (search snippets highlight the query)."""
    optional: bool = False
    """Left out, even when it would fit, while a more needed column still has to wrap (snippets, years)."""
    breaks: str = ""
    """Characters after which a wrapped cell prefers to break (``/-_.:`` for paths: whole folder names per line)."""


@dataclass
class TableView:
    """What the ``table`` format shows: columns with priorities, rows of strings, lines around it."""

    columns: Sequence[Column]
    rows: list[Sequence[str]]
    title: list[str] = field(default_factory=list)
    """Lines printed on stdout above the table (e.g. the policy's number and title)."""
    footer: list[str] = field(default_factory=list)
    """Lines printed on stdout below the table (e.g. the policy's total)."""


CELL_OVERHEAD = 2
"""Padding a column costs beside its text in the box used (SIMPLE_HEAD: one space each side)."""


def _text_width(col: Column, value: str) -> int:
    text = Text.from_markup(value).plain if col.markup else value
    return max((cell_len(line) for line in text.splitlines()), default=0)


def _natural(col: Column, values: Iterable[str]) -> int:
    return max([cell_len(col.header), *(_text_width(col, v) for v in values)])


def fit(view: TableView, total: int) -> tuple[list[int], list[int]]:
    """Indexes of the columns kept and their widths for a table ``total`` cells wide.

    Columns are taken in priority order while their narrowest acceptable widths fit; the kept
    columns then grow towards their natural width, most needed first (names before snippets).
    While a needed column must still wrap, optional columns give up their room."""
    natural = [_natural(c, [r[i] for r in view.rows]) for i, c in enumerate(view.columns)]
    narrow = [n if not c.wrap else min(n, max(c.min_width, cell_len(c.header))) for c, n in zip(view.columns, natural)]
    order = sorted(range(len(view.columns)), key=lambda i: (view.columns[i].priority, i))
    kept: list[int] = []
    used = 0
    for i in order:
        need = narrow[i] + CELL_OVERHEAD
        if used + need <= total or not kept:
            kept.append(i)
            used += need
    while True:
        widths = {i: narrow[i] for i in kept}
        room = total - sum(narrow[i] + CELL_OVERHEAD for i in kept)
        for i in kept:  # `kept` is in priority order: the most needed grow first
            give = max(0, min(natural[i] - widths[i], room))
            widths[i] += give
            room -= give
        squeezed = [i for i in kept if widths[i] < natural[i] and not view.columns[i].optional]
        optional = [i for i in kept if view.columns[i].optional
                    and any(view.columns[j].priority < view.columns[i].priority for j in squeezed)]
        if not optional:
            break
        kept.remove(optional[-1])
    kept.sort()
    return kept, [widths[i] for i in kept]


def render_table(view: TableView, console: Console) -> list[str]:
    """Print the view to fit ``console.width``; returns the headers of columns left out."""
    for line in view.title:
        console.print(line, markup=False)
    if not view.columns:
        for line in view.footer:
            console.print(line, markup=False)
        return []
    view = TableView(view.columns, [[c if col.markup else printable(c) for col, c in zip(view.columns, r)]
                                    for r in view.rows], view.title, view.footer)
    kept, widths = fit(view, console.width)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1), show_edge=False, expand=False,
                  collapse_padding=True)
    for i, w in zip(kept, widths):
        c = view.columns[i]
        table.add_column(c.header, justify=c.justify, width=w, no_wrap=not c.wrap,
                         overflow="fold" if c.wrap else "ellipsis")
    for r in view.rows:
        table.add_row(*(Text.from_markup(r[i]) if view.columns[i].markup else Text(_wrap(r[i], w, view.columns[i].breaks))
                        for i, w in zip(kept, widths)))
    console.print(table)
    for line in view.footer:
        console.print(line, markup=False)
    return [c.header for i, c in enumerate(view.columns) if i not in kept]


def _wrap(text: str, width: int, breaks: str) -> str:
    """``text`` with line breaks after ``breaks`` characters so no line is wider than ``width`` (when possible)."""
    if not breaks or cell_len(text) <= width:
        return text
    pieces, piece = [], ""
    for ch in text:
        piece += ch
        if ch in breaks:
            pieces.append(piece)
            piece = ""
    if piece:
        pieces.append(piece)
    lines, line = [], ""
    for p in pieces:
        if line and cell_len(line + p) > width:
            lines.append(line)
            line = ""
        line += p
    lines.append(line)
    return "\n".join(lines)  # a piece still too wide is folded by the table


# ------------------------------------------------------------------ records: json, nl, csv, tsv


def dumps(data: Any, indent: Optional[int] = 2) -> str:
    return json.dumps(data, ensure_ascii=False, indent=indent, default=str)


def flatten(record: dict, prefix: str = "") -> dict:
    """One level of columns for csv/tsv: nested dicts become ``outer_inner``, lists of scalars are joined."""
    flat: dict = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}_"))
        elif isinstance(value, (list, tuple)):
            if all(not isinstance(v, (dict, list, tuple)) for v in value):
                flat[name] = LIST_SEPARATOR.join("" if v is None else str(v) for v in value)
            else:
                flat[name] = dumps(value, indent=None)
        else:
            flat[name] = value
    return flat


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


class RecordWriter:
    """Writes records one at a time in nl, csv or tsv (streaming), or json (an array at the end)."""

    def __init__(self, format: Format, file=None):
        self.format = format
        self.file = file if file is not None else sys.stdout
        self.header: Optional[list[str]] = None
        self.pending: list[dict] = []

    def write(self, record: dict) -> None:
        if self.format is Format.nl:
            self.file.write(dumps(record, indent=None) + "\n")
            self.file.flush()
        elif self.format is Format.json:
            self.pending.append(record)
        else:
            flat = flatten(record)
            if self.header is None:
                self.header = list(flat)
                self._row(self.header)
            self._row([_cell(flat.get(k)) for k in self.header])

    def _row(self, cells: list[str]) -> None:
        buf = io.StringIO()
        if self.format is Format.csv:
            csv.writer(buf, lineterminator="\n").writerow(cells)
        else:  # tsv: tabs and newlines inside a cell would break the row; they become spaces
            buf.write("\t".join(c.replace("\t", " ").replace("\r", " ").replace("\n", " ") for c in cells) + "\n")
        self.file.write(buf.getvalue())
        self.file.flush()

    def close(self) -> None:
        if self.format is Format.json:
            self.file.write(dumps(self.pending) + "\n")


def write_records(records: Iterable[dict], format: Format) -> None:
    w = RecordWriter(format)
    for r in records:
        w.write(r)
    w.close()


def emit(format: Format, *, document: Any, records: Optional[Iterable[dict]] = None,
         table: Optional[Callable[[], TableView]] = None) -> None:
    """Write a command's answer in ``format``.

    ``document`` is the JSON answer (what ``--json`` always printed); ``records`` the rows of
    csv/tsv/nl (default: ``document`` itself when it is a list); ``table`` builds the table view."""
    if format is Format.json:
        sys.stdout.write(dumps(document) + "\n")
        return
    if format is Format.table:
        if table is None:
            sys.stdout.write(dumps(document) + "\n")
            return
        dropped = render_table(table(), stdout())
        if dropped:
            note(f"left out to fit {width()} columns: {', '.join(dropped)} (a wider terminal, or --format csv, shows them)")
        return
    if records is None:
        records = document if isinstance(document, list) else [document]
    write_records(records, format)


# ------------------------------------------------------------------ -o -


def is_stdout(path: Optional[Path | str]) -> bool:
    return path is not None and str(path) == "-"


@contextmanager
def output_file(path: Path | str, default_name: str) -> Iterator[Path]:
    """The path to write; for ``-`` a temporary file named ``default_name`` whose bytes go to stdout afterwards.

    Writers that pick their own file name (a suffix per format) may write beside it: every file
    the writer leaves in the temporary folder is copied out, in name order."""
    if not is_stdout(path):
        yield Path(path)
        return
    with tempfile.TemporaryDirectory(prefix="kg-out-") as tmp:
        yield Path(tmp) / default_name
        sys.stdout.flush()
        out = getattr(sys.stdout, "buffer", None)
        for f in sorted(Path(tmp).rglob("*")):
            if f.is_file():
                data = f.read_bytes()
                if out is not None:
                    out.write(data)
                else:
                    sys.stdout.write(data.decode("utf-8"))
        if out is not None:
            out.flush()
