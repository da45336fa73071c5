"""Verification reads a large proposition only near its new claims (``ledger.claim_rows_near``,
``ledger.drill_rows_near``); a small one whole. Random stories of claims, arriving one
document at a time into a real SQLite ledger, must end with the same statuses and
reasons either way."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from pipeline import ledger, verify
from pipeline.database import open_ledger, session
from schemas.records import ExtractedClaim

pytestmark = pytest.mark.integration

D = date(2022, 2, 1)
END = date(2022, 2, 20)

_drill = st.tuples(
    st.sampled_from([-1, 0, 0, 1, None]),  # end date vs the 20th; None: an extension, undated
    st.sampled_from(["exact", "exact", "more_than"]),  # more_than: "extended past"
    st.sampled_from(["A", "B", "C"]),
    st.one_of(st.none(), st.integers(min_value=0, max_value=24)),  # as-of day; None: undated
    st.sampled_from([(), (), ("extended",), ("date_from_story",)]),
)
_troops = st.tuples(
    st.sampled_from([60_000, 100_000, 105_000, 130_000, 190_000]),
    st.sampled_from(["exact", "approx", "more_than", "up_to"]),
    st.sampled_from(["A", "B", "C"]),
    st.one_of(st.none(), st.integers(min_value=0, max_value=24)),
    st.booleans(),
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("near") / "template.db"
    open_ledger(f"sqlite:///{path}").dispose()
    return path


def _copy(template: Path, name: str) -> Engine:
    path = template.with_name(name)
    shutil.copy(template, path)
    return open_ledger(f"sqlite:///{path}")


def _drill_claim(raw: tuple) -> tuple[ExtractedClaim, str]:
    shift, qualifier, origin, day, flags = raw
    value = None if shift is None else END + timedelta(days=shift)
    flags = ("extension", *flags) if value is None else flags
    as_of = None if day is None else D + timedelta(days=day)
    return ExtractedClaim("drill_end_date", value, "exact" if value is None else qualifier,
                          "q", 0, 1, as_of=as_of, flags=flags), origin  # fmt: skip


def _troop_claim(raw: tuple) -> tuple[ExtractedClaim, str]:
    value, qualifier, origin, day, vague = raw
    as_of = None if day is None else D + timedelta(days=day)
    if vague:
        return ExtractedClaim("troop_count", 10_000, "approx", "q", 0, 1, value_high=99_999,
                              vague=True, as_of=as_of), origin  # fmt: skip
    return ExtractedClaim("troop_count", value, qualifier, "q", 0, 1, as_of=as_of), origin


def _run(engine: Engine, claims: list[tuple[ExtractedClaim, str]]) -> dict[int, tuple[str, str]]:
    for number, (claim, origin) in enumerate(claims):
        with session(engine) as s:
            document, _ = ledger.record_document(s, raw=f"doc {number}".encode(),
                                                 file_name=f"{number}.txt")  # fmt: skip
            ledger.add_claims(s, document=document, claims=[claim], scope_of={0: "s"},
                              origin_of={0: origin}, tolerance=0.1)  # fmt: skip
            s.commit()
            document_id = document.id
        with session(engine) as s:
            verify.verify_document(s, document_id=document_id)  # type: ignore[arg-type]
            s.commit()
    with session(engine) as s:
        result = {}
        for row in ledger.list_claims(s):
            last = ledger.history(s, claim_id=row.claim.id)[-1]  # type: ignore[arg-type]
            # An undated claim is weighed against every claim of its date, however old:
            # read near the new claims, its reason may list fewer of them (same status,
            # same first cause).
            reason = last.reason if row.claim.as_of is not None else None
            result[row.claim.id] = (row.claim.status, last.cause_claim_id, reason)
        return result


def _same_either_way(template: Path, claims: list, monkeypatch: pytest.MonkeyPatch) -> None:
    results = []
    for name, small in (("whole.db", 10**9), ("near.db", 0)):
        with monkeypatch.context() as patch:
            patch.setattr(verify, "SMALL_PROPOSITION", small)
            engine = _copy(template, name)
            try:
                results.append(_run(engine, claims))
            finally:
                engine.dispose()
    read_whole, read_near = results
    assert read_near == read_whole


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_drill, min_size=1, max_size=12))
def test_drills_read_near_the_new_claims_decide_as_read_whole(
    template: Path, monkeypatch: pytest.MonkeyPatch, raw: list[tuple]
) -> None:
    _same_either_way(template, [_drill_claim(r) for r in raw], monkeypatch)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_troops, min_size=1, max_size=12))
def test_troops_read_near_the_new_claims_decide_as_read_whole(
    template: Path, monkeypatch: pytest.MonkeyPatch, raw: list[tuple]
) -> None:
    _same_either_way(template, [_troop_claim(r) for r in raw], monkeypatch)
