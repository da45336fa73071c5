"""Who asserts a figure: the speaker as written, or "" for the article's own voice.

Rules over the sentence's words (they work on ``spacy.blank("en")``), in order of trust:
an inverted "..., said X", a trailing "..., X said", "according to X", a headline
"X: ..." or "X says ...", a leading "X said/estimates/accused ...", "X's estimate", and
"he/she/it said" resolved to the last named speaker. When a parsed Doc is available the
subject of a reporting verb fills the gaps the patterns leave. A quotation that runs over
several sentences takes the speaker named where it closes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from spacy.tokens import Span

from pipeline.extract.lexicon import alternation, words
from pipeline.extract.sentences import Sentence

_OPEN_QUOTES = '\u201c\u2018"«'
_CLOSE_QUOTES = '\u201d\u2019"»'
_TIME_TAIL = re.compile(
    r"\s+(?:on|last|this|late|early)?\s*(?:monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|today|yesterday|tonight|earlier|later|recently|in a statement|in a report)\b.*$",
    re.IGNORECASE,
)


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    # "Kyiv Says ..." in a headline too; not an adjective ("an estimated 130,000", "the
    # reported figure") and not "claimed the lives of 300".
    verbs = (
        rf"(?<!\ban\s)(?<!\ba\s)(?<!\bthe\s)"
        # nor a passive ("the number is estimated at 130,000"): its subject is no speaker
        rf"(?<!\bis\s)(?<!\bare\s)(?<!\bwas\s)(?<!\bwere\s)(?<!\bbeen\s)(?<!\bbe\s)"
        rf"(?i:{alternation('reporting_verbs')})"
        r"(?![^.,;:\u201c\u201d\"]{0,40}\blives\b)"
    )
    aux = r"(?:(?:has|have|had|now|also|later|previously|earlier|then|on \w+)\s+)*"
    speaker = (
        # "the ministry", "Ukraine's military", or "defence ministry spokesman Igor K."
        # (not a conjunction: in "..., while Moscow insists ..." Moscow speaks for its clause)
        r"(?P<s>(?:the\s+[\w'’-]|[A-Z\u201c\"]|(?!(?:while|and|but|as|although|though|because|"
        r"since|when|where|whereas|which|who|that|so|if|after|before|even|yet|or|nor|with|"
        r"according|citing)\b)"
        r"(?:[a-z][\w'’-]*\s+){1,4}(?=[A-Z]))"
        r"[^,;:\u201c\u201d\"()]*?"
        r"(?:\([^)]*\)[^,;:\u201c\u201d\"]*?)?)"
    )
    name = r"[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){1,3}"
    return {
        "inverted": re.compile(
            rf"[,\u201d\"]\s*(?:{verbs})\s+(?!(?:on|in|at|that|this|last|late|early|today|"
            rf"yesterday|it|he|she|they|we|i|earlier|later|recently)\b)"
            rf"(?P<s>[^,;.]*?[A-Z][^,;.]*?)(?:,|\.|$)"
        ),
        "trailing": re.compile(
            rf"[,\u201d\"\u2014–-]\s*{speaker}\s+{aux}(?:{verbs})\b[^\u201c\"]*$"
        ),
        "according": re.compile(
            # "according to U.S. officials": a full stop after a capital is an abbreviation
            r"\baccording to (?P<s>(?:[^,;.\u201c\u201d\"]|(?<=\b[A-Z])\.)+?)"
            r"(?:,|(?<!\b[A-Z])\.|;|$|\s+(?:on|in)\s)",
            re.IGNORECASE,
        ),
        "named_appositive": re.compile(
            # "Igor Konashenkov, a spokesman for the Russian Defence Ministry, said ..."
            rf"(?:^|[,\u201d\"\u2014]\s*)(?P<s>{name}),\s+(?:a|an|the|who|whose|one)\b"
            rf"[^,;\u201c\u201d\"]{{2,90}},\s+{aux}(?:{verbs})\b"
        ),
        "colon": re.compile(
            r"^(?P<s>[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|of|the|for|and|de|von|'s)){0,5})\s*:\s+\S"
        ),
        "appositive": re.compile(rf"(?:^|,\s*)[^,]{{2,90}},\s+(?P<s>{name}),\s+{aux}(?:{verbs})\b"),
        "leading": re.compile(rf"^{speaker}\s+{aux}(?:{verbs})\b"),
        # "..., but Ukraine says more than 4,300 ...": the clause that holds the figure
        "clause": re.compile(
            rf"[,;]\s*(?:but|while|whereas|and|yet)\s+"
            rf"(?P<s>(?:the\s+)?(?:[A-Z][^,;:\u201c\u201d\"()]{{0,60}}?|(?!(?:has|have|had|is|are|was|were|will|would|could|may|might|also|then|later|"
            rf"it|he|she|they|we|i|you|this|that)\b)[a-z][\w'’-]+(?:\s+[a-z][\w'’-]+){{0,2}}))"
            rf"\s+{aux}(?:{verbs})\b(?=[^.;]*\d)"
        ),
        "possessive": re.compile(
            r"(?P<s>[A-Z][\w.' ]{1,40}?)['’]s?\s+(?:own\s+)?(?:estimate|figures?|count|tally|data)\b"
        ),
        "pronoun": re.compile(
            rf"(?:^|[,\u201d\"]\s*)(?P<p>he|she|it|they|the (?:ministry|military|office|agency|report|statement))\s+{aux}(?:{verbs})\b",
            re.IGNORECASE,
        ),
    }


_SOURCE_NOUNS = (
    r"statement|statements|report|reports|estimate|estimates|figures|data|count|tally|"
    r"assessment|briefing|analysis|calculations|sources"
)


@dataclass
class AttributionContext:
    """What attribution remembers across the sentences of one article."""

    last_speaker: str = ""
    people: dict[str, str] = field(default_factory=dict)  # surname -> first form written
    intro_speaker: str = ""  # a line ending in ":" that introduces what follows
    named: list[str] = field(default_factory=list)  # every speaker named so far, in order
    by_sentence: dict[int, str] = field(default_factory=dict)


def clean_speaker(raw: str) -> str:
    """Trim a speaker phrase to the speaker as written: no article, no time, no title."""
    text = raw.strip().strip("\u201c\u201d\"'").strip()
    text = _TIME_TAIL.sub("", text).strip()
    text = re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.IGNORECASE)
    # "a statement from the White House" is the White House; "U.S. estimates" the U.S.
    text = re.sub(
        rf"^(?:(?:new|latest|recent|preliminary|official)\s+)?(?:{_SOURCE_NOUNS})\s+"
        r"(?:from|by|of|issued by|released by)\s+(?:the\s+)?",
        "", text, flags=re.IGNORECASE,
    )  # fmt: skip
    text = re.sub(
        rf"^(?P<who>[A-Z][^\s]*(?:\s+[A-Z][^\s]*)*?)(?:['’]s?)?\s+(?:{_SOURCE_NOUNS})$",
        r"\g<who>", text,
    )  # fmt: skip
    text = re.sub(
        r"\s+(?:meanwhile|also|however|now|previously|reportedly|earlier|later|too|then|itself)\b",
        "", text, flags=re.IGNORECASE,
    )  # fmt: skip
    text = re.sub(r"\s+(?:in|at|from)\s+[A-Z][\w]+$", "", text)  # "Stoltenberg said in Brussels"
    text = re.sub(r"['’]s?$", "", text.strip())
    name = _name_after_title(text)
    cleaned = (name or text).strip(" ,")
    # a final full stop ends the sentence, not "U.S." or "U.N."
    return cleaned if re.search(r"\b[A-Z]\.[A-Z]\.$", cleaned) else cleaned.rstrip(" .")


def _name_after_title(text: str) -> str | None:
    """'NATO Secretary General Jens Stoltenberg' -> 'Jens Stoltenberg'."""
    titles = alternation("title_words")
    if re.search(r"\bgeneral staff\b", text, re.IGNORECASE):
        return None  # "the General Staff" is an institution, not General Staff
    matches = list(re.finditer(rf"\b(?:{titles})\b", text, re.IGNORECASE))
    if not matches:
        return None
    match = matches[-1]
    rest = text[match.end() :].strip(" ,")
    rest = re.sub(r"^(?:of|to|for)\b.*?(?=\b[A-Z][a-z]+ [A-Z][a-z]+$)", "", rest)
    if re.fullmatch(r"(?:[A-Z][\w'’.-]+\s*){1,3}", rest):
        return rest
    if rest == "":
        return None
    trailing = re.search(r"(?:[A-Z][a-z][\w'’-]*\s+){1,2}[A-Z][a-z][\w'’-]*$", rest)
    return trailing.group(0) if trailing else None


_ORGANISATION = re.compile(
    r"\b(?:ministry|office|agency|military|army|forces|staff|government|council|command|"
    r"service|department|mission|committee|organi[sz]ation|un|u\.n\.|nato|kremlin)\b",
    re.IGNORECASE,
)


def _antecedent(anaphor: str, ctx: AttributionContext) -> str:
    """Who 'he', 'she' or 'the office' refers back to: the last speaker named whose kind
    fits ('the office' -> 'the UN human rights office', 'he' -> a person), else the last
    speaker named."""
    word = anaphor.lower().removeprefix("the ").strip()
    for earlier in reversed(ctx.named):
        if word in ("he", "she"):
            if not _ORGANISATION.search(earlier):
                return earlier
        elif word in ("it", "they") or re.search(rf"\b{re.escape(word)}\b", earlier, re.I):
            return earlier
    return ctx.last_speaker


def _is_anaphor(speaker: str) -> bool:
    """'he', 'the ministry': a reference back to the last named speaker, not a name."""
    anaphors = {re.sub(r"^the ", "", w) for w in words("speaker_pronouns")}
    return re.sub(r"^the ", "", speaker.lower()) in anaphors


def _is_plausible(speaker: str) -> bool:
    if not speaker or len(speaker) > 120 or len(speaker.split()) > 14:
        return False
    lowered = speaker.lower()
    if re.search(r"\b(?:not|never)\b|n['’]t\b", lowered):
        return False  # "the ministry has not disclosed ...": a report withheld, not made
    if lowered in {"it", "this", "that", "there", "which", "who", "what", "he", "she", "they"}:
        return False
    return not any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in words("not_speakers"))


def needs_parse(text: str) -> bool:
    """Whether the parser could name a speaker the rules do not: no rule matched, and a
    reporting verb is there for the parse to hang a subject on. (A pronoun may refer back
    to nobody yet, so it does not settle the question.)"""
    found, _ = _rule_speaker(text)
    if found:
        return False
    return re.search(rf"\b(?:{alternation('reporting_verbs')})\b", text, re.I) is not None


def find_speaker(sentence: Sentence, ctx: AttributionContext, parsed: Span | None = None) -> str:
    """The speaker of ``sentence`` ("" for the article's own voice); updates ``ctx``."""
    found, pronoun = _rule_speaker(sentence.text)
    if not found and pronoun:
        found = _antecedent(pronoun.group("p"), ctx)
    if not found and parsed is not None:
        found = _speaker_from_parse(parsed)
    if not found and ctx.intro_speaker:
        found = ctx.intro_speaker
    found = _expand_surname(found, ctx)
    if found and found != ctx.last_speaker and not pronoun:
        ctx.last_speaker = found
        ctx.named.append(found)
    ctx.by_sentence[sentence.index] = found
    return found


@lru_cache(maxsize=1024)
def _rule_speaker(text: str) -> tuple[str, re.Match[str] | None]:
    """The speaker the patterns name in ``text`` ("" if none), and a pronoun that refers
    back ("he said"), if any."""
    pats = _patterns()
    found = ""
    pronoun = pats["pronoun"].search(text)
    for name in (
        "named_appositive", "clause", "inverted", "trailing", "according", "colon",
        "appositive", "leading", "possessive",
    ):  # fmt: skip
        match = pats[name].search(text)
        if not match:
            continue
        if name == "trailing" and pronoun and pronoun.start() >= match.start():
            break
        candidate = clean_speaker(match.group("s"))
        if _is_plausible(candidate) and not _is_anaphor(candidate):
            found = candidate
            break
    return found, pronoun


_FULL_NAME = re.compile(r"(?:[A-Z][a-z][\w'’-]*\s+){1,2}(?P<surname>[A-Z][a-z][\w'’-]+)")


def _expand_surname(speaker: str, ctx: AttributionContext) -> str:
    """A person keeps the form the article first wrote: 'Stoltenberg' after 'Jens
    Stoltenberg' is 'Jens Stoltenberg'; after a headline 'Zelensky:', 'President Volodymyr
    Zelensky' stays 'Zelensky'."""
    full = _FULL_NAME.fullmatch(speaker)
    if full:
        return ctx.people.setdefault(full.group("surname"), speaker)
    if re.fullmatch(r"[A-Z][a-z][\w'’-]+", speaker):
        return ctx.people.setdefault(speaker, speaker)
    return speaker


def note_intro(sentence: Sentence, ctx: AttributionContext) -> None:
    """A short line ending in ':' ("Russia's ministry of defence:") speaks for what follows."""
    text = sentence.text
    if text.endswith(":") and len(text.split()) <= 8:
        ctx.intro_speaker = clean_speaker(text[:-1])
    elif len(text.split()) > 12:
        ctx.intro_speaker = ""


def _speaker_from_parse(span: Span) -> str:
    """The subject of the reporting verb that governs the sentence, from the parser."""
    verbs = set(words("reporting_verbs"))
    for token in span:
        if token.pos_ not in ("VERB", "AUX") or token.text.lower() not in verbs:
            continue
        if any(c.dep_ == "dobj" and c.lower_ in ("life", "lives") for c in token.children):
            continue  # "fighting has claimed the lives of 13,000": not a report
        verb = token
        # "Moscow is planning ... and has indicated that": a conjoined verb shares the subject.
        while verb.dep_ == "conj" and not any(c.dep_.startswith("nsubj") for c in verb.children):
            verb = verb.head
        for child in verb.children:
            if child.dep_ == "nsubj" and child.pos_ in ("PROPN", "NOUN"):  # not a passive
                subtree = list(child.subtree)
                phrase = span.doc[subtree[0].i : subtree[-1].i + 1].text
                speaker = clean_speaker(phrase)
                if _is_plausible(speaker):
                    return speaker
    return ""


def in_open_quote(paragraph_before: str) -> bool:
    """Whether text that follows ``paragraph_before`` sits inside an unclosed quotation."""
    opens = sum(paragraph_before.count(q) for q in "\u201c\u00ab")
    closes = sum(paragraph_before.count(q) for q in "\u201d\u00bb")
    straight = paragraph_before.count('"')
    return opens > closes or straight % 2 == 1
