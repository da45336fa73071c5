"""Verification scenarios: a handful of short articles (written for these tests) fed through
the real stages into a real ledger, asserting every claim's final status and a reason."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine

from pipeline import ledger, verify
from pipeline.database import open_ledger, session
from schemas.enums import ClaimStatus
from tests.conftest import assert_histories_unbroken, process

pytestmark = pytest.mark.integration


def article(title: str, outlet: str, day: str, *paragraphs: str) -> bytes:
    return "\n".join([title, outlet, day, *paragraphs]).encode()


AFP_STORY = (
    "Russia has massed some 120,000 troops near Ukraine's border, in a build-up that "
    "Western capitals fear could precede an invasion, while Moscow insists the forces are "
    "there for exercises and will return to their bases once the drills are over. Diplomats "
    "in Brussels and Washington were due to meet again on Wednesday to weigh new sanctions."
)


@dataclass
class Scenario:
    articles: dict[str, bytes]
    # (file, kind, value) -> final status
    expected: dict[tuple[str, str, object], str]
    # (file, kind, value) -> words the reason of its last event must contain
    reasons: dict[tuple[str, str, object], str] = field(default_factory=dict)


SCENARIOS = {
    "exact and more-than agree": Scenario(
        {
            "a.txt": article("Troops at the border", "Daily Planet", "February 15, 2022",
                             "Russia has massed 100,000 troops near Ukraine's border."),
            "b.txt": article("Build-up continues", "Morning Herald", "February 15, 2022",
                             "Russia has deployed more than 100,000 troops along the Ukrainian border."),
        },
        {("a.txt", "troop_count", 100000): "corroborated", ("b.txt", "troop_count", 100000): "corroborated"},
        {("a.txt", "troop_count", 100000): "2 independent origins"},
    ),
    "one wire story republished is one origin": Scenario(
        {
            "w1.txt": article("Russia masses troops", "Daily Planet", "February 15, 2022",
                              "By Anna Field for AFP", AFP_STORY),
            "w2.txt": article("Russia masses troops near Ukraine", "Morning Herald", "February 15, 2022",
                              AFP_STORY, "Read more of our coverage online."),
            "w3.txt": article("Troops massed, West fears invasion", "Evening Courier", "February 15, 2022",
                              AFP_STORY),
        },
        {("w1.txt", "troop_count", 120000): "unconfirmed", ("w2.txt", "troop_count", 120000): "unconfirmed",
         ("w3.txt", "troop_count", 120000): "unconfirmed"},
        {("w2.txt", "troop_count", 120000): "only one origin (AFP)"},
    ),
    "one spokesman quoted by four outlets is one origin": Scenario(
        {
            "s1.txt": article("Pull-back announced", "Daily Planet", "February 15, 2022",
                              "Some 10,000 troops are returning to their bases, defence ministry spokesman Igor Konashenkov said."),
            "s2.txt": article("Troops head home", "Morning Herald", "February 15, 2022",
                              "About 10,000 soldiers are going back to barracks, the Russian Defence Ministry said on Tuesday."),
            "s3.txt": article("Drawdown", "Evening Courier", "February 15, 2022",
                              "According to Russia's defence ministry, 10,000 troops are leaving the border area."),
            "s4.txt": article("Moscow pulls back", "Weekly Gazette", "February 15, 2022",
                              "Konashenkov told reporters that 10,000 troops had completed their drills."),
        },
        {(f"s{i}.txt", "troop_count", 10000): "unconfirmed" for i in range(1, 5)},
        {("s4.txt", "troop_count", 10000): "only one origin (Russian government)"},
    ),
    "conflicting figures on the same day are disputed": Scenario(
        {
            "u.txt": article("Kyiv Gives Its Estimate", "Daily Planet", "February 15, 2022",
                             "Ukraine says Russia has 60,000 troops near its border."),
            "us.txt": article("Washington Raises Alarm", "Morning Herald", "February 15, 2022",
                              "US officials say Russia has more than 100,000 troops near Ukraine's border."),
        },
        {("u.txt", "troop_count", 60000): "disputed", ("us.txt", "troop_count", 100000): "disputed"},
        {("u.txt", "troop_count", 60000): "US government: more than 100,000"},
    ),
    "a later figure supersedes an earlier one": Scenario(
        {
            "jan.txt": article("Troops gather", "Daily Planet", "January 10, 2022",
                               "Russia has massed 100,000 troops near Ukraine's border."),
            "feb.txt": article("Build-up grows", "Morning Herald", "February 18, 2022",
                               "Russia now has up to 190,000 troops in and near Ukraine."),
        },
        {("jan.txt", "troop_count", 100000): "superseded", ("feb.txt", "troop_count", 190000): "unconfirmed"},
        {("jan.txt", "troop_count", 100000): "superseded by a later, different figure: claim #"},
    ),
    "an extension supersedes the planned end date": Scenario(
        {
            "d1.txt": article("Drills in Belarus", "Daily Planet", "February 15, 2022",
                              "The joint drills in Belarus are scheduled to end on February 20."),
            "d2.txt": article("Exercises continue", "Morning Herald", "February 16, 2022",
                              "Russia and Belarus hold joint exercises that will end on 20th February."),
            "d3.txt": article("Drills go on", "Evening Courier", "February 20, 2022",
                              "The Belarusian defence ministry said the joint drills with Russia would be extended."),
        },
        {("d1.txt", "drill_end_date", "2022-02-20"): "superseded",
         ("d2.txt", "drill_end_date", "2022-02-20"): "superseded",
         ("d3.txt", "drill_end_date", None): "unconfirmed"},
        {("d1.txt", "drill_end_date", "2022-02-20"): "the drills were later reported extended"},
    ),
    "different scopes never dispute": Scenario(
        {
            "bel.txt": article("Troops in Belarus", "Daily Planet", "February 15, 2022",
                               "Russia has sent 30,000 troops to Belarus for the drills."),
            "bor.txt": article("Troops at the border", "Morning Herald", "February 15, 2022",
                               "Russia has more than 100,000 troops near Ukraine's border."),
        },
        {("bel.txt", "troop_count", 30000): "unconfirmed", ("bor.txt", "troop_count", 100000): "unconfirmed"},
        {("bel.txt", "troop_count", 30000): "no other origin reports this yet"},
    ),
    "an undated 'Sunday' takes the story's date but is no evidence for it": Scenario(
        {
            "dated.txt": article("Drills in Belarus", "Daily Planet", "February 15, 2022",
                                 "The joint drills in Belarus are scheduled to end on February 20."),
            "undated.txt": "\n".join(["Drills wind down", "Morning Herald",
                                      "The joint exercises in Belarus are due to end on Sunday."]).encode(),
        },
        {("dated.txt", "drill_end_date", "2022-02-20"): "unconfirmed",
         ("undated.txt", "drill_end_date", "2022-02-20"): "corroborated"},
        {("dated.txt", "drill_end_date", "2022-02-20"): "no other origin reports this yet"},
    ),
    "vague amounts are not claims: only the figure is kept": Scenario(
        {
            "v1.txt": article("Strikes on Kharkiv", "Daily Planet", "March 2, 2022",
                              "Dozens of civilians have been killed in Kharkiv since Monday."),
            "v2.txt": article("Kharkiv toll", "Morning Herald", "March 2, 2022",
                              "Shelling has killed 34 civilians in Kharkiv since Monday."),
            "v3.txt": article("War in the east", "Evening Courier", "March 2, 2022",
                              "Hundreds of civilians have been killed in Kharkiv since Monday."),
        },
        {("v2.txt", "casualty_count", 34): "unconfirmed"},
        {("v2.txt", "casualty_count", 34): "no other origin reports this yet"},
    ),
}  # fmt: skip


def _outcome(engine: Engine) -> dict[tuple[str, str, object], tuple[str, str]]:
    with session(engine) as s:
        result = {}
        for row in ledger.list_claims(s):
            c = row.claim
            value = c.value_date.isoformat() if c.value_date else c.value
            events = ledger.history(s, claim_id=c.id)  # type: ignore[arg-type]
            result[(row.document.file_name, c.kind, value)] = (c.status, events[-1].reason)
        return result


@pytest.fixture(params=["whole", "near"])
def reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """How verification reads a proposition: whole (as it does a small one), or only the
    claims near the new ones (as it does one past ``SMALL_PROPOSITION`` claims). The
    statuses and reasons must be the same."""
    if request.param == "near":
        monkeypatch.setattr(verify, "SMALL_PROPOSITION", 0)
    return str(request.param)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(engine: Engine, name: str, reading: str) -> None:
    scenario = SCENARIOS[name]
    for file_name, raw in scenario.articles.items():
        process(engine, file_name, raw)
    outcome = _outcome(engine)
    assert {k: v[0] for k, v in outcome.items()} == scenario.expected
    for key, words in scenario.reasons.items():
        assert words in outcome[key][1], outcome[key][1]


def test_wire_copies_are_found_without_a_credit(engine: Engine) -> None:
    scenario = SCENARIOS["one wire story republished is one origin"]
    for file_name, raw in scenario.articles.items():
        process(engine, file_name, raw)
    with session(engine) as s:
        docs = {d.file_name: d for d in ledger.list_documents(s)}
    assert docs["w1.txt"].wire == "AFP" and docs["w1.txt"].copy_of_id is None
    assert docs["w2.txt"].copy_of_id == docs["w1.txt"].id
    assert docs["w3.txt"].copy_of_id == docs["w1.txt"].id


def test_a_reviewer_verdict_sticks(engine: Engine) -> None:
    process(engine, "a.txt", SCENARIOS["exact and more-than agree"].articles["a.txt"])
    with session(engine) as s:
        (row,) = ledger.list_claims(s)
        ledger.set_verdict(s, claim_id=row.claim.id, verdict=ClaimStatus.CONFIRMED,  # type: ignore[arg-type]
                           note="Matches satellite imagery", reviewer="editor")  # fmt: skip
        s.commit()
    process(engine, "c.txt", article("A lower figure", "Evening Courier", "February 15, 2022",
                                      "Kyiv says Russia has only 50,000 troops near the border."))  # fmt: skip
    outcome = _outcome(engine)
    assert outcome[("a.txt", "troop_count", 100000)][0] == "confirmed"
    assert outcome[("c.txt", "troop_count", 50000)][0] == "disputed"
    with session(engine) as s:
        history = ledger.history(s, claim_id=row.claim.id)  # type: ignore[arg-type]
    assert [(e.new_status, e.actor) for e in history] == [
        ("unconfirmed", "verifier"), ("confirmed", "reviewer editor")
    ]  # fmt: skip


@pytest.mark.parametrize("name", ["an extension supersedes the planned end date",
                                  "one wire story republished is one origin",
                                  "vague amounts are not claims: only the figure is kept"])  # fmt: skip
def test_every_arrival_order_gives_the_same_statuses(tmp_path, name: str, reading: str) -> None:
    scenario = SCENARIOS[name]
    for number, order in enumerate(itertools.permutations(scenario.articles)):
        engine = open_ledger(f"sqlite:///{tmp_path / f'order{number}.db'}")
        for file_name in order:
            process(engine, file_name, scenario.articles[file_name])
        assert {k: v[0] for k, v in _outcome(engine).items()} == scenario.expected, order
        engine.dispose()


def test_reprocessing_changes_nothing(engine: Engine) -> None:
    scenario = SCENARIOS["conflicting figures on the same day are disputed"]
    for file_name, raw in scenario.articles.items():
        process(engine, file_name, raw)
    before = _outcome(engine)
    for file_name, raw in scenario.articles.items():
        process(engine, file_name, raw)
    assert _outcome(engine) == before


def test_two_workers_verifying_at_once_agree_with_one(
    engine: Engine, tmp_path, reading: str
) -> None:
    """Many documents of one proposition verified from two threads at once end where one
    thread alone ends (verification is serialised per proposition)."""
    import threading

    figures = [100_000, 100_000, 60_000, 105_000, 190_000, 98_000, 100_000, 61_000]
    articles = {
        f"c{i}.txt": article(f"Report number {i}", f"Outlet {i}", "February 15, 2022",
                             f"Analysts at desk {i} say Russia has {n:,} troops near Ukraine's border.")
        for i, n in enumerate(figures)
    }  # fmt: skip
    names = list(articles)
    errors: list[BaseException] = []

    def work(part: list[str]) -> None:
        try:
            for name in part:
                process(engine, name, articles[name])
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(names[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert_histories_unbroken(engine)
    concurrent = {k: v[0] for k, v in _outcome(engine).items()}

    sequential = open_ledger(f"sqlite:///{tmp_path / 'sequential.db'}")
    for name in names:
        process(sequential, name, articles[name])
    assert concurrent == {k: v[0] for k, v in _outcome(sequential).items()}
    assert set(concurrent.values()) == {"disputed"}  # 60,000 and 190,000 conflict with the rest
    sequential.dispose()


def test_propositions_command_summarises_the_ledger(tmp_path) -> None:
    from click.testing import CliRunner

    from workers.cli import main

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = open_ledger(url)
    for file_name, raw in SCENARIOS[
        "conflicting figures on the same day are disputed"
    ].articles.items():
        process(engine, file_name, raw)
    engine.dispose()
    result = CliRunner().invoke(main, ["propositions"], env={"CLAIMTRACK_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert "Russian troops around Ukraine" in result.output  # the proposition in words
    assert "disputed" in result.output
    assert "2 claims (2 current) from 2 origins" in result.output
