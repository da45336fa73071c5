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
    counted_to,
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
_MAX_TROOPS = 400_000  # larger ones are whole armies ("900,000 active personnel")
_UNIT_SIZE = re.compile(
    r"\b(?:each|apiece|per (?:unit|group|battalion))\b[^,;.]{0,30}$"
    # "A BTG on paper is 700 to 900 troops", "a battalion tactical group numbers about 800"
    r"|\b(?:btgs?|battalion(?: tactical group)?s?|brigades?|regiments?|divisions?|companies|company|"
    r"platoons?)\b[^,;.]{0,20}\b(?:is|are|has|have|numbers?|comprises?|of|typically|usually)\s+"
    r"(?:(?:about|around|roughly|some|up to|between)\s+)?$",
    re.I,
)


def _noun_after(tail: str) -> tuple[str, list[str]] | None:
    """The troop noun within a few modifier words after the figure, and those words."""
    nouns = alternation("troop_nouns")
    match = re.match(
        rf"^[\s\u201c\u201d\"']*(?P<mods>(?:[\w.'’-]+\s+){{0,3}}?)(?P<noun>{nouns})\b",
        tail,
        re.IGNORECASE,
    )
    if not match:
        # translated copy: "130 thousand military of the Russian Federation" (the noun, not
        # an adjective: "military vehicles")
        match = re.match(
            r"^[\s\u201c\u201d\"']*(?P<mods>(?:[\w.'’-]+\s+){0,2}?)(?P<noun>military|servicemen)"
            r"(?=\s+(?:of|from)\s+(?:the\s+)?(?:Russia|Russian)|\s*[,.;]|\s*$|\s+(?:are|were|is|"
            r"have|has|in|near|on|at|along|stationed|deployed|massed|concentrated|gathered)\b)",
            tail,
            re.IGNORECASE,
        )
    if not match:
        return None
    mods = match.group("mods").lower().split()
    return match.group("noun").lower(), mods


_BRANCHES = {"ground": "ground", "land": "ground", "naval": "naval", "airborne": "airborne"}


def _branch(noun: tuple[str, list[str]] | None) -> str | None:
    """A sub-total of one branch ("126,000 ground troops") is a figure of its own."""
    if noun is None:
        return None
    name, mods = noun
    for word in (*mods, *name.split()):
        if word in _BRANCHES:
            return _BRANCHES[word]
    return None


def _strong_force_after(tail: str) -> bool:
    """'-strong contingent', '-strong force': a force given by its size."""
    forces = alternation("force_words")
    return (
        re.match(rf"^\s*-?\s*strong\s+(?:[\w-]+\s+){{0,2}}?(?:{forces})\b", tail, re.I) is not None
    )


_JOINED = re.compile(
    r"^[\s\u201c\u201d\"']*(?:[\w.'’-]+\s+){1,6}?(?:have|has|had|were|was)?\s*(?:been\s+)?"
    r"(?:recently\s+|just\s+|since\s+)?(?:added|joined|arrived)\b",
    re.IGNORECASE,
)


def _put_at(head: str, amount: Amount) -> str:
    """'The Russian force, estimated at 30,000, ...' and '... which NATO has estimated at
    30,000' read as 'the Russian force at 30,000'."""
    if re.match(r"(?:estimated|put|put at|numbering)\b", amount.text, re.I):
        return head.rstrip().rstrip(",") + " at "
    return head


def _lead(sentence: str, amount: Amount) -> str:
    """The clause before the figure with the words the figure's own text starts with
    ("estimated at" in "estimated at 30,000"): who estimates is a speaker, not an owner."""
    words = re.match(r"^\D*", amount.text)
    return clause_before(sentence, amount) + (words.group(0) if words else "")


def _force_before(head: str) -> bool:
    """'... the Russian force in Belarus at', '... put the number of troops at'; not when
    the force is another country's ('the number of US troops ... to about 5,000')."""
    forces = alternation("force_words")
    match = re.search(
        rf"(?P<mods>(?:[\w.'’-]+\s+){{0,2}})\b(?:{forces})\b[^.;:]{{0,70}}\b"
        rf"(?:at|to|of|totals?|totalling|numbering|numbers?|numbered|reached|is|was|are|were|"
        rf"exceeds|exceeded|tops|topped|surpasses|surpassed|passed|(?:stands|stood) at|to be|to number)"
        r"(?:\s+(?:perhaps|possibly|probably|likely|maybe|now|already))?\s*$",
        head,
        re.IGNORECASE,
    )
    if match is None:
        return False
    return not (set(match.group("mods").lower().split()) & set(words("foreign_forces")))


