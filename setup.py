"""Build hook: put the JavaScript the offline pages inline into the package at build time.

Cytoscape.js comes from the npm registry (pinned in package-lock.json). It is copied from
node_modules into kg/graph/vendor/ when an sdist or wheel is built, so an installed `kg`
never looks for a node_modules folder; an sdist carries the copy, so building a wheel from
it needs no Node. Nothing under graph/vendor/ is committed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.egg_info import egg_info
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
VENDOR = HERE / "graph" / "vendor"
ASSETS = {"cytoscape.min.js": Path("node_modules/cytoscape/dist/cytoscape.min.js")}


def vendor_assets(strict: bool = True) -> None:
    """Copy the assets from node_modules; when strict, get them (npm ci) if neither copy exists."""
    missing = [name for name, src in ASSETS.items() if not (HERE / src).is_file()]
    if strict and missing and not all((VENDOR / name).is_file() for name in missing):
        if shutil.which("npm") is None:
            raise SystemExit(f"building budget-kg needs {', '.join(missing)} from the npm registry: "
                             "install Node.js/npm (then `npm ci`) or build from the sdist, which carries them")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True)
    VENDOR.mkdir(exist_ok=True)
    for name, src in ASSETS.items():
        if (HERE / src).is_file():
            shutil.copyfile(HERE / src, VENDOR / name)


VENDOR.mkdir(exist_ok=True)  # the package folder must exist before egg_info lists packages


class BuildPy(build_py):
    def run(self):
        vendor_assets()
        super().run()


class EggInfo(egg_info):
    """Lists the files an sdist carries: copy the assets first (if node_modules has them) so they are listed."""

    def run(self):
        vendor_assets(strict=False)
        super().run()


class SDist(sdist):
    def run(self):
        vendor_assets()
        super().run()


setup(cmdclass={"build_py": BuildPy, "egg_info": EggInfo, "sdist": SDist})
