"""Verification decisions on small sets of claims (pure: no database)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from pipeline.propositions import scope_of, troop_area
from pipeline.verify import View, decide
from schemas.records import ExtractedClaim

D = date(2022, 2, 15)


def troops(id: int, value: int, origin: str, qualifier: str = "exact", as_of: date = D,
           high: int | None = None, status: str = "unconfirmed", vague: bool = False) -> View:  # fmt: skip
    return View(id, "troop_count", value, high, None, qualifier, origin, as_of, status, vague=vague)


def drills(id: int, end: date | None, origin: str, qualifier: str = "exact", as_of: date = D,
           extension: bool = False) -> View:  # fmt: skip
    return View(
        id, "drill_end_date", None, None, end, qualifier, origin, as_of, "unconfirmed", extension
    )


def statuses(claims: list[View]) -> dict[int, str]:
    return {i: d.status.value for i, d in decide(claims).items()}


def test_exact_and_more_than_from_two_origins_corroborate() -> None:
    result = decide([troops(1, 100_000, "Outlet A"), troops(2, 100_000, "Outlet B", "more_than")])
    assert {i: d.status.value for i, d in result.items()} == {1: "corroborated", 2: "corroborated"}
    assert "claim #2 (Outlet B: more than 100,000" in result[1].reason
    assert "2 independent origins" in result[1].reason
    assert result[1].cause == 2


def test_one_origin_repeated_stays_unconfirmed() -> None:
    result = decide([troops(1, 100_000, "Ministry"), troops(2, 100_000, "Ministry")])
    assert {d.status.value for d in result.values()} == {"unconfirmed"}
    assert "only one origin (Ministry)" in result[1].reason


def test_conflicting_figures_same_moment_are_disputed() -> None:
    result = decide([troops(1, 60_000, "Ukraine"), troops(2, 100_000, "US officials", "more_than")])
    assert {i: d.status.value for i, d in result.items()} == {1: "disputed", 2: "disputed"}
    assert "conflicts with claim #2 (US officials: more than 100,000" in result[1].reason


def test_a_later_different_figure_supersedes_not_disputes() -> None:
    result = decide([
        troops(1, 100_000, "A", as_of=date(2022, 1, 10)),
        troops(2, 190_000, "B", "up_to", as_of=date(2022, 2, 18)),
    ])  # fmt: skip
    assert result[1].status.value == "superseded" and result[1].cause == 2
    assert "claim #2 (B: up to 190,000, as of 2022-02-18)" in result[1].reason
    assert result[2].status.value == "unconfirmed"


def test_drill_end_date_agreement_dispute_and_extension() -> None:
    feb20, feb27 = date(2022, 2, 20), date(2022, 2, 27)
    assert statuses([drills(1, feb20, "A"), drills(2, feb20, "B")]) == {
        1: "corroborated",
        2: "corroborated",
    }
    assert statuses([drills(1, feb20, "A"), drills(2, feb27, "B")]) == {
        1: "disputed",
        2: "disputed",
    }
    extended = statuses([
        drills(1, feb20, "A"), drills(2, feb20, "B"),
        drills(3, None, "Ministry", "more_than", as_of=feb20, extension=True),
    ])  # fmt: skip
    assert extended == {1: "superseded", 2: "superseded", 3: "unconfirmed"}
    past = statuses([drills(1, feb20, "A"), drills(2, feb20, "B", "more_than", as_of=feb20)])
    assert past[1] == "superseded"


def test_reviewer_verdict_is_never_overwritten() -> None:
    result = decide([troops(1, 100_000, "A", status="confirmed"), troops(2, 50_000, "B")])
    assert 1 not in result
    assert result[2].status.value == "disputed"


def test_statuses_do_not_depend_on_order() -> None:
    claims = [
        troops(1, 100_000, "A"), troops(2, 100_000, "B", "more_than"), troops(3, 60_000, "C"),
        troops(4, 90_000, "D", as_of=date(2022, 1, 1)), troops(5, 100_000, "A", "approx"),
    ]  # fmt: skip
    expected = statuses(claims)
    for order in itertools.permutations(claims):
        assert statuses(list(order)) == expected


@pytest.mark.parametrize(
    "location, area",
    [
        ("on the borders of its pro-Western neighbor", "around_ukraine"),
        ("at the Ukrainian border", "around_ukraine"),
        ("close to the borders with Ukraine", "around_ukraine"),
        (None, "around_ukraine"),
        ("in Belarus", "belarus"),
        ("in Crimea", "crimea"),
        ("on the Belarusian-Ukrainian border, Crimea and the Donbas", "around_ukraine"),
    ],
)
def test_troop_area_gazetteer(location: str | None, area: str) -> None:
    assert troop_area(location) == area


def test_different_scopes_are_different_propositions() -> None:
    def claim(location: str) -> ExtractedClaim:
        return ExtractedClaim("troop_count", 30_000, "exact", "q", 0, 1, location=location)

    assert scope_of(claim("in Belarus")) != scope_of(claim("near Ukraine's border"))


from dataclasses import replace  # noqa: E402
from datetime import timedelta  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pipeline.verify import may_change  # noqa: E402

_claim = st.tuples(
    st.sampled_from([60_000, 90_000, 100_000, 110_000, 130_000, 190_000]),
    st.sampled_from(["exact", "approx", "more_than", "up_to", "less_than"]),
    st.sampled_from(["A", "B", "C"]),
    st.integers(min_value=0, max_value=20),
    st.booleans(),  # "tens of thousands" instead of the figure
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_claim, min_size=1, max_size=9))
def test_incremental_verification_equals_deciding_everything(raw: list[tuple]) -> None:
    """Deciding only new claims and those they can affect, arrival by arrival, ends where
    deciding the whole set ends."""
    arrived: list[View] = []
    for i, (value, qualifier, origin, day, vague) in enumerate(raw, start=1):
        as_of = D + timedelta(days=day)
        if vague:
            new = troops(i, 10_000, origin, as_of=as_of, high=99_999, vague=True)
        else:
            new = troops(i, value, origin, qualifier, as_of=as_of)
        only = {new.id} | {v.id for v in arrived if may_change(v, [new])}
        arrived.append(new)
        for claim_id, decision in decide(arrived, only=only).items():
            arrived = [
                replace(v, status=decision.status.value) if v.id == claim_id else v for v in arrived
            ]
    incremental = {v.id: v.status for v in arrived}
    assert incremental == statuses(arrived)


def test_a_vague_figure_neither_disputes_nor_corroborates_a_precise_one() -> None:
    precise = troops(1, 130_000, "A")
    wide = troops(2, 10_000, "B", high=99_999, vague=True)
    agreeing_wide = troops(3, 100_000, "C", high=999_999, vague=True)
    result = decide([precise, wide, agreeing_wide])
    assert result[1].status.value == "unconfirmed"  # neither vague claim counts for it
    assert result[2].status.value == "unconfirmed"  # not disputed by 130,000
    assert result[3].status.value == "corroborated"  # 130,000 falls inside it
    assert "claim #1" in result[3].reason


def test_a_vague_figure_does_not_supersede_an_earlier_precise_one() -> None:
    early = troops(1, 130_000, "A")
    later_wide = troops(2, 10_000, "B", as_of=D + timedelta(days=10), high=99_999, vague=True)
    assert statuses([early, later_wide]) == {1: "unconfirmed", 2: "unconfirmed"}
