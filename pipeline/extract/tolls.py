"""What a casualty toll is about: whose dead, over which period, at which incident.

A toll is a fact only together with what it counts. "137 killed on the first day", "498
Russian soldiers killed since the invasion", "11 killed in the shelling of Kharkiv on
Monday" and "more than 14,000 killed in the Donbas war since 2014" are four different
facts, and verification compares a figure only with figures about the same fact. This
module reads, from the words around a figure:

- the **period**: a named one ("since the invasion", "since 2014": the periods of
  ``pipeline/patterns/periods.json``), a single day ("on the first day", "in the past 24
  hours", "killed on Monday"), or a window of days ("in the past seven days"; a window that
  began when a period began is that period);
- an **incident**: the casualties of one event (a strike, a shelling, an attack on a place),
  with the place it hit when the sentence or the one before names it;
- the **side** of the victims when the words give it without a nationality next to the
  noun ("Russia has lost 5,300 troops", "casualties on the Ukrainian side", "498 of its
  troops": the speaker's own side).

Pure functions of text and a reference date; no model needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.dates import resolve
from pipeline.extract.common import (
    MONTHS,
    NUMERIC_DATE,
    SOURCE_DATED,
    WEEKDAYS,
    count_of,
    day_counted_to,
    past_day,
    weekday_number,
)
from pipeline.extract.lexicon import alternation
from pipeline.periods import period_at, period_by_cue, period_starting_near

__all__ = [
    "TollContext",
    "find_place",
    "side_of_victims",
    "statement_day",
    "toll_context",
    "with_side",
]

_FIRST_DAY = re.compile(
    r"\b(?:on |during |after |in )?(?:the )?(?P<which>first|opening|second|third)\s+day\b", re.I
)
_WINDOW = re.compile(
    r"\b(?:in|over|during|within|for)\s+(?:the\s+)?(?P<edge>past|last|previous|first|initial)\s+"
    r"(?P<n>\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|"
    r"twenty|thirty|a|an)?\s*(?P<unit>hours?|days?|weeks?|months?|24 hours)\b",
    re.I,
)
#: What "Thursday's ..." names when the day is the deaths' own: "Thursday's bombing".
_ATTACK_NOUNS = (
    r"(?:strikes?|airstrikes?|attacks?|bombings?|bombardment|shelling|blasts?|explosions?|"
    r"raids?|assault|missile strike)\b"
)
_DAY_WORDS = re.compile(
    rf"\b(?P<d>(?:{WEEKDAYS})['’]s(?=\s+(?:[\w-]+\s+){{0,2}}?{_ATTACK_NOUNS})|"
    rf"today|tonight|overnight|yesterday|this morning|this afternoon|last night|"
    rf"on (?:{WEEKDAYS})(?: (?:morning|afternoon|evening|night))?|"
    rf"on (?:{MONTHS})\.? [0-3]?\d(?:st|nd|rd|th)?|on (?:the )?[0-3]?\d(?:st|nd|rd|th)? (?:of )?(?:{MONTHS}))\b",
    re.I,
)
_SINCE_DATE = re.compile(
    rf"\bsince\s+(?:(?:the\s+)?(?:beginning|start)\s+of\s+)?(?P<d>(?:{MONTHS})\.?\s+[0-3]?\d(?:st|nd|rd|th)?(?:,?\s+20\d\d)?"
    rf"|[0-3]?\d(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTHS})(?:,?\s+20\d\d)?|(?:19|20)\d\d)\b",
    re.I,
)
#: The deaths themselves, shortly before a day: "killed on Monday", "died overnight",
#: "in shelling ... on Monday afternoon".
_TOLL_BEFORE_DAY = re.compile(
    r"\b(?:killed|died|dead|wounded|injured|hurt|perished|shelling|shelled|strike|strikes|"
    r"airstrike|attack|bombing|explosion|blast|fire|lost|deaths|casualties)\b[^.;]*$",
    re.IGNORECASE,
)
_SINCE_WEEKDAY = re.compile(rf"\bsince\s+(?:last\s+)?(?P<d>{WEEKDAYS})\b", re.I)
#: "since Russian forces invaded on Thursday": a period begun by an event on a day
_SINCE_EVENT_ON = re.compile(
    rf"\bsince\s+(?:[\w'’-]+\s+){{1,6}}?on\s+(?P<d>{WEEKDAYS}|(?:{MONTHS})\.?\s+[0-3]?\d)\b", re.I
)
#: The day a running total was counted up to: "as of midnight on Sunday", "by Monday"
_CUTOFF = re.compile(
    rf"\b(?:as of|as at|up to|until|till|through|by|to(?=\s+(?:midnight|noon|the end of)))\s+"
    rf"(?:(?:midnight|noon|the (?:end|morning|evening|night|eve) of)\s+(?:on\s+)?)?"
    rf"(?:local time\s+)?(?P<d>today|yesterday|(?:on\s+)?(?:{WEEKDAYS})|(?:{MONTHS})\.?\s+[0-3]?\d(?:st|nd|rd|th)?"
    rf"|[0-3]?\d(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTHS})|{NUMERIC_DATE})\b",
    re.I,
)
_SINCE_ANY = re.compile(r"\b(?:since|so far|to date|in total|in all|overall|cumulative)\b", re.I)
#: Words that make "a day" the time of a statement, not of the deaths ("said on Monday").
_STATEMENT_VERB = re.compile(
    r"\b(?:said|says|told|announced|reported|claimed|stated|added|wrote|tweeted|posted|"
    r"confirmed|estimated|briefed|noted|stressed)\b",
    re.I,
)


def _side_lost(owners: str) -> str:
    """A side that lost its own: "Russia has lost", "Moscow's forces lost", "Ukraine's army
    has likely suffered"."""
    return (
        rf"\b(?:{owners})\s+"
        r"(?:(?:has|have|had)\s+(?:already\s+|now\s+|so far\s+|likely\s+|probably\s+)?)?"
        r"(?:lost|suffered|sustained)\b"
    )


