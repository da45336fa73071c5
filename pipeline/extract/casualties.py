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
from functools import cache

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
from pipeline.extract.tolls import TollContext, toll_context, with_side
from pipeline.numbers import Amount
from schemas.enums import CasualtyType, ClaimKind, Qualifier

# Most specific first: "killed or wounded" before "killed".
_TYPE_ORDER = ("killed_or_wounded", "missing", "wounded", "killed")


_ASIDE = re.compile(
    r"^((?:[^,;:.]|(?<=\d)[,.](?=\d)){0,60}?),\s*(?:including|among them|mostly|most of them|our|"
    r"their|his|her|its|both|all|many|some|mainly|[\w-]+ of (?:them|whom))\b"
    r"(?:[^,;:.]|(?<=\d)[,.](?=\d)){1,60},"
)


#: "137 Ukrainians, soldiers and civilians, were killed": an aside that pairs two nouns
_PAIR_ASIDE = re.compile(
    r"^((?:[^,;:.]|(?<=\d)[,.](?=\d)){0,40}?),\s*[\w'’-]+\s+(?:and|or)\s+[\w'’-]+\s*,"
)


def _type_after(tail: str) -> tuple[str, str] | None:
    """(casualty type, words between figure and casualty word) for a casualty word nearby.
    An aside between commas is skipped: "352 civilians, including 14 children, were killed"."""
    tail = _ASIDE.sub(r"\1", tail, count=1)
    tail = _PAIR_ASIDE.sub(r"\1", tail, count=1)
    window = re.split(r"[;:.!?()]|,(?!\d)", tail, maxsplit=1)[0]
    best: tuple[int, str, str] | None = None
    for casualty_type in _TYPE_ORDER:
        alt = alternation("casualty_words", casualty_type)
        match = re.search(rf"\b(?:{alt})\b", window, re.IGNORECASE)
        if match is None:
            continue
        if re.match(r"\w+ fallen\s+(?:back|behind|to|below|from|by|into|under|short|silent)\b",
                    window[match.start():], re.I):  # fmt: skip
            continue  # "troops have fallen back": no deaths
        between = window[: match.start()]
        # "21 employees of the State Emergency Service are missing": a longer noun phrase
        # when it is one ("of the ...")
        if len(between.split()) > (12 if re.search(r"\bof\b", between) else 6):
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


#: Verbs that put a toll at a figure, and the qualifier each gives when the figure's own
#: words give none ("has crossed 5,000": more than 5,000).
_TOLL_VERBS = {
    "crossed": "more_than", "exceeded": "more_than", "exceeds": "more_than", "topped": "more_than",
    "tops": "more_than", "surpassed": "more_than", "surpasses": "more_than", "passed": "more_than",
    "passes": "more_than", "is over": "more_than", "was over": "more_than", "went over": "more_than",
    "at": "exact", "to": "exact", "of": "exact", "stood at": "exact", "stands at": "exact",
    "reached": "exact", "reaches": "exact", "hit": "exact", "hits": "exact", "numbers": "exact",
    "number": "exact", "numbered": "exact", "totalled": "exact", "totaled": "exact",
    "totals": "exact", "total": "exact", "includes": "exact", "include": "exact",
    "included": "exact", "including": "exact", "amounted to": "exact", "amounts to": "exact",
    "is": "exact", "was": "exact", "are": "exact", "were": "exact", "is now": "exact",
    "was now": "exact", "now at": "exact", "up to": "exact", "climbed to": "exact",
    "rose to": "exact", "risen to": "exact", "jumped to": "exact", "grew to": "exact",
    "increased to": "exact", "put at": "exact", "estimated at": "exact", "now": "exact",
    "be": "exact", "gave a figure of": "exact", "is put by": "exact",
}  # fmt: skip
_TOLL_WORDS = (
    r"death toll|toll|deaths|casualties|losses|fatalities|dead|killed|wounded|injured|"
    r"injuries|dead and wounded|killed and wounded|liquidated|eliminated"
)
_TOLL_BEFORE = re.compile(
    # the toll word nearest the figure: "losses among our comrades ... put the number killed
    # at 498" is the number killed
    rf"^.*\b(?P<w>{_TOLL_WORDS})\b(?:[^.;:]|\.(?=\d)){{0,150}}?\b(?P<v>"
    + "|".join(sorted((re.escape(v) for v in _TOLL_VERBS), key=len, reverse=True))
    + r")\s*(?:about|around|some|nearly|almost|roughly|approximately)?\s*$",
    re.IGNORECASE,
)
#: "personnel — around 11 000", "personnel: 5,840": a list of losses by kind
_PERSONNEL_ITEM = re.compile(r"\b(?:personnel|manpower|troops|soldiers)\s*(?:—|–|-|:)\s*$", re.I)


