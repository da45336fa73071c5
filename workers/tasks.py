"""The chain ``normalise | extract | verify``: thin tasks that take a document id, load,
call ``pipeline``, write, and pass the id on.

Each task reads in a read-only transaction, computes with no transaction open, and writes
in one short write transaction, so that on SQLite (one writer at a time) a worker holds the
write lock only while it writes, never while it normalises or extracts.

Transient database errors (a lock, a dropped connection, a concurrent duplicate insert)
retry with exponential backoff; what fails the same way every time (input that is not an
article, too many claims, a value the database refuses, a step over its time limit) is
recorded on the document with a short reason and never retried: the task ends there,
done, with the reason as its result (Flower shows it as such, not as an unexpected error),
and the rest of the chain is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import redis
from celery import Task, chain
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import before_task_publish, worker_process_init
from kombu.exceptions import OperationalError as KombuOperationalError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlmodel import Session

from pipeline import ledger, stages
from pipeline.database import reading, session
from pipeline.errors import InputError, document_fault, short
from schemas.enums import DocumentState
from workers import alerts
from workers.celery_app import app
from workers.runtime import ledger_engine, reset, runtime
from workers.terminal import plural, printable

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
        if not args:
            return
        document_id = int(args[0])
        if isinstance(exc, TimeLimitExceeded):
            # The hard limit: the pool kills the process running the task once this returns.
            # This runs in the worker's main process, which must not open the ledger: the
            # ledger may be what the task was stuck on, and a replacement process forked
            # while a SQLite connection is open here inherits its locks and hangs. The
            # failure is queued as a task of its own, recorded by the next pool process.
            limit = exc.args[0] if exc.args else app.conf.task_time_limit
            detail = (f"{_stage(self)} was still running after {float(limit):.0f}s, its hard "
                      "time limit, and was stopped")  # fmt: skip
            try:
                record_failure.apply_async((document_id, "time_limit", detail), retry=False)
            except Exception:  # the broker is away: reconcile sends the document again
                log.exception("could not queue the failure of document %s", document_id)
            return
        if isinstance(exc, TRANSIENT):
            # The broker or the database was away (retries exhausted, or the next step of
            # the chain could not be sent). The document stays in its stage; reconcile
            # sends it again. It is not the document's fault, so it is not marked failed.
            log.warning("document %s left for reconcile after %r", document_id, exc)
            return
        # An unexpected bug: say so on the document, so it is not lost in silence.
        _record(document_id, "processing_error", short(f"{type(exc).__name__}: {exc}"))


def _stage(task: Task) -> str:
    return f"the {str(task.name).removeprefix('claimtrack.')} step"


def _record(document_id: int, reason: str, detail: str) -> None:
    try:
        _in_transaction(lambda s: _fail(s, document_id, reason, detail))
    except Exception:  # the database itself may be what failed
        log.exception("could not record the failure of document %s", document_id)


def _in_transaction(work: Callable[[Session], T]) -> T:
    with session(ledger_engine()) as s:
        result = work(s)
        s.commit()
        return result


def _read(work: Callable[[Session], T]) -> T:
    with reading(ledger_engine()) as s:
        return work(s)


def _fail(s: Session, document_id: int, reason: str, detail: str) -> None:
    document = ledger.get_document(s, document_id=document_id)
    ledger.set_state(s, document=document, state=DocumentState.FAILED, reason=reason, detail=detail)


@app.task(
    bind=True,
    name="claimtrack.record_failure",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=1,
    max_retries=8,
)
def record_failure(self: Task, document_id: int, reason: str, detail: str) -> str:
    """Mark a document failed, for the worker's main process (the hard time limit)."""
    _in_transaction(lambda s: _fail(s, document_id, reason, detail))
    return f"document #{document_id} failed ({reason}): {detail}"


class Refused(NamedTuple):
    """Why a step ended its document (recorded on it): the task's result, not an error."""

    reason: str
    detail: str

    def __str__(self) -> str:
        return f"refused ({self.reason}): {self.detail}"


def _step(task: Task, document_id: int, work: Callable[[], T]) -> T | Refused:
    """Run one step of the chain. What fails the same way every time (input that is not
    an article, too many claims, a value the database refuses, the soft time limit) is
    recorded on the document with a short reason, never retried, and ends the chain;
    anything else is left to Celery: infrastructure errors retry, bugs reach
    ``on_failure``."""
    try:
        return work()
    except ledger.NotFound as exc:  # no document to record it on (deleted since it was sent)
        task.request.chain = task.request.callbacks = None
        return Refused("not_found", str(exc))
    except SoftTimeLimitExceeded:
        limit = float(app.conf.task_soft_time_limit or 0)
        fault = InputError("time_limit", f"{_stage(task)} was still running after {limit:.0f}s, "
                           "its time limit (CLAIMTRACK_TASK_SOFT_SECONDS)")  # fmt: skip
    except Exception as exc:
        found = document_fault(exc)
        if found is None:
            raise
        fault = found
    _record(document_id, fault.reason, fault.detail)
    # An expected end, not an error: the rest of the chain is dropped, and Flower shows the
    # task done with the reason.
    task.request.chain = task.request.callbacks = None
    log.info("document #%s refused: %s: %s", document_id, fault.reason, fault.detail)
    return Refused(fault.reason, fault.detail)


