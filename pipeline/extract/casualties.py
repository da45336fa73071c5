"""casualty_count: people killed, dead, wounded, injured or missing.

A figure is a casualty count when a casualty word follows it within a few words ("two
soldiers killed", "316 were wounded", "801 injured civilians", "14,000 lives"), when a
casualty verb or noun leads to it ("claimed the lives of 300", "put deaths at 6,000"),
or when it is a sub-count of one ("including 10 officers"). Vague amounts ("dozens were
killed") are kept, flagged ``vague``: verification reads them as intervals, the
guidelines do not score them. Not: prisoners, the detained or displaced, hypotheticals
and denials.
"""

from __future__ import annotations

import re
from datetime import date

from pipeline.extract.common import (
    Finding,
    after,
    before,
    date_right_after,
    is_calendar_or_unit,
    is_denial,
    is_hypothetical,
)
from pipeline.extract.lexicon import alternation, ids
from pipeline.numbers import Amount
from schemas.enums import CasualtyType, ClaimKind

# Most specific first: "killed or wounded" before "killed".
_TYPE_ORDER = ("killed_or_wounded", "missing", "wounded", "killed")


_ASIDE = re.compile(
    r"^([^,;:.]{0,60}?),\s*(?:including|among them|mostly|most of them)\b[^,;:.]{1,60},"
)


def _type_after(tail: str) -> tuple[str, str] | None:
    """(casualty type, words between figure and casualty word) for a casualty word nearby.
    An aside between commas is skipped: "352 civilians, including 14 children, were killed"."""
    tail = _ASIDE.sub(r"\1", tail, count=1)
    window = re.split(r"[;:.!?()]|,(?!\d)", tail, maxsplit=1)[0]
    best: tuple[int, str, str] | None = None
    for casualty_type in _TYPE_ORDER:
        alt = alternation("casualty_words", casualty_type)
        match = re.search(rf"\b(?:{alt})\b", window, re.IGNORECASE)
        if match is None:
            continue
        between = window[: match.start()]
        if len(between.split()) > 6:
            continue
        if best is None or match.start() < best[0]:
            best = (match.start(), casualty_type, between)
    if best is None:
        return None
    return best[1], best[2]


def _verb_right_before(head: str) -> str | None:
    """A casualty verb or noun that leads straight to the figure ("killed one soldier",
    "the lives of 300")."""
    for casualty_type in ids("casualty_verbs_before"):
        alt = alternation("casualty_verbs_before", casualty_type)
        if re.search(rf"\b(?:{alt})\s+(?:(?:the|a|an|some|another|of|more than|over|at least|about|around|nearly|almost|up to|as many as)\s+)*$", head, re.I):  # fmt: skip
            return str(casualty_type)
    return None


def _toll_before(head: str) -> str | None:
    """A toll the figure is what it is put at ("put deaths at 6,000", "casualties number
    between 5,000 and 6,000", "the toll includes 10 children")."""
    deaths = r"deaths|death toll|toll|casualties|losses|fatalities|dead|killed"
    match = re.search(
        rf"\b(?P<w>{deaths})\b(?:[^.;:]|\.(?=\d)){{0,60}}\b(?:at|to|of|stood at|reached|numbers?|numbered|"
        rf"totall?ed|totals?|includes?|included|including)\s*$",
        head,
        re.I,
    )
    if match:
        word = match.group("w").lower()
        return "killed_or_wounded" if word in ("casualties", "losses") else "killed"
    return None


def _victims(sentence: str, between: str) -> str | None:
    nouns = alternation("victim_nouns")
    if re.search(r"\bcivilian\b", between, re.IGNORECASE):
        return "civilians"  # "364 civilian deaths", "1,035 civilian casualties"
    match = re.search(rf"\b(?:{nouns})\b", between + " " + sentence, re.IGNORECASE)
    if not match:
        return None
    noun = match.group(0).lower()
    if noun in ("ukrainians", "russians"):
        return noun
    # The nationality written with the noun ("Russian servicemen", "Ukraine's defenders",
    # "498 of its troops" after "Russia"), not one elsewhere ("killed by Ukrainian shelling").
    text = between + " " + sentence
    nationality = re.search(
        rf"\b(Ukrainian|Russian|Ukraine['’]s|Russia['’]s)\s+(?:[\w-]+\s+){{0,2}}(?:{nouns})\b", text
    )
    if nationality is None:
        return noun
    adjective = {"u": "Ukrainian", "r": "Russian"}[nationality.group(1)[0].lower()]
    return f"{adjective} {noun}"


_PERIOD = re.compile(
    r"\b(?:since (?:[\w' -]|\.(?=\s\d)){1,40}?|on the first day(?: of [\w' -]{1,40}?)?|"
    r"(?:in|over) the (?:past|last) [\w' -]{1,30}?)(?=[,;]|\.(?!\s\d)|$)",
    re.IGNORECASE,
)
_LOCATION = re.compile(
    r"\b(?:in|across|near|of)\s+(?P<l>(?:the\s+)?(?:(?:eastern|western|southern|northern|east|"
    r"south|north|west|central)\s+)?(?:Ukraine|Donbas|Donbass|Donetsk|Luhansk|Kyiv|Kharkiv|"
    r"Mariupol|Crimea|Russia|Belarus|[A-Z][a-z]+ (?:region|oblast)))\b"
)


def casualty_findings(
    sentence: str, amounts: list[Amount], reference: date | None
) -> list[tuple[Amount, Finding]]:
    found: list[tuple[Amount, Finding]] = []
    not_casualty = alternation("not_casualty_words")
    for amount in amounts:
        if is_calendar_or_unit(sentence, amount):
            continue
        tail, head = after(sentence, amount), before(sentence, amount)
        casualty_type: str | None = _verb_right_before(head)
        between = ""
        typed = _type_after(tail) if casualty_type is None else None
        if typed is not None:
            casualty_type, between = typed
        elif casualty_type is None:
            casualty_type = _toll_before(head)
        if (
            casualty_type is None
            and found
            and re.search(r"\b(?:including|among them|among whom)\s*$", head, re.I)
        ):
            casualty_type = found[-1][1].casualty_type  # a sub-count: "including 10 officers"
        if casualty_type is None:
            continue
        window = (head[-40:] + " " + tail[:60]).lower()
        if re.search(rf"\b(?:{not_casualty})\b", window):
            continue
        if is_hypothetical(sentence, amount) or is_denial(sentence, amount):
            continue
        location = _LOCATION.search(sentence)
        period = _PERIOD.search(sentence)
        found.append(
            (
                amount,
                Finding(
                    kind=ClaimKind.CASUALTY_COUNT.value,
                    value=amount.value,
                    value_high=amount.value_high,
                    qualifier=amount.qualifier.value,
                    casualty_type=CasualtyType(casualty_type).value,
                    # "1,035 civilian casualties: 364 killed and 671 injured" - the
                    # sub-counts are about the same victims
                    victims=_victims(sentence, between or tail[:40])
                    or (found[-1][1].victims if found else None),
                    location=location.group("l") if location else None,
                    vague=amount.vague,
                    as_of=date_right_after(tail, reference),
                    flags=(
                        *(("vague",) if amount.vague else ()),
                        *((f"period:{period.group(0).strip()}",) if period else ()),
                    ),
                ),
            )
        )
    return found
