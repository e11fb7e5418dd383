"""One module per document layout. Each has NAME, DESCRIPTION, detect(doc) -> score and parse(doc).

``doc`` is the table model of one file (``kg.ingest.loaders.TableDoc``: rows, text, source).
To add a layout: write a module here with those four names and add it to LAYOUTS.
"""

from . import hebei, national, shanxi

LAYOUTS = {module.NAME: module for module in (shanxi, hebei, national)}
"""The registry: layout name → module."""
