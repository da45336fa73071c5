"""Queries over the ledger. Every function is handed a session and is keyword-only;
none commits unless its name says so (``record_document`` commits: a document must be
durable before a task that refers to it is enqueued)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from pipeline.numbers import best_value, interval
from schemas.enums import ClaimKind, ClaimStatus, DocumentState
from schemas.records import ExtractedClaim, NormalisedArticle
from schemas.tables import Claim, Document, DocumentSource, StatusEvent
from schemas.types import utcnow

TERMINAL_STATES = (DocumentState.VERIFIED.value, DocumentState.FAILED.value)


class NotFound(LookupError):
    """No row with that id."""


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def record_document(
    session: Session, *, raw: bytes, file_name: str, failure: tuple[str, str] | None = None
) -> tuple[Document, bool]:
    """Record a dropped file (idempotent on its content hash) and commit.

    Returns the document and whether it is new. ``failure`` (reason, detail) records a file
    refused before processing, so that the ledger says why.
    """
    digest = content_hash(raw)
    existing = session.exec(select(Document).where(Document.content_hash == digest)).first()
    if existing is not None:
        return existing, False
    document = Document(content_hash=digest, file_name=file_name, size_bytes=len(raw))
    if failure is not None:
        document.state = DocumentState.FAILED.value
        document.failure_reason, document.failure_detail = failure
    session.add(document)
    try:
        session.flush()
        assert document.id is not None
        if failure is None:
            session.add(DocumentSource(document_id=document.id, raw=raw))
        session.commit()
    except IntegrityError:
        # Another watcher or ingest recorded the same bytes first: that row is the document.
        session.rollback()
        existing = session.exec(select(Document).where(Document.content_hash == digest)).one()
        return existing, False
    return document, True


def get_document(session: Session, *, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound(f"no document #{document_id}")
    return document


def get_raw(session: Session, *, document_id: int) -> bytes:
    source = session.get(DocumentSource, document_id)
    if source is None:
        raise NotFound(f"no stored bytes for document #{document_id}")
    return source.raw


def set_state(
    session: Session,
    *,
    document: Document,
    state: DocumentState,
    reason: str | None = None,
    detail: str | None = None,
) -> None:
    document.state = state.value
    if state is DocumentState.FAILED:
        document.failure_reason, document.failure_detail = reason, detail
    document.updated_at = utcnow()
    session.add(document)


def store_article(session: Session, *, document: Document, article: NormalisedArticle) -> None:
    document.text = article.text
    document.title = article.title
    document.outlet = article.outlet
    document.byline = article.byline
    document.published = article.published
    document.date_source = article.date_source.value
    document.wire = article.wire
    set_state(session, document=document, state=DocumentState.NORMALISED)


def fingerprint(claim: ExtractedClaim) -> str:
    """The gold rule's identity of a claim within its article: kind, value, upper, speaker."""
    value = claim.value.isoformat() if isinstance(claim.value, date) else claim.value
    extra = "|".join(f for f in claim.flags if not f.startswith("period:"))
    return f"{claim.kind}|{value}|{claim.value_high}|{claim.speaker.casefold()}|{extra}"


def add_claims(
    session: Session,
    *,
    document: Document,
    claims: Sequence[ExtractedClaim],
    scope_of: dict[int, str],
    origin_of: dict[int, str],
    tolerance: float,
) -> list[Claim]:
    """Add the document's claims; a claim already stored (same fingerprint) is kept as is,
    so extracting a document twice changes nothing."""
    stored = {
        c.fingerprint: c
        for c in session.exec(select(Claim).where(Claim.document_id == document.id)).all()
    }
    result: list[Claim] = []
    for index, extracted in enumerate(claims):
        key = fingerprint(extracted)
        if key in stored:
            result.append(stored[key])
            continue
        low: float | None = None
        high: float | None = None
        if isinstance(extracted.value, int):
            lo, hi = interval(
                extracted.value, extracted.value_high, extracted.qualifier, tolerance=tolerance
            )
            low, high = lo, (None if hi == float("inf") else hi)
        claim = Claim(
            document_id=document.id,  # type: ignore[arg-type]
            fingerprint=key,
            kind=extracted.kind,
            value=extracted.value if isinstance(extracted.value, int) else None,
            value_date=extracted.value if isinstance(extracted.value, date) else None,
            value_high=extracted.value_high,
            qualifier=extracted.qualifier,
            vague=extracted.vague,
            low=low,
            high=high,
            casualty_type=extracted.casualty_type,
            victims=extracted.victims,
            location=extracted.location,
            scope=scope_of[index],
            speaker=extracted.speaker,
            origin=origin_of[index],
            quote=extracted.quote,
            start=extracted.start,
            end=extracted.end,
            as_of=extracted.as_of,
            flags=",".join(extracted.flags),
            status=ClaimStatus.UNCONFIRMED.value,
        )
        session.add(claim)
        stored[key] = claim
        result.append(claim)
    session.flush()
    return result


