"""What the desk's API returns (pydantic models: they are the OpenAPI schema at /docs), and
the functions that read them from the ledger. The HTML pages render the same objects, so
every page has a JSON twin."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlmodel import Session

from pipeline import ledger
from pipeline.propositions import describe
from pipeline.verify import Summary, View, summarise
from schemas.tables import Document, StatusEvent
from workers.web.present import figure, figure_span

SEPARATOR = ":"


def proposition_id(kind: str, scope: str) -> str:
    """A proposition's id in URLs and JSON: ``kind:scope`` (``troop_count:around_ukraine``)."""
    return f"{kind}{SEPARATOR}{scope}"


def split_proposition(value: str) -> tuple[str, str]:
    kind, sep, scope = value.partition(SEPARATOR)
    if not sep or not kind or not scope:
        raise ValueError(
            f"a proposition is kind:scope (e.g. troop_count:around_ukraine), not {value!r}"
        )
    return kind, scope


class ClaimOut(BaseModel):
    id: int
    status: str
    kind: str
    proposition: str = Field(description="kind:scope, the fact the figure is about")
    scope: str
    figure: str = Field(description="the figure in words")
    value: int | date | None
    value_high: int | None
    qualifier: str
    vague: bool
    casualty_type: str | None
    victims: str | None
    location: str | None
    speaker: str = Field(description='who says it ("" when the article speaks for itself)')
    origin: str = Field(description="the party that asserts it (whom the speaker speaks for)")
    quote: str
    start: int = Field(description="the quote's first character in the article's text")
    end: int
    figure_span: tuple[int, int] | None = Field(
        description="where the figure is written in the quote (character offsets)"
    )
    as_of: date | None
    flags: list[str]
    document_id: int
    outlet: str | None
    published: date | None

    @classmethod
    def of(cls, claim: Any, document: Any) -> ClaimOut:
        return cls(
            id=claim.id, status=claim.status, kind=claim.kind,
            proposition=proposition_id(claim.kind, claim.scope), scope=claim.scope,
            figure=figure(claim),
            value=claim.value_date if claim.value_date is not None else claim.value,
            value_high=claim.value_high, qualifier=claim.qualifier, vague=claim.vague,
            casualty_type=claim.casualty_type, victims=claim.victims, location=claim.location,
            speaker=claim.speaker, origin=claim.origin, quote=claim.quote, start=claim.start,
            end=claim.end, figure_span=figure_span(claim.quote, claim), as_of=claim.as_of,
            flags=[f for f in str(claim.flags or "").split(",") if f],
            document_id=document.id, outlet=document.outlet, published=document.published,
        )  # fmt: skip


class ClaimList(BaseModel):
    items: list[ClaimOut]
    total: int = Field(description="claims matching the filters, all pages together")
    limit: int
    offset: int


class EventOut(BaseModel):
    seq: int
    at: datetime
    old_status: str | None
    new_status: str
    reason: str
    actor: str
    cause_claim_id: int | None

    @classmethod
    def of(cls, event: StatusEvent) -> EventOut:
        return cls(
            seq=event.seq, at=event.created_at, old_status=event.old_status,
            new_status=event.new_status, reason=event.reason, actor=event.actor,
            cause_claim_id=event.cause_claim_id,
        )  # fmt: skip


class DocumentOut(BaseModel):
    id: int
    file_name: str
    title: str | None
    outlet: str | None
    byline: str | None
    published: date | None
    url: str | None
    state: str
    failure_reason: str | None
    failure_detail: str | None
    claim_count: int | None
    received_at: datetime

    @classmethod
    def of(cls, document: Document) -> DocumentOut:
        return cls(
            id=document.id, file_name=document.file_name, title=document.title,  # type: ignore[arg-type]
            outlet=document.outlet, byline=document.byline, published=document.published,
            url=document.url, state=document.state,
            failure_reason=document.failure_reason, failure_detail=document.failure_detail,
            claim_count=document.claim_count, received_at=document.created_at,
        )  # fmt: skip


