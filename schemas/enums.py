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
    """Where an article's publication (reference) date, or another metadata value (outlet,
    title, URL, byline), was found."""

    FRONT_MATTER = "front_matter"  # the file's YAML front matter
    CLI = "cli"  # `claimtrack ingest --outlet/--published/--url/--title/--author`
    MANIFEST = "manifest"  # a row of `claimtrack ingest --manifest sources.csv`
    DATELINE = "dateline"  # a date line of the article ("February 15, 2022")
    ARCHIVE = "archive"  # an archive header (" date 2022-02-15")
    METADATA = "metadata"  # the HTML page's own metadata (article:published_time, <time>)
    INFERRED = "inferred"  # read from the text: the most common full date, the first line
    GIVEN = "given"  # supplied by the caller
    NONE = "none"  # not found: relative dates are not resolved

    @property
    def is_stated(self) -> bool:
        """Stated about the article (by its file, its page or the user), not read from its
        prose: a stated value is never replaced, and one read from the text gives way."""
        return self not in (DateSource.DATELINE, DateSource.INFERRED, DateSource.NONE)


class WebhookState(StrEnum):
    """Where a status-change alert stands (``webhook_delivery.state``)."""

    PENDING = "pending"  # written with the event; sent or being retried
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # every retry spent; the last error is recorded
