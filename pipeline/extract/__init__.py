"""Claim extraction: a normalised article in, typed claims with provenance out.

Cue patterns (spaCy span-ruler patterns in ``patterns/cues.jsonl``) mark every sentence;
the extractors' rules run over the sentences marked with an amount, a date, drills or an
extension; the statistical model (when one is configured) parses only the sentences that
hold a candidate figure and whose speaker the rules leave open, in one batch, to help
attribution.
The result keeps one claim per (kind, value, upper value, speaker), at its first mention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from spacy.language import Language
from spacy.tokens import Span

from pipeline.extract.attribution import (
    AttributionContext,
    find_speaker,
    in_open_quote,
    needs_parse,
    note_intro,
)
from pipeline.extract.casualties import casualty_findings
from pipeline.extract.common import Finding
from pipeline.extract.drills import drill_findings
from pipeline.extract.sentences import Sentence, split_sentences
from pipeline.extract.troops import troop_findings
from pipeline.numbers import find_amounts
from pipeline.speakers import same_speaker
from schemas.records import ExtractedClaim, NormalisedArticle

__all__ = ["extract_claims", "findings_in_sentence", "is_candidate"]


_ELLIPTICAL = re.compile(
    r"\b(?:estimate|estimates|figure|figures|count|tally|toll|number|numbers|total)\b[^.;:]{0,25}"
    r"\b(?:is|was|are|were|stands at|stood at|at|of|put at)\s+(?:also\s+|now\s+|still\s+)?$",
    re.IGNORECASE,
)


def findings_in_sentence(
    text: str, reference: date | None, context: str = "", previous: Finding | None = None
) -> list[Finding]:
    """Every claim-shaped figure in one sentence (no attribution, no de-duplication).

    ``context`` is the text just before the sentence; ``previous`` the last figure found
    there, which an elliptical estimate refers back to ("Ukraine's estimate is also
    around 6,000").
    """
    amounts = find_amounts(text)
    found: list[Finding] = []
    casualties = casualty_findings(text, amounts, reference)
    casualty_starts = {amount.start for amount, _ in casualties}
    troops = [
        (amount, finding)
        for amount, finding in troop_findings(text, amounts, reference)
        if amount.start not in casualty_starts  # "498 of its troops have been killed"
    ]
    for _, finding in sorted([*casualties, *troops], key=lambda pair: pair[0].start):
        found.append(finding)
    found.extend(drill_findings(text, context, reference))
    if not found and previous is not None and previous.value is not None:
        for amount in amounts:
            if _ELLIPTICAL.search(text[: amount.start]) and isinstance(previous.value, int):
                found.append(
                    replace(
                        previous,
                        value=amount.value,
                        value_high=amount.value_high,
                        qualifier=amount.qualifier.value,
                        as_of=None,
                        flags=(*previous.flags, "elliptical"),
                    )
                )
                break
    return found


#: A sentence is worth the extractors' rules only when the cue patterns mark an amount, a
#: date, drills or an extension in it (``patterns/cues.jsonl``).
CANDIDATE_CUES = frozenset({"number", "date_words", "drill_nouns", "extension_words"})


def is_candidate(sentence: Sentence) -> bool:
    return not CANDIDATE_CUES.isdisjoint(sentence.cues)


def extract_claims(article: NormalisedArticle, nlp: Language | None = None) -> list[ExtractedClaim]:
    """The claims of ``article``. ``nlp`` (a statistical pipeline) is optional."""
    reference = article.published
    sentences = split_sentences(article.text)
    per_sentence: list[list[Finding]] = []
    for i, sentence in enumerate(sentences):
        if not is_candidate(sentence):
            per_sentence.append([])
            continue
        context = " ".join(s.text for s in sentences[max(0, i - 2) : i])
        previous = per_sentence[-1][-1] if per_sentence and per_sentence[-1] else None
        per_sentence.append(findings_in_sentence(sentence.text, reference, context, previous))

    # The model parses only the sentences that hold a figure and whose speaker the rules
    # leave open while a reporting verb is there to find a subject for.
    parsed = _parse_candidates(
        nlp,
        [s for s, f in zip(sentences, per_sentence, strict=True) if f and needs_parse(s.text)],
    )
    ctx = AttributionContext()
    speakers: list[str] = []
    for sentence in sentences:
        note_intro(sentence, ctx)
        speakers.append(find_speaker(sentence, ctx, parsed.get(sentence.index)))
    _carry_quotes(sentences, speakers, article.text)

    claims: list[ExtractedClaim] = []
    seen: dict[tuple[object, ...], list[str]] = {}
    for sentence, findings, speaker in zip(sentences, per_sentence, speakers, strict=True):
        for finding in findings:
            # One claim per figure per speaker, at its first mention ("Zelensky: 137 killed"
            # in the headline and "..., President Volodymyr Zelensky said" are one claim).
            key = (finding.kind, finding.value, finding.value_high)
            earlier = seen.setdefault(key, [])
            if any(same_speaker(speaker, other) for other in earlier):
                continue
            earlier.append(speaker)
            claims.append(_claim(finding, sentence, speaker, reference))
    return claims


def _claim(
    finding: Finding, sentence: Sentence, speaker: str, reference: date | None
) -> ExtractedClaim:
    return ExtractedClaim(
        kind=finding.kind,
        value=finding.value,
        value_high=finding.value_high,
        qualifier=finding.qualifier,
        vague=finding.vague,
        casualty_type=finding.casualty_type,
        victims=finding.victims,
        location=finding.location,
        speaker=speaker,
        quote=sentence.text,
        start=sentence.start,
        end=sentence.end,
        as_of=finding.as_of or reference,
        flags=finding.flags,
    )


def _parse_candidates(nlp: Language | None, sentences: Iterable[Sentence]) -> dict[int, Span]:
    """Parse the candidate sentences in one batch; nothing when there is no parser."""
    if nlp is None or not ({"parser", "ner"} & set(nlp.pipe_names)):
        return {}
    todo = list(sentences)
    docs = nlp.pipe([s.text for s in todo], batch_size=64)
    return {s.index: doc[:] for s, doc in zip(todo, docs, strict=True)}


def _carry_quotes(sentences: list[Sentence], speakers: list[str], text: str) -> None:
    """A quotation over several sentences: its unattributed sentences take the speaker named
    where it closes ("'... 137 of our heroes. 316 were wounded,' Zelensky said.")."""
    for i, sentence in enumerate(sentences):
        if speakers[i]:
            continue
        paragraph_start = text.rfind("\n", 0, sentence.start) + 1
        inside = (
            in_open_quote(text[paragraph_start : sentence.start]) or sentence.text[:1] in '\u201c"'
        )
        if not inside:
            continue
        for j in range(i + 1, len(sentences)):
            if sentences[j].paragraph != sentence.paragraph:
                break
            if speakers[j]:
                speakers[i] = speakers[j]
                break
