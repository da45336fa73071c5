"""Status changes as signed webhooks: a real Celery worker sends them to a real HTTP
receiver on loopback, including one that is down at first and one that keeps failing."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import select

from pipeline import ledger
from pipeline.database import session
from pipeline.settings import load_settings
from schemas.tables import StatusEvent, WebhookDelivery
from tests.conftest import SEEDS, WorkerProcess, pipeline_env, use_broker
from workers.web import create_app

pytestmark = pytest.mark.integration
SECRET = "hook-secret"


class Receiver:
    """An HTTP server on a loopback port that records each POST and answers ``status``."""

    def __init__(self, port: int = 0) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.status < 300:
                    receiver.received.append((dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"ok" if receiver.status < 300 else b"receiver broken")

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _until(check: Callable[[], Any], what: str, worker: WorkerProcess, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen in {timeout}s\n{worker.log()[-4000:]}")


def _deliveries(engine: Engine) -> list[WebhookDelivery]:
    with session(engine) as s:
        return list(s.exec(select(WebhookDelivery).order_by(WebhookDelivery.id)).all())


def _events(engine: Engine) -> list[StatusEvent]:
    with session(engine) as s:
        return list(s.exec(select(StatusEvent).order_by(StatusEvent.id)).all())


@pytest.fixture
def hooked(tmp_path: Path, ledger_url: str, engine: Engine, clean_broker: str) -> Iterator[Any]:
    """Start a worker whose status changes go to ``url`` (a function, so each test picks
    its receiver and retry settings); yields (start, env)."""
    from workers.tasks import enqueue

    use_broker(clean_broker)
    workers: list[WorkerProcess] = []

    def start(url: str, retries: int, backoff: float) -> tuple[WorkerProcess, Callable]:
        env = pipeline_env(tmp_path, ledger_url, clean_broker) | {
            "CLAIMTRACK_WEBHOOK_URL": url, "CLAIMTRACK_WEBHOOK_SECRET": SECRET,
            "CLAIMTRACK_WEBHOOK_RETRIES": str(retries),
            "CLAIMTRACK_WEBHOOK_BACKOFF": str(backoff), "CLAIMTRACK_WEBHOOK_TIMEOUT": "2",
        }  # fmt: skip
        worker = WorkerProcess(env, tmp_path / f"worker-{len(workers)}.log")
        worker.start()
        workers.append(worker)

        def send(*seeds: Path) -> list[int]:
            ids = []
            with session(engine) as s:
                for seed in seeds:
                    document, _ = ledger.record_document(
                        s, raw=seed.read_bytes(), file_name=seed.name
                    )
                    assert document.id is not None
                    ids.append(document.id)
            for document_id in ids:
                enqueue(document_id)
            return ids

        return worker, send

    yield start
    for worker in workers:
        worker.stop()


def test_status_changes_reach_a_receiver_that_was_down_at_first(hooked, engine: Engine) -> None:
    port = _free_port()  # nothing listens there yet
    worker, send = hooked(f"http://127.0.0.1:{port}/hooks/claimtrack", retries=6, backoff=0.5)
    ids = send(*sorted(SEEDS.glob("*.txt")))

    def verified() -> bool:
        with session(engine) as s:
            states = ledger.document_states(s, ids=ids)
        return len(states) == 5 and set(states.values()) == {"verified"}

    # Verification does not wait for the receiver: every document is verified while the
    # receiver is down, and its alerts are pending with the error of the first attempt.
    _until(verified, "verification", worker)
    _until(lambda: any(d.attempts >= 1 for d in _deliveries(engine)), "a first attempt", worker)
    assert all(d.state != "delivered" for d in _deliveries(engine))
    tried = next(d for d in _deliveries(engine) if d.attempts >= 1)
    assert tried.state == "pending" and "ConnectError" in (tried.last_error or "")

    receiver = Receiver(port)
    try:
        events = _events(engine)
        _until(lambda: len({json.loads(b)["delivery_id"] for _, b in receiver.received})
               >= len(events), "every delivery", worker)  # fmt: skip
    finally:
        receiver.stop()
    deliveries = _deliveries(engine)
    assert {d.event_id for d in deliveries} == {e.id for e in events}  # one per status change
    assert {d.state for d in deliveries} == {"delivered"}
    assert max(d.attempts for d in deliveries) >= 2  # retried, not lost

    by_event = {e.id: e for e in events}
    for headers, body in receiver.received:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Claimtrack-Signature"] == expected
        message = json.loads(body)
        event = by_event[next(d.event_id for d in deliveries if d.id == message["delivery_id"])]
        assert (message["old_status"], message["new_status"], message["reason"]) == (
            event.old_status, event.new_status, event.reason,
        )  # fmt: skip
        assert message["claim"]["id"] == event.claim_id
        assert headers["X-Claimtrack-Delivery"] == str(message["delivery_id"])
    assert any(json.loads(b)["new_status"] == "corroborated" for _, b in receiver.received)


@pytest.mark.parametrize(
    "ledger_url", ["sqlite"], indirect=True
)  # the outbox is shown on both above
def test_a_receiver_that_keeps_failing_is_recorded_then_sent_again(
    hooked, engine: Engine, tmp_path: Path, ledger_url: str, clean_broker: str
) -> None:
    receiver = Receiver()
    receiver.status = 503
    url = f"http://127.0.0.1:{receiver.port}/hook"
    try:
        worker, send = hooked(url, retries=1, backoff=0.2)
        send(sorted(SEEDS.glob("*.txt"))[3])

        def all_failed() -> list[WebhookDelivery]:
            deliveries = _deliveries(engine)
            done = len(deliveries) == len(_events(engine)) and deliveries
            return deliveries if done and all(d.state == "failed" for d in deliveries) else []

        failed = _until(all_failed, "the failure", worker)
        assert {d.attempts for d in failed} == {2}  # the first attempt and one retry
        assert {(d.last_error, d.response_status) for d in failed} == {
            ("HTTP 503: receiver broken", 503)
        }
        assert receiver.received == []

        # Nothing is lost: the desk lists it, and sends it again once the receiver is back.
        receiver.status = 200
        settings = load_settings(
            data_dir=tmp_path / "data", database_url=ledger_url, broker_url=clean_broker,
            web_users="ann:pw", webhook_url=url, webhook_secret=SECRET,
        )  # fmt: skip
        with TestClient(create_app(settings, engine)) as client:
            listed = client.get("/alerts", params={"state": "failed"}, auth=("ann", "pw")).json()
            assert sorted(d["id"] for d in listed) == [d.id for d in failed]
            queued = client.post("/alerts/retry", auth=("ann", "pw")).json()
            assert queued == {"queued": len(failed)}
        _until(lambda: len(receiver.received) == len(failed), "the resend", worker)
        deliveries = _deliveries(engine)
        assert {(d.state, d.last_error) for d in deliveries} == {("delivered", None)}
    finally:
        receiver.stop()


def test_the_outbox_row_is_written_with_the_event_and_sent_only_after_commit(
    tmp_path: Path, sqlite_url: str
) -> None:
    """Whoever writes a status change (here the stages in this process, as `claimtrack
    review` or the desk would) writes its delivery in the same transaction; the task is
    queued only once that transaction commits, and a rollback sends nothing."""
    from pipeline.database import open_ledger
    from schemas.enums import ClaimStatus
    from tests.conftest import process
    from workers import alerts

    engine = open_ledger(sqlite_url)
    settings = load_settings(data_dir=tmp_path, database_url=sqlite_url,
                             webhook_url="http://127.0.0.1:9/hook", webhook_secret=SECRET)  # fmt: skip
    queued: list[int] = []
    assert alerts.install(settings, queued.append)
    try:
        for seed in sorted(SEEDS.glob("*.txt")):
            process(engine, seed.name, seed.read_bytes())
        events = _events(engine)
        assert events and sorted(queued) == [e.id for e in events]
        assert [(d.event_id, d.state) for d in _deliveries(engine)] == [
            (e.id, "pending") for e in events
        ]
        with session(engine) as s:
            ledger.set_verdict(s, claim_id=events[0].claim_id, verdict=ClaimStatus.REFUTED,
                               note="checked", reviewer="ann")  # fmt: skip
            s.flush()
            assert len(s.exec(select(WebhookDelivery)).all()) == len(events) + 1
            s.rollback()
        assert len(_deliveries(engine)) == len(events) and len(queued) == len(events)
    finally:
        alerts.uninstall()
        engine.dispose()
    # Uninstalled: status changes are no longer alerts.
    process(
        engine,
        "more.txt",
        b"Drills\nFebruary 16, 2022\nThe drills in Belarus end on February 21.\n",
    )
    assert len(_deliveries(engine)) == len(events) < len(_events(engine))
