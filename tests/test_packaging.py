"""The wheel holds every code folder: a package missing from pyproject's list works in the repo and fails installed."""

from __future__ import annotations

import tomllib

from conftest import ROOT

CODE_FOLDERS = ("kg", "ingest", "search", "graph", "ontology", "exports")


def _folder(package: str, package_dir: dict[str, str]) -> str:
    """Where setuptools looks for ``package``: the longest mapped prefix, then the rest as sub-folders."""
    parts = package.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in package_dir:
            return "/".join([package_dir[prefix], *parts[n:]])
    return "/".join(parts)


def test_every_code_folder_is_a_listed_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = {_folder(p, config["package-dir"]) for p in config["packages"]}
    found = {init.parent.relative_to(ROOT).as_posix() for top in CODE_FOLDERS
             for init in (ROOT / top).rglob("__init__.py") if ".venv" not in init.parts}
    assert found - listed == set(), "add these folders to [tool.setuptools] packages in pyproject.toml"
