"""Sentences of a normalised article, with their character offsets in its text."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import spacy
from spacy.language import Language

from pipeline.extract.lexicon import SPANS_KEY, cue_ruler


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    start: int  # offset in the article's normalised text
    end: int
    paragraph: int
    index: int  # position in the article
    cues: frozenset[str] = frozenset()  # labels of the cue patterns found in it


@cache
def segmenter() -> Language:
    """Rules only, no model: spaCy's English tokenizer, its sentencizer, and the cue
    patterns (``lexicon.cue_ruler``) that mark what each sentence mentions."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return cue_ruler(nlp)


#: Paragraphs are cut into pieces of at most this many characters before spaCy sees them
#: (its tokenizer refuses texts over a million characters and slows down long before).
MAX_PIECE = 20_000
#: A "sentence" longer than this is not prose (a run-on dump, a table): it is cut at
#: white space so that no rule ever runs on an unbounded string.
MAX_SENTENCE = 2_000


def _pieces(paragraph: str, limit: int) -> list[tuple[int, str]]:
    """(offset, piece) cuts of ``paragraph`` no longer than ``limit``, at a sentence end
    when there is one, else at white space, else anywhere."""
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(paragraph) - start > limit:
        window = paragraph[start : start + limit]
        cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "))
        cut = cut + 2 if cut > limit // 2 else window.rfind(" ") + 1
        if cut <= 0:
            cut = limit
        pieces.append((start, paragraph[start : start + cut]))
        start += cut
    pieces.append((start, paragraph[start:]))
    return pieces


def split_sentences(text: str) -> list[Sentence]:
    """Split on paragraph lines first, then into sentences within each paragraph."""
    sentences: list[Sentence] = []
    jobs: list[tuple[int, int, str]] = []  # (paragraph number, offset in text, piece)
    offset = 0
    for number, paragraph in enumerate(text.split("\n")):
        for piece_offset, piece in _pieces(paragraph, MAX_PIECE):
            jobs.append((number, offset + piece_offset, piece))
        offset += len(paragraph) + 1
    docs = segmenter().pipe(piece for _, _, piece in jobs)
    for (number, piece_start, _), doc in zip(jobs, docs, strict=True):
        labels: dict[int, set[str]] = {}
        for span in doc.spans[SPANS_KEY]:
            labels.setdefault(doc[span.start].sent.start, set()).add(span.label_)
        for sent in doc.sents:
            stripped = sent.text.strip()
            if not stripped:
                continue
            cues = frozenset(labels.get(sent.start, ()))
            start = piece_start + sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
            for cut_offset, cut in _pieces(stripped, MAX_SENTENCE):
                body = cut.strip()
                if body:
                    begin = start + cut_offset + (len(cut) - len(cut.lstrip()))
                    sentences.append(
                        Sentence(body, begin, begin + len(body), number, len(sentences), cues)
                    )
    return sentences