def _toll_before(head: str, sentence: str, tail: str = "") -> tuple[str, str] | None:
    """A toll the figure is what it is put at, and the qualifier the verb gives: "put
    deaths at 6,000", "the death toll has crossed 5,000" (more than), "the number of
    children killed had surpassed one hundred", "the toll rose to 47", "losses in personnel
    exceeded 5,840" (the enemy's personnel losses: killed)."""
    match = _TOLL_BEFORE.search(head)
    if match:
        word = match.group("w").lower()
        verb = _TOLL_VERBS[re.sub(r"\s+", " ", match.group("v").lower())]
        if word in ("casualties", "dead and wounded", "killed and wounded"):
            return "killed_or_wounded", verb
        if word == "losses":
            personnel = re.search(r"\bpersonnel\b", match.group(0), re.I)
            return ("killed" if personnel else "killed_or_wounded"), verb
        if word in ("wounded", "injured", "injuries"):
            return "wounded", verb
        return "killed", verb
    if _PERSONNEL_ITEM.search(head) and re.search(r"\blosses\b", sentence, re.I):
        return "killed", "exact"
    if _TOLL_THEN_COLON.search(head) and (
        re.match(r"^\s*(?:$|[,;.(])", tail) or _people_after().match(tail)
    ):
        return "killed", "exact"  # "The toll rose again on Monday: 352 civilians"
    label = _TOLL_LABEL.search(head)
    if label:
        word = label.group("w").lower()
        if word == "losses" and re.match(r"^\s*[~≈]?\s*(?:personnel|manpower)\b", tail, re.I):
            return "killed", "exact"  # "Russian losses: 5,300 personnel, 191 tanks"
        if word in ("casualties", "dead and wounded", "killed and wounded", "losses"):
            return "killed_or_wounded", "exact"
        if word in ("wounded", "injured", "injuries"):
            return "wounded", "exact"
        return "killed", "exact"
    return None


#: A fact box's line: "Civilian deaths (UN): 227", "RUSSIAN MILITARY DEATHS — General
#: Staff estimate: ~5,840": the toll word names the line, the figure follows its colon.
_TOLL_LABEL = re.compile(
    # after a live page's time stamp, if any: "10:15 GMT - Russian losses: 5,300 personnel"
    r"(?:^|[\n•·*|])\s*(?:\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?\s*)?(?:gmt|utc|cet|eet|msk|et)?\s*"
    r"[-—–:|]?\s*)?"
    rf"[^:\n.;]{{0,40}}?\b(?P<w>{_TOLL_WORDS})\b"
    r"(?:\s+in\s+(?:the\s+)?[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2})?(?:\s*\([^)\n]{0,40}\))?"
    r"(?:\s*[—–-]\s*[^:\n.;]{0,60})?\s*:\s*$",
    re.IGNORECASE,
)


#: "The death toll rose again on Monday: 352 civilians, ...": the toll, said to move, then
#: its figure after a colon.
_TOLL_THEN_COLON = re.compile(
    r"\b(?:death\s+)?toll\b(?!\s+(?:booths?|roads?|gates?|plazas?|free|charges?))[^:\n.;]{0,50}:\s*$",
    re.IGNORECASE,
)


