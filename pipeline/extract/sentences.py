"""Sentences of a normalised article, with their character offsets in its text."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import spacy
from spacy.language import Language


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    start: int  # offset in the article's normalised text
    end: int
    paragraph: int
    index: int  # position in the article


@cache
def segmenter() -> Language:
    """A rule-based sentence splitter: spaCy's English tokenizer and sentencizer, no model."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def split_sentences(text: str) -> list[Sentence]:
    """Split on paragraph lines first, then into sentences within each paragraph."""
    sentences: list[Sentence] = []
    offset = 0
    paragraphs = text.split("\n")
    for number, doc in enumerate(segmenter().pipe(paragraphs)):
        for sent in doc.sents:
            stripped = sent.text.strip()
            if not stripped:
                continue
            start = offset + sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
            sentences.append(
                Sentence(stripped, start, start + len(stripped), number, len(sentences))
            )
        offset += len(paragraphs[number]) + 1
    return sentences
