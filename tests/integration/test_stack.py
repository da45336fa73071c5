"""`claimtrack up` as a user runs it: a real process with its embedded Redis, worker,
Flower and watcher. One stack per data directory; a killed worker comes back; however it
is stopped (two SIGTERMs, or SIGKILL), no child is left behind."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import ledger
from pipeline.database import open_ledger, session
from tests.conftest import SEEDS, tempfile_short
from workers.stack import ChildProcess, Supervisor, copy_into

pytestmark = pytest.mark.integration
CLAIMTRACK = str(Path(sys.executable).parent / "claimtrack")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children_of() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def descendants(pid: int) -> set[int]:
    tree, found, todo = _children_of(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    """The pids still running (a zombie has finished: it only waits to be reaped)."""
    running = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.add(pid)
    return running


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def wait_until(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout}s: {what}")


class Up:
    """`claimtrack up` in a child process, its output in a file."""

    def __init__(self, data_dir: Path, log: Path) -> None:
        self.data_dir = data_dir
        self.log = log
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMTRACK_")}
        self.env.update(
            CLAIMTRACK_DATA_DIR=str(data_dir),
            CLAIMTRACK_SPACY_MODEL="blank:en",
            CLAIMTRACK_FLOWER_PORT=str(_free_port()),
            CLAIMTRACK_SETTLE_SECONDS="0.2",
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120, *, ready: bool = True) -> Up:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [CLAIMTRACK, "up"], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        if not ready:
            return self
        wait_until(
            lambda: "claimtrack is up" in self.output() or self.process.poll() is not None,  # type: ignore[union-attr]
            timeout,
            "claimtrack up said it was up",
        )
        assert self.process.poll() is None, self.output()[-3000:]
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def flower_tasks(self) -> set[str]:
        """The names of the tasks Flower's task list shows (its page's own JSON query)."""
        query = urllib.parse.urlencode({
            "draw": 1, "start": 0, "length": 100, "search[value]": "",
            "order[0][column]": 0, "order[0][dir]": "asc", "columns[0][data]": "name",
        })  # fmt: skip
        port = self.env["CLAIMTRACK_FLOWER_PORT"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/tasks/datatable?{query}") as page:
            return {str(task["name"]) for task in json.load(page)["data"]}

    def child(self, word: str) -> int:
        assert self.process is not None
        (pid,) = [
            p for p in descendants(self.process.pid)
            if _parent(p) == self.process.pid and f"workers.celery_app {word}" in command_of(p)
        ]  # fmt: skip
        return pid

    def kill_all(self) -> None:
        if self.process is not None and self.process.poll() is None:
            for pid in descendants(self.process.pid) | {self.process.pid}:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.process.wait()


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.fixture
def data_dir() -> Path:
    return Path(tempfile_short()) / "data"  # a unix socket path must stay short


@pytest.fixture
def up(data_dir: Path, tmp_path: Path) -> Iterator[Up]:
    stack = Up(data_dir, tmp_path / "up.log")
    try:
        yield stack
    finally:
        stack.kill_all()


def test_up_restarts_its_worker_and_stops_leaving_no_child(up: Up, data_dir: Path) -> None:
    up.start()
    assert up.process is not None
    second = subprocess.run([CLAIMTRACK, "up"], env=up.env, capture_output=True, text=True)
    assert second.returncode == 1
    assert second.stderr == (
        f"Error: claimtrack is already running on {data_dir} (pid {up.process.pid}): "
        "stop it first, or set CLAIMTRACK_DATA_DIR to another directory\n"
    )

    first_worker = up.child("worker")
    children = descendants(up.process.pid)
    os.kill(first_worker, signal.SIGKILL)
    wait_until(lambda: "the worker was killed by SIGKILL; starting it again" in up.output(), 20,
               "up noticed the dead worker")  # fmt: skip
    wait_until(lambda: "the worker is running again" in up.output(), 30, "a new worker")
    assert up.child("worker") != first_worker
    # The new worker does the work: a dropped article is verified.
    seed = sorted(SEEDS.glob("*.txt"))[0]
    copy_into(data_dir / "inbox", [seed])
    engine = open_ledger(f"sqlite:///{data_dir / 'ledger.db'}")

    def verified() -> bool:
        with session(engine) as s:
            return [d.state for d in ledger.list_documents(s)] == ["verified"]

    wait_until(verified, 90, "the article verified by the restarted worker")
    engine.dispose()
    # Flower saw its three tasks: `up` starts its worker sending task events.
    wait_until(lambda: up.flower_tasks() >= {"claimtrack.normalise", "claimtrack.extract",
                                             "claimtrack.verify"}, 20, "the tasks in Flower")  # fmt: skip

    children |= descendants(up.process.pid)
    assert len(alive(children)) >= 4  # broker, worker (+ its pool process), Flower
    up.process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    up.process.send_signal(signal.SIGTERM)  # impatient: a second signal stops it at once
    assert up.process.wait(timeout=60) == 0, up.output()[-3000:]
    wait_until(lambda: not alive(children), 10, f"no child left: {alive(children)}")
    assert "Traceback" not in up.output()


def test_up_killed_outright_takes_its_children_along(up: Up) -> None:
    up.start(ready=False)
    assert up.process is not None
    pid = up.process.pid

    def started() -> bool:  # not necessarily answering yet: started is enough here
        commands = [command_of(p) for p in descendants(pid)]
        return all(
            any(word in c for c in commands) for word in ("redis-server", "worker", "flower")
        )

    wait_until(started, 120, "the broker, worker and Flower started")
    children = descendants(pid)
    up.process.kill()
    up.process.wait()
    wait_until(lambda: not alive(children), 30, f"no child left: {alive(children)}")


def test_a_part_that_dies_is_restarted_and_one_that_keeps_dying_ends_it(tmp_path: Path) -> None:
    supervisor = Supervisor(backoff=0.05, backoff_max=0.2, max_restarts=3, window=60)
    sleeper = ChildProcess("sleeper", ["sleep", "60"], dict(os.environ))
    crasher = ChildProcess("crasher", [sys.executable, "-c", "raise SystemExit(3)"],
                           dict(os.environ))  # fmt: skip
    supervisor.add(sleeper)
    first = sleeper.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    wait_until(lambda: supervisor.check() is None and sleeper.pid != first
               and sleeper.exit_status() is None, 10, "the sleeper started again")  # fmt: skip
    supervisor.add(crasher)
    problems: list[str] = []
    wait_until(lambda: bool(problems.append(supervisor.check() or "") or problems[-1]), 20,
               "the supervisor gave up")  # fmt: skip
    assert problems[-1] == (
        "the crasher keeps dying (exited with 3; restarted 3 times in 60s); see its log"
    )
    assert {name: len(times) for name, times in supervisor.restarts.items()} == {
        "sleeper": 1, "crasher": 3
    }  # fmt: skip
    sleeper.kill()


def test_a_dead_watcher_is_started_again(tmp_path: Path, sqlite_url: str) -> None:
    """The watcher thread stops on an error (here its inbox is a file, not a folder); the
    supervisor starts it again after the back-off, and once the inbox is a folder it runs."""
    from pipeline.settings import load_settings
    from workers.stack import WatcherThread
    from workers.watcher import Inbox, Watcher

    inbox_dir = tmp_path / "inbox"
    inbox_dir.write_text("not a folder")
    settings = load_settings(data_dir=tmp_path, inbox_dir=inbox_dir, database_url=sqlite_url)
    engine = open_ledger(sqlite_url)
    sent: list[int] = []
    watcher = Watcher(Inbox(settings, engine, sent.append), settle_seconds=0.1)
    part = WatcherThread(watcher)
    supervisor = Supervisor(backoff=0.2, max_restarts=10)
    supervisor.add(part)
    wait_until(lambda: part.exit_status() is not None, 10, "the watcher failed")
    assert "FileExistsError" in str(part.exit_status())
    inbox_dir.unlink()
    wait_until(lambda: supervisor.check() is None and "watcher" in supervisor.restarts
               and part.exit_status() is None, 10, "the watcher runs again")  # fmt: skip
    copy_into(inbox_dir, [sorted(SEEDS.glob("*.txt"))[0]])
    wait_until(lambda: len(sent) == 1, 20, "the running watcher took the dropped file")
    part.terminate()
    assert part.thread is not None
    part.thread.join(10)
    engine.dispose()


def test_watch_beats_and_stops_on_sigterm(
    tmp_path: Path, sqlite_url: str, clean_broker: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMTRACK_")}
    env.update(CLAIMTRACK_DATA_DIR=str(tmp_path / "data"), CLAIMTRACK_DATABASE_URL=sqlite_url,
               CLAIMTRACK_BROKER_URL=clean_broker, CLAIMTRACK_SETTLE_SECONDS="0.1")  # fmt: skip
    heartbeat = tmp_path / "alive"
    watch = subprocess.Popen([CLAIMTRACK, "watch", "--heartbeat", str(heartbeat)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        wait_until(heartbeat.exists, 60, "the heartbeat file")
        second = subprocess.run([CLAIMTRACK, "watch"], env=env, capture_output=True, text=True)
        assert second.returncode == 1 and "claimtrack is already running" in second.stderr
        watch.send_signal(signal.SIGTERM)
        assert watch.wait(30) == 0
    finally:
        if watch.poll() is None:
            watch.kill()
        watch.wait()