#: Military words for killing, said of people only: "destroyed about 9,000 occupiers",
#: "neutralised 300 nationalists" (not "destroyed 200 tanks").
_DESTROYED_BEFORE = re.compile(
    r"\b(?:destroyed|destroying|neutrali[sz]ed|neutrali[sz]ing|wiped out|annihilated|"
    r"exterminated)\s+(?:(?:about|around|some|nearly|almost|over|more than|at least|up to|"
    r"as many as|roughly|approximately)\s+)?$",
    re.IGNORECASE,
)


_DESTROYED_AFTER = re.compile(
    r"^[^.;:]{0,60}?\b(?:were|was|have been|has been|had been|being)\s+(?:\w+\s+)?"
    r"(?:destroyed|neutrali[sz]ed|wiped out|annihilated|exterminated)\b",
    re.IGNORECASE,
)


@cache
def _people_after() -> re.Pattern[str]:
    return re.compile(
        rf"^\s*(?:[\w'’-]+\s+){{0,2}}?(?:{alternation('victim_nouns')})\b", re.IGNORECASE
    )


#: "A Ukrainian soldier was killed", "one person died": a single death with no digits.
_ONE_VICTIM = re.compile(
    r"\b(?P<a>an?|one)\s+(?:[\w'’-]+\s+){0,2}?(?P<noun>soldier|civilian|person|man|woman|child|"
    r"boy|girl|serviceman|servicewoman|officer|border guard|policeman|police officer|"
    r"journalist|resident|volunteer|medic|firefighter|rescuer|pilot|sailor|fighter)\b"
    r"(?:\s+[\w'’-]+){0,3}?\s+(?:was|has been|had been|is|got)\s+(?:reportedly\s+)?"
    r"(?P<verb>killed|wounded|injured|shot dead|hurt)\b",
    re.IGNORECASE,
)


def single_victims(sentence: str) -> list[Amount]:
    """Amounts of one written without a number ("a soldier was killed"): the extractor
    reads them as the figure 1."""
    found = []
    for match in _ONE_VICTIM.finditer(sentence):
        if match.group("a").lower() == "one":
            continue  # "one" is read as a number already
        found.append(
            Amount(
                match.group("a"),
                match.start("a"),
                match.end("a"),
                1,
                None,
                Qualifier.EXACT,
                digits=False,
            )
        )
    return found


#: Tolls of other wars, and capacity ("ready to receive 5,000 wounded"), are not claims
#: about this one.
#: Where a sentence turns to another subject: ", where ...", ", which ...", "; ", " — ".
_PART_BREAK = re.compile(r",\s+(?:where|when|which|who|whose)\b|;|\s[—–]\s")


def _own_part(sentence: str, amount: Amount) -> str:
    """The part of the sentence that holds the figure: "Tuesday's strike, which killed five
    people, landed near Babyn Yar, where Nazi forces shot 34,000 Jews in 1941" -> the part
    with "five" knows nothing of 1941."""
    start, end = 0, len(sentence)
    for found in _PART_BREAK.finditer(sentence):
        if found.end() <= amount.start:
            start = found.start()
        elif found.start() >= amount.end:
            end = found.start()
            break
    return sentence[start:end]


_NOT_THIS_WAR = re.compile(
    r"\b(?:second world war|world war|wwii|ww2|great patriotic war|afghanistan|chechnya|"
    r"chechen|georgia in 2008|in 2008|syria|syrian|soviet union lost|holodomor)\b"
    r"|\b(?:ready|able|prepared|equipped)\s+to\s+(?:receive|treat|take|accommodate)\b|\bbeds\b"
    r"|\b(?:in\s+)?(?:19\d\d|200\d|201[0-3])\b(?!\s*[-–]\s*20)",
    re.IGNORECASE,
)


