"""The chain ``normalise | extract | verify``: thin tasks that take a document id, load,
call ``pipeline``, write, and pass the id on.

Transient database errors (a lock, a dropped connection, a concurrent duplicate insert)
retry with exponential backoff; input that is not an article is recorded on the document
and never retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from celery import Task, chain
from celery.signals import worker_process_init
from kombu.exceptions import OperationalError as KombuOperationalError
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlmodel import Session

from pipeline import ledger, stages
from pipeline.database import session
from pipeline.errors import InputError
from schemas.enums import DocumentState
from workers.celery_app import app
from workers.runtime import reset, runtime

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Errors of the infrastructure, not of the document: never recorded as its failure.
TRANSIENT: tuple[type[BaseException], ...] = (
    OperationalError,  # SQLAlchemy: lock, lost connection
    InterfaceError,
    KombuOperationalError,  # the broker is unreachable (e.g. sending the next task)
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)


class PermanentFailure(Exception):
    """The document cannot be processed; the reason is recorded on it. Never retried."""


class PipelineTask(Task):
    """Options every pipeline task shares, set once here (Celery accepts misspelt options
    silently, so they are not retyped on each task)."""

    acks_late = True
    ignore_result = True
    autoretry_for = (OperationalError, IntegrityError)
    retry_backoff = 1
    retry_backoff_max = 60
    retry_jitter = True
    max_retries = 8

    def on_failure(
        self,
        exc: Exception,
        task_id: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        einfo: Any,
    ) -> None:
        if isinstance(exc, PermanentFailure) or not args:
            return
        if isinstance(exc, TRANSIENT):
            # The broker or the database was away (retries exhausted, or the next step of
            # the chain could not be sent). The document stays in its stage; reconcile
            # sends it again. It is not the document's fault, so it is not marked failed.
            log.warning("document %s left for reconcile after %r", args[0], exc)
            return
        # An unexpected bug: say so on the document, so it is not lost in silence.
        try:
            _in_transaction(
                lambda s: _fail(s, int(args[0]), "processing_error", f"{type(exc).__name__}: {exc}")
            )
        except Exception:  # the database itself may be what failed
            log.exception("could not record the failure of document %s", args[0])


def _in_transaction(work: Callable[[Session], T]) -> T:
    with session(runtime().engine) as s:
        result = work(s)
        s.commit()
        return result


def _fail(s: Session, document_id: int, reason: str, detail: str) -> None:
    document = ledger.get_document(s, document_id=document_id)
    ledger.set_state(s, document=document, state=DocumentState.FAILED, reason=reason, detail=detail)


@app.task(base=PipelineTask, name="claimtrack.normalise")
def normalise(document_id: int) -> int:
    try:
        _in_transaction(lambda s: stages.normalise_stage(s, document_id=document_id))
    except (InputError, ledger.NotFound) as exc:
        reason = exc.reason if isinstance(exc, InputError) else "not_found"
        detail = exc.detail if isinstance(exc, InputError) else str(exc)
        if not isinstance(exc, ledger.NotFound):
            _in_transaction(lambda s: _fail(s, document_id, reason, detail))
        raise PermanentFailure(f"document #{document_id}: {reason}: {detail}") from exc
    return document_id


@app.task(base=PipelineTask, name="claimtrack.extract")
def extract(document_id: int) -> int:
    rt = runtime()
    count = _in_transaction(
        lambda s: stages.extract_stage(
            s, document_id=document_id, nlp=rt.nlp, tolerance=rt.settings.agree_tolerance
        )
    )
    log.info("document #%s: %s claims", document_id, count)
    return document_id


@app.task(base=PipelineTask, name="claimtrack.verify")
def verify(document_id: int) -> int:
    rt = runtime()
    _in_transaction(
        lambda s: stages.verify_stage(
            s,
            document_id=document_id,
            tolerance=rt.settings.agree_tolerance,
            same_moment_days=rt.settings.same_moment_days,
        )
    )
    return document_id


def pipeline_for(document_id: int) -> Any:
    """The chain for one document; its tasks take the id and pass it on."""
    return chain(normalise.si(document_id), extract.s(), verify.s())


def enqueue(document_id: int) -> None:
    """Send the document's chain to the broker. Call only after its row is committed."""
    pipeline_for(document_id).apply_async()


@worker_process_init.connect
def _load_in_child(**_: Any) -> None:
    reset()  # nothing inherited from the parent process
    runtime()
