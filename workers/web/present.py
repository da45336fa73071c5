"""How a claim reads on the desk: its figure in words, and where the figure sits in the quote."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pipeline.numbers import find_amounts


def figure(claim: Any) -> str:
    """The figure as an editor says it: "more than 100,000", "vague 24-99 killed",
    "2022-02-20", "drills extended (no date)"."""
    flags = str(claim.flags or "").split(",")
    if claim.value_date is not None:
        prefix = "after " if claim.qualifier == "more_than" else ""
        story = " (read from the story)" if "date_from_story" in flags else ""
        return f"{prefix}{claim.value_date.isoformat()}{story}"
    if claim.value is None:
        return "drills extended (no date)" if "extension" in flags else "(no figure)"
    qualifier = "" if claim.qualifier == "exact" else claim.qualifier.replace("_", " ") + " "
    high = f"-{claim.value_high:,}" if claim.value_high else ""
    what = f" {claim.casualty_type.replace('_', ' ')}" if claim.casualty_type else ""
    if claim.vague:
        return f"vague {claim.value:,}{high}{what}"
    return f"{qualifier}{claim.value:,}{high}{what}"


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")  # fmt: skip
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def figure_span(quote: str, claim: Any) -> tuple[int, int] | None:
    """Where the claim's figure is written in its quote (character offsets), or None when
    it cannot be told (a figure the quote gives in another form)."""
    if claim.value_date is not None:
        return _date_span(quote, claim.value_date)
    if claim.value is None:
        return None
    amounts = find_amounts(quote)
    for amount in amounts:
        if amount.value == claim.value and amount.value_high == claim.value_high:
            return amount.start, amount.end
    for amount in amounts:  # a range's low end, or a figure read with another qualifier
        if claim.value in (amount.value, amount.value_high):
            return amount.start, amount.end
    return None


def _date_span(quote: str, day: date) -> tuple[int, int] | None:
    month = _MONTHS[day.month - 1]
    month_word = rf"(?:{month}|{month[:3]}\.?)"
    ordinal = rf"{day.day}(?:st|nd|rd|th)?"
    patterns = (
        rf"\b{month_word}\s+{ordinal}\b(?:,?\s+\d{{4}})?",  # February 20(, 2022)
        rf"\b{ordinal}(?:\s+of)?\s+{month_word}\b(?:\s+\d{{4}})?",  # 20(th) (of) February
        rf"\b{day.isoformat()}\b",
        rf"\b{_WEEKDAYS[day.weekday()]}\b",  # "end on Sunday"
    )
    for pattern in patterns:
        match = re.search(pattern, quote, re.IGNORECASE)
        if match:
            return match.start(), match.end()
    return None


def quote_parts(quote: str, span: tuple[int, int] | None) -> tuple[str, str, str]:
    """The quote split around its figure (before, figure, after), for highlighting."""
    if span is None:
        return quote, "", ""
    start, end = span
    return quote[:start], quote[start:end], quote[end:]
