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
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from pipeline import ledger
from pipeline.numbers import best_value, interval, overlaps
from schemas.enums import ClaimKind, ClaimStatus
from schemas.tables import Claim

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
    #: a scheduled end date stated in an article that reports the drills extended
    extended: bool = False

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
            "date_from_story" in marks, "extended" in marks,
        )  # fmt: skip

    def describe(self) -> str:
        if self.extension:
            figure = "drills extended (no new end date given)"
        elif self.value_date is not None:
            prefix = "after " if self.qualifier == "more_than" else ""
            figure = f"end {prefix}{self.value_date.isoformat()}"
            if self.extended:
                figure += ", reported extended"
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


def _same_moment(a: View, b: View, window: int) -> bool:
    """Whether two claims describe the same moment: both dated, at most ``window`` days
    apart. A claim with no date is about no moment we know: it is never compared in time."""
    if a.as_of is None or b.as_of is None:
        return False
    return abs((a.as_of - b.as_of).days) <= window


def _later(a: View, b: View, window: int) -> bool:
    """Whether ``b`` describes a moment clearly after ``a``'s (both dated)."""
    return a.as_of is not None and b.as_of is not None and (b.as_of - a.as_of).days > window


#: A reviewer's verdicts (never decided again), and every status no new claim moves.
_VERDICTS = frozenset(s.value for s in ClaimStatus if s.is_verdict)
_SETTLED = _VERDICTS | {ClaimStatus.SUPERSEDED.value}


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
    # A weak claim (vague, or dated from the others) is judged by the others but is no
    # evidence for them.
    strong = [c for c in evidence if not c.weak]
    for claim in claims:
        if claim.status in _VERDICTS or (only is not None and claim.id not in only):
            continue
        others = [o for o in (evidence if claim.weak else strong) if o.id != claim.id]
        if claim.kind == ClaimKind.DRILL_END_DATE.value:
            decisions[claim.id] = _decide_fixed(claim, others, same_moment_days)
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
    if claim.status in _SETTLED:
        return False
    if claim.kind == ClaimKind.DRILL_END_DATE.value:
        return _drill_may_change(claim, new, same_moment_days)
    if claim.value is None:
        return True
    for other in new:
        if other.value is None or other.status == ClaimStatus.REFUTED.value:
            continue
        if _later(claim, other, same_moment_days):
            if _differs(claim, other, tolerance):
                return True
            continue
        if claim.status == ClaimStatus.UNCONFIRMED.value and _agree(
            claim, other, tolerance, same_moment_days
        ):
            return True
        if (
            _same_moment(claim, other, same_moment_days)
            and not overlaps(_count_interval(claim, tolerance), _count_interval(other, tolerance))
            and other.origin != claim.origin
            and claim.status != "disputed"
        ):
            return True
    return False


def _drill_may_change(claim: View, new: list[View], window: int) -> bool:
    """``may_change`` for an end date: an unconfirmed one can move on any new report; a
    corroborated one only on a conflicting date or a report of the extension; a disputed
    one only on what supersedes it (an extension, a later different date)."""
    live = [o for o in new if o.status != ClaimStatus.REFUTED.value and o.id != claim.id]
    if not live:
        return False
    if claim.status == ClaimStatus.UNCONFIRMED.value:
        return True
    for other in live:
        if _reports_extension(other) or other.extended:
            return True
        if other.value_date is None or other.value_date == claim.value_date:
            continue
        if _later(claim, other, window):
            return True
        if claim.status == ClaimStatus.CORROBORATED.value and _same_moment(claim, other, window):
            return True
    return False


def _open_side(view: View) -> str | None:
    """ "up" for "more than / at least N", "down" for "up to / fewer than N"; None for a
    bounded figure (exact, about, a range)."""
    if view.value_high is not None:
        return None
    if view.qualifier in ("more_than", "at_least"):
        return "up"
    if view.qualifier in ("up_to", "less_than"):
        return "down"
    return None


