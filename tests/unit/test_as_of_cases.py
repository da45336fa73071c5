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
    "a05": "a date with slashes ('01/03/2022', day first here, month first in US copy) is not read",
    "a06": "a data note 'civilian deaths verified by OHCHR: 331' is not read as a toll",
    "a22": "a headline clause 'as 30,000 troops gather north of Ukraine' is not read",
    "a37": "a wire dateline's day ('MOSCOW, Feb. 19 (AP)') is not the article's date",
}


@pytest.mark.parametrize("case", case_params(CASES, KNOWN_MISSES))
def test_as_of(case: dict) -> None:
    article = NormalisedArticle(text=case["text"], published=date.fromisoformat(case["published"]))
    found = [c for c in extract_claims(article, None)
             if c.kind == case["kind"] and c.value == case["value"]]  # fmt: skip
    assert found, "the figure is not extracted"
    assert found[0].as_of == date.fromisoformat(case["as_of"])
