"""The closed vocabularies of the ledger. Stored as plain strings in the database."""

from __future__ import annotations

from enum import StrEnum


class ClaimKind(StrEnum):
    TROOP_COUNT = "troop_count"
    DRILL_END_DATE = "drill_end_date"
    CASUALTY_COUNT = "casualty_count"


class Qualifier(StrEnum):
    EXACT = "exact"
    APPROX = "approx"
    MORE_THAN = "more_than"
    AT_LEAST = "at_least"
    UP_TO = "up_to"
    LESS_THAN = "less_than"


class CasualtyType(StrEnum):
    KILLED = "killed"
    WOUNDED = "wounded"
    KILLED_OR_WOUNDED = "killed_or_wounded"
    MISSING = "missing"


class ClaimStatus(StrEnum):
    UNCONFIRMED = "unconfirmed"
    CORROBORATED = "corroborated"
    DISPUTED = "disputed"
    SUPERSEDED = "superseded"
    # Reviewer verdicts: set by hand, never overwritten by verification.
    CONFIRMED = "confirmed"
    REFUTED = "refuted"

    @property
    def is_verdict(self) -> bool:
        return self in (ClaimStatus.CONFIRMED, ClaimStatus.REFUTED)


class DocumentState(StrEnum):
    RECEIVED = "received"  # recorded in the ledger, not yet handed to the broker
    QUEUED = "queued"
    NORMALISED = "normalised"
    EXTRACTED = "extracted"
    VERIFIED = "verified"
    FAILED = "failed"


class DateSource(StrEnum):
    """How an article's publication (reference) date was found."""

    DATELINE = "dateline"  # a date line of the article ("February 15, 2022")
    ARCHIVE = "archive"  # an archive header (" date 2022-02-15")
    METADATA = "metadata"  # the HTML page's own metadata (article:published_time, <time>)
    INFERRED = "inferred"  # the most common full date in the text
    GIVEN = "given"  # supplied by the caller
    NONE = "none"  # not found: relative dates are not resolved
