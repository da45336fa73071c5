"""The day each figure describes (its as-of), on snippets an independent annotator wrote in
many styles (wire, live blog, fact box, translated copy, transcript, correction): a day
the figure is counted up to when the text gives one, else the article's date; never a day
after it. Known misses are strict xfails with their reason."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.extract import extract_claims
from schemas.records import NormalisedArticle
from tests.conftest import case_params, read_cases

CASES = read_cases("as_of_cases.jsonl")
KNOWN_MISSES = {
    "a06": "a data note 'civilian deaths verified by OHCHR: 331' is not read as a toll",
    "a22": "a headline clause 'as 30,000 troops gather north of Ukraine' is not read",
}


@pytest.mark.parametrize("case", case_params(CASES, KNOWN_MISSES))
def test_as_of(case: dict) -> None:
    article = NormalisedArticle(text=case["text"], published=date.fromisoformat(case["published"]))
    found = [c for c in extract_claims(article, None)
             if c.kind == case["kind"] and c.value == case["value"]]  # fmt: skip
    assert found, "the figure is not extracted"
    assert found[0].as_of == date.fromisoformat(case["as_of"])


# Our own sentences (not the annotator's): numeric cut-off dates in either order, and wire
# datelines, with the cases that must keep the article's date.
OWN = [
    ("2022-03-02", "The UN said 136 civilians had been killed as of 02/28/2022.", 136, "2022-02-28"),
    ("2022-03-02", "As of 27/02/2022, at least 102 civilians had been killed, the UN said.", 102,
     "2022-02-27"),
    ("2022-03-02", "The ministry said 352 civilians had been killed as of 2022-02-27.", 352,
     "2022-02-27"),
    ("2022-03-05", "As of 03/04/2022 Russia had about 150,000 troops in and around Ukraine.",
     150_000, "2022-03-04"),
    # a cut-off after the article is a forecast: the article's date
    ("2022-02-20", "Analysts expect 200,000 troops near Ukraine by 03/20/2022.", 200_000,
     "2022-02-20"),
    ("2022-02-20", "MOSCOW, Feb. 19 (AP) — Russia has some 150,000 troops near Ukraine, U.S. "
     "officials said.", 150_000, "2022-02-19"),
    ("2022-02-21", "KYIV, Ukraine, Feb 19 (Reuters) - Russia has massed 130,000 troops near "
     "Ukraine, officials said.", 130_000, "2022-02-19"),
    ("2022-02-20", "WASHINGTON, Feb 20 — Russia has 150,000 troops near Ukraine, officials "
     "said.", 150_000, "2022-02-20"),
    # a source and its day in brackets
    ("2022-03-03", "By preliminary data 227 civilians were killed and 525 wounded (OHCHR, 1 March).",
     227, "2022-03-01"),
    ("2022-03-03", "Some 130,000 troops (Pentagon, as of Feb 20) remain near Ukraine.", 130_000,
     "2022-02-20"),
    ("2022-03-16", "08:40 OHCHR update (to midnight 15 March): 816 civilians killed.", 816,
     "2022-03-15"),
    ("2022-03-16", "The toll rose to 352 on Monday, officials said.", 352, "2022-03-14"),
    # the day a figure was given, written before it or after the verb
    ("2022-02-16", "The day before yesterday, Pentagon spokesman John Kirby put the number at more "
     "than 100,000 troops.", 100_000, "2022-02-14"),
    ("2022-02-16", "Officials said the day before yesterday that 130,000 troops were near Ukraine.",
     130_000, "2022-02-14"),
    # a month alone after a figure: the last such month, at its middle (or early / late)
    ("2022-02-12", "The troop count jumped from 100,000 in December to 130,000 now.", 100_000,
     "2021-12-15"),
    ("2022-02-12", "Russia had 100,000 troops in early January, officials said.", 100_000,
     "2022-01-05"),
    ("2022-02-12", "The troop count jumped from 100,000 in December to 130,000 now.", 130_000,
     "2022-02-12"),
    ("2022-02-12", "Russia has 130,000 troops in February, NATO said.", 130_000, "2022-02-12"),
    # no dateline: a sentence that opens with a place and a day is not one
    ("2022-02-20", "Russia, Feb 19 - Russia has 150,000 troops near Ukraine, officials said.",
     150_000, "2022-02-20"),
    # a dateline long before the article (an archive reprint) does not date its figures
    ("2022-04-20", "MOSCOW, Feb. 19 (AP) — Russia has some 150,000 troops near Ukraine.",
     150_000, "2022-04-20"),
]  # fmt: skip


@pytest.mark.parametrize("published, text, value, as_of", OWN)
def test_numeric_cut_offs_and_wire_datelines(
    published: str, text: str, value: int, as_of: str
) -> None:
    article = NormalisedArticle(text=text, published=date.fromisoformat(published))
    found = [c for c in extract_claims(article, None) if c.value == value]
    assert found, "the figure is not extracted"
    assert found[0].as_of == date.fromisoformat(as_of)
