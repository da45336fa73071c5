"""Hostile documents through a real Celery worker and a real Redis (issue 12): a document
that fails the same way every time fails once, with a short reason; a step over its time
limit (soft, or hard when the process is stuck outside Python) fails its document; no
write lock is held while a document is computed; two workers on one host are told apart.

The worker runs the rules alone (``blank:en``) so that it starts in seconds.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from pipeline import ledger
from pipeline.database import open_ledger, session
from tests.conftest import ROOT, SEEDS, WorkerProcess, pipeline_env, use_broker

pytestmark = [pytest.mark.fault, pytest.mark.integration]

HEAD = "Troops gather near the border\n\nFebruary 15, 2022\n\n"


def _numbers(count: int) -> bytes:
    lines = (f"Officials said {100_000 + 1000 * i:,} troops were massed near the border.\n"
             for i in range(count))  # fmt: skip
    return (HEAD + "".join(lines)).encode()


def _prose(size: int) -> bytes:
    seeds = "\n\n".join(p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt")))
    return (seeds * (size // len(seeds) + 1))[:size].encode()


class Pipeline:
    """A worker process on a ledger; documents recorded and sent as the watcher does."""

    def __init__(self, tmp_path: Path, ledger_url: str, broker_url: str, **settings: str):
        self.env = pipeline_env(tmp_path, ledger_url, broker_url)
        self.env.update(CLAIMTRACK_SPACY_MODEL="blank:en", **settings)
        use_broker(broker_url)
        self.engine = open_ledger(ledger_url)
        self.worker = WorkerProcess(self.env, tmp_path / "worker.log")

    def record(self, name: str, raw: bytes) -> int:
        with session(self.engine) as s:
            document, _ = ledger.record_document(s, raw=raw, file_name=name)
        assert document.id is not None
        return document.id

    def send(self, name: str, raw: bytes) -> int:
        from workers.tasks import enqueue

        document_id = self.record(name, raw)
        enqueue(document_id)
        return document_id

    def finished(self, document_id: int, timeout: float = 120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with session(self.engine) as s:
                document = ledger.get_document(s, document_id=document_id)
            if document.state in ledger.TERMINAL_STATES:
                return document
            time.sleep(0.2)
        raise AssertionError(f"#{document_id} is {document.state}\n{self.worker.log()[-3000:]}")


@pytest.fixture
def pipeline(request, tmp_path: Path, ledger_url: str, clean_broker: str) -> Iterator[Pipeline]:
    settings = getattr(request, "param", {})
    made = Pipeline(tmp_path, ledger_url, clean_broker, **settings)
    made.worker.start()
    yield made
    made.worker.stop()
    made.engine.dispose()


@pytest.mark.parametrize(
    "pipeline",
    [{"CLAIMTRACK_MAX_CLAIMS": "3", "CLAIMTRACK_TASK_SOFT_SECONDS": "3",
      "CLAIMTRACK_TASK_HARD_SECONDS": "60"}],
    indirect=True,
)  # fmt: skip
def test_what_fails_every_time_fails_the_document_once(pipeline: Pipeline) -> None:
    """A figure the database cannot hold, too many claims, a step over its time limit:
    each fails its document once, with a short reason. (SQLite's "Expression tree is too
    large" was retried, and PostgreSQL's reason was the whole INSERT statement.)"""
    absurd = pipeline.send("absurd.txt", (HEAD + "The shelling killed 99,999,999,999,999,999,"
                                          "999 civilians, officials said.\n").encode())  # fmt: skip
    crowded = pipeline.send("crowded.txt", _numbers(4))
    slow = pipeline.send("slow.txt", _prose(4_000_000))  # seconds of extraction
    fine = pipeline.send("fine.txt", _numbers(3))
    rejected, refused, stopped, verified = (
        pipeline.finished(i) for i in (absurd, crowded, slow, fine)
    )
    assert (rejected.state, rejected.failure_reason) == ("failed", "database_rejected")
    assert rejected.failure_detail in ("Python int too large to convert to SQLite INTEGER",
                                       "bigint out of range")  # fmt: skip
    assert (refused.state, refused.failure_reason) == ("failed", "too_many_claims")
    assert refused.failure_detail.startswith("4 claims found; a document may hold at most 3")
    assert (stopped.state, stopped.failure_reason) == ("failed", "time_limit")
    assert stopped.failure_detail == (
        "the extract step was still running after 3s, its time limit (CLAIMTRACK_TASK_SOFT_SECONDS)"
    )
    assert verified.state == "verified" and verified.claim_count == 3
    log = pipeline.worker.log()
    assert "Retry in" not in log
    assert len(re.findall(r"Task claimtrack\.extract\[[\w-]+\] received", log)) == 4


@pytest.fixture
def sqlite_pipeline(tmp_path: Path, sqlite_url: str, clean_broker: str) -> Iterator[Pipeline]:
    made = Pipeline(tmp_path, sqlite_url, clean_broker, CLAIMTRACK_TASK_SOFT_SECONDS="1",
                    CLAIMTRACK_TASK_HARD_SECONDS="3")  # fmt: skip
    made.worker.start()
    yield made
    made.worker.stop()
    made.engine.dispose()


def _ledger_file(pipeline: Pipeline) -> str:
    return str(make_url(pipeline.env["CLAIMTRACK_DATABASE_URL"]).database)


def test_a_step_stuck_past_its_hard_limit_is_stopped_and_its_document_failed(
    sqlite_pipeline: Pipeline,
) -> None:
    """The step waits inside SQLite for a lock that a stray writer holds: no Python runs
    there, so the soft limit cannot stop it. The hard limit kills the process; the worker
    records the failure and goes on."""
    from workers.tasks import enqueue

    pipeline = sqlite_pipeline
    stuck = pipeline.record("stuck.txt", _numbers(1))
    holder = sqlite3.connect(_ledger_file(pipeline), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        enqueue(stuck)
        deadline = time.monotonic() + 60
        while "Hard time limit" not in pipeline.worker.log() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        holder.rollback()
        holder.close()
    document = pipeline.finished(stuck)
    assert (document.state, document.failure_reason) == ("failed", "time_limit")
    assert document.failure_detail == (
        "the normalise step was still running after 3s, its hard time limit, and was stopped"
    )
    assert pipeline.finished(pipeline.send("next.txt", _numbers(2))).state == "verified"


def test_no_write_lock_is_held_while_a_document_is_extracted(tmp_path: Path, sqlite_url: str,
                                                              clean_broker: str) -> None:  # fmt: skip
    """SQLite's write lock is the whole ledger: while one worker extracted a document, the
    watcher could record nothing. Others may write while the claims are found."""
    pipeline = Pipeline(tmp_path, sqlite_url, clean_broker)
    pipeline.worker.start()
    try:
        document_id = pipeline.send("long.txt", _prose(1_000_000))  # seconds of extraction
        reader = sqlite3.connect(_ledger_file(pipeline), isolation_level=None)
        state = "received"
        deadline = time.monotonic() + 120
        while state != "normalised" and time.monotonic() < deadline:
            (state,) = reader.execute("SELECT state FROM document WHERE id = ?",
                                      (document_id,)).fetchone()  # fmt: skip
            time.sleep(0.02)
        assert state == "normalised", pipeline.worker.log()[-2000:]
        time.sleep(0.5)  # the extract step has begun
        writer = sqlite3.connect(_ledger_file(pipeline), isolation_level=None, timeout=0)
        took_lock = 0
        for _ in range(10):
            try:
                writer.execute("BEGIN IMMEDIATE")
                writer.rollback()
                took_lock += 1
            except sqlite3.OperationalError:  # "database is locked"
                pass
            time.sleep(0.1)
        (state,) = reader.execute("SELECT state FROM document WHERE id = ?",
                                  (document_id,)).fetchone()  # fmt: skip
        assert state == "normalised"  # still extracting while the lock was tried
        assert took_lock >= 5
        assert pipeline.finished(document_id).state == "verified"
    finally:
        pipeline.worker.stop()


def test_two_workers_on_one_host_have_their_own_names(tmp_path: Path, clean_broker: str) -> None:
    from workers.celery_app import app

    env = pipeline_env(tmp_path, f"sqlite:///{tmp_path / 'ledger.db'}", clean_broker)
    env["CLAIMTRACK_SPACY_MODEL"] = "blank:en"
    use_broker(clean_broker)
    logs = [tmp_path / f"w{i}.log" for i in range(2)]
    workers = []
    for log in logs:
        with open(log, "wb") as out:
            workers.append(subprocess.Popen(
                [sys.executable, "-m", "workers.cli", "worker", "--concurrency", "1"],
                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            ))  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not all(b" ready." in p.read_bytes() for p in logs):
            time.sleep(0.2)
        replies = app.control.inspect(timeout=3).ping() or {}
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)
    names = sorted(name for name in replies if name.startswith("claimtrack"))
    assert len(names) == 2, (names, [p.read_text()[-1500:] for p in logs])
    assert all(name.split("@")[0] != "claimtrack" for name in names)
    assert {name.split("@")[0] for name in names} == {f"claimtrack-{w.pid}" for w in workers}
