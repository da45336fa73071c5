"""`claimtrack review` on a real SQLite file and a real PostgreSQL database: one clean line,
one event per verdict, and never a race with verification or another reviewer."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from pipeline import ledger
from pipeline.database import session
from pipeline.verify import verify_proposition
from schemas.enums import ClaimStatus
from tests.conftest import SEEDS, assert_histories_unbroken, process
from workers.cli import main

pytestmark = pytest.mark.integration


def _seeded(engine: Engine) -> ledger.ClaimRow:
    for path in sorted(SEEDS.glob("*.txt"))[:2]:
        process(engine, path.name, path.read_bytes())
    with session(engine) as s:
        return next(r for r in ledger.list_claims(s) if r.claim.kind == "troop_count")


def _reviewer_events(engine: Engine, claim_id: int) -> list[tuple[str | None, str, str]]:
    with session(engine) as s:
        events = ledger.history(s, claim_id=claim_id)
    return [(e.old_status, e.new_status, e.actor) for e in events if e.actor != "verifier"]


def test_review_prints_one_line_and_a_retry_records_nothing(
    engine: Engine, ledger_url: str
) -> None:
    row = _seeded(engine)
    before = row.claim.status
    env = {"CLAIMTRACK_DATABASE_URL": ledger_url}
    args = ["review", str(row.claim.id), "--verdict", "Confirmed", "--note", "Maxar images",
            "--reviewer", "ana"]  # fmt: skip
    first = CliRunner().invoke(main, args, env=env)
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[0] == (
        f"claim #{row.claim.id}: {before} -> confirmed (reviewer ana)"
    )
    again = CliRunner().invoke(main, args, env=env)
    assert again.exit_code == 0, again.output
    assert again.output == f"claim #{row.claim.id} is confirmed already: nothing recorded\n"
    assert _reviewer_events(engine, row.claim.id) == [(before, "confirmed", "reviewer ana")]
    assert_histories_unbroken(engine)


def _race(first: Callable[[threading.Event], None], second: Callable[[], None]) -> list[Any]:
    """Run ``first``, which sets the event once it holds the proposition in an open
    transaction, and ``second`` as soon as it does. Returns what either raised."""
    holding = threading.Event()
    errors: list[BaseException] = []

    def run(work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as exc:
            errors.append(exc)

    def later() -> None:
        holding.wait(10)
        second()

    threads = [threading.Thread(target=run, args=(lambda: first(holding),)),
               threading.Thread(target=run, args=(later,))]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors


def test_two_reviewers_at_once_both_recorded_in_order(engine: Engine) -> None:
    """The first reviewer's transaction stays open while the second one starts: the second
    waits for the proposition's lock instead of reading a stale history (which on
    PostgreSQL ended in a UniqueViolation on (claim, seq))."""
    claim_id = _seeded(engine).claim.id

    def first(holding: threading.Event) -> None:
        with session(engine) as s:
            ledger.set_verdict(s, claim_id=claim_id, verdict=ClaimStatus.CONFIRMED,
                               note="first look", reviewer="ana")  # fmt: skip
            holding.set()
            time.sleep(1.0)
            s.commit()

    def second() -> None:
        with session(engine) as s:
            ledger.set_verdict(s, claim_id=claim_id, verdict=ClaimStatus.REFUTED,
                               note="second look", reviewer="ben")  # fmt: skip
            s.commit()

    assert _race(first, second) == []
    assert [e[1:] for e in _reviewer_events(engine, claim_id)] == [
        ("confirmed", "reviewer ana"), ("refuted", "reviewer ben")
    ]  # fmt: skip
    assert_histories_unbroken(engine)


def test_a_verdict_waits_for_a_running_verification(engine: Engine) -> None:
    """Verification holds the proposition (its lock) and changes the claim; a verdict given
    meanwhile is written after it, on top of what verification decided, not beside it."""
    claim = _seeded(engine).claim

    def verification(holding: threading.Event) -> None:
        with session(engine) as s:
            verify_proposition(s, kind=claim.kind, scope=claim.scope)  # takes the lock
            stored = ledger.get_claim(s, claim_id=claim.id).claim
            ledger.add_event(s, claim=stored, new_status="disputed", reason="a later report")
            holding.set()
            time.sleep(1.0)
            s.commit()

    def reviewer() -> None:
        result = CliRunner().invoke(
            main,
            ["review", str(claim.id), "--verdict", "confirmed", "--note", "checked"],
            env={"CLAIMTRACK_DATABASE_URL": engine.url.render_as_string(hide_password=False)},
        )
        assert result.exit_code == 0, result.output

    assert _race(verification, reviewer) == []
    (verdict,) = _reviewer_events(engine, claim.id)
    assert verdict[:2] == ("disputed", "confirmed")
    with session(engine) as s:
        assert ledger.get_claim(s, claim_id=claim.id).claim.status == "confirmed"
    assert_histories_unbroken(engine)
