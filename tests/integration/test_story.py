"""Whole stories through the pipeline: statuses an editor would sign, whatever the order in
which the articles arrive.

- ``tests/data/story/``: fourteen articles written for this project by an independent
  annotator (invented outlets, real-shaped events: a revised troop estimate, a wire story
  republished twice, a spokesman quoted by three outlets, a city's shelling toll beside the
  national civilian toll, the drills extended), with the status each claim should get by the
  documented rules. Run through the real stages on a SQLite file and on PostgreSQL in three
  arrival orders: every order gives the same claims and statuses, and they match the
  annotation.
- The development story (``../shared/eval/dev``, 45 real articles, beside the checkout as in
  CI; skipped elsewhere): dropped shuffled into the inbox of a real watcher with a real Redis
  broker and a real Celery worker; its story figures are asserted, so a regression fails CI.
"""

from __future__ import annotations

import importlib.util
import json
import random
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from pipeline import ledger, stages
from pipeline.database import open_ledger, session
from tests.conftest import ROOT, running_pipeline
from workers.cli import main
from workers.stack import copy_into
from workers.watcher import Inbox

pytestmark = pytest.mark.integration

STORY = ROOT / "tests" / "data" / "story"
DEV = ROOT.parent / "shared" / "eval" / "dev"
SCORER = ROOT.parent / "shared" / "eval" / "story_score.py"


