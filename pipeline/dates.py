"""Dates in article text: full dates, date lines, and relative dates against a reference.

"Now" is always a parameter: a relative date ("Sunday", "20th February") resolves
against the article's own reference date, never against today's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from functools import lru_cache

import dateparser

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_FULL_DATE_PATTERNS = [
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    # ISO, also with a time after it ("2022-02-17T10:00:00Z")
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<mnum>[01]\d)-(?P<day>[0-3]\d)(?!\d)"),
    re.compile(r"\b(?P<day>[0-3]?\d)\.(?P<mnum>[01]?\d)\.(?P<year>(?:19|20)\d\d)\b"),
    # "02/17/2022": month first (the American order) unless the first part cannot be one
    re.compile(r"\b(?P<first>[0-3]?\d)/(?P<second>[0-3]?\d)/(?P<year>(?:19|20)\d\d)\b"),
]
_DATELINE_NOISE = re.compile(
    r"\b(published|updated|posted|last updated|on|at|am|pm|a\.m\.|p\.m\.|ist|gmt|utc|est|edt|"
    r"cet|msk|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|"
    r"sat|sun)\b|\d{1,2}:\d{2}(:\d{2})?|[^\w\s]",
    re.IGNORECASE,
)


def _to_date(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    if groups.get("first"):
        first, second = int(groups["first"]), int(groups["second"])
        month, day = (first, second) if first <= 12 else (second, first)
    else:
        month = MONTHS[groups["month"].lower()[:3]] if groups.get("month") else int(groups["mnum"])
        day = int(groups["day"])
    try:
        return date(int(groups["year"]), month, day)
    except ValueError:
        return None


def _iter_full_dates(text: str) -> Iterator[tuple[re.Match[str], date]]:
    for pattern in _FULL_DATE_PATTERNS:
        for match in pattern.finditer(text):
            found = _to_date(match)
            if found is not None:
                yield match, found


def find_full_dates(text: str) -> list[date]:
    """Every full (day, month and year) date written in ``text``."""
    return [found for _, found in _iter_full_dates(text)]


def parse_dateline(line: str) -> date | None:
    """The date of a line that is only a date line ("Tuesday, 15 February 2022 11:14 AM")."""
    if len(line) > 80:
        return None
    for match, found in _iter_full_dates(line):
        rest = line[: match.start()] + " " + line[match.end() :]
        rest = _DATELINE_NOISE.sub(" ", rest)
        if len(rest.split()) <= 2:
            return found
    return None


@lru_cache(maxsize=4096)
def resolve(expression: str, reference: date | None) -> date | None:
    """Resolve a date expression ("Sunday", "Feb. 20", "20th February") against ``reference``.

    A weekday alone is the nearest such day to the reference (ties go forward); "last" and
    "next" pick a direction. Returns None when a partial date has no reference: it refuses
    to guess against today's date.
    """
    expression = expression.strip().rstrip(".,")
    named = _weekday(expression)
    if named is not None:
        if reference is None:
            return None
        weekday, direction = named
        ahead = (weekday - reference.weekday()) % 7
        behind = ahead - 7 if ahead else 0
        if direction == "last":
            return reference + timedelta(days=behind or -7)
        if direction == "next":
            return reference + timedelta(days=ahead or 7)
        return reference + timedelta(days=ahead if ahead <= abs(behind) else behind)
    has_year = re.search(r"\b(19|20)\d\d\b", expression) is not None
    if reference is None and not has_year:
        return None
    base = datetime.combine(reference or date(2000, 1, 1), datetime.min.time())
    parsed = dateparser.parse(
        expression,
        languages=["en"],
        settings={
            "RELATIVE_BASE": base,
            "PREFER_DATES_FROM": "current_period",
            "REQUIRE_PARTS": ["day", "month"],
            "PREFER_DAY_OF_MONTH": "first",
        },
    )
    if parsed is None:
        return None
    result = parsed.date()
    if not has_year and reference is not None:
        # "20 February" is the one in the reference's year nearest the reference.
        candidates = []
        for year in (reference.year - 1, reference.year, reference.year + 1):
            try:
                candidates.append(result.replace(year=year))
            except ValueError:
                continue
        if not candidates:
            return None  # "February 29" in no nearby leap year: no such day
        result = min(candidates, key=lambda d: abs((d - reference).days))
    return result


def resolve_among(expression: str, known: Iterable[date]) -> date | None:
    """A partial date with no reference date to resolve against ("Sunday", "20th February"
    in an undated article), read as the date the story already holds for the same event:
    the most often reported of the ``known`` dates that fit the expression (the same
    weekday; the same day and month). None when none fits or two fit equally often."""
    expression = expression.strip().rstrip(".,")
    named = _weekday(expression)
    if named is not None:
        fits = [d for d in known if d.weekday() == named[0]]
    else:
        # Read the day and month against any year (a leap one, for 29 February).
        parsed = resolve(expression, date(2000, 7, 1))
        if parsed is None:
            return None
        fits = [d for d in known if (d.month, d.day) == (parsed.month, parsed.day)]
    ranked = Counter(fits).most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip


def _weekday(expression: str) -> tuple[int, str] | None:
    """("sunday", "last Sunday", "next Sunday", ...) -> (weekday number, direction)."""
    words = expression.lower().split()
    direction = "nearest"
    while words and words[0] in ("on", "this", "past", "last", "next", "coming", "until", "by"):
        if words[0] in ("last", "next"):
            direction = words[0]
        words = words[1:]
    if len(words) != 1 or words[0] not in _WEEKDAYS:
        return None
    return _WEEKDAYS[words[0]], direction
