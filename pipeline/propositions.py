"""Propositions: the fact a claim is about. Only claims about the same fact confirm,
dispute or supersede each other.

A proposition is the claim's kind plus a *scope*, a short key that names

- for troops: where they are (around Ukraine, in Belarus, in Crimea, in the Donbas) and,
  for a sub-total, which branch ("ground forces");
- for the drills' end date: the Russia–Belarus joint drills;
- for casualties: killed / wounded / both, whose dead (civilians, one side's military or
  people, everyone), and over what period or at which incident: since the invasion, in the
  Donbas war since 2014, on one day (the first day of the invasion), in the last N days, or
  one incident (a place and a day). A city's shelling toll never meets a national total.

``scope_of`` is a pure function of the extracted claim; ``describe`` turns a scope into
the words an editor reads ("Russian military killed since the invasion of 24 Feb 2022").
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

from pipeline.periods import by_id, period_at, periods
from schemas.enums import ClaimKind
from schemas.records import ExtractedClaim

__all__ = ["describe", "scope_of", "troop_area", "victim_group"]

_AREAS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # no closing \b: scraped text glues words ("Belarusthe", "Crimeaand")
    ("belarus", re.compile(r"\bbelarus", re.I)),
    ("crimea", re.compile(r"\bcrimea", re.I)),
    ("donbas", re.compile(r"\b(?:donbas|donetsk|luhansk)", re.I)),
)
_AREA_WORDS = {
    "around_ukraine": "around Ukraine",
    "belarus": "in Belarus",
    "crimea": "in Crimea",
    "donbas": "in the Donbas",
}


def troop_area(location: str | None) -> str:
    """A small gazetteer: the many wordings of a place, one area each. A location that names
    several areas ("the border, Crimea and Donbas") is the whole build-up around Ukraine."""
    if not location:
        return "around_ukraine"
    hits = [name for name, pattern in _AREAS if pattern.search(location)]
    # "in Belarus and in western Russia": Russia's own territory beside an area
    elsewhere = re.search(r"\b(?:ukrain|russia\b(?!['’]s\s+(?:ally|neighbou?r)))", location, re.I)
    if len(hits) == 1 and not elsewhere:
        return hits[0]
    return "around_ukraine"


def _place_in(quote: str) -> str | None:
    hits = [name for name, pattern in _AREAS if pattern.search(quote)]
    return hits[0] if len(hits) == 1 else None


def _flag(flags: tuple[str, ...], name: str) -> str | None:
    prefix = name + ":"
    return next((f.removeprefix(prefix) for f in flags if f.startswith(prefix)), None)


def victim_group(victims: str | None) -> str:
    """Whose dead: "civilians", "russian", "ukrainian" (one side's military or people), or
    "all". A side's soldiers and its people are one group: outlets write "137 soldiers" for
    what a president called "137 of our heroes, military and civilian"."""
    text = (victims or "").lower()
    civilian = re.search(
        r"civilian|children|residents|inhabitants|non-?combatant|youngsters|kids|minors", text
    )
    side = "russian" if "russia" in text else "ukrainian" if "ukrain" in text else None
    # each side's word for the other's soldiers: Kyiv's "occupiers", Moscow's "nationalists"
    if side is None and re.search(r"\b(?:occupiers|invaders|orcs|rashists)\b", text):
        side = "russian"
    elif side is None and re.search(r"\b(?:nationalists|neo-?nazis|banderites)\b", text):
        side = "ukrainian"
    if civilian:
        return "russian_civilians" if side == "russian" else "civilians"
    return side or "all"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def _casualty_period(claim: ExtractedClaim) -> str:
    flags = claim.flags
    when = claim.as_of.isoformat() if claim.as_of else "undated"
    if _flag(flags, "incident"):
        place = _flag(flags, "place")
        if place:
            return f"incident-{_slug(place)}-{when}"
        # An incident with no place named is its own fact: it meets only its own reports
        # (the same sentence in a republished story).
        digest = hashlib.blake2s(claim.quote.encode(), digest_size=4).hexdigest()
        return f"incident-{when}-{digest}"
    period = _flag(flags, "period")
    if period and period.startswith("day:"):
        place = _flag(flags, "place")
        return f"day-{period.removeprefix('day:')}" + (f"-{_slug(place)}" if place else "")
    if period and period.startswith("since:"):
        local = _jurisdiction(claim)
        return f"since-{period.removeprefix('since:')}" + (f"-{_slug(local)}" if local else "")
    if period and period.startswith("window:"):
        return f"last-{period.removeprefix('window:')}-{when}"
    current = period_at(claim.as_of)
    if current is None:
        return "undated"
    local = _jurisdiction(claim)
    return f"since-{current.id}" + (f"-{_slug(local)}" if local else "")


#: A local authority speaks for its own city or region: "the Mariupol city council",
#: "Kharkiv's governor", "the mayor of Mykolaiv", "the head of the Sumy regional administration",
#: "officials in Mariupol".
_LOCAL_AUTHORITY = re.compile(
    r"\b(?P<p>[A-Z][\w-]+)(?:['’]s)?\s+(?:city council|city hall|city administration|mayor|"
    r"(?:regional\s+)?governor|regional (?:military\s+)?administration|regional council|"
    r"oblast administration|(?:regional\s+)?police)\b"
    r"|\b(?:mayor|governor|city council)\s+of\s+(?:the\s+)?(?:city of\s+)?(?P<q>[A-Z][\w-]+)"
    r"|\b(?:head|chief)\s+of\s+(?:the\s+)?(?P<r>[A-Z][\w-]+)\s+(?:region|oblast|regional|city)\b"
    r"|\b(?:[Oo]fficials|[Aa]uthorities)\s+in\s+(?:the\s+)?(?:city of\s+)?(?P<s>[A-Z][\w-]+)"
)
_NOT_LOCAL = re.compile(
    r"^(?:ukraine|russia|belarus|the|un|nato|state|us|u\.s|national|federal|border|military|"
    r"interior|city|regional|local|general|ukrainian|russian|belarusian|european)$",
    re.I,
)


def _jurisdiction(claim: ExtractedClaim) -> str | None:
    """The city or region a local authority's running total is about (never a country)."""
    found = _LOCAL_AUTHORITY.search(f"{claim.speaker} {claim.speaker_phrase}")
    if found is not None:
        place = found.group("p") or found.group("q") or found.group("r") or found.group("s")
    else:
        # "In Mariupol alone, 1,207 civilians ...", "2,187 Mariupol residents"
        residents = [
            m for m in _RESIDENTS_OF.finditer(claim.quote)
            if m.group("n").replace(",", "") == str(claim.value)  # this figure's, not another's
        ]  # fmt: skip
        alone = _PLACE_ALONE.search(claim.quote) or (residents[0] if residents else None)
        if alone is None:
            return None
        place = alone.group("p")
    return None if _NOT_LOCAL.match(place) else place


#: A toll of one place's people: "at least 2,187 Mariupol residents".
_RESIDENTS_OF = re.compile(
    r"(?P<n>\d[\d,]*)\s+(?P<p>[A-Z][a-z][\w-]+)\s+(?:residents|inhabitants|citizens)\b"
)
#: A toll said to be one place's: "In Mariupol alone, ...", "in the city of Kharkiv alone".
_PLACE_ALONE = re.compile(
    r"\b[Ii]n\s+(?:the\s+(?:city|town|port|region)\s+of\s+)?(?P<p>[A-Z][\w-]+)\s+alone\b"
)


def scope_of(claim: ExtractedClaim) -> str:
    if claim.kind == ClaimKind.TROOP_COUNT.value:
        area = troop_area(claim.location or _place_in(claim.quote))
        branch = _flag(claim.flags, "branch")
        return f"{area}/{branch}" if branch else area
    if claim.kind == ClaimKind.DRILL_END_DATE.value:
        return "belarus_joint_drills"
    group = victim_group(claim.victims)
    part = _flag(claim.flags, "part")
    if (
        not part
        and group == "civilians"
        and re.search(r"\b(?:children|child|minors|kids|youngsters)\b", claim.victims or "", re.I)
    ):
        part = "children"  # "71 children had been killed": the children's toll, not all civilians'
    period = _casualty_period(claim)
    if period.startswith("incident-"):
        group = "all"  # the incident names the fact, whoever its victims are called
    if part:  # a sub-count ("21 killed, including nine civilians") is a fact of its own
        group = f"{group}-{_slug(part)}"
    return "/".join((claim.casualty_type or "killed", group, period))


# --- the words an editor reads ------------------------------------------------------------

_GROUP_WORDS = {
    "civilians": "civilians",
    "russian_civilians": "Russian civilians",
    "russian": "Russian military and people",
    "ukrainian": "Ukrainian military and people",
    "all": "people",
}
_TYPE_WORDS = {
    "killed": "killed",
    "wounded": "wounded",
    "killed_or_wounded": "killed or wounded",
    "missing": "missing",
}


def _day(iso: str) -> str:
    try:
        return date.fromisoformat(iso).strftime("%-d %b %Y")
    except ValueError:
        return iso


def describe(kind: str, scope: str) -> str:
    """A proposition in words: "Russian military and people killed since the invasion of
    24 Feb 2022", "troops in Belarus", "the joint drills' end date"."""
    if kind == ClaimKind.DRILL_END_DATE.value:
        return "end date of the Russia–Belarus joint drills"
    if kind == ClaimKind.TROOP_COUNT.value:
        area, _, branch = scope.partition("/")
        words = f"Russian troops {_AREA_WORDS.get(area, area)}"
        return f"{words} ({branch} forces)" if branch else words
    parts = scope.split("/")
    if len(parts) != 3:
        return scope
    casualty_type, group, period = parts
    base, _, part = group.partition("-")
    who = _GROUP_WORDS.get(base, base)
    if part:
        who = f"{who}: {part.replace('-', ' ')}"
    what = f"{who} {_TYPE_WORDS.get(casualty_type, casualty_type)}"
    if period.startswith("since-"):
        rest = period.removeprefix("since-")
        found = by_id(rest) or next(
            (p for p in periods() if rest.startswith(f"{p.id}-")), None
        )  # "since-invasion-2022-mariupol": a local authority's running total
        if found is None:
            return f"{what} {period}"
        place = rest.removeprefix(found.id).strip("-").replace("-", " ").title()
        return f"{what} {found.label}" + (f" in {place}" if place else "")
    if period.startswith("day-"):
        rest = period.removeprefix("day-")
        day, place = rest[:10], rest[11:]
        return f"{what} on {_day(day)}" + (
            f" in {place.replace('-', ' ').title()}" if place else ""
        )
    if period.startswith("incident-"):
        rest = period.removeprefix("incident-")
        match = re.match(
            r"(?P<place>.*?)-?(?P<day>\d{4}-\d{2}-\d{2}|undated)(?:-(?P<h>[0-9a-f]{8}))?$", rest
        )
        if match:
            place = match.group("place").replace("-", " ").title()
            at = f" in {place}" if place else ""
            return f"{what} in one incident{at} on {_day(match.group('day'))}"
    if period.startswith("last-"):
        return f"{what} in the {period.removeprefix('last-').replace('-', ' as of ', 1)}"
    return f"{what} ({period})"
