"""Numbers as news writes them, read into values and intervals.

``find_amounts`` finds every amount in a sentence: digits with separators ("100,000",
"100 000", "100.000"), decimals with scale words ("1.2 million", "5.3k"), number words
("two", "a dozen", "one hundred and thirty thousand"), ranges ("between 169,000 and
190,000", "169,000-190,000", "from 100,000 to 130,000") and vague amounts ("tens of
thousands", "dozens"), with the qualifier written next to them ("more than", "up to").

The judgement of what an amount counts (troops, casualties, years, money) is the
extractors' business; this module only reads numbers.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, replace

from schemas.enums import Qualifier

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES = {
    "hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
    # South Asian English: "1.5 lakh troops" (150,000), "a crore" (10 million)
    "lakh": 100_000, "lakhs": 100_000, "crore": 10_000_000, "crores": 10_000_000,
}  # fmt: skip
SCALE_SUFFIXES = {"k": 1_000, "m": 1_000_000, "mn": 1_000_000, "bn": 1_000_000_000}

_WORD = "|".join(sorted([*UNITS, *TENS, *SCALES, "dozen"], key=len, reverse=True))
_NUMBER_WORDS = rf"(?:(?:a|an)\s+)?(?:{_WORD})(?:(?:\s+|-|\s+and\s+)(?:{_WORD}))*"
_DIGITS = (
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 100,000
    r"|\d{1,2}(?:,\d{2})+,\d{3}(?![\d,]|\.\d)"  # 1,50,000 (South Asian grouping)
    r"|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d,.]\d)"  # 100 000
    r"|\d{1,3}(?:\.\d{3})+(?![\d,]|\.\d)"  # 100.000 (continental separators)
    r"|\d+(?:\.\d+)?"
)
_SCALE_WORDS = r"thousand|million|billion|lakhs?|crores?|mn|bn"
_SCALE = rf"(?:\s*(?:{_SCALE_WORDS})\b|(?:k|m)\b)"
_NUMBER = rf"(?:(?:{_DIGITS}){_SCALE}?|\b{_NUMBER_WORDS}\b)"

# Qualifiers as GUIDELINES.md maps them; longer phrases first.
QUALIFIER_PHRASES: list[tuple[str, Qualifier]] = [
    ("a little over", Qualifier.MORE_THAN),
    ("just over", Qualifier.MORE_THAN),
    ("slightly more than", Qualifier.MORE_THAN),
    ("well over", Qualifier.MORE_THAN),
    ("well above", Qualifier.MORE_THAN),
    ("upwards of", Qualifier.MORE_THAN),
    ("more than", Qualifier.MORE_THAN),
    ("in excess of", Qualifier.MORE_THAN),
    ("somewhere north of", Qualifier.MORE_THAN),
    ("north of", Qualifier.MORE_THAN),  # "north of 150,000": a figure, never a place
    ("over", Qualifier.MORE_THAN),
    ("above", Qualifier.MORE_THAN),
    ("exceeding", Qualifier.MORE_THAN),
    ("at least", Qualifier.AT_LEAST),
    ("no fewer than", Qualifier.AT_LEAST),
    ("no less than", Qualifier.AT_LEAST),
    ("a minimum of", Qualifier.AT_LEAST),
    ("as many as", Qualifier.UP_TO),
    ("as high as", Qualifier.UP_TO),
    ("as large as", Qualifier.UP_TO),
    ("up to", Qualifier.UP_TO),
    ("as much as", Qualifier.UP_TO),
    ("a maximum of", Qualifier.UP_TO),
    ("no more than", Qualifier.UP_TO),
    ("just under", Qualifier.LESS_THAN),
    ("fewer than", Qualifier.LESS_THAN),
    ("less than", Qualifier.LESS_THAN),
    ("south of", Qualifier.LESS_THAN),
    ("under", Qualifier.LESS_THAN),
    ("below", Qualifier.LESS_THAN),
    ("approximately", Qualifier.APPROX),
    ("roughly", Qualifier.APPROX),
    ("around", Qualifier.APPROX),
    ("about", Qualifier.APPROX),
    ("nearly", Qualifier.APPROX),
    ("almost", Qualifier.APPROX),
    ("close to", Qualifier.APPROX),
    ("closer to", Qualifier.APPROX),
    ("some", Qualifier.APPROX),
    ("approx.", Qualifier.APPROX),
    ("circa", Qualifier.APPROX),
    ("an estimated", Qualifier.EXACT),
    ("an expected", Qualifier.EXACT),
    ("estimated at", Qualifier.EXACT),
]
_QUALIFIER = "|".join(re.escape(p) for p, _ in QUALIFIER_PHRASES)
_QUALIFIER_LOOKUP = {p: q for p, q in QUALIFIER_PHRASES}

# Vague amounts: their natural intervals. Kept for verification, never scored.
VAGUE_AMOUNTS: dict[str, tuple[int, int]] = {
    "tens of thousands": (10_000, 99_999),
    "hundreds of thousands": (100_000, 999_999),
    "thousands": (1_000, 9_999),
    "several thousand": (2_000, 9_999),
    "a few thousand": (2_000, 5_000),
    "hundreds": (100, 999),
    "several hundred": (200, 999),
    "a few hundred": (200, 500),
    "dozens": (24, 99),
    "several dozen": (24, 99),
    "a few dozen": (24, 60),
    "scores": (40, 99),
    "a handful": (2, 9),
}
_VAGUE = "|".join(re.escape(v) for v in sorted(VAGUE_AMOUNTS, key=len, reverse=True))

AMOUNT = re.compile(
    rf"(?:(?P<qual>{_QUALIFIER})[\s\u201c\u201d\"']+)?"
    rf"(?:"
    rf"(?:between|from)\s+(?P<lo1>{_NUMBER})\s+(?:and|to)\s+(?P<hi1>{_NUMBER})"
    rf"|(?P<lo2>(?:{_DIGITS}){_SCALE}?)\s*(?:-|–|—|\s+to\s+)\s*(?P<hi2>(?:{_DIGITS}){_SCALE}?)"
    rf"|(?P<lo3>\b{_NUMBER_WORDS}\b)\s+to\s+(?P<hi3>\b{_NUMBER_WORDS}\b)"
    rf"|(?P<vague>\b(?:{_VAGUE})\b)"
    rf"|(?P<num>{_NUMBER})"
    rf")",
    re.IGNORECASE,
)


class NumberError(ValueError):
    """Text that is not a number this module can read."""


@dataclass(frozen=True, slots=True)
class Amount:
    """An amount as written: its value, upper value for a range, qualifier and interval."""

    text: str
    start: int
    end: int
    value: int
    value_high: int | None
    qualifier: Qualifier
    vague: bool = False
    digits: bool = True  # written with digits, not words

    @property
    def is_range(self) -> bool:
        return self.value_high is not None


def parse_number(text: str) -> int:
    """The integer written in ``text``: "100,000", "1.2 million", "5.3k", "two", "a dozen"."""
    raw = text.strip().lower().replace("\u00a0", " ").replace("\u202f", " ")
    if not raw:
        raise NumberError("empty number")
    if raw[0].isdigit():
        return _parse_digits(raw)
    return _parse_words(raw)


def _parse_digits(raw: str) -> int:
    match = re.fullmatch(rf"(?P<n>{_DIGITS})\s*(?P<scale>{_SCALE_WORDS}|k|m)?", raw)
    if not match:
        raise NumberError(f"not a number: {raw!r}")
    number, scale = match.group("n"), match.group("scale")
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", number) and not scale:
        number = number.replace(".", "")  # continental thousands separators
    number = number.replace(",", "").replace(" ", "")
    multiplier = SCALES.get(scale or "", SCALE_SUFFIXES.get(scale or "", 1))
    value = float(number) * multiplier
    if not math.isfinite(value):
        raise NumberError(f"not a finite number: {raw!r}")
    return round(value)


def _parse_words(raw: str) -> int:
    words = re.split(r"[\s-]+", raw)
    if words and words[0] in ("a", "an"):
        words = words[1:] if len(words) > 1 else words
        if words == ["a"] or words == ["an"]:
            raise NumberError("'a' alone is not a number")
    total, current, seen = 0, 0, False
    for word in words:
        if word == "and":
            continue
        if word in UNITS:
            current += UNITS[word]
        elif word in TENS:
            current += TENS[word]
        elif word == "dozen":
            current = (current or 1) * 12
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in SCALES:
            total += (current or 1) * SCALES[word]
            current = 0
        else:
            raise NumberError(f"not a number word: {word!r}")
        seen = True
    if not seen:
        raise NumberError(f"not a number: {raw!r}")
    return total + current


def find_amounts(sentence: str) -> list[Amount]:
    """Every amount in ``sentence``, left to right, with its qualifier. A figure written
    with a plus ("130k+", "100,000+") is more than the figure."""
    found: list[Amount] = []
    for match in AMOUNT.finditer(sentence):
        found.extend(_amounts(match))
    return [_signs(sentence, a) for a in found]


def _signs(sentence: str, amount: Amount) -> Amount:
    """ "130k+" is more than 130,000; "~11,000" is about 11,000."""
    if amount.qualifier is not Qualifier.EXACT:
        return amount
    if sentence[amount.end : amount.end + 1] == "+":
        return replace(
            amount, text=amount.text + "+", end=amount.end + 1, qualifier=Qualifier.MORE_THAN
        )
    if amount.start > 0 and sentence[amount.start - 1] == "~":
        return replace(
            amount, text="~" + amount.text, start=amount.start - 1, qualifier=Qualifier.APPROX
        )
    return amount


def _amounts(match: re.Match[str]) -> list[Amount]:
    qualifier_text = (match.group("qual") or "").lower()
    qualifier = _QUALIFIER_LOOKUP.get(qualifier_text, Qualifier.EXACT)
    start = match.start("qual") if match.group("qual") else _first_group_start(match)
    try:
        if match.group("vague"):
            low, high = VAGUE_AMOUNTS[match.group("vague").lower()]
            return [Amount(match.group(0), start, match.end(), low, high, qualifier, vague=True)]
        for low_group, high_group in (("lo1", "hi1"), ("lo2", "hi2"), ("lo3", "hi3")):
            low_text = match.group(low_group)
            if not low_text:
                continue
            high_text = match.group(high_group)
            low, high = _share_scale(low_text, high_text)
            if not _plausible_range(low_text, high_text, low, high):
                # "2014-2022", "1-0": two numbers, not a range.
                return [
                    _single(match.group(g), match.start(g), match.end(g), Qualifier.EXACT)
                    for g in (low_group, high_group)
                ]
            return [
                Amount(
                    match.group(0), start, match.end(), low, high, qualifier,
                    digits=low_text[0].isdigit(),
                )
            ]  # fmt: skip
        number = match.group("num")
        if number.strip().lower() in ("a", "an"):
            return []
        single = _single(number, match.start("num"), match.end(), qualifier)
        return [Amount(match.group(0), start, single.end, single.value, None, qualifier,
                       digits=single.digits)]  # fmt: skip
    except NumberError:
        return []


def _single(text: str, start: int, end: int, qualifier: Qualifier) -> Amount:
    return Amount(text, start, end, parse_number(text), None, qualifier, digits=text[0].isdigit())


def _first_group_start(match: re.Match[str]) -> int:
    for name in ("lo1", "lo2", "lo3", "vague", "num"):
        if match.group(name):
            # "between"/"from" belong to the amount too
            return match.start() if name == "lo1" else match.start(name)
    return match.start()


def _share_scale(low_text: str, high_text: str) -> tuple[int, int]:
    """'1.2 to 1.5 million': a scale word after the upper bound applies to the lower one."""
    high = parse_number(high_text)
    scale_word = re.search(rf"({_SCALE_WORDS}|k|m)\s*$", high_text.lower())
    has_own_scale = re.search(rf"({_SCALE_WORDS}|k|m)\s*$", low_text.lower())
    if scale_word and not has_own_scale:
        scale = SCALES.get(scale_word.group(1), SCALE_SUFFIXES.get(scale_word.group(1), 1))
        low = float(low_text) if re.fullmatch(r"\d+\.\d+", low_text.strip()) else None
        scaled = round((low if low is not None else parse_number(low_text)) * scale)
        if scaled <= high:
            return scaled, high
    return parse_number(low_text), high


def _plausible_range(low_text: str, high_text: str, low: int, high: int) -> bool:
    if low >= high:
        return False
    years = re.compile(r"(19|20)\d\d")
    # a span of years ("2014-2022") is two dates, not a range of counts
    return not (years.fullmatch(low_text.strip()) and years.fullmatch(high_text.strip()))


@functools.lru_cache(maxsize=8192)  # verification asks for the same figures again and again
def interval(
    value: float, value_high: float | None, qualifier: str, *, tolerance: float = 0.10
) -> tuple[float, float]:
    """The interval a figure stands for (``inf`` for unbounded).

    exact n is n ± tolerance; approx a band twice as wide; more_than (n, inf);
    at_least [n, inf); up_to [0, n]; less_than [0, n); a range [low, high].
    """
    if value_high is not None:
        return float(value), float(value_high)
    q = Qualifier(qualifier)
    if q is Qualifier.EXACT:
        return value * (1 - tolerance), value * (1 + tolerance)
    if q is Qualifier.APPROX:
        return value * (1 - 2 * tolerance), value * (1 + 2 * tolerance)
    if q is Qualifier.MORE_THAN:
        return math.nextafter(float(value), math.inf), math.inf
    if q is Qualifier.AT_LEAST:
        return float(value), math.inf
    if q is Qualifier.UP_TO:
        return 0.0, float(value)
    return 0.0, math.nextafter(float(value), -math.inf)  # less_than


def best_value(value: float, value_high: float | None) -> float:
    """A figure's best single value: itself, or the middle of a range."""
    return (value + value_high) / 2 if value_high else float(value)


def overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]
