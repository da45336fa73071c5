"""Document metadata through the real thing: front matter dropped in the inbox and read
by a real Celery worker; `claimtrack ingest` with options and a manifest into a real
ledger (SQLite file and PostgreSQL) and a real Redis queue."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner
from sqlalchemy import Engine

from pipeline import ledger, stages
from pipeline.database import session
from tests.conftest import use_broker
from tests.integration.test_pipeline_end_to_end import _wait_until_finished, running
from workers.celery_app import QUEUE
from workers.cli import main

pytestmark = pytest.mark.integration
__all__ = ["running"]  # the fixture, shared with the seeds' end-to-end tests

STORY = """\
---
title: Exercise in Belarus to wrap up this weekend
outlet: The Harbour Courier
published: 2022-02-17T08:30:00Z
url: https://courier.example/2022/02/17/belarus-30000-troops-exercise-ends-sunday
author: Ana Lopes
desk: europe
---
Exercise in Belarus to wrap up this weekend
By Ana Lopes
Thursday, 10 February 2022
The exercise with Russia will finish on Sunday as planned, Belarus's defence ministry said.
"""
BROKEN = """\
---
title: Kyiv: a city waits
outlet: The Harbour Courier
---
A city waits
Around 4,000 Russian troops are stationed near the border, a regional governor said on Friday.
"""


def _documents(engine: Engine) -> dict[str, dict]:
    env = {"CLAIMTRACK_DATABASE_URL": str(engine.url.render_as_string(hide_password=False))}
    result = CliRunner().invoke(main, ["documents", "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    return {d["file"]: d for d in json.loads(result.output)}


def test_front_matter_through_the_watcher_and_a_worker(
    running, engine: Engine, tmp_path: Path
) -> None:
    inbox, env, worker = running
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "story.md").write_text(STORY)
    (drop / "broken.txt").write_text(BROKEN)
    for name in ("story.md", "broken.txt"):
        shutil.copy(drop / name, inbox.root / name)
    _wait_until_finished(engine, 2, worker)
    shutil.copy(drop / "story.md", inbox.root / "story again.txt")  # the same bytes
    docs = _wait_until_finished(engine, 2, worker)
    assert len(docs) == 2 and {d.state for d in docs} == {"verified"}, worker.log()[-3000:]

    listed = _documents(engine)
    story = listed["story.md"]
    assert story["published"] == "2022-02-17"  # the front matter's, not the date line's
    assert story["outlet"] == "The Harbour Courier"
    assert (
        story["url"]
        == "https://courier.example/2022/02/17/belarus-30000-troops-exercise-ends-sunday"
    )
    assert (story["title"], story["byline"]) == (
        "Exercise in Belarus to wrap up this weekend",
        "Ana Lopes",
    )
    assert story["extra"] == {"desk": "europe"}
    assert set(story["sources"].values()) == {"front_matter"} and len(story["sources"]) == 6
    assert story["metadata_warnings"] == []

    broken = listed["broken.txt"]
    assert broken["state"] == "verified"  # unreadable front matter fails nothing
    assert broken["metadata_warnings"] == [
        "front matter not read, kept as text: not YAML: mapping values are not allowed here on line 2"
    ]
    assert broken["url"] is None and broken["extra"] == {}

    with session(engine) as s:
        claims = {r.document.file_name: r.claim for r in ledger.list_claims(s)}
    assert claims["story.md"].value_date == date(2022, 2, 20)  # Sunday after 17 February
    assert claims["story.md"].as_of == date(2022, 2, 17)
    assert "30000" not in {str(r.value) for r in claims.values()}  # not the URL's slug
    assert claims["broken.txt"].value == 4000

    shown = CliRunner().invoke(main, ["show", str(claims["story.md"].id)], env=env)
    assert shown.exit_code == 0, shown.output
    for line in ("    published: 2022-02-17 (front_matter)",
                 "    outlet   : The Harbour Courier (front_matter)",
                 "    desk     : europe (front_matter)"):  # fmt: skip
        assert line in shown.output.splitlines(), shown.output


def _stages(engine: Engine, document_id: int) -> None:
    """The three stages a worker runs, each in its own transaction (the queue itself is
    tested above)."""
    for stage in (
        lambda s: stages.normalise_stage(s, document_id=document_id),
        lambda s: stages.extract_stage(s, document_id=document_id, nlp=None, tolerance=0.1),
        lambda s: stages.verify_stage(
            s, document_id=document_id, tolerance=0.1, same_moment_days=3
        ),
    ):
        with session(engine) as s:
            stage(s)
            s.commit()


def _queued(broker_url: str) -> int:
    return int(redis.Redis.from_url(broker_url).llen(QUEUE))


def test_ingest_with_metadata_options_and_a_manifest(
    engine: Engine, clean_broker: str, tmp_path: Path
) -> None:
    use_broker(clean_broker)
    env = {
        "CLAIMTRACK_DATA_DIR": str(tmp_path / "data"),
        "CLAIMTRACK_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "CLAIMTRACK_BROKER_URL": clean_broker,
    }
    story = tmp_path / "story.md"
    story.write_text(STORY)
    cli = CliRunner()
    first = cli.invoke(
        main, ["ingest", "--outlet", "Courier Online", "--published", "February 18, 2022", str(story)],
        env=env,
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    assert _queued(clean_broker) == 1
    (document_id,) = [d["id"] for d in _documents(engine).values()]
    _stages(engine, document_id)

    doc = _documents(engine)["story.md"]
    # Given at ingest: kept. The front matter fills the rest and its other values are noted.
    assert (doc["outlet"], doc["published"]) == ("Courier Online", "2022-02-18")
    assert doc["sources"]["outlet"] == doc["sources"]["published"] == "cli"
    assert doc["sources"]["url"] == doc["sources"]["title"] == "front_matter"
    assert doc["metadata_warnings"] == [
        "outlet: 'The Harbour Courier' (front_matter) not applied; kept 'Courier Online' (cli)",
        "published: '2022-02-17' (front_matter) not applied; kept '2022-02-18' (cli)",
    ]
    with session(engine) as s:
        (claim,) = ledger.claims_of_document(s, document_id=document_id)
    assert claim.as_of == date(2022, 2, 18) and claim.value_date == date(2022, 2, 20)
    shown = cli.invoke(main, ["show", str(claim.id), "--format", "json"], env=env)
    assert shown.exit_code == 0, shown.output
    record = json.loads(shown.output)
    assert (record["id"], record["value"], record["published"]) == (claim.id, "2022-02-20",
                                                                    "2022-02-18")  # fmt: skip
    assert record["document"] == doc
    assert [h["to"] for h in record["history"]] == [claim.status]

    # The same bytes again, under another name, with other metadata: still one document.
    again = tmp_path / "copy.txt"
    again.write_bytes(story.read_bytes())
    second = cli.invoke(main, ["ingest", "--outlet", "Someone Else", "--author", "B. Two",
                               str(again)], env=env)  # fmt: skip
    assert second.exit_code == 0, second.output
    assert len(_documents(engine)) == 1
    assert "'Someone Else' (cli) not applied; kept 'Courier Online' (cli)" in second.stderr
    assert _documents(engine)["story.md"]["outlet"] == "Courier Online"
    assert _queued(clean_broker) == 1  # a processed document is not sent again

    # A manifest: paths relative to it, an extra column kept, each value's source recorded.
    folder = tmp_path / "batch"
    (folder / "texts").mkdir(parents=True)
    (folder / "texts" / "plain.txt").write_text(
        "Troops stay in the region\nSome 9,000 troops remain in the region, the ministry said.\n"
    )
    (folder / "sources.csv").write_text(
        "file,outlet,published,url,title,desk\n"
        'texts/plain.txt,Plains Daily,"February 21, 2022",https://plains.example/9000,,east\n'
    )
    third = cli.invoke(main, ["ingest", "--manifest", str(folder / "sources.csv")], env=env)
    assert third.exit_code == 0, third.output
    plain = _documents(engine)["plain.txt"]
    _stages(engine, plain["id"])
    plain = _documents(engine)["plain.txt"]
    assert (plain["outlet"], plain["published"], plain["url"]) == (
        "Plains Daily", "2022-02-21", "https://plains.example/9000")  # fmt: skip
    assert plain["extra"] == {"desk": "east"}
    assert plain["sources"] == {"outlet": "manifest", "published": "manifest",
                                "url": "manifest", "desk": "manifest", "title": "inferred"}  # fmt: skip
    with session(engine) as s:
        (claim,) = ledger.claims_of_document(s, document_id=plain["id"])
    assert (claim.value, claim.as_of) == (9000, date(2022, 2, 21))

    # Mistakes: one line, a non-zero exit, nothing recorded.
    bad = cli.invoke(main, ["ingest", "--published", "next week", str(story)], env=env)
    assert bad.exit_code == 1
    assert bad.output.strip() == "Error: published 'next week' is not a date (write YYYY-MM-DD)"
    (folder / "wrong.csv").write_text("file,published\nmissing.txt,2022-02-21\n")
    missing = cli.invoke(main, ["ingest", "--manifest", str(folder / "wrong.csv")], env=env)
    assert missing.exit_code == 1
    assert missing.output.strip() == (
        f"Error: {folder / 'wrong.csv'} line 2: no such file {folder / 'missing.txt'}"
    )
    assert len(_documents(engine)) == 2
