"""The JSON API (OpenAPI at /docs). Listings go through ``pipeline.ledger``'s one query
layer, the same functions the CLI calls."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from sqlmodel import Session

from pipeline import ledger
from pipeline.claimreview import claim_review
from pipeline.database import session as open_session
from pipeline.settings import Settings
from schemas.enums import ClaimKind, ClaimStatus, DocumentState, WebhookState
from workers import alerts
from workers.web import actions
from workers.web.access import Reader, Reviewer, UploadChecked
from workers.web.models import (
    ClaimDetail,
    ClaimList,
    ClaimOut,
    DeliveryOut,
    DocumentOut,
    Health,
    PropositionDetail,
    PropositionOut,
    ReviewIn,
    ReviewOut,
    UploadOut,
    claim_detail,
    list_propositions,
    proposition_detail,
    split_proposition,
)

router = APIRouter()
MAX_PAGE = 1000


def db(request: Request) -> Iterator[Session]:
    with open_session(request.app.state.engine) as s:
        yield s


Db = Annotated[Session, Depends(db)]


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def claim_filter(
    status: Annotated[
        list[ClaimStatus] | None, Query(description="one or more statuses (repeat the parameter)")
    ] = None,
    kind: ClaimKind | None = None,
    proposition: Annotated[str | None, Query(description="kind:scope")] = None,
    outlet: Annotated[str | None, Query(description="part of the outlet's name")] = None,
    speaker: Annotated[str | None, Query(description="part of the speaker's name")] = None,
    since: Annotated[date | None, Query(description="as of this date or later")] = None,
    until: Annotated[date | None, Query(description="as of this date or earlier")] = None,
    q: Annotated[str | None, Query(description="words in the quote")] = None,
) -> ledger.ClaimFilter:
    """The query parameters of a claim listing, as the ledger's filter."""
    scope = None
    if proposition:
        try:
            proposition_kind, scope = split_proposition(proposition)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc
        if kind and kind.value != proposition_kind:
            raise HTTPException(422, f"kind {kind.value} and proposition {proposition} disagree")
        try:
            kind = ClaimKind(proposition_kind)
        except ValueError as exc:
            raise HTTPException(422, f"no claim kind {proposition_kind!r}") from exc
    statuses = tuple(s.value for s in status) if status else None
    return ledger.ClaimFilter(
        status=statuses, kind=kind.value if kind else None, scope=scope, outlet=outlet,
        speaker=speaker, since=since, until=until, text=q,
    )  # fmt: skip


Filter = Annotated[ledger.ClaimFilter, Depends(claim_filter)]


@router.get("/claims", response_model=ClaimList, tags=["claims"])
def get_claims(
    s: Db,
    _: Reader,
    where: Filter,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    order: Annotated[
        str, Query(pattern="^(kind|newest)$", description="kind (as the CLI), or newest first")
    ] = "kind",
) -> ClaimList:
    """Claims with the CLI's filters (status, kind) and more, a page at a time."""
    rows = ledger.list_claims(
        s, where=where, limit=limit, offset=offset, newest_first=order == "newest"
    )
    return ClaimList(
        items=[ClaimOut.of(r.claim, r.document) for r in rows],
        total=ledger.count_claims(s, where=where),
        limit=limit,
        offset=offset,
    )


@router.get("/claims/{claim_id}", response_model=ClaimDetail, tags=["claims"])
def get_claim(claim_id: int, s: Db, _: Reader) -> ClaimDetail:
    """One claim: source, quote and the figure's place in it, history with reasons, the
    proposition and its other claims."""
    return claim_detail(s, claim_id=claim_id)


@router.get("/claims/{claim_id}/claimreview", tags=["claims"])
def get_claimreview(claim_id: int, s: Db, _: Reader, request: Request) -> JSONResponse:
    """The reviewer's verdict as schema.org ClaimReview (JSON-LD); 404 when unreviewed."""
    row = ledger.get_claim(s, claim_id=claim_id)
    verdict = ledger.verdicts(s, claim_ids=[claim_id])
    if not verdict:
        raise HTTPException(404, f"claim #{claim_id} has no reviewer's verdict")
    url = str(request.url_for("claim_page", claim_id=claim_id))
    body = claim_review(row.claim, row.document, verdict[0], review_url=url)
    return JSONResponse(body, media_type="application/ld+json")


