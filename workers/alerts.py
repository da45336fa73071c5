"""Status changes as signed webhooks (``CLAIMTRACK_WEBHOOK_URL``).

An outbox, so that nothing is lost and verification never waits on a receiver:

1. Every status event written in a process where alerts are installed gets a
   ``webhook_delivery`` row in the same transaction (a SQLAlchemy ``after_flush`` hook),
   whoever wrote it: verification in a worker, a verdict from the desk.
2. After the commit the ``claimtrack.webhook`` task is queued for it; a broker that is
   down leaves the row pending, and ``resend_pending`` (run when a worker or the desk
   starts) queues it again.
3. The task POSTs the JSON, signed with HMAC-SHA256 over the exact body, and records the
   outcome: delivered on a 2xx answer; otherwise retried with exponential backoff, and
   after ``CLAIMTRACK_WEBHOOK_RETRIES`` retries marked failed with the last error.

Delivery is at least once: a receiver deduplicates on ``X-Claimtrack-Delivery``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, event, insert
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from pipeline import ledger
from pipeline.database import session as open_session
from pipeline.settings import Settings
from schemas.enums import WebhookState
from schemas.tables import StatusEvent, WebhookDelivery
from schemas.types import utcnow

log = logging.getLogger(__name__)

EVENT_NAME = "claim.status_changed"
SIGNATURE_HEADER = "X-Claimtrack-Signature"
_QUEUED = "claimtrack.webhooks_to_send"

Enqueue = Callable[[int], None]
_enqueue: Enqueue | None = None


# --- 1 and 2: the outbox, filled in the event's own transaction ---------------------------


def install(settings: Settings, enqueue: Enqueue) -> bool:
    """Write an outbox row for every status event this process commits, and hand each to
    ``enqueue`` (the webhook task) after the commit. Does nothing without a webhook URL.
    Returns whether alerts are on."""
    global _enqueue
    if not settings.webhook_url:
        return False
    _enqueue = enqueue
    if not event.contains(OrmSession, "after_flush", _add_outbox_rows):
        event.listen(OrmSession, "after_flush", _add_outbox_rows)
        event.listen(OrmSession, "after_commit", _send_after_commit)
        event.listen(OrmSession, "after_soft_rollback", _forget)
    return True


def uninstall() -> None:
    global _enqueue
    _enqueue = None
    if event.contains(OrmSession, "after_flush", _add_outbox_rows):
        event.remove(OrmSession, "after_flush", _add_outbox_rows)
        event.remove(OrmSession, "after_commit", _send_after_commit)
        event.remove(OrmSession, "after_soft_rollback", _forget)


def _add_outbox_rows(session: OrmSession, _context: Any) -> None:
    events = [o for o in session.new if isinstance(o, StatusEvent)]
    if not events:
        return
    now = utcnow()
    rows = [{"event_id": e.id, "state": WebhookState.PENDING.value, "attempts": 0,
             "created_at": now, "updated_at": now} for e in events]  # fmt: skip
    session.connection().execute(insert(WebhookDelivery.__table__), rows)  # type: ignore[attr-defined]
    session.info.setdefault(_QUEUED, []).extend(e.id for e in events)


def _send_after_commit(session: OrmSession) -> None:
    for event_id in session.info.pop(_QUEUED, []):
        _send(event_id)


def _forget(session: OrmSession, _previous: Any) -> None:
    session.info.pop(_QUEUED, None)


def _send(event_id: int) -> bool:
    if _enqueue is None:
        return False
    try:
        _enqueue(event_id)
    except Exception as exc:  # the broker is away: the row stays pending for resend_pending
        log.warning("webhook for status event %s left pending (%s)", event_id, exc)
        return False
    return True


def resend_pending(engine: Engine, *, older_than: float = 60.0) -> int:
    """Queue again the deliveries still pending after ``older_than`` seconds (their task
    was never sent, or was lost with a worker). Returns how many were queued."""
    cutoff = utcnow() - timedelta(seconds=older_than)
    with open_session(engine) as s:
        stale = s.exec(
            select(WebhookDelivery.event_id)
            .where(WebhookDelivery.state == WebhookState.PENDING.value)
            .where(col(WebhookDelivery.updated_at) < cutoff)
            .order_by(col(WebhookDelivery.id))
        ).all()
    return sum(_send(int(event_id)) for event_id in stale)


def retry_failed(engine: Engine) -> int:
    """Put failed deliveries back to pending with fresh retries, and queue them."""
    with open_session(engine) as s:
        failed = list(
            s.exec(
                select(WebhookDelivery).where(WebhookDelivery.state == WebhookState.FAILED.value)
            ).all()
        )
        for delivery in failed:
            delivery.state, delivery.attempts = WebhookState.PENDING.value, 0
            delivery.updated_at = utcnow()
            s.add(delivery)
        s.commit()
    return sum(_send(d.event_id) for d in failed)


def list_deliveries(session: Session, *, state: str | None = None) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).order_by(col(WebhookDelivery.id).desc())
    if state:
        query = query.where(WebhookDelivery.state == state)
    return list(session.exec(query).all())


# --- 3: sending one delivery ---------------------------------------------------------------


def sign(body: bytes, secret: str) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def payload(session: Session, *, delivery: WebhookDelivery) -> dict[str, Any]:
    """What the receiver is told: the claim, its old and new status, and why."""
    change = session.get(StatusEvent, delivery.event_id)
    if change is None:
        raise ledger.NotFound(f"no status event #{delivery.event_id}")
    row = ledger.get_claim(session, claim_id=change.claim_id)
    claim, document = row.claim, row.document
    return {
        "event": EVENT_NAME,
        "delivery_id": delivery.id,
        "claim": {
            "id": claim.id,
            "kind": claim.kind,
            "scope": claim.scope,
            "value": claim.value_date.isoformat() if claim.value_date else claim.value,
            "value_high": claim.value_high,
            "qualifier": claim.qualifier,
            "speaker": claim.speaker,
            "origin": claim.origin,
            "quote": claim.quote,
            "as_of": claim.as_of.isoformat() if claim.as_of else None,
            "status": claim.status,
            "document_id": document.id,
            "outlet": document.outlet,
            "url": document.url,
        },
        "old_status": change.old_status,
        "new_status": change.new_status,
        "reason": change.reason,
        "actor": change.actor,
        "changed_at": change.created_at.isoformat(),
    }


@dataclass(frozen=True)
class Attempt:
    """The outcome of one attempt: delivered, to be retried after ``retry_in`` seconds, or
    given up (``failed``); ``skipped`` when there was nothing to send."""

    state: str
    attempts: int = 0
    error: str | None = None
    retry_in: float | None = None


def deliver(engine: Engine, settings: Settings, *, event_id: int) -> Attempt:
    """Send one pending delivery and record what happened."""
    if not settings.webhook_url or settings.webhook_secret is None:
        return Attempt("skipped", error="CLAIMTRACK_WEBHOOK_URL is not set")
    with open_session(engine) as s:
        delivery = s.exec(
            select(WebhookDelivery).where(WebhookDelivery.event_id == event_id)
        ).first()
        if delivery is None or delivery.state != WebhookState.PENDING.value:
            return Attempt("skipped")
        body = json.dumps(payload(s, delivery=delivery), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "claimtrack-webhook",
        "X-Claimtrack-Event": EVENT_NAME,
        "X-Claimtrack-Delivery": str(delivery.id),
        SIGNATURE_HEADER: sign(body, settings.webhook_secret.get_secret_value()),
    }
    status: int | None = None
    error: str | None = None
    try:
        response = httpx.post(
            settings.webhook_url, content=body, headers=headers, timeout=settings.webhook_timeout
        )
        status = response.status_code
        if not response.is_success:
            error = f"HTTP {status}: {response.text[:200]}".strip()
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return _record(engine, settings, delivery_id=delivery.id, status=status, error=error)  # type: ignore[arg-type]


def _record(
    engine: Engine, settings: Settings, *, delivery_id: int, status: int | None, error: str | None
) -> Attempt:
    with open_session(engine) as s:
        delivery = s.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        delivery.attempts += 1
        delivery.response_status = status
        delivery.last_error = error
        delivery.updated_at = utcnow()
        retry_in: float | None = None
        if error is None:
            delivery.state = WebhookState.DELIVERED.value
            delivery.delivered_at = delivery.updated_at
        elif delivery.attempts > settings.webhook_retries:
            delivery.state = WebhookState.FAILED.value
            log.error("webhook delivery %s failed after %s attempts: %s", delivery.id,
                      delivery.attempts, error)  # fmt: skip
        else:
            retry_in = settings.webhook_backoff * 2 ** (delivery.attempts - 1)
        s.add(delivery)
        s.commit()
        return Attempt(delivery.state, delivery.attempts, error, retry_in)
