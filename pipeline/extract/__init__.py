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
from dataclasses import dataclass, replace
from datetime import date

from spacy.language import Language
from spacy.tokens import Span

from pipeline.extract.attribution import (
    AttributionContext,
    find_speaker,
    in_open_quote,
    needs_parse,
    note_intro,
    speaker_named_after,
    speaker_of_figure,
    speaker_phrase,
)
from pipeline.extract.casualties import casualty_findings, single_victims
from pipeline.extract.common import Finding, date_right_after, wire_day
from pipeline.extract.drills import drill_findings
from pipeline.extract.sentences import Sentence, split_sentences
from pipeline.extract.tolls import (
    TollContext,
    context_of,
    is_military,
    side_of_victims,
    statement_day,
    with_context,
    with_side,
)
from pipeline.extract.troops import troop_findings
from pipeline.numbers import Amount, find_amounts
from pipeline.origins import is_generic, same_party, side_of_speaker
from pipeline.propositions import victim_group
from pipeline.speakers import same_speaker
from schemas.enums import ClaimKind
from schemas.records import ExtractedClaim, NormalisedArticle

__all__ = ["extract_claims", "findings_in_sentence", "is_candidate"]


_ELLIPTICAL = re.compile(
    r"\b(?:estimate|estimates|figure|figures|count|tally|toll|number|numbers|total)\b[^.;:]{0,25}"
    r"\b(?:is|was|are|were|stands at|stood at|at|of|put at)\s+(?:also\s+|now\s+|still\s+)?$",
    re.IGNORECASE,
)


#: "...; Moscow says 498", "Kyiv puts it at 9,000": a second figure given for the same
#: fact by another party, with no noun of its own.
_SAYS_BARE = re.compile(
    r"(?:[;,]|\band|\bwhile|\bbut|\bwhereas)\s+(?:the\s+)?[A-Z][\w'’.-]*(?:\s+[\w'’.-]+){0,4}?\s+"
    r"(?:says|said|puts it at|put it at|estimates|counts|claims|(?:gave|gives|put|puts|cited|offered)"
    r"\s+(?:a|the|its|their)?\s*(?:figure|toll|number|estimate|count)\s+(?:of|at))\s*$"
    r"|\b(?:up|down)\s+from\s*$"
)


#: "An earlier version of this story incorrectly said ...": the figure was withdrawn.
_RETRACTED = re.compile(
    r"\b(?:incorrectly|erroneously|wrongly|mistakenly|inaccurately)\s+(?:said|stated|reported|"
    r"gave|put|described|quoted|cited|attributed)\b|\b(?:misstated|misreported|misquoted)\b",
    re.IGNORECASE,
)
_UP_FROM = re.compile(r"\b(?:up|down|rising|risen|falling|fallen)\s+from\s*$", re.I)


def _toll_before(casualties: list[tuple[Amount, Finding]], start: int) -> bool:
    """Whether the figure before ``start`` in the sentence is a toll."""
    return any(amount.start < start for amount, _ in casualties)


#: A yes/no question asserts nothing ("Can you confirm that ...?", "Is it true that ...?").
_YES_NO_QUESTION = re.compile(
    r"^(?:[A-Z]{2,}:\s*)?(?:can|could|do|does|did|is|are|was|were|will|would|has|have|should)\s"
    r"[^?]*\?\s*$",
    re.IGNORECASE,
)


