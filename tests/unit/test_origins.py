from __future__ import annotations

import json
from importlib import resources

import pytest

from pipeline.duplicates import THRESHOLD, signature
from pipeline.origins import origin_of_speaker, outlet_wire, resolve_origin, wire_credit

#: One speaker as an article writes it for every origin of the table
#: (pipeline/patterns/origins.json): a new entry without a row here fails the test below.
EXAMPLES = [
    ("according to the Kyiv Independent", "Kyiv Independent"),
    ("Ukrinform", "Ukrinform"),
    ("the UNIAN news agency", "UNIAN"),
    ("Interfax-Ukraine", "Interfax"),
    ("state news agency TASS", "TASS"),
    ("RIA Novosti", "RIA Novosti"),
    ("Belarus's BelTA agency", "BelTA"),
    ("Reuters", "Reuters"),
    ("AFP", "AFP"),
    ("the Associated Press", "AP"),
    ("The Washington Post", "Washington Post"),
    ("the New York Times", "New York Times"),
    ("The Wall Street Journal", "Wall Street Journal"),
    ("CNN", "CNN"),
    ("NBC", "NBC News"),
    ("CBS News", "CBS News"),
    ("ABC News", "ABC News"),
    ("the BBC", "BBC"),
    ("Bloomberg", "Bloomberg"),
    ("Axios", "Axios"),
    ("the Financial Times", "Financial Times"),
    ("The Guardian", "The Guardian"),
    ("Newsweek", "Newsweek"),
    ("Politico", "Politico"),
    ("UN human rights office", "United Nations"),
    ("the OSCE monitoring mission", "OSCE"),
    ("NATO Secretary General", "NATO"),
    ("EU foreign policy chief Josep Borrell", "European Union"),
    ("Western intelligence agencies", "Western intelligence"),
    ("two Western officials", "Western officials"),
    ("Western countries", "Western governments"),
    ("the self-proclaimed Donetsk People's Republic", "Russian-backed separatists"),
    ("Belarus' defense ministry", "Belarusian government"),
    ("Igor Konashenkov", "Russian government"),
    ("Russia's ministry of defence", "Russian government"),
    ("the Kremlin", "Russian government"),
    ("US officials", "US government"),
    ("the Pentagon", "US government"),
    ("Ukrainian Defense Ministry", "Ukrainian government"),
    ("the General Staff of the Armed Forces of Ukraine", "Ukrainian government"),
    ("Britain's Ministry of Defence", "UK government"),
    ("German Chancellor Olaf Scholz", "German government"),
    ("French President Emmanuel Macron", "French government"),
    ("Poland's Prime Minister", "Polish government"),
    ("the regional military administration", "Ukrainian government"),
]


@pytest.mark.parametrize("speaker, origin", EXAMPLES)
def test_origin_of_speaker(speaker: str, origin: str) -> None:
    assert origin_of_speaker(speaker) == origin


def test_every_origin_of_the_table_has_an_example() -> None:
    table = json.loads(
        resources.files("pipeline").joinpath("patterns/origins.json").read_text("utf-8")
    )
    assert {e["origin"] for e in table["origins"]} <= {origin for _, origin in EXAMPLES}


@pytest.mark.parametrize(
    "speaker, phrase, origin",
    [
        # unknown people: the words that introduce them say whom they speak for
        (
            "Anna Kovalenko",
            "Anna Kovalenko, a spokeswoman for the UN refugee agency",
            "United Nations",
        ),
        (
            "Anna Kovalenko",
            "Anna Kovalenko, who heads the city's emergency service",
            "Anna Kovalenko",
        ),
        # a relay passes a figure on; the party it cites asserts it
        ("NBC (citing two unnamed western officials)", "", "Western officials"),
        ("CNN, citing a senior US defense official", "", "US government"),
        ("a tweet by a BBC journalist", "", "Outlet"),
        # a description that names nobody is not a new, independent origin
        ("officials", "", "Outlet"),
        ("a senior official", "", "Outlet"),
        ("defense ministry", "", "Outlet"),
        ("", "", "Outlet"),
        # a name the table does not know stays the party it names
        ("Mariana Petrenko", "", "Mariana Petrenko"),
    ],
)
def test_resolve_origin(speaker: str, phrase: str, origin: str) -> None:
    assert resolve_origin(speaker, phrase=phrase, voice="Outlet") == origin


@pytest.mark.parametrize(
    "text, byline, agency",
    [
        ("Headline\nReuters\nReuters, Kyiv,\nBody.", None, "Reuters"),
        ("KYIV (Reuters) - Ukraine said on Tuesday ...", None, "Reuters"),
        ("Body text.", "Jane Doe for AFP and John Roe for AFP", "AFP"),
        ("Body text ends here. (AFP)", None, "AFP"),
        ("Body.\nWith AP.", None, "AP"),
        ("Photo: AFP\nBody text without a credit.", None, None),
        ("The map\nap\nshows the front.", None, None),  # lower-case 'ap' is not a credit
        ("An article citing Reuters reporting in its text.", None, None),
        # agencies the table does not know, credited the way agencies are
        ("Headline\nMINSK, Feb 10 (Meridian) - Russia and Belarus began drills.", None, "Meridian"),
        ("Headline\nBy Meridian Wire\nRussia and Belarus began drills.", None, "Meridian"),
        ("Headline\nBody.", "Northern News Agency", "Northern"),
        ("Headline\nKYIV, March 3 (Reuters) - Body.", None, "Reuters"),
    ],
)
def test_wire_credit(text: str, byline: str | None, agency: str | None) -> None:
    assert wire_credit(text, byline) == agency


@pytest.mark.parametrize(
    "outlet, agency",
    [("Deccan Herald (Reuters)", "Reuters"), ("National Post (AFP)", "AFP"), ("The Quint", None),
     (None, None)],
)  # fmt: skip
def test_an_outlet_name_may_credit_an_agency(outlet: str | None, agency: str | None) -> None:
    assert outlet_wire(outlet) == agency


STORY = (
    "Headline one\nRussia has massed some 120,000 troops near the border, in a build-up that "
    "Western capitals fear could precede an invasion, while Moscow says the forces are there "
    "for exercises and will go home once the drills are over, officials said on Tuesday."
)


def test_retitled_copy_with_a_line_added_is_a_near_duplicate() -> None:
    copy = STORY.replace("Headline one", "A different title") + "\nRead our live coverage."
    assert signature(STORY).jaccard(signature(copy)) >= THRESHOLD


def test_a_different_story_is_not() -> None:
    other = "Headline\nTalks in Geneva ended without agreement on Monday, diplomats said, " * 2
    assert signature(STORY).jaccard(signature(other)) < 0.2
