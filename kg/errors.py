"""The one family of errors the application layer raises, with stable codes.

A front end maps them without knowing where they came from: the CLI exits with
``exit_code`` (1 nothing found / problems, 2 usage), the server answers with
``http_status``. Problems inside documents are data (kg.model.Problem), not these.
"""

from __future__ import annotations

from typing import Optional


class KGError(Exception):
    """Something the user can act on: what is wrong (``message``) and what to try (``hint``)."""

    code = "error"
    """Stable machine code, e.g. ``not-found``."""
    exit_code = 1
    """CLI exit code: 1 problems found, 2 usage."""
    http_status = 500
    """HTTP status a server answers with."""

    def __init__(self, message: str, hint: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "hint": self.hint}


class NotFoundError(KGError):
    """Nothing matches the name, number or query given."""

    code, exit_code, http_status = "not-found", 1, 404


class EmptyStoreError(KGError):
    """The store holds no documents yet."""

    code, exit_code, http_status = "empty-store", 1, 409

    def __init__(self, message: str = "the store is empty", hint: Optional[str] = "run `kg ingest PATH` first"):
        super().__init__(message, hint)


class BadQueryError(KGError):
    """A search or SPARQL query that cannot run (syntax, update, too long, empty)."""

    code, exit_code, http_status = "bad-query", 2, 400


class QueryLimitError(KGError):
    """A query stopped at its time limit or memory budget; the message says which and what to try."""

    code, exit_code, http_status = "query-limit", 1, 422


class UsageError(KGError):
    """Options that do not go together, an unknown format or layout, a missing file."""

    code, exit_code, http_status = "usage", 2, 400


ERRORS = {cls.code: cls for cls in (NotFoundError, EmptyStoreError, BadQueryError, QueryLimitError, UsageError)}
"""Error classes by code."""
