"""Hostile documents against the real ledger, on SQLite and PostgreSQL (issue 12): values
too long or too large for a column, too many claims, errors told apart (the document's own,
which fail it with a short reason, from the infrastructure's, which are retried), and the
ledger's files private to their owner."""

from __future__ import annotations

import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from pipeline import ledger, stages
from pipeline.database import open_ledger, session
from pipeline.errors import InputError, document_fault
from pipeline.normalise import normalise
from schemas.enums import ClaimStatus
from schemas.records import ExtractedClaim
from tests.conftest import process

pytestmark = pytest.mark.fault

HEAD = "Troops gather near the border\n\nFebruary 15, 2022\n\n"


def _numbers(count: int, start: int = 100_000) -> bytes:
    lines = (
        f"Officials said {start + 1000 * i:,} troops were massed near the border.\n"
        for i in range(count)
    )
    return (HEAD + "".join(lines)).encode()


def test_an_outlet_longer_than_its_column_is_cut_not_a_failure(engine: Engine) -> None:
    """PostgreSQL failed the document with the whole INSERT statement as its reason."""
    site = "The Daily " + "Very " * 80 + "Long Planet"
    page = (
        f'<html><head><meta property="og:site_name" content="{site}"></head><body>'
        "<h1>Troops gather near the border</h1><p>February 15, 2022</p>"
        "<p>Russia has massed more than 100,000 troops near the border, officials said.</p>"
        "</body></html>"
    )
    document_id = process(engine, "planet.html", page.encode())
    with session(engine) as s:
        document = ledger.get_document(s, document_id=document_id)
    assert document.state == "verified" and document.claim_count == 1
    assert len(document.outlet or "") == 200 and document.outlet.startswith("The Daily Very")  # type: ignore[union-attr]


def test_a_long_reviewer_name_is_cut_not_a_crash(engine: Engine) -> None:
    document_id = process(engine, "a.txt", _numbers(1))
    with session(engine) as s:
        (claim,) = ledger.claims_of_document(s, document_id=document_id)
        ledger.set_verdict(s, claim_id=claim.id, verdict=ClaimStatus.CONFIRMED,  # type: ignore[arg-type]
                           note="seen on satellite images", reviewer="R" * 300)  # fmt: skip
        s.commit()
    with session(engine) as s:
        event = ledger.history(s, claim_id=claim.id)[-1]  # type: ignore[arg-type]
    assert event.new_status == "confirmed" and len(event.actor) == 100
    assert event.actor.startswith("reviewer RRR")


def test_a_document_with_too_many_claims_is_refused_with_its_count() -> None:
    article = normalise(_numbers(6))
    with pytest.raises(InputError) as error:
        stages.extract_article(article, None, max_claims=5)
    assert error.value.reason == "too_many_claims"
    assert error.value.detail.startswith("6 claims found; a document may hold at most 5")
    assert len(stages.extract_article(article, None, max_claims=6).claims) == 6


def test_verification_reads_around_a_thousand_new_figures(engine: Engine) -> None:
    """A document of 1,000 different troop counts: SQLite refused verification's query
    ("Expression tree is too large (maximum depth 1000)": one OR term a figure) and the
    poison pill was retried forever."""
    with session(engine) as s:
        document, _ = ledger.record_document(s, raw=b"numbers", file_name="numbers.txt")
        claims = [
            ExtractedClaim(kind="troop_count", value=100_000 + 1000 * i, qualifier="exact",
                           quote=f"{100_000 + 1000 * i:,} troops", start=0, end=10,
                           as_of=date(2022, 2, 15))
            for i in range(1000)
        ]  # fmt: skip
        stored = ledger.add_claims(
            s, document=document, claims=claims, scope_of=dict.fromkeys(range(1000), "around_ukraine"),
            origin_of=dict.fromkeys(range(1000), "outlet"), tolerance=0.1,
        )  # fmt: skip
        s.commit()
        rows = ledger.claim_rows_near(
            s, kind="troop_count", scope="around_ukraine", new_ids={c.id for c in stored},  # type: ignore[misc]
            window_days=3, tolerance=0.1,
        )  # fmt: skip
    assert rows is not None and len(rows) == 1000


def test_a_value_the_database_refuses_is_the_documents_fault_in_one_line(
    engine: Engine,
) -> None:
    """A figure past 64 bits: SQLite cannot bind it, PostgreSQL says "bigint out of
    range". Either way the document's own failure, with a short reason, not the SQL."""
    absurd = ExtractedClaim(kind="casualty_count", value=10**20, qualifier="exact",
                            quote="The shelling killed 100,000,000,000,000,000,000.",
                            start=0, end=48, casualty_type="killed")  # fmt: skip
    with session(engine) as s, pytest.raises(Exception) as error:
        document, _ = ledger.record_document(s, raw=b"absurd", file_name="absurd.txt")
        ledger.add_claims(s, document=document, claims=[absurd], scope_of={0: "killed/all"},
                          origin_of={0: "outlet"}, tolerance=0.1)  # fmt: skip
    fault = document_fault(error.value)
    assert fault is not None and fault.reason == "database_rejected"
    assert fault.detail in ("Python int too large to convert to SQLite INTEGER",
                            "bigint out of range")  # fmt: skip


def test_a_statement_too_large_is_the_documents_fault(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn, pytest.raises(OperationalError) as error:
        conn.execute(text("SELECT 1 WHERE " + " OR ".join(["1 = 0"] * 1500)))
    fault = document_fault(error.value)
    assert fault is not None and fault.detail.startswith("Expression tree is too large")


def test_a_locked_or_unreachable_database_is_not_the_documents_fault(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    with engine.connect() as conn, pytest.raises(OperationalError) as locked:
        conn.execute(text("CREATE TABLE t (x)"))
    holder.rollback()
    assert "database is locked" in str(locked.value) and document_fault(locked.value) is None
    unreachable = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    with pytest.raises(OperationalError) as refused:
        unreachable.connect()
    assert document_fault(refused.value) is None


def test_the_ledger_and_its_journal_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    engine = open_ledger(f"sqlite:///{data / 'ledger.db'}")
    process(engine, "a.txt", _numbers(1))
    files = [data / name for name in ("ledger.db", "ledger.db-wal", "ledger.db-shm")]
    assert all(f.exists() for f in files)
    assert {oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {"0o600"}
    assert oct(stat.S_IMODE(data.stat().st_mode)) == "0o700"
