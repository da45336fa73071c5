"""The three stages of a document, each over a session handed in. The Celery tasks call
these; so do tests and the CLI. They never commit: the caller owns the transaction.

Normalising and extracting are split into what they read, what they compute and what they
write, so that a worker can read in one short read-only transaction, compute with no
transaction open (extraction is most of a document's time) and write in one short write
transaction: on SQLite only the last holds the ledger's write lock. ``normalise_stage``
and ``extract_stage`` do the three in the one session they are handed."""

from __future__ import annotations

from dataclasses import dataclass

from datasketch import MinHash
from spacy.language import Language
from sqlmodel import Session

from pipeline import duplicates, ledger
from pipeline.errors import InputError
from pipeline.extract import extract_claims, story
from pipeline.normalise import normalise
from pipeline.origins import outlet_wire, resolve_origin
from pipeline.propositions import scope_of
from pipeline.verify import verify_document
from schemas.enums import ClaimKind, DocumentState
from schemas.records import ExtractedClaim, NormalisedArticle
from schemas.tables import Document

_ORDER = [s.value for s in DocumentState]


def reached(state: str, stage: DocumentState) -> bool:
    """Whether a document in ``state`` has already done ``stage`` (failed never has)."""
    if state == DocumentState.FAILED.value:
        return False
    return _ORDER.index(state) >= _ORDER.index(stage.value)


# --- normalise ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """A document's stored bytes, to be normalised."""

    raw: bytes
    file_name: str


def _normalised(state: str, has_text: bool) -> bool:
    return reached(state, DocumentState.NORMALISED) and has_text


def source_to_normalise(session: Session, *, document_id: int) -> Source | None:
    """Read: the bytes to normalise, or None when the document is normalised already."""
    state, has_text, file_name, raw = ledger.source_of(session, document_id=document_id)
    if _normalised(state, has_text):
        return None
    if raw is None:
        raise ledger.NotFound(f"no stored bytes for document #{document_id}")
    return Source(raw, file_name)


def normalise_source(source: Source) -> NormalisedArticle:
    """Compute (no database): raises ``InputError`` for input that is not an article."""
    return normalise(source.raw, file_name=source.file_name)


def store_normalised(session: Session, *, document_id: int, article: NormalisedArticle) -> bool:
    """Write: returns False when another worker stored it first."""
    document = ledger.get_document(session, document_id=document_id)
    if _normalised(document.state, document.text is not None):
        return False
    ledger.store_article(session, document=document, article=article)
    return True


def normalise_stage(session: Session, *, document_id: int) -> bool:
    """Normalise the stored bytes; returns False when it had been done already.
    Raises ``InputError`` for input that is not an article."""
    source = source_to_normalise(session, document_id=document_id)
    if source is None:
        return False
    return store_normalised(session, document_id=document_id, article=normalise_source(source))


# --- extract -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Extraction:
    """What a document's text gives before the ledger is consulted: its claims and its
    MinHash signature."""

    claims: list[ExtractedClaim]
    minhash: MinHash


def article_to_extract(session: Session, *, document_id: int) -> NormalisedArticle | None:
    """Read: the normalised article, or None when its claims are stored already."""
    document = ledger.get_document(session, document_id=document_id)
    if reached(document.state, DocumentState.EXTRACTED):
        return None
    return NormalisedArticle(
        text=document.text or "", published=document.published, outlet=document.outlet
    )


def extract_article(
    article: NormalisedArticle, nlp: Language | None, *, max_claims: int | None = None
) -> Extraction:
    """Compute (no database): the claims and the signature of one article. A vague amount
    ("dozens", "tens of thousands") is no checkable figure: not a claim. Raises
    ``InputError`` (``too_many_claims``) past ``max_claims``: no article states that many
    figures, and verifying them all would hold up every other document."""
    claims = [c for c in extract_claims(article, nlp) if not c.vague]
    if max_claims is not None and len(claims) > max_claims:
        raise InputError(
            "too_many_claims",
            f"{len(claims):,} claims found; a document may hold at most {max_claims:,} "
            "(CLAIMTRACK_MAX_CLAIMS)",
        )
    return Extraction(claims, duplicates.signature(article.text))


