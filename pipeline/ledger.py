"""Queries over the ledger. Every function is handed a session and is keyword-only;
none commits unless its name says so (``record_document`` commits: a document must be
durable before a task that refers to it is enqueued)."""

from __future__ import annotations

import hashlib
import unicodedata
from collections import namedtuple
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, func, literal, or_, text, true
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from pipeline import metadata
from pipeline.numbers import best_value, interval
from schemas.enums import ClaimKind, ClaimStatus, DateSource, DocumentState
from schemas.records import DocumentMetadata, ExtractedClaim, NormalisedArticle
from schemas.tables import Claim, Document, DocumentSource, StatusEvent
from schemas.types import utcnow

TERMINAL_STATES = (DocumentState.VERIFIED.value, DocumentState.FAILED.value)


class NotFound(LookupError):
    """No row with that id."""


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


#: Unicode categories that must not reach a terminal or a page as they are: controls
#: (escape codes), format characters (text direction overrides), surrogates (bytes of a
#: name that is not UTF-8), private and unassigned code points, line separators.
_UNPRINTABLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def printable(text: str) -> str:
    """``text`` with every character that is not printable written as its escape
    (``\\x1b``, ``\\u202e``): a file name is shown as what it is, never obeyed."""
    return "".join(
        ch.encode("unicode_escape", "backslashreplace").decode("ascii")
        if unicodedata.category(ch) in _UNPRINTABLE
        else ch
        for ch in text
    )


def fit_columns(row: SQLModel) -> None:
    """Cut every text value to its column's length, with an ellipsis: PostgreSQL refuses a
    longer value (an outlet named in 300 characters would fail its document); SQLite
    would keep it whole."""
    for column in row.__table__.columns:  # type: ignore[attr-defined]
        length = getattr(column.type, "length", None)
        value = getattr(row, column.key, None)
        if length and isinstance(value, str) and len(value) > length:
            setattr(row, column.key, value[: length - 1] + "\u2026")


def record_document(
    session: Session,
    *,
    raw: bytes,
    file_name: str,
    failure: tuple[str, str] | None = None,
    given: DocumentMetadata | None = None,
) -> tuple[Document, bool]:
    """Record a dropped file (idempotent on its content hash) and commit.

    Returns the document and whether it is new. ``failure`` (reason, detail) records a file
    refused before processing, so that the ledger says why. ``given`` metadata (from the
    command line or a manifest) is stored with a new document; for one that exists
    already, see :func:`add_metadata`.
    """
    digest = content_hash(raw)
    existing = session.exec(select(Document).where(Document.content_hash == digest)).first()
    if existing is not None:
        return existing, False
    document = Document(content_hash=digest, file_name=printable(file_name), size_bytes=len(raw))
    if given is not None:
        set_metadata(document, given)
    if failure is not None:
        document.state = DocumentState.FAILED.value
        document.failure_reason, document.failure_detail = failure
    fit_columns(document)
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


def file_name_of(session: Session, *, document_id: int) -> str:
    document = Document.__table__  # type: ignore[attr-defined]
    name = session.execute(
        sa_select(document.c.file_name).where(document.c.id == document_id)
    ).scalar_one_or_none()
    if name is None:
        raise NotFound(f"no document #{document_id}")
    return str(name)


def get_raw(session: Session, *, document_id: int) -> bytes:
    source = session.get(DocumentSource, document_id)
    if source is None:
        raise NotFound(f"no stored bytes for document #{document_id}")
    return source.raw


def source_of(session: Session, *, document_id: int) -> tuple[str, bool, str, bytes | None]:
    """In one query: a document's state, whether it holds its normalised text, its file
    name and its stored bytes (None if it has none)."""
    document = Document.__table__  # type: ignore[attr-defined]
    source = DocumentSource.__table__  # type: ignore[attr-defined]
    row = session.execute(
        sa_select(document.c.state, document.c.text.is_not(None), document.c.file_name,
                  source.c.raw)
        .select_from(document.outerjoin(source, source.c.document_id == document.c.id))
        .where(document.c.id == document_id)
    ).first()  # fmt: skip
    if row is None:
        raise NotFound(f"no document #{document_id}")
    state, has_text, file_name, raw = row
    return str(state), bool(has_text), str(file_name), raw


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
    fit_columns(document)
    session.add(document)