#: What verification reads of a claim, in the order ``verify.View.from_row`` takes them.
VERIFICATION_COLUMNS = ("id", "kind", "value", "value_high", "value_date", "qualifier",
                         "origin", "as_of", "status", "flags")  # fmt: skip


def _verification_columns() -> list[Any]:
    return [Claim.__table__.c[name] for name in VERIFICATION_COLUMNS]  # type: ignore[attr-defined]


def claim_rows_in_scope(session: Session, *, kind: str, scope: str) -> list[tuple[Any, ...]]:
    """The columns verification needs, for every claim of one proposition (no ORM objects,
    no quotes: a proposition may hold thousands of claims)."""
    query = (
        sa_select(*_verification_columns())
        .where(col(Claim.kind) == kind, col(Claim.scope) == scope)
        .order_by(col(Claim.id))
    )
    return [tuple(row) for row in session.execute(query).all()]


_SETTLED = ("superseded", "confirmed", "refuted")


def claim_rows_near(
    session: Session,
    *,
    kind: str,
    scope: str,
    new_ids: set[int],
    window_days: int,
    tolerance: float,
) -> list[tuple[Any, ...]] | None:
    """The claims of a proposition that new claims can matter to, without reading the rest:
    those within the window of the new claims' dates (same moment), later ones that differ
    from a new figure (they supersede it), and earlier unsettled ones that differ from a new
    figure (it supersedes them). None when the new claims have no date or no figure, in
    which case the caller reads the whole proposition."""
    claim = Claim.__table__  # type: ignore[attr-defined]
    columns = _verification_columns()
    new_rows = session.execute(sa_select(*columns).where(claim.c.id.in_(new_ids))).all()
    if not new_rows or any(r.as_of is None or r.value is None for r in new_rows):
        return None
    low = min(r.as_of for r in new_rows) - timedelta(days=window_days)
    high = max(r.as_of for r in new_rows) + timedelta(days=window_days)
    central = case(
        (claim.c.value_high.is_not(None), (claim.c.value + claim.c.value_high) / 2.0),
        else_=claim.c.value * 1.0,
    )

    def differs(value: float) -> Any:
        # verify._differs in SQL: the best values are more than the tolerance apart
        return func.abs(central - value) > tolerance * case((central > value, central), else_=value)

    figures = {best_value(r.value, r.value_high) for r in new_rows}
    in_scope = (claim.c.kind == kind, claim.c.scope == scope)
    query = (
        sa_select(*columns)
        .where(*in_scope)
        .where(
            or_(
                claim.c.as_of.between(low, high),
                claim.c.as_of.is_(None),
                claim.c.id.in_(new_ids),
                and_(
                    claim.c.as_of < low,
                    claim.c.status.not_in(_SETTLED),
                    or_(*(differs(f) for f in figures)),
                ),
            )
        )
    )
    rows = {row.id: tuple(row) for row in session.execute(query).all()}
    # A new figure is superseded by the newest later figure that differs from it: one row
    # each, however many later claims there are.
    for row in new_rows:
        later = session.execute(
            sa_select(*columns)
            .where(*in_scope, claim.c.as_of > row.as_of + timedelta(days=window_days))
            .where(differs(best_value(row.value, row.value_high)))
            .order_by(claim.c.as_of.desc(), claim.c.id.desc())
            .limit(1)
        ).first()
        if later is not None:
            rows[later.id] = tuple(later)
    return [rows[i] for i in sorted(rows)]


def drill_end_dates(session: Session) -> list[date]:
    """The drills' end dates the ledger holds (not refuted, none itself read from the story),
    one per claim: what an undated "Sunday" is resolved against."""
    claim = Claim.__table__  # type: ignore[attr-defined]
    query = sa_select(claim.c.value_date).where(
        claim.c.kind == ClaimKind.DRILL_END_DATE.value,
        claim.c.value_date.is_not(None),
        claim.c.status != ClaimStatus.REFUTED.value,
        claim.c.flags.not_like("%date_from_story%"),
    )
    return [row[0] for row in session.execute(query).all()]


def claims_with_events(session: Session, *, ids: Sequence[int]) -> set[int]:
    if not ids:
        return set()
    rows = session.exec(
        select(StatusEvent.claim_id).where(col(StatusEvent.claim_id).in_(ids)).distinct()
    ).all()
    return set(rows)


