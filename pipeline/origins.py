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
def _origin_patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [
        (entry["origin"], re.compile("|".join(entry["patterns"]), re.IGNORECASE))
        for entry in _table()["origins"]
    ]


def origin_of_speaker(speaker: str) -> str:
    """The organisation behind ``speaker``; the speaker itself when unknown; "" for none."""
    if not speaker:
        return ""
    for origin, pattern in _origin_patterns():
        if pattern.search(speaker):
            return origin
    return speaker


@cache
def _wire_patterns() -> list[tuple[str, str]]:
    return [
        (agency, "|".join(re.escape(name) for name in names))
        for agency, names in _table()["wire_agencies"].items()
    ]


def wire_credit(text: str, byline: str | None = None) -> str | None:
    """The wire agency an article credits as its source, if any.

    Credits: a byline ("By Jane Doe for AFP"), a line that is only the agency ("Reuters",
    "Reuters, Kyiv"), a dateline ("KYIV (Reuters) -"), or "with AFP" / "AFP contributed".
    A photo credit ("Photo: AFP") is not a credit for the text.
    """
    for agency, names in _wire_patterns():
        if byline and re.search(rf"\b(?:{names})\b", byline, re.IGNORECASE):
            return agency
        credit = re.compile(
            rf"^(?:{names})(?:,\s*[A-Z][\w -]+)?,?$"  # a line that is only the agency
            rf"|^[A-Z][A-Za-z .'-]{{1,40}}\s*\((?:{names})\)\s*[-–—]"  # KYIV (Reuters) -
            rf"|\((?:{names})\)\s*$"  # ... (AFP)
            rf"|\b(?:with|via|from)\s+(?:{names})\.?$|\b(?:{names}) contributed",
            re.IGNORECASE | re.MULTILINE,
        )
        for line in text.split("\n")[:60]:
            stripped = line.strip()
            if re.match(r"^\(?(?:photo|image|picture|credit|video)\b", stripped, re.IGNORECASE):
                continue
            if credit.search(stripped) and _agency_case_ok(agency, stripped):
                return agency
    return None


def _agency_case_ok(agency: str, line: str) -> bool:
    """Short names ("AP", "ANI", "RIA") count only in capitals: "ap" is not a credit."""
    return len(agency) > 4 or re.search(rf"\b{re.escape(agency)}\b", line) is not None
