"""The ledger on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from pipeline import ledger, stages
from pipeline.database import migrate, open_ledger, session
from schemas.tables import Claim, StatusEvent
from tests.conftest import process

pytestmark = pytest.mark.integration
SEEDS = sorted((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))


def test_migrations_create_exactly_the_models(engine: Engine) -> None:
    assert {"document", "document_source", "claim", "status_event", "alembic_version"} <= set(
        inspect(engine).get_table_names()
    )
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], f"models and migrations differ: write a migration for {diff}"


def test_migrate_is_safe_to_repeat(engine: Engine) -> None:
    migrate(engine)
    migrate(engine)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is not None


def test_same_bytes_are_one_document(engine: Engine) -> None:
    raw = SEEDS[0].read_bytes()
    with session(engine) as s:
        first, new = ledger.record_document(s, raw=raw, file_name="a.txt")
        again, new_again = ledger.record_document(s, raw=raw, file_name="b.txt")
    assert (new, new_again) == (True, False)
    assert first.id == again.id and again.file_name == "a.txt"


def test_the_database_refuses_a_duplicate_claim(engine: Engine) -> None:
    with session(engine) as s:
        doc, _ = ledger.record_document(s, raw=b"Some article text.", file_name="x.txt")
        common = dict(document_id=doc.id, fingerprint="troop_count|1|None||", kind="troop_count",
                      quote="q", start=0, end=1)  # fmt: skip
        s.add(Claim(**common))
        s.commit()
        s.add(Claim(**common))
        with pytest.raises(IntegrityError):
            s.commit()


def _process(engine: Engine, path: Path) -> int:
    return process(engine, path.name, path.read_bytes())


def _final(engine: Engine) -> dict[tuple, str]:
    with session(engine) as s:
        return {(r.document.file_name, r.claim.kind, r.claim.value, str(r.claim.value_date)): r.claim.status
                for r in ledger.list_claims(s)}  # fmt: skip


def test_stages_are_idempotent_and_timestamps_aware(engine: Engine) -> None:
    ids = [_process(engine, p) for p in SEEDS]
    before = _final(engine)
    with session(engine) as s:
        events_before = len(list(s.exec(StatusEvent.__table__.select())))  # type: ignore[attr-defined]
    for document_id in ids:  # a redelivered task must change nothing
        with session(engine) as s:
            assert not stages.normalise_stage(s, document_id=document_id)
            stages.extract_stage(s, document_id=document_id, nlp=None, tolerance=0.1)
            assert (
                stages.verify_stage(s, document_id=document_id, tolerance=0.1, same_moment_days=3)
                == 0
            )
            s.commit()
    with session(engine) as s:
        events_after = len(list(s.exec(StatusEvent.__table__.select())))  # type: ignore[attr-defined]
        claim = ledger.list_claims(s)[0].claim
    assert _final(engine) == before and events_after == events_before
    assert claim.created_at.tzinfo is not None
    assert claim.created_at <= datetime.now(UTC)


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_final_statuses_do_not_depend_on_arrival_order(
    tmp_path: Path, order: tuple[int, ...]
) -> None:
    engine = open_ledger(f"sqlite:///{tmp_path / 'order.db'}")
    articles = [
        b"Troops\n\nOn 15 February 2022 Russia had massed 100,000 troops near Ukraine's border.",
        b"More troops\n\nOn 15 February 2022 officials said Russia had more than 100,000 troops at the Ukrainian border.",
        b"Fewer troops\n\nOn 15 February 2022 Kyiv said Russia had only 60,000 troops near the border.",
    ]
    for index in order:
        path = tmp_path / f"a{index}.txt"
        path.write_bytes(articles[index])
        _process(engine, path)
    final = {k[0]: v for k, v in _final(engine).items()}
    # 60,000 conflicts with both 100,000 and "more than 100,000" on the same day.
    assert final == {"a0.txt": "disputed", "a1.txt": "disputed", "a2.txt": "disputed"}
    engine.dispose()