def _victims(head: str, tail: str) -> str | None:
    """Who the figure counts, as written: the noun right after it ("137 Ukrainian soldiers",
    "498 of its troops", "406 civilians"), else the noun of a toll just before it
    ("Russian troop deaths at around 6,000"), with the nationality written beside it; a
    nationality elsewhere in the sentence ("killed by Russian shelling") is not theirs."""
    nouns = alternation("victim_nouns")
    # not a sub-count after it: "198, including three children" are not 198 children
    after_figure = re.match(
        rf"^[\s,]*(?!(?:including|includes|among|of whom|of them|with)\b)"
        rf"(?P<mods>(?:[\w'’-]+\s+){{0,3}}?)(?P<noun>{nouns}|civilian)\b",
        tail,
        re.I,
    )
    if after_figure:
        return _named(after_figure.group("mods"), after_figure.group("noun"))
    mods = r"(?P<mods>(?:[\w'’-]+\s+){0,2}?)"
    before_figure = (
        # the noun of a toll: "Russian troop deaths at around 6,000"
        rf"{mods}(?P<noun>{nouns}|troop|civilian|military|army)\s+(?:deaths|casualties|losses|"
        r"death toll|toll|dead|fatalities|killed:|wounded:|injured:)(?:\B|\b)[^.;]{0,40}$",
        # a fact box's line: "Civilians killed in Ukraine (UN): 474"
        rf"(?:^|\n)\W*{mods}(?P<noun>{nouns})\s+(?:killed|wounded|injured|dead)\b[^:\n]{{0,50}}"
        r":\s*[~≈]?\s*$",
        # "the number of peaceful inhabitants killed has reached 1,582"
        rf"\b(?:number|count|tally) of\s+{mods}(?P<noun>{nouns})\b[^.;]{{0,60}}$",
    )
    for pattern in before_figure:
        found = re.search(pattern, head, re.I)
        if found:
            return _named(found.group("mods"), found.group("noun"))
    return None


def _named(mods: str, noun: str) -> str:
    noun = noun.lower()
    if noun.startswith("civilian") or re.search(r"\bcivilian\b", mods, re.I):
        return "civilians"
    noun = {"troop": "troops", "military": "military", "army": "military"}.get(noun, noun)
    if noun in ("ukrainians", "russians"):
        return noun.capitalize()
    nationality = re.search(r"\b(ukrainian|russian|ukraine['’]s|russia['’]s)\b", mods, re.I)
    if nationality is None:
        return noun
    adjective = {"u": "Ukrainian", "r": "Russian"}[nationality.group(1)[0].lower()]
    return f"{adjective} {noun}"


_EQUIPMENT_AFTER = re.compile(rf"^\s*(?:[\w-]+\s+)?(?:{alternation('equipment_nouns')})\b", re.I)


def _shares_qualifier(sentence: str, first: Amount, second: Amount) -> bool:
    """Whether a qualifier written before ``first`` covers ``second`` too: "at least 72
    deaths and 43 injuries" (one noun between them, then "and")."""
    between = sentence[first.end : second.start]
    qualified = first.qualifier.value != "exact" and not first.text[:1].isdigit()
    return qualified and re.fullmatch(r"\s*[\w-]+\s+and\s*", between) is not None


def _part_noun(tail: str) -> str:
    """The noun a sub-count counts ("10 officers" -> "officers")."""
    nouns = alternation("victim_nouns")
    match = re.match(rf"^\s*(?:[\w-]+\s+){{0,2}}?({nouns})\b", tail, re.I)
    return match.group(1).lower() if match else "part"


_LOCATION = re.compile(
    r"\b(?:in|across|near|of)\s+(?P<l>(?:the\s+)?(?:(?:eastern|western|southern|northern|east|"
    r"south|north|west|central)\s+)?(?:Ukraine|Donbas|Donbass|Donetsk|Luhansk|Kyiv|Kharkiv|"
    r"Mariupol|Crimea|Russia|Belarus|[A-Z][a-z]+ (?:region|oblast)))\b"
)


