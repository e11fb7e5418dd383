"""One module per document layout. Each has NAME, DESCRIPTION, detect(text) -> score and parse(text, source).

To add a layout: write a module here with those four names and add it to LAYOUTS.
"""

from . import hebei, shanxi

LAYOUTS = {module.NAME: module for module in (shanxi, hebei)}
"""The registry: layout name → module."""
