"""Generate docs/cli.md from the CLI itself, so the reference cannot drift (checked by tests/test_docs.py).

    python -m kg.clidoc > docs/cli.md
"""

from __future__ import annotations

import enum
import typing

import typer.main

from kg.cli import app


def _is_argument(p) -> bool:
    return type(p).__name__.endswith("Argument")


def _kind(p) -> str:
    annotation = p.type_descriptor.annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    annotation = args[0] if args else annotation
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return " \\| ".join(str(m.value) for m in annotation)
    origin = typing.get_origin(annotation)
    if origin in (list, typing.List):
        return f"{typing.get_args(annotation)[0].__name__} …"
    return getattr(annotation, "__name__", str(annotation))


def _param(p) -> str:
    help_text = (p.help or "").replace("|", "/")
    if _is_argument(p):
        return f"| `{p.name.upper()}` | {_kind(p)} (argument) | {help_text} |"
    opts = ", ".join(f"`{o}`" for o in list(p.opts) + list(p.secondary_opts))
    default = p.default
    if isinstance(default, enum.Enum):
        default = default.value
    shown = "" if default in (None, False, "") else f" (default: {default})"
    return f"| {opts} | {'flag' if p.is_flag else _kind(p)} | {help_text}{shown} |"


def render() -> str:
    group = typer.main.get_command(app)
    lines = ["# `kg` command reference", "",
             "Generated from the code by `python -m kg.clidoc` (`make docs`); a test fails when it is out of date.", "",
             (group.help or "").strip(), "",
             "Data goes to stdout, messages and progress to stderr. Every data command takes `--format table|json|csv|tsv|nl`",
             "(`nl`: one JSON record a line; csv/tsv flatten nested fields as `source_file`) and `--json`, short for",
             "`--format json` (Chinese unescaped). Tables fit the terminal (or `$COLUMNS` when piped, else 120 columns):",
             "columns are left out by priority and the rest wrap; names are never cut. `-o -` writes to stdout.",
             "Exit status: 0 ok, 1 problems found (failed files, no hits, nothing matched), 2 usage error.", "",
             "The store lives in `$KG_HOME` (default `./.kg`).", ""]
    root = [p for p in group.params if p.name != "help"]
    if root:
        lines += ["Options of `kg` itself:", "", "| parameter | type | meaning |", "|---|---|---|",
                  *(_param(p) for p in root), ""]
    for name in sorted(group.commands):
        cmd = group.commands[name]
        params = [p for p in cmd.params if p.name != "help"]
        usage = " ".join(p.name.upper() + ("…" if p.nargs == -1 else "") if _is_argument(p) else f"[{p.opts[0]}]"
                         for p in params)
        lines += [f"## kg {name}", "", (cmd.help or "").strip(), "", "```", f"kg {name} {usage}".rstrip(), "```", ""]
        if params:
            lines += ["| parameter | type | meaning |", "|---|---|---|", *(_param(p) for p in params), ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