def casualty_findings(
    sentence: str, amounts: list[Amount], reference: date | None, context: str = ""
) -> list[tuple[Amount, Finding]]:
    """``context`` is the text just before the sentence (an incident's place may be there)."""
    found: list[tuple[Amount, Finding]] = []
    not_casualty = alternation("not_casualty_words")
    toll: TollContext | None = None  # read once per sentence, when it holds a toll
    for amount in amounts:
        if is_calendar_or_unit(sentence, amount):
            continue
        tail, head = after(sentence, amount), before(sentence, amount)
        casualty_type: str | None = _verb_right_before(head)
        qualifier = amount.qualifier.value
        typed = _type_after(tail) if casualty_type is None else None
        if typed is not None:
            casualty_type = typed[0]
        elif casualty_type is None:
            put_at = _toll_before(head, sentence, tail)
            if (
                put_at is None
                and amount.qualifier.value == "up_to"
                and re.search(r"\b(?:death toll|toll)\b[^.;:]{0,70}$", head, re.I)
            ):
                put_at = ("killed", "exact")  # "the toll ... up to 20": risen to 20
                qualifier = "exact"
            if put_at is not None:
                casualty_type = put_at[0]
                if qualifier == "exact" and amount.value_high is None:
                    qualifier = put_at[1]
        if (
            casualty_type is None
            and _people_after().match(tail)
            and (_DESTROYED_BEFORE.search(head) or _DESTROYED_AFTER.match(tail))
        ):
            casualty_type = "killed"  # "destroyed about 9,000 occupiers": said of people
        subcount = found and (
            re.search(r"\b(?:including|among them|among whom|of whom|of them)\s*$", head, re.I)
            or re.match(r"^\s*of\s+(?:them|whom)\b", tail, re.I)  # "two of them children"
            # "Of the 516 civilians killed, 37 were children"
            or (
                re.match(r"^\W*of\s+(?:the|those|them)\b(?:[^,;]|,(?=\d))*,\s*$", head, re.I)
                and re.match(r"^\s+(?:were|are|was)\s+", tail, re.I)
                and _people_after().match(re.sub(r"^\s+(?:were|are|was)\b", "", tail))
            )
        )
        if casualty_type is None and subcount:
            casualty_type = found[-1][1].casualty_type  # a sub-count: "including 10 officers"
        if casualty_type is None:
            continue
        if qualifier == "exact" and found and _shares_qualifier(sentence, found[-1][0], amount):
            qualifier = found[-1][1].qualifier  # "at least 72 deaths and 43 injuries"
        # captured, detained, evacuated: said of this figure ("562 captured", "took 200
        # prisoners"), not of another in the clause ("killed 3,500 and took 200 prisoners")
        if re.match(rf"^\s*(?:[\w'’-]+\s+){{0,4}}?(?:{not_casualty})\b", tail, re.I) or re.search(
            rf"\b(?:{not_casualty})\s+(?:(?!(?:and|but|while|whereas)\b)[\w'’-]+\s+){{0,2}}$",
            head,
            re.I,
        ):
            continue
        if _NOT_THIS_WAR.search(_own_part(sentence, amount)):
            continue
        if _EQUIPMENT_AFTER.match(tail):
            continue  # "lost 29 aeroplanes", "30 aircraft and 211 tanks destroyed"
        if is_hypothetical(sentence, amount) or is_denial(sentence, amount):
            continue
        location = _LOCATION.search(sentence)
        if toll is None:
            toll = toll_context(sentence, reference, context)
        victims = _victims(head, tail) or (found[-1][1].victims if found else None)
        found.append(
            (
                amount,
                Finding(
                    at=amount.start,
                    kind=ClaimKind.CASUALTY_COUNT.value,
                    value=amount.value,
                    value_high=amount.value_high,
                    qualifier=qualifier,
                    casualty_type=CasualtyType(casualty_type).value,
                    # "1,035 civilian casualties: 364 killed and 671 injured" - the
                    # sub-counts are about the same victims
                    victims=with_side(victims, toll.side),
                    location=toll.place or (location.group("l") if location else None),
                    vague=amount.vague,
                    as_of=date_right_after(tail, reference) or toll.as_of,
                    flags=(
                        *(("vague",) if amount.vague else ()),
                        *toll.flags(),
                        # a sub-count is a fact of its own: "including 10 officers"
                        *((f"part:{_part_noun(tail)}",) if subcount else ()),
                    ),
                ),
            )
        )
    return found