def _gold(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _run_in_process(engine: Engine, files: list[Path]) -> dict[tuple, tuple]:
    """Each file through the three real stages, each stage its own transaction (as the
    worker runs them), in the order given. Returns {claim key: (status, scope, origin)}."""
    for path in files:
        with session(engine) as s:
            document, _ = ledger.record_document(s, raw=path.read_bytes(), file_name=path.name)
            document_id = document.id
            s.commit()
        assert document_id is not None
        for stage in ("normalise", "extract", "verify"):
            with session(engine) as s:
                if stage == "normalise":
                    stages.normalise_stage(s, document_id=document_id)
                elif stage == "extract":
                    stages.extract_stage(s, document_id=document_id, nlp=None, tolerance=0.1)
                else:
                    stages.verify_stage(
                        s, document_id=document_id, tolerance=0.1, same_moment_days=3
                    )
                s.commit()
    with session(engine) as s:
        rows = ledger.list_claims(s)
    return {_key(r.document.file_name, r.claim): (r.claim.status, r.claim.scope, r.claim.origin)
            for r in rows}  # fmt: skip


def _key(file_name: str, claim) -> tuple:
    value = claim.value if claim.value is not None else str(claim.value_date)
    return (file_name, claim.kind, value, claim.value_high, claim.qualifier, claim.speaker)


def _status_accuracy(found: dict[tuple, tuple], gold: list[dict]) -> tuple[float, int]:
    """Share of gold claims found with the expected status (matched on file, kind, value,
    upper value), and how many claims match no gold claim."""
    by_figure: dict[tuple, list[str]] = {}
    for key, (status, _, _) in found.items():
        by_figure.setdefault(key[:4], []).append(status)
    right = 0
    matched = 0
    for g in gold:
        value = g["value"] if g["kind"] != "drill_end_date" else str(g["value"])
        statuses = by_figure.get((g["file"], g["kind"], value, g["value_high"]), [])
        if statuses:
            matched += 1
            right += g["expected_status"] in statuses
            statuses.remove(
                g["expected_status"] if g["expected_status"] in statuses else statuses[0]
            )
    extra = sum(len(v) for v in by_figure.values())
    return right / len(gold), extra


def _story_in_order(url: str, seed: int) -> dict[tuple, tuple]:
    files = sorted((STORY / "articles").glob("*.txt"))
    random.Random(seed).shuffle(files)
    engine = open_ledger(url)
    try:
        return _run_in_process(engine, files)
    finally:
        engine.dispose()


def test_the_story_is_the_same_in_any_arrival_order(tmp_path: Path) -> None:
    results = [_story_in_order(f"sqlite:///{tmp_path / f'{seed}.db'}", seed) for seed in (1, 2, 3)]
    assert results[0] == results[1] == results[2]
    accuracy, unmatched = _status_accuracy(results[0], _gold(STORY / "gold.jsonl"))
    print(
        f"annotated story: status accuracy {accuracy:.3f}, {unmatched} claims match no gold claim"
    )
    assert accuracy >= 0.85
    assert unmatched <= 3


@pytest.mark.postgres
def test_the_story_on_postgresql_is_the_story_on_sqlite(postgres_url: str, tmp_path: Path) -> None:
    assert _story_in_order(postgres_url, 4) == _story_in_order(f"sqlite:///{tmp_path / 's.db'}", 5)


def test_an_undated_sunday_is_read_again_when_the_story_gains_a_date(
    engine: Engine, tmp_path: Path
) -> None:
    """The order of arrival does not change what an undated article says."""
    undated = tmp_path / "undated.txt"
    undated.write_bytes(
        b"Troops stay on\n\nThe Russia-Belarus drills were scheduled to end Sunday. They did not.\n"
    )
    dated = tmp_path / "dated.txt"
    dated.write_bytes(
        b"---\npublished: 2022-02-17\n---\nDrills\n\n"
        b"The joint drills in Belarus are due to end on February 20, the ministry said.\n"
    )
    first = _run_in_process(engine, [undated])
    assert [k[2] for k in first if k[0] == "undated.txt"] == ["None"]
    second = _run_in_process(engine, [dated])
    assert [k[2] for k in second if k[0] == "undated.txt"] == ["2022-02-20"], second


# --- the development story through the real stack -------------------------------------


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("story_score", SCORER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def stack(tmp_path: Path, clean_broker: str) -> Iterator[tuple[Inbox, dict[str, str], Engine]]:
    """A worker process (with the default model) and a watcher thread on a SQLite ledger."""
    url = f"sqlite:///{tmp_path / 'story.db'}"
    engine = open_ledger(url)
    try:
        with running_pipeline(tmp_path, url, clean_broker, engine) as (inbox, env, _):
            yield inbox, env, engine
    finally:
        engine.dispose()


@pytest.mark.skipif(not (DEV / "gold.jsonl").is_file(), reason="../shared/eval/dev is not here")
def test_the_development_story_through_the_real_pipeline(stack, tmp_path: Path) -> None:
    inbox, env, engine = stack
    files = sorted((DEV / "articles").glob("*.txt"))
    random.Random(date.today().toordinal()).shuffle(files)
    for path in files:  # one at a time, as a story arrives
        copy_into(inbox.root, [path])
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        with session(engine) as s:
            docs = ledger.list_documents(s)
        if len(docs) == len(files) and all(d.state in ledger.TERMINAL_STATES for d in docs):
            break
        time.sleep(0.5)
    else:
        pytest.fail(
            f"the story was not processed in time: {[(d.file_name, d.state) for d in docs]}"
        )
    result = CliRunner().invoke(main, ["claims", "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    claims = json.loads(result.output)
    scorer = _scorer()
    gold = scorer.load_gold(str(DEV / "gold.jsonl"))
    with open(tmp_path / "score.txt", "w") as out:
        metrics = scorer.score(gold, claims, scorer.expected_statuses(gold), out=out)
    print((tmp_path / "score.txt").read_text())
    assert float(metrics["status_acc"]) >= 0.90
    assert float(metrics["prop_pair_f1"]) >= 0.92
    assert float(metrics["origin_pair_acc"]) >= 0.95
    assert float(metrics["as_of_acc"]) >= 0.95
    assert int(metrics["spurious_disputed"]) <= 2
    assert int(metrics["false_corroborated"]) == 0
    assert int(metrics["unmatched_system"]) <= 5
