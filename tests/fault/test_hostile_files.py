"""Hostile use of the inbox (issue 12): nothing overwritten, nothing taken half-written,
nothing stuck. The watcher and the file system are real, and so is the SQLite ledger; the
broker is not what is under test here, so handing a document to the queue is recorded in
a list (except where the broker's absence is the point).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy.exc
from click.testing import CliRunner
from sqlalchemy import create_engine, event

from pipeline import ledger
from pipeline.database import open_ledger, session
from pipeline.settings import SettingsError, load_settings
from tests.conftest import ROOT
from workers.cli import main
from workers.files import name_max
from workers.watcher import Inbox, Watcher

pytestmark = pytest.mark.fault

ARTICLE = (
    "Troops Gather Near The Border\n\nFebruary 15, 2022\n\n"
    "Russia has massed more than 100,000 troops near Ukraine's border, officials said.\n"
)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


@pytest.fixture
def inbox(tmp_path: Path) -> tuple[Inbox, list[int]]:
    engine = open_ledger(f"sqlite:///{tmp_path / 'data' / 'ledger.db'}")
    queued: list[int] = []
    settings = load_settings(data_dir=tmp_path / "data", inbox_dir=tmp_path / "inbox")
    box = Inbox(settings, engine, queued.append)
    box.prepare()
    return box, queued


def _documents(box: Inbox) -> list:
    with session(box.engine) as s:
        return ledger.list_documents(s)


def _run_watcher(watcher: Watcher) -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    return stop, thread


def _wait(condition, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_refusal_note_never_overwrites_a_refused_file(inbox) -> None:
    """A refused file named ``X.reason`` sat where the note of a later refused ``X`` was
    written: its bytes were lost."""
    box, _ = inbox
    (box.root / "X.reason").write_bytes(PNG)
    box.take(box.root / "X.reason")
    (box.root / "X").write_bytes(PNG + b"second")
    box.take(box.root / "X")
    assert (box.failed / "X.reason").read_bytes() == PNG  # the first file, whole
    held = {p.read_bytes() for p in box.failed.iterdir()}
    assert PNG + b"second" in held
    notes = [p for p in box.failed.iterdir() if p.read_bytes().startswith(b"binary: ")]
    assert len(notes) == 2  # each refused file has its own note


def test_a_writer_that_pauses_longer_than_the_settle_time_is_waited_for(inbox) -> None:
    """A writer that pauses 1 s with the file open had it taken half-written (settle
    time 0.3 s): the ledger kept the first half."""
    box, queued = inbox
    watcher = Watcher(box, settle_seconds=0.3, rescan_seconds=0.5)
    stop, thread = _run_watcher(watcher)
    try:
        with open(box.root / "slow.txt", "wb") as handle:
            handle.write(ARTICLE[:40].encode())
            handle.flush()
            time.sleep(1.0)
            handle.write(ARTICLE[40:].encode())
        assert _wait(lambda: len(queued) == 1)
    finally:
        stop.set()
        thread.join(timeout=10)
    (document,) = _documents(box)
    with session(box.engine) as s:
        assert ledger.get_raw(s, document_id=document.id) == ARTICLE.encode()


class _AppendingInbox(Inbox):
    """Fault injection: a writer appends to the file after it was read, before it moves."""

    def _record(self, path: Path, raw: bytes):
        if not path.name.startswith("whole"):
            with open(path, "ab") as handle:
                handle.write(b"The rest of the article, written late.\n")
        return super()._record(path, raw)


def test_a_file_that_changed_after_it_was_read_is_not_taken_half(tmp_path: Path) -> None:
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    queued: list[int] = []
    box = _AppendingInbox(load_settings(inbox_dir=tmp_path / "inbox"), engine, queued.append)
    box.prepare()
    (box.root / "late.txt").write_text(ARTICLE)
    assert box.take(box.root / "late.txt") is None
    assert queued == []  # the half read is never processed
    back = box.root / "late.txt"
    assert back.read_text() == ARTICLE + "The rest of the article, written late.\n"
    (half,) = _documents(box)
    assert (half.state, half.failure_reason) == ("failed", "changed_while_taken")
    back.rename(box.root / "whole.txt")
    outcome = box.take(box.root / "whole.txt")
    assert outcome is not None and outcome.new and queued == [outcome.document_id]
    with session(engine) as s:
        raw = ledger.get_raw(s, document_id=outcome.document_id)  # type: ignore[arg-type]
    assert raw == (ARTICLE + "The rest of the article, written late.\n").encode()


@pytest.mark.parametrize("where", ["same", "inside"])
def test_an_inbox_that_holds_the_data_directory_is_refused(tmp_path: Path, where: str) -> None:
    data = tmp_path / "data"
    settings = load_settings(
        data_dir=data if where == "same" else tmp_path / "in" / "data",
        inbox_dir=data if where == "same" else tmp_path / "in",
    )
    with pytest.raises(SettingsError, match="CLAIMTRACK_INBOX_DIR"):
        Inbox(settings, open_ledger(settings.ledger_url), lambda _: None)


def test_an_inbox_that_holds_the_ledger_is_refused(tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path / "data",
        inbox_dir=tmp_path / "inbox",
        database_url=f"sqlite:///{tmp_path / 'inbox' / 'ledger.db'}",
    )
    with pytest.raises(SettingsError, match="inside the inbox"):
        Inbox(settings, create_engine(settings.ledger_url), lambda _: None)


def test_watch_on_the_data_directory_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMTRACK_")}
    env.update(CLAIMTRACK_DATA_DIR=str(tmp_path), CLAIMTRACK_INBOX_DIR=str(tmp_path),
               CLAIMTRACK_BROKER_URL="redis://127.0.0.1:1/0")  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "workers.cli", "watch"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"Error: the inbox {tmp_path} holds the data directory {tmp_path}: set "
        "CLAIMTRACK_INBOX_DIR to a folder of its own (the default is <data>/inbox)"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing made, nothing taken


def test_broken_symlinks_are_refused_once_not_retried_forever(inbox, caplog) -> None:
    box, queued = inbox
    (box.root / "loop-a").symlink_to(box.root / "loop-b")
    (box.root / "loop-b").symlink_to(box.root / "loop-a")
    (box.root / "dangling.txt").symlink_to(box.root / "nothing-here.txt")
    watcher = Watcher(box, settle_seconds=0.0, rescan_seconds=0.1)
    with caplog.at_level(logging.WARNING, logger="workers.watcher"):
        for _ in range(5):
            watcher._rescan()
            watcher.poll_once()
    assert sorted(o.reason for o in watcher.outcomes) == ["broken_symlink"] * 3
    assert [p.name for p in box.root.iterdir() if p.name not in ("processed", "failed")] == []
    assert not [r for r in caplog.records if r.exc_info]  # no traceback
    assert (box.failed / "dangling.txt.reason").read_text().startswith("broken_symlink: ")
    assert queued == []


def test_names_too_long_for_a_suffix_are_shortened_not_stuck(inbox) -> None:
    box, queued = inbox
    limit = name_max(box.root)
    long_name = "a" * (limit - 4) + ".txt"
    for _ in range(2):
        (box.root / long_name).write_text(ARTICLE)
        assert box.take(box.root / long_name) is not None
    processed = sorted(p.name for p in box.processed.iterdir())
    assert len(processed) == 2 and long_name in processed
    shortened = next(n for n in processed if n != long_name)
    assert shortened.endswith(" (2).txt") and len(shortened.encode()) <= limit
    assert len(queued) == 1  # one document, dropped twice
    refused = "b" * (limit - 6) + ".txt"  # too long for ".reason" beside it
    (box.root / refused).write_bytes(b"")
    assert box.take(box.root / refused).reason == "empty"  # type: ignore[union-attr]
    (moved,) = [p for p in box.failed.iterdir() if not p.name.endswith(".reason")]
    assert (box.failed / (moved.name + ".reason")).read_text().startswith("empty: ")
    assert moved.read_bytes() == b"" and moved.name.startswith("b" * 100)


def test_a_file_that_cannot_be_taken_is_retried_with_backoff_and_one_traceback(
    tmp_path: Path, caplog
) -> None:
    """The ledger unreachable: the file stays in the inbox and is tried again, less and
    less often, with one traceback in the log (there was one every 5 s, forever)."""
    unreachable = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    box = Inbox(load_settings(inbox_dir=tmp_path / "inbox"), unreachable, lambda _: None)
    box.prepare()
    (box.root / "a.txt").write_text(ARTICLE)
    watcher = Watcher(box, settle_seconds=0.0, rescan_seconds=0.2)
    attempts = 0
    original = box.take

    def counted(path: Path):
        nonlocal attempts
        attempts += 1
        return original(path)

    box.take = counted  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="workers.watcher"):
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            watcher._rescan()
            watcher.poll_once()
            time.sleep(0.05)
    assert 2 <= attempts <= 5  # 0, 0.2, 0.6, 1.4 s; a poll every 0.05 s was 50 attempts
    assert len([r for r in caplog.records if r.exc_info]) == 1
    assert (box.root / "a.txt").exists()


def test_a_broker_outage_does_not_stall_the_watcher_on_every_file(tmp_path: Path) -> None:
    """Each send to a broker that is down blocks for the client's retries (~0.6 s): with
    20 files that was 20 of them before the last file was recorded."""
    from workers.celery_app import app, use_broker
    from workers.tasks import enqueue

    previous = app.conf.broker_url
    use_broker("redis://127.0.0.1:1/0")  # nothing listens on port 1
    sends = 0

    def counted(document_id: int) -> None:
        nonlocal sends
        sends += 1
        enqueue(document_id)

    try:
        engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
        box = Inbox(load_settings(inbox_dir=tmp_path / "inbox"), engine, counted)
        box.prepare()
        for i in range(20):
            (box.root / f"{i}.txt").write_text(ARTICLE.replace("100,000", f"{100_000 + i:,}"))
        watcher = Watcher(box, settle_seconds=0.0)
        watcher._rescan()
        for _ in range(3):  # seen, settled, taken
            watcher.poll_once()
    finally:
        use_broker(previous)
    assert len(watcher.outcomes) == 20  # every file recorded and moved
    with session(engine) as s:
        assert {d.state for d in ledger.list_documents(s)} == {"received"}  # sent later
    assert sends == 1


def test_escape_codes_in_a_file_name_never_reach_the_terminal(inbox, tmp_path: Path) -> None:
    box, _ = inbox
    name = "report\x1b[2J\x1b]0;pwned\x07\u202egnp.txt"
    (box.root / name).write_text(ARTICLE)
    assert box.take(box.root / name) is not None
    (document,) = _documents(box)
    assert document.file_name == "report\\x1b[2J\\x1b]0;pwned\\x07\\u202egnp.txt"
    env = {"CLAIMTRACK_DATA_DIR": str(tmp_path / "data"), "CLAIMTRACK_DATABASE_URL": ""}
    result = CliRunner().invoke(main, ["documents"], env=env)
    assert result.exit_code == 0 and "report\\x1b[2J" in result.output
    assert not any(ch in result.output for ch in "\x1b\x07\u202e")


def test_ingest_neither_follows_a_link_out_of_a_folder_nor_waits_on_a_fifo(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text(ARTICLE)
    (folder / "link.txt").symlink_to(secret)
    os.mkfifo(folder / "pipe.txt")
    os.mkfifo(tmp_path / "named-pipe.txt")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMTRACK_")}
    env.update(CLAIMTRACK_DATA_DIR=str(tmp_path / "data"),
               CLAIMTRACK_BROKER_URL="redis://127.0.0.1:1/0")  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "workers.cli", "ingest", str(folder), str(tmp_path / "named-pipe.txt")],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "Traceback" not in done.stderr
    assert "link.txt: symlink_outside_inbox" in done.stderr
    assert "named-pipe.txt: not_a_file" in done.stderr  # (one in a folder is passed over)
    engine = open_ledger(f"sqlite:///{tmp_path / 'data' / 'ledger.db'}")
    with session(engine) as s:
        assert ledger.list_documents(s) == []  # /etc/passwd-like files are not recorded


def test_files_taken_in_one_round_are_marked_queued_in_one_transaction(
    inbox: tuple[Inbox, list[int]],
) -> None:
    """A burst costs one write transaction per file (its record) and one for the round, not
    two per file: the write lock the workers wait for is taken half as often."""
    box, queued = inbox
    for i in range(5):
        (box.root / f"article {i}.txt").write_text(ARTICLE + f"Report {i}.\n")
    watcher = Watcher(box, settle_seconds=0)
    watcher._rescan()
    assert watcher.poll_once() == []  # sizes noted; taken the next round
    writes: list[str] = []
    listen = (box.engine, "begin", lambda conn: writes.append("begin"))
    event.listen(*listen)
    try:
        outcomes = watcher.poll_once()
    finally:
        event.remove(*listen)
    assert len(outcomes) == 5 and len(queued) == 5
    assert len(writes) == 5 + 1
    assert {d.state for d in _documents(box)} == {"queued"}


def test_sent_documents_the_ledger_cannot_mark_stay_received_and_are_sent_again(
    inbox: tuple[Inbox, list[int]],
) -> None:
    box, queued = inbox
    (box.root / "article.txt").write_text(ARTICLE)
    watcher = Watcher(box, settle_seconds=0)
    watcher._rescan()
    assert watcher.poll_once() == []
    refuse = (box.engine, "before_cursor_execute", _refuse_marking)
    event.listen(*refuse)
    try:
        (outcome,) = watcher.poll_once()
    finally:
        event.remove(*refuse)
    assert queued == [outcome.document_id]
    assert [d.state for d in _documents(box)] == ["received"]
    assert box.resend_received() == 1 and len(queued) == 2
    assert [d.state for d in _documents(box)] == ["queued"]


def _refuse_marking(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
    if statement.startswith("UPDATE document SET state"):
        raise sqlalchemy.exc.OperationalError(statement, {}, Exception("database is locked"))
