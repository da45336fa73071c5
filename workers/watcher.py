"""The watched folder. A file dropped in ``inbox/`` is recorded in the ledger (once per
content), committed, then handed to the broker, and moved to ``inbox/processed/`` — or
refused with its reason and moved to ``inbox/failed/`` beside a ``.reason`` note.

A file is taken only when it has stopped growing for ``settle_seconds``; hidden and
temporary files are left alone; files already waiting when the watcher starts are taken
too, and a periodic rescan catches any event the operating system dropped.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from pipeline import ledger
from pipeline.database import session
from pipeline.errors import InputError
from pipeline.normalise import decode
from pipeline.settings import Settings
from schemas.enums import DocumentState

log = logging.getLogger(__name__)

PROCESSED = "processed"
FAILED = "failed"
_TEMPORARY_SUFFIXES = (".part", ".tmp", "~", ".crdownload", ".swp", ".partial", ".download")


def is_ignored(name: str) -> bool:
    """Hidden and temporary files are someone's work in progress."""
    return name.startswith(".") or name.endswith(_TEMPORARY_SUFFIXES)


def move_unique(source: Path, directory: Path) -> Path:
    """Move ``source`` into ``directory`` under its own name, or ``name (2)`` and so on:
    never over another file (a hard link fails if the target exists; no race)."""
    directory.mkdir(parents=True, exist_ok=True)
    stem, suffix = _split_name(source.name)
    for n in range(1, 10_000):
        target = directory / (source.name if n == 1 else f"{stem} ({n}){suffix}")
        try:
            os.link(source, target, follow_symlinks=False)
        except FileExistsError:
            continue
        except OSError:
            # Hard links not allowed here: create the target exclusively, then copy.
            try:
                with open(target, "xb") as out, open(source, "rb") as src:
                    out.write(src.read())
            except FileExistsError:
                continue
        source.unlink()
        return target
    raise RuntimeError(f"no free name for {source.name} in {directory}")


def _split_name(name: str) -> tuple[str, str]:
    dot = name.rfind(".")
    return (name[:dot], name[dot:]) if dot > 0 else (name, "")


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

    def __init__(self, settings: Settings, engine: Engine, enqueue: Callable[[int], None]) -> None:
        self.settings = settings
        self.engine = engine
        self.enqueue = enqueue
        self.root = settings.inbox.resolve()
        self.processed = self.root / PROCESSED
        self.failed = self.root / FAILED

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
        """Ingest one stable file. Returns None when the file is gone or not a file."""
        try:
            info = path.lstat()
        except FileNotFoundError:
            log.info("%s disappeared before it was taken", path.name)
            return None
        if stat.S_ISLNK(info.st_mode):
            target = Path(os.path.realpath(path))
            if not target.is_relative_to(self.root):
                return self._refuse(path, None, "symlink_outside_inbox",
                                    "a symbolic link to a file outside the inbox is refused")  # fmt: skip
        if stat.S_ISDIR(info.st_mode):
            return self._refuse_dir(path)
        if not stat.S_ISREG(os.stat(path).st_mode):
            return self._refuse(path, None, "not_a_file", "not a regular file")
        if info.st_size > self.settings.max_file_bytes:
            return self._refuse(
                path, None, "too_large",
                f"{info.st_size:,} bytes is over the limit of {self.settings.max_file_bytes:,}",
            )  # fmt: skip
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            return self._refuse(path, None, "unreadable", f"cannot read the file: {exc.strerror}")
        try:
            decode(raw)
        except InputError as exc:
            return self._refuse(path, raw, exc.reason, exc.detail)
        return self._record(path, raw)

    def _record(self, path: Path, raw: bytes) -> Outcome:
        with session(self.engine) as s:
            document, new = ledger.record_document(s, raw=raw, file_name=path.name)
            document_id, state = document.id, document.state
        assert document_id is not None
        if new or state == DocumentState.RECEIVED.value:
            self.send(document_id)
        else:
            log.info("%s is document #%s already (same content)", path.name, document_id)
        move_unique(path, self.processed)
        return Outcome(path, document_id, new)

    def send(self, document_id: int) -> bool:
        """Hand a recorded document to the broker; on failure it stays ``received`` and
        reconcile sends it later."""
        try:
            self.enqueue(document_id)
        except Exception as exc:  # broker down: the ledger still has the document
            log.warning("could not enqueue document #%s (%s); will retry", document_id, exc)
            return False
        with session(self.engine) as s:
            document = ledger.get_document(s, document_id=document_id)
            if document.state == DocumentState.RECEIVED.value:
                ledger.set_state(s, document=document, state=DocumentState.QUEUED)
                s.commit()
        return True

    def reconcile(self, *, idle_seconds: float = 0) -> int:
        """Send again every unfinished document untouched for ``idle_seconds``: recorded but
        never enqueued (the broker was down), or stuck in a stage (its worker died, its
        message was lost). Tasks are idempotent, so a document sent twice is done once."""
        with session(self.engine) as s:
            unfinished = ledger.unfinished_documents(s, idle_seconds=idle_seconds)
        return sum(self.send(document_id) for document_id in unfinished)

    def resend_received(self) -> int:
        """Send documents recorded but never handed to the broker."""
        with session(self.engine) as s:
            waiting = [d.id for d in ledger.list_documents(s, state=DocumentState.RECEIVED.value)]
        return sum(self.send(i) for i in waiting if i is not None)

    def _refuse(self, path: Path, raw: bytes | None, reason: str, detail: str) -> Outcome:
        document_id = None
        if raw is not None:
            with session(self.engine) as s:
                document, _ = ledger.record_document(
                    s, raw=raw, file_name=path.name, failure=(reason, detail)
                )
                document_id = document.id
        moved = move_unique(path, self.failed)
        note = moved.with_name(moved.name + ".reason")
        note.write_text(f"{reason}: {detail}\n", encoding="utf-8")
        log.warning("refused %s: %s: %s", path.name, reason, detail)
        return Outcome(path, document_id, False, reason)

    def _refuse_dir(self, path: Path) -> Outcome:
        """A folder dropped in the inbox is not an article: set it aside, untouched."""
        self.failed.mkdir(parents=True, exist_ok=True)
        target = self.failed / path.name
        n = 1
        while target.exists():
            n += 1
            target = self.failed / f"{path.name} ({n})"
        path.rename(target)
        (self.failed / (target.name + ".reason")).write_text(
            "directory: a folder is not an article; drop the files inside it instead\n",
            encoding="utf-8",
        )
        return Outcome(path, None, False, "directory")


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
    """Watches the inbox and takes each file once it has settled."""

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

    def _seen(self, path: Path, complete: bool = False) -> None:
        if path.parent != self.inbox.root or is_ignored(path.name):
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
        """Paths whose size and mtime have not changed for ``settle`` seconds."""
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
                elif now - since >= self.settle:
                    ready.append(path)
                    del self._pending[path]
        return ready

    def poll_once(self) -> list[Outcome]:
        outcomes = []
        for path in self._settled():
            try:
                outcome = self.inbox.take(path)
            except Exception:  # a bug or a database outage: keep the file, try again later
                log.exception("could not take %s; it stays in the inbox", path.name)
                continue
            if outcome is not None:
                outcomes.append(outcome)
        self.outcomes.extend(outcomes)
        return outcomes

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
