"""Errors with a machine-readable reason. Permanent input errors are recorded, never retried.

An error while processing a document is either the document's own (it fails the same way
every time: record it on the document with a short reason, never retry) or the
infrastructure's (a lock, a lost connection: retry). :func:`document_fault` tells them
apart.
"""

from __future__ import annotations

import re

from sqlalchemy.exc import DataError, DBAPIError

#: The longest failure detail recorded: a reason, never a dump of an SQL statement.
MAX_DETAIL = 300


class InputError(ValueError):
    """The input cannot be processed as an article; ``reason`` is a short stable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


#: SQLite's messages for a statement that is too big: it fails the same way every time.
_SQLITE_LIMITS = re.compile(
    r"expression tree is too large|too many sql variables|string or blob too big|"
    r"too many terms|parser stack overflow|too many columns|too many arguments",
    re.IGNORECASE,
)
#: PostgreSQL error classes of the data, not the server: 22 data exception (a value too
#: long, out of range, a NUL in text), 54 program limit exceeded (a statement too complex).
_POSTGRES_DATA_CLASSES = ("22", "54")


def document_fault(exc: BaseException) -> InputError | None:
    """``exc`` as the document's own failure (a short reason and detail), or None when it
    is an error of the infrastructure (to retry) or a bug."""
    if isinstance(exc, InputError):
        return exc
    if isinstance(exc, OverflowError):  # SQLite cannot bind an integer past 64 bits
        return InputError("database_rejected", short(str(exc)))
    if isinstance(exc, DBAPIError):
        message = short(str(exc.orig) if exc.orig is not None else str(exc))
        sqlstate = str(getattr(exc.orig, "sqlstate", "") or "")
        if (
            isinstance(exc, DataError)
            or sqlstate.startswith(_POSTGRES_DATA_CLASSES)
            or _SQLITE_LIMITS.search(message)
        ):
            return InputError("database_rejected", message)
    return None


def short(message: str, limit: int = MAX_DETAIL) -> str:
    """The first line of ``message``, at most ``limit`` characters."""
    lines = message.strip().splitlines()
    first = lines[0].strip() if lines else ""
    return first if len(first) <= limit else first[: limit - 1] + "\u2026"