def _elliptical_in_sentence(
    text: str, amounts: list[Amount], found: list[Finding], reference: date | None = None
) -> list[Finding]:
    """Figures of the same kind as one found earlier in the sentence, given by another party
    in a clause of their own ("Kyiv says 9,000 Russian soldiers have died; Moscow says 498")."""
    taken = {f.at for f in found}
    out: list[Finding] = []
    for amount in amounts:
        earlier = [f for f in found if 0 <= f.at < amount.start and isinstance(f.value, int)]
        if amount.start in taken or not earlier or not amount.digits:
            continue
        head = re.sub(
            r"(?:about|around|some|nearly|almost|only|just)\s*$", "", text[: amount.start]
        )
        tail = text[amount.end :]
        if _SAYS_BARE.search(head) and re.match(
            # "up from 4,300 on Sunday", "down from 130,000 a week earlier"
            r"^\s*(?:[.;,)]|$|and\b|but\b|on\s+\w+|in\s+[A-Z]\w+|a (?:day|week) (?:earlier|before)"
            r"|last\s+\w+|the (?:day|week) before|yesterday|earlier)",
            tail,
        ):
            out.append(
                replace(
                    earlier[-1],
                    value=amount.value,
                    value_high=amount.value_high,
                    qualifier=amount.qualifier.value,
                    at=amount.start,
                    as_of=date_right_after(tail, reference),
                    flags=(*earlier[-1].flags, "elliptical"),
                )
            )
    return out


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
    if _YES_NO_QUESTION.search(text):
        return found  # "Can you confirm reports that 150,000 troops ...?": nobody asserts it
    if _RETRACTED.search(text):
        return found  # a correction's account of what was wrongly printed: nobody asserts it
    # "a soldier was killed": a single death written without a number
    ones = single_victims(text)
    casualties = casualty_findings(
        text, sorted([*amounts, *ones], key=lambda a: a.start), reference, context
    )
    casualty_starts = {amount.start for amount, _ in casualties}
    troops = [
        (amount, finding)
        for amount, finding in troop_findings(text, amounts, reference, context)
        if amount.start not in casualty_starts  # "498 of its troops have been killed"
        # "5,710 servicemen had been killed, up from 4,300 on Sunday": the toll's earlier value
        and not (_UP_FROM.search(text[: amount.start]) and _toll_before(casualties, amount.start))
    ]
    for _, finding in sorted([*casualties, *troops], key=lambda pair: pair[0].start):
        found.append(finding)
    found.extend(_elliptical_in_sentence(text, amounts, found, reference))
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
    # A wire story reprinted a day or two later speaks of its dateline's day.
    reference = wire_day(article.text, article.published) or article.published
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
    phrases = {s.index: speaker_phrase(s.index, speakers[s.index], ctx) for s in sentences}

    mentions = [
        Mention(sentence, finding, speaker_of_figure(sentence.text, finding.at, speaker))
        for sentence, findings, speaker in zip(sentences, per_sentence, speakers, strict=True)
        for finding in findings
    ]
    mentions = read_tolls_across_article(mentions)
    mentions = _fold_extensions(mentions)
    named = _named_by_figure(mentions)
    claims: list[ExtractedClaim] = []
    seen: dict[tuple[object, ...], list[str]] = {}
    for mention in mentions:
        finding, speaker = mention.finding, mention.speaker
        # One claim per figure per speaker, at its first mention ("Zelensky: 137 killed"
        # in the headline and "..., President Volodymyr Zelensky said" are one claim).
        key = (finding.kind, finding.value, finding.value_high)
        earlier = seen.setdefault(key, [])
        if any(same_speaker(speaker, other) or same_party(speaker, other) for other in earlier):
            continue
        earlier.append(speaker)
        claims.append(
            replace(
                _claim(finding, mention.sentence, speaker, reference, _claimant(mention, named)),
                # the sentence's words for its speaker, not for another clause's speaker
                speaker_phrase=phrases.get(mention.sentence.index, "")
                if speaker and speaker == speakers[mention.sentence.index]
                else "",
            )
        )
    return claims


@dataclass(frozen=True, slots=True)
class Mention:
    """One figure at one place in the article, with who says it there."""

    sentence: Sentence
    finding: Finding
    speaker: str

    @property
    def figure(self) -> tuple[object, ...]:
        return (self.finding.kind, self.finding.value, self.finding.value_high)


def read_tolls_across_article(mentions: list[Mention]) -> list[Mention]:
    """A toll's period, incident, place and side, read from every mention of it.

    - The same figure mentioned twice is one toll: a headline's "two soldiers killed" takes
      "in shelling ... in the past 24 hours" from the body's mention of the same figure.
    - A toll whose words name neither victims nor a period ("Some 498 have died") is about
      the toll the article last spoke of.
    - "its troops", "our heroes": the speaker's own side.
    """
    kind = ClaimKind.CASUALTY_COUNT.value
    tolls = [m for m in mentions if m.finding.kind == kind]
    named = _named_by_figure(mentions)
    by_figure: dict[tuple[object, ...], TollContext] = {}
    victims_of: dict[tuple[object, ...], str] = {}
    for m in tolls:
        context = context_of(m.finding.flags, m.finding.as_of)
        by_figure[m.figure] = by_figure.get(m.figure, TollContext()).merged(context)
        if side_of_victims(m.finding.victims) and m.figure not in victims_of:
            victims_of[m.figure] = str(m.finding.victims)
    out: list[Mention] = []
    previous: Finding | None = None
    previous_at = -10
    for m in mentions:
        if m.finding.kind != kind:
            out.append(m)
            continue
        finding = m.finding
        context = context_of(finding.flags, finding.as_of).merged(by_figure[m.figure])
        victims = victims_of.get(m.figure) if side_of_victims(finding.victims) is None else None
        victims = victims or finding.victims
        if previous is not None and finding.victims is None:
            # "Some 498 have died": the victims of the toll the article was speaking of,
            # and its period when the sentence gives none
            before = context_of(previous.flags, previous.as_of)
            if context.period is None:
                context = context.merged(before)
            else:
                context = context.merged(TollContext(side=before.side))
            victims = previous.victims
        elif (
            previous is not None
            and m.sentence.index - previous_at <= 2
            and context.period is None
            and not context.incident
            and _same_victims(finding.victims, previous.victims)
        ):
            # "He added that another 316 people had been wounded": the same toll's other half
            before = context_of(previous.flags, previous.as_of)
            context = context.merged(replace(before, incident=None, place=None, side=None))
            side = side_of_victims(previous.victims)
            if side and side_of_victims(victims) is None and victims in (None, "people"):
                victims = with_side("military", side).replace("military", "people")  # type: ignore[union-attr]
        if context.side == "enemy":  # the other side than the speaker's
            own = side_of_speaker(m.speaker or _claimant(m, named))
            enemy = {"russian": "ukrainian", "ukrainian": "russian"}.get(own or "")
            context = replace(context, side=enemy)
        elif context.side == "own" or (
            context.side is None and is_military(victims) and side_of_victims(victims) is None
        ):
            # "498 of its troops", or "almost 500 soldiers dead" in the Russian ministry's
            # words: the speaker's own side
            context = replace(context, side=side_of_speaker(m.speaker or _claimant(m, named)))
        victims = with_side(victims, context.side)
        finding = replace(
            finding,
            victims=victims,
            location=context.place or finding.location,
            as_of=finding.as_of or context.as_of,
            flags=with_context(finding.flags, context),
        )
        previous, previous_at = finding, m.sentence.index
        out.append(Mention(m.sentence, finding, m.speaker))
    return out


