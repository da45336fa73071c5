"""`claimtrack up`: broker, worker, Flower and watcher in the foreground, supervised and
stopped together.

- One stack per data directory: a lock on ``<data>/claimtrack.lock`` that the operating
  system releases when the process dies, however it dies.
- Supervision: a worker, Flower, embedded broker or watcher that dies is started again
  after a back-off (1 s, 2 s, 4 s ... 30 s); a part that keeps dying (5 restarts within
  two minutes) ends the stack with a one-line reason and a non-zero exit.
- Shutdown leaves no child behind whatever signals arrive: the first SIGINT / SIGTERM /
  SIGHUP stops the parts in order (a worker finishes its task), a second one kills them at
  once; every child runs in a process group of its own, killed whole after a grace period,
  and is started through ``workers.guard`` so that it dies with this process even when this
  process is killed outright.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from pipeline import ledger
from pipeline.database import open_ledger, session
from pipeline.settings import Settings
from workers.embedded import EmbeddedRedis
from workers.guard import guarded
from workers.logs import follow_output
from workers.watcher import Inbox, Watcher, check_inbox

log = logging.getLogger(__name__)

LOCK_NAME = "claimtrack.lock"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StackError(RuntimeError):
    """The stack cannot start or cannot go on; the message is one line for the user."""


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


def check_port_free(
    address: str,
    port: int,
    *,
    what: str = "Flower",
    setting: str = "CLAIMTRACK_FLOWER_PORT",
    option: str = "--no-flower",
) -> None:
    """Raise ``StackError`` when something already listens on ``address:port``."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise StackError(
                f"port {port} on {address} is in use (another {what}?): set "
                f"{setting} to a free port, or start with {option}"
            ) from exc


