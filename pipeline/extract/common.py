"""Tests every extractor asks of an amount: is it a year, money, a percentage, a
hypothetical or a denial; what comes after it; what date and place go with it."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.dates import MONTHS as MONTH_NUMBERS
from pipeline.dates import resolve
from pipeline.extract.lexicon import alternation
from pipeline.numbers import Amount, parse_number

MONTHS = (
    r"jan(?:uary)?|feb(?:r?uary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
WEEKDAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
DATE_EXPRESSION = (
    rf"(?:(?:last|next|this|past)\s+)?(?:{WEEKDAYS})"
    rf"|(?:{MONTHS})\.?\s+[0-3]?\d(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d\d)?"
    rf"|[0-3]?\d(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTHS})\.?(?:,?\s+(?:19|20)\d\d)?"
)


def weekday_number(name: str) -> int:
    """Monday 0 ... Sunday 6."""
    return WEEKDAYS.split("|").index(name.lower())


def count_of(word: str) -> int:
    """A small count written in digits or words ("3", "ten", "a" week) as a number."""
    word = word.lower()
    return 1 if word in ("a", "an") else parse_number(word)


_DATE_AFTER = re.compile(rf"^\s*(?:on|as of|by|since)?\s*(?P<d>{DATE_EXPRESSION})\b", re.I)
_CURRENCY_BEFORE = re.compile(r"(?:[$€£¥₽]|\b(?:usd|eur|rub|us\$))\s*$", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(
    r"^\s*(?:dollars|euros|pounds|rubles|roubles|hryvnias?|yuan|usd|eur|a barrel|per barrel)\b",
    re.IGNORECASE,
)
_PERCENT_AFTER = re.compile(r"^\s*(?:%|per ?cent|percent|pct|percentage points?)", re.I)
_ORDINAL_AFTER = re.compile(r"^(?:st|nd|rd|th)\b|^-(?:year|month|day|week|hour|km|kilomet)", re.I)
_AGE = re.compile(r"^\s*(?:years?[ -]old|-year-old|year-old)", re.I)
_UNIT_AFTER = re.compile(
    r"^\s*(?:km|kilomet(?:re|er)s?|miles?|metres?|meters?|hours?|days?|weeks?|months?|years?|"
    r"minutes?|seconds?|tons?|tonnes?|kg|mm|kilograms?|times|am|pm|a\.m\.|p\.m\.)\b",
    re.IGNORECASE,
)


def before(sentence: str, amount: Amount) -> str:
    return sentence[: amount.start]


def after(sentence: str, amount: Amount) -> str:
    return sentence[amount.end :]


def is_calendar_or_unit(sentence: str, amount: Amount) -> bool:
    """Years, days of a month, times, money, percentages, ages and measures are not counts."""
    head, tail = before(sentence, amount), after(sentence, amount)
    if amount.value_high is None and re.fullmatch(r"(?:19|20)\d\d", amount.text.strip()):
        return True
    # "from 24.02 to 10.03": days and months written with a dot, not decimals
    if re.fullmatch(r"[0-3]?\d\.[01]\d(?:\s*(?:-|–|to)\s*[0-3]?\d\.[01]\d)?", amount.text.strip()):
        return True
    if re.search(rf"\b(?:{MONTHS})\.?\s*$", head, re.IGNORECASE) and amount.value <= 31:
        return True
    if re.match(rf"^\s*(?:{MONTHS})\b", tail, re.IGNORECASE) and amount.value <= 31:
        return True
    if re.match(r"^[:/.]\d", tail) or re.search(r"\d[:/]$", head):
        return True
    # "lawyer Artem Zaluznyi, 22, told AFP": an age set off by commas after a name.
    age_after_name = (
        amount.value < 120
        and re.search(r"[A-Z][a-z]+,\s*$", head) is not None
        and re.match(r"^\s*,", tail) is not None
    )
    return bool(
        _CURRENCY_BEFORE.search(head)
        or _CURRENCY_AFTER.match(tail)
        or _PERCENT_AFTER.match(tail)
        or _ORDINAL_AFTER.match(tail)
        or _AGE.match(tail)
        or _UNIT_AFTER.match(tail)
        or age_after_name
    )


def clause_before(sentence: str, amount: Amount) -> str:
    """The words between the start of the amount's clause and the amount."""
    head = before(sentence, amount)
    cut = max(head.rfind(";"), head.rfind(" — "), head.rfind(" - "))
    return head[cut + 1 :] if cut >= 0 else head


def is_hypothetical(sentence: str, amount: Amount) -> bool:
    clause = clause_before(sentence, amount)
    return re.search(rf"\b(?:{alternation('hypothetical_cues')})\b", clause, re.I) is not None


def is_denial(sentence: str, amount: Amount) -> bool:
    head = before(sentence, amount)
    return re.search(rf"\b(?:{alternation('denial_cues')})\b", head, re.I) is not None


