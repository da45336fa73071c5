"""How the stages use the ledger's transactions, on a real SQLite file and a real PostgreSQL
database: reading never waits for a writer, and a stage's write re-checks what its read saw,
so two workers (or a redelivered message) racing on one document store it once."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from pipeline import ledger, stages
from pipeline.database import reading, session
from schemas.enums import DocumentState
from schemas.tables import Claim, Document

pytestmark = pytest.mark.integration

ARTICLE = (
    b"Troops Gather Near The Border\n\nFebruary 15, 2022\n\n"
    b"Russia has massed more than 100,000 troops near Ukraine's border, officials said.\n"
)


def _record(engine: Engine, raw: bytes = ARTICLE) -> int:
    with session(engine) as s:
        document, _ = ledger.record_document(s, raw=raw, file_name="a.txt")
    assert document.id is not None
    return document.id


def _documents(s: Session) -> int:
    return int(s.execute(select(func.count()).select_from(Document)).scalar_one())


def test_a_reader_sees_the_last_commit_while_a_writer_holds_its_transaction(
    engine: Engine,
) -> None:
    document_id = _record(engine)
    with session(engine) as writer:
        ledger.record_document(writer, raw=b"another article", file_name="b.txt")
        # record_document committed; a second write stays open and uncommitted
        first = ledger.get_document(writer, document_id=document_id)
        ledger.set_state(writer, document=first, state=DocumentState.QUEUED)
        writer.flush()  # on SQLite, the write lock is held from here to the end of the block
        with reading(engine) as reader:
            assert _documents(reader) == 2
            assert ledger.get_document(reader, document_id=document_id).state == "received"
        writer.commit()
    with reading(engine) as reader:
        assert ledger.get_document(reader, document_id=document_id).state == "queued"


def test_normalising_twice_at_once_stores_the_article_once(engine: Engine) -> None:
    document_id = _record(engine)
    # Two workers read the same document before either writes.
    with reading(engine) as s:
        first = stages.source_to_normalise(s, document_id=document_id)
    with reading(engine) as s:
        second = stages.source_to_normalise(s, document_id=document_id)
    assert first is not None and second is not None
    with session(engine) as s:
        assert stages.store_normalised(
            s, document_id=document_id, article=stages.normalise_source(first)
        )
        s.commit()
    with session(engine) as s:
        assert not stages.store_normalised(
            s, document_id=document_id, article=stages.normalise_source(second)
        )
        s.commit()
    with reading(engine) as s:
        assert stages.source_to_normalise(s, document_id=document_id) is None
        assert ledger.get_document(s, document_id=document_id).state == "normalised"


def test_extracting_twice_at_once_stores_the_claims_once(engine: Engine) -> None:
    document_id = _record(engine)
    with session(engine) as s:
        stages.normalise_stage(s, document_id=document_id)
        s.commit()
    extractions = []
    for _ in range(2):  # two workers, each reading and extracting before either writes
        with reading(engine) as s:
            article = stages.article_to_extract(s, document_id=document_id)
        assert article is not None
        extractions.append(stages.extract_article(article, None))
    for extraction in extractions:
        with session(engine) as s:
            count = stages.store_extraction(
                s, document_id=document_id, extraction=extraction, tolerance=0.1
            )
            s.commit()
        assert count == 1
    with reading(engine) as s:
        claims = s.execute(select(func.count()).select_from(Claim)).scalar_one()
        assert claims == 1
        assert stages.article_to_extract(s, document_id=document_id) is None
        assert ledger.get_document(s, document_id=document_id).claim_count == 1
