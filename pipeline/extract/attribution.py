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

from pipeline.extract.common import MONTHS
from pipeline.extract.lexicon import alternation, words
from pipeline.extract.sentences import Sentence
from pipeline.origins import is_generic, is_media, known_origin

_GUILLEMETS = str.maketrans({"«": "\u201c", "»": "\u201d"})
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
        # nor a noun: "the latest American estimate is ...", "the report of"
        r"(?!\s+(?:is|was|are|were|of)\b)"
    )
    aux = (
        r"(?:(?:has|have|had|now|also|later|previously|earlier|then|on \w+|still|just|again|"
        r"first|last week|this week|(?:has|have)\s+(?:now\s+)?|"
        r"(?:was|were|is|are)(?=\s+(?:claiming|saying|reporting|estimating|insisting|warning|"
        r"telling|putting)\b))\s+)*"
    )
    # verbs that may come before their subject ("..., said the ministry"); not "put", "estimates"
    said = (
        r"said|says|adds|added|told|tells|stated|states|wrote|writes|announced|announces|noted|"
        r"notes|claimed|claims|reported|reports|informed|informs|emphasized|emphasised|stressed|"
        r"declared|explained|insisted|confirmed|warned|tweeted|posted|continued|concluded|"
        # calques of translated copy: "..., recalled the Kremlin", "..., specified the ministry"
        r"recalled|reiterated|assured|affirmed|specified|indicated|clarified|underlined|"
        r"pointed out"
    )
    speaker = (
        # "the ministry", "Ukraine's military", or "defence ministry spokesman Igor K."
        # (not a conjunction: in "..., while Moscow insists ..." Moscow speaks for its clause)
        r"(?P<s>(?:the\s+[\w'’-]|[A-Z\u201c\"]|(?=(?:[a-z][\w'’-]*\s+){0,3}"
        r"(?:officials?|administration|council|governor|mayor|ministry|military|police|"
        r"authorities|spokes(?:man|woman|person)|prosecutors?|rescuers?|sources|analysts|"
        r"experts|observers|diplomats|commanders?|witness(?:es)?|residents?|doctors?|medics?|"
        r"workers|staff|volunteers|nurses|surgeons|paramedics|eyewitnesses|activists|monitors|"
        r"investigators|lawmakers|legislators)\s+"
        r"(?:has\s+|have\s+|now\s+)?(?:said|says|say|told|added|reported|announced|confirmed|"
        r"estimated|recorded|counted|put|puts|gave)\b)|(?!(?:while|and|but|as|although|though|because|"
        r"since|when|where|whereas|which|who|that|so|if|after|before|even|yet|or|nor|with|"
        r"according|citing)\b)"
        r"(?:[a-z][\w'’-]*\s+){1,4}(?=[A-Z]))"
        r"[^,;:\u201c\u201d\"()]*?"
        r"(?:\([^)]*\)[^,;:\u201c\u201d\"]*?)?)"
    )
    name = r"[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){1,3}"
    return {
        "inverted": re.compile(
            rf"[,\u201d\"]\s*(?:{said})\s+(?!(?:on|in|at|that|this|last|late|early|today|"
            rf"yesterday|it|he|she|they|we|i|earlier|later|recently)\b)"
            rf"(?P<s>[^,;.]*?[A-Z][^,;.]*?|(?:the\s+)?(?:[\w-]+\s+){{0,3}}?(?:ministry|military|office|agency|"
            rf"report|statement|army|government|council|administration|mission|service|staff|"
            rf"officials|authorities|governor|mayor|police))"
            # a name in apposition closes the phrase: "said the head of the service, Serhiy D."
            rf"(?:,\s+(?P<s2>[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){{1,2}})\s*[.]?\s*$|,|\.|$)"
        ),
        "trailing": re.compile(
            rf"(?:[,\u201d\"]|(?:^|\s)[\u2014–-])\s*{speaker}\s+{aux}(?:{verbs})\b"
            # "..., a ministry official told reporters, "and after that ..."
            rf"(?:[^\u201c\"]*$|[^\u201c\".]*,\s*(?:(?:citing|quoting|adding|saying|referring to)\s+)?[\u201c\"].*$"
            rf"|[^\u201c\"]*?[.!?]\s*[\u201c\"].*$)"
        ),
        # "CNN reported, citing U.S. officials", "quotes the governor as saying"
        "citing": re.compile(
            r"\b(?:citing|quoting|quotes|quoted|cites|cited)\s+(?!by\b)"
            r"(?P<s>(?:the\s+)?(?:[^,;.()\u201c\u201d\"]|(?<=\b[A-Z])\.)+?)"
            r"(?:\s+as\s+(?:saying|stating|telling|reporting)\b|,|(?<!\b[A-Z])\.|;|\)|$)",
            re.IGNORECASE,
        ),
        # "The number, cited by a Western diplomat who briefed reporters, was 130,000": who
        # cites a figure gives it (but "an official quoted by a newspaper" is the official's)
        "cited_by": re.compile(
            r"\b(?:cited|given|offered|put forward)\s+by\s+(?P<s>(?:the\s+|a\s+|an\s+)?[^,;.()]+?)"
            r"(?:\s+(?:who|which|that)\b|,|\.|;|$)"
        ),
        # "They run Feb 10 through Feb 20, per Minsk"; "by the data of the General Staff"
        "per": re.compile(
            r"(?:,\s*|\(|^|\bas\s+)per\s+(?:(?:the\s+)?(?:estimates?|figures|data|reports?)\s+of\s+)?"
            r"(?P<s>(?:the\s+)?[A-Z][^,;.()]*)"
            r"|\b(?:by|according to|based on)\s+(?:the\s+)?(?:data|figures|information|estimates?|count)\s+"
            r"(?:of|from|by)\s+(?P<s2>(?:the\s+)?[^,;.]+?)(?:,|\.|;|$)",
            re.IGNORECASE,
        ),
        "according": re.compile(
            # "according to U.S. officials": a full stop after a capital is an abbreviation
            r"\baccording to (?P<s>(?:[^,;.\u201c\u201d\"]|(?<=\b[A-Z])\.)+?)"
            r"(?:,|(?<!\b[A-Z])\.|;|$|\s+(?:on|in)\s)",
            re.IGNORECASE,
        ),
        "named_appositive": re.compile(
            # "Igor Konashenkov, a spokesman for the Russian Defence Ministry, said ..."
            rf"(?:^|[,\u201d\"\u2014]\s*)(?P<s>{name}),\s+(?:a|an|the|who|whose|one|[A-Z][\w.'’-]*['’]s|"
            rf"[a-z][\w'’-]+)\b"
            rf"[^,;\u201c\u201d\"]{{2,90}},\s+{aux}(?:{verbs})\b"
        ),
        "colon": re.compile(
            r"^(?P<s>[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|of|the|for|and|de|von|'s|[a-z][\w'’-]*)){0,6})"
            r"\s*(?:\([^)]{1,40}\)\s*)?:\s+\S"
        ),
        "appositive": re.compile(rf"(?:^|,\s*)[^,]{{2,90}},\s+(?P<s>{name}),\s+{aux}(?:{verbs})\b"),
        "leading": re.compile(rf"^{speaker}\s+{aux}(?:{verbs})\b"),
        # "..., but Ukraine says more than 4,300 ...": the clause that holds the figure
        "clause": re.compile(
            rf"[,;]\s*(?:but|while|whereas|and|yet|where|as)\s+"
            rf"(?P<s>(?:the\s+)?(?:[A-Z][^,;:\u201c\u201d\"()]{{0,60}}?|(?!(?:has|have|had|is|are|was|were|will|would|could|may|might|also|then|later|"
            rf"it|he|she|they|we|i|you|this|that)\b)[a-z][\w'’-]+(?:\s+[a-z][\w'’-]+){{0,2}}))"
            rf"\s+{aux}(?:{verbs})\b(?=[^.;]*\d)"
        ),
        "possessive": re.compile(
            r"(?P<s>[A-Z][\w.' ]{1,40}?)['’]s?\s+(?:(?:own|latest|new|newest|updated|official|"
            r"previous|earlier|revised|only|first|last|final|current|preliminary|public)\s+)*(?:estimate|figures?|count|tally|data|claim|assessment)\b"
            # "The UN's confirmed civilian toll": a toll its keeper vouches for (not
            # "Ukraine's death toll", the toll of Ukrainians)
            r"|(?P<s4>[A-Z][\w.' ]{1,40}?)['’]s?\s+(?:own\s+)?(?:confirmed|verified|official|"
            r"latest|updated)\s+(?:[a-z]+\s+){0,2}?(?:toll|casualty count|death count)\b"
            # "the range of 169,000 to 190,000 that Washington gave the OSCE"
            r"|\b(?:range|estimate|figure|number|count|tally)\b[^.;]{0,40}?\bthat\s+"
            r"(?P<s6>(?:the\s+)?[A-Z][\w.'’ ]{1,30}?)\s+(?:gave|has given|had given|gives|released|"
            r"published|provided|offered|cited|put forward)\b"
            # "The US estimate was 100,000": a party's estimate named without "'s"
            r"|\b(?P<s5>(?:U\.?S\.?|UK|U\.K\.|UN|U\.N\.|NATO|EU|[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}))\s+"
            r"(?:estimate|figure|count|assessment|tally)\s+(?:is|was|stands|stood|puts|put|has been)\b"
            # "the highest estimate the US has given", "the figure Kyiv released"
            r"|\b(?:estimate|figure|number|count|tally)\s+(?:that\s+)?(?P<s2>(?:the\s+)?[A-Z][\w.' ]{1,30}?)\s+"
            r"(?:has|have|had)?\s*(?:given|released|published|provided|offered|cited)\b"
            # "tweeted the latest U.N. figures: 925 civilians killed"
            r"|\b(?:latest|new|official|updated|fresh)\s+(?P<s3>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,2})\s+"
            r"(?:figures|data|count|estimates?|tally|numbers)\b"
        ),
        # "is estimated by Ukrainian military intelligence at", "as first reported by X"
        "by": re.compile(
            r"\b(?:estimated|put|counted|assessed|given|confirmed|verified|documented|recorded|"
            r"(?:first\s+)?reported|released|published|compiled)\s+by\s+(?P<s>(?:the\s+)?[^,;.\u201c\u201d\"]+?)"
            r"(?:\s+(?:at|to be|as|on|in)\b|,|(?<!\b[A-Z])\.|;|$)",
            re.IGNORECASE,
        ),
        # "By most Western estimates, ...", "by US reckoning", "by Kyiv's count"
        "by_estimate": re.compile(
            r"\b[Bb]y\s+(?:(?:most|some|all|one|its|their|the)\s+)?"
            r"(?P<s>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,2})(?:['’]s)?\s+"
            r"(?:own\s+|latest\s+|official\s+)?(?:estimates?|reckoning|counts?|tally|figures|assessments?)\b"
        ),
        # "Data from the Prosecutor General's Office show", "Figures released by X show"
        "data_from": re.compile(
            r"\b(?:data|figures|statistics|numbers|estimates|records)\s+(?:from|released by|published by|"
            r"compiled by|of|by)\s+(?P<s>(?:the\s+)?[^;.\u201c\u201d\"]+?),?\s+(?:show|shows|showed|"
            r"suggest|suggests|indicate|indicates|put|puts)\b",
            re.IGNORECASE,
        ),
        # "Belarus drills to end 20 February as planned — Minsk": a headline's source
        "dash_source": re.compile(
            r"\s(?:[\u2014\u2013]|-(?=\s))\s*(?P<s>(?!(?:"
            + MONTHS
            + r")\b)[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})"
            r"\s*$"
        ),
        # "150,000+ (US estimate)", "~30k Russian troops involved (NATO est.)"
        "bracket_source": re.compile(
            r"\d[\d,.]*(?:k|\+)?(?:\s+[\w-]+){0,4}\s*\((?:per\s+|source:\s*|according to\s+)?"
            r"(?P<s>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})"
            r"(?:\s+(?:estimates?|est\.?|figures?|data|count|assessment|intelligence))?"
            r"(?:,\s*[^()]{1,25})?\)"  # "(OHCHR, 1 March)"
            # a fact box's label with its source: "Civilian deaths (UN): 406"
            r"|\((?:per\s+|source:\s*)?(?P<s2>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})"
            r"(?:\s+(?:estimates?|est\.?|figures?|data|count|assessment))?\)\s*:\s*[~≈]?\s*\d"
        ),
        # "The Russian force, which British officials estimate at 100,000, ..."
        "which_estimate": re.compile(
            r"\b(?:which|that)\s+(?P<s>(?:the\s+)?[\w'’.-]+(?:\s+[\w'’.-]+){0,4}?)\s+"
            r"(?:estimates?|estimated|puts?|believes?|counts?|counted|assesses|assessed|says?|said)\s+"
            r"(?:it\s+)?(?:at|is|are|to be|to number|numbers?)\b"
        ),
        # "The death toll ... was put at 36 by emergency services"
        "put_at_by": re.compile(
            r"\b(?:put|estimated|given|set|raised|revised)\s+at\s+[\d,.]+\s+by\s+"
            r"(?P<s>(?:the\s+)?[^,;.\u201c\u201d\"]+?)(?:\s+(?:on|in|at|as|after)\b|,|(?<!\b[A-Z])\.|;|$)"
        ),
        # "Two U.S. officials, speaking on condition of anonymity, said"
        "leading_aside": re.compile(
            rf"^{speaker},\s+[^,;\u201c\u201d\"]{{2,100}},\s+{aux}(?:{verbs})\b"
        ),
        # "Ukraine's border guard service has given a far lower figure, about 9,000 ..."
        "gives_figure": re.compile(
            rf"^{speaker}\s+{aux}(?:given|gave|gives|offered|offers|cited|cites|released|"
            r"published|provided)\s+(?:a|an|the|its|their|his|her)?\s*(?:[\w-]+\s+){0,3}?"
            r"(?:figure|estimate|number|count|tally|toll)\b"
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
    phrase_by_sentence: dict[int, str] = field(default_factory=dict)
    phrases: dict[str, str] = field(default_factory=dict)  # speaker -> words that placed them
    interviewee: str = ""  # the person an interview's "A:" answers are from


_RELAY_TAIL = re.compile(
    r",?\s+(?:obtained|seen|reviewed|shared(?:\s+exclusively)?|first reported|leaked|provided|"
    r"given|quoted|cited|interviewed)\s+(?:by|with|to|in)\b.*$",
    re.IGNORECASE,
)
_LEADING_ADVERBIAL = re.compile(
    r"^(?:so far|meanwhile|however|now|still|also|earlier|later|separately|in (?:a|its|his|her) "
    r"statement|on \w+(?: \w+)?|last (?:week|month|night)|this (?:week|month))\s*,?\s+",
    re.IGNORECASE,
)


def clean_speaker(raw: str) -> str:
    """Trim a speaker phrase to the speaker as written: no article, no time, no title."""
    text = raw.strip().strip("\u201c\u201d\"'").strip()
    text = _RELAY_TAIL.sub("", text)  # "a report obtained by CNN" is the report's
    text = _LEADING_ADVERBIAL.sub("", text)
    text = _TIME_TAIL.sub("", text).strip()
    text = re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.IGNORECASE)
    # "a statement from the White House" is the White House; "U.S. estimates" the U.S.
    text = re.sub(
        rf"^(?:(?:new|latest|recent|preliminary|official|intelligence|internal)\s+){{0,3}}(?:{_SOURCE_NOUNS})\s+"
        r"(?:from|by|of|issued by|released by)\s+(?:the\s+)?",
        "", text, flags=re.IGNORECASE,
    )  # fmt: skip
    text = re.sub(
        rf"^(?P<who>[A-Z][^\s]*(?:\s+[A-Z][^\s]*)*?)(?:['’]s?\s+(?:(?:new|latest|recent|own|"
        rf"preliminary|official|intelligence|internal)\s+){{0,3}}|\s+(?:(?:new|latest|recent|"
        rf"preliminary|official)\s+)?)(?:{_SOURCE_NOUNS})$",
        r"\g<who>", text,
    )  # fmt: skip
    text = re.sub(
        r"\s+(?:meanwhile|also|however|now|previously|reportedly|earlier|later|too|then|itself)\b",
        "", text, flags=re.IGNORECASE,
    )  # fmt: skip
    placed = re.match(r"^(?P<who>.+?)\s+(?:in|at|from)\s+[A-Z][\w]+$", text)
    if placed and not is_generic(placed.group("who")):
        text = placed.group("who")  # "Stoltenberg said in Brussels"; not "officials in Ukraine"
    text = re.sub(r"['’]s?$", "", text.strip())
    # "UK Defence Intelligence update:", "Ministry of Defence briefing": who issued it
    text = re.sub(
        r"^(?P<who>(?:\S+\s+){0,5}?\S+)\s+(?:update|briefing|bulletin|assessment)$", r"\g<who>", text,
        flags=re.IGNORECASE,
    )  # fmt: skip
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
    if ctx.last_speaker or word in ("he", "she", "it", "they"):
        return ctx.last_speaker
    return f"the {word}"  # "..., the ministry said" with no ministry named before: as written


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
    if lowered in {
        "it", "this", "that", "there", "which", "who", "what", "he", "she", "they", "we", "i",
        "you", "our",
    } or speaker == "us":  # fmt: skip
        return False
    if re.match(
        r"(?:despite|unlike|like|contrary|against|amid|after|before|over|about|without|"
        r"for|from|by|of|on|in|at|as|with|when|if|while|according|near|around|along|across|"
        r"inside|outside|into|within|between|among|since|until|during|throughout|beyond|"
        r"under|toward|towards)\b",
        lowered,
    ):
        return False  # "despite Moscow's claims": not a speaker
    if re.search(
        r"\b(?:strike|strikes|shelling|attack|attacks|blast|explosion|bombing|raid|"
        r"toll|dead|killed|death|deaths|fatalities|casualties|losses)\b",
        lowered,
    ):
        return False  # "Mykolaiv Strike: 12 Dead": a headline's topic, not who speaks
    if re.fullmatch(
        r"(?:anchor|reporter|correspondent|host|guest|presenter|update|breaking|"
        r"live|watch|read more|editor's note|analysis|opinion|chyron|caption)",
        lowered,
    ):
        return False  # a transcript's or a live page's label is the outlet's own voice
    if re.search(r"\b(?:would|will|is|are|was|were|be|been|has|have|had)\b", lowered):
        return False  # a clause, not a name: "the active phase ... would be held at"
    if re.match(r"(?:cited|quoted|given|offered|provided|reported)\s+by\b", lowered) or re.search(
        r"\b(?:who|which|that)$", lowered
    ):
        return False  # "cited by a Western diplomat who ...": a clause, not a name
    if re.match(r"(?:what|how|why|where|when|here['’]s|here is)\b", lowered) or re.search(
        r"\b(?:we|we['’]re|we['’]ll|i['’]m|you)\b", lowered
    ):
        return False  # "What we're watching this week:": the outlet's own voice
    if re.match(r"(?:our|this newspaper|this paper|this outlet)\b", lowered):
        return False  # "Our reporter at the morgue counted": the article's own voice
    if (
        known_origin(speaker)
        and not is_media(speaker)
        and re.search(
            r"\b(?:report|reports|estimates?|assessment|intelligence|figures|update|data|tally)$",
            lowered,
        )
    ):
        return True  # "a Ukrainian intelligence report", "OHCHR update": a party's own
    if re.search(r"\b(?:region|oblast|district|overnight|today|morning|evening|update)$", lowered):
        return False  # "Odesa region: 2 killed", "Rubizhne overnight: ...": a place or a time
    return _not_speakers().search(lowered) is None


@cache
def _not_speakers() -> re.Pattern[str]:
    return re.compile(rf"\b(?:{alternation('not_speakers')})\b")


def needs_parse(text: str) -> bool:
    """Whether the parser could name a speaker the rules do not: no rule matched, and a
    reporting verb is there for the parse to hang a subject on. (A pronoun may refer back
    to nobody yet, so it does not settle the question.)"""
    found, _ = _rule_speaker(text)
    if found:
        return False
    return re.search(rf"\b(?:{alternation('reporting_verbs')})\b", text, re.I) is not None


#: An interview's turns: "Q: How many ...?", "A: According to our intelligence, ..."
_QUESTION = re.compile(r"^\s*(?:Q|Question)\s*[:.]\s*")
_ANSWER = re.compile(r"(?:^|(?<=[?.!])\s+)\s*(?:A|Answer)\s*:\s+")
#: A transcript's turn: "JOHN KIRBY, PENTAGON PRESS SECRETARY: We continue to see ..."
_TRANSCRIPT_TURN = re.compile(
    r"^\s*(?P<name>[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+){1,3})(?:\s*,\s*[A-Z][^:]{2,80})?:\s"
)
_FIRST_PERSON = re.compile(r"^(?:our|my|we|us|i)\b", re.IGNORECASE)


def _turn_speaker(text: str, ctx: AttributionContext) -> tuple[str, str] | None:
    """The speaker of an interview's answer or a transcript's turn, and the words after the
    label; None when the sentence is neither."""
    answer = _ANSWER.search(text)
    if answer:  # the answerer, unless the answer names its own source
        return ctx.interviewee, text[answer.end() :]
    turn = _TRANSCRIPT_TURN.match(text)
    if turn and not re.fullmatch(r"[A-Z]+", turn.group("name")):
        return turn.group("name").title(), text[turn.end() :]
    return None


def find_speaker(sentence: Sentence, ctx: AttributionContext, parsed: Span | None = None) -> str:
    """The speaker of ``sentence`` ("" for the article's own voice); updates ``ctx``."""
    turn = _turn_speaker(sentence.text, ctx)
    if turn is not None:
        own, _ = _rule_speaker(turn[1])
        found = own if own and not _FIRST_PERSON.match(own) else turn[0]
        ctx.by_sentence[sentence.index] = found
        ctx.phrase_by_sentence[sentence.index] = ""
        return found
    found, pronoun, phrase = _rule_speaker_and_phrase(sentence.text)
    if not found and phrase:
        # "..., said the ministry": the ministry named before, else the ministry as written
        found, phrase = _antecedent(phrase, ctx), ""
    if pronoun and (not found or is_relay(found)):
        # "The ministry announced 498 ..., according to a journalist's tweet": the ministry
        found, phrase = _antecedent(pronoun.group("p"), ctx), ""
    if not found and parsed is not None:
        found = _speaker_from_parse(parsed)
    if not found and ctx.intro_speaker:
        found = ctx.intro_speaker
    found = _expand_surname(found, ctx)
    if found and is_generic(found):
        found = _named_earlier(found, ctx)  # "defense ministry" after "Belarus' defense ministry"
    if found and phrase and known_origin(phrase) and found not in ctx.phrases:
        ctx.phrases[found] = phrase
    if found and found != ctx.last_speaker and not pronoun:
        ctx.last_speaker = found
        ctx.named.append(found)
    ctx.by_sentence[sentence.index] = found
    ctx.phrase_by_sentence[sentence.index] = phrase
    return found


def speaker_phrase(index: int, speaker: str, ctx: AttributionContext) -> str:
    """The words that introduce the speaker of sentence ``index``: its own when they tell
    whom the speaker speaks for, else those of the speaker's first introduction in the
    article ("DiCarlo said" after "Rosemary DiCarlo, the United Nations' ...")."""
    own = ctx.phrase_by_sentence.get(index, "")
    if known_origin(own):
        return own
    return ctx.phrases.get(speaker, own)


def _named_earlier(generic: str, ctx: AttributionContext) -> str:
    """The party named earlier that a bare description refers to: 'the defense ministry'
    after 'Belarus' defense ministry', 'officials' after 'US officials'."""
    head = re.findall(r"[a-z]+", generic.lower())[-1].rstrip("s")
    for earlier in reversed(ctx.named):
        introduced = f"{earlier} {ctx.phrases.get(earlier, '')}"
        if not is_generic(earlier) and re.search(rf"\b{re.escape(head)}", introduced, re.I):
            return earlier
    return generic


@lru_cache(maxsize=1024)
def _rule_speaker(text: str) -> tuple[str, re.Match[str] | None]:
    """The speaker the patterns name in ``text`` ("" if none), and a pronoun that refers
    back ("he said"), if any."""
    found, pronoun, _ = _rule_speaker_and_phrase(text)
    return found, pronoun


@lru_cache(maxsize=1024)
def _rule_speaker_and_phrase(text: str) -> tuple[str, re.Match[str] | None, str]:
    """The speaker, a pronoun that refers back, and the words that introduce the speaker
    (title and appositive: "Rosemary DiCarlo, the United Nations' under secretary-general").

    Every pattern is tried; the claimant wins over a relay: in "The ministry announced 498
    ..., according to a tweet from a journalist" and "U.S. officials estimate 130,000 ...,
    ABC News reports" the ministry and the officials assert, the journalist and the network
    pass it on. A relay or an outlet is the speaker only when nobody else is named."""
    pats = _patterns()
    # "12:51 UK defence secretary Ben Wallace: ...", "REPORTER: ..."; «guillemets» as quotes
    text = _LABEL.sub("", text).translate(_GUILLEMETS)
    pronoun = pats["pronoun"].search(text)
    candidates: list[tuple[str, str]] = []
    anaphors: list[str] = []
    for name in (
        "named_appositive", "clause", "inverted", "trailing", "colon", "citing", "cited_by",
        "according",
        "per", "by", "by_estimate", "data_from", "appositive", "leading", "leading_aside", "gives_figure",
        "possessive", "bracket_source", "dash_source", "which_estimate", "put_at_by",
    ):  # fmt: skip
        match = pats[name].search(text)
        if not match:
            continue
        if name == "trailing" and pronoun and pronoun.start() >= match.start():
            break
        group = (
            "s2"
            if name == "inverted" and match.group("s2")
            else next(
                g for g in ("s", "s2", "s3", "s4", "s5") if match.groupdict().get(g) is not None
            )
        )
        if name == "colon" and re.search(
            rf"\b(?:{alternation('reporting_verbs')})\b", match.group(group), re.I
        ):
            continue  # "Ukraine says Russia's losses are far higher: ..." is a sentence
        if name == "colon" and re.search(
            r"\b(?:troops|servicemen|soldiers|personnel|drills|exercises?|casualties|losses|toll|dead|"
            r"killed|wounded|deaths|when|where|what|who|my|our|dates?|duration|schedule|location|"
            r"participants|venue|time)\b|^[AQ]$",
            match.group(group),
            re.I,
        ):
            continue  # "Russian troops near Ukraine: 150,000+": a fact box's label, not a speaker
        candidate = clean_speaker(match.group(group))
        if name == "by_estimate" and not known_origin(candidate):
            continue  # "by most Western estimates": whose, only when the party is known
        if _is_anaphor(candidate):
            anaphors.append(candidate)
        if _is_plausible(candidate) and not _is_anaphor(candidate):
            # the speaker's own words, and what follows them up to the next clause
            phrase = text[match.start(group) : match.end(group)]
            # an appositive follows a name after the verb or in "according to": ", the
            # United Nations' under secretary-general"; before a verb there is none
            tail = (
                _APPOSITIVE_TAIL.match(text[match.end(group) :])
                if name in ("inverted", "named_appositive", "according", "citing", "per")
                else None
            )
            candidates.append((candidate, phrase + (tail.group(0) if tail else "")))
    if not candidates and ":" in text[:80] and not anaphors:
        # "Statement by the Spokesperson: The EU notes that ...": the speaker after the label
        rest = text.split(":", 1)[1]
        if rest.strip():
            return _rule_speaker_and_phrase(rest)
    if not candidates:
        # "..., said the ministry": a reference back, resolved by the caller
        return "", pronoun, anaphors[0] if anaphors else ""
    # a relay by its name or its title ("BBC correspondent Sarah Rainsford tweeted")
    claimants = [c for c in candidates if not is_relay(c[0]) and not _RELAY_WORDS.search(c[1][:60])]
    named = [c for c in claimants if not is_generic(c[0])]
    claimant = (named or claimants or candidates)[0]
    return claimant[0], pronoun, claimant[1]


#: What follows a speaker's name up to their verb or the claim: their title and appositive
#: (", director of the Defense Intelligence Agency, told Congress" -> the appositive).
_APPOSITIVE_TAIL = re.compile(
    r"(?:(?!\b(?:said|says|say|told|tells|tell|added|announced|stated|claimed|estimated|estimates|"
    r"reported|wrote|that|who|which)\b)[^;:\u201c\u201d\"]){0,120}"
)
#: A live page's time stamp or a transcript's label before the sentence proper.
_LABEL = re.compile(
    r"^(?:\s*(?:"
    r"[A-Z]{3,}(?:\s+[A-Z]{3,})?,\s+(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}\s*)?(?:\([^)]*\)\s*)?[-—–]"
    r"|\d{1,2}[:.]\d{2}(?:\s*(?:am|pm|gmt|utc|cet|et))?"
    r"|(?:update|updated|latest|breaking|reporter|correspondent|anchor|host|guest|presenter|live|"
    r"just in|developing|icymi|reminder|watch|read|listen|video|explainer|opinion|analysis)"
    r"(?:\s+\d{1,2}[:.]\d{2})?\s*:"
    r"|\[[^\]]{1,60}\]|@\w+\s*:"  # "[Embedded tweet] @desk:"
    r"|(?:to date|so far|in total|overall)\s*,"
    # a fronted time or linking adverbial: "By Thursday, ...", "Meanwhile, ..."
    r"|(?:by|on|since|late on|early on)\s+"
    r"(?!(?:\w+\s+)?(?:estimates?|counts?|reckoning|tally|figures|assessments?)\s*,)(?:\w+\s+)?\w+\s*,"
    r"|(?:earlier|later|meanwhile|separately|however|now|still)\s*,"
    r")\s*(?:[|—–-]\s*)?)+",
    re.IGNORECASE,
)


def is_relay(speaker: str) -> bool:
    """A journalist, a tweet, a live page or a news outlet: who passes a figure on."""
    return _RELAY_WORDS.search(speaker) is not None or is_media(speaker)


_RELAY_WORDS = re.compile(
    r"\b(?:tweets?|journalists?|reporters?|correspondents?|live (?:updates|blog|page)|"
    r"newsletter|podcast|broadcast|news agency|newspaper)\b",
    re.IGNORECASE,
)


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
    """A short line ending in ':' ("Russia's ministry of defence:") speaks for what follows;
    a titled name before an interview's questions is who answers them."""
    text = sentence.text
    if not (_QUESTION.match(text) or _ANSWER.match(text)):
        lead = re.match(r"^(?:[A-Z][\w.'’-]*\s+){2,7}", text)
        name = _name_after_title(lead.group(0).strip()) if lead else None
        if name:
            ctx.interviewee = name
            # "Defence Minister Oleksii Reznikov arrived in Brussels. He said ...": whom a
            # later "he" or "she" may refer back to, though he reported nothing here
            if not ctx.named or ctx.named[-1] != name:
                ctx.named.append(name)
    if text.endswith(":") and len(text.split()) <= 8:
        intro = clean_speaker(text[:-1])
        ctx.intro_speaker = intro if _is_plausible(intro) else ""
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


#: Where a sentence's clauses part: each may have its own speaker ("Kyiv says 9,000
#: Russian soldiers have died; Moscow says 498"; "Russia has 150,000 troops, but Kyiv says
#: 130,000"; "..., and the administration said last week that ...").
_CLAUSE_BREAK = re.compile(
    r";|,\s+(?:but|while|whereas|although|though|yet)\s+"
    r"|,\s+and\s+(?=(?:the\s+)?[\w'’.-]+(?:\s+[\w'’.-]+){0,4}\s+(?:said|says|announced|added|"
    r"claimed|estimated|reported|told)\b)",
    re.IGNORECASE,
)
#: "..., British intelligence at 130,000 and Kyiv at 110,000": an elliptical list, each
#: figure with its own speaker; "Moscow's own figure of 1,351".
_LIST_ITEM = re.compile(
    r"(?:^|[,;:]|\band)\s*(?P<s>(?:the\s+)?[A-Z][\w'’.-]*(?:\s+[\w'’.-]+){0,4}?)\s+"
    r"(?:at|says|said|puts it at|put it at|estimates|counts)\s*$"
    r"|(?P<p>(?:the\s+)?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3})['’]s?\s+(?:own\s+)?"
    r"(?:figure|estimate|count|tally|number)\s+(?:of|at|is|was)\s*$",
)
_ASKED_ABOUT = re.compile(
    r"(?:^|\b(?:when|after being|while|as)\s+)asked\s+(?:about|of|on)\b", re.IGNORECASE
)


def speaker_of_figure(text: str, at: int, speaker: str) -> str:
    """The speaker of the figure at ``at`` in ``text``, whose sentence speaker is
    ``speaker``: the clause that holds the figure, and no further, names it."""
    if at < 0:
        return speaker
    head = re.sub(r"(?:about|around|some|nearly|almost|roughly|approximately|more than|over|"
                  r"at least|up to|as many as|a little over|fewer than|under)\s*$", "", text[:at],
                  flags=re.IGNORECASE)  # fmt: skip
    item = _LIST_ITEM.search(head)
    if item:
        named = clean_speaker(item.group("s") or item.group("p"))
        if _is_plausible(named) and not _is_anaphor(named):
            return named
    asked = _ASKED_ABOUT.search(head)
    if (
        asked
        and speaker
        and (
            speaker.split()[-1] in head[: asked.start()] or (asked.start() == 0 and "," not in head)
        )
    ):
        return ""  # "..., Biden said when asked about the 100,000 troops", "Asked about the
        # 100,000 troops, Peskov said ...": the figure is the question's, not the answer's
    breaks = [m for m in _CLAUSE_BREAK.finditer(text)]
    if not breaks:
        return speaker
    bounds = [0, *(m.end() for m in breaks), len(text) + 1]
    starts = [0, *(m.start() for m in breaks), len(text)]
    index = max(i for i, b in enumerate(bounds[:-1]) if b <= at)
    clause = text[bounds[index] : starts[index + 1]]
    own, _ = _rule_speaker(clause.strip())
    if own:
        return own
    # the sentence's speaker sits in another clause: this one is the article's own voice,
    # unless the speaker's clause governs it ("X said on Tuesday; ..." is rare) - a speaker
    # found before the figure's clause carries on, one found after does not
    speaker_at = text.find(speaker.split()[-1]) if speaker else -1
    if speaker and speaker_at >= starts[index + 1]:
        return ""
    return speaker


#: A sentence that names who spoke the quotation before it: "So said Matilda Bogner, ...",
#: "That was Oleksiy Danilov, ...", "The figure was given by Pavlo Kyrylenko, ...".
_NAMED_AFTER = re.compile(
    r"^(?:so said|that was|this was|those were|these were|the (?:figure|figures|number|numbers|"
    r"words|remarks?|comments?|estimate|toll) (?:was|were|came)\s+(?:given |provided |released |"
    r"published |announced )?(?:by|from))\s+(?P<s>[A-Z][^,;.]*?)(?:,|\.|;|\s+(?:on|in|at|speaking)\b|$)",
    re.IGNORECASE,
)


def speaker_named_after(text: str) -> str:
    """The speaker a sentence names for the quotation before it ("So said X"), or ""."""
    match = _NAMED_AFTER.search(_LABEL.sub("", text))
    if match is None:
        return ""
    speaker = clean_speaker(match.group("s"))
    return speaker if _is_plausible(speaker) else ""
