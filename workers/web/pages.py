"""The review pages, rendered on the server from the same objects the API returns."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from pipeline import ledger
from schemas.enums import ClaimKind, ClaimStatus, DocumentState
from workers.web import api
from workers.web.access import Reader, Reviewer, UploadChecked
from workers.web.chart import COLOURS, timeline_svg
from workers.web.models import (
    ClaimOut,
    DocumentOut,
    claim_detail,
    list_propositions,
    proposition_detail,
    split_proposition,
)
from workers.web.present import quote_parts

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
templates.env.globals["colours"] = COLOURS
templates.env.filters["parts"] = lambda claim: quote_parts(claim.quote, claim.figure_span)
QUEUE_STATUSES = (ClaimStatus.UNCONFIRMED.value, ClaimStatus.DISPUTED.value)
PAGE = 50


def _render(request: Request, name: str, **context: Any) -> HTMLResponse:
    settings = request.app.state.settings
    context.setdefault("can_write", bool(settings.web_accounts))
    context["csrftoken"] = request.scope["csrftoken"]() if "csrftoken" in request.scope else ""
    return templates.TemplateResponse(request, name, context)


@router.get("/", response_class=HTMLResponse, name="queue")
def queue(
    request: Request,
    s: api.Db,
    _: Reader,
    kind: Annotated[str | None, Query()] = None,
    proposition: Annotated[str | None, Query()] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    """Unconfirmed and disputed claims, newest first, by kind and proposition."""
    kind = kind if kind in {k.value for k in ClaimKind} else None
    where = api.claim_filter(
        status=[ClaimStatus(s) for s in QUEUE_STATUSES],
        kind=ClaimKind(kind) if kind else None,
        proposition=proposition or None,
    )
    rows = ledger.list_claims(
        s, where=where, limit=PAGE, offset=(page - 1) * PAGE, newest_first=True
    )
    total = ledger.count_claims(s, where=where)
    return _render(
        request, "queue.html",
        claims=[ClaimOut.of(r.claim, r.document) for r in rows], total=total, page=page,
        pages=max(1, -(-total // PAGE)), kind=kind, proposition=proposition,
        kinds=[k.value for k in ClaimKind], propositions=list_propositions(s),
    )  # fmt: skip


@router.get("/desk/claims/{claim_id}", response_class=HTMLResponse, name="claim_page")
def claim_page(request: Request, claim_id: int, s: api.Db, _: Reader) -> HTMLResponse:
    detail = claim_detail(s, claim_id=claim_id)
    return _render(request, "claim.html", d=detail, reviewed=request.query_params.get("reviewed"))


@router.post("/desk/review", name="review_form")
def review_form(
    request: Request,
    reviewer: Reviewer,
    claim_id: Annotated[int, Form()],
    verdict: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> RedirectResponse:
    if verdict not in ("confirmed", "refuted"):
        raise HTTPException(422, "a verdict is confirmed or refuted")
    api._review(request, claim_id, verdict, note, reviewer)
    url = request.url_for("claim_page", claim_id=claim_id).include_query_params(reviewed=verdict)
    return RedirectResponse(str(url), status_code=303)


@router.get("/desk/propositions", response_class=HTMLResponse, name="propositions_page")
def propositions_page(request: Request, s: api.Db, _: Reader) -> HTMLResponse:
    return _render(request, "propositions.html", propositions=list_propositions(s))


@router.get(
    "/desk/propositions/{proposition_id:path}", response_class=HTMLResponse, name="proposition_page"
)
def proposition_page(request: Request, proposition_id: str, s: api.Db, _: Reader) -> HTMLResponse:
    try:
        kind, scope = split_proposition(proposition_id)
    except ValueError as exc:
        raise HTTPException(404, str(exc)) from exc
    detail = proposition_detail(s, kind=kind, scope=scope)
    # Every text in the chart is escaped where it is built (workers/web/chart.py).
    chart = Markup(timeline_svg(detail.proposition, detail.timeline))
    return _render(request, "proposition.html", d=detail, chart=chart)


@router.get("/desk/documents", response_class=HTMLResponse, name="documents_page")
def documents_page(
    request: Request, s: api.Db, _: Reader, state: Annotated[str | None, Query()] = None
) -> HTMLResponse:
    state = state if state in {d.value for d in DocumentState} else None
    documents = [DocumentOut.of(d) for d in ledger.list_documents(s, state=state)]
    failed = [d for d in documents if d.state == DocumentState.FAILED.value]
    return _render(
        request, "documents.html", documents=list(reversed(documents)), failed=failed,
        state=state, states=[d.value for d in DocumentState],
        uploaded=request.query_params.get("uploaded"),
    )  # fmt: skip


@router.post("/desk/upload", name="upload_form", dependencies=[UploadChecked])
def upload_form(
    request: Request,
    _: Reviewer,
    file: Annotated[UploadFile, File()],
    title: Annotated[str | None, Form()] = None,
    outlet: Annotated[str | None, Form()] = None,
    published: Annotated[str | None, Form()] = None,
    url: Annotated[str | None, Form()] = None,
    author: Annotated[str | None, Form()] = None,
) -> RedirectResponse:
    upload = api._upload(
        request, file, title=title, outlet=outlet, published=published, url=url, author=author
    )
    message = (
        f"refused: {upload.reason}"
        if upload.reason
        else f"document #{upload.document_id}" + ("" if upload.new else " (sent before)")
    )
    target = request.url_for("documents_page").include_query_params(uploaded=message)
    return RedirectResponse(str(target), status_code=303)