#: Victims of one side, named without a nationality beside the noun.
_RUSSIAN_SIDE = re.compile(
    _side_lost(
        r"russia|moscow|the kremlin|russian (?:army|military|forces|side|troops|army's)|"
        r"(?:russia|moscow)['’]s (?:army|military|forces|troops)"
    )
    + r"|\b(?:russia['’]s|russian|moscow['’]s|the russian)\s+(?:own\s+)?(?:military\s+|troop\s+|army\s+|combat\s+)?"
    r"(?:losses|death toll|toll|dead|deaths|casualties|fatalities)\b"
    r"|\bon the russian side\b|\bamong russian\b|\bof the russian (?:army|military|forces|troops)\b"
    r"|\b(?:killed|lost)\b[^.;]{0,30}\bof (?:the )?(?:russian|russia['’]s) (?:army|military|forces|troops)\b",
    re.I,
)
_UKRAINIAN_SIDE = re.compile(
    _side_lost(
        r"ukraine|kyiv|kiev|the ukrainian (?:army|military|side)|"
        r"(?:ukraine|kyiv)['’]s (?:army|military|forces|troops)"
    )
    + r"|\b(?:ukraine['’]s|ukrainian|kyiv['’]s|the ukrainian)\s+(?:own\s+)?(?:military\s+|troop\s+|army\s+|combat\s+)?"
    r"(?:losses|death toll|toll|dead|deaths|casualties|fatalities)\b"
    r"|\bon the ukrainian side\b|\bamong ukrainian\b|\bdefenders of ukraine\b|\bof (?:the )?ukrainian (?:army|military|forces|troops)\b",
    re.I,
)
_OWN_SIDE = re.compile(
    r"\b(?:of\s+)?(?:its|our|their)\s+(?:own\s+)?(?:troops|soldiers|servicemen|service members|men|"
    r"heroes|defenders|personnel|forces|military|fighters|citizens|people|sons|comrades)\b"
    r"|\bwe (?:have )?lost\b",
    re.I,
)
#: The war itself ("the attack on Ukraine", "Russia's assault") is not an incident.
_THE_WAR = re.compile(
    r"\b(?:attack|assault|offensive|invasion|aggression|operation)\s+(?:on|against|of|in)\s+"
    r"(?:the\s+country|ukraine(?!['’])|its\s+neighbou?r)\b|\b(?:russia['’]s|russian|the)\s+(?:full-scale\s+)?"
    r"(?:attack|assault|offensive|invasion)\b(?!\s+on\s+(?:the\s+)?[A-Z])",
    re.I,
)
_COUNTRY_LEVEL = {
    "ukraine", "russia", "belarus", "the country", "europe", "poland", "moldova", "the east",
    "the west", "the south", "the north", "eastern ukraine", "east ukraine", "western ukraine",
    "southern ukraine", "northern ukraine", "the black sea", "the united states", "nato",
}  # fmt: skip
_PLACE = re.compile(
    r"\b(?:in|on|at|near|outside|around|of|hit|struck|targeted|shelled|bombed)\s+"
    r"(?:(?i:ukraine['’]s|russia['’]s|the|a|eastern|southern|northern|western|central)\s+)*"
    r"(?:(?:village|town|city|port|region|oblast|suburb|district|settlement)\s+of\s+"
    # a description, then the name: "in Ukraine's second-largest city, Kharkiv"
    r"|(?:[\w-]+\s+){0,3}?(?:city|town|port|village|hub|stronghold),\s+)?"
    r"(?P<p>[A-Z][\w'’-]+(?:\s+(?:[A-Z][\w'’-]+|region|oblast|island|Island))?)"
)
_NOT_PLACE = re.compile(
    rf"^(?:{MONTHS}|{WEEKDAYS}|russian|ukrainian|russians|ukrainians|western|the|a|an|"
    # a nationality or an institution's adjective: "near the Polish border", "the International
    # Centre for Peacekeeping" name no town
    r"polish|belarusian|moldovan|romanian|hungarian|slovak|lithuanian|latvian|estonian|european|"
    r"american|british|soviet|international|national|regional|central|state|federal|"
    r"president|minister|ministry|general|un|u\.n\.|nato|kremlin|moscow|kyiv|kiev|"
    r"facebook|twitter|telegram|reuters|afp|ap|interfax|tass|tv|radio)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class TollContext:
    """What the words around one casualty figure say it counts."""

    period: str | None = None  # "since:<period id>", "day:<iso date>", "window:<n>d"
    incident: str | None = None  # the event word ("shelling", "strikes") of an incident
    place: str | None = None  # a place below the country, as written ("Kharkiv")
    side: str | None = None  # "russian", "ukrainian", or "own" (the speaker's side)
    as_of: date | None = None  # the day the toll describes, when the words give it

    def flags(self) -> tuple[str, ...]:
        pairs = (
            ("period", self.period), ("incident", self.incident), ("place", self.place),
            ("side", self.side),
        )  # fmt: skip
        return tuple(f"{name}:{value}" for name, value in pairs if value)

    def merged(self, other: TollContext) -> TollContext:
        """This context with what it leaves open taken from ``other``."""
        return TollContext(
            self.period or other.period,
            self.incident or other.incident,
            self.place or other.place,
            self.side or other.side,
            self.as_of or other.as_of,
        )

    @property
    def empty(self) -> bool:
        return not (self.period or self.incident or self.place or self.side)


def toll_context(sentence: str, reference: date | None, before: str = "") -> TollContext:
    """The period, incident, place and side of the toll(s) in ``sentence``; ``before`` is the
    text just before it (an incident's place may be named there)."""
    period, as_of = _period(sentence, reference)
    incident = None
    if period is None or period.startswith("day:"):
        incident = _incident(sentence)
    place = None
    if incident or (period or "").startswith("day:"):
        place = find_place(sentence) or (find_place(before) if incident else None)
    return TollContext(period, incident, place, _side(sentence), as_of)


def _period(sentence: str, reference: date | None) -> tuple[str | None, date | None]:
    lowered = sentence.lower()
    first_day = _FIRST_DAY.search(sentence)
    if first_day:
        latest = period_at(reference)
        if latest is not None:
            offset = {"first": 0, "opening": 0, "second": 1, "third": 2}[
                first_day.group("which").lower()
            ]
            day = latest.start + timedelta(days=offset)
            return f"day:{day.isoformat()}", day
    window = _WINDOW.search(sentence)
    if window:
        found = _window(window, reference)
        if found is not None:
            return found
    # "since February 24 ..., in figures valid as of March 5": a period, counted to a day
    counted = day_counted_to(_CUTOFF.search(sentence) or SOURCE_DATED.search(sentence), reference)
    named = period_by_cue(lowered)
    if named is not None:
        return f"since:{named.id}", counted
    if re.search(r"\b(?:so far|to date|in total|in all|overall|altogether|thus far)\b", lowered):
        current = period_at(reference)
        if current is not None:
            return f"since:{current.id}", counted  # a running total: the period under way
    since = _SINCE_DATE.search(sentence)
    if since:
        written = since.group("d")
        year = int(written) if written.isdigit() else None
        near = period_starting_near(None if year else resolve(written, reference), year)
        if near is not None:
            return f"since:{near.id}", counted
    for since_day in (_SINCE_WEEKDAY.search(sentence), _SINCE_EVENT_ON.search(sentence)):
        if since_day is None or reference is None:
            continue
        written = since_day.group("d")
        if written.lower() in WEEKDAYS.split("|"):  # "since Thursday": the last one before
            target = weekday_number(written)
            began = reference - timedelta(days=(reference.weekday() - target - 1) % 7 + 1)
        else:
            began = resolve(written, reference)  # type: ignore[assignment]
        near = period_starting_near(began)
        if near is not None:
            return f"since:{near.id}", counted
    if (
        (counted is not None or _CUTOFF.search(sentence))
        and reference is not None
        and _incident(sentence) is None
    ):
        # "406 casualties as of midnight on Sunday": a running total counted up to a day
        current = period_at(reference)
        if current is not None:
            return f"since:{current.id}", counted
    on = _day_of_toll(sentence, reference)
    if on is not None:
        return f"day:{on.isoformat()}", on
    return None, None


def _window(match: re.Match[str], reference: date | None) -> tuple[str, date | None] | None:
    raw = (match.group("n") or "one").lower()
    n = count_of(raw)
    unit = match.group("unit").lower()
    if unit.startswith("24"):
        n, unit = 1, "day"
    days = n * {"h": 1 / 24, "d": 1, "w": 7, "m": 30}[unit[0]]
    edge = match.group("edge").lower()
    if days <= 1 and reference is not None and edge in ("past", "last", "previous"):
        return f"day:{reference.isoformat()}", reference
    latest = period_at(reference)
    if edge in ("first", "initial") and latest is not None:
        end = latest.start + timedelta(days=max(int(days) - 1, 0))
        return f"since:{latest.id}", end
    if reference is not None and latest is not None:
        began = reference - timedelta(days=int(days))
        if abs((began - latest.start).days) <= 2:
            return f"since:{latest.id}", None  # "in the past seven days", a week into the war
    return f"window:{int(days)}d", None


def _day_of_toll(sentence: str, reference: date | None) -> date | None:
    """A single day the deaths happened on ("killed on Monday", "died overnight"), not the
    day something was said ("said on Monday that 11 were killed")."""
    if reference is None:
        return None
    for match in _DAY_WORDS.finditer(sentence):
        words = match.group("d").lower()
        if re.search(r"['’]s$", words):  # "Thursday's bombing": the attack's own day
            day = past_day(words[:-2], reference)
            if day is not None and day <= reference:
                return day
            continue
        if re.search(r"[\u201c\"«]", sentence[: match.start()]):
            continue  # "today" in a quotation is the day it was said, not published
        near = sentence[max(0, match.start() - 25) : match.end() + 25]
        if _STATEMENT_VERB.search(near):
            continue
        fronted = re.fullmatch(r"\W*", sentence[: match.start()]) is not None  # "On Monday, ..."
        if not fronted and not _TOLL_BEFORE_DAY.search(
            sentence[max(0, match.start() - 80) : match.start()]
        ):
            continue  # the day of something else: "put them on Wednesday at 5,840"
        if _SINCE_ANY.search(sentence[max(0, match.start() - 12) : match.start()]) or re.search(
            r"\bsince\b[^,.;:]{0,60}$", sentence[: match.start()], re.I
        ):
            continue  # "since Russian forces invaded on Thursday": when a period began
        if words in ("today", "tonight", "this morning", "this afternoon"):
            return reference
        if words in ("overnight", "last night", "yesterday"):
            return reference - timedelta(days=1) if words == "yesterday" else reference
        resolved = resolve(re.sub(r"^on\s+", "", words), reference)
        if resolved is not None and resolved <= reference:
            return resolved
    return None


#: A toll that has built up: "shelling has killed", "bombardment has now claimed".
_RUNNING = re.compile(
    r"\b(?:shelling|shellings|bombardment|bombardments|bombing|bombings|strikes|airstrikes|"
    r"air strikes|attacks)\s+(?:\w+\s+){0,3}?(?:has|have)\s+(?:now\s+|so far\s+|already\s+)?"
    r"(?:killed|claimed)\b",
    re.IGNORECASE,
)


def _incident(sentence: str) -> str | None:
    if _SINCE_ANY.search(sentence):
        return None
    match = re.search(rf"\b(?:{alternation('incident_words')})\b", sentence, re.I)
    if match is None:
        # "70 soldiers were killed when (after, as) Russian artillery hit a military base"
        when = re.search(
            r"\b(?:killed|died|dead|wounded|injured|hurt|perished)\b[^,.;]{0,20}\b(?:when|after|as)\b"
            r"[^,.;]{0,50}?"
            r"\b(?P<w>hit|struck|shelled|bombed|targeted|pounded)\b",
            sentence,
            re.I,
        )
        return when.group("w").lower() if when else None
    word = match.group(0).lower()
    if word in ("attack", "attacks", "assault", "struck", "hit by") and _THE_WAR.search(sentence):
        return None
    if _RUNNING.search(sentence) and not re.search(
        rf"\b(?:{WEEKDAYS}|today|yesterday|overnight|tonight|this morning)\b", sentence, re.I
    ):
        return None  # "Russian shelling has claimed the lives of 2,187 residents": a running total
    return word


def find_place(text: str) -> str | None:
    """The first place below the country named in ``text`` ("Kharkiv", "Snake Island",
    "Lypetske"), or None. Not in a headline written in title case, where every word is
    capitalised."""
    words = re.findall(r"[A-Za-z]+", text)
    if len(words) >= 4 and sum(w[0].isupper() for w in words) > 0.7 * len(words):
        return None
    for match in _PLACE.finditer(text):
        place = match.group("p").rstrip("'’s").strip()
        place = re.sub(r"['’]s?$", "", place)
        if _NOT_PLACE.match(place) or place.lower() in _COUNTRY_LEVEL:
            continue
        return place
    return None


#: "the enemy has lost 3,500 soldiers": the side the speaker fights, whoever speaks
_ENEMY = re.compile(r"\b(?:the\s+)?enemy(?:['’]s)?\b", re.I)


def _side(sentence: str) -> str | None:
    if _ENEMY.search(sentence):
        return "enemy"
    russian = _RUSSIAN_SIDE.search(sentence)
    ukrainian = _UKRAINIAN_SIDE.search(sentence)
    if russian and not ukrainian:
        return "russian"
    if ukrainian and not russian:
        return "ukrainian"
    if russian and ukrainian:
        return None  # both named: the victims' own words must tell
    return "own" if _OWN_SIDE.search(sentence) else None


_ADJECTIVE = {"russian": "Russian", "ukrainian": "Ukrainian"}


def side_of_victims(victims: str | None) -> str | None:
    """ "russian" / "ukrainian" when the victims as written name a side."""
    text = (victims or "").lower()
    if re.search(r"\brussian", text):
        return "russian"
    if re.search(r"\bukrain", text):
        return "ukrainian"
    return None


def with_side(victims: str | None, side: str | None) -> str | None:
    """The victims with the side the sentence gives them, when their own words do not
    ("Russia has lost 5,300 troops": Russian troops)."""
    if side not in _ADJECTIVE or side_of_victims(victims) is not None:
        return victims
    if victims is not None and not is_military(victims):
        return victims  # "11 people", "406 civilians": a side's losses are its forces
    return f"{_ADJECTIVE[side]} {victims or 'military'}"


_MILITARY = re.compile(
    r"soldier|troop|servicem|service member|defender|officer|military|fighter|personnel|"
    r"hero|\bmen\b|marine|paratrooper|pilot|sailor|border guard|combatant",
    re.I,
)


def is_military(victims: str | None) -> bool:
    return victims is not None and _MILITARY.search(victims) is not None


_CONTEXT_KEYS = ("period", "incident", "place", "side")


def context_of(flags: tuple[str, ...], as_of: date | None = None) -> TollContext:
    """The toll context a finding's flags carry (``TollContext.flags`` read back)."""
    values: dict[str, str | None] = {key: None for key in _CONTEXT_KEYS}
    for flag in flags:
        key, _, value = flag.partition(":")
        if key in values and value:
            values[key] = value
    return TollContext(**values, as_of=as_of)


def with_context(flags: tuple[str, ...], context: TollContext) -> tuple[str, ...]:
    """``flags`` with their toll context replaced by ``context``."""
    kept = tuple(f for f in flags if f.partition(":")[0] not in _CONTEXT_KEYS)
    return (*kept, *context.flags())


_SAID_ON = re.compile(
    rf"\b(?:said|says|told|announced|reported|claimed|stated|estimated|tweeted|wrote|"
    rf"confirmed|briefed)\b(?:[^,.;\u201c\"]{{0,60}}?\s)?(?:late\s+|early\s+)?(?P<a>on\s+(?:{WEEKDAYS})|(?:{WEEKDAYS})|"
    rf"on\s+(?:{MONTHS})\.?\s+[0-3]?\d|the day before yesterday|yesterday|last night)\b"
    rf"(?:\s+(?:night|morning|evening|afternoon))?"
    rf"|\b(?P<b>on\s+(?:{WEEKDAYS})|(?:{WEEKDAYS})|yesterday)(?:\s+(?:night|morning|evening|afternoon))?"
    rf"\s+(?:said|told|announced|reported|claimed|stated|estimated)\b"
    # fronted: "The day before yesterday, Pentagon spokesman John Kirby put the number at ..."
    rf"|^\W*(?P<c>the day before yesterday|yesterday|on\s+(?:{WEEKDAYS}))\s*,"
    rf"(?=[^.;]{{0,120}}\b(?:said|says|told|announced|reported|claimed|stated|estimated|put|puts)\b)",
    re.IGNORECASE,
)


def statement_day(sentence: str, reference: date | None) -> date | None:
    """The day a figure was given, when the sentence says ("a senior official told reporters
    on Wednesday night that ..."): what the figure describes, if nothing more precise is
    written. Never after the article's date."""
    if reference is None:
        return None
    match = _SAID_ON.search(sentence)
    if match is None:
        return None
    words = re.sub(
        r"^on\s+", "", (match.group("a") or match.group("b") or match.group("c")).lower()
    )
    if words == "the day before yesterday":
        return reference - timedelta(days=2)
    if words in ("yesterday", "last night"):
        return reference - timedelta(days=1)
    if words.split()[0] in WEEKDAYS.split("|"):
        back = (reference.weekday() - weekday_number(words.split()[0])) % 7
        return reference - timedelta(days=back)
    found = resolve(words, reference)
    return found if found is not None and found <= reference else None
