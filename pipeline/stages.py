"""The three stages of a document, each over a session handed in. The Celery tasks call
these; so do tests and the CLI. They never commit: the caller owns the transaction."""

from __future__ import annotations

from spacy.language import Language
from sqlmodel import Session

from pipeline import ledger
from pipeline.extract import extract_claims
from pipeline.normalise import normalise
from pipeline.verify import scope_of, verify_document
from schemas.enums import DocumentState
from schemas.records import NormalisedArticle

_ORDER = [s.value for s in DocumentState]


def reached(state: str, stage: DocumentState) -> bool:
    """Whether a document in ``state`` has already done ``stage`` (failed never has)."""
    if state == DocumentState.FAILED.value:
        return False
    return _ORDER.index(state) >= _ORDER.index(stage.value)


def normalise_stage(session: Session, *, document_id: int) -> bool:
    """Normalise the stored bytes; returns False when it had been done already.
    Raises ``InputError`` for input that is not an article."""
    document = ledger.get_document(session, document_id=document_id)
    if reached(document.state, DocumentState.NORMALISED) and document.text is not None:
        return False
    raw = ledger.get_raw(session, document_id=document_id)
    ledger.store_article(
        session, document=document, article=normalise(raw, file_name=document.file_name)
    )
    return True


def extract_stage(
    session: Session, *, document_id: int, nlp: Language | None, tolerance: float
) -> int:
    """Extract and store the claims; returns how many the document has."""
    document = ledger.get_document(session, document_id=document_id)
    if reached(document.state, DocumentState.EXTRACTED):
        return len(ledger.claims_of_document(session, document_id=document_id))
    article = NormalisedArticle(
        text=document.text or "", published=document.published, outlet=document.outlet
    )
    claims = extract_claims(article, nlp)
    origin = document.outlet or f"unknown outlet (document #{document.id})"
    stored = ledger.add_claims(
        session,
        document=document,
        claims=claims,
        scope_of={i: scope_of(c) for i, c in enumerate(claims)},
        origin=origin,
        tolerance=tolerance,
    )
    document.claim_count = len(stored)
    ledger.set_state(session, document=document, state=DocumentState.EXTRACTED)
    return len(stored)


def verify_stage(
    session: Session, *, document_id: int, tolerance: float, same_moment_days: int
) -> int:
    document = ledger.get_document(session, document_id=document_id)
    changes = verify_document(
        session, document_id=document_id, tolerance=tolerance, same_moment_days=same_moment_days
    )
    ledger.set_state(session, document=document, state=DocumentState.VERIFIED)
    return changes