def store_article(session: Session, *, document: Document, article: NormalisedArticle) -> None:
    """The normalised text, and the article's metadata merged into what the document holds
    (metadata given at ingest stays; see ``pipeline.metadata.merge``)."""
    document.text = article.text
    set_metadata(
        document, metadata.merge(document_metadata(document), metadata.of_article(article))
    )
    document.wire = article.wire
    set_state(session, document=document, state=DocumentState.NORMALISED)


def document_metadata(document: Any) -> DocumentMetadata:
    """The metadata a document row holds (a ``Document`` or a row with its columns)."""
    sources = {k: DateSource(v) for k, v in (document.metadata_sources or {}).items()}
    if document.published is not None and "published" not in sources:
        sources["published"] = DateSource(document.date_source)  # recorded before sources were
    return DocumentMetadata(
        title=document.title, outlet=document.outlet, byline=document.byline,
        published=document.published, url=document.url, extra=dict(document.extra_metadata or {}),
        sources=sources, warnings=tuple(document.metadata_warnings or ()),
    )  # fmt: skip


def set_metadata(document: Document, given: DocumentMetadata) -> None:
    document.title, document.outlet, document.byline = given.title, given.outlet, given.byline
    document.published, document.url = given.published, given.url
    document.date_source = given.sources.get("published", DateSource.NONE).value
    document.extra_metadata = dict(given.extra) or None
    document.metadata_sources = {k: v.value for k, v in given.sources.items()} or None
    document.metadata_warnings = list(given.warnings) or None


def add_metadata(
    session: Session, *, document: Document, given: DocumentMetadata
) -> tuple[list[str], list[str]]:
    """Metadata given for a document that exists already (the same bytes ingested again):
    fields it lacks are filled, nothing it holds is overwritten (``metadata.merge``).
    Returns the fields filled and the warnings added (values not applied). No commit."""
    held = document_metadata(document)
    merged = metadata.merge(held, given)
    filled = [n for n in (*metadata.FIELDS, *merged.extra) if _value(merged, n) != _value(held, n)]
    added = [w for w in merged.warnings if w not in held.warnings]
    if filled or added:
        set_metadata(document, merged)
        document.updated_at = utcnow()
        session.add(document)
    return filled, added


def _value(given: DocumentMetadata, name: str) -> Any:
    return getattr(given, name) if name in metadata.FIELDS else given.extra.get(name)


def fingerprint(claim: ExtractedClaim) -> str:
    """The gold rule's identity of a claim within its article: kind, value, upper, speaker."""
    value = claim.value.isoformat() if isinstance(claim.value, date) else claim.value
    extra = "|".join(f for f in claim.flags if not f.startswith("period:"))
    key = f"{claim.kind}|{value}|{claim.value_high}|{claim.speaker.casefold()}|{extra}"
    if len(key) > _FINGERPRINT_LENGTH:  # a long speaker: keep the key whole as a hash
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        key = f"{key[: _FINGERPRINT_LENGTH - 17]}#{digest}"
    return key


_FINGERPRINT_LENGTH = 400  # Claim.fingerprint's column


def add_claims(
    session: Session,
    *,
    document: Document,
    claims: Sequence[ExtractedClaim],
    scope_of: dict[int, str],
    origin_of: dict[int, str],
    tolerance: float,
) -> list[Claim]:
    """Add the document's claims and set its ``claim_count``; a claim already stored (same
    fingerprint) is kept as is, so extracting a document twice changes nothing. Flushes
    once, with whatever else the session holds."""
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
        fit_columns(claim)
        session.add(claim)
        stored[key] = claim
        result.append(claim)
    document.claim_count = len(result)
    session.add(document)
    session.flush()
    return result


#: What verification reads of a claim, in the order ``verify.View.from_row`` takes them.
VERIFICATION_COLUMNS = ("id", "kind", "value", "value_high", "value_date", "qualifier",
                         "origin", "as_of", "status", "flags")  # fmt: skip


