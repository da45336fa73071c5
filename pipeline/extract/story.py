"""Partial dates an article cannot resolve, resolved against the rest of the story.

An article with no publication date and no full date in its text ("The exercises that
were scheduled to end Sunday didn't.") leaves "Sunday" unresolved: the extractor never
guesses against today's date. The other reports of the same event can: if the ledger (or
the batch of articles being extracted) holds end dates for the drills and exactly one of
them, most often reported, falls on a Sunday, that is the Sunday meant. The claim keeps
the flag ``date_from_story``; verification does not count it as independent evidence,
since its date was read from the claims it would corroborate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from pipeline.dates import resolve_among
from schemas.enums import ClaimKind
from schemas.records import ExtractedClaim

INFERRED = "date_from_story"
_UNRESOLVED = "unresolved_date"
_TEXT = "date_text:"


def needs_story(claims: Iterable[ExtractedClaim]) -> bool:
    return any(_UNRESOLVED in c.flags for c in claims)


def known_end_dates(claims: Iterable[ExtractedClaim]) -> list[date]:
    """The drills' end dates the ``claims`` give (none read from the story themselves)."""
    return [
        c.value
        for c in claims
        if c.kind == ClaimKind.DRILL_END_DATE.value
        and isinstance(c.value, date)
        and INFERRED not in c.flags
    ]


def resolve_from_story(claims: list[ExtractedClaim], known: Iterable[date]) -> list[ExtractedClaim]:
    """``claims`` with each unresolved end date resolved against the ``known`` ones, when
    exactly one fits; the others are returned unchanged."""
    known = list(known)
    out: list[ExtractedClaim] = []
    for claim in claims:
        text = next((f.removeprefix(_TEXT) for f in claim.flags if f.startswith(_TEXT)), None)
        found = resolve_among(text, known) if _UNRESOLVED in claim.flags and text else None
        if found is None:
            out.append(claim)
            continue
        flags = (*(f for f in claim.flags if f != _UNRESOLVED), INFERRED)
        out.append(replace(claim, value=found, flags=flags))
    return out


def resolve_stored(flags: str, known: Iterable[date]) -> tuple[date, str] | None:
    """A stored claim's unresolved date (its ``flags``, comma-separated) resolved against the
    ``known`` end dates, with its new flags; None when still no single date fits."""
    marks = flags.split(",")
    text = next((f.removeprefix(_TEXT) for f in marks if f.startswith(_TEXT)), None)
    if _UNRESOLVED not in marks or not text:
        return None
    found = resolve_among(text, list(known))
    if found is None:
        return None
    return found, ",".join([*(f for f in marks if f != _UNRESOLVED), INFERRED])
