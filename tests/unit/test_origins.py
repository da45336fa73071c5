from __future__ import annotations

import pytest

from pipeline.duplicates import THRESHOLD, signature
from pipeline.origins import origin_of_speaker, wire_credit


@pytest.mark.parametrize(
    "speaker, origin",
    [
        ("Igor Konashenkov", "Russian government"),
        ("Russia's ministry of defence", "Russian government"),
        ("the Kremlin", "Russian government"),
        ("Ukrainian Defense Ministry", "Ukrainian government"),
        ("US officials", "US government"),
        ("the Pentagon", "US government"),
        ("UN human rights office", "United Nations"),
        ("NATO Secretary General", "NATO"),
        ("Belarus' defense ministry", "Belarusian government"),
        ("Western countries", "Western countries"),  # unknown: the speaker as written
        ("", ""),
    ],
)
def test_origin_of_speaker(speaker: str, origin: str) -> None:
    assert origin_of_speaker(speaker) == origin


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
    ],
)
def test_wire_credit(text: str, byline: str | None, agency: str | None) -> None:
    assert wire_credit(text, byline) == agency


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