def listening(address: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((address, port), timeout=0.5):
        return True
    return False


class StackLock:
    """One stack per data directory: an exclusive ``flock`` the OS drops with the process."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_NAME
        self._handle: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(handle, 64).decode(errors="replace").strip() or "unknown"
            os.close(handle)
            raise StackError(
                f"claimtrack is already running on {self.path.parent.resolve()} (pid {holder}): "
                "stop it first, or set CLAIMTRACK_DATA_DIR to another directory"
            ) from None
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            os.close(self._handle)  # closing the descriptor drops the lock
            self._handle = None


# --- the supervised parts ---------------------------------------------------------------


class Part:
    """Something the stack runs and restarts: a child process, the broker, the watcher."""

    name = "part"

    def start(self) -> None:
        raise NotImplementedError

    def exit_status(self) -> str | None:
        """None while it runs; else how it ended ("exited with 1", "killed by SIGKILL")."""
        raise NotImplementedError

    def terminate(self) -> None:
        """Ask it to stop (a worker finishes its task first)."""

    def kill(self) -> None:
        """Stop it now, with everything it started."""

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` for it to end; True when it has."""
        deadline = time.monotonic() + timeout
        while self.exit_status() is None:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True


def describe_exit(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name}"
    return f"exited with {code}"


class ChildProcess(Part):
    """A command in a session (and process group) of its own, dying with this process."""

    def __init__(
        self, name: str, command: list[str], env: dict[str, str], log_path: Path | None = None
    ) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        logged = self.log_path is not None
        # A session of its own: Ctrl-C reaches only `up`, which stops the children in
        # order (workers finish their task first) instead of all at once.
        self.process = subprocess.Popen(
            guarded(self.command),
            start_new_session=True,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if logged else None,
            stderr=subprocess.STDOUT if logged else None,
        )
        if self.log_path is not None and self.process.stdout is not None:
            follow_output(self.process.stdout, self.log_path)  # private, rotated by size

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def exit_status(self) -> str | None:
        if self.process is None:
            return "not started"
        code = self.process.poll()
        return None if code is None else describe_exit(code)

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # Celery: warm shutdown

    def kill(self) -> None:
        if self.process is None:
            return
        # The whole group: a worker's pool processes go with it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def reap_group(self) -> None:
        """After the leader has ended: anything left in its group is killed."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)


class Broker(Part):
    """The embedded Redis."""

    name = "broker"

    def __init__(self, data_dir: Path) -> None:
        self.redis = EmbeddedRedis(data_dir)

    def start(self) -> None:
        self.redis.start()

    def exit_status(self) -> str | None:
        process = self.redis.process
        if process is None:
            return None if self.redis.running() else "not running"
        code = process.poll()
        return None if code is None else describe_exit(code)

    def terminate(self) -> None:
        process = self.redis.process
        if process is not None and process.poll() is None:
            process.terminate()

    def kill(self) -> None:
        process = self.redis.process
        if process is not None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait()
        self.redis.stop()


class WatcherThread(Part):
    """The folder watcher, in a thread of this process."""

    name = "watcher"

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            self.watcher.run(self.stop_event)
        except BaseException as exc:
            self.error = exc
            log.exception("the watcher stopped")

    def start(self) -> None:
        self.stop_event = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._run, name="watcher", daemon=True)
        self.thread.start()

    def exit_status(self) -> str | None:
        if self.thread is None or self.thread.is_alive():
            return None
        return f"failed: {self.error!r}" if self.error else "stopped"

    def terminate(self) -> None:
        self.stop_event.set()

    def kill(self) -> None:
        self.stop_event.set()  # a thread cannot be killed; it is a daemon and stops with us


class Supervisor:
    """Restarts parts that die, with back-off; gives up on a part that keeps dying."""

    def __init__(
        self,
        *,
        backoff: float = 1.0,
        backoff_max: float = 30.0,
        max_restarts: int = 5,
        window: float = 120.0,
    ) -> None:
        self.parts: list[Part] = []
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.max_restarts = max_restarts
        self.window = window
        self.restarts: dict[str, list[float]] = {}
        self._due: dict[str, float] = {}  # part name -> when it is started again

    def add(self, part: Part) -> None:
        part.start()
        self.parts.append(part)

    def check(self) -> str | None:
        """Restart what has died (once its back-off is over). Returns why the stack cannot
        go on, or None."""
        now = time.monotonic()
        for part in self.parts:
            status = part.exit_status()
            if status is None:
                continue
            if part.name not in self._due:
                recent = [t for t in self.restarts.get(part.name, []) if now - t < self.window]
                self.restarts[part.name] = recent
                if len(recent) >= self.max_restarts:
                    return (
                        f"the {part.name} keeps dying ({status}; restarted {len(recent)} times "
                        f"in {self.window:.0f}s); see its log"
                    )
                delay = min(self.backoff * 2 ** len(recent), self.backoff_max)
                log.error("the %s %s; starting it again in %.1fs", part.name, status, delay)
                self._due[part.name] = now + delay
            elif now >= self._due[part.name]:
                del self._due[part.name]
                self.restarts[part.name].append(now)
                if isinstance(part, ChildProcess):
                    part.reap_group()  # whatever the dead one left
                try:
                    part.start()
                except Exception as exc:  # it is tried again after the next back-off
                    log.error("could not start the %s again: %s", part.name, exc)
                else:
                    log.warning("the %s is running again", part.name)
        return None


class Stack:
    def __init__(
        self,
        settings: Settings,
        *,
        flower: bool = True,
        web: bool = False,
        concurrency: int | None = None,
        log_to_file: bool = False,
        supervisor: Supervisor | None = None,
    ) -> None:
        self.settings = settings
        self.log_to_file = log_to_file
        self.with_flower = flower
        self.with_web = web
        if web:  # an open desk is refused before anything starts
            settings.check_web()
            settings.web_accounts  # noqa: B018 (malformed accounts fail here, in one line)
        self.concurrency = concurrency or settings.worker_concurrency
        self.supervisor = supervisor or Supervisor()
        self.lock = StackLock(settings.data_dir)
        self.broker: Broker | None = None
        self.worker_name = f"claimtrack-{os.getpid()}@{socket.gethostname()}"
        self.engine: Engine | None = None
        self.stopping = threading.Event()
        self.hurry = threading.Event()
        self._previous_handlers: dict[int, Any] = {}

    @property
    def broker_url(self) -> str:
        return self.broker.redis.url if self.broker else self.settings.broker

    @property
    def children(self) -> list[ChildProcess]:
        return [p for p in self.supervisor.parts if isinstance(p, ChildProcess)]

    # --- signals -----------------------------------------------------------------------

    def _on_signal(self, signum: int, _frame: Any) -> None:
        if self.stopping.is_set():
            self.hurry.set()  # a second signal: stop now
            log.warning("%s again: stopping now", signal.Signals(signum).name)
        self.stopping.set()

    def _install_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in STOP_SIGNALS:
            # Installed explicitly: a process started in the background inherits SIGINT ignored.
            self._previous_handlers[sig] = signal.signal(sig, self._on_signal)

    def _restore_handlers(self) -> None:
        for sig, handler in self._previous_handlers.items():
            signal.signal(sig, handler)
        self._previous_handlers.clear()

    # --- start, supervise, stop ---------------------------------------------------------

    def start(self, *, ready_timeout: float = 120.0) -> None:
        """Start every part and wait until they answer. Raises ``StackError`` (with nothing
        left running) when the stack cannot start."""
        self._install_handlers()
        try:
            self._start(ready_timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, ready_timeout: float) -> None:
        settings = self.settings
        check_inbox(settings)  # before anything is made in the data directory
        self.lock.acquire()
        if self.with_flower:
            flower_args, flower_env = flower_arguments(settings)
            check_port_free(settings.flower_address, settings.flower_port)
        if self.with_web:
            check_port_free(
                settings.web_address, settings.web_port, what="review desk",
                setting="CLAIMTRACK_WEB_PORT", option="--no-web",
            )  # fmt: skip
        self.engine = open_ledger(settings.ledger_url)
        if settings.uses_embedded_broker:
            self.broker = Broker(settings.data_dir)
            self.supervisor.add(self.broker)
            log.info("embedded Redis on %s", self.broker.redis.socket)
        from workers.celery_app import use_broker
        from workers.tasks import enqueuer

        use_broker(self.broker_url)
        # The children read the same settings as this process, however they were given.
        env = {**os.environ, **settings.as_environment(), "CLAIMTRACK_BROKER_URL": self.broker_url}
        worker_args = ["worker", "--loglevel=INFO", f"--concurrency={self.concurrency}",
                       f"--hostname={self.worker_name}", "--without-gossip", "--without-mingle"]  # fmt: skip
        if self.with_flower:
            worker_args.append("--task-events")  # Flower shows every task from the first
        self.supervisor.add(ChildProcess("worker", celery_command(*worker_args), env,
                                         self._log_path("worker")))  # fmt: skip
        if self.with_flower:
            self.supervisor.add(ChildProcess("flower", celery_command(*flower_args),
                                             {**env, **flower_env}, self._log_path("flower")))  # fmt: skip
        if self.with_web:  # the review desk, supervised like the other parts
            self.supervisor.add(ChildProcess("review desk", [sys.executable, "-m", "workers.web"],
                                             env, self._log_path("web")))  # fmt: skip
        inbox = Inbox(settings, self.engine, enqueuer(self.engine))
        watcher = Watcher(
            inbox, settle_seconds=settings.settle_seconds, stuck_seconds=settings.stuck_seconds
        )
        inbox.reconcile()  # whatever is unfinished was interrupted by the last stop
        self.supervisor.add(WatcherThread(watcher))
        self._wait_until_ready(ready_timeout)

    def _log_path(self, name: str) -> Path | None:
        return self.settings.data_dir / f"{name}.log" if self.log_to_file else None

    def _wait_until_ready(self, timeout: float) -> None:
        from workers.celery_app import workers_answering

        deadline = time.monotonic() + timeout
        worker_ready = False
        flower_ready = not self.with_flower
        web_ready = not self.with_web
        while not (worker_ready and flower_ready and web_ready):
            if self.stopping.is_set():
                raise StackError("stopped while starting")
            for child in self.children:
                status = child.exit_status()
                if status is not None:
                    where = f"; see {child.log_path}" if child.log_path else ""
                    raise StackError(f"the {child.name} {status} while starting{where}")
            if time.monotonic() > deadline:
                raise StackError(f"the stack did not answer within {timeout:.0f}s")
            if not flower_ready:
                flower_ready = listening(self.settings.flower_address, self.settings.flower_port)
            if not web_ready:
                web_ready = listening(self.settings.web_address, self.settings.web_port)
            if not worker_ready:
                worker_ready = workers_answering(destination=[self.worker_name], timeout=0.5) > 0
            else:
                time.sleep(0.2)

    def supervise(self, *, tick: float = 0.5) -> str | None:
        """Keep the stack running until a stop signal (returns None) or until a part cannot
        be kept running (returns why, in one line)."""
        while not self.stopping.is_set():
            problem = self.supervisor.check()
            if problem:
                return problem
            self.stopping.wait(tick)
        return None

    def wait_for(self, hashes: Iterable[str], timeout: float) -> bool:
        """Wait until the documents with these content hashes are verified or failed."""
        wanted = set(hashes)
        deadline = time.monotonic() + timeout
        assert self.engine is not None
        while time.monotonic() < deadline and not self.stopping.is_set():
            with session(self.engine) as s:
                docs = [d for d in ledger.list_documents(s) if d.content_hash in wanted]
            if len(docs) == len(wanted) and all(d.state in ledger.TERMINAL_STATES for d in docs):
                return True
            if self.supervisor.check():
                return False
            time.sleep(0.2)
        return False

    def stop(self, *, grace: float = 30.0) -> None:
        """Stop every part: the watcher, then Flower and the worker (which finish their
        task), then the broker. A second signal, or the grace period, kills what is left."""
        self.stopping.set()
        parts = list(reversed(self.supervisor.parts))
        try:
            for part in parts:
                if isinstance(part, WatcherThread):
                    part.terminate()
                    if part.thread is not None:
                        part.thread.join(timeout=10)
            for group in ([p for p in parts if isinstance(p, ChildProcess)], [self.broker]):
                live = [p for p in group if p is not None]
                for part in live:
                    part.terminate()
                deadline = time.monotonic() + grace
                for part in live:
                    while not part.wait(0.1):
                        if self.hurry.is_set() or time.monotonic() > deadline:
                            break
                    part.kill()
                    if isinstance(part, ChildProcess):
                        part.reap_group()
        finally:
            self.supervisor.parts.clear()
            if self.engine is not None:
                self.engine.dispose()
            self.lock.release()
            self._restore_handlers()


def run_stack(stack: Stack, announce: Callable[[str], None]) -> str | None:
    """Start ``stack``, say so, supervise it until a stop signal; always stop it. Returns
    why it ended on its own (None when it was asked to stop)."""
    stack.start()
    try:
        announce(f"claimtrack is up. Drop articles into {stack.settings.inbox.resolve()}")
        if stack.with_flower:
            s = stack.settings
            announce(f"Flower: http://{s.flower_address}:{s.flower_port}")
        if stack.with_web:
            from workers.web.server import url

            announce(f"Review desk: {url(stack.settings)}")
        announce("Press Ctrl-C to stop.")
        return stack.supervise()
    finally:
        announce("stopping...")
        stack.stop()


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
