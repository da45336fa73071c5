"""The periods a cumulative toll runs over (``patterns/periods.json``), for the story being
tracked: the Donbas war since 2014, the invasion since 24 February 2022. Data, not code: a
newsroom following another story edits the file."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Period:
    id: str
    label: str  # "since the invasion of 24 Feb 2022": how an editor reads it
    start: date
    cues: tuple[str, ...]


@cache
def periods() -> tuple[Period, ...]:
    text = resources.files("pipeline").joinpath("patterns/periods.json").read_text("utf-8")
    return tuple(
        Period(p["id"], p["label"], date.fromisoformat(p["start"]), tuple(p["cues"]))
        for p in json.loads(text)["periods"]
    )


@cache
def _cue_pattern(period_id: str) -> re.Pattern[str]:
    period = next(p for p in periods() if p.id == period_id)
    cues = sorted(period.cues, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(c) for c in cues) + r")\b", re.I)


def period_by_cue(text: str) -> Period | None:
    """The period ``text`` names by one of its cues; the earliest-starting when several do
    ("the conflict since 2014" names the Donbas war, even in a text about the invasion)."""
    for period in sorted(periods(), key=lambda p: p.start):
        if _cue_pattern(period.id).search(text):
            return period
    return None


def period_starting_near(start: date | None, year: int | None = None) -> Period | None:
    """The period that began within two days of ``start`` ("since February 24"), or in
    ``year`` ("since 2014")."""
    for period in periods():
        if start is not None and abs((start - period.start).days) <= 2:
            return period
        if year is not None and period.start.year == year:
            return period
    return None


def period_at(day: date | None) -> Period | None:
    """The latest period that had begun by ``day``: what a toll with no period of its own
    runs over."""
    if day is None:
        return None
    started = [p for p in periods() if p.start <= day]
    return max(started, key=lambda p: p.start) if started else None


def by_id(period_id: str) -> Period | None:
    return next((p for p in periods() if p.id == period_id), None)
