"""Log files of the processes claimtrack starts (the worker, Flower, the embedded Redis):
private to their owner (0600) and rotated by size, so a long-running stack neither shows
its logs to other users nor fills the disk."""

from __future__ import annotations

import logging
import os
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import IO, Any

#: A log file is rotated past this size; this many old ones are kept (NAME.log.1, ...).
MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 3


class PrivateRotatingFileHandler(RotatingFileHandler):
    """The standard size-rotating handler, creating each file with mode 0600."""

    def _open(self) -> Any:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return open(fd, "a", encoding=self.encoding or "utf-8", errors=self.errors)


def follow_output(
    stream: IO[bytes], path: Path, *, max_bytes: int = MAX_BYTES, backups: int = BACKUPS
) -> threading.Thread:
    """Copy a child process's output (``stdout=PIPE``), line by line, into ``path``,
    rotated at ``max_bytes``. Returns the copying thread; it ends when the child closes
    its output."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handler = PrivateRotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", errors="replace"
    )
    handler.setFormatter(logging.Formatter("%(message)s"))

    def copy() -> None:
        try:
            for line in iter(stream.readline, b""):
                text = line.decode("utf-8", errors="replace").rstrip("\n")
                handler.emit(logging.makeLogRecord({"msg": text, "levelno": logging.INFO}))
        finally:
            handler.close()
            stream.close()

    thread = threading.Thread(target=copy, name=f"log {path.name}", daemon=True)
    thread.start()
    return thread
