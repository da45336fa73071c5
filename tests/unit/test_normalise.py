from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.normalise import decode, is_boilerplate, normalise, strip_html, unwrap_markdown
from schemas.enums import DateSource

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def seed(prefix: str) -> bytes:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_bytes()


@pytest.mark.parametrize(
    "prefix, published, source, outlet",
    [
        (
            "000",
            date(2022, 2, 15),
            DateSource.DATELINE,
            "Iran Press TV",
        ),  # "Tuesday, 15 February 2022 11:14 AM"
        ("001", date(2022, 2, 15), DateSource.INFERRED, "The Quint"),  # "Published: undefined"
        ("002", date(2022, 2, 15), DateSource.ARCHIVE, None),  # " date 2022-02-15"
        (
            "003",
            date(2022, 2, 15),
            DateSource.DATELINE,
            "themoscowtimes.com",
        ),  # "February 15, 2022"
        ("004", date(2022, 2, 15), DateSource.INFERRED, None),  # no date line at all
    ],
)
def test_each_seed_date_and_outlet(
    prefix: str, published: date, source: DateSource, outlet: str | None
) -> None:
    article = normalise(seed(prefix))
    assert article.published == published
    assert article.date_source is source
    assert article.outlet == outlet


def test_seed_titles_and_byline() -> None:
    assert normalise(seed("000")).title.startswith("Some Russian troops return")
    afp = normalise(seed("003"))
    assert afp.title == "Russia Says Pulling Back Some Forces from Ukraine Border"
    assert afp.byline == "Michael Mainville for AFP and Dmitry Zaks for AFP"


def test_seed_boilerplate_markup_and_metadata_lines_are_gone() -> None:
    text = normalise(seed("001")).text
    for gone in ("advertisement", "ADVERTISEMENT", "SCROLL FOR NEXT", "<div", "&nbsp;",
                 "Published:", "Photo Courtesy", "\ni\n"):  # fmt: skip
        assert gone not in text
    assert "more than 100,000 troops at the Ukrainian border" in text
    afp = normalise(seed("003")).text
    assert "[" not in afp and "](#)" not in afp and "https://" not in afp
    assert "Leave a Reply" not in normalise(seed("004")).text
    assert "NEWSLETTER" not in normalise(seed("000")).text


def test_archive_header_is_stripped_and_the_rest_of_its_line_kept() -> None:
    text = normalise(seed("002")).text
    assert text.startswith("Russia withdrew some of the troops")


def test_paragraphs_stay_one_a_line() -> None:
    article = normalise(b"Headline of the story here\n\nFirst paragraph. Two.\n\n\nSecond one.\n")
    assert article.text.split("\n") == [
        "Headline of the story here",
        "First paragraph. Two.",
        "Second one.",
    ]


def test_html_document_scripts_and_styles_are_removed() -> None:
    html = (
        b"<!DOCTYPE html><html><head><title>Troops mass</title><style>p{color:red}</style>"
        b"<script>var troops = 999999;</script></head><body><nav>Home | World</nav>"
        b"<h1>Troops mass at border</h1><p>Russia has massed <b>100,000</b> troops, "
        b"officials said.</p><p>A second &amp; final paragraph.</p></body></html>"
    )
    text = normalise(html).text
    assert "999999" not in text and "color:red" not in text and "Home | World" not in text
    assert "Russia has massed 100,000 troops, officials said." in text.split("\n")
    assert "A second & final paragraph." in text.split("\n")


def test_strip_html_puts_block_elements_on_their_own_lines() -> None:
    assert strip_html("<div>one</div><div>two<br>three</div>").split() == ["one", "two", "three"]


@pytest.mark.parametrize(
    "line, expected",
    [
        (
            "By [Jane Doe for AFP](#) and [John Roe](https://x.org/a)",
            "By Jane Doe for AFP and John Roe",
        ),
        ("See ![a map](map.png) here", "See  here"),
        ("**Bold** words", "Bold words"),
        ("## A heading", "A heading"),
    ],
)
def test_markdown_is_unwrapped(line: str, expected: str) -> None:
    assert unwrap_markdown(line) == expected


