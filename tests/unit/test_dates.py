from __future__ import annotations

from datetime import date

import pytest

from pipeline.dates import find_full_dates, parse_dateline, resolve, resolve_among

THU = date(2022, 2, 17)  # a Thursday


@pytest.mark.parametrize(
    "expression, reference, expected",
    [
        ("Sunday", THU, date(2022, 2, 20)),
        ("on Sunday", THU, date(2022, 2, 20)),
        ("past Sunday", date(2022, 2, 20), date(2022, 2, 20)),
        ("last Sunday", THU, date(2022, 2, 13)),
        ("next Monday", THU, date(2022, 2, 21)),
        ("Tuesday", THU, date(2022, 2, 15)),
        ("20th February", THU, date(2022, 2, 20)),
        ("Feb. 20", THU, date(2022, 2, 20)),
        ("February 20", THU, date(2022, 2, 20)),
        ("20 February 2023", THU, date(2023, 2, 20)),
        ("January 2", date(2022, 12, 30), date(2023, 1, 2)),  # nearest, across the new year
    ],
)
def test_resolve_against_the_reference(expression: str, reference: date, expected: date) -> None:
    assert resolve(expression, reference) == expected


@pytest.mark.parametrize("expression", ["Sunday", "Feb. 20", "20th February"])
def test_partial_dates_without_reference_are_refused_not_guessed(expression: str) -> None:
    assert resolve(expression, None) is None


def test_a_full_date_needs_no_reference() -> None:
    assert resolve("February 20, 2022", None) == date(2022, 2, 20)


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Tuesday, 15 February 2022 11:14 AM", date(2022, 2, 15)),
        ("February 15, 2022", date(2022, 2, 15)),
        ("09:40 25.02.2022", date(2022, 2, 25)),
        ("• Feb 22 2022, 12:48 ist", date(2022, 2, 22)),
        ("Published: March 7, 2022", date(2022, 3, 7)),
        ("Published: 02/17/2022", date(2022, 2, 17)),
        ("Posted 17/02/2022 at 10:00", date(2022, 2, 17)),
        ("2022-02-17T10:00:00Z", date(2022, 2, 17)),
        ("Updated 02/30/2022", None),
        ("Published: undefined", None),
        ("February 15, 2022, will go down in history as the day", None),
        ("Russia moved 100,000 troops on 15 February 2022 to the border", None),
    ],
)
def test_datelines(line: str, expected: date | None) -> None:
    assert parse_dateline(line) == expected


def test_full_dates_in_text() -> None:
    text = "On 15 February 2022, Feb 16 2022 and 2022-02-17; not 31 February 2022 nor 15 February."
    assert find_full_dates(text) == [date(2022, 2, 15), date(2022, 2, 16), date(2022, 2, 17)]


@pytest.mark.parametrize("expression", ["February 30", "31 April", "Feb. 29"])
def test_impossible_days_are_refused_not_a_crash(expression: str) -> None:
    assert resolve(expression, date(2022, 2, 17)) is None


KNOWN = [date(2022, 2, 20), date(2022, 2, 20), date(2022, 2, 27), date(2022, 3, 10)]


@pytest.mark.parametrize(
    "expression, known, expected",
    [
        ("Sunday", KNOWN, date(2022, 2, 20)),  # two Sundays: the one reported more often
        ("past Sunday", KNOWN, date(2022, 2, 20)),
        ("Thursday", KNOWN, date(2022, 3, 10)),
        ("March 10", KNOWN, date(2022, 3, 10)),
        ("20th February", KNOWN, date(2022, 2, 20)),
        ("Monday", KNOWN, None),  # no known date fits
        ("Sunday", [date(2022, 2, 20), date(2022, 2, 27)], None),  # a tie: no guess
        ("Sunday", [], None),
    ],
)
def test_resolve_among_the_dates_the_story_holds(
    expression: str, known: list[date], expected: date | None
) -> None:
    assert resolve_among(expression, known) == expected