_NOT_SOLDIERS_AFTER = re.compile(
    # "550 troop tents": a thing of the troops, not troops
    r"^\s*(?:[\w-]+\s+)?troop\s+(?:tents|trains|transports|carriers|ships|trucks|movements|"
    r"rotations|levels)\b"
    r"|^\s*(?:people|residents|inhabitants|citizens|civilians|refugees|voters|children|women|"
    r"families|households|migrants|evacuees|displaced|tourists|students|workers)\b",
    re.IGNORECASE,
)
_POPULATION_BEFORE = re.compile(
    r"\b(?:city|town|village|country|nation|region|population|home)\s+of\s+(?:some|about|around|"
    r"roughly|nearly|almost|over|more than)?\s*$",
    re.IGNORECASE,
)
#: A fact box's line that names the force before a colon: "Russian troops near Ukraine: 150,000+"
_LABEL_LINE = re.compile(
    r"(?:^|\n)(?P<mods>[^:\n]{0,40}?)\b(?:troops|servicemen|soldiers|personnel|forces)\b"
    r"[^:.;\d\n]{0,40}:\s*[~≈]?\s*$",
    re.IGNORECASE,
)


def _last_actor_is_foreign(head: str) -> bool:
    """Whether the troops belong to another country or alliance: the nearest actor named
    before the figure is foreign and owns them ("the US has sent 3,000 troops", "NATO's
    40,000", "Ukraine has 250,000 troops"). An actor who only speaks ("Washington says",
    "Britain's foreign secretary said that", "the U.S. puts it at") is no owner."""
    foreign = alternation("foreign_actors")
    russian = alternation("russian_actors")
    last_kind, last = None, None
    for kind, alt in (("foreign", foreign), ("russian", russian)):
        for match in re.finditer(rf"(?<![\w.])(?:{alt})(?![\w])", head, re.IGNORECASE):
            preceding = head[: match.start()].rstrip().lower()
            if re.search(
                r"\b(?:in|into|to|from|near|with|across|of|on|at|toward|towards|around|along|inside|"
                r"within|outside|against|surrounding|encircling)$",
                preceding,
            ):
                continue  # a place, not an actor
            if _MODIFIER_AFTER.match(head[match.end() :]):
                continue  # "the Ukraine crisis", "Russia's Ukraine buildup": a modifier
            if last is None or match.start() > last.start():
                last_kind, last = kind, match
    if last_kind != "foreign" or last is None:
        return False
    between = head[last.end() :]
    return _SPEAKS.search(between) is None


