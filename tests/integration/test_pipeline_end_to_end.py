"""The seeds through the real thing: the watcher, a real Redis broker, a real Celery worker
process and a real ledger (SQLite file and PostgreSQL)."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from pipeline import ledger
from pipeline.database import session
from schemas.enums import ClaimStatus, DocumentState
from tests.conftest import SEEDS, WorkerProcess, running_pipeline
from workers.cli import main
from workers.stack import copy_into
from workers.watcher import Inbox

pytestmark = pytest.mark.integration
SEED_GOLD = Path(__file__).resolve().parent.parent / "data" / "seeds_gold.jsonl"


@pytest.fixture
def running(
    tmp_path: Path, ledger_url: str, engine: Engine, clean_broker: str
) -> Iterator[tuple[Inbox, dict[str, str], WorkerProcess]]:
    """A worker process and a watcher thread on a temporary inbox."""
    with running_pipeline(tmp_path, ledger_url, clean_broker, engine) as running:
        yield running


def _wait_until_finished(
    engine: Engine, count: int, worker: WorkerProcess, timeout: float = 120
) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session(engine) as s:
            docs = ledger.list_documents(s)
        if len(docs) >= count and all(d.state in ledger.TERMINAL_STATES for d in docs):
            return docs
        time.sleep(0.2)
    raise AssertionError(
        f"not finished in {timeout}s: {[(d.id, d.state) for d in docs]}\n{worker.log()[-4000:]}"
    )


def test_seeds_flow_from_inbox_to_ledger(running, engine: Engine, tmp_path: Path) -> None:
    inbox, env, worker = running
    started = time.monotonic()
    copy_into(inbox.root, sorted(SEEDS.glob("*.txt")))
    docs = _wait_until_finished(engine, 5, worker)
    elapsed = time.monotonic() - started

    assert [d.state for d in docs] == [DocumentState.VERIFIED.value] * 5, worker.log()[-3000:]
    assert sorted(p.name for p in inbox.processed.iterdir()) == sorted(
        p.name for p in SEEDS.glob("*.txt")
    )
    assert [p.name for p in inbox.root.iterdir() if p.is_file()] == []

    with session(engine) as s:
        rows = ledger.list_claims(s)
    stored = {(r.document.file_name, r.claim.kind, r.claim.value or str(r.claim.value_date),
               r.claim.qualifier, r.claim.speaker): r.claim for r in rows}  # fmt: skip
    for line in SEED_GOLD.read_text().splitlines():
        gold = json.loads(line)
        key = (gold["file"], gold["kind"], gold["value"], gold["qualifier"], gold["speaker"])
        assert key in stored, f"missing gold claim {key}; have {sorted(stored)}"
    assert len(rows) == len(SEED_GOLD.read_text().splitlines())

    status = {(r.claim.kind, r.claim.qualifier, r.document.file_name): r.claim.status for r in rows}
    more_than_100k = [
        r.claim for r in rows if r.claim.kind == "troop_count" and r.claim.qualifier == "more_than"
    ]
    assert more_than_100k and {c.status for c in more_than_100k} == {ClaimStatus.CORROBORATED.value}
    drills = [r.claim for r in rows if r.claim.kind == "drill_end_date"]
    assert {str(c.value_date) for c in drills} == {"2022-02-20"}
    assert {c.status for c in drills} == {ClaimStatus.CORROBORATED.value}
    killed = [r.claim for r in rows if r.claim.kind == "casualty_count"]
    assert [(c.value, c.status) for c in killed] == [(14000, ClaimStatus.UNCONFIRMED.value)]
    assert status  # every claim has a status

    with session(engine) as s:
        for row in rows:
            events = ledger.history(s, claim_id=row.claim.id)
            assert events and events[-1].new_status == row.claim.status
            assert all(e.reason for e in events)
            assert all(e.created_at.tzinfo is not None for e in events)

    result = CliRunner().invoke(
        main, ["claims", "--status", "unconfirmed", "--format", "json"], env=env
    )
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [(c["kind"], c["value"], c["status"]) for c in listed] == [
        ("casualty_count", 14000, "unconfirmed")
    ]
    assert (
        listed[0]["file"] == "003_3278946dcb9baabf.txt" and listed[0]["published"] == "2022-02-15"
    )
    print(f"five seeds from drop to verified: {elapsed:.2f}s")


def test_same_file_dropped_twice_is_one_document(running, engine: Engine) -> None:
    inbox, _, worker = running
    seed = sorted(SEEDS.glob("*.txt"))[0]
    copy_into(inbox.root, [seed])
    _wait_until_finished(engine, 1, worker)
    renamed = inbox.root / ".copy.part"
    shutil.copy(seed, renamed)
    os.replace(renamed, inbox.root / "same-bytes-other-name.txt")
    copy_into(inbox.root, [seed])  # the very same name again
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(list(inbox.processed.iterdir())) < 3:
        time.sleep(0.1)
    assert sorted(p.name for p in inbox.processed.iterdir()) == sorted(
        [seed.name, f"{seed.stem} (2){seed.suffix}", "same-bytes-other-name.txt"]
    )
    with session(engine) as s:
        docs = ledger.list_documents(s)
        assert len(docs) == 1
        assert len(ledger.claims_of_document(s, document_id=docs[0].id)) == 1


def test_bad_file_is_refused_with_reason(running, engine: Engine) -> None:
    inbox, _, _ = running
    (inbox.root / ".x.part").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    os.replace(inbox.root / ".x.part", inbox.root / "picture.txt")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (inbox.failed / "picture.txt.reason").exists():
        time.sleep(0.1)
    assert (inbox.failed / "picture.txt").exists()
    assert (
        (inbox.failed / "picture.txt.reason").read_text().startswith("binary: this is a PNG image")
    )
    with session(engine) as s:
        (doc,) = ledger.list_documents(s)
    assert (doc.state, doc.failure_reason) == ("failed", "binary")
