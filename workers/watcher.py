"""The watched folder. A file dropped in ``inbox/`` is recorded in the ledger (once per
content), committed, then handed to the broker, and moved to ``inbox/processed/`` — or
refused with its reason and moved to ``inbox/failed/`` beside a ``.reason`` note.

A file is taken only when it has stopped growing for ``settle_seconds``; hidden and
temporary files are left alone; files already waiting when the watcher starts are taken
too, and a periodic rescan catches any event the operating system dropped.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from pipeline import ledger
from pipeline.database import session
from pipeline.errors import InputError
from pipeline.normalise import decode
from pipeline.settings import Settings, SettingsError
from schemas.enums import DocumentState
from workers.files import move_unique, open_for_writing, read_article, set_aside

log = logging.getLogger(__name__)

PROCESSED = "processed"
FAILED = "failed"
_TEMPORARY_SUFFIXES = (".part", ".tmp", "~", ".crdownload", ".swp", ".partial", ".download")


def is_ignored(name: str) -> bool:
    """Hidden and temporary files are someone's work in progress."""
    return name.startswith(".") or name.endswith(_TEMPORARY_SUFFIXES)


def check_inbox(settings: Settings) -> None:
    """Refuse an inbox that holds the data directory or the ledger: the watcher would take
    the ledger, its journal, the broker's socket and the logs as articles (and a folder it
    finds there as a dropped folder)."""
    inbox = settings.inbox.resolve()
    data = settings.data_dir.resolve()
    if data.is_relative_to(inbox):
        raise SettingsError(
            f"the inbox {inbox} holds the data directory {data}: set CLAIMTRACK_INBOX_DIR "
            "to a folder of its own (the default is <data>/inbox)"
        )
    url = make_url(settings.ledger_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        ledger_file = Path(url.database).resolve()
        if ledger_file.is_relative_to(inbox):
            raise SettingsError(
                f"the ledger {ledger_file} is inside the inbox {inbox}: put it elsewhere "
                "(CLAIMTRACK_DATABASE_URL) or the watcher would take it as an article"
            )


@dataclass(frozen=True)
class Outcome:
    path: Path
    document_id: int | None
    new: bool
    reason: str | None = None  # set when the file was refused

    @property
    def failed(self) -> bool:
        return self.reason is not None


class Inbox:
    """Takes files from the inbox into the ledger and the queue."""

    #: After the broker failed to take a message, how long sends are not tried (each try
    #: blocks for the client's own retries; the documents stay ``received`` meanwhile).
    broker_pause_seconds = 5.0

    def __init__(self, settings: Settings, engine: Engine, enqueue: Callable[[int], None]) -> None:
        check_inbox(settings)
        self.settings = settings
        self.engine = engine
        self.enqueue = enqueue
        self.root = settings.inbox.resolve()
        self.processed = self.root / PROCESSED
        self.failed = self.root / FAILED
        self._broker_retry_at = 0.0
        self._sent: list[int] = []  # sent, not yet marked queued
        self._batching = False

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Documents sent inside are marked ``queued`` together at the end, in one write
        transaction instead of one each (a burst of files, a reconcile)."""
        outer = self._batching
        self._batching = True
        try:
            yield
        finally:
            self._batching = outer
            if not outer:
                self._mark_queued()

    def _mark_queued(self) -> None:
        sent, self._sent = self._sent, []
        if not sent:
            return
        try:
            with session(self.engine) as s:
                ledger.mark_queued(s, document_ids=sent)
                s.commit()
        except Exception as exc:  # the ledger is away: they stay received and are sent again
            log.warning("could not mark %d sent documents queued (%s)", len(sent), exc)

    def prepare(self) -> None:
        for directory in (self.root, self.processed, self.failed):
            directory.mkdir(parents=True, exist_ok=True)

    def waiting(self) -> list[Path]:
        """Files in the inbox that are candidates for ingestion, oldest first."""
        try:
            entries = [e for e in os.scandir(self.root) if not is_ignored(e.name)]
        except FileNotFoundError:
            return []
        entries = [e for e in entries if e.name not in (PROCESSED, FAILED) or not e.is_dir()]
        return [Path(e.path) for e in sorted(entries, key=_mtime)]

    def take(self, path: Path) -> Outcome | None:
        """Ingest one stable file. Returns None when the file is gone, or changed while it
        was taken (it is then back in the inbox, to be taken again once complete)."""
        try:
            raw = read_article(path, max_bytes=self.settings.max_file_bytes, root=self.root)
        except FileNotFoundError:
            log.info("%r disappeared before it was taken", path.name)
            return None
        except InputError as exc:
            return self._refuse(path, None, exc.reason, exc.detail)
        try:
            decode(raw)
        except InputError as exc:
            return self._refuse(path, raw, exc.reason, exc.detail)
        return self._record(path, raw)

    def _record(self, path: Path, raw: bytes) -> Outcome | None:
        with session(self.engine) as s:
            document, new = ledger.record_document(s, raw=raw, file_name=path.name)
            document_id, state = document.id, document.state
        assert document_id is not None
        moved = move_unique(path, self.processed)
        if not self._same_bytes(moved, raw):
            self._put_back(moved, document_id, new)
            return None
        if new or state == DocumentState.RECEIVED.value:
            self.send(document_id)
        else:
            log.info("%r is document #%s already (same content)", path.name, document_id)
        return Outcome(path, document_id, new)

    @staticmethod
    def _same_bytes(moved: Path, raw: bytes) -> bool:
        """Whether the file moved is the file recorded: a writer that still held it open
        goes on writing into the moved file."""
        try:
            return ledger.content_hash(moved.read_bytes()) == ledger.content_hash(raw)
        except FileNotFoundError:  # taken away from processed/ already: nothing to compare
            return True

    def _put_back(self, moved: Path, document_id: int, new: bool) -> None:
        back = move_unique(moved, self.root)
        log.warning("%r changed while it was taken; it is back in the inbox as %r",
                    moved.name, back.name)  # fmt: skip
        if not new:
            return
        with session(self.engine) as s:
            document = ledger.get_document(s, document_id=document_id)
            ledger.set_state(
                s, document=document, state=DocumentState.FAILED, reason="changed_while_taken",
                detail="the file was still being written when it was taken; it went back "
                "to the inbox and is taken again, whole, once it stops changing",
            )  # fmt: skip
            s.commit()

    def send(self, document_id: int) -> bool:
        """Hand a recorded document to the broker; on failure it stays ``received`` and is
        sent later (the periodic pass, reconcile). After a failure no send is tried for
        ``broker_pause_seconds``, so a broker outage does not stall the watcher on every
        file."""
        if time.monotonic() < self._broker_retry_at:
            return False
        try:
            self.enqueue(document_id)
        except Exception as exc:  # broker down: the ledger still has the document
            self._broker_retry_at = time.monotonic() + self.broker_pause_seconds
            log.warning("could not enqueue document #%s (%s); will retry", document_id, exc)
            return False
        self._broker_retry_at = 0.0
        self._sent.append(document_id)
        if not self._batching:
            self._mark_queued()
        return True

    def reconcile(self, *, idle_seconds: float = 0) -> int:
        """Send again every unfinished document untouched for ``idle_seconds``: recorded but
        never enqueued (the broker was down), or stuck in a stage (its worker died, its
        message was lost). Tasks are idempotent, so a document sent twice is done once."""
        with session(self.engine) as s:
            unfinished = ledger.unfinished_documents(s, idle_seconds=idle_seconds)
        with self.batch():
            return sum(self.send(document_id) for document_id in unfinished)

    def resend_received(self) -> int:
        """Send documents recorded but never handed to the broker."""
        with session(self.engine) as s:
            waiting = [d.id for d in ledger.list_documents(s, state=DocumentState.RECEIVED.value)]
        with self.batch():
            return sum(self.send(i) for i in waiting if i is not None)

    def _refuse(self, path: Path, raw: bytes | None, reason: str, detail: str) -> Outcome:
        """Set the file aside in ``failed/`` beside its note; a file that could be read is
        also recorded as a failed document with the same reason."""
        document_id = None
        if raw is not None:
            with session(self.engine) as s:
                document, _ = ledger.record_document(
                    s, raw=raw, file_name=path.name, failure=(reason, detail)
                )
                document_id = document.id
        set_aside(path, self.failed, f"{reason}: {detail}\n")
        log.warning("refused %r: %s: %s", path.name, reason, detail)
        return Outcome(path, document_id, False, reason)


def _mtime(entry: os.DirEntry[str]) -> float:
    try:
        return entry.stat(follow_symlinks=False).st_mtime
    except FileNotFoundError:
        return 0.0


class _Events(FileSystemEventHandler):
    def __init__(self, seen: Callable[..., None]) -> None:
        self.seen = seen

    def on_created(self, event: FileSystemEvent) -> None:
        self.seen(Path(str(event.src_path)))

    def on_modified(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self.seen(Path(str(event.src_path)))

    def on_moved(self, event: FileSystemEvent) -> None:
        # A file renamed into the inbox was complete before the rename: no need to wait.
        self.seen(Path(str(event.dest_path)), complete=True)

    def on_closed(self, event: FileSystemEvent) -> None:
        self.seen(Path(str(event.src_path)))


class Watcher:
    """Watches the inbox and takes each file once it is complete: its size and time have
    not changed for ``settle_seconds`` and no process holds it open for writing."""

    def __init__(
        self,
        inbox: Inbox,
        *,
        settle_seconds: float,
        rescan_seconds: float = 5.0,
        stuck_seconds: float = 600.0,
    ) -> None:
        self.inbox = inbox
        self.stuck_seconds = stuck_seconds
        self.settle = settle_seconds
        self.rescan_seconds = rescan_seconds
        self._pending: dict[Path, tuple[int, int, float]] = {}
        self._lock = threading.Lock()
        self.outcomes: list[Outcome] = []
        #: Files that could not be taken: how often, and when to try again.
        self._trouble: dict[Path, tuple[int, float]] = {}

    def _seen(self, path: Path, complete: bool = False) -> None:
        if path.parent != self.inbox.root or is_ignored(path.name):
            return
        if path.name in (PROCESSED, FAILED) and path.is_dir():
            return
        with self._lock:
            if complete:
                # Renamed in whole: it counts as settled from the moment it arrived, as
                # long as it does not change before it is taken.
                try:
                    info = path.lstat()
                except FileNotFoundError:
                    return
                self._pending[path] = (
                    info.st_size,
                    info.st_mtime_ns,
                    time.monotonic() - self.settle,
                )
            else:
                self._pending.setdefault(path, (-1, -1, time.monotonic()))

    def _rescan(self) -> None:
        for path in self.inbox.waiting():
            self._seen(path)

    def _settled(self) -> list[Path]:
        """Paths whose size and mtime have not changed for ``settle`` seconds and that no
        process has open for writing (a writer may pause longer than the settle time)."""
        ready: list[Path] = []
        now = time.monotonic()
        with self._lock:
            for path, (size, mtime, since) in list(self._pending.items()):
                try:
                    info = path.lstat()
                except FileNotFoundError:
                    del self._pending[path]
                    continue
                if (info.st_size, info.st_mtime_ns) != (size, mtime):
                    self._pending[path] = (info.st_size, info.st_mtime_ns, now)
                elif now - since >= self.settle and self._trouble.get(path, (0, 0.0))[1] <= now:
                    ready.append(path)
            busy = open_for_writing(ready)
            for path in ready:
                if path in busy:  # still being written: wait a full settle time again
                    size, mtime, _ = self._pending[path]
                    self._pending[path] = (size, mtime, now)
                else:
                    del self._pending[path]
        return [path for path in ready if path not in busy]

    def poll_once(self) -> list[Outcome]:
        with self.inbox.batch():
            outcomes = self._take_settled()
        self.outcomes.extend(outcomes)
        return outcomes

    def _take_settled(self) -> list[Outcome]:
        outcomes = []
        for path in self._settled():
            try:
                outcome = self.inbox.take(path)
            except Exception as exc:  # a bug or a database outage: keep the file, try later
                self._remember_trouble(path, exc)
                continue
            self._trouble.pop(path, None)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    def _remember_trouble(self, path: Path, exc: Exception) -> None:
        """A file that cannot be taken stays in the inbox and is tried again, less and less
        often (5 s, 10 s, ... 5 min), with the traceback logged once, not every round."""
        count = self._trouble.get(path, (0, 0.0))[0] + 1
        wait = min(300.0, self.rescan_seconds * 2 ** (count - 1))
        self._trouble[path] = (count, time.monotonic() + wait)
        if count == 1:
            log.exception("could not take %r; it stays in the inbox", path.name)
        else:
            log.warning("could not take %r (%s attempts): %s: %s; next try in %.0fs",
                        path.name, count, type(exc).__name__, exc, wait)  # fmt: skip

    @staticmethod
    def _safely(work: Callable[[], object]) -> None:
        try:
            work()
        except Exception:  # the ledger may be briefly unreachable; try again next round
            log.exception("periodic resend failed")

    def run(self, stop: threading.Event, *, tick: float = 0.1) -> None:
        self.inbox.prepare()
        observer = Observer()
        observer.schedule(_Events(self._seen), str(self.inbox.root), recursive=False)
        observer.start()
        log.info("watching %s", self.inbox.root)
        try:
            self._rescan()  # files already waiting
            self.inbox.resend_received()
            last_rescan = last_reconcile = time.monotonic()
            while not stop.is_set():
                self.poll_once()
                now = time.monotonic()
                if now - last_rescan >= self.rescan_seconds:
                    self._rescan()
                    self._safely(self.inbox.resend_received)
                    last_rescan = now
                if now - last_reconcile >= max(self.stuck_seconds / 4, 1.0):
                    self._safely(lambda: self.inbox.reconcile(idle_seconds=self.stuck_seconds))
                    last_reconcile = now
                stop.wait(tick)
        finally:
            observer.stop()
            observer.join(timeout=5)