_PAST_IT = re.compile(
    r"\b(?:tops|topped|exceeds|exceeded|passed|passes|crossed|surpassed|surpasses)\s*$",
    re.IGNORECASE,
)
_MODIFIER_AFTER = re.compile(
    r"\s+(?:crisis|buildup|build-up|border|borders|frontier|war|conflict|standoff|tensions|"
    r"talks|invasion|situation|region|coast|front|story|news|live|updates?)\b",
    re.IGNORECASE,
)
#: What a speaker does: "says", "puts it at", "estimates", "'s foreign secretary said".
_SPEAKS = re.compile(
    r"\bput(?:s|ting)?\s+(?:it|them|(?:the|their|its)\s+\w+)\b[^.;]{0,60}\bat\b"
    r"|\b(?:say|says|said|saying|told|tells|estimate|estimates|estimated|"
    r"believe|believes|count|counts|counted|think|thinks|warn|warns|warned|reported|reports|"
    r"claim|claims|claimed|assess|assesses|assessed|according|speaks? of|spoke of|sees|see|"
    r"intelligence|officials?|minister|secretary|spokes(?:man|woman|person)|ambassador|"
    r"president|chief|informs|informed|announced|stated|noted|added)\b|:",
    re.IGNORECASE,
)
#: Troops added to the build-up, not its size: "Russia added 7,000 troops", "the arrivals,
#: some 10,000 soldiers", "increased by 7,000".
_INCREMENT_BEFORE = re.compile(
    r"\b(?:added|adds|adding|add|arrivals?|reinforcements?|increased by|increase of|rose by|"
    r"grew by|up by|brought in|moved in|sending in|sent in|another|pulling|pulled|pull|pulls|"
    r"withdrawing|withdrew|withdraw|withdraws|returning|sending back|sent back)\b[^.;:]{0,30}$",
    re.IGNORECASE,
)
#: Losses and prisoners are not the size of a force: "captured 562 troops", "lost 15,000".
_NOT_A_FORCE_BEFORE = re.compile(
    r"\b(?:captured|capture|captures|killed|kill|kills|lost|lose|loses|losing|wounded|"
    r"took|taken|taking|detained|liquidated|eliminated|buried)\s+(?:[\w'’-]+\s+){0,2}$",
    re.IGNORECASE,
)
#: Forces elsewhere and in other times: not the build-up around Ukraine.
_ELSEWHERE = re.compile(
    r"\b(?:zapad|vostok|kavkaz|syria|syrian|transnistria|afghanistan|georgia|chechnya|"
    r"kazakhstan|soviet|in 20(?:0\d|1[0-3])|before 2014|last (?:september|year)|in (?:19|20)\d\d,|"
    r"(?:spring|summer|april|march|may) (?:of )?2021|armed forces number|active personnel|"
    r"response force)\b",
    re.IGNORECASE,
)
#: A bare figure given as an estimate of the force a sentence speaks of: "puts it at
#: 100,000", "Washington says 130,000", "up from 100,000", "including some 30,000 in
#: Belarus", "the 130,000 are still there", "about 130,000 of them".
_BARE_BEFORE = re.compile(
    r"(?:\b(?:at|to|from|says|said|say|saying|count|counts|counted|estimates?|was|is|are|has|have|"
    r"had|keeps|kept|"
    r"were|of|including|includes|included|incl\.?|numbers?|numbering|totals?|reached|closer to|up from|"
    r"down from|put it at|puts it at|the|passed|exceeded|topped|tops|crossed|surpassed|hit|"
    r"hovered|hovers|stood|stands|remained|remains|risen to|grown to|climbed to)|[,;:(]|\band|\.\.\.)"
    r"(?:\s+(?:now|still|currently|already|somewhere))?\s*$",
    re.IGNORECASE,
)
_BARE_AFTER = re.compile(
    r"^(?:\s*$|\s*[,;.:)]|\s+(?:and|in|on|at|near|along|by|according|as of|were|are|is|was|"
    r"have|has|remain|of them|troops?|soldiers|personnel|figure|estimate|mark)\b|\+)",
    re.IGNORECASE,
)
_TOPIC = re.compile(
    r"\b(?:troops?|soldiers|servicemen|forces|force|personnel|build-?up|grouping|contingent|"
    r"units|battalions|military of|deployment|massed|amassed|the number|presence)\b",
    re.IGNORECASE,
)


def is_troop_topic(sentence: str, context: str) -> bool:
    """Whether the sentence, or the two before it, speak of the size of a force."""
    return _TOPIC.search(sentence) is not None or _TOPIC.search(context) is not None


def _bare_estimate(sentence: str, amount: Amount, topic: bool) -> bool:
    """A figure with no noun of its own, given as the size of the force the text speaks
    of (see ``_BARE_BEFORE``): in a sentence about troops, a large round number at the
    end of its clause."""
    if not topic or amount.value < 5_000:
        return False
    foreign = alternation("foreign_forces")
    if re.search(rf"\b(?:{foreign})\s+(?:troops|forces|soldiers|personnel)\b", sentence, re.I):
        return False  # "the number of US troops dispatched to Europe to about 5,000"
    head, tail = before(sentence, amount), after(sentence, amount)
    return _BARE_BEFORE.search(head) is not None and _BARE_AFTER.match(tail) is not None


def _clause_end(tail: str) -> int:
    found = re.search(r"[,;]", tail)
    return found.start() if found else len(tail)


