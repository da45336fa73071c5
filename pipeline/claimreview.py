"""A reviewer's verdict as schema.org ``ClaimReview`` JSON-LD, the form in which published
fact checks are exchanged (https://schema.org/ClaimReview).

The claim reviewed is the quote; the item reviewed is a ``Claim`` by its speaker (or the
outlet, when the article speaks in its own voice), appearing in the article; the rating is
the verdict, named in ``alternateName``; the review's author is the reviewer."""

from __future__ import annotations

import re
from typing import Any

from schemas.enums import ClaimStatus

#: A two-point scale: refuted is the worst rating, confirmed the best.
RATINGS = {ClaimStatus.REFUTED.value: 1, ClaimStatus.CONFIRMED.value: 2}
LABELS = {ClaimStatus.REFUTED.value: "Refuted", ClaimStatus.CONFIRMED.value: "Confirmed"}
REVIEWER_PREFIX = "reviewer "


class NotReviewed(ValueError):
    """The claim carries no reviewer's verdict: there is nothing to publish."""


def reviewer_name(actor: str) -> str:
    return actor.removeprefix(REVIEWER_PREFIX)


_COLLECTIVE = re.compile(
    r"\b(?:ministry|government|office|army|forces|military|countries|officials|agency|"
    r"council|command|service|staff|department|nations|nato|kremlin|pentagon|"
    r"intelligence|sources|authorities|media|committee|union|mission|tv|press|news|times)\b|\.(?:com|org|ru)\b",
    re.IGNORECASE,
)


def party(name: str) -> dict[str, str]:
    """Who says it, as schema.org sees them: a named person ("Jens Stoltenberg", "Maj Gen
    Igor Konashenkov") or an organisation (a ministry, "Western countries", an outlet)."""
    words = name.split()
    person = 2 <= len(words) <= 6 and not _COLLECTIVE.search(name) and name[:1].isupper()
    return {"@type": "Person" if person else "Organization", "name": name}


def claim_review(
    claim: Any, document: Any, verdict: Any, *, review_url: str | None = None
) -> dict[str, Any]:
    """The ClaimReview of one claim (``Claim`` and ``Document`` rows) from the status event
    that holds its verdict. ``review_url``, when known, is where the review is published."""
    if verdict.new_status not in RATINGS or not verdict.actor.startswith(REVIEWER_PREFIX):
        raise NotReviewed(f"claim #{claim.id} has no reviewer's verdict")
    appearance: dict[str, Any] = {"@type": "NewsArticle"}
    url = document.url
    if url:
        appearance["url"] = url
    if document.title:
        appearance["headline"] = document.title
    if document.published:
        appearance["datePublished"] = document.published.isoformat()
    if document.outlet:
        appearance["publisher"] = {"@type": "Organization", "name": document.outlet}
    item: dict[str, Any] = {
        "@type": "Claim",
        "author": party(claim.speaker)
        if claim.speaker
        else {"@type": "Organization", "name": document.outlet or claim.origin},
        "appearance": appearance,
    }
    if claim.as_of:
        item["datePublished"] = claim.as_of.isoformat()
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": claim.quote,
        "itemReviewed": item,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": RATINGS[verdict.new_status],
            "bestRating": max(RATINGS.values()),
            "worstRating": min(RATINGS.values()),
            "alternateName": LABELS[verdict.new_status],
        },
        "reviewBody": verdict.reason,
        "datePublished": verdict.created_at.date().isoformat(),
        "author": {"@type": "Person", "name": reviewer_name(verdict.actor)},
    }
    if review_url:
        review["url"] = review_url
    return review
