"""`claimtrack up`: broker, worker, Flower and watcher in the foreground, stopped cleanly
together. The worker and Flower run as child processes (``celery -A workers.celery_app``);
the watcher runs in this process."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine

from pipeline import ledger
from pipeline.database import open_ledger, session
from pipeline.settings import Settings
from workers.embedded import EmbeddedRedis
from workers.watcher import Inbox, Watcher

log = logging.getLogger(__name__)


def celery_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "workers.celery_app", *args]


def flower_arguments(settings: Settings) -> tuple[list[str], dict[str, str]]:
    """Flower's command line and environment (credentials go in the environment, not argv)."""
    settings.check_flower()
    env: dict[str, str] = {}
    if settings.flower_user and settings.flower_password:
        env["FLOWER_BASIC_AUTH"] = (
            f"{settings.flower_user}:{settings.flower_password.get_secret_value()}"
        )
    args = ["flower", f"--address={settings.flower_address}", f"--port={settings.flower_port}"]
    return args, env


class Stack:
    def __init__(
        self,
        settings: Settings,
        *,
        flower: bool = True,
        concurrency: int | None = None,
        log_to_file: bool = False,
    ) -> None:
        self.settings = settings
        self.log_to_file = log_to_file
        self.with_flower = flower
        self.concurrency = concurrency or settings.worker_concurrency
        self.redis: EmbeddedRedis | None = None
        self.children: list[subprocess.Popen[bytes]] = []
        self.names: dict[int, str] = {}
        self.stop_event = threading.Event()
        self.engine: Engine | None = None
        self.watcher: Watcher | None = None
        self._thread: threading.Thread | None = None

    @property
    def broker_url(self) -> str:
        return self.redis.url if self.redis else self.settings.broker

    def start(self) -> None:
        self.engine = open_ledger(self.settings.ledger_url)
        if self.settings.uses_embedded_broker:
            self.redis = EmbeddedRedis(self.settings.data_dir)
            self.redis.start()
            log.info("embedded Redis on %s", self.redis.socket)
        # The children read the same settings as this process, however they were given.
        env = {
            **os.environ,
            **self.settings.as_environment(),
            "CLAIMTRACK_BROKER_URL": self.broker_url,
        }
        worker_args = ["worker", "--loglevel=INFO", f"--concurrency={self.concurrency}",
                       "--hostname=claimtrack@%h", "--without-gossip", "--without-mingle"]  # fmt: skip
        self._spawn("worker", worker_args, env)
        if self.with_flower:
            args, extra = flower_arguments(self.settings)
            self._spawn("flower", args, {**env, **extra})
            log.info(
                "Flower on http://%s:%s", self.settings.flower_address, self.settings.flower_port
            )
        from workers.celery_app import use_broker
        from workers.tasks import enqueue

        use_broker(self.broker_url)
        inbox = Inbox(self.settings, self.engine, enqueue)
        self.watcher = Watcher(
            inbox,
            settle_seconds=self.settings.settle_seconds,
            stuck_seconds=self.settings.stuck_seconds,
        )
        inbox.reconcile()  # whatever is unfinished was interrupted by the last stop
        self._thread = threading.Thread(target=self.watcher.run, args=(self.stop_event,),
                                        name="watcher", daemon=True)  # fmt: skip
        self._thread.start()

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        output = None
        if self.log_to_file:
            self.settings.data_dir.mkdir(parents=True, exist_ok=True)
            output = open(self.settings.data_dir / f"{name}.log", "ab")  # noqa: SIM115
        # A session of its own: Ctrl-C reaches only this process, which then stops the
        # children in order (workers finish their task first) instead of all at once.
        child = subprocess.Popen(
            celery_command(*args),
            start_new_session=True,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
        )
        if output is not None:
            output.close()  # the child has its own descriptor now
        self.children.append(child)
        self.names[child.pid] = name

    def wait(self) -> None:
        """Block until Ctrl-C (SIGINT) or SIGTERM, or a child dies."""
        received = threading.Event()
        # Installed explicitly: a process started in the background inherits SIGINT ignored.
        previous = {
            sig: signal.signal(sig, lambda *_: received.set())
            for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            while not received.is_set():
                for child in self.children:
                    if child.poll() is not None:
                        log.error("%s exited with %s", self.names[child.pid], child.returncode)
                        return
                received.wait(0.5)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def wait_for(self, hashes: Iterable[str], timeout: float) -> bool:
        """Wait until the documents with these content hashes are verified or failed."""
        wanted = set(hashes)
        deadline = time.monotonic() + timeout
        assert self.engine is not None
        while time.monotonic() < deadline:
            with session(self.engine) as s:
                docs = [d for d in ledger.list_documents(s) if d.content_hash in wanted]
            if len(docs) == len(wanted) and all(d.state in ledger.TERMINAL_STATES for d in docs):
                return True
            if any(c.poll() is not None for c in self.children):
                return False
            time.sleep(0.2)
        return False

    def stop(self) -> None:
        self.stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        for child in reversed(self.children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)  # Celery: warm shutdown, finish the task
        for child in self.children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.children.clear()
        if self.redis is not None:
            self.redis.stop()
        if self.engine is not None:
            self.engine.dispose()


def copy_into(inbox: Path, files: Iterable[Path]) -> list[Path]:
    """Drop files into the inbox the way a user would: write under a temporary name, then
    rename, so the watcher never sees half a file."""
    inbox.mkdir(parents=True, exist_ok=True)
    dropped = []
    for source in files:
        temporary = inbox / f".{source.name}.part"
        temporary.write_bytes(source.read_bytes())
        target = inbox / source.name
        os.replace(temporary, target)
        dropped.append(target)
    return dropped