def store_extraction(
    session: Session, *, document_id: int, extraction: Extraction, tolerance: float
) -> int:
    """Write: what needs the rest of the ledger (the article this one copies, the drills'
    end dates an undated "Sunday" is read against), then the claims. Returns how many
    claims the document has."""
    document = ledger.get_document(session, document_id=document_id)
    if reached(document.state, DocumentState.EXTRACTED):
        return len(ledger.claims_of_document(session, document_id=document_id))
    # The document's changes go out in one UPDATE with the claims' INSERT (add_claims
    # flushes once), not one per change.
    with session.no_autoflush:
        minhash = extraction.minhash
        original = duplicates.find_original(session, document=document, minhash=minhash)
        document.copy_of_id = original.id if original is not None else None
        duplicates.register(session, document=document, minhash=minhash)
        voice = document_origin(document, original)
        claims = extraction.claims
        if story.needs_story(claims):
            claims = story.resolve_from_story(claims, ledger.drill_end_dates(session))
        ledger.set_state(session, document=document, state=DocumentState.EXTRACTED)
        stored = ledger.add_claims(
            session,
            document=document,
            claims=claims,
            scope_of={i: scope_of(c) for i, c in enumerate(claims)},
            origin_of={
                i: resolve_origin(c.claimant or c.speaker, phrase=c.speaker_phrase, voice=voice)
                for i, c in enumerate(claims)
            },
            tolerance=tolerance,
        )
    if any(c.kind == ClaimKind.DRILL_END_DATE.value and c.value_date for c in stored):
        reresolve_end_dates(session)
    return len(stored)


def reresolve_end_dates(session: Session) -> int:
    """The story gained a dated end date: an undated article's "Sunday" stored earlier is
    read again against the end dates the ledger now holds, so the order in which articles
    arrive does not change what they say. Returns how many were resolved; verification of
    the drills' proposition (which follows) judges them with their dates."""
    pending = ledger.unresolved_end_dates(session)
    if not pending:
        return 0
    known = ledger.drill_end_dates(session)
    resolved = 0
    for claim in pending:
        found = story.resolve_stored(claim.flags, known)
        if found is not None:
            claim.value_date, claim.flags = found
            session.add(claim)
            resolved += 1
    return resolved


def extract_stage(
    session: Session,
    *,
    document_id: int,
    nlp: Language | None,
    tolerance: float,
    max_claims: int | None = None,
) -> int:
    """Extract and store the claims; returns how many the document has."""
    article = article_to_extract(session, document_id=document_id)
    if article is None:
        return len(ledger.claims_of_document(session, document_id=document_id))
    return store_extraction(
        session,
        document_id=document_id,
        extraction=extract_article(article, nlp, max_claims=max_claims),
        tolerance=tolerance,
    )


def document_origin(document: Document, original: Document | None) -> str:
    """Who speaks when the article speaks in its own voice: the origin of the article it
    copies, else the credited wire agency, else its outlet."""
    if original is not None:
        # Every copy takes the original's origin, so a group has one origin whatever
        # credit each copy carries.
        return document_origin(original, None)
    if document.wire:
        return document.wire
    credited = outlet_wire(document.outlet)  # "Deccan Herald (Reuters)"
    if credited:
        return credited
    return document.outlet or f"unknown outlet ({document.file_name})"


# --- verify ------------------------------------------------------------------------------


def verify_stage(
    session: Session, *, document_id: int, tolerance: float, same_moment_days: int
) -> int:
    changes = verify_document(
        session, document_id=document_id, tolerance=tolerance, same_moment_days=same_moment_days
    )
    ledger.finish_document(session, document_id=document_id, state=DocumentState.VERIFIED)
    return changes