class PropositionOut(BaseModel):
    id: str
    fact: str = Field(description="the fact its claims are about, in words")
    kind: str
    scope: str
    state: str = Field(description="the most telling status among its current claims")
    claims: int
    current: int = Field(description="claims neither superseded nor refuted")
    origins: list[str] = Field(description="the independent origins of the current claims")
    low: str
    best: str
    high: str

    @classmethod
    def of(cls, summary: Summary) -> PropositionOut:
        return cls(
            id=proposition_id(summary.kind, summary.scope),
            fact=describe(summary.kind, summary.scope), kind=summary.kind,
            scope=summary.scope, state=summary.state, claims=summary.claims,
            current=summary.current, origins=list(summary.origins), low=summary.low,
            best=summary.best, high=summary.high,
        )  # fmt: skip


class PropositionDetail(BaseModel):
    proposition: PropositionOut
    timeline: list[ClaimOut] = Field(description="its claims by as-of date (undated last)")


class ClaimDetail(BaseModel):
    claim: ClaimOut
    document: DocumentOut
    history: list[EventOut]
    proposition: PropositionOut
    related: list[ClaimOut] = Field(description="the other claims of the same proposition")
    verdict: EventOut | None = Field(description="the reviewer's verdict standing now, if any")


class ReviewIn(BaseModel):
    verdict: Literal["confirmed", "refuted"]
    note: str = Field(min_length=1, description="why: the evidence, in words")


class ReviewOut(BaseModel):
    claim: ClaimOut
    event: EventOut
    others_changed: int = Field(description="other claims of the proposition whose status moved")


class UploadOut(BaseModel):
    document_id: int | None
    new: bool = Field(description="false when the same bytes were sent before")
    state: str
    reason: str | None = Field(description="why the file was refused, when it was")


class DeliveryOut(BaseModel):
    id: int
    event_id: int
    state: str
    attempts: int
    last_error: str | None
    response_status: int | None
    created_at: datetime
    delivered_at: datetime | None


class Health(BaseModel):
    status: Literal["ok"]
    claims: int


# --- reading them ------------------------------------------------------------------------------


def summary_of(session: Session, *, kind: str, scope: str) -> Summary:
    rows = ledger.claim_rows_in_scope(session, kind=kind, scope=scope)
    if not rows:
        raise ledger.NotFound(f"no proposition {proposition_id(kind, scope)}")
    return summarise(kind, scope, [View.from_row(row) for row in rows])


def list_propositions(session: Session, *, kind: str | None = None) -> list[PropositionOut]:
    return [
        PropositionOut.of(summary_of(session, kind=k, scope=s))
        for k, s, _ in ledger.proposition_sizes(session, kind=kind)
    ]


def _timeline_key(claim: ClaimOut) -> tuple[bool, date, int]:
    return (claim.as_of is None, claim.as_of or date.min, claim.id)


def proposition_detail(session: Session, *, kind: str, scope: str) -> PropositionDetail:
    summary = summary_of(session, kind=kind, scope=scope)
    rows = ledger.list_claims(session, where=ledger.ClaimFilter(kind=kind, scope=scope))
    timeline = sorted((ClaimOut.of(r.claim, r.document) for r in rows), key=_timeline_key)
    return PropositionDetail(proposition=PropositionOut.of(summary), timeline=timeline)


def claim_detail(session: Session, *, claim_id: int, related_limit: int = 50) -> ClaimDetail:
    row = ledger.get_claim(session, claim_id=claim_id)
    claim, document = row.claim, row.document
    history = [EventOut.of(e) for e in ledger.history(session, claim_id=claim_id)]
    same = ledger.list_claims(
        session, where=ledger.ClaimFilter(kind=claim.kind, scope=claim.scope),
        limit=related_limit + 1, newest_first=True,
    )  # fmt: skip
    verdict = ledger.verdicts(session, claim_ids=[claim_id])
    return ClaimDetail(
        claim=ClaimOut.of(claim, document),
        document=DocumentOut.of(document),
        history=history,
        proposition=PropositionOut.of(summary_of(session, kind=claim.kind, scope=claim.scope)),
        related=[ClaimOut.of(r.claim, r.document) for r in same if r.claim.id != claim_id][
            :related_limit
        ],
        verdict=EventOut.of(verdict[0]) if verdict else None,
    )
