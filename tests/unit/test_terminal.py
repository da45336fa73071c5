"""Terminal tables: 100 columns, the figure always in view in the quote, --wide whole,
plural forms, and nothing unprintable sent to the terminal."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from pipeline.extract import extract_claims
from pipeline.normalise import normalise
from tests.conftest import SEEDS
from workers.terminal import (
    WIDTH,
    claims_table,
    documents_table,
    figure,
    plural,
    printable,
    quote_around_figure,
)


def _record(claim: Any, index: int, file: str) -> dict[str, Any]:
    row = claim.to_json(file)
    row.update(id=index, status="unconfirmed", scope="around_ukraine", origin="AFP",
               outlet=None, document_id=1, published=None, flags=",".join(row["flags"]))  # fmt: skip
    return row


@pytest.fixture(scope="module")
def seed_records() -> list[dict[str, Any]]:
    records = []
    for path in sorted(SEEDS.glob("*.txt")):
        article = normalise(path.read_bytes(), file_name=path.name)
        for claim in extract_claims(article, None):
            records.append(_record(claim, len(records) + 1, path.name))
    assert len(records) == 7
    return records


def _written(row: dict[str, Any]) -> str:
    """How the quote writes the figure (independent of the table code)."""
    if isinstance(row["value"], int):
        return f"{row['value']:,}"
    return str(date.fromisoformat(row["value"]).day)


def test_the_claims_table_fits_100_columns_with_every_figure_in_its_quote(
    seed_records: list[dict[str, Any]],
) -> None:
    lines = claims_table(seed_records).splitlines()
    assert lines[0].split() == ["id", "status", "figure", "proposition", "as", "of", "quote"]
    assert max(len(line) for line in lines) <= WIDTH
    for row, line in zip(seed_records, lines[1:], strict=True):
        quote = line[line.index("\u201c") :]
        assert _written(row) in quote, (row["quote"], line)
        assert row["as_of"] in line and figure(row) in line


def test_a_figure_at_the_end_of_a_long_quote_stays_in_view() -> None:
    quote = "Officials said on Tuesday, after weeks of talks in several capitals, " * 3 + (
        "that Russia now has 130,000 troops near the border."
    )
    row = {"quote": quote, "value": 130000, "value_high": None}
    cut = quote_around_figure(row, 30)
    assert len(cut) == 30 and "130,000" in cut and cut.startswith("\u201c\u2026")
    early = {"quote": "About 5,000 soldiers " + "x" * 100, "value": 5000, "value_high": None}
    assert quote_around_figure(early, 30).startswith("\u201cAbout 5,000 soldiers")


def test_wide_shows_every_column_whole(seed_records: list[dict[str, Any]]) -> None:
    wide = claims_table(seed_records, wide=True)
    header = wide.splitlines()[0].split()
    assert header[:3] == ["id", "status", "kind"] and header[-4:] == [
        "speaker",
        "origin",
        "source",
        "quote",
    ]
    for row in seed_records:
        assert row["quote"] in wide and (row["speaker"] or "(article)") in wide


def test_a_date_takes_no_qualifier_and_vague_figures_say_so() -> None:
    drill = {"value": "2022-02-20", "qualifier": "more_than", "flags": ""}
    assert figure(drill) == "2022-02-20"
    troops = {"value": 100000, "qualifier": "more_than", "value_high": None}
    assert figure(troops) == "more than 100,000"


@pytest.mark.parametrize(
    ("count", "word", "expected"),
    [(0, "claim", "0 claims"), (1, "claim", "1 claim"), (2, "document", "2 documents"),
     (1200, "claim", "1,200 claims"), (1, "duplicate", "1 duplicate")],
)  # fmt: skip
def test_plural(count: int, word: str, expected: str) -> None:
    assert plural(count, word) == expected


def test_control_characters_never_reach_the_terminal() -> None:
    name = "evil\x1b[2Jname\n.txt"
    assert printable(name) == "evil\\x1b[2Jname\\n.txt"
    table = documents_table([{
        "id": 1, "state": "failed", "claims": None, "published": None, "outlet": None,
        "file": name, "failure_reason": "binary", "failure_detail": "x" * 300,
    }])  # fmt: skip
    assert "\x1b" not in table and "\n" not in table.splitlines()[1]
    assert max(len(line) for line in table.splitlines()) <= WIDTH


@pytest.mark.parametrize("width", [29, 30, 41, 60])  # the figure (25) + marks + ellipses
@pytest.mark.parametrize("at", [0, 35, 90, 200])
def test_the_whole_figure_shows_at_any_width_that_can_hold_it(width: int, at: int) -> None:
    words = "Officials said, after weeks of talks in several capitals, " * 4
    quote = words[:at] + "between 10,000 and 20,000 troops" + words[at:]
    row = {"quote": quote, "value": 10000, "value_high": 20000}
    shown = quote_around_figure(row, width)
    assert len(shown) == width and "between 10,000 and 20,000" in shown, shown
