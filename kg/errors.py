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
    """A query stopped at its time limit or memory budget; the message says which and what to try.

    HTTP 503 Service Unavailable, decided here and nowhere else (the server answers ``http_status``):

    * the SPARQL 1.1 Protocol ("Failure Responses" of the query operation) asks for a 4xx or 5xx code:
      400 for a query that is not SPARQL, 500 when the service fails to run it, and it allows 500 for a
      query the service refuses; any other code fitting HTTP's meaning is allowed too. The query here is
      valid, so no 4xx: 400 and 422 Unprocessable Content say "this request is wrong, do not send it
      again", yet the same query succeeds with a higher limit or on a less busy machine;
    * 503 is HTTP's code for a server declining for want of capacity (RFC 9110 15.6.4), and a budget
      per query is capacity: the operator sets it, the client may narrow the query or try later. It is
      more precise than the protocol's 500, which reads as "the service is broken";
    * not 504 Gateway Timeout, which is for a gateway or proxy whose upstream server did not answer in
      time (RFC 9110 15.6.5): kg serve is the origin server and the query process is part of it; nor 408
      Request Timeout, which is the client being slow to send its request.

    The row cap is no error: the answer is cut, sent with 200 and marked (``KG-Truncated``).
    """

    code, exit_code, http_status = "query-limit", 1, 503


class UsageError(KGError):
    """Options that do not go together, an unknown format or layout, a missing file."""

    code, exit_code, http_status = "usage", 2, 400


ERRORS = {cls.code: cls for cls in (NotFoundError, EmptyStoreError, BadQueryError, QueryLimitError, UsageError)}
"""Error classes by code."""
