"""Ledger tables (SQLModel) and the typed records passed between stages."""

from schemas.enums import (
    CasualtyType,
    ClaimKind,
    ClaimStatus,
    DateSource,
    DocumentState,
    Qualifier,
)
from schemas.records import ExtractedClaim, NormalisedArticle
from schemas.tables import Claim, Document, DocumentBand, DocumentSource, StatusEvent

__all__ = [
    "CasualtyType",
    "Claim",
    "ClaimKind",
    "ClaimStatus",
    "DateSource",
    "Document",
    "DocumentBand",
    "DocumentSource",
    "DocumentState",
    "ExtractedClaim",
    "NormalisedArticle",
    "Qualifier",
    "StatusEvent",
]
