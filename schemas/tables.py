"""The ledger: documents, their raw bytes, claims and the history of claim statuses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Text,
)
from sqlalchemy import UniqueConstraint as Unique
from sqlmodel import Field, SQLModel

from schemas.enums import ClaimStatus, DateSource, DocumentState, WebhookState
from schemas.types import UTCDateTime, utcnow


def _timestamp() -> datetime:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class DocumentBase(SQLModel):
    content_hash: str = Field(max_length=64, unique=True, index=True)
    file_name: str = Field(max_length=512)
    size_bytes: int = 0
    outlet: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=1000)
    byline: str | None = Field(default=None, max_length=500)
    published: date | None = None
    date_source: str = Field(default=DateSource.NONE.value, max_length=20)
    url: str | None = Field(default=None, max_length=2000)
    state: str = Field(default=DocumentState.RECEIVED.value, max_length=20, index=True)
    failure_reason: str | None = Field(default=None, max_length=60)
    failure_detail: str | None = Field(default=None, sa_type=Text)
    claim_count: int | None = None


class Document(DocumentBase, table=True):
    __tablename__ = "document"

    id: int | None = Field(default=None, primary_key=True)
    text: str | None = Field(default=None, sa_type=Text)
    #: The wire agency the article credits (AFP, Reuters, ...), if any.
    wire: str | None = Field(default=None, max_length=60)
    #: The earlier document this one nearly duplicates (republished wire copy).
    copy_of_id: int | None = Field(default=None, foreign_key="document.id")
    #: MinHash signature of the text's word shingles, for near-duplicate detection.
    minhash: bytes | None = Field(default=None, sa_type=LargeBinary)
    #: Metadata keys beyond title/outlet/published/url/author (front matter, manifest).
    extra_metadata: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    #: Where each metadata value came from: {"published": "front_matter", "outlet": "cli"}.
    metadata_sources: dict[str, str] | None = Field(default=None, sa_type=JSON)
    #: What was wrong with the metadata: unreadable front matter, a value not applied.
    metadata_warnings: list[str] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class DocumentSource(SQLModel, table=True):
    """The bytes as dropped, so that a worker on any machine can (re)process them."""

    __tablename__ = "document_source"

    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("document.id", ondelete="CASCADE"), primary_key=True)
    )
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class DocumentBand(SQLModel, table=True):
    """Locality-sensitive hashing buckets of a document's MinHash: documents that share a
    bucket in any band are candidate near-duplicates (an indexed lookup, not a scan)."""

    __tablename__ = "document_band"

    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("document.id", ondelete="CASCADE"), primary_key=True)
    )
    band: int = Field(primary_key=True)
    bucket: int = Field(sa_type=BigInteger, index=True)


class ClaimBase(SQLModel):
    kind: str = Field(max_length=30, index=True)
    value: int | None = Field(default=None, sa_type=BigInteger)
    value_high: int | None = Field(default=None, sa_type=BigInteger)
    value_date: date | None = None
    qualifier: str = Field(default="exact", max_length=20)
    vague: bool = False
    # The interval the claim stands for; None is unbounded.
    low: float | None = Field(default=None, sa_type=Float)
    high: float | None = Field(default=None, sa_type=Float)
    casualty_type: str | None = Field(default=None, max_length=30)
    victims: str | None = Field(default=None, max_length=200)
    location: str | None = Field(default=None, max_length=300)
    scope: str = Field(default="", max_length=200, index=True)
    speaker: str = Field(default="", max_length=300)
    origin: str = Field(default="", max_length=300)
    quote: str = Field(sa_type=Text)
    start: int
    end: int
    as_of: date | None = None
    flags: str = Field(default="", max_length=200)
    status: str = Field(default=ClaimStatus.UNCONFIRMED.value, max_length=20, index=True)


class Claim(ClaimBase, table=True):
    __tablename__ = "claim"
    __table_args__ = (
        Unique("document_id", "fingerprint", name="uq_claim_document_fingerprint"),
        # Verification reads one proposition around a date; listings filter by status.
        Index("ix_claim_proposition_as_of", "kind", "scope", "as_of"),
        Index("ix_claim_status_kind", "status", "kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("document.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    #: kind|value|value_high|speaker: the gold rule's "one claim per figure per speaker".
    fingerprint: str = Field(max_length=400)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class StatusEvent(SQLModel, table=True):
    __tablename__ = "status_event"
    __table_args__ = (Unique("claim_id", "seq", name="uq_status_event_claim_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("claim.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    seq: int
    old_status: str | None = Field(default=None, max_length=20)
    new_status: str = Field(max_length=20)
    reason: str = Field(sa_type=Text)
    cause_claim_id: int | None = Field(default=None, foreign_key="claim.id")
    actor: str = Field(default="verifier", max_length=100)
    created_at: datetime = _timestamp()


class WebhookDelivery(SQLModel, table=True):
    """One status change to be sent to ``CLAIMTRACK_WEBHOOK_URL`` (an outbox row, written in
    the transaction that wrote the event): pending until the receiver answers 2xx, failed
    with the last error once the retries are spent. Nothing is dropped."""

    __tablename__ = "webhook_delivery"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("status_event.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    state: str = Field(default=WebhookState.PENDING.value, max_length=20, index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    response_status: int | None = None
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
