from __future__ import annotations

import codecs
import contextlib
import signal
from collections.abc import Iterator
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


# --- hostile input (issue 12) ------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b"<html><body><p>Use &amp;lt;b&amp;gt; for bold, AT&amp;T said.</p></body></html>",
         "Use &lt;b&gt; for bold, AT&T said."),
        (b"Headline of the story here\n\nUse &amp;lt;b&amp;gt; for bold, AT&amp;T said.\n",
         "Use &lt;b&gt; for bold, AT&T said."),
        (b"Headline of the story here\n\n<p>Use &amp;lt;b&amp;gt;, AT&amp;T said.</p>\n",
         "Use &lt;b&gt;, AT&T said."),
    ],
    ids=["html", "plain", "stray-tag"],
)  # fmt: skip
def test_entities_are_read_once(raw: bytes, expected: str) -> None:
    """``&amp;lt;`` is the text ``&lt;``: read twice, it became ``<``."""
    assert expected in normalise(raw).text.split("\n")


RUSSIAN = "Россия стянула к границе более 100 000 военнослужащих."


@pytest.mark.parametrize(
    "head, encoding",
    [
        ('<meta charset="windows-1251">', "cp1251"),
        ("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\">", "koi8_r"),
        ("<meta charset=iso-8859-5>", "iso8859_5"),
    ],
)  # fmt: skip
def test_the_charset_a_page_declares_is_used(head: str, encoding: str) -> None:
    page = f"<html><head>{head}<title>Новости</title></head><body><p>{RUSSIAN}</p></body></html>"
    assert RUSSIAN in normalise(page.encode(encoding)).text.split("\n")


def test_a_declared_charset_does_not_override_valid_utf8() -> None:
    page = f'<html><head><meta charset="iso-8859-1"></head><body><p>{RUSSIAN}</p></body></html>'
    assert RUSSIAN in normalise(page.encode("utf-8")).text


@pytest.mark.parametrize("encoding", ["utf-32-le", "utf-32-be"])
def test_utf32_without_a_mark_is_decoded_not_refused(encoding: str) -> None:
    assert decode(TEXT.encode(encoding)) == TEXT


def test_one_stray_nul_is_dropped_not_refused() -> None:
    line = "Russia has massed 100,000 troops near the border, officials said.\n"
    raw = line.replace("troops", "troops\x00", 1).encode() + line.encode() * 2
    assert decode(raw) == line * 3


ARTICLE = "Troops gather near the border\n\nRussia has massed more than 100,000 troops.\n"
KB = 1024


def _blank_lines(size: int) -> str:
    return ARTICLE + "\n" * size + "Source:\n\n" + "\n" * size + "The end of it all.\n"


def _nested(tag: str, size: int) -> str:
    depth = size // (len(tag) * 2 + 5)
    return f"<html><body>{f'<{tag}>' * depth}<p>{ARTICLE}</p>{f'</{tag}>' * depth}</body></html>"


@pytest.mark.parametrize(
    "make, kept",
    [
        (_blank_lines, "The end of it all."),
        (lambda size: ARTICLE + "[" * size, "[" * 100),
        (lambda size: ARTICLE + "![" * (size // 2), "![" * 50),
        (lambda size: ARTICLE + "**a " * (size // 4), "**a **a"),
        (lambda size: ARTICLE + "<p " * (size // 3), "Russia has massed more than 100,000 troops."),
        (lambda size: _nested("div", size), "Russia has massed more than 100,000 troops."),
        (lambda size: _nested("ul><li", size), "Russia has massed more than 100,000 troops."),
    ],
    ids=["blank-lines", "brackets", "image-brackets", "emphasis", "open-tags", "nested-div",
         "nested-list"],
)  # fmt: skip
def test_hostile_shapes_are_read_in_one_pass(make, kept: str) -> None:
    """Each of these took minutes on 100 KB (a pattern or the HTML parser went back over
    the input once per line or tag). The bound below is a hundred times what they take
    now: it fails on quadratic work, not on a slow machine. Their speed at 10 KB-10 MB is
    measured by ``benchmarks/hostile_inputs.py``."""
    raw = make(200 * KB).encode()
    with _deadline(seconds=20):
        article = normalise(raw)
    assert kept in article.text


def test_nesting_deeper_than_any_page_is_cut_and_the_text_kept() -> None:
    from pipeline.normalise import MAX_DEPTH, limit_depth

    page = "<div>" * 5000 + "<p>deep text</p>" + "</div>" * 5000
    limited = limit_depth(page)
    assert limited.count("<div>") == limited.count("</div>") == MAX_DEPTH
    assert strip_html(page).split() == ["deep", "text"]
    ordinary = "<ul>" + "<li><p>one<p>two" * 500 + "</ul><div><div>x</div></div>"
    assert limit_depth(ordinary) == ordinary  # unclosed <p> and <li> do not count as depth


class _TooSlow(Exception):
    pass


@contextlib.contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    def expire(*_: object) -> None:
        raise _TooSlow(f"still running after {seconds}s: super-linear work")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_run_with_no_space_is_cut_into_words_a_tokenizer_reads_in_one_pass() -> None:
    from pipeline.normalise import MAX_WORD

    text = normalise((ARTICLE + "[" * 5000 + " https://example.org/short ok\n").encode()).text
    assert max(len(word) for word in text.split()) == MAX_WORD
    assert "[" * MAX_WORD in text and "https://example.org/short ok" in text
    assert ARTICLE.split("\n")[2] in text  # prose is untouched


def test_a_line_longer_than_any_paragraph_is_cut_at_white_space() -> None:
    from pipeline.normalise import MAX_PARAGRAPH

    words = [f"word{i}" for i in range(20_000)]
    text = normalise((ARTICLE + " ".join(words) + "\n").encode()).text
    lines = text.split("\n")
    assert max(len(line) for line in lines) <= MAX_PARAGRAPH and len(lines) > 5
    assert " ".join(lines).split()[-20_000:] == words  # every word kept, in order