def _agree(claim: View, other: View, tolerance: float, window: int) -> bool:
    """Whether ``other`` is evidence for ``claim``: about the same moment, and their figures
    overlap. Two open figures that point opposite ways ("more than 100,000", "up to
    190,000") overlap without either making the other more likely: no agreement. A claim
    with no date agrees only with the identical figure."""
    if claim.value is None or other.value is None:
        return False
    return _agree_figures(
        claim, other, _count_interval(claim, tolerance), _count_interval(other, tolerance), window
    )


def _agree_figures(
    claim: View, other: View, mine: tuple[float, float], theirs: tuple[float, float], window: int
) -> bool:
    """``_agree`` for two claims with figures, given their intervals."""
    if claim.as_of is None or other.as_of is None:
        return (claim.value, claim.value_high, claim.qualifier) == (
            other.value, other.value_high, other.qualifier,
        )  # fmt: skip
    if not _same_moment(claim, other, window):
        return False
    sides = {_open_side(claim), _open_side(other)}
    if sides == {"up", "down"}:
        return False
    return overlaps(mine, theirs)


def _decide_changing(claim: View, others: list[View], tolerance: float, window: int) -> Decision:
    """A figure that changes over time. A weak one (vague) never disputes, supersedes or
    corroborates another claim (``decide`` leaves it out of their evidence) and nothing
    disputes it; a precise figure inside it corroborates it, a later different one
    supersedes it. An undated figure is never disputed or superseded."""
    if claim.value is None:
        return Decision(ClaimStatus.UNCONFIRMED, "the figure has no value to compare")
    mine = _count_interval(claim, tolerance)
    # _later(claim, o), with the bound computed once
    after = None if claim.as_of is None else claim.as_of + timedelta(days=window)
    later = [
        o
        for o in others
        if after is not None
        and o.as_of is not None
        and o.as_of > after
        and o.value is not None
        and not o.vague
        and _differs(claim, o, tolerance)
    ]
    if later:
        return _superseded_by(later, "superseded by a later, different figure: ")
    conflicts: list[View] = []
    agreeing: list[View] = []
    for o in others:  # one pass for both (a proposition may hold thousands of claims)
        if o.value is None:
            continue
        theirs = _count_interval(o, tolerance)
        if (
            o.origin != claim.origin
            and not claim.weak
            and _same_moment(claim, o, window)
            and not overlaps(mine, theirs)
        ):
            conflicts.append(o)
        if _agree_figures(claim, o, mine, theirs, window):
            agreeing.append(o)
    decision = _agree_or_dispute(claim, agreeing, conflicts)
    if claim.as_of is None and decision.status is ClaimStatus.UNCONFIRMED:
        return Decision(
            ClaimStatus.UNCONFIRMED,
            f"{decision.reason}; the claim has no date, so it is compared with no other "
            "figure in time (only the identical figure can corroborate it)",
        )
    return decision


def _central(view: View) -> float:
    assert view.value is not None
    return best_value(view.value, view.value_high)


def _differs(a: View, b: View, tolerance: float) -> bool:
    """A later figure updates an earlier one when its best value is not the same figure,
    even if the intervals overlap ("100,000" then "up to 190,000")."""
    ca, cb = _central(a), _central(b)
    return abs(ca - cb) > tolerance * max(ca, cb)


def _superseded_by(candidates: list[View], reason: str) -> Decision:
    """Superseded by the newest of ``candidates`` (by as-of date, then id), named in the reason."""
    newest = max(candidates, key=lambda o: (o.as_of or date.min, o.id))
    return Decision(ClaimStatus.SUPERSEDED, f"{reason}{newest.describe()}", newest.id)


def _reports_extension(view: View) -> bool:
    """'extended' with no date, or 'extended past D' (more_than D)."""
    return view.extension or (view.value_date is not None and view.qualifier == "more_than")


