"""The three stages of a document, each over a session handed in. The Celery tasks call
these; so do tests and the CLI. They never commit: the caller owns the transaction."""

from __future__ import annotations

from spacy.language import Language
from sqlmodel import Session

from pipeline import duplicates, ledger
from pipeline.extract import extract_claims, story
from pipeline.normalise import normalise
from pipeline.origins import origin_of_speaker
from pipeline.verify import scope_of, verify_document
from schemas.enums import DocumentState
from schemas.records import NormalisedArticle
from schemas.tables import Document

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
    minhash = duplicates.signature(article.text)
    original = duplicates.find_original(session, document=document, minhash=minhash)
    document.copy_of_id = original.id if original is not None else None
    duplicates.register(session, document=document, minhash=minhash)
    voice = document_origin(document, original)
    claims = extract_claims(article, nlp)
    if story.needs_story(claims):
        claims = story.resolve_from_story(claims, ledger.drill_end_dates(session))
    stored = ledger.add_claims(
        session,
        document=document,
        claims=claims,
        scope_of={i: scope_of(c) for i, c in enumerate(claims)},
        origin_of={i: origin_of_speaker(c.speaker) or voice for i, c in enumerate(claims)},
        tolerance=tolerance,
    )
    document.claim_count = len(stored)
    ledger.set_state(session, document=document, state=DocumentState.EXTRACTED)
    return len(stored)


def document_origin(document: Document, original: Document | None) -> str:
    """Who speaks when the article speaks in its own voice: the origin of the article it
    copies, else the credited wire agency, else its outlet."""
    if original is not None:
        # Every copy takes the original's origin, so a group has one origin whatever
        # credit each copy carries.
        return document_origin(original, None)
    if document.wire:
        return document.wire
    return document.outlet or f"unknown outlet (document #{document.id})"


def verify_stage(
    session: Session, *, document_id: int, tolerance: float, same_moment_days: int
) -> int:
    document = ledger.get_document(session, document_id=document_id)
    changes = verify_document(
        session, document_id=document_id, tolerance=tolerance, same_moment_days=same_moment_days
    )
    ledger.set_state(session, document=document, state=DocumentState.VERIFIED)
    return changes
