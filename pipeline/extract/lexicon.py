"""The extractors' cue phrases: spaCy span-ruler patterns, loaded once from
``patterns/cues.jsonl``.

Every line is a pattern for spaCy's ``span_ruler``: a phrase (matched on lower case) or a
token pattern, under a label that names the cue ("troop_nouns", "casualty_words" with the
casualty type as its id, "reporting_verbs", ...). Two things read them:

- :func:`cue_ruler` adds them to a spaCy pipeline, which marks every cue in a sentence;
  the extractor reads those marks to decide which sentences are candidates at all;
- the context rules of the extractors read the phrases of a label as a word list
  (:func:`words`, :func:`alternation`), so one file holds each wording once.

Rules are data: add a wording to the file, not to the code.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from spacy.language import Language
from spacy.pipeline import SpanRuler

SPANS_KEY = "cues"


@cache
def patterns() -> tuple[dict[str, Any], ...]:
    text = resources.files("pipeline.extract").joinpath("patterns/cues.jsonl").read_text("utf-8")
    return tuple(json.loads(line) for line in text.splitlines() if line.strip())


def words(label: str, id: str | None = None) -> list[str]:
    """The phrases of a label (of one id of it, when given)."""
    return list(_phrases(label, id))


@cache
def _phrases(label: str, id: str | None) -> tuple[str, ...]:
    # Cached: the rules ask for word lists on every sentence.
    found = tuple(
        p["pattern"]
        for p in patterns()
        if p["label"] == label
        and isinstance(p["pattern"], str)
        and (id is None or p.get("id") == id)
    )
    if not found:
        raise KeyError(f"no phrases labelled {label!r}{f' with id {id!r}' if id else ''}")
    return found


def ids(label: str) -> list[str]:
    """The ids under a label, in file order ("killed", "wounded", ... for casualty_words)."""
    return list(dict.fromkeys(p["id"] for p in patterns() if p["label"] == label and "id" in p))


@cache
def alternation(label: str, id: str | None = None) -> str:
    """A regex alternation of a label's phrases, longest first, each escaped."""
    terms = sorted(words(label, id), key=len, reverse=True)
    return "|".join(re.escape(t) for t in terms)


def cue_ruler(nlp: Language) -> Language:
    """Add a ``span_ruler`` with every cue pattern to ``nlp``; the matches land in
    ``doc.spans["cues"]``, labelled. Works on ``spacy.blank("en")``."""
    ruler: SpanRuler = nlp.add_pipe(  # type: ignore[assignment]
        "span_ruler",
        name="cues",
        config={"spans_key": SPANS_KEY, "phrase_matcher_attr": "LOWER", "validate": True},
    )
    ruler.add_patterns(list(patterns()))
    return nlp
