"""What Flower shows, read from the events a real worker sends (Flower's own source): each
task names its file, says what it found, and a refused input ends cleanly with its reason
instead of a red FAILURE and two tracebacks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import SEEDS, WorkerProcess, pipeline_env, use_broker
from workers.cli import main

pytestmark = pytest.mark.integration


@pytest.fixture
def events(clean_broker: str) -> Iterator[list[dict[str, Any]]]:
    """Every task event on the broker, captured as Flower captures them."""
    from workers.celery_app import app

    use_broker(clean_broker)
    seen: list[dict[str, Any]] = []
    ready = threading.Event()
    stop = threading.Event()

    def capture() -> None:
        with app.connection_for_read() as connection:
            receiver = app.events.Receiver(connection, handlers={"*": seen.append})
            ready.set()
            while not stop.is_set():
                try:
                    receiver.capture(limit=None, timeout=0.5, wakeup=False)
                except TimeoutError:
                    continue

    thread = threading.Thread(target=capture, daemon=True)
    thread.start()
    ready.wait(10)
    time.sleep(0.5)  # the receiver's queue is bound before anything is sent
    try:
        yield seen
    finally:
        stop.set()
        thread.join(5)


@pytest.fixture
def worker(
    tmp_path: Path, sqlite_url: str, clean_broker: str
) -> Iterator[tuple[dict[str, str], WorkerProcess]]:
    """A real worker, and the environment the CLI reaches it with."""
    env = pipeline_env(tmp_path, sqlite_url, clean_broker)
    process = WorkerProcess(env, tmp_path / "worker.log")
    process.start()
    try:
        yield env, process
    finally:
        process.stop()


def test_flower_sees_file_names_findings_and_clean_refusals(
    tmp_path: Path, worker: tuple[dict[str, str], WorkerProcess], events: list[dict[str, Any]]
) -> None:
    env, process = worker
    _watch_like_flower(process)
    seed = sorted(SEEDS.glob("*.txt"))[0]
    empty = tmp_path / "blank page.txt"
    empty.write_text("   \n")
    result = CliRunner().invoke(main, ["ingest", str(seed), str(empty), "--wait"], env=env)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(_of(events, "task-succeeded")) < 4:
        time.sleep(0.2)

    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        "failed #2 blank page.txt: empty: the file is empty or holds only white space",
        "Error: 1 document failed; see `claimtrack documents --state failed`",
    ]
    assert "verified 1, failed 1, pending 0; 1 claim" in result.stdout

    received = {(e["name"], e["args"]) for e in _of(events, "task-received")}
    assert received == {
        ("claimtrack.normalise", f"#1 {seed.name}"),
        ("claimtrack.extract", f"#1 {seed.name}"),
        ("claimtrack.verify", f"#1 {seed.name}"),
        ("claimtrack.normalise", "#2 blank page.txt"),
    }
    names = {e["uuid"]: e["name"] for e in _of(events, "task-received")}
    results = sorted((names[e["uuid"]], e["result"]) for e in _of(events, "task-succeeded"))
    assert results == [
        ("claimtrack.extract", "'1 claim'"),
        ("claimtrack.normalise", "'normalised'"),
        ("claimtrack.normalise",
         "'refused (empty): the file is empty or holds only white space'"),
        ("claimtrack.verify", "'verified: 1 status change'"),
    ]  # fmt: skip
    assert _of(events, "task-failed") == []
    log = process.log()
    assert "raised unexpected" not in log and "Traceback" not in log, log[-3000:]


def _watch_like_flower(worker: WorkerProcess) -> None:
    """What Flower does when it starts (and every 5 s): tell the workers to send task
    events. A worker sends none until someone watches (workers.celery_app)."""
    from workers.celery_app import app

    deadline = time.monotonic() + 20
    while not app.control.enable_events(reply=True, timeout=1.0):
        assert time.monotonic() < deadline, worker.log()[-3000:]


def test_a_worker_sends_no_task_events_until_someone_watches(
    worker: tuple[dict[str, str], WorkerProcess], events: list[dict[str, Any]]
) -> None:
    env, _ = worker
    seed = sorted(SEEDS.glob("*.txt"))[1]
    result = CliRunner().invoke(main, ["ingest", str(seed), "--wait"], env=env)
    time.sleep(1)  # events, had any been sent, would have arrived
    assert result.exit_code == 0, result.output
    assert [e for e in list(events) if str(e.get("type", "")).startswith("task-")] == []


def _of(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in list(events) if e.get("type") == kind]
