"""The extractors' word lists, loaded once from ``patterns/lexicon.json``."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any


@cache
def lexicon() -> dict[str, Any]:
    data = resources.files("pipeline.extract").joinpath("patterns/lexicon.json").read_text("utf-8")
    return json.loads(data)


def words(name: str) -> list[str]:
    return list(lexicon()[name])


@cache
def alternation(name: str) -> str:
    """A regex alternation of a word list, longest first, each term escaped."""
    return _alternation(tuple(words(name)))


def _alternation(terms: tuple[str, ...]) -> str:
    return "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))


@cache
def casualty_alternation(name: str, casualty_type: str) -> str:
    return _alternation(tuple(lexicon()[name][casualty_type]))