#: A figure counted up to a day, wherever the sentence says it: "As of February 20, ...",
#: "as at Sunday", "through Feb 15", "by the eve of the invasion on February 23", "a figure
#: dated 20.02.2022"; or a day the sentence opens with ("On January 30 there were ...").
NUMERIC_DATE = (
    r"(?:19|20)\d\d-[01]\d-[0-3]\d|[0-3]?\d\.[01]?\d\.(?:19|20)\d\d"
    r"|[0-3]?\d/[0-3]?\d/(?:19|20)\d\d"  # 02/28/2022 or 28/02/2022
)
_COUNTED_TO = re.compile(
    rf"\b(?:as of|as at|by|through|until|till|up to|dated)\s+"
    rf"(?:(?:the\s+)?(?:eve|morning|night|evening|end|start)\s+of\s+"
    rf"(?:the\s+)?[\w -]{{0,30}}?\s+(?:on\s+)?)?(?P<d>{DATE_EXPRESSION}|{NUMERIC_DATE})\b",
    re.I,
)
#: A source and its day in brackets after a figure: "(OHCHR, 1 March)", "(UN, as of Feb 27)"
SOURCE_DATED = re.compile(
    rf"\((?:per\s+|source:\s*)?[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){{0,3}},\s*(?:as (?:of|at)\s+)?"
    rf"(?P<d>{DATE_EXPRESSION}|{NUMERIC_DATE})\s*\)",
    re.I,
)
_OPENING_DAY = re.compile(
    rf"^\W*(?:[^,:;]{{0,40}}:\s+)?on\s+(?:the\s+eve\s+of\s+[\w -]{{0,30}}?\s+on\s+)?"
    rf"(?P<d>{DATE_EXPRESSION})\b",
    re.I,
)


def past_day(expression: str, reference: date) -> date | None:
    """A day written before a count, read as the last such day up to the article's."""
    iso = re.fullmatch(r"((?:19|20)\d\d)-([01]\d)-([0-3]\d)", expression)
    dotted = re.fullmatch(r"([0-3]?\d)\.([01]?\d)\.((?:19|20)\d\d)", expression)
    slashed = re.fullmatch(r"([0-3]?\d)/([0-3]?\d)/((?:19|20)\d\d)", expression)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dotted:  # day first, as wherever dots are written
            return date(int(dotted[3]), int(dotted[2]), int(dotted[1]))
    except ValueError:
        return None
    if slashed:  # month first (US) or day first: the reading that is a day up to the article's
        first, second, year = int(slashed[1]), int(slashed[2]), int(slashed[3])
        readings = []
        for month, day in ((first, second), (second, first)):
            with contextlib.suppress(ValueError):
                readings.append(date(year, month, day))
        past = [d for d in readings if d <= reference]
        return max(past) if past else None
    if expression.lower() in WEEKDAYS.split("|"):  # "as of Sunday": the Sunday just gone
        return reference - timedelta(days=(reference.weekday() - weekday_number(expression)) % 7)
    return resolve(expression, reference)


def day_counted_to(match: re.Match[str] | None, reference: date | None) -> date | None:
    """The day a cut-off's ``d`` group names ("as of Sunday", "by February 26"), never after
    the article's date ("by March 20" ahead of it is a forecast, not an as-of)."""
    if match is None or reference is None:
        return None
    found = past_day(re.sub(r"^on\s+", "", match.group("d"), flags=re.I), reference)
    return found if found is not None and found <= reference else None


def counted_to(sentence: str, reference: date | None) -> date | None:
    """The day a figure is counted up to, when the sentence names one."""
    return day_counted_to(
        _COUNTED_TO.search(sentence)
        or SOURCE_DATED.search(sentence)
        or _OPENING_DAY.search(sentence),
        reference,
    )


#: A wire dateline with its day: "MOSCOW, Feb. 19 (AP) —", "KYIV, Ukraine, Feb 27 (Reuters) -",
#: "WASHINGTON, Feb 18 -". Capital letters for the place (a dateline shouts it), then a month
#: and a day, an optional agency in brackets and a dash.
_WIRE_DATELINE = re.compile(
    rf"^[ \t]*[A-Z][A-Z.'’ -]{{1,40}}(?:,[ \t]*[A-Z][A-Za-z.'’ -]{{1,30}})?,[ \t]*"
    rf"(?P<d>(?i:{MONTHS})\.?[ \t]+[0-3]?\d)[ \t]*(?:\([^()\n]{{1,40}}\)[ \t]*)?[-–—]",
    re.MULTILINE,
)
#: A dateline further back than this is a story reprinted long after: its figures are dated
#: by the article, as before.
_DATELINE_DAYS = 10