def troop_findings(
    sentence: str, amounts: list[Amount], reference: date | None, context: str = ""
) -> list[tuple[Amount, Finding]]:
    """``context`` is the text just before the sentence: whether it speaks of a force."""
    found: list[tuple[Amount, Finding]] = []
    increments = set(words("increment_words"))
    foreign = set(words("foreign_forces"))
    topic = is_troop_topic(sentence, context)
    for amount in amounts:
        if is_calendar_or_unit(sentence, amount):
            continue
        tail = after(sentence, amount)
        # another place or time in the figure's own clause ("20,000 troops in Syria", "In
        # 2013, ... 20,000"), not in an aside after it ("..., double what it had before 2014")
        own_clause = clause_before(sentence, amount) + amount.text + tail[: _clause_end(tail)]
        if _ELSEWHERE.search(own_clause):
            continue
        noun = _noun_after(tail)
        head = before(sentence, amount)
        if _NOT_SOLDIERS_AFTER.match(tail) or _POPULATION_BEFORE.search(head):
            continue  # "a city of some 400,000 people", "a population of 2 million"
        label = _LABEL_LINE.search(head)
        if _INCREMENT_BEFORE.search(clause_before(sentence, amount)) or _NOT_A_FORCE_BEFORE.search(
            head
        ):
            continue
        if noun is not None:
            _, mods = noun
            if increments & set(mods) or re.search(r"\b(?:more|additional|extra)\s*$", head, re.I):
                continue
            if _JOINED.match(tail):
                continue  # "7,000 troops have been added to the build-up": an increment
            if foreign & set(mods):
                continue
            if not ({"russian", "russia's", "of russia's"} & set(mods)) and _last_actor_is_foreign(
                _lead(sentence, amount)
            ):
                continue
        elif _force_before(_put_at(head, amount)) and not _last_actor_is_foreign(
            _lead(sentence, amount)
        ):
            pass
        elif (
            _strong_force_after(tail)
            or re.match(
                r"^\s*(?:-\s*)?strong\b", tail, re.I
            )  # "Russian Force ... Now 148,000 Strong"
        ) and not _last_actor_is_foreign(_lead(sentence, amount)):
            pass  # "a 2,000-strong contingent"
        elif label is not None:
            if foreign & set(label.group("mods").lower().split()):
                continue  # "Ukrainian troops in the east: 250,000"
            # a fact box's line: "Russian troops near Ukraine: 150,000+"
        elif found and amount.digits and re.search(r"\b(?:the|to|with|from)\s*$", head, re.I):
            pass  # "up to 190,000 personnel ... compared to the 100,000 on January 30"
        elif _bare_estimate(sentence, amount, topic) and not _last_actor_is_foreign(
            _lead(sentence, amount)
        ):
            pass  # "the U.S. puts it at 100,000, British intelligence at 130,000"
        elif (
            found
            and amount.digits
            and re.search(r"\b(?:and|while|plus)\s*$", head, re.I)
            and re.match(r"^\s+(?:in|near|along|at|on|inside|around)\b", tail, re.I)
        ):
            pass  # "35,000 troops in Crimea and 15,000 in the Donbas"
        else:
            continue
        if not _MIN_TROOPS <= amount.value <= _MAX_TROOPS or is_hypothetical(sentence, amount):
            continue
        if re.match(
            r"^\s*(?:[\w'’-]+\s+){0,4}?(?:as\s+)?(?:prisoners?|pows?|captives?)\b", tail, re.I
        ):
            continue  # "holding 562 Russian soldiers as prisoners of war"
        if _UNIT_SIZE.search(head) or re.match(
            r"^\s*(?:[\w-]+\s+){0,2}?(?:each|apiece)\b", tail, re.I
        ):
            continue  # "60 battalion tactical groups, each of about 800 troops": a unit's size
        if is_denial(sentence, amount):
            continue
        after_noun = tail if noun is None else tail[tail.lower().find(noun[0]) + len(noun[0]) :]
        qualifier = amount.qualifier.value
        if qualifier == "exact" and amount.value_high is None and _PAST_IT.search(head):
            qualifier = "more_than"  # "the build-up tops 130K troops", "has passed 100,000"
        found.append(
            (
                amount,
                Finding(
                    at=amount.start,
                    kind=ClaimKind.TROOP_COUNT.value,
                    value=amount.value,
                    value_high=amount.value_high,
                    qualifier=qualifier,
                    vague=amount.vague,
                    location=place_after(tail),
                    as_of=date_right_after(after_noun, reference)
                    or counted_to(sentence, reference),
                    flags=(
                        *(("vague",) if amount.vague else ()),
                        *((f"branch:{branch}",) if (branch := _branch(noun)) else ()),
                    ),
                ),
            )
        )
    return found
