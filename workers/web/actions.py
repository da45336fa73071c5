"""The desk's two writes, shared by the API and the forms: a reviewer's verdict, and an
article sent over HTTP (which takes the inbox's own path)."""

from __future__ import annotations

import codecs
import json
import re
import shutil
import uuid
from datetime import date
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine

from pipeline import ledger
from pipeline.database import session
from pipeline.errors import InputError
from pipeline.normalise import decode
from pipeline.review import apply_verdict
from pipeline.settings import Settings
from schemas.enums import ClaimStatus, DocumentState
from workers.web.models import ClaimOut, EventOut, ReviewOut, UploadOut

UPLOADS = ".uploads"  # inside the inbox; hidden, so the watcher leaves it alone


class BadUpload(ValueError):
    """The upload or its metadata cannot be taken as sent (a one-line reason)."""


def review(
    engine: Engine, settings: Settings, *, claim_id: int, verdict: str, note: str, reviewer: str
) -> ReviewOut:
    """Set the verdict, decide the proposition's other claims again, commit."""
    with session(engine) as s:
        _, changed = apply_verdict(
            s, claim_id=claim_id, verdict=ClaimStatus(verdict), note=note, reviewer=reviewer,
            tolerance=settings.agree_tolerance, same_moment_days=settings.same_moment_days,
        )  # fmt: skip
        s.commit()
        row = ledger.get_claim(s, claim_id=claim_id)
        return ReviewOut(
            claim=ClaimOut.of(row.claim, row.document),
            event=EventOut.of(ledger.history(s, claim_id=claim_id)[-1]),  # the verdict's
            others_changed=changed,
        )


def front_matter(
    *,
    title: str | None,
    outlet: str | None,
    published: str | None,
    url: str | None,
    author: str | None = None,
) -> bytes:
    """The inbox's metadata header (YAML front matter, values as JSON strings, which YAML
    reads as they are; ``pipeline.frontmatter`` reads it). Empty when no metadata is given."""
    fields: dict[str, str] = {}
    for key, value in (("title", title), ("outlet", outlet), ("author", author)):
        if value and value.strip():
            fields[key] = value.strip()
    if published and published.strip():
        try:
            fields["published"] = date.fromisoformat(published.strip()).isoformat()
        except ValueError as exc:
            raise BadUpload(f"published must be a date like 2022-02-15, not {published!r}") from exc
    if url and url.strip():
        if not re.match(r"^https?://\S+$", url.strip()):
            raise BadUpload(f"url must be an http:// or https:// address, not {url!r}")
        fields["url"] = url.strip()
    if not fields:
        return b""
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items()]
    return ("---\n" + "\n".join(lines) + "\n---\n").encode()


def safe_name(name: str | None) -> str:
    """A file name as the inbox would hold it: no folders, not hidden, not empty."""
    base = Path((name or "").replace("\\", "/")).name.lstrip(".").strip()
    return base or "upload.txt"


def upload(
    engine: Engine,
    settings: Settings,
    *,
    file_name: str | None,
    stream: BinaryIO,
    header: bytes = b"",
) -> UploadOut:
    """Take an article the way the watcher takes a dropped file (``Inbox.take``): the same
    checks and refusal reasons, one document per content, the file kept in ``processed/``
    or ``failed/``. It is staged in a hidden folder of the inbox first, so the watcher never
    sees half of it."""
    from workers.tasks import enqueue
    from workers.watcher import Inbox

    inbox = Inbox(settings, engine, enqueue)
    inbox.prepare()
    staging = inbox.root / UPLOADS / uuid.uuid4().hex
    staging.mkdir(parents=True)
    path = staging / safe_name(file_name)
    try:
        with open(path, "wb") as out:
            head = stream.read(8192)
            if header and _takes_front_matter(head):
                out.write(header)
            out.write(head)
            # At most one byte over the limit: enough for the inbox to refuse it as too large.
            shutil.copyfileobj(_limited(stream, settings.max_file_bytes + 1 - len(head)), out)
        outcome = inbox.take(path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if outcome is None:
        raise BadUpload("the upload disappeared before it was taken")
    state = DocumentState.FAILED.value if outcome.failed else DocumentState.QUEUED.value
    if outcome.document_id is not None:
        with session(engine) as s:
            state = ledger.get_document(s, document_id=outcome.document_id).state
    return UploadOut(
        document_id=outcome.document_id, new=outcome.new, state=state, reason=outcome.reason
    )


def _takes_front_matter(head: bytes) -> bool:
    """Whether metadata can go before this file as front matter: UTF-8 text without its own.
    A file the inbox will refuse (binary, empty) gets none, so it is refused for what it is."""
    try:
        decode(head)
    except InputError:
        return False
    if head.startswith(codecs.BOM_UTF8) or head.lstrip().startswith(b"---"):
        raise BadUpload("the file has front matter (or a BOM) already: give its metadata there")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end of the chunk
            raise BadUpload("metadata can only be added to UTF-8 text; put it in the file") from exc
    return True


class _limited:
    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self.stream, self.left = stream, limit

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        chunk = self.stream.read(self.left if size < 0 else min(size, self.left))
        self.left -= len(chunk)
        return chunk