@app.task(base=PipelineTask, bind=True, name="claimtrack.normalise")
def normalise(self: Task, document_id: int) -> str:
    def work() -> None:
        source = _read(lambda s: stages.source_to_normalise(s, document_id=document_id))
        if source is not None:
            article = stages.normalise_source(source)
            _in_transaction(
                lambda s: stages.store_normalised(s, document_id=document_id, article=article)
            )

    done = _step(self, document_id, work)
    return str(done) if isinstance(done, Refused) else "normalised"


@app.task(base=PipelineTask, bind=True, name="claimtrack.extract")
def extract(self: Task, document_id: int) -> str:
    rt = runtime()

    def work() -> int | None:
        article = _read(lambda s: stages.article_to_extract(s, document_id=document_id))
        if article is None:  # done already (a redelivered message)
            return None
        extraction = stages.extract_article(article, rt.nlp, max_claims=rt.settings.max_claims)
        return _in_transaction(
            lambda s: stages.store_extraction(
                s, document_id=document_id, extraction=extraction,
                tolerance=rt.settings.agree_tolerance,
            )
        )  # fmt: skip

    count = _step(self, document_id, work)
    if isinstance(count, Refused):
        return str(count)
    if count is None:
        return "extracted already"
    log.info("document #%s: %s claims", document_id, count)
    return plural(count, "claim")


@app.task(base=PipelineTask, bind=True, name="claimtrack.verify")
def verify(self: Task, document_id: int) -> str:
    rt = runtime()
    changes = _step(
        self,
        document_id,
        lambda: _in_transaction(
            lambda s: stages.verify_stage(
                s,
                document_id=document_id,
                tolerance=rt.settings.agree_tolerance,
                same_moment_days=rt.settings.same_moment_days,
            )
        ),
    )
    if isinstance(changes, Refused):
        return str(changes)
    return f"verified: {plural(changes, 'status change')}"


def pipeline_for(document_id: int, label: str | None = None) -> Any:
    """The chain for one document. Each task takes the id (and returns what it found, for
    Flower); ``label`` is what Flower shows as the tasks' argument (the file name)."""
    shown = {"argsrepr": label or f"#{document_id}"}
    return chain(*(t.si(document_id).set(**shown) for t in (normalise, extract, verify)))


def enqueue(document_id: int, *, file_name: str | None = None) -> None:
    """Send the document's chain to the broker. Call only after its row is committed."""
    label = f"#{document_id} {printable(file_name)}" if file_name else None
    pipeline_for(document_id, label).apply_async()


def enqueuer(engine: Engine) -> Callable[[int], None]:
    """``enqueue`` for callers that hold only the id (the watcher, reconcile): the file name
    Flower shows is read from the ledger."""

    def send(document_id: int) -> None:
        with reading(engine) as s:
            name = ledger.file_name_of(s, document_id=document_id)
        enqueue(document_id, file_name=name)

    return send


@before_task_publish.connect
def _worker_decides_time_limits(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """Send no time limits with a message: the worker's settings decide them. (Celery
    stamps the sender's, so the watcher's defaults would bind every worker.)"""
    if headers is not None and str(headers.get("task", "")).startswith("claimtrack."):
        headers["timelimit"] = (None, None)


@worker_process_init.connect
def _load_in_child(**_: Any) -> None:
    reset(after_fork=True)  # nothing inherited from the parent process
    runtime()


# --- alerts: status changes as signed webhooks (see workers/alerts.py) ---------------------


@app.task(
    bind=True,
    name="claimtrack.webhook",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=1,
    max_retries=8,
)
def webhook(self: Task, event_id: int) -> str:
    """POST one status change to CLAIMTRACK_WEBHOOK_URL; retried with backoff while the
    receiver fails, then recorded as failed (``webhook_delivery``)."""
    rt = runtime()
    attempt = alerts.deliver(rt.engine, rt.settings, event_id=event_id)
    if attempt.retry_in is not None:
        # The ledger counts the receiver's failures; Celery's count also holds database retries.
        raise self.retry(countdown=attempt.retry_in, max_retries=rt.settings.webhook_retries + 8)
    return attempt.state


def send_webhook(event_id: int) -> None:
    """Queue the webhook of one status event (never waits for a broker that is away)."""
    webhook.apply_async((event_id,), retry=False)


@worker_process_init.connect
def _alerts_in_child(**_: Any) -> None:
    rt = runtime()
    if alerts.install(rt.settings, send_webhook):
        alerts.resend_pending(rt.engine)