def add_event(
    session: Session,
    *,
    claim: Claim,
    new_status: str,
    reason: str,
    cause_claim_id: int | None = None,
    actor: str = "verifier",
) -> StatusEvent:
    """Change a claim's status and write the event that says why."""
    last_seq = session.exec(
        select(func.max(StatusEvent.seq)).where(StatusEvent.claim_id == claim.id)
    ).one()
    event = StatusEvent(
        claim_id=claim.id,  # type: ignore[arg-type]
        seq=(last_seq or 0) + 1,
        old_status=claim.status if last_seq else None,
        new_status=new_status,
        reason=reason,
        cause_claim_id=cause_claim_id,
        actor=actor,
    )
    claim.status = new_status
    claim.updated_at = utcnow()
    session.add(claim)
    session.add(event)
    return event


@dataclass(frozen=True)
class ClaimRow:
    """A claim with its document. From ``list_claims`` both are read-only rows with the
    tables' column names as attributes (no ORM objects: a listing may hold thousands)."""

    claim: Any
    document: Any


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    file_name: str
    outlet: str | None
    published: date | None


def list_claims(
    session: Session,
    *,
    status: str | None = None,
    kind: str | None = None,
    limit: int | None = None,
    include_unscored: bool = True,
) -> list[ClaimRow]:
    claim, document = Claim.__table__, Document.__table__  # type: ignore[attr-defined]
    query = sa_select(claim, document.c.file_name, document.c.outlet, document.c.published).join(
        document, document.c.id == claim.c.document_id
    )
    if status:
        query = query.where(claim.c.status == status)
    if kind:
        query = query.where(claim.c.kind == kind)
    if not include_unscored:
        query = query.where(claim.c.vague.is_(False))
    query = query.order_by(claim.c.kind, claim.c.id)
    if limit:
        query = query.limit(limit)
    return [
        ClaimRow(row, DocumentInfo(row.document_id, row.file_name, row.outlet, row.published))
        for row in session.execute(query).all()
    ]


def get_claim(session: Session, *, claim_id: int) -> ClaimRow:
    row = session.exec(
        select(Claim, Document)
        .join(Document, col(Document.id) == col(Claim.document_id))
        .where(Claim.id == claim_id)
    ).first()
    if row is None:
        raise NotFound(f"no claim #{claim_id}")
    return ClaimRow(*row)


def history(session: Session, *, claim_id: int) -> list[StatusEvent]:
    return list(
        session.exec(
            select(StatusEvent)
            .where(StatusEvent.claim_id == claim_id)
            .order_by(col(StatusEvent.seq))
        ).all()
    )


def list_documents(session: Session, *, state: str | None = None) -> list[Document]:
    query = select(Document).order_by(col(Document.id))
    if state:
        query = query.where(Document.state == state)
    return list(session.exec(query).all())


def document_states(session: Session, *, ids: Sequence[int]) -> dict[int, str]:
    rows = session.exec(select(Document.id, Document.state).where(col(Document.id).in_(ids))).all()
    return {int(i): s for i, s in rows if i is not None}


def unfinished_documents(session: Session, *, idle_seconds: float = 0) -> list[int]:
    """Documents recorded but not yet verified or failed, untouched for ``idle_seconds``:
    what reconcile sends again."""
    query = select(Document.id).where(col(Document.state).not_in(TERMINAL_STATES))
    if idle_seconds > 0:
        query = query.where(col(Document.updated_at) < utcnow() - timedelta(seconds=idle_seconds))
    rows = session.exec(query.order_by(col(Document.id))).all()
    return [int(i) for i in rows if i is not None]


def claims_of_document(session: Session, *, document_id: int) -> list[Claim]:
    return list(
        session.exec(
            select(Claim).where(Claim.document_id == document_id).order_by(col(Claim.id))
        ).all()
    )


def propositions(session: Session) -> list[tuple[str, str, list[Claim]]]:
    """Every (kind, scope) with its claims, in a stable order."""
    rows = session.exec(
        select(Claim).order_by(col(Claim.kind), col(Claim.scope), col(Claim.id))
    ).all()
    grouped: dict[tuple[str, str], list[Claim]] = {}
    for claim in rows:
        grouped.setdefault((claim.kind, claim.scope), []).append(claim)
    return [(kind, scope, claims) for (kind, scope), claims in grouped.items()]


def set_verdict(
    session: Session, *, claim_id: int, verdict: ClaimStatus, note: str, reviewer: str
) -> StatusEvent:
    """A reviewer's verdict (confirmed or refuted): it sticks, verification never changes it."""
    if not verdict.is_verdict:
        raise ValueError(f"a verdict is confirmed or refuted, not {verdict.value}")
    if not note.strip():
        raise ValueError("a verdict needs a note saying why")
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"no claim #{claim_id}")
    return add_event(
        session,
        claim=claim,
        new_status=verdict.value,
        reason=note.strip(),
        actor=f"reviewer {reviewer}",
    )
