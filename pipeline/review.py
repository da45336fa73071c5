"""A reviewer's verdict and what follows from it: the verdict sticks, and the other claims
of the proposition are decided again without it as evidence (a refuted claim is none)."""

from __future__ import annotations

from sqlmodel import Session

from pipeline import ledger
from pipeline.verify import verify_proposition
from schemas.enums import ClaimStatus


def apply_verdict(
    session: Session,
    *,
    claim_id: int,
    verdict: ClaimStatus,
    note: str,
    reviewer: str,
    tolerance: float,
    same_moment_days: int,
) -> tuple[ledger.Verdict, int]:
    """Set the verdict and re-verify its proposition; returns what was recorded and how
    many other claims changed status (none when the claim had this verdict already). Does
    not commit: the caller owns the transaction. Raises ``ledger.NotFound`` or
    ``ValueError`` (not a verdict, no note). The CLI and the desk both come here."""
    done = ledger.set_verdict(
        session, claim_id=claim_id, verdict=verdict, note=note, reviewer=reviewer
    )
    if not done.recorded:
        return done, 0
    # Written before verification reads the proposition afresh (it expires what it holds).
    session.flush()
    claim = ledger.get_claim(session, claim_id=claim_id).claim
    changed = verify_proposition(
        session,
        kind=claim.kind,
        scope=claim.scope,
        tolerance=tolerance,
        same_moment_days=same_moment_days,
    )
    return done, changed
