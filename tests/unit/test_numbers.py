from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.numbers import (
    NumberError,
    find_amounts,
    interval,
    overlaps,
    parse_number,
)
from schemas.enums import Qualifier

_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]  # fmt: skip
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def in_words(n: int) -> str:
    """An independent English spelling of n < 10**9, for round-trip tests."""
    if n < 20:
        return _UNITS[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else "-" + _UNITS[n % 10])
    if n < 1000:
        rest = n % 100
        return _UNITS[n // 100] + " hundred" + ("" if rest == 0 else " and " + in_words(rest))
    for size, word in ((1_000_000, "million"), (1_000, "thousand")):
        if n >= size:
            rest = n % size
            tail = "" if rest == 0 else (" and " if rest < 100 else " ") + in_words(rest)
            return in_words(n // size) + " " + word + tail
    raise ValueError(n)


@given(st.integers(min_value=0, max_value=999_999_999))
def test_digits_with_commas_round_trip(n: int) -> None:
    assert parse_number(f"{n:,}") == n


@given(st.integers(min_value=1000, max_value=999_999_999))
def test_digits_with_spaces_round_trip(n: int) -> None:
    assert parse_number(f"{n:,}".replace(",", " ")) == n


@given(st.integers(min_value=1000, max_value=999_999_999))
def test_continental_separators_round_trip(n: int) -> None:
    assert parse_number(f"{n:,}".replace(",", ".")) == n


@given(st.integers(min_value=0, max_value=999_999_999))
def test_words_round_trip(n: int) -> None:
    assert parse_number(in_words(n)) == n


@given(st.integers(min_value=1, max_value=999), st.sampled_from(["thousand", "million"]))
def test_scale_words_round_trip(n: int, scale: str) -> None:
    assert parse_number(f"{n} {scale}") == n * {"thousand": 1_000, "million": 1_000_000}[scale]


@given(st.integers(min_value=1, max_value=99_99_999))
def test_south_asian_digit_grouping_round_trip(n: int) -> None:
    """1,50,000: the last three digits, then groups of two."""
    head, tail = divmod(n, 1000)
    pairs = []
    while head:
        head, pair = divmod(head, 100)
        pairs.append(f"{pair:02d}" if head else str(pair))
    grouped = ",".join([*reversed(pairs), f"{tail:03d}" if pairs else str(tail)])
    assert parse_number(grouped) == n


@given(st.integers(min_value=10, max_value=99), st.integers(min_value=0, max_value=9))
def test_decimal_with_scale_round_trip(whole: int, tenth: int) -> None:
    assert parse_number(f"{whole}.{tenth} million") == whole * 1_000_000 + tenth * 100_000
    assert parse_number(f"{whole}.{tenth}k") == whole * 1000 + tenth * 100


@given(st.integers(min_value=1000, max_value=500_000), st.integers(min_value=1, max_value=500_000))
def test_ranges_in_every_style_round_trip(low: int, extra: int) -> None:
    high = low + extra
    for text in (f"between {low:,} and {high:,} troops", f"{low:,}-{high:,} troops",
                 f"from {low:,} to {high:,} troops", f"{low:,} to {high:,} troops"):  # fmt: skip
        (amount,) = find_amounts(text)
        assert (amount.value, amount.value_high) == (low, high), text


@pytest.mark.parametrize(
    "text, value, high, qualifier, vague",
    [
        ("more than 100,000 troops", 100_000, None, Qualifier.MORE_THAN, False),
        ("well over 100,000", 100_000, None, Qualifier.MORE_THAN, False),
        ("upwards of 5,000", 5_000, None, Qualifier.MORE_THAN, False),
        ("up to 190,000 personnel", 190_000, None, Qualifier.UP_TO, False),
        ("as many as 175,000", 175_000, None, Qualifier.UP_TO, False),
        ("at least 406 civilians", 406, None, Qualifier.AT_LEAST, False),
        ("fewer than 13,000 soldiers", 13_000, None, Qualifier.LESS_THAN, False),
        ("Some 30,000 Russian combat troops", 30_000, None, Qualifier.APPROX, False),
        ("approximately 30,000 troops", 30_000, None, Qualifier.APPROX, False),
        ("nearly 2,000", 2_000, None, Qualifier.APPROX, False),
        ("an expected 30,000 combat troops", 30_000, None, Qualifier.EXACT, False),
        ("an estimated 127,000", 127_000, None, Qualifier.EXACT, False),
        ("more than 106 thousand soldiers", 106_000, None, Qualifier.MORE_THAN, False),
        ("1.2 million people", 1_200_000, None, Qualifier.EXACT, False),
        ("5.3k", 5_300, None, Qualifier.EXACT, False),
        ("two soldiers", 2, None, Qualifier.EXACT, False),
        ("a dozen soldiers", 12, None, Qualifier.EXACT, False),
        ("one hundred and thirty thousand troops", 130_000, None, Qualifier.EXACT, False),
        ("two to three thousand", 2_000, 3_000, Qualifier.EXACT, False),
        ("1.5 to 2 million", 1_500_000, 2_000_000, Qualifier.EXACT, False),
        # South Asian English: lakh = 100,000, crore = 10 million, and its digit grouping
        ("some 1.5 lakh soldiers", 150_000, None, Qualifier.APPROX, False),
        ("nearly two lakh troops", 200_000, None, Qualifier.APPROX, False),
        ("over 1,30,000 troops", 130_000, None, Qualifier.MORE_THAN, False),
        ("between 1.5 and 1.9 lakh troops", 150_000, 190_000, Qualifier.EXACT, False),
        ("3 lakhs people", 300_000, None, Qualifier.EXACT, False),
        ("1.2 crore people", 12_000_000, None, Qualifier.EXACT, False),
        ("tens of thousands of troops", 10_000, 99_999, Qualifier.EXACT, True),
        ("dozens of people", 24, 99, Qualifier.EXACT, True),
        ("hundreds of soldiers", 100, 999, Qualifier.EXACT, True),
    ],
)
def test_amounts(
    text: str, value: int, high: int | None, qualifier: Qualifier, vague: bool
) -> None:
    amount = find_amounts(text)[0]
    assert (amount.value, amount.value_high, amount.qualifier, amount.vague) == (
        value, high, qualifier, vague
    )  # fmt: skip


def test_span_of_years_is_two_numbers_not_a_range() -> None:
    assert [(a.value, a.value_high) for a in find_amounts("the 2014-2022 war")] == [
        (2014, None), (2022, None)
    ]  # fmt: skip


@pytest.mark.parametrize("text", ["", "a", "troops", "1,2,3x"])
def test_not_numbers(text: str) -> None:
    with pytest.raises(NumberError):
        parse_number(text)


@pytest.mark.parametrize(
    "value, qualifier, expected",
    [
        (100, "exact", (90.0, 110.0)),
        (100, "approx", (80.0, 120.0)),
        (100, "at_least", (100.0, math.inf)),
        (100, "up_to", (0.0, 100.0)),
    ],
)
def test_intervals(value: int, qualifier: str, expected: tuple[float, float]) -> None:
    assert interval(value, None, qualifier) == pytest.approx(expected)


def test_more_than_and_less_than_are_open() -> None:
    low, high = interval(100, None, "more_than")
    assert low > 100 and high == math.inf
    assert interval(100, None, "less_than")[1] < 100
    assert not overlaps(interval(100, None, "more_than"), interval(100, None, "less_than"))


@pytest.mark.parametrize(
    "a, b, agree",
    [
        ((100_000, None, "exact"), (100_000, None, "more_than"), True),
        ((60_000, None, "exact"), (100_000, None, "more_than"), False),
        ((169_000, 190_000, "exact"), (190_000, None, "up_to"), True),
        ((9_000, None, "exact"), (30_000, None, "approx"), False),
        ((10_000, 99_999, "exact"), (30_000, None, "exact"), True),  # tens of thousands
    ],
)
def test_agreement_is_overlap(a: tuple, b: tuple, agree: bool) -> None:
    assert overlaps(interval(*a), interval(*b)) is agree


@given(st.integers(min_value=1, max_value=10**7), st.sampled_from([q.value for q in Qualifier]))
def test_every_interval_contains_or_borders_its_figure(n: int, qualifier: str) -> None:
    low, high = interval(n, None, qualifier)
    assert low <= high
    assert low <= n * 1.0000001 and high >= n * 0.9999999
