"""Document metadata: YAML front matter, values given on the command line or in a
manifest, and the one rule that decides between sources."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import frontmatter, metadata
from pipeline.extract import extract_claims
from pipeline.metadata import MetadataError, merge, parse_manifest, parse_published
from pipeline.normalise import normalise
from schemas.enums import DateSource
from schemas.records import DocumentMetadata

FM = DateSource.FRONT_MATTER

ARTICLE = """\
---
title: Minsk says the joint exercise ends this weekend
outlet: The Harbour Courier
published: {published}
url: https://courier.example/world/2022/02/17/belarus-30000-troops-exercise-ends
author: Ana Lopes
desk: europe
tags: [belarus, drills]
---
Minsk says the joint exercise ends this weekend
By Ana Lopes
Thursday, 10 February 2022
The exercise with Russia will finish on Sunday as planned, Belarus's defence ministry said.
"""


def article(published: str = "2022-02-17") -> bytes:
    return ARTICLE.format(published=published).encode()


@pytest.mark.parametrize(
    "published",
    ["2022-02-17", "2022-02-17T10:00:00Z", "'2022-02-17'", "February 17, 2022",
     "17 February 2022", "2022-02-17T23:30:00-05:00", "Feb. 17, 2022"],
)  # fmt: skip
def test_front_matter_is_read_stripped_and_beats_the_text(published: str) -> None:
    result = normalise(article(published))
    assert result.published == date(2022, 2, 17)  # not the date line's 10 February
    assert result.date_source is FM
    assert result.outlet == "The Harbour Courier"
    assert result.url.endswith("/belarus-30000-troops-exercise-ends")
    assert result.byline == "Ana Lopes"
    assert result.title == "Minsk says the joint exercise ends this weekend"
    assert result.extra == {"desk": "europe", "tags": ["belarus", "drills"]}
    assert result.sources == {name: FM for name in
                              ("title", "outlet", "published", "url", "byline", "desk", "tags")}  # fmt: skip
    assert result.warnings == ()
    assert "---" not in result.text and "outlet:" not in result.text and "url:" not in result.text
    assert result.text.startswith("Minsk says the joint exercise ends this weekend\n")


def test_a_front_matter_date_resolves_the_articles_relative_dates() -> None:
    claims = extract_claims(normalise(article()), None)
    drill = [c for c in claims if c.kind == "drill_end_date"]
    assert [c.value for c in drill] == [date(2022, 2, 20)]  # the Sunday after 17 February
    assert all(c.as_of == date(2022, 2, 17) for c in claims)


def test_a_figure_in_the_url_slug_is_not_a_claim() -> None:
    text = (
        "---\noutlet: Example Wire\npublished: 2022-02-17\n"
        "url: https://wire.example/news/russia-masses-150000-troops-near-ukraine\n"
        "title: Russia masses 150,000 troops, minister says\n---\n"
        "Talks resume in Geneva\nDiplomats met again on Thursday.\n"
    )
    result = normalise(text.encode())
    assert result.title == "Russia masses 150,000 troops, minister says"
    assert extract_claims(result, None) == []


@pytest.mark.parametrize(
    "head, why",
    [
        ("title: Kyiv: the view from the capital\noutlet: X\n", "not YAML"),
        ("- a list\n- not a mapping\n", "not 'key: value' lines"),
        ("just a sentence between rules\n", "not 'key: value' lines"),
        ("a: &x [1, 2]\nb: *x\n", "alias"),
        ('outlet: "unterminated\n', "not YAML"),
        ("title: " + "[" * 3000 + "\n", "nested too deeply"),
        ("\tkey: tab indented\n", "not YAML"),
    ],
)
def test_malformed_front_matter_is_kept_as_text_with_a_warning(head: str, why: str) -> None:
    raw = f"---\n{head}---\nTroops pulled back\nSome 10,000 troops left the area, the army said.\n"
    result = normalise(raw.encode())
    (warning,) = result.warnings
    assert warning.startswith("front matter not read, kept as text") and why in warning
    assert "Some 10,000 troops left the area" in result.text
    assert result.url is None and result.extra == {}


def test_front_matter_with_no_closing_line_is_text() -> None:
    raw = "---\noutlet: X\npublished: 2022-02-17\nTroops pulled back from the border.\n"
    found, text = frontmatter.split(raw)
    assert text == raw
    assert found is not None and "no closing '---'" in found.warnings[0]
    assert found.outlet is None


def test_a_rule_that_is_not_on_the_first_line_is_not_front_matter() -> None:
    raw = "Headline here\n---\noutlet: X\n---\nBody.\n"
    assert frontmatter.split(raw) == (None, raw)


def test_bad_values_are_left_out_with_a_warning_and_the_rest_is_used() -> None:
    raw = (
        "---\noutlet: NO\npublished: the day after\nurl: wire.example/no-scheme\n"
        "title: ~\ndraft: true\n---\nA story about talks\nFebruary 16, 2022\nTalks went on.\n"
    )
    result = normalise(raw.encode())
    assert result.outlet == "NO"  # as written: YAML 1.1 would have read False
    assert (result.published, result.date_source) == (date(2022, 2, 16), DateSource.DATELINE)
    assert result.url is None and result.title == "A story about talks"
    assert result.extra == {"draft": True}
    assert result.warnings == (
        "front matter: published 'the day after' is not a date (write YYYY-MM-DD)",
        "front matter: url 'wire.example/no-scheme' is not an http(s) address",
    )


def test_keys_are_case_insensitive_and_date_and_authors_are_aliases() -> None:
    found, body = frontmatter.split(
        "---\nTitle: T one\nDate: 2022-03-01\nauthors:\n  - A. One\n  - B. Two\n---\nBody\n"
    )
    assert found is not None and body == "Body\n"
    assert (found.title, found.published, found.byline) == ("T one", date(2022, 3, 1),
                                                            "A. One, B. Two")  # fmt: skip


def test_empty_front_matter_is_stripped() -> None:
    found, body = frontmatter.split("---\n---\nBody\n")
    assert found == DocumentMetadata() and body == "Body\n"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-*&[]{}'\"\n \t#|>!%@`,?0129.")), max_size=200))
def test_no_front_matter_crashes_anything(block: str) -> None:
    raw = f"---\n{block}\n---\nBody line\n"
    found, text = frontmatter.split(raw)
    assert found is not None
    if found.warnings and found.warnings[0].startswith("front matter not read"):
        assert text == raw  # nothing lost
    else:
        assert text.endswith("Body line\n")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2022-02-15", date(2022, 2, 15)),
        ("2022-02-15T10:00:00Z", date(2022, 2, 15)),
        ("February 15, 2022", date(2022, 2, 15)),
        ("15 Feb 2022", date(2022, 2, 15)),
        ("15/02/2022", date(2022, 2, 15)),  # 15 cannot be a month
        ("02/02/2022", date(2022, 2, 2)),
        (date(2022, 2, 15), date(2022, 2, 15)),
    ],
)
def test_publication_dates(value: object, expected: date) -> None:
    assert parse_published(value) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("03/04/2022", "ambiguous"),
        ("yesterday", "not a date"),
        ("2022", "not a date"),
        ("February 2022", "not a date"),
        ("2022-02-30", "not a date"),
        ("", "empty"),
    ],
)
def test_what_is_not_a_publication_date(value: str, message: str) -> None:
    with pytest.raises(MetadataError, match=message):
        parse_published(value)


def meta(source: DateSource, **values: object) -> DocumentMetadata:
    return DocumentMetadata(**values, sources={k: source for k in values})  # type: ignore[arg-type]


def test_merge_fills_what_is_empty() -> None:
    merged = merge(
        meta(DateSource.CLI, outlet="A"), meta(FM, outlet="B", url="https://a.example/x")
    )
    assert (merged.outlet, merged.url) == ("A", "https://a.example/x")
    assert merged.sources == {"outlet": DateSource.CLI, "url": FM}
    assert merged.warnings == ("outlet: 'B' (front_matter) not applied; kept 'A' (cli)",)


def test_a_stated_value_replaces_one_read_from_the_text_and_never_the_reverse() -> None:
    guessed = meta(DateSource.INFERRED, published=date(2022, 2, 10))
    stated = meta(DateSource.MANIFEST, published=date(2022, 2, 15))
    assert merge(guessed, stated).published == date(2022, 2, 15)
    assert merge(guessed, stated).warnings == ()
    kept = merge(stated, guessed)
    assert kept.published == date(2022, 2, 15) and kept.warnings == ()  # a guess is no news
    assert kept.sources["published"] is DateSource.MANIFEST


def test_the_same_value_stated_upgrades_its_source() -> None:
    merged = merge(meta(DateSource.DATELINE, published=date(2022, 2, 15)),
                   meta(FM, published=date(2022, 2, 15)))  # fmt: skip
    assert merged.sources["published"] is FM and merged.warnings == ()


def test_extra_keys_are_kept_and_never_overwritten() -> None:
    held = DocumentMetadata(extra={"desk": "europe"}, sources={"desk": FM})
    merged = merge(held, DocumentMetadata(extra={"desk": "world", "lang": "en"},
                                          sources={"desk": DateSource.CLI, "lang": DateSource.CLI}))  # fmt: skip
    assert merged.extra == {"desk": "europe", "lang": "en"}
    assert merged.sources == {"desk": FM, "lang": DateSource.CLI}
    assert merged.warnings == ("desk: 'world' (cli) not applied; kept 'europe' (front_matter)",)


def test_given_values_are_checked() -> None:
    given_ = metadata.given(DateSource.CLI, outlet=" The  Courier ", published="2022-02-15",
                            author="A. One")  # fmt: skip
    assert (given_.outlet, given_.published, given_.byline) == ("The Courier", date(2022, 2, 15),
                                                                "A. One")  # fmt: skip
    with pytest.raises(MetadataError, match=r"url 'courier\.example' is not an http"):
        metadata.given(DateSource.CLI, url="courier.example")
    with pytest.raises(MetadataError, match="outlet is 201 characters long"):
        metadata.given(DateSource.CLI, outlet="x" * 201)


def test_a_manifest_names_files_relative_to_itself(tmp_path: Path) -> None:
    text = (
        "file,outlet,published,url,title,desk\n"
        "a.txt,The Courier,2022-02-15,https://courier.example/a,A title,europe\n"
        f'{tmp_path / "abs.md"},,"February 16, 2022",,,\n'
        ",,,,,\n"
    )
    rows = parse_manifest(text, base=tmp_path / "in", name="sources.csv")
    assert [(r.line, r.path) for r in rows] == [(2, tmp_path / "in" / "a.txt"),
                                                (3, tmp_path / "abs.md")]  # fmt: skip
    first, second = (r.metadata for r in rows)
    assert (first.outlet, first.published, first.url, first.title) == (
        "The Courier", date(2022, 2, 15), "https://courier.example/a", "A title")  # fmt: skip
    assert first.extra == {"desk": "europe"}
    assert set(first.sources.values()) == {DateSource.MANIFEST}
    assert (second.outlet, second.published) == (None, date(2022, 2, 16))


def test_a_tab_separated_manifest() -> None:
    rows = parse_manifest("file\tpublished\nx.txt\t2022-02-15\n", base=Path("/m"), name="s.tsv")
    assert rows[0].metadata.published == date(2022, 2, 15)


@pytest.mark.parametrize(
    "text, message",
    [
        ("name,outlet\nx.txt,A\n",
         "sources.csv: no 'file' column in its first line (columns: file,outlet,published,url,title)"),
        ("file,published\na.txt,soon\nb.txt,later\n",
         "sources.csv line 2: published 'soon' is not a date (write YYYY-MM-DD) (and 1 more)"),
        ("file,outlet\na.txt,A\na.txt,B\n", "sources.csv line 3: a.txt is listed already on line 2"),
        ("file,outlet\n", "sources.csv: no files listed"),
        ("file,outlet\n,Orphan outlet\n", "sources.csv line 2: no file named"),
    ],
)  # fmt: skip
def test_manifest_mistakes_name_their_line(text: str, message: str) -> None:
    with pytest.raises(MetadataError) as error:
        parse_manifest(text, base=Path("/m"), name="sources.csv")
    assert str(error.value) == message


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "give files or folders to ingest, or --manifest FILE"),
        (["--manifest", "{m}", "--outlet", "X", "--url", "https://x.example"],
         "--manifest gives each file's metadata: drop --outlet --url"),
        (["--url", "https://x.example/a", "{d}/a.txt", "{d}/b.txt"],
         "--url describes one file; 2 files were given"),
        (["--published", "31/31/2022", "{d}"], "published '31/31/2022' is not a date (write YYYY-MM-DD)"),
        (["--manifest", "{d}/latin1.csv"], "{d}/latin1.csv is not UTF-8 text: save it as UTF-8"),
    ],
)  # fmt: skip
def test_ingest_mistakes_are_one_line_before_anything_is_recorded(
    tmp_path: Path, args: list[str], message: str
) -> None:
    from click.testing import CliRunner

    from workers.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Headline of one\nBody.\n")
    (folder / "b.txt").write_text("Headline of two\nBody.\n")
    (folder / "latin1.csv").write_bytes("file,outlet\na.txt,Caf\xe9 Daily\n".encode("latin-1"))
    manifest = folder / "sources.csv"
    manifest.write_text("file,outlet\na.txt,X\n")
    args = [a.format(m=manifest, d=folder) for a in args]
    env = {"CLAIMTRACK_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(main, ["ingest", *args], env=env)
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {message.format(d=folder)}"
    assert not (tmp_path / "data").exists()  # no ledger was opened