@router.post("/claims/{claim_id}/review", response_model=ReviewOut, tags=["claims"])
def post_review(claim_id: int, body: ReviewIn, reviewer: Reviewer, request: Request) -> ReviewOut:
    """A reviewer's verdict (confirmed or refuted) with a note; it sticks. The reviewer is
    the account the request is made with."""
    return _review(request, claim_id, body.verdict, body.note, reviewer)


def _review(request: Request, claim_id: int, verdict: str, note: str, reviewer: str) -> ReviewOut:
    try:
        return actions.review(
            request.app.state.engine, settings_of(request), claim_id=claim_id,
            verdict=verdict, note=note, reviewer=reviewer,
        )  # fmt: skip
    except ValueError as exc:  # no note, not a verdict
        raise HTTPException(422, str(exc)) from exc


@router.get("/propositions", response_model=list[PropositionOut], tags=["propositions"])
def get_propositions(s: Db, _: Reader, kind: ClaimKind | None = None) -> list[PropositionOut]:
    """Each proposition with its state, claims, origins and low / best / high."""
    return list_propositions(s, kind=kind.value if kind else None)


@router.get(
    "/propositions/{proposition_id:path}", response_model=PropositionDetail, tags=["propositions"]
)
def get_proposition(proposition_id: str, s: Db, _: Reader) -> PropositionDetail:
    """One proposition (``kind:scope``) and its claims as a timeline."""
    try:
        kind, scope = split_proposition(proposition_id)
    except ValueError as exc:
        raise HTTPException(404, str(exc)) from exc
    return proposition_detail(s, kind=kind, scope=scope)


@router.get("/documents", response_model=list[DocumentOut], tags=["documents"])
def get_documents(s: Db, _: Reader, state: DocumentState | None = None) -> list[DocumentOut]:
    """What was ingested, its state, and why a document failed."""
    return [
        DocumentOut.of(d) for d in ledger.list_documents(s, state=state.value if state else None)
    ]


@router.post(
    "/documents", response_model=UploadOut, status_code=201, tags=["documents"],
    dependencies=[UploadChecked],
)  # fmt: skip
def post_document(
    request: Request,
    _: Reviewer,
    file: Annotated[UploadFile, File(description="the article: text, HTML or markdown")],
    title: Annotated[str | None, Form()] = None,
    outlet: Annotated[str | None, Form()] = None,
    published: Annotated[str | None, Form(description="YYYY-MM-DD")] = None,
    url: Annotated[str | None, Form()] = None,
    author: Annotated[str | None, Form()] = None,
) -> Any:
    """Send an article. It takes the inbox's path: the same checks, one document however
    often the same bytes are sent (then 200 with ``new: false``); a refused file is 422
    with its reason, and recorded."""
    upload = _upload(
        request, file, title=title, outlet=outlet, published=published, url=url, author=author
    )
    status = 201 if upload.new else 422 if upload.reason else 200
    return JSONResponse(upload.model_dump(mode="json"), status_code=status)


def _upload(request: Request, file: UploadFile, **metadata: str | None) -> UploadOut:
    try:
        header = actions.front_matter(**metadata)
        return actions.upload(
            request.app.state.engine, settings_of(request), file_name=file.filename,
            stream=file.file, header=header,
        )  # fmt: skip
    except actions.BadUpload as exc:
        raise HTTPException(422, str(exc)) from exc


@router.get("/alerts", response_model=list[DeliveryOut], tags=["alerts"])
def get_alerts(s: Db, _: Reader, state: WebhookState | None = None) -> list[DeliveryOut]:
    """Webhook deliveries of status changes: pending, delivered, or failed with the error."""
    rows = alerts.list_deliveries(s, state=state.value if state else None)
    return [DeliveryOut.model_validate(r, from_attributes=True) for r in rows]


@router.post("/alerts/retry", tags=["alerts"])
def retry_alerts(request: Request, _: Reviewer) -> dict[str, int]:
    """Send the failed deliveries again, with fresh retries."""
    return {"queued": alerts.retry_failed(request.app.state.engine)}


@router.get("/health", response_model=Health, tags=["health"])
def health(s: Db) -> Health:
    """The desk answers and its ledger is readable (for container health checks)."""
    return Health(status="ok", claims=ledger.count_claims(s, where=ledger.ClaimFilter()))