def _decide_fixed(claim: View, others: list[View], window: int) -> Decision:
    """The drills' end date is a fixed fact, announced and then changed:

    - a scheduled date is superseded by a report, made the same day or later, that the
      drills were extended past it (an article that restates the schedule while reporting
      the extension supersedes it too, its own included), or by a different date given
      clearly later;
    - it is disputed by a different date, and corroborated by the same date, from another
      origin about the same moment;
    - a report of the extension is corroborated by another origin's report of it (or of a
      new, later end date) about the same moment, and superseded by a new end date given
      clearly later; the original schedule, restated, neither supports nor disputes it, even
      in an article that mentions the extension in passing."""
    if _reports_extension(claim):
        return _decide_extension(claim, others, window)
    if claim.value_date is None:
        return Decision(
            ClaimStatus.UNCONFIRMED,
            "the end date is written without a date to read it against (an undated article's "
            "'Sunday'); it is read again when the story gives the drills a dated end",
        )
    if claim.extended:
        return Decision(
            ClaimStatus.SUPERSEDED,
            "superseded: the same article reports the drills extended past this scheduled end",
        )
    extensions = [
        o
        for o in others
        if (_reports_extension(o) or o.extended)
        and (o.as_of or date.min) >= (claim.as_of or date.max)
        and (o.value_date is None or o.value_date >= claim.value_date)
    ]
    if extensions:
        return _superseded_by(extensions, "superseded: the drills were later reported extended, ")
    dated = [o for o in others if o.value_date is not None and not _reports_extension(o)]
    changed = [o for o in dated if _later(claim, o, window) and o.value_date != claim.value_date]
    if changed:
        return _superseded_by(changed, "superseded by a later, different end date: ")
    if claim.as_of is None:  # no moment to compare: only the identical date agrees
        same = [o for o in dated if o.value_date == claim.value_date]
    else:
        same = [o for o in dated if _same_moment(claim, o, window)]
    agreeing = [o for o in same if o.value_date == claim.value_date]
    conflicts = [
        o
        for o in same
        if o.origin != claim.origin and not claim.weak and o.value_date != claim.value_date
    ]
    return _agree_or_dispute(claim, agreeing, conflicts)


def _decide_extension(claim: View, others: list[View], window: int) -> Decision:
    past = claim.value_date
    later = [
        o
        for o in others
        if o.value_date is not None
        and _later(claim, o, window)
        and (past is None or o.value_date > past)
    ]
    if later:
        return _superseded_by(later, "superseded by a new end date given later: ")
    agreeing = [
        o
        for o in others
        if _same_moment(claim, o, window)
        and (
            _reports_extension(o)
            or (past is not None and o.value_date is not None and o.value_date > past)
        )
    ]
    return _agree_or_dispute(claim, agreeing, [])


#: A reason names at most this many claims, then says how many more there are.
_LISTED = 3


def _listing(views: list[View]) -> str:
    """The first few claims, described, and how many more: a reason stays readable (and
    cheap) however many claims a proposition holds."""
    first = views[:_LISTED]
    more = len(views) - len(first)
    return "; ".join(o.describe() for o in first) + (f"; and {more} more" if more else "")


def _agree_or_dispute(claim: View, agreeing: list[View], conflicts: list[View]) -> Decision:
    if conflicts:
        first = min(conflicts, key=lambda o: o.id)
        listed = _listing(sorted(conflicts, key=lambda o: o.id))
        return Decision(
            ClaimStatus.DISPUTED,
            f"conflicts with {listed}, from another origin about the same moment",
            first.id,
        )
    origins = {claim.origin} | {o.origin for o in agreeing}
    if len(origins) >= 2:
        # other origins first: they are what makes it corroborated
        others = sorted((o for o in agreeing if o.origin != claim.origin), key=lambda o: o.id)
        same = sorted((o for o in agreeing if o.origin == claim.origin), key=lambda o: o.id)
        listed = _listing(others + same)
        first = min(others, key=lambda o: o.id)
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


#: A proposition with at most this many claims is read whole: one simple query costs less
#: than the queries that pick out the claims near the new ones.
SMALL_PROPOSITION = 64


