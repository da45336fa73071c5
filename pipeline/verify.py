"""Verification: each claim against every other claim about the same proposition.

A proposition is a kind plus a scope (where the troops are; which drills; who was killed,
how, where and over what period). Within a proposition the statuses are a function of the
set of claims, computed afresh each time, so the order in which documents arrive does not
change the result:

- Figures are intervals (see ``pipeline.numbers.interval``); two claims agree when their
  intervals overlap.
- Troop counts and casualty tolls change over time: two of them are about the same moment
  only when their as-of dates are within ``same_moment_days``. A later figure that
  differs supersedes an earlier one; it does not dispute it.
- The drills' end date is a fixed fact: a different date from another origin disputes
  it; a later report that the drills were extended supersedes it.
- ``corroborated`` needs agreeing claims from at least two origins, ``disputed`` a
  conflicting claim from another origin. A reviewer's verdict is never overwritten.
- Weak claims are judged but are no evidence: a vague figure ("dozens killed") is too
  wide to dispute or corroborate anything, and a date read from the story's other claims
  (an undated "Sunday", see ``pipeline.extract.story``) cannot corroborate them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from pipeline import ledger
from pipeline.numbers import best_value, interval, overlaps
from schemas.enums import ClaimKind, ClaimStatus
from schemas.records import ExtractedClaim
from schemas.tables import Claim

# --- scope: what a claim is about --------------------------------------------------------

_AREAS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("belarus", re.compile(r"\bbelarus\b", re.I)),
    ("crimea", re.compile(r"\bcrimea", re.I)),
    ("donbas", re.compile(r"\b(?:donbas+|donetsk|luhansk)\b", re.I)),
)


def troop_area(location: str | None) -> str:
    """A small gazetteer: the many wordings of a place, one area each. A location that names
    several areas ("the border, Crimea and Donbas") is the whole build-up around Ukraine."""
    if not location:
        return "around_ukraine"
    hits = [name for name, pattern in _AREAS if pattern.search(location)]
    if len(hits) == 1 and not re.search(r"\bukrain", location, re.I):
        return hits[0]
    return "around_ukraine"


def victim_group(victims: str | None) -> str:
    text = (victims or "").lower()
    if "civilian" in text or "children" in text or "residents" in text:
        return "civilians"
    military = re.search(
        r"soldier|troop|servicem|defender|officer|military|fighter|personnel|hero", text
    )
    if military and "russia" in text:
        return "russian_military"
    if military and "ukrain" in text:
        return "ukrainian_military"
    if military:
        return "military"
    return "all"


def _period(flags: Iterable[str]) -> str:
    for flag in flags:
        if flag.startswith("period:"):
            text = flag.removeprefix("period:").lower()
            if "2014" in text:
                return "since_2014"
            if "first day" in text:
                return "first_day"
            if re.search(
                r"invasion|invaded|war began|since (?:the )?(?:start|beginning)|feb(?:ruary|\.)? 24",
                text,
            ):
                return "since_invasion"
            if re.search(r"past|last", text):
                return "recent"
    return "cumulative"


def scope_of(claim: ExtractedClaim) -> str:
    if claim.kind == ClaimKind.TROOP_COUNT.value:
        return troop_area(claim.location or _place_in(claim.quote))
    if claim.kind == ClaimKind.DRILL_END_DATE.value:
        return "belarus_joint_drills"
    return "/".join(
        (claim.casualty_type or "killed", victim_group(claim.victims), _period(claim.flags))
    )


def _place_in(quote: str) -> str | None:
    hits = [name for name, pattern in _AREAS if pattern.search(quote)]
    return hits[0] if len(hits) == 1 else None


# --- decisions --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class View:
    """What verification needs to know of one claim."""

    id: int
    kind: str
    value: int | None
    value_high: int | None
    value_date: date | None
    qualifier: str
    origin: str
    as_of: date | None
    status: str
    extension: bool = False
    vague: bool = False  # "dozens", "tens of thousands": an interval too wide to dispute with
    inferred: bool = False  # a date read from the story's other claims (``extract.story``)

    @property
    def weak(self) -> bool:
        """Not evidence for other claims: too vague, or derived from them."""
        return self.vague or self.inferred

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> View:
        """From ``ledger.VERIFICATION_COLUMNS``, in that order."""
        (id_, kind, value, high, value_date, qualifier, origin, as_of, status, flags) = row
        marks = str(flags).split(",")
        return cls(
            int(id_), str(kind), value, high, value_date, str(qualifier), str(origin),
            as_of, str(status), "extension" in marks, "vague" in marks,
            "date_from_story" in marks,
        )  # fmt: skip

    def describe(self) -> str:
        if self.extension:
            figure = "drills extended (no new end date given)"
        elif self.value_date is not None:
            prefix = "after " if self.qualifier == "more_than" else ""
            figure = f"end {prefix}{self.value_date.isoformat()}"
        else:
            q = self.qualifier.replace("_", " ")
            high = f"-{self.value_high:,}" if self.value_high else ""
            figure = f"{'' if q == 'exact' else q + ' '}{self.value:,}{high}"
        when = f", as of {self.as_of.isoformat()}" if self.as_of else ""
        return f"claim #{self.id} ({self.origin}: {figure}{when})"


@dataclass(frozen=True, slots=True)
class Decision:
    status: ClaimStatus
    reason: str
    cause: int | None = None


def _count_interval(view: View, tolerance: float) -> tuple[float, float]:
    assert view.value is not None
    return interval(view.value, view.value_high, view.qualifier, tolerance=tolerance)


def _date_interval(view: View) -> tuple[float, float]:
    assert view.value_date is not None
    day = float(view.value_date.toordinal())
    return (day + 0.5, math.inf) if view.qualifier == "more_than" else (day, day)


def _days_apart(a: View, b: View) -> int:
    if a.as_of is None or b.as_of is None:
        return 0
    return abs((a.as_of - b.as_of).days)


def decide(
    claims: list[View],
    *,
    tolerance: float = 0.10,
    same_moment_days: int = 3,
    only: set[int] | None = None,
) -> dict[int, Decision]:
    """The status every claim of one proposition should have, with the reason (for the
    claims in ``only`` when given; the others are still evidence)."""
    decisions: dict[int, Decision] = {}
    evidence = [c for c in claims if c.status != ClaimStatus.REFUTED.value]
    for claim in claims:
        if ClaimStatus(claim.status).is_verdict or (only is not None and claim.id not in only):
            continue
        # A weak claim (vague, or dated from the others) is judged by the others but is no
        # evidence for them.
        others = [o for o in evidence if o.id != claim.id and (claim.weak or not o.weak)]
        if claim.kind == ClaimKind.DRILL_END_DATE.value:
            decisions[claim.id] = _decide_fixed(claim, others)
        else:
            decisions[claim.id] = _decide_changing(claim, others, tolerance, same_moment_days)
    return decisions


def may_change(
    claim: View, new: list[View], *, tolerance: float = 0.10, same_moment_days: int = 3
) -> bool:
    """Whether adding the ``new`` claims can change ``claim``'s status.

    For figures that change over time the statuses only move forward as claims are added
    (unconfirmed -> corroborated -> disputed -> superseded), so a claim needs a fresh
    decision only when a new claim could move it: a later, different figure (supersedes),
    an agreeing one while it is unconfirmed, a conflicting one from another origin while it
    is not yet disputed. Everything else is left as decided; ``decide`` on the whole set
    gives the same statuses.
    """
    if claim.kind == ClaimKind.DRILL_END_DATE.value or claim.value is None:
        return True  # few claims; always decided afresh
    if ClaimStatus(claim.status).is_verdict or claim.status == ClaimStatus.SUPERSEDED.value:
        return False
    mine = _count_interval(claim, tolerance)
    for other in new:
        if other.value is None or other.status == ClaimStatus.REFUTED.value:
            continue
        if claim.as_of and other.as_of and (other.as_of - claim.as_of).days > same_moment_days:
            if _differs(claim, other, tolerance):
                return True
            continue
        if _days_apart(claim, other) > same_moment_days:
            continue
        agree = overlaps(mine, _count_interval(other, tolerance))
        if claim.status == ClaimStatus.UNCONFIRMED.value and agree:
            return True
        if not agree and other.origin != claim.origin and claim.status != "disputed":
            return True
    return False


def _decide_changing(claim: View, others: list[View], tolerance: float, window: int) -> Decision:
    """A figure that changes over time. A weak one (vague) never disputes, supersedes or
    corroborates another claim (``decide`` leaves it out of their evidence) and nothing
    disputes it; a precise figure inside it corroborates it, a later different one
    supersedes it."""
    if claim.value is None:
        return Decision(ClaimStatus.UNCONFIRMED, "the figure has no value to compare")
    mine = _count_interval(claim, tolerance)
    later = [
        o
        for o in others
        if o.value is not None
        and not o.vague
        and claim.as_of is not None
        and o.as_of is not None
        and (o.as_of - claim.as_of).days > window
        and _differs(claim, o, tolerance)
    ]
    if later:
        newest = max(later, key=lambda o: (o.as_of, o.id))
        return Decision(
            ClaimStatus.SUPERSEDED,
            f"superseded by a later, different figure: {newest.describe()}",
            newest.id,
        )
    same_moment = [o for o in others if o.value is not None and _days_apart(claim, o) <= window]
    conflicts = [
        o
        for o in same_moment
        if o.origin != claim.origin
        and not claim.weak
        and not overlaps(mine, _count_interval(o, tolerance))
    ]
    agreeing = [o for o in same_moment if overlaps(mine, _count_interval(o, tolerance))]
    return _agree_or_dispute(claim, agreeing, conflicts)


def _central(view: View) -> float:
    assert view.value is not None
    return best_value(view.value, view.value_high)


def _differs(a: View, b: View, tolerance: float) -> bool:
    """A later figure updates an earlier one when its best value is not the same figure,
    even if the intervals overlap ("100,000" then "up to 190,000")."""
    ca, cb = _central(a), _central(b)
    return abs(ca - cb) > tolerance * max(ca, cb)


def _reports_extension(view: View) -> bool:
    """'extended' with no date, or 'extended past D' (more_than D)."""
    return view.extension or (view.value_date is not None and view.qualifier == "more_than")


def _decide_fixed(claim: View, others: list[View]) -> Decision:
    """The drills' end date is a fixed fact: disputed by a different date, superseded by
    a later report that the drills were extended."""
    if not _reports_extension(claim):
        extensions = [
            o
            for o in others
            if _reports_extension(o)
            and (o.as_of or date.min) >= (claim.as_of or date.min)
            and (
                o.value_date is None or claim.value_date is None or o.value_date >= claim.value_date
            )
        ]
        if extensions:
            newest = max(extensions, key=lambda o: (o.as_of or date.min, o.id))
            return Decision(
                ClaimStatus.SUPERSEDED,
                f"superseded: the drills were later reported extended, {newest.describe()}",
                newest.id,
            )
    if claim.value_date is None:
        return _agree_or_dispute(claim, [o for o in others if _reports_extension(o)], [])
    mine = _date_interval(claim)
    if _reports_extension(claim):
        peers = [o for o in others if _reports_extension(o)]
        agreeing = [o for o in peers if o.value_date is None or overlaps(mine, _date_interval(o))]
        return _agree_or_dispute(claim, agreeing, [])
    dated = [o for o in others if o.value_date is not None and not _reports_extension(o)]
    agreeing = [o for o in dated if overlaps(mine, _date_interval(o))]
    conflicts = [
        o
        for o in dated
        if o.origin != claim.origin and not claim.weak and not overlaps(mine, _date_interval(o))
    ]
    return _agree_or_dispute(claim, agreeing, conflicts)


def _agree_or_dispute(claim: View, agreeing: list[View], conflicts: list[View]) -> Decision:
    if conflicts:
        first = min(conflicts, key=lambda o: o.id)
        listed = "; ".join(o.describe() for o in sorted(conflicts, key=lambda o: o.id))
        return Decision(
            ClaimStatus.DISPUTED,
            f"conflicts with {listed}, from another origin about the same moment",
            first.id,
        )
    origins = {claim.origin} | {o.origin for o in agreeing}
    if len(origins) >= 2:
        listed = "; ".join(o.describe() for o in sorted(agreeing, key=lambda o: o.id))
        first = min((o for o in agreeing if o.origin != claim.origin), key=lambda o: o.id)
        return Decision(
            ClaimStatus.CORROBORATED,
            f"agrees with {listed}: {len(origins)} independent origins",
            first.id,
        )
    if agreeing:
        return Decision(
            ClaimStatus.UNCONFIRMED,
            f"only one origin ({claim.origin}) reports it; agreeing claims share that origin",
        )
    return Decision(ClaimStatus.UNCONFIRMED, f"no other origin reports this yet ({claim.origin})")


# --- applying decisions to the ledger ----------------------------------------------------


def view_of(claim: Claim) -> View:
    """A stored claim as verification sees it: the same columns ``View.from_row`` reads."""
    return View.from_row(tuple(getattr(claim, name) for name in ledger.VERIFICATION_COLUMNS))


def verify_document(
    session: Session, *, document_id: int, tolerance: float = 0.10, same_moment_days: int = 3
) -> int:
    """Re-verify every proposition the document's claims are about; returns the number of
    status changes written. Safe to repeat: a second run writes nothing."""
    claims = ledger.claims_of_document(session, document_id=document_id)
    changes = 0
    for kind, scope in sorted({(c.kind, c.scope) for c in claims}):
        # The document's claims are the new evidence, whether or not another worker has
        # already given them a first status (it did so without weighing them as evidence).
        new = {c.id for c in claims if c.kind == kind and c.scope == scope}
        changes += verify_proposition(
            session, kind=kind, scope=scope, tolerance=tolerance,
            same_moment_days=same_moment_days, new_ids=new,  # type: ignore[arg-type]
        )  # fmt: skip
    return changes


def verify_proposition(
    session: Session,
    *,
    kind: str,
    scope: str,
    tolerance: float = 0.10,
    same_moment_days: int = 3,
    new_ids: set[int] | None = None,
) -> int:
    """Recompute the statuses of one proposition's claims; write an event for each change.

    With ``new_ids`` (the claims a document just added) only the claims near them are
    read (``ledger.claim_rows_near``) and only those they can move are decided again
    (``may_change``); without, every claim is read and decided (as after a reviewer's
    verdict). Only the columns a decision needs are read."""
    _lock_proposition(session, f"{kind}:{scope}")
    # Read nothing from before the lock: another worker may have just changed these claims.
    session.expire_all()
    rows = None
    if new_ids and kind != ClaimKind.DRILL_END_DATE.value:
        rows = ledger.claim_rows_near(
            session, kind=kind, scope=scope, new_ids=new_ids, window_days=same_moment_days,
            tolerance=tolerance,
        )  # fmt: skip
    if rows is None:
        rows = ledger.claim_rows_in_scope(session, kind=kind, scope=scope)
    views = [View.from_row(row) for row in rows]
    only: set[int] | None = None
    if new_ids is not None:
        new = [v for v in views if v.id in new_ids]
        only = set(new_ids) | {
            v.id
            for v in views
            if v.id not in new_ids
            and may_change(v, new, tolerance=tolerance, same_moment_days=same_moment_days)
        }
    decisions = decide(views, tolerance=tolerance, same_moment_days=same_moment_days, only=only)
    current = {v.id: v.status for v in views}
    candidates = set(current) if new_ids is None else set(new_ids)
    undecided = candidates - ledger.claims_with_events(session, ids=list(candidates))
    changes = 0
    for claim_id, decision in sorted(decisions.items()):
        if decision.status.value == current[claim_id] and claim_id not in undecided:
            continue
        if (
            new_ids is not None
            and claim_id not in undecided
            and _rank(decision.status) <= _rank(ClaimStatus(current[claim_id]))
        ):
            # Adding claims only moves a status forward; a lower decision here comes from
            # reading only the claims near the new ones, not from the evidence.
            continue
        claim = session.get(Claim, claim_id)
        assert claim is not None
        ledger.add_event(
            session,
            claim=claim,
            new_status=decision.status.value,
            reason=decision.reason,
            cause_claim_id=decision.cause,
        )
        changes += 1
    return changes


_RANK = {
    ClaimStatus.UNCONFIRMED: 0,
    ClaimStatus.CORROBORATED: 1,
    ClaimStatus.DISPUTED: 2,
    ClaimStatus.SUPERSEDED: 3,
}


def _rank(status: ClaimStatus) -> int:
    return _RANK.get(status, 4)


def _lock_proposition(session: Session, key: str) -> None:
    """Serialise verification of one proposition across workers. PostgreSQL: a transaction
    advisory lock; SQLite: the write lock every transaction takes at BEGIN IMMEDIATE."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


