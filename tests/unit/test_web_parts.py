"""The desk's pure parts: figures in quotes, the SVG timeline, ClaimReview JSON-LD, upload
metadata, webhook signatures and the desk's settings."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from pipeline.claimreview import NotReviewed, claim_review, party
from pipeline.settings import SettingsError, load_settings
from tests.schema_org import problems
from workers.alerts import sign
from workers.web.actions import BadUpload, front_matter, safe_name
from workers.web.chart import timeline_svg
from workers.web.models import ClaimOut, PropositionOut, split_proposition
from workers.web.present import figure, figure_span


def _claim(**given: Any) -> SimpleNamespace:
    fields = {"id": 1, "status": "unconfirmed", "kind": "troop_count", "scope": "around_ukraine",
              "value": 100_000, "value_high": None, "value_date": None, "qualifier": "exact",
              "vague": False, "casualty_type": None, "victims": None, "location": None,
              "speaker": "", "origin": "Reuters", "quote": "", "start": 0, "end": 0,
              "as_of": date(2022, 2, 15), "flags": ""}  # fmt: skip
    return SimpleNamespace(**(fields | given))


@pytest.mark.parametrize(
    "quote, given, expected",
    [
        ("Russia has massed more than 100,000 troops near Ukraine.",
         {"value": 100_000, "qualifier": "more_than"}, "more than 100,000"),
        ("Estimates range between 169,000 and 190,000 troops.",
         {"value": 169_000, "value_high": 190_000}, "between 169,000 and 190,000"),
        ("A force of 30 000 soldiers, not 3,000, arrived.", {"value": 30_000}, "30 000"),
        ("The drills will end on February 20, officials said.",
         {"value": None, "value_date": date(2022, 2, 20), "kind": "drill_end_date"}, "February 20"),
        ("The exercises end on the 20th of February.",
         {"value": None, "value_date": date(2022, 2, 20), "kind": "drill_end_date"}, "20th of February"),
        ("The exercises in Belarus are due to end Sunday.",
         {"value": None, "value_date": date(2022, 2, 20), "kind": "drill_end_date"}, "Sunday"),
    ],
)  # fmt: skip
def test_the_figure_is_found_in_its_quote(quote: str, given: dict[str, Any], expected: str) -> None:
    span = figure_span(quote, _claim(**given))
    assert span is not None
    assert expected.lower() in quote[span[0] : span[1]].lower()


def test_a_figure_the_quote_does_not_write_has_no_span() -> None:
    assert figure_span("Troops massed at the border.", _claim(value=100_000)) is None
    assert (
        figure_span("The drills end soon.", _claim(value=None, value_date=date(2022, 2, 20)))
        is None
    )


@pytest.mark.parametrize(
    "given, expected",
    [
        ({"qualifier": "more_than"}, "more than 100,000"),
        ({"value": 24, "value_high": 99, "vague": True, "casualty_type": "killed"}, "vague 24-99 killed"),
        ({"value": None, "value_date": date(2022, 2, 20), "flags": "date_from_story"},
         "2022-02-20 (read from the story)"),
        ({"value": None, "flags": "extension"}, "drills extended (no date)"),
    ],
)  # fmt: skip
def test_figures_read_as_an_editor_says_them(given: dict[str, Any], expected: str) -> None:
    assert figure(_claim(**given)) == expected


def _out(**given: Any) -> ClaimOut:
    row = _claim(**given)
    return ClaimOut.of(row, SimpleNamespace(id=1, outlet="Outlet", published=date(2022, 2, 15)))


def _proposition(low: str, best: str, high: str, kind: str = "troop_count") -> PropositionOut:
    return PropositionOut(id=f"{kind}:x", fact="a fact", kind=kind, scope="x", state="disputed", claims=4,
                          current=3, origins=["A", "B"], low=low, best=best, high=high)  # fmt: skip


def test_the_timeline_has_one_mark_per_claim_with_its_status() -> None:
    claims = [
        _out(id=1, status="superseded", value=60_000, as_of=date(2022, 1, 10), origin="A"),
        _out(id=2, status="disputed", value=100_000, as_of=date(2022, 2, 15), origin="A"),
        _out(id=3, status="disputed", value=130_000, value_high=150_000, as_of=date(2022, 2, 15), origin="B"),
        _out(id=4, status="unconfirmed", value=190_000, qualifier="up_to", as_of=None, origin="C"),
    ]  # fmt: skip
    svg = timeline_svg(_proposition("100,000", "130,000", "190,000"), claims)
    marks = re.findall(r'<a class="mark status-(\w+)" href="/desk/claims/(\d+)"', svg)
    assert marks == [
        ("superseded", "1"),
        ("disputed", "2"),
        ("disputed", "3"),
        ("unconfirmed", "4"),
    ]
    assert svg.count('class="whisker"') == 1  # the range 130,000-150,000
    assert "undated" in svg and 'class="band"' in svg and "best 130,000" in svg
    assert svg.startswith("<svg") and svg.endswith("</svg>")


def test_the_timeline_escapes_what_it_is_given() -> None:
    claims = [_out(id=1, origin='<script>alert("x")</script>')]
    svg = timeline_svg(_proposition("100,000", "100,000", "100,000"), claims)
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_a_drills_timeline_is_drawn_on_dates() -> None:
    claims = [
        _out(id=1, kind="drill_end_date", value=None, value_date=date(2022, 2, 20)),
        _out(id=2, kind="drill_end_date", value=None, flags="extension", as_of=date(2022, 2, 20)),
    ]
    svg = timeline_svg(_proposition("2022-02-20", "2022-02-20", "after 2022-02-20 (extended)",
                                    kind="drill_end_date"), claims)  # fmt: skip
    assert len(re.findall(r'class="mark ', svg)) == 2
    assert "2022-02-20" in svg and "marker-end" in svg  # the extension points up


def _verdict(status: str = "refuted", actor: str = "reviewer ann") -> SimpleNamespace:
    return SimpleNamespace(new_status=status, actor=actor, reason="Satellite images show fewer.",
                           created_at=datetime(2022, 2, 17, 9, 0, tzinfo=UTC))  # fmt: skip


def _document(**given: Any) -> SimpleNamespace:
    fields = {"outlet": "The Quint", "title": "Troops retreat", "published": date(2022, 2, 15),
              "url": "https://example.org/article"}  # fmt: skip
    return SimpleNamespace(**(fields | given))


@pytest.mark.parametrize("speaker", ["", "Jens Stoltenberg", "Russian Defense Ministry"])
@pytest.mark.parametrize("status", ["refuted", "confirmed"])
def test_claimreview_is_valid_schema_org(speaker: str, status: str) -> None:
    review = claim_review(
        _claim(speaker=speaker, quote="Russia massed 100,000 troops."), _document(),
        _verdict(status), review_url="http://127.0.0.1:8000/desk/claims/1",
    )  # fmt: skip
    assert problems(review) == []
    assert review["reviewRating"]["alternateName"] == status.capitalize()
    assert review["author"] == {"@type": "Person", "name": "ann"}
    assert review["itemReviewed"]["appearance"]["url"] == "https://example.org/article"
    assert review["datePublished"] == "2022-02-17"


def test_the_validator_catches_what_schema_org_does_not_have() -> None:
    review = claim_review(_claim(quote="q"), _document(url=None), _verdict())
    review["itemReviewed"]["appearance"]["verdict"] = "no such property"
    review["reviewRating"]["@type"] = "Grade"
    found = problems(review)
    assert any("appearance.verdict: not a schema.org property" in p for p in found), found
    assert any("'Grade' is not a schema.org class" in p for p in found), found
    assert "url" not in review["itemReviewed"]["appearance"]  # no URL known, none made up


def test_an_unreviewed_claim_has_no_claimreview() -> None:
    with pytest.raises(NotReviewed):
        claim_review(_claim(), _document(), _verdict(status="disputed", actor="verifier"))


@pytest.mark.parametrize(
    "name, kind",
    [("Jens Stoltenberg", "Person"), ("Western countries", "Organization"),
     ("Russian Defense Ministry", "Organization"), ("Iran Press TV", "Organization")],
)  # fmt: skip
def test_who_says_it_is_a_person_or_an_organisation(name: str, kind: str) -> None:
    assert party(name)["@type"] == kind


def test_upload_metadata_is_front_matter() -> None:
    header = front_matter(title='A "quoted": title', outlet="Reuters", published="2022-02-15",
                          url="https://example.org/a")  # fmt: skip
    assert header.decode().splitlines() == [
        "---", 'title: "A \\"quoted\\": title"', 'outlet: "Reuters"', 'published: "2022-02-15"',
        'url: "https://example.org/a"', "---",
    ]  # fmt: skip
    assert front_matter(title=" ", outlet=None, published=None, url=None) == b""
    with pytest.raises(BadUpload, match="published must be a date"):
        front_matter(title=None, outlet=None, published="15/02/2022", url=None)
    with pytest.raises(BadUpload, match="url must be"):
        front_matter(title=None, outlet=None, published=None, url="javascript:alert(1)")


@pytest.mark.parametrize(
    "given, expected",
    [("../../etc/passwd", "passwd"), (".hidden.txt", "hidden.txt"), ("", "upload.txt"),
     (None, "upload.txt"), ("C:\\docs\\a.html", "a.html"), ("article.txt", "article.txt")],
)  # fmt: skip
def test_upload_names_stay_in_the_inbox(given: str | None, expected: str) -> None:
    assert safe_name(given) == expected


def test_webhook_signature_is_hmac_sha256_of_the_body() -> None:
    body = b'{"claim": 1}'
    expected = hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert sign(body, "k") == f"sha256={expected}"
    assert sign(body + b" ", "k") != sign(body, "k")


def test_propositions_are_kind_colon_scope() -> None:
    assert split_proposition("casualty_count:killed/all/since_2014") == (
        "casualty_count", "killed/all/since_2014",
    )  # fmt: skip
    with pytest.raises(ValueError, match="kind:scope"):
        split_proposition("troop_count")


def test_the_desk_off_loopback_needs_accounts() -> None:
    load_settings(web_address="127.0.0.1").check_web()
    with pytest.raises(SettingsError, match="without a password"):
        load_settings(web_address="0.0.0.0").check_web()
    open_desk = load_settings(web_address="0.0.0.0", web_users="ann:pw1, bob:pw:2")
    open_desk.check_web()
    assert open_desk.web_accounts == {"ann": "pw1", "bob": "pw:2"}
    with pytest.raises(SettingsError, match="name:password"):
        _ = load_settings(web_users="ann").web_accounts


def test_webhooks_need_a_secret_and_an_http_url() -> None:
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET is not"):
        load_settings(webhook_url="http://127.0.0.1:9/hook")
    with pytest.raises(SettingsError, match="http:// or https://"):
        load_settings(webhook_url="ftp://x", webhook_secret="s")
    assert load_settings(webhook_url="", webhook_secret="s").webhook_url is None
