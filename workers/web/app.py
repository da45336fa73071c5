"""The review desk: one ASGI app with the JSON API (OpenAPI at /docs) and the pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from asgi_csrf import Errors, asgi_csrf
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Scope, Send

from pipeline import ledger
from pipeline.database import open_ledger
from pipeline.settings import Settings
from workers import alerts
from workers.web import api, pages
from workers.web.access import content_type, from_browser

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent


def create_app(settings: Settings, engine: Engine | None = None) -> ASGIApp:
    """The desk over the ledger of ``settings`` (or over ``engine``), CSRF-protected."""
    owns_engine = engine is None
    ledger_engine = engine or open_ledger(settings.ledger_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        from workers.tasks import send_webhook

        alerting = alerts.install(settings, send_webhook)
        if alerting:
            alerts.resend_pending(ledger_engine)
        try:
            yield
        finally:
            if alerting:
                alerts.uninstall()
            if owns_engine:
                ledger_engine.dispose()

    app = FastAPI(
        title="claimtrack review desk",
        summary="The claim ledger over HTTP: claims, propositions, documents, verdicts.",
        version="1",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = ledger_engine
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(ledger.NotFound, _not_found)
    app.add_exception_handler(Exception, _crash)
    secret = settings.web_secret.get_secret_value() if settings.web_secret else None
    return asgi_csrf(
        app,
        signing_secret=secret,  # None: a random one for this process
        always_protect=_Everywhere(),
        skip_if_scope=_not_a_browser_form,
        cookie_samesite="Strict",
        send_csrf_failed=_csrf_failed,
    )


class _Everywhere:
    """asgi-csrf lets a POST without cookies through unless its path is "always
    protected"; with basic auth a forged form brings no cookie but still the browser's
    credentials, so every path is."""

    def __contains__(self, _path: object) -> bool:
        return True


def _not_a_browser_form(scope: Scope) -> bool:
    """What asgi-csrf need not check: JSON bodies (a page elsewhere cannot send them without
    a CORS preflight, which this app never grants), clients that are not browsers, and
    multipart forms, which the upload routes check themselves (``access.upload_csrf``:
    asgi-csrf's own multipart reader does not work with current python-multipart)."""
    if content_type(scope) in (b"application/json", b"multipart/form-data"):
        return True
    return not from_browser(scope)


async def _csrf_failed(scope: Scope, send: Send, message_id: Errors) -> None:
    reason = {
        Errors.FILE_BEFORE_TOKEN: "the form's csrftoken must come before its file",
    }.get(message_id, "this form did not come from the desk (CSRF token missing or wrong)")
    response = JSONResponse({"error": reason, "status": 403}, status_code=403)
    await response(scope, _no_body, send)


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def _wants_html(request: Request) -> bool:
    return request.url.path == "/" or request.url.path.startswith("/desk")


def _error(request: Request, status: int, message: str, headers: Any = None) -> Response:
    if _wants_html(request):
        return pages.templates.TemplateResponse(
            request, "error.html", {"status": status, "message": message, "csrftoken": ""},
            status_code=status, headers=headers,
        )  # fmt: skip
    return JSONResponse({"error": message, "status": status}, status_code=status, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return _error(request, exc.status_code, str(exc.detail), getattr(exc, "headers", None))


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query"))
        problems.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return _error(request, 422, "; ".join(problems) or "invalid request")


async def _not_found(request: Request, exc: Exception) -> Response:
    return _error(request, 404, str(exc))


async def _crash(request: Request, exc: Exception) -> Response:
    log.exception("%s %s failed", request.method, request.url.path)
    return _error(request, 500, f"internal error ({type(exc).__name__}); see the desk's log")
