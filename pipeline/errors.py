"""Errors with a machine-readable reason. Permanent input errors are recorded, never retried."""

from __future__ import annotations


class InputError(ValueError):
    """The input cannot be processed as an article; ``reason`` is a short stable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