def _fold_extensions(mentions: list[Mention]) -> list[Mention]:
    """An article that reports the drills extended with no new date, and gives the date
    they were to end ("The drills, which were to end on Sunday, will continue"), makes one
    claim: the scheduled date, flagged ``extended`` (its own report overtakes it). With an
    explicit "extended past D" in the article, the undated reports add nothing."""
    kind = ClaimKind.DRILL_END_DATE.value
    drills = [m for m in mentions if m.finding.kind == kind]
    undated = [m for m in drills if "extension" in m.finding.flags and m.finding.value is None]
    dated = [m for m in drills if m.finding.value is not None]
    if not undated or not dated:
        return mentions
    explicit = any(m.finding.qualifier == "more_than" for m in dated)
    out = []
    for m in mentions:
        if m in undated:
            continue
        if m in dated and not explicit and m.finding.qualifier == "exact":
            m = Mention(
                m.sentence, replace(m.finding, flags=(*m.finding.flags, "extended")), m.speaker
            )
        out.append(m)
    return out


def _same_victims(mine: str | None, before: str | None) -> bool:
    """Whether a toll with no period of its own may be the other half of the one before it:
    its victims are unnamed ("another 316 people"), or the same group."""
    if mine in (None, "people") or before is None:
        return True
    return victim_group(mine) == victim_group(before)


def _named_by_figure(mentions: list[Mention]) -> dict[tuple[object, ...], str]:
    """Each figure's first speaker that names a party (one pass over the article)."""
    named: dict[tuple[object, ...], str] = {}
    for m in mentions:
        if m.speaker and m.figure not in named and not is_generic(m.speaker):
            named[m.figure] = m.speaker
    return named


def _claimant(mention: Mention, named: dict[tuple[object, ...], str]) -> str:
    """Who a figure is from when its mention says it only vaguely: the article's own voice,
    or a description that names nobody ("Defence ministry: Russia has 127,000 troops"), while
    the article attributes the same figure elsewhere to a party it names ("Ukraine's
    defence ministry said ... 127,000"). ``named``: ``_named_by_figure`` of the article."""
    if mention.speaker and not is_generic(mention.speaker):
        return ""
    return named.get(mention.figure, "")


def _claim(
    finding: Finding, sentence: Sentence, speaker: str, reference: date | None, claimant: str = ""
) -> ExtractedClaim:
    return ExtractedClaim(
        claimant=claimant,
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
        as_of=finding.as_of or statement_day(sentence.text, reference) or reference,
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
            in_open_quote(text[paragraph_start : sentence.start]) or sentence.text[:1] in '\u201c"«'
        )
        if not inside:
            continue
        before = sentences[i - 1] if i > 0 else None
        if (
            before is not None
            and before.paragraph == sentence.paragraph
            and speakers[i - 1]
            and (
                re.search('\\s[\u201c"«]$', before.text)  # 'said. "' then the quotation
                or sentence.text[:1] in "\u201c«"
            )
        ):
            # "'More than 100,000 troops are there,' the official said. 'A hundred thousand
            # soldiers don't go camping.'": the quotation goes on after its attribution
            speakers[i] = speakers[i - 1]
            continue
        paragraph_end = text.find("\n", sentence.end)
        rest = text[sentence.end : paragraph_end if paragraph_end >= 0 else len(text)]
        # a quotation left open at the end of its paragraph goes on in the next one
        runs_on = not re.search('[\u201d»"]', sentence.text[1:] + rest)
        for j in range(i + 1, len(sentences)):
            if sentences[j].paragraph != sentence.paragraph and not (
                runs_on and sentences[j].paragraph == sentences[j - 1].paragraph + 1
            ):
                break
            named = speaker_named_after(sentences[j].text)
            if named:  # "'...' So said Matilda Bogner, head of the U.N. mission."
                speakers[i] = named
                break
            if speakers[j]:
                speakers[i] = speakers[j]
                break