# --- the consolidated view ---------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """One proposition as an editor reads it (lowest credible, best, highest)."""

    kind: str
    scope: str
    state: str
    claims: int
    current: int
    origins: tuple[str, ...]
    low: str
    best: str
    high: str


_STATE_ORDER = ("refuted", "disputed", "confirmed", "corroborated", "unconfirmed", "superseded")


def summarise(kind: str, scope: str, claims: list[View]) -> Summary:
    """Current claims are those neither superseded nor refuted; the state is the most
    telling status among them (disputed before corroborated before unconfirmed)."""
    current = [c for c in claims if c.status not in ("superseded", "refuted")] or claims
    statuses = {c.status for c in current}
    state = next(s for s in (*_STATE_ORDER, "unconfirmed") if s in statuses or s == "unconfirmed")
    origins = tuple(sorted({c.origin for c in current}))
    if kind == ClaimKind.DRILL_END_DATE.value:
        dated = sorted(c.value_date for c in current if c.value_date is not None)
        extended = any(_reports_extension(c) for c in current)
        if dated:
            low, high = dated[0].isoformat(), dated[-1].isoformat()
            best = dated[len(dated) // 2].isoformat()
        else:
            low = best = high = "-"
        if extended:
            high = "extended" if high == "-" else f"after {high} (extended)"
        return Summary(kind, scope, state, len(claims), len(current), origins, low, best, high)
    figures = [c for c in current if c.value is not None]
    if not figures:
        return Summary(kind, scope, state, len(claims), len(current), origins, "-", "-", "-")
    lows = [c.value for c in figures if c.value is not None]
    highs = [c.value_high or c.value for c in figures if c.value is not None]
    centrals = sorted(_central(c) for c in figures)
    middle = centrals[len(centrals) // 2]
    open_ended = any(c.qualifier in ("more_than", "at_least") and not c.value_high for c in figures)
    high = f"{max(highs):,}" + ("+" if open_ended else "")
    return Summary(
        kind, scope, state, len(claims), len(current), origins,
        f"{min(lows):,}", f"{round(middle):,}", high,
    )  # fmt: skip