@pytest.mark.parametrize(
    "line",
    ["Advertisement", "ADVERTISEMENT", "Leave a Reply", "SCROLL FOR NEXT", "Share this article",
     "https://example.org/story", "Join the GlobalSecurity.org mailing list |", "|", "i",
     "Axios on facebook Axios on twitter", "Subscribe to our newsletter", "Related article: X",
     "Facebook Twitter Email"],
)  # fmt: skip
def test_boilerplate_lines(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "Russia has massed 100,000 troops.",
        "The drills end on Sunday.",
        "Share prices fell sharply on Monday.",
    ],
)
def test_article_lines_are_not_boilerplate(line: str) -> None:
    assert not is_boilerplate(line)


# --- decoding -------------------------------------------------------------------------

TEXT = "Les troupes russes — 100 000 soldats, café."


@pytest.mark.parametrize(
    "raw",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),  # with BOM
        TEXT.encode("utf-16-le"),  # without BOM
        TEXT.encode("utf-16-be"),
        TEXT.encode("cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "utf16le-nobom", "utf16be-nobom", "cp1252"],
)
def test_decode_encodings(raw: bytes) -> None:
    assert decode(raw) == TEXT


def test_decode_latin1_bytes_cp1252_does_not_define() -> None:
    raw = b"The caf\xe9 is open \x81 and so is the shop next to it."
    assert decode(raw) == "The café is open \x81 and so is the shop next to it."


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"", "empty"),
        (b"  \n\t \r\n", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(50), "binary"),
        (b"PK\x03\x04" + bytes(50), "binary"),
        (b"%PDF-1.7\n%\xe2\xe3", "binary"),
        (b"\x7fELF\x02\x01\x01" + bytes(50), "binary"),
        (b"text\x00with\x00nul and more" * 3, "binary"),
    ],
)
def test_decode_refuses_what_is_not_text(raw: bytes, reason: str) -> None:
    with pytest.raises(InputError) as error:
        decode(raw)
    assert error.value.reason == reason


def test_only_markup_is_refused_with_a_reason() -> None:
    with pytest.raises(InputError) as error:
        normalise(b"<html><script>alert(1)</script><style>x{}</style></html>")
    assert error.value.reason == "no_text"


def test_no_date_anywhere_is_recorded_as_none_not_today() -> None:
    article = normalise(b"Troops gather\n\nRussia moved troops on Sunday, officials said.\n")
    assert article.published is None
    assert article.date_source is DateSource.NONE


def test_inferred_date_is_the_most_common_full_date() -> None:
    raw = (b"Story\n\nOn 14 February 2022 talks began. By February 16, 2022 they had failed.\n"
           b"The 14 February 2022 meeting was short.\n")  # fmt: skip
    article = normalise(raw)
    assert (article.published, article.date_source) == (date(2022, 2, 14), DateSource.INFERRED)


@pytest.mark.parametrize(
    "head, expected",
    [
        ('<meta property="article:published_time" content="2022-02-17T08:00:00Z">', date(2022, 2, 17)),
        ('<meta itemprop="datePublished" content="2022-02-18">', date(2022, 2, 18)),
        ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2022-02-19T10:00"}</script>', date(2022, 2, 19)),
        ('<meta name="date" content="not a date">', None),
    ],
)  # fmt: skip
def test_an_html_page_gives_its_own_date_and_site(head: str, expected: date | None) -> None:
    page = (
        f'<!doctype html><html><head><meta property="og:site_name" content="Daily Planet">{head}'
        "</head><body><h1>Drills in Belarus wind down</h1>"
        "<p>The joint drills in Belarus are due to end on Sunday.</p></body></html>"
    )
    article = normalise(page.encode())
    assert article.published == expected
    assert article.date_source == ("metadata" if expected else "none")
    assert article.outlet == "Daily Planet"
    assert "script" not in article.text and "Daily Planet" not in article.text
