"""Scoring the extractor: a speaker is right when it names the same party; origins too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.evaluate import (
    GoldError,
    format_report,
    load_gold,
    predicted_origin,
    same_origin,
    same_party,
    score,
)
from schemas.records import ExtractedClaim
from workers.cli import main


@pytest.mark.parametrize(
    "gold, got",
    [
        ("Jens Stoltenberg", "Stoltenberg"),
        ("Jens Stoltenberg", "NATO Secretary-General"),
        ("Stoltenberg", "NATO Secretary-General"),
        ("Maj Gen Igor Konashenkov", "Igor Konashenkov"),
        ("the Russian defence ministry", "Russia's ministry of defence"),
        ("US officials", "the Pentagon"),  # both speak for one government
        ("Officials in Ukraine", "Ukraine's defence ministry"),
        ("UN human rights office", "United Nations"),
        ("Michael Carpenter", "US envoy Michael Carpenter"),  # a name the origin table lacks
        ("Western intelligence", "Western intelligence agencies"),
        ("Harlow (citing the port authority)", "Gemma Harlow"),  # a bracketed aside qualifies
        ("Channel 9 (citing two unnamed Western officials)", "two unnamed Western officials"),
        ("Channel 9 (citing two unnamed Western officials)", "Channel 9"),
        ("the Daily Planet", "Daily Planet"),
        ("", ""),
    ],
)
def test_the_same_party(gold: str, got: str) -> None:
    assert same_party(gold, got) and same_party(got, gold)


@pytest.mark.parametrize(
    "gold, got",
    [
        ("Officials in Ukraine", "Officials"),  # a bare role names nobody
        ("US officials", "officials"),
        ("Russian Defense Ministry", "tweet from Washington Post journalist A. Writer"),
        ("Ukrainian intelligence report", "despite Moscow"),
        ("Jens Stoltenberg", ""),  # the article's own voice is not a speaker
        ("the Daily Planet", "the Morning Star"),
        ("Harlow (citing the port authority)", "the Morning Star"),
    ],
)
def test_not_the_same_party(gold: str, got: str) -> None:
    assert not same_party(gold, got) and not same_party(got, gold)


def test_origins_by_the_same_rule_and_an_unnamed_outlet_is_itself() -> None:
    assert same_origin("UN", "United Nations")
    assert same_origin("Russian government", "Russian government")
    assert same_origin("unnamed outlet (004_abc)", "unknown outlet (004_abc.txt)")
    assert not same_origin("Reuters", "Belarusian government")
    assert not same_origin("unnamed outlet (004_abc)", "The Courier")


def _said_by(speaker: str, claimant: str = "") -> ExtractedClaim:
    return ExtractedClaim(kind="troop_count", value=1, qualifier="exact", quote="", start=0,
                          end=1, speaker=speaker, claimant=claimant)  # fmt: skip


def test_a_claims_predicted_origin_is_the_pipelines() -> None:
    def origin(claim: ExtractedClaim, wire: str | None, outlet: str | None) -> str:
        return predicted_origin(claim, wire=wire, outlet=outlet, file="a.txt")

    assert origin(_said_by("Igor Konashenkov"), "AFP", "X") == "Russian government"
    assert origin(_said_by(""), "AFP", "The Courier") == "AFP"
    assert origin(_said_by(""), None, "The Courier") == "The Courier"
    assert origin(_said_by(""), None, None) == "unknown outlet (a.txt)"
    assert origin(_said_by("A. Nobody"), None, "X") == "A. Nobody"
    assert origin(_said_by("officials"), None, "The Courier") == "The Courier"
    assert origin(_said_by("", claimant="Kremlin"), None, "The Courier") == "Russian government"


def _claim(**values: object) -> dict[str, object]:
    base = {"file": "a.txt", "kind": "troop_count", "value": 30000, "qualifier": "exact",
            "speaker": "", "origin": ""}  # fmt: skip
    return base | values


def test_the_report_gives_exact_and_same_party_speaker_and_origin_accuracy() -> None:
    gold = [
        _claim(value=1, speaker="Jens Stoltenberg", origin="NATO"),
        _claim(value=2, speaker="Officials in Ukraine", origin="Ukrainian government"),
        _claim(value=3, speaker="Igor Konashenkov", origin="Russian government"),
        _claim(value=4, speaker="", origin="The Courier"),
    ]
    predicted = [
        _claim(value=1, speaker="Stoltenberg", origin="NATO"),
        _claim(value=2, speaker="Officials", origin="Officials"),
        _claim(value=3, speaker="Igor Konashenkov", origin="Russian government"),
        _claim(value=4, speaker="", origin="The Courier"),
    ]
    report = score(gold, predicted)
    assert report.accuracy("speaker") == 0.5
    assert report.accuracy("speaker (same party)") == 0.75
    assert report.accuracy("origin") == 0.75
    text = format_report(report, verbose=True)
    assert "speaker accuracy               0.500 (n=4)" in text
    assert "speaker accuracy (same party)  0.750 (n=4)" in text
    assert "origin accuracy                0.750 (n=4)" in text
    assert "gold='Jens Stoltenberg' got='Stoltenberg'  (same party)" in text
    assert "gold='Officials in Ukraine' got='Officials'  (another party)" in text
    assert "DIFF origin a.txt troop_count 2: gold='Ukrainian government' got='Officials'" in text


def test_origin_is_not_scored_when_the_gold_has_none() -> None:
    gold = [{"file": "a.txt", "kind": "troop_count", "value": 1, "speaker": "X"}]
    report = score(gold, [_claim(value=1, speaker="X")])
    assert report.accuracy("origin") is None
    assert "origin accuracy                n/a (n=0)" in format_report(report)


def test_a_gold_file_that_is_not_gold_says_which_line(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text('{"file": "a.txt", "kind": "troop_count", "value": 1}\n\n{"file": "b"\n')
    with pytest.raises(GoldError, match=r"gold.jsonl line 3: not JSON"):
        load_gold(path)
    path.write_text('{"file": "a.txt", "kind": "troop_count"}\n')
    with pytest.raises(GoldError, match=r"gold.jsonl line 1: no value"):
        load_gold(path)


def _folder(tmp_path: Path, names: list[str]) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in names:
        (folder / name).write_text(
            "Troops near the border\nAbout 30,000 troops are in the area, officials said.\n"
        )
    return folder


def _gold(tmp_path: Path, files: list[str]) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(_claim(file=f)) + "\n" for f in files))
    return path


def _eval(gold: Path, articles: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, ["eval", "--gold", str(gold), "--articles", str(articles)],
        env={"CLAIMTRACK_SPACY_MODEL": "blank:en"},
    )  # fmt: skip
    return result.exit_code, result.stdout, result.stderr


def test_eval_on_a_folder_without_the_gold_files_says_so(tmp_path: Path) -> None:
    code, out, err = _eval(_gold(tmp_path, ["a.txt", "b.txt"]), _folder(tmp_path, ["other.txt"]))
    assert code == 1
    assert err.strip() == (
        f"Error: none of the 2 files gold.jsonl names is in {tmp_path / 'articles'}"
    )
    assert "Traceback" not in out + err


def test_eval_on_some_of_the_gold_files_notes_the_absent_ones(tmp_path: Path) -> None:
    code, out, err = _eval(_gold(tmp_path, ["a.txt", "b.txt"]), _folder(tmp_path, ["a.txt"]))
    assert code == 0, out + err
    assert "1 of the 2 files gold.jsonl names are not in" in err
    overall = next(line for line in out.splitlines() if line.startswith("overall"))
    assert overall.split()[4:] == ["1", "0", "1"]  # tp fp fn


def test_eval_with_a_broken_gold_file_is_one_line(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text("not json\n")
    code, _, err = _eval(gold, _folder(tmp_path, ["a.txt"]))
    assert code == 1 and err.strip() == "Error: gold.jsonl line 1: not JSON (Expecting value)"
