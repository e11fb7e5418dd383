"""The competency queries shipped with the package (exports/queries/*.rq), read as package data.

Read through importlib.resources, so ``kg sparql --query NAME`` works after ``pip install``
where the repository's paths do not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class BundledQuery:
    name: str
    """File stem, e.g. ``a_projects_citing_policy``; also reachable by its letter (``a``)."""
    description: str
    """The leading ``#`` comment lines, joined: what the query asks."""
    text: str
    """The SPARQL text as shipped."""

    def as_dict(self) -> dict:
        return {"name": self.name, "description": self.description, "text": self.text}


def bundled_queries() -> dict[str, BundledQuery]:
    """Name → query, in name order."""
    folder = resources.files("kg.exports").joinpath("queries")
    out = {}
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".rq"):
            continue
        text = item.read_text(encoding="utf-8")
        comments = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            comments.append(line.lstrip("# ").strip())
        name = item.name[:-3]
        out[name] = BundledQuery(name, " ".join(comments), text)
    return out


def find_query(name: str) -> BundledQuery | None:
    """A bundled query by its full name, its name with ``.rq``, or its letter (``a`` → ``a_projects_citing_policy``)."""
    queries = bundled_queries()
    name = name.removesuffix(".rq")
    if name in queries:
        return queries[name]
    by_letter = [q for n, q in queries.items() if n.split("_", 1)[0] == name]
    return by_letter[0] if len(by_letter) == 1 else None
