"""Origins: the party that asserts a claim. Corroboration counts origins, not outlets.

- An attributed claim's origin is the organisation behind its speaker (a small alias
  table, ``patterns/origins.json``: a spokesman to his ministry's government), or the
  speaker as written when the table does not know them.
- An unattributed claim's origin is the wire agency when the article is credited wire
  copy (AFP, Reuters, AP, dpa, Interfax, ...), else the origin of the earlier article it
  nearly duplicates (see ``pipeline.duplicates``), else its outlet.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any


@cache
def _table() -> dict[str, Any]:
    text = resources.files("pipeline").joinpath("patterns/origins.json").read_text("utf-8")
    return json.loads(text)


@cache
def _media_patterns() -> re.Pattern[str]:
    return re.compile(
        "|".join(
            p for entry in _table()["origins"] if entry.get("media") for p in entry["patterns"]
        ),
        re.IGNORECASE,
    )


def is_media(speaker: str) -> bool:
    """Whether ``speaker`` is a news outlet or agency named in the table."""
    return _media_patterns().search(speaker) is not None


@cache
def _origin_patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [
        (entry["origin"], re.compile("|".join(entry["patterns"]), re.IGNORECASE))
        for entry in _table()["origins"]
    ]


def known_origin(words: str) -> str | None:
    """The origin the table gives for ``words`` (a speaker, or the title and appositive
    that introduce one), or None."""
    if not words:
        return None
    for origin, pattern in _origin_patterns():
        if pattern.search(words):
            return origin
    return None


def same_party(a: str, b: str) -> bool:
    """Whether two speakers speak for the same known party ("Michael Carpenter" and "the
    US", "Stoltenberg" and "NATO")."""
    origin = known_origin(a)
    return origin is not None and origin == known_origin(b) and not is_media(a)


def origin_of_speaker(speaker: str) -> str:
    """The organisation behind ``speaker``; the speaker itself when unknown; "" for none."""
    if not speaker:
        return ""
    return known_origin(speaker) or speaker


#: "NBC, citing two unnamed Western officials": the party cited is the one asserting.
_CITING = re.compile(r"\b(?:citing|quoting|according to|via)\s+(?P<cited>[^)]+)", re.IGNORECASE)
#: Who passes a figure on without asserting it: a journalist's tweet, a live blog.
_RELAY = re.compile(
    r"\b(?:tweets?|post|posts|journalists?|reporters?|correspondents?|live (?:updates|blog|page)|"
    r"newsletter|podcast|broadcast|footage)\b",
    re.IGNORECASE,
)
_GENERIC = {
    "official", "officials", "officer", "officers", "ministry", "minister", "military", "army",
    "forces", "government", "authorities", "authority", "administration", "state", "office",
    "agency", "spokesman", "spokeswoman", "spokesperson", "source", "sources", "intelligence",
    "analyst", "analysts", "expert", "experts", "observers", "defense", "defence", "foreign",
    "senior", "top", "regional", "local", "the", "a", "an", "of", "its", "their", "his", "her",
    "two", "three", "several", "unnamed", "anonymous", "person", "people", "statement",
    "report", "data", "estimate", "estimates", "department", "command", "staff", "general",
    "head", "chief", "deputy", "adviser", "advisor", "aide", "representative", "service",
    "services", "council", "committee", "headquarters", "commander", "spokespeople", "team",
    "military's", "ministry's", "and", "for", "in", "on", "at", "with", "president", "prime",
    "chancellor", "governor", "mayor", "colonel", "major", "lieutenant", "secretary",
    "ambassador", "director", "minister's", "premier", "leader", "envoy", "rescuer", "witness",
    "resident", "residents", "doctor", "doctors", "medic", "press", "bureau", "desk", "update",
}  # fmt: skip


def is_generic(speaker: str) -> bool:
    """'defense ministry', 'a senior official', 'State Administration': a description that
    names no party by itself."""
    words = re.findall(r"[\w'’-]+", speaker.lower())
    return all(w in _GENERIC for w in words)


def resolve_origin(speaker: str, *, phrase: str = "", voice: str = "") -> str:
    """The party behind a claim: the origin the table gives for its speaker, or for the title
    and appositive the article introduces them with ("Rosemary DiCarlo, the United
    Nations' under secretary-general"); the party cited when the speaker only relays
    ("NBC, citing Western officials"); ``voice`` (the article's own origin) for the
    article's own voice, a relay, or a description that names no party ("officials") —
    never a new, independent origin that nobody named; else the speaker as written."""
    if not speaker:
        return voice
    cited = _CITING.search(speaker)
    if cited and not _RELAY.search(cited.group("cited")):
        return resolve_origin(cited.group("cited").strip(), voice=voice)
    known = known_origin(speaker)
    if known and not _RELAY.search(speaker):
        return known
    if _RELAY.search(speaker):
        return voice
    known = known_origin(phrase)
    if known:
        return known
    if is_generic(speaker):
        return voice
    return speaker


@cache
def _wire_patterns() -> list[tuple[str, str]]:
    return [
        (agency, "|".join(re.escape(name) for name in names))
        for agency, names in _table()["wire_agencies"].items()
    ]


@cache
def _wire_credits() -> list[tuple[str, re.Pattern[str], re.Pattern[str], re.Pattern[str]]]:
    """Per agency, compiled once: any of its names; its name in a byline; a credit line."""
    return [
        (
            agency,
            re.compile(rf"(?:{names})", re.IGNORECASE),
            re.compile(rf"\b(?:{names})\b", re.IGNORECASE),
            re.compile(
                rf"^(?:{names})(?:,\s*[A-Z][\w -]+)?,?$"  # a line that is only the agency
                rf"|^[A-Z][A-Za-z .'-]{{1,40}}\s*\((?:{names})\)\s*[-–—]"  # KYIV (Reuters) -
                rf"|\((?:{names})\)\s*$"  # ... (AFP)
                rf"|\b(?:with|via|from)\s+(?:{names})\.?$|\b(?:{names}) contributed",
                re.IGNORECASE | re.MULTILINE,
            ),
        )
        for agency, names in _wire_patterns()
    ]


_PICTURE_CREDIT = re.compile(r"^\(?(?:photo|image|picture|credit|video)\b", re.IGNORECASE)


def wire_credit(text: str, byline: str | None = None) -> str | None:
    """The wire agency an article credits as its source, if any.

    Credits: a byline ("By Jane Doe for AFP"), a line that is only the agency ("Reuters",
    "Reuters, Kyiv"), a dateline ("KYIV (Reuters) -"), or "with AFP" / "AFP contributed".
    A photo credit ("Photo: AFP") is not a credit for the text.
    """
    lines = [line.strip() for line in text.split("\n")[:60]]
    lines = [line for line in lines if not _PICTURE_CREDIT.match(line)]
    head = "\n".join(lines)
    for agency, named, in_byline, credit in _wire_credits():
        if byline and in_byline.search(byline):
            return agency
        if not named.search(head):  # not named at all: no line can credit it
            continue
        for line in lines:
            if credit.search(line) and _agency_case_ok(agency, line):
                return agency
    return _unlisted_agency(text, byline)


#: An agency the table does not know, credited the way agencies are: a dateline "MINSK, Feb
#: 10 (Meridian) -" or a byline "By Meridian Wire".
_DATELINE_AGENCY = re.compile(
    r"^[A-Z][A-Z .'’-]{1,40},?[ \t]*(?:[A-Z][a-z]{2,8}\.?[ \t]+\d{1,2}[ \t]*)?"
    r"\((?P<a>[A-Z][A-Za-z&'’-]*(?:[ \t]+[A-Z][A-Za-z&'’-]*){0,3})\)[ \t]*[-–—]",
    re.MULTILINE,
)
_BYLINE_AGENCY = re.compile(
    r"^(?:By[ \t]+)?(?P<a>[A-Z][\w&'’-]*(?:[ \t]+[A-Z][\w&'’-]*){0,3}[ \t]+(?:Wire|Newswire|"
    r"News Agency|Press Agency|Agency|News Service))[ \t]*$",
    re.MULTILINE,
)
_AGENCY_SUFFIX = re.compile(r"\s+(?:Wire|Newswire|News Agency|Press Agency|Agency|News Service)$")


def _unlisted_agency(text: str, byline: str | None) -> str | None:
    head = "\n".join(text.split("\n")[:40])
    for found in (_DATELINE_AGENCY.search(head), _BYLINE_AGENCY.search(byline or ""),
                  _BYLINE_AGENCY.search(head)):  # fmt: skip
        if found:
            # "Meridian Wire", "(Meridian)": one agency, named without its kind
            return _AGENCY_SUFFIX.sub("", found.group("a").strip())
    return None


def outlet_wire(outlet: str | None) -> str | None:
    """The agency an outlet's name credits: "Deccan Herald (Reuters)" -> Reuters."""
    if not outlet:
        return None
    found = re.search(r"\(([^)]{2,40})\)\s*$", outlet)
    return wire_credit(f"({found.group(1)})") if found else None


def _agency_case_ok(agency: str, line: str) -> bool:
    """Short names ("AP", "ANI", "RIA") count only in capitals: "ap" is not a credit."""
    return len(agency) > 4 or re.search(rf"\b{re.escape(agency)}\b", line) is not None


_SIDES = {"Russian government": "russian", "Ukrainian government": "ukrainian"}


def side_of_speaker(speaker: str) -> str | None:
    """The side of the war a speaker is on ("russian" / "ukrainian"), when their origin is
    one of the two governments: "its troops" in the Russian ministry's mouth are Russian."""
    return _SIDES.get(origin_of_speaker(speaker))
