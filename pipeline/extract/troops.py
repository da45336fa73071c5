"""troop_count: how many Russian troops are massed, deployed or stationed somewhere.

A figure is a troop count when a troop noun follows it ("127,000 soldiers", "30,000
Russian combat troops"), or when it is what a force is put at ("estimates the force at
30,000"), or when it stands bare beside another troop count ("compared to the 100,000
on January 30"). Not: increments ("7,000 additional troops"), other countries' forces,
hypotheticals, denials, and counts of anything else.
"""

from __future__ import annotations

import re
from datetime import date

from pipeline.extract.common import (
    Finding,
    after,
    before,
    clause_before,
    date_right_after,
    is_calendar_or_unit,
    is_denial,
    is_hypothetical,
    place_after,
)
from pipeline.extract.lexicon import alternation, words
from pipeline.numbers import Amount
from schemas.enums import ClaimKind

_MIN_TROOPS = 500  # smaller figures are units, losses or patrols, not a build-up
_UNIT_SIZE = re.compile(r"\b(?:each|apiece|per (?:unit|group|battalion))\b[^,;.]{0,30}$", re.I)


def _noun_after(tail: str) -> tuple[str, list[str]] | None:
    """The troop noun within a few modifier words after the figure, and those words."""
    nouns = alternation("troop_nouns")
    match = re.match(
        rf"^[\s\u201c\u201d\"']*(?P<mods>(?:[\w.'’-]+\s+){{0,3}}?)(?P<noun>{nouns})\b",
        tail,
        re.IGNORECASE,
    )
    if not match:
        return None
    mods = match.group("mods").lower().split()
    return match.group("noun").lower(), mods


def _strong_force_after(tail: str) -> bool:
    """'-strong contingent', '-strong force': a force given by its size."""
    forces = alternation("force_words")
    return (
        re.match(rf"^\s*-?\s*strong\s+(?:[\w-]+\s+){{0,2}}?(?:{forces})\b", tail, re.I) is not None
    )


_JOINED = re.compile(
    r"^[\s\u201c\u201d\"']*(?:[\w.'’-]+\s+){1,4}?(?:have|has|had|were|was)?\s*(?:been\s+)?"
    r"(?:added|joined)\b",
    re.IGNORECASE,
)


def _put_at(head: str, amount: Amount) -> str:
    """'The Russian force, estimated at 30,000, ...' reads as 'the Russian force at 30,000'."""
    if re.match(
        r"(?:estimated|put|put at|numbering)\b", amount.text, re.I
    ) and head.rstrip().endswith(","):
        return head.rstrip().rstrip(",") + " at "
    return head


def _force_before(head: str) -> bool:
    """'... the Russian force in Belarus at', '... put the number of troops at'; not when
    the force is another country's ('the number of US troops ... to about 5,000')."""
    forces = alternation("force_words")
    match = re.search(
        rf"(?P<mods>(?:[\w.'’-]+\s+){{0,2}})\b(?:{forces})\b[^.;:]{{0,70}}\b"
        rf"(?:at|to|of|totals?|totalling|numbering|numbers?|numbered|reached|is|was|are|were)\s*$",
        head,
        re.IGNORECASE,
    )
    if match is None:
        return False
    return not (set(match.group("mods").lower().split()) & set(words("foreign_forces")))


def _last_actor_is_foreign(head: str) -> bool:
    """Whether the nearest actor named before the figure is another country or alliance."""
    foreign = alternation("foreign_actors")
    russian = alternation("russian_actors")
    last_kind, last_pos = None, -1
    for kind, alt in (("foreign", foreign), ("russian", russian)):
        for match in re.finditer(rf"(?<![\w.])(?:{alt})(?![\w])", head, re.IGNORECASE):
            preceding = head[: match.start()].rstrip().lower()
            if re.search(
                r"\b(?:in|into|to|from|near|with|across|of|on|at|toward|towards|around|along|inside|"
                r"within|outside|against|surrounding|encircling)$",
                preceding,
            ):
                continue  # a place, not an actor
            if match.start() > last_pos:
                last_kind, last_pos = kind, match.start()
    return last_kind == "foreign"


def troop_findings(
    sentence: str, amounts: list[Amount], reference: date | None
) -> list[tuple[Amount, Finding]]:
    found: list[tuple[Amount, Finding]] = []
    increments = set(words("increment_words"))
    foreign = set(words("foreign_forces"))
    for amount in amounts:
        if is_calendar_or_unit(sentence, amount):
            continue
        tail = after(sentence, amount)
        noun = _noun_after(tail)
        head = before(sentence, amount)
        if noun is not None:
            _, mods = noun
            if increments & set(mods) or re.search(r"\b(?:more|additional|extra)\s*$", head, re.I):
                continue
            if _JOINED.match(tail):
                continue  # "7,000 troops have been added to the build-up": an increment
            if foreign & set(mods):
                continue
            if not ({"russian", "russia's", "of russia's"} & set(mods)) and _last_actor_is_foreign(
                clause_before(sentence, amount)
            ):
                continue
        elif _force_before(_put_at(head, amount)) and not _last_actor_is_foreign(
            clause_before(sentence, amount)
        ):
            pass
        elif _strong_force_after(tail) and not _last_actor_is_foreign(
            clause_before(sentence, amount)
        ):
            pass  # "a 2,000-strong contingent"
        elif found and amount.digits and re.search(r"\b(?:the|to|with|from)\s*$", head, re.I):
            pass  # "up to 190,000 personnel ... compared to the 100,000 on January 30"
        elif (
            found
            and amount.digits
            and re.search(r"\b(?:and|while|plus)\s*$", head, re.I)
            and re.match(r"^\s+(?:in|near|along|at|on|inside|around)\b", tail, re.I)
        ):
            pass  # "35,000 troops in Crimea and 15,000 in the Donbas"
        else:
            continue
        if amount.value < _MIN_TROOPS or is_hypothetical(sentence, amount):
            continue
        if _UNIT_SIZE.search(head):
            continue  # "60 battalion tactical groups, each of about 800 troops": a unit's size
        if is_denial(sentence, amount):
            continue
        after_noun = tail if noun is None else tail[tail.lower().find(noun[0]) + len(noun[0]) :]
        found.append(
            (
                amount,
                Finding(
                    kind=ClaimKind.TROOP_COUNT.value,
                    value=amount.value,
                    value_high=amount.value_high,
                    qualifier=amount.qualifier.value,
                    vague=amount.vague,
                    location=place_after(tail),
                    as_of=date_right_after(after_noun, reference),
                    flags=("vague",) if amount.vague else (),
                ),
            )
        )
    return found