def verify_document(
    session: Session, *, document_id: int, tolerance: float = 0.10, same_moment_days: int = 3
) -> int:
    """Re-verify every proposition the document's claims are about; returns the number of
    status changes written. Safe to repeat: a second run writes nothing."""
    by_proposition: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for scope, row in ledger.claim_rows_of_document(session, document_id=document_id):
        by_proposition.setdefault((View.from_row(row).kind, scope), []).append(row)
    changes = 0
    for (kind, scope), new in sorted(by_proposition.items()):
        # The document's claims are the new evidence, whether or not another worker has
        # already given them a first status (it did so without weighing them as evidence).
        changes += verify_proposition(
            session, kind=kind, scope=scope, tolerance=tolerance,
            same_moment_days=same_moment_days, new_ids={View.from_row(r).id for r in new},
            new_rows=new,
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
    new_rows: list[tuple[Any, ...]] | None = None,
) -> int:
    """Recompute the statuses of one proposition's claims; write an event for each change.

    With ``new_ids`` (the claims a document just added; ``new_rows``, their rows when the
    caller has read them) a small proposition is read whole, a larger one only the claims
    near the new ones (``ledger.claim_rows_near``), and only the claims the new ones can
    move are decided again (``may_change``); without, every claim is read and decided (as
    after a reviewer's verdict). Only the columns a decision needs are read."""
    ledger.lock_proposition(session, kind=kind, scope=scope)
    # Read nothing from before the lock: another worker may have just changed these claims.
    rows = None
    if new_ids:
        rows = ledger.claim_rows_in_scope(
            session, kind=kind, scope=scope, limit=SMALL_PROPOSITION + 1
        )
        if len(rows) > SMALL_PROPOSITION and kind == ClaimKind.DRILL_END_DATE.value:
            rows = ledger.drill_rows_near(
                session, kind=kind, scope=scope, new_ids=new_ids, window_days=same_moment_days,
                new_rows=new_rows,
            )  # fmt: skip
        elif len(rows) > SMALL_PROPOSITION:
            rows = ledger.claim_rows_near(
                session, kind=kind, scope=scope, new_ids=new_ids, window_days=same_moment_days,
                tolerance=tolerance, new_rows=new_rows,
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
    moved = {i for i, d in decisions.items() if d.status.value != current[i]}
    last = ledger.last_events(session, ids=sorted(candidates | moved))
    undecided = candidates - set(last)
    changes = []
    for claim_id, decision in sorted(decisions.items()):
        if claim_id not in moved and claim_id not in undecided:
            continue
        if (
            new_ids is not None
            and claim_id not in undecided
            and _rank(decision.status) <= _rank(ClaimStatus(current[claim_id]))
        ):
            # Adding claims only moves a status forward; a lower decision here comes from
            # reading only the claims near the new ones, not from the evidence.
            continue
        changes.append(
            ledger.StatusChange(
                claim_id,
                current[claim_id],
                last.get(claim_id, 0),
                decision.status.value,
                decision.reason,
                decision.cause,
            )
        )
    ledger.record_changes(session, changes)
    return len(changes)


_RANK = {
    ClaimStatus.UNCONFIRMED: 0,
    ClaimStatus.CORROBORATED: 1,
    ClaimStatus.DISPUTED: 2,
    ClaimStatus.SUPERSEDED: 3,
}


def _rank(status: ClaimStatus) -> int:
    return _RANK.get(status, 4)


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
        extended = any(_reports_extension(c) or c.extended for c in claims)
        if dated:
            low, high = dated[0].isoformat(), dated[-1].isoformat()
            best = dated[len(dated) // 2].isoformat()
        else:
            low = best = high = "-"
        if extended:
            # the drills outlived their schedule: no end date is the best estimate
            past = max((c.value_date for c in claims if c.value_date is not None), default=None)
            best = f"after {past.isoformat()} (extended)" if past else "extended"
            high = "open"
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