def wire_day(text: str, published: date | None) -> date | None:
    """The day a wire story's dateline gives, at the top of the article ("MOSCOW, Feb. 19
    (AP) —" in an article published on the 20th): the day its figures were reported, when
    it is the article's date or shortly before it."""
    if published is None:
        return None
    match = _WIRE_DATELINE.search(text[:600])
    if match is None:
        return None
    day = resolve(match.group("d"), published)
    if day is None or not published - timedelta(days=_DATELINE_DAYS) <= day <= published:
        return None
    return day


#: A month alone right after a figure: "from 100,000 in December to 130,000 now".
_MONTH_AFTER = re.compile(
    rf"^\s*(?:in|since|as of|by)\s+(?:(?:early|mid|late)[-\s]+)?(?P<m>{MONTHS})\b(?!\.?\s*[0-3]?\d\b)"
    r"(?:,?\s+(?P<y>(?:19|20)\d\d)\b)?",
    re.I,
)
#: The day a month alone stands for: early, the middle, late.
_PART_OF_MONTH = {"early": 5, "mid": 15, "late": 25}


def _month_after(text: str, reference: date) -> date | None:
    """The last such month up to the article's ("in December" in February: last December),
    at its middle (or early / late part); None for the article's own month (that is now)."""
    match = _MONTH_AFTER.match(text)
    if match is None or match.group("m") == "may":  # "in may be": the verb
        return None
    month = MONTH_NUMBERS[match.group("m").lower()[:3]]
    year = reference.year if month <= reference.month else reference.year - 1
    if match.group("y"):
        year = int(match.group("y"))
    if date(year, month, 1) > reference:
        return None  # a month ahead is a forecast
    if (year, month) == (reference.year, reference.month):
        return None
    part = re.search(r"\b(early|mid|late)\b", match.group(0), re.I)
    return date(year, month, _PART_OF_MONTH[part.group(1).lower()] if part else 15)


def date_right_after(text: str, reference: date | None) -> date | None:
    """A date written right after a figure ("100,000 on January 30", "100,000 in December")
    as the figure's as-of."""
    match = _DATE_AFTER.match(text)
    if not match:
        return _month_after(text, reference) if reference is not None else None
    found = resolve(match.group("d"), reference)
    # a count is never as of a day after the article: "200,000 by March 20" is a forecast
    return found if found is None or reference is None or found <= reference else None


_PLACE = re.compile(
    r"\b(?P<p>(?:near|at|on|along|in|into|inside|around|close to|across|to|within)\s+"
    r"(?:the\s+|its\s+|their\s+)?[^,.;:\u201c\u201d\"]{0,70}?"
    r"\b(?:Ukraine|Ukrainian|Ukraine's|border|borders|frontier|Belarus|Crimea|Donbas|Donbass|"
    r"Donetsk|Luhansk|Kyiv|Kharkiv|Mariupol|neighbou?r|the country)\b[^,.;:\u201c\u201d\"]{0,40}?)"
    r"(?=[,.;:\u201c\u201d\"]|\s+(?:and|but|for|to|while|after|as|since|said|says|have|has|had|"
    r"were|was|are|is|which|who|compared|in the|according)\b|$)"
)


#: One more place in a list after the first ("in Belarus, in western Russia and in occupied
#: Crimea", "near the border, in Belarus and Crimea"): the figure counts them all.
_MORE_PLACE = re.compile(
    r"(?:\s*,\s*(?P<and1>and\s+|as well as\s+)?|\s+(?P<and2>and|as well as)\s+)"
    r"(?:(?:in|on|near|along|inside|around|at)\s+)?(?:the\s+)?[^,.;:\u201c\u201d\"]{0,40}?"
    r"\b(?:Russia|Belarus|Crimea|Donbas|Donbass|Donetsk|Luhansk|Ukraine|Transnistria|border|"
    r"borders|frontier|Black Sea)(?:['’]s)?\b[^,.;:\u201c\u201d\"]{0,30}?"
    r"(?=\s*[,.;:\u201c\u201d\"]|\s+(?:and|as well as)\b|$)"
)


def place_after(text: str) -> str | None:
    match = _PLACE.search(text)
    if match is None:
        return None
    place, end = match.group("p").strip(), match.end()
    # A list ends with "and": "in Belarus, Russia's ally, for drills" is one place.
    listed, closed = place, False
    for _ in range(4):
        more = _MORE_PLACE.match(text, end)
        if more is None:
            break
        listed, end = listed + text[end : more.end()], more.end()
        closed = closed or bool(more.group("and1") or more.group("and2"))
    return listed if closed else place


@dataclass(frozen=True, slots=True)
class Finding:
    """A figure an extractor recognised in one sentence, before attribution."""

    kind: str
    value: int | date | None
    qualifier: str
    value_high: int | None = None
    vague: bool = False
    casualty_type: str | None = None
    victims: str | None = None
    location: str | None = None
    as_of: date | None = None
    flags: tuple[str, ...] = ()
    at: int = -1  # where the figure starts in its sentence (-1: not one place)