_Row = namedtuple("_Row", VERIFICATION_COLUMNS)  # type: ignore[misc]


def _verification_columns() -> list[Any]:
    return [Claim.__table__.c[name] for name in VERIFICATION_COLUMNS]  # type: ignore[attr-defined]


def claim_rows_in_scope(
    session: Session, *, kind: str, scope: str, limit: int | None = None
) -> list[tuple[Any, ...]]:
    """The columns verification needs, for every claim of one proposition (no ORM objects,
    no quotes: a proposition may hold thousands of claims); the first ``limit`` by id when
    given."""
    query = (
        sa_select(*_verification_columns())
        .where(col(Claim.kind) == kind, col(Claim.scope) == scope)
        .order_by(col(Claim.id))
    )
    if limit is not None:
        query = query.limit(limit)
    return [tuple(row) for row in session.execute(query).all()]


def claim_rows_of_document(
    session: Session, *, document_id: int
) -> list[tuple[str, tuple[Any, ...]]]:
    """Each claim of one document: its scope, and the columns verification needs."""
    claim = Claim.__table__  # type: ignore[attr-defined]
    query = (
        sa_select(claim.c.scope, *_verification_columns())
        .where(claim.c.document_id == document_id)
        .order_by(claim.c.id)
    )
    return [(str(row[0]), tuple(row[1:])) for row in session.execute(query).all()]


_SETTLED = ("superseded", "confirmed", "refuted")


def _new_claim_rows(
    session: Session, new_ids: set[int], new_rows: Sequence[Any] | None
) -> list[Any]:
    """The new claims' verification rows (named fields), as the caller read them or read
    here (their figures and dates never change)."""
    if new_rows is None:
        claim = Claim.__table__  # type: ignore[attr-defined]
        query = sa_select(*_verification_columns()).where(claim.c.id.in_(new_ids))
        new_rows = session.execute(query).all()
    return [_Row(*row[: len(VERIFICATION_COLUMNS)]) for row in new_rows]


def _rows_where(session: Session, *conditions: Any) -> dict[int, tuple[Any, ...]]:
    """The verification rows of the claims meeting ``conditions``, by id."""
    query = sa_select(*_verification_columns()).where(*conditions)
    return {row.id: tuple(row) for row in session.execute(query).all()}


