"""Near-duplicate documents: the same wire story republished by several outlets.

Each document's text is reduced to a MinHash signature of its five-word shingles
(datasketch). The signature is cut into 16 bands of 8 values; each band's hash is stored
in ``document_band`` with an index, so finding candidates is an indexed lookup, never a
scan of the ledger. Candidates whose estimated Jaccard similarity is at least 0.7 are
copies; a copy points at the earliest document of its group (``copy_of_id``).
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any

import numpy as np
from datasketch import MinHash
from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, and_, col, or_, select

from schemas.tables import Document, DocumentBand

NUM_PERM = 128
BANDS = 16
ROWS = NUM_PERM // BANDS
THRESHOLD = 0.7
SHINGLE_WORDS = 5
SCHEME = "affine32"  # pinned: stored signatures must be read back with the same hashing


def shingles(text: str) -> set[str]:
    """Five-word shingles of each paragraph but the first line (outlets retitle wire copy),
    never across a paragraph break."""
    paragraphs = text.split("\n")
    body = paragraphs[1:] if len(paragraphs) > 1 else paragraphs
    found: set[str] = set()
    for paragraph in body:
        words = re.findall(r"\w+", paragraph.casefold())
        if 0 < len(words) < SHINGLE_WORDS:
            found.add(" ".join(words))
        for i in range(len(words) - SHINGLE_WORDS + 1):
            found.add(" ".join(words[i : i + SHINGLE_WORDS]))
    return found


def signature(text: str) -> MinHash:
    minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME)
    minhash.update_batch([s.encode("utf-8") for s in sorted(shingles(text))])
    return minhash


def band_buckets(minhash: MinHash) -> list[int]:
    """One signed 64-bit bucket per band (fits a BIGINT on every backend)."""
    values = minhash.hashvalues
    return [
        int.from_bytes(
            hashlib.blake2b(values[b * ROWS : (b + 1) * ROWS].tobytes(), digest_size=8).digest(),
            "big",
            signed=True,
        )
        for b in range(BANDS)
    ]


def _from_bytes(raw: bytes) -> MinHash:
    dtype = MinHash(num_perm=NUM_PERM, scheme=SCHEME).hashvalues.dtype
    values = np.frombuffer(raw, dtype=dtype).copy()
    return MinHash(num_perm=NUM_PERM, hashvalues=values, scheme=SCHEME)


@functools.cache
def _candidates() -> Any:
    """The band lookup, built once (its 16 terms cost more to build than to run)."""
    band = DocumentBand.__table__  # type: ignore[attr-defined]
    return (
        sa_select(band.c.document_id)
        .where(
            or_(*(and_(band.c.band == b, band.c.bucket == bindparam(f"bucket{b}"))
                  for b in range(BANDS))),
            band.c.document_id != bindparam("document_id"),
        )
        .distinct()
    )  # fmt: skip


def find_original(session: Session, *, document: Document, minhash: MinHash) -> Document | None:
    """The earliest document this one nearly duplicates, or None."""
    buckets = {f"bucket{b}": h for b, h in enumerate(band_buckets(minhash))}
    candidates = (
        session.execute(_candidates(), {**buckets, "document_id": document.id}).scalars().all()
    )
    roots: set[int] = set()
    for candidate_id, copy_of_id, signature_bytes in session.exec(
        select(Document.id, Document.copy_of_id, Document.minhash).where(
            col(Document.id).in_(candidates)
        )
    ).all():
        if signature_bytes is None or candidate_id is None:
            continue
        if minhash.jaccard(_from_bytes(signature_bytes)) >= THRESHOLD:
            roots.add(copy_of_id or candidate_id)
    if not roots:
        return None
    return session.get(Document, min(roots))


def register(session: Session, *, document: Document, minhash: MinHash) -> None:
    """Store the signature; an original (not a copy) also goes into the band index, so the
    index holds one entry per story, not one per republication. Idempotent."""
    document.minhash = minhash.hashvalues.tobytes()
    session.add(document)
    if document.copy_of_id is not None:
        return
    existing = session.exec(
        select(DocumentBand.band).where(DocumentBand.document_id == document.id)
    ).first()
    if existing is not None:
        return
    for band, bucket in enumerate(band_buckets(minhash)):
        session.add(DocumentBand(document_id=document.id, band=band, bucket=bucket))  # type: ignore[arg-type]