def _newest(session: Session, *conditions: Any) -> tuple[Any, ...] | None:
    """The newest claim (by as-of date, then id) meeting ``conditions``: one row, however
    many claims meet them."""
    claim = Claim.__table__  # type: ignore[attr-defined]
    row = session.execute(
        sa_select(*_verification_columns())
        .where(*conditions)
        .order_by(claim.c.as_of.desc(), claim.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else tuple(row)


def claim_rows_near(
    session: Session,
    *,
    kind: str,
    scope: str,
    new_ids: set[int],
    window_days: int,
    tolerance: float,
    new_rows: Sequence[Any] | None = None,
) -> list[tuple[Any, ...]] | None:
    """The claims of a proposition that new claims can matter to, without reading the rest:
    those within the window of the new claims' dates (same moment), later ones that differ
    from a new figure (they supersede it), and earlier unsettled ones that differ from a new
    figure (it supersedes them). None when the new claims have no date or no figure, in
    which case the caller reads the whole proposition. ``new_rows``: the new claims' rows
    when the caller has read them (their figures and dates never change)."""
    claim = Claim.__table__  # type: ignore[attr-defined]
    new = _new_claim_rows(session, new_ids, new_rows)
    if not new or any(r.as_of is None or r.value is None for r in new):
        return None
    window = timedelta(days=window_days)
    low, high = min(r.as_of for r in new) - window, max(r.as_of for r in new) + window
    central = case(
        (claim.c.value_high.is_not(None), (claim.c.value + claim.c.value_high) / 2.0),
        else_=claim.c.value * 1.0,
    )

    def differs(value: float) -> Any:
        # verify._differs in SQL: the best values are more than the tolerance apart
        return func.abs(central - value) > tolerance * case((central > value, central), else_=value)

    figures = {best_value(r.value, r.value_high) for r in new}
    # One term per figure: past a few dozen the OR nests deeper than SQLite parses
    # ("Expression tree is too large"), and nearly every claim differs from one of them
    # anyway, so every earlier unsettled claim is read (more rows are always safe).
    differs_from_new = or_(*(differs(f) for f in figures)) if len(figures) <= 32 else true()
    in_scope = (claim.c.kind == kind, claim.c.scope == scope)
    rows = _rows_where(
        session,
        *in_scope,
        or_(
            # twice the window: a claim a new one moves is judged by its own window
            claim.c.as_of.between(low - window, high + window),
            claim.c.as_of.is_(None),
            claim.c.id.in_(new_ids),
            and_(claim.c.as_of < low, claim.c.status.not_in(_SETTLED), differs_from_new),
        ),
    )
    # A new figure is superseded by the newest later figure that differs from it: one row
    # each, however many later claims there are.
    for row in new:
        later = _newest(
            session, *in_scope, claim.c.as_of > row.as_of + window,
            differs(best_value(row.value, row.value_high)),
        )  # fmt: skip
        if later is not None:
            rows[later[0]] = later
    return [rows[i] for i in sorted(rows)]


def _has_mark(mark: str) -> Any:
    """Whether a claim's comma-separated ``flags`` hold ``mark`` (as ``verify.View`` reads
    them: a whole item, not part of one)."""
    claim = Claim.__table__  # type: ignore[attr-defined]
    return (literal(",") + claim.c.flags + literal(",")).like(f"%,{mark},%")


def drill_rows_near(
    session: Session,
    *,
    kind: str,
    scope: str,
    new_ids: set[int],
    window_days: int,
    new_rows: Sequence[Any] | None = None,
) -> list[tuple[Any, ...]] | None:
    """``claim_rows_near`` for a fixed fact (the drills' end date), which has no time window
    of its own: the claims within the window of the new ones' dates (they corroborate or
    dispute each other), every unconfirmed claim (any new report may move one), the
    unsettled ones a new claim can supersede (earlier, with another date; or any earlier
    one, when a new claim reports the drills extended), and for each new claim the newest
    report that supersedes it, if any. None when a new claim has no date to place it."""
    claim = Claim.__table__  # type: ignore[attr-defined]
    new = _new_claim_rows(session, new_ids, new_rows)
    if not new or any(r.as_of is None for r in new):
        return None
    window = timedelta(days=window_days)
    low, high = min(r.as_of for r in new) - window, max(r.as_of for r in new) + window
    marks = [set(str(r.flags).split(",")) for r in new]
    reporting = [
        "extension" in m or (r.value_date is not None and r.qualifier == "more_than")
        for r, m in zip(new, marks, strict=True)
    ]
    dates = {r.value_date for r in new if r.value_date is not None}
    unsettled = claim.c.status.not_in(_SETTLED)
    if any(reporting) or any("extended" in m for m in marks) or len(dates) != 1:
        supersedable = and_(unsettled, claim.c.as_of <= high)
    else:
        (only_date,) = dates
        supersedable = and_(
            unsettled,
            claim.c.as_of < high - window,
            or_(claim.c.value_date.is_(None), claim.c.value_date != only_date),
        )
    in_scope = (claim.c.kind == kind, claim.c.scope == scope)
    rows = _rows_where(
        session,
        *in_scope,
        or_(
            # twice the window: a claim a new one moves is judged by its own window
            claim.c.as_of.between(low - window, high + window),
            claim.c.id.in_(new_ids),
            claim.c.status == ClaimStatus.UNCONFIRMED.value,
            supersedable,
        ),
    )
    # verify._reports_extension, and the same or a scheduled date in an article that
    # reports the extension (View.extended)
    reports = or_(
        _has_mark("extension"),
        and_(claim.c.value_date.is_not(None), claim.c.qualifier == "more_than"),
    )
    extension = or_(reports, _has_mark("extended"))
    for row, mark, extends in zip(new, marks, reporting, strict=True):
        evidence = [claim.c.status != ClaimStatus.REFUTED.value, claim.c.id != row.id]
        if not ({"vague", "date_from_story"} & mark):  # a weak claim weighs weak ones too
            evidence += [~_has_mark("vague"), ~_has_mark("date_from_story")]
        later = claim.c.as_of > row.as_of + window
        if extends:  # superseded by a new end date given later (verify._decide_extension)
            wanted = [[later, claim.c.value_date.is_not(None),
                       *([claim.c.value_date > row.value_date] if row.value_date else [])]]  # fmt: skip
        elif row.value_date is None or "extended" in mark:
            wanted = []  # undated, or superseded by its own article: nothing to look up
        else:  # a later report of the extension, or a later different date
            wanted = [
                [extension, claim.c.as_of >= row.as_of,
                 or_(claim.c.value_date.is_(None), claim.c.value_date >= row.value_date)],
                [later, claim.c.value_date.is_not(None), claim.c.value_date != row.value_date,
                 ~reports],
            ]  # fmt: skip
        for conditions in wanted:
            newest = _newest(session, *in_scope, *evidence, *conditions)
            if newest is not None:
                rows[newest[0]] = newest
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


def unresolved_end_dates(session: Session) -> list[Claim]:
    """Drill end-date claims whose partial date ("Sunday") nothing has resolved yet."""
    return list(
        session.exec(
            select(Claim).where(
                Claim.kind == ClaimKind.DRILL_END_DATE.value,
                Claim.value_date.is_(None),  # type: ignore[union-attr]
                Claim.flags.like("%unresolved_date%"),  # type: ignore[attr-defined]
            )
        ).all()
    )


def last_events(session: Session, *, ids: Sequence[int]) -> dict[int, int]:
    """The sequence number of each claim's latest status event (claims with none are left
    out), in one query."""
    if not ids:
        return {}
    event = StatusEvent.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        sa_select(event.c.claim_id, func.max(event.c.seq))
        .where(event.c.claim_id.in_(list(ids)))
        .group_by(event.c.claim_id)
    ).all()
    return {int(claim_id): int(seq) for claim_id, seq in rows}


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One status change to write: the claim's status now and its latest event's number
    (``last_seq`` 0: it has none yet, this is its first status)."""

    claim_id: int
    old_status: str
    last_seq: int
    new_status: str
    reason: str
    cause_claim_id: int | None = None
    actor: str = "verifier"


def record_changes(session: Session, changes: Sequence[StatusChange]) -> list[StatusEvent]:
    """Write status changes read under the proposition's lock: each claim's new status
    (one statement for all of them, without loading the claims) and its event (ORM rows,
    so that the alerts' ``after_flush`` hook sees them). Claims the session holds are
    expired, so that none shows its old status."""
    if not changes:
        return []
    now = utcnow()
    claim = Claim.__table__  # type: ignore[attr-defined]
    session.connection().execute(
        claim.update().where(claim.c.id == bindparam("claim_id")).values(
            status=bindparam("new_status"), updated_at=bindparam("now")
        ),
        [{"claim_id": c.claim_id, "new_status": c.new_status, "now": now} for c in changes],
    )  # fmt: skip
    events = []
    for change in changes:
        event = StatusEvent(
            claim_id=change.claim_id,
            seq=change.last_seq + 1,
            old_status=change.old_status if change.last_seq else None,
            new_status=change.new_status,
            reason=change.reason,
            cause_claim_id=change.cause_claim_id,
            actor=change.actor,
        )
        fit_columns(event)
        session.add(event)
        events.append(event)
        _expire_held(session, Claim, change.claim_id, ["status", "updated_at"])
    return events


def _expire_held(session: Session, model: type[SQLModel], row_id: int, names: list[str]) -> None:
    """Expire ``names`` of the row the session holds, if it holds it: a statement wrote
    them without the ORM, and the object must not show the old values."""
    held = session.identity_map.get(session.identity_key(model, row_id))
    if held is not None:
        session.expire(held, names)


def add_event(
    session: Session,
    *,
    claim: Claim,
    new_status: str,
    reason: str,
    cause_claim_id: int | None = None,
    actor: str = "verifier",
) -> StatusEvent:
    """Change one claim's status and write the event that says why."""
    assert claim.id is not None
    last_seq = last_events(session, ids=[claim.id]).get(claim.id, 0)
    change = StatusChange(claim.id, claim.status, last_seq, new_status, reason,
                          cause_claim_id, actor)  # fmt: skip
    (event,) = record_changes(session, [change])
    return event


def mark_queued(session: Session, *, document_ids: Sequence[int]) -> None:
    """Those of these documents still ``received`` are ``queued`` (their chains were sent),
    in one statement; one a worker has moved on already is left as it is."""
    document = Document.__table__  # type: ignore[attr-defined]
    session.connection().execute(
        document.update()
        .where(document.c.id.in_(list(document_ids)),
               document.c.state == DocumentState.RECEIVED.value)
        .values(state=DocumentState.QUEUED.value, updated_at=utcnow())
    )  # fmt: skip


def finish_document(session: Session, *, document_id: int, state: DocumentState) -> None:
    """Move a document to ``state`` by its id, without loading it; ``NotFound`` when it is
    gone."""
    document = Document.__table__  # type: ignore[attr-defined]
    done = session.connection().execute(
        document.update().where(document.c.id == document_id).values(
            state=state.value, updated_at=utcnow()
        )
    )  # fmt: skip
    if done.rowcount == 0:
        raise NotFound(f"no document #{document_id}")
    _expire_held(session, Document, document_id, ["state", "updated_at"])


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


@dataclass(frozen=True)
class ClaimFilter:
    """What a listing of claims asks for: the CLI's ``claims`` options and the HTTP API's
    query parameters, read by one query (``list_claims``, ``count_claims``).

    ``status`` is one status or several; ``scope`` with ``kind`` names one proposition;
    ``outlet``, ``speaker`` and ``text`` (the quote) match any part, ignoring case;
    ``since``/``until`` bound the as-of date (inclusive)."""

    status: str | tuple[str, ...] | None = None
    kind: str | None = None
    scope: str | None = None
    outlet: str | None = None
    speaker: str | None = None
    since: date | None = None
    until: date | None = None
    text: str | None = None
    include_unscored: bool = True

    def conditions(self, claim: Any, document: Any) -> list[Any]:
        where: list[Any] = []
        if isinstance(self.status, str) and self.status:
            where.append(claim.c.status == self.status)
        elif self.status:
            where.append(claim.c.status.in_(self.status))
        for column, value in ((claim.c.kind, self.kind), (claim.c.scope, self.scope)):
            if value:
                where.append(column == value)
        for column, value in (
            (document.c.outlet, self.outlet),
            (claim.c.speaker, self.speaker),
            (claim.c.quote, self.text),
        ):
            if value:
                where.append(column.icontains(value, autoescape=True))
        if self.since:
            where.append(claim.c.as_of >= self.since)
        if self.until:
            where.append(claim.c.as_of <= self.until)
        if not self.include_unscored:
            where.append(claim.c.vague.is_(False))
        return where


def list_claims(
    session: Session,
    *,
    status: str | tuple[str, ...] | None = None,
    kind: str | None = None,
    limit: int | None = None,
    include_unscored: bool = True,
    where: ClaimFilter | None = None,
    offset: int = 0,
    newest_first: bool = False,
) -> list[ClaimRow]:
    """Claims with their documents, by kind then id (or the newest recorded first).
    ``status``/``kind``/``include_unscored`` are a shorthand for ``where``."""
    where = where or ClaimFilter(status=status, kind=kind, include_unscored=include_unscored)
    claim, document = Claim.__table__, Document.__table__  # type: ignore[attr-defined]
    query = (
        sa_select(claim, document.c.file_name, document.c.outlet, document.c.published)
        .join(document, document.c.id == claim.c.document_id)
        .where(*where.conditions(claim, document))
    )
    if newest_first:
        query = query.order_by(claim.c.id.desc())
    else:
        query = query.order_by(claim.c.kind, claim.c.id)
    if limit:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return [
        ClaimRow(row, DocumentInfo(row.document_id, row.file_name, row.outlet, row.published))
        for row in session.execute(query).all()
    ]


def count_claims(session: Session, *, where: ClaimFilter) -> int:
    """How many claims ``list_claims`` would return without a limit."""
    claim, document = Claim.__table__, Document.__table__  # type: ignore[attr-defined]
    query = sa_select(func.count()).select_from(claim)
    if where.outlet:  # the only condition on the document: join only when it is asked for
        query = query.join(document, document.c.id == claim.c.document_id)
    return int(session.execute(query.where(*where.conditions(claim, document))).scalar_one())


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


def proposition_sizes(session: Session, *, kind: str | None = None) -> list[tuple[str, str, int]]:
    """Every proposition (kind, scope) with its number of claims, without reading them."""
    query = select(Claim.kind, Claim.scope, func.count()).group_by(
        col(Claim.kind), col(Claim.scope)
    )
    if kind:
        query = query.where(Claim.kind == kind)
    rows = session.exec(query.order_by(col(Claim.kind), col(Claim.scope))).all()
    return [(str(k), str(s), int(n)) for k, s, n in rows]


def verdicts(session: Session, *, claim_ids: Sequence[int] | None = None) -> list[StatusEvent]:
    """The reviewers' verdicts standing on claims now: each claim's latest event, when a
    reviewer wrote it (confirmed or refuted). All reviewed claims when no ids are given."""
    latest = sa_select(
        col(StatusEvent.claim_id), func.max(col(StatusEvent.seq)).label("seq")
    ).group_by(col(StatusEvent.claim_id))
    if claim_ids is not None:
        latest = latest.where(col(StatusEvent.claim_id).in_(claim_ids))
    last = latest.subquery()
    query = (
        select(StatusEvent)
        .join(
            last,
            and_(col(StatusEvent.claim_id) == last.c.claim_id, col(StatusEvent.seq) == last.c.seq),
        )
        .where(col(StatusEvent.new_status).in_(("confirmed", "refuted")))
        .where(col(StatusEvent.actor).startswith("reviewer "))
        .order_by(col(StatusEvent.claim_id))
    )
    return list(session.exec(query).all())


@dataclass(frozen=True)
class Verdict:
    """What ``set_verdict`` did, as plain values (nothing to read from a closed session)."""

    claim_id: int
    old_status: str | None
    new_status: str
    actor: str
    recorded: bool  # False: the claim already had this verdict, nothing was written


def lock_proposition(session: Session, *, kind: str, scope: str) -> None:
    """Serialise every writer of one proposition's statuses (verification, a reviewer) until
    the transaction ends. PostgreSQL: the advisory lock verification takes (same key);
    SQLite: the write lock every transaction already holds from BEGIN IMMEDIATE."""
    if session.get_bind().dialect.name == "postgresql":
        key = f"{kind}:{scope}"
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def set_verdict(
    session: Session, *, claim_id: int, verdict: ClaimStatus, note: str, reviewer: str
) -> Verdict:
    """A reviewer's verdict (confirmed or refuted): it sticks, verification never changes it.
    Taken under the proposition's lock, so it never races verification or another reviewer;
    the same verdict again is not recorded twice."""
    if not verdict.is_verdict:
        raise ValueError(f"a verdict is confirmed or refuted, not {verdict.value}")
    if not note.strip():
        raise ValueError("a verdict needs a note saying why")
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"no claim #{claim_id}")
    lock_proposition(session, kind=claim.kind, scope=claim.scope)
    session.refresh(claim)  # read again under the lock: verification may just have changed it
    actor = f"reviewer {reviewer}"
    if claim.status == verdict.value:
        return Verdict(claim_id, claim.status, claim.status, actor, recorded=False)
    event = add_event(session, claim=claim, new_status=verdict.value, reason=note.strip(),
                      actor=actor)  # fmt: skip
    return Verdict(claim_id, event.old_status, event.new_status, actor, recorded=True)
