"""The desk's HTTP API over a real ledger (SQLite file and PostgreSQL) with a real Celery
worker behind it: articles sent over HTTP go the inbox's way through the real pipeline."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from pipeline.settings import load_settings
from tests.conftest import SEEDS, WorkerProcess, pipeline_env, process, use_broker
from tests.schema_org import problems
from workers.cli import main
from workers.web import create_app

pytestmark = pytest.mark.integration
ANN = ("ann", "ann-secret")


def _settings(tmp_path: Path, ledger_url: str, broker: str | None = None, **more: Any) -> Any:
    return load_settings(
        data_dir=tmp_path / "data", inbox_dir=tmp_path / "inbox", database_url=ledger_url,
        broker_url=broker, web_users="ann:ann-secret", **more,
    )  # fmt: skip


@pytest.fixture
def desk(
    tmp_path: Path, ledger_url: str, engine: Engine, clean_broker: str
) -> Iterator[tuple[TestClient, dict[str, str], WorkerProcess]]:
    """The desk (in this process) and a worker process, on one ledger and one broker."""
    env = pipeline_env(tmp_path, ledger_url, clean_broker)
    use_broker(clean_broker)
    worker = WorkerProcess(env, tmp_path / "worker.log")
    worker.start()
    app = create_app(_settings(tmp_path, ledger_url, clean_broker), engine)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client, env, worker
    finally:
        worker.stop()


def _wait_verified(client: TestClient, count: int, worker: WorkerProcess) -> list[dict]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        docs = client.get("/documents", auth=ANN).json()
        if len(docs) >= count and all(d["state"] in ("verified", "failed") for d in docs):
            return docs
        time.sleep(0.2)
    raise AssertionError(f"not verified in time: {docs}\n{worker.log()[-3000:]}")


def _cli_json(env: dict[str, str], *args: str) -> Any:
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_api_over_the_running_pipeline(desk, tmp_path: Path) -> None:
    client, env, worker = desk
    seeds = sorted(SEEDS.glob("*.txt"))
    # One of them with its metadata, which travels as the file's front matter.
    about = {"outlet": "Example Courier", "url": "https://example.org/drills"}
    for seed in seeds:
        metadata = about if seed.name.startswith("002_") else {}
        sent = client.post("/documents", files={"file": (seed.name, seed.read_bytes())},
                           data=metadata, auth=ANN)  # fmt: skip
        assert sent.status_code == 201, sent.text
        assert sent.json()["new"] is True and sent.json()["document_id"] is not None
    docs = _wait_verified(client, 5, worker)
    assert [d["state"] for d in docs] == ["verified"] * 5
    described = next(d for d in docs if d["file_name"].startswith("002_"))
    assert (described["outlet"], described["url"]) == (about["outlet"], about["url"])
    # The same bytes again are the same document, however often they are sent.
    again = client.post(
        "/documents", files={"file": ("other.txt", seeds[0].read_bytes())}, auth=ANN
    )
    assert again.status_code == 200 and again.json()["new"] is False
    assert again.json()["document_id"] == sent_id(client, seeds[0].name)
    assert len(client.get("/documents", auth=ANN).json()) == 5
    # A refused file: a clear reason, recorded, kept in failed/ as a dropped one would be.
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    refused = client.post("/documents", files={"file": ("photo.txt", png)}, auth=ANN)
    assert refused.status_code == 422 and refused.json()["reason"] == "binary"
    failed = client.get("/documents", params={"state": "failed"}, auth=ANN).json()
    assert [(d["file_name"], d["failure_reason"]) for d in failed] == [("photo.txt", "binary")]
    assert (tmp_path / "inbox" / "failed" / "photo.txt.reason").read_text().startswith("binary")

    # One query layer: the CLI and the API list the same claims for the same filters.
    for filters in ([], ["--status", "corroborated"], ["--kind", "troop_count"],
                    ["--status", "unconfirmed", "--kind", "casualty_count"]):  # fmt: skip
        cli = _cli_json(env, "claims", "--format", "json", *filters)
        params = dict(zip(filters[::2], filters[1::2], strict=True))
        api = client.get("/claims", params={k.strip("-"): v for k, v in params.items()}, auth=ANN)
        assert api.status_code == 200
        assert [c["id"] for c in api.json()["items"]] == [c["id"] for c in cli], filters
        assert api.json()["total"] == len(cli)
        assert cli, filters

    everything = client.get("/claims", auth=ANN).json()["items"]
    casualty = next(c for c in everything if c["kind"] == "casualty_count")
    start, end = casualty["figure_span"]
    assert casualty["quote"][start:end] == "more than 14,000"
    # The API's own filters.
    outlet = client.get("/claims", params={"outlet": "quint"}, auth=ANN).json()["items"]
    assert outlet and {c["outlet"] for c in outlet} == {"The Quint"}
    said = client.get("/claims", params={"speaker": "western"}, auth=ANN).json()["items"]
    assert [c["speaker"] for c in said] == ["Western countries"]
    words = client.get("/claims", params={"q": "CRIMEAN"}, auth=ANN).json()["items"]
    assert [c["id"] for c in words] == [casualty["id"]]
    later = client.get("/claims", params={"since": "2022-02-16"}, auth=ANN).json()
    assert later["total"] == 0
    drills = client.get("/claims", params={"proposition": "drill_end_date:belarus_joint_drills"},
                        auth=ANN).json()  # fmt: skip
    assert drills["total"] == 2 and {c["kind"] for c in drills["items"]} == {"drill_end_date"}
    page = client.get("/claims", params={"limit": 2, "offset": 2}, auth=ANN).json()
    assert [c["id"] for c in page["items"]] == [c["id"] for c in everything[2:4]]
    newest = client.get("/claims", params={"order": "newest"}, auth=ANN).json()["items"]
    assert [c["id"] for c in newest] == sorted((c["id"] for c in everything), reverse=True)

    # A claim in full, and its proposition as a timeline.
    drill = drills["items"][0]
    detail = client.get(f"/claims/{drill['id']}", auth=ANN).json()
    assert detail["history"] and detail["history"][-1]["new_status"] == "corroborated"
    assert "agrees with" in detail["history"][-1]["reason"]
    assert [c["id"] for c in detail["related"]] == [drills["items"][1]["id"]]
    assert detail["proposition"]["best"] == "2022-02-20"
    timeline = client.get("/propositions/drill_end_date:belarus_joint_drills", auth=ANN).json()
    assert len(timeline["timeline"]) == 2
    assert {p["id"] for p in client.get("/propositions", auth=ANN).json()} >= {
        "drill_end_date:belarus_joint_drills", "troop_count:around_ukraine"
    }  # fmt: skip

    # Verdicts need an account; the reviewer is the account; the others follow.
    assert client.get(f"/claims/{drill['id']}/claimreview", auth=ANN).status_code == 404
    verdict = {"verdict": "refuted", "note": "The Belarusian ministry extended the drills."}
    anonymous = client.post(f"/claims/{drill['id']}/review", json=verdict)
    assert anonymous.status_code == 401 and "name and password" in anonymous.json()["error"]
    wrong = client.post(f"/claims/{drill['id']}/review", json=verdict, auth=("ann", "guess"))
    assert wrong.status_code == 401
    empty = client.post(f"/claims/{drill['id']}/review", json={"verdict": "refuted", "note": ""},
                        auth=ANN)  # fmt: skip
    assert empty.status_code == 422 and "note" in empty.json()["error"]
    done = client.post(f"/claims/{drill['id']}/review", json=verdict, auth=ANN)
    assert done.status_code == 200, done.text
    assert done.json()["claim"]["status"] == "refuted" and done.json()["others_changed"] == 1
    assert done.json()["event"]["actor"] == "reviewer ann"
    other = client.get(f"/claims/{drills['items'][1]['id']}", auth=ANN).json()
    assert other["claim"]["status"] == "unconfirmed"  # its only corroboration was refuted

    review = client.get(f"/claims/{drill['id']}/claimreview", auth=ANN)
    assert review.headers["content-type"].startswith("application/ld+json")
    assert problems(review.json()) == []
    assert review.json()["reviewRating"]["alternateName"] == "Refuted"
    assert review.json()["author"]["name"] == "ann"
    assert review.json()["itemReviewed"]["appearance"]["url"] == about["url"]
    exported = _cli_json(env, "export", "--format", "claimreview")
    assert [r["claimReviewed"] for r in exported] == [review.json()["claimReviewed"]]
    assert {k: v for k, v in review.json().items() if k != "url"} == exported[0]


def sent_id(client: TestClient, file_name: str) -> int:
    return next(d["id"] for d in client.get("/documents", auth=ANN).json()
                if d["file_name"] == file_name)  # fmt: skip


@pytest.fixture
def seeded(tmp_path: Path, sqlite_url: str) -> Iterator[TestClient]:
    """The desk over a SQLite ledger holding the seeds (run through the stages in-process:
    these tests are about HTTP, not the queue)."""
    from pipeline.database import open_ledger

    engine = open_ledger(sqlite_url)
    for seed in sorted(SEEDS.glob("*.txt")):
        process(engine, seed.name, seed.read_bytes())
    app = create_app(_settings(tmp_path, sqlite_url), engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    engine.dispose()


def _drill_id(client: TestClient) -> int:
    return int(
        client.get("/claims", params={"kind": "drill_end_date"}, auth=ANN).json()["items"][0]["id"]
    )


def test_forms_need_their_csrf_token(seeded: TestClient) -> None:
    claim_id = _drill_id(seeded)
    page = seeded.get(f"/desk/claims/{claim_id}", auth=ANN)
    assert page.status_code == 200
    token = page.text.split('name="csrftoken" value="')[1].split('"')[0]
    form = {"claim_id": str(claim_id), "verdict": "refuted", "note": "checked"}
    # A page on another site posting to the desk: the browser sends the credentials, not the token.
    forged = seeded.post("/desk/review", data=form, auth=ANN,
                         headers={"Origin": "https://evil.example", "Cookie": ""})  # fmt: skip
    assert forged.status_code == 403 and "CSRF" in forged.json()["error"]
    wrong = seeded.post("/desk/review", data=form | {"csrftoken": "forged"}, auth=ANN,
                        headers={"Origin": "http://testserver"})  # fmt: skip
    assert wrong.status_code == 403
    assert seeded.get(f"/claims/{claim_id}", auth=ANN).json()["claim"]["status"] == "corroborated"
    good = seeded.post("/desk/review", data=form | {"csrftoken": token}, auth=ANN,
                       headers={"Origin": "http://testserver"}, follow_redirects=False)  # fmt: skip
    assert good.status_code == 303, good.text
    assert good.headers["location"].endswith(f"/desk/claims/{claim_id}?reviewed=refuted")
    assert seeded.get(f"/claims/{claim_id}", auth=ANN).json()["claim"]["status"] == "refuted"
    # Uploads (multipart) too, by the form and by the API, when a browser sends them.
    article = {"file": ("a.txt", b"Troops\nRussia has 100,000 troops near Ukraine.\n")}
    for path in ("/desk/upload", "/documents"):
        forged = seeded.post(path, files=article, data={"csrftoken": "forged"}, auth=ANN,
                             headers={"Origin": "https://evil.example"})  # fmt: skip
        assert forged.status_code == 403, path
    assert len(seeded.get("/documents", auth=ANN).json()) == 5
    sent = seeded.post("/desk/upload", files=article, data={"csrftoken": token}, auth=ANN,
                       headers={"Origin": "http://testserver"}, follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303 and "document" in sent.headers["location"]
    assert len(seeded.get("/documents", auth=ANN).json()) == 6


def test_upload_metadata_travels_as_front_matter(seeded: TestClient, sqlite_url: str) -> None:
    from pipeline import ledger
    from pipeline.database import open_ledger, session

    body = b"Troops massed\nRussia has massed 100,000 troops near Ukraine, officials said.\n"
    metadata = {"title": "Troops massed", "outlet": "Reuters", "published": "2022-02-14",
                "url": "https://example.org/troops"}  # fmt: skip
    first = seeded.post("/documents", files={"file": ("t.txt", body)}, data=metadata, auth=ANN)
    assert first.status_code == 201 and first.json()["new"] is True
    again = seeded.post("/documents", files={"file": ("t2.txt", body)}, data=metadata, auth=ANN)
    assert again.status_code == 200 and again.json()["document_id"] == first.json()["document_id"]
    engine = open_ledger(sqlite_url)
    with session(engine) as s:
        raw = ledger.get_raw(s, document_id=first.json()["document_id"])
    engine.dispose()
    assert raw == (b'---\ntitle: "Troops massed"\noutlet: "Reuters"\npublished: "2022-02-14"\n'
                   b'url: "https://example.org/troops"\n---\n' + body)  # fmt: skip
    bad = seeded.post("/documents", files={"file": ("t.txt", body)},
                      data={"published": "14/02/2022"}, auth=ANN)  # fmt: skip
    assert bad.status_code == 422 and "published must be a date" in bad.json()["error"]


def test_errors_are_one_line_of_json(seeded: TestClient) -> None:
    for path, status in (("/claims/99999", 404), ("/claims?since=yesterday", 422),
                         ("/claims?status=maybe", 422), ("/claims?limit=0", 422),
                         ("/propositions/nothing", 404), ("/claims?proposition=bogus:x", 422)):  # fmt: skip
        response = seeded.get(path, auth=ANN)
        assert response.status_code == status, path
        body = response.json()
        assert set(body) == {"error", "status"} and body["status"] == status
        assert "\n" not in body["error"] and "Traceback" not in body["error"]
    page = seeded.get("/desk/claims/99999", auth=ANN)
    assert page.status_code == 404 and "no claim #99999" in page.text


def test_a_desk_without_accounts_reads_but_takes_no_verdict(
    tmp_path: Path, sqlite_url: str
) -> None:
    from pipeline.database import open_ledger

    engine = open_ledger(sqlite_url)
    process(engine, "a.txt", sorted(SEEDS.glob("*.txt"))[3].read_bytes())
    settings = load_settings(data_dir=tmp_path, database_url=sqlite_url)
    with TestClient(create_app(settings, engine), raise_server_exceptions=False) as client:
        claims = client.get("/claims").json()["items"]
        assert claims
        refused = client.post(f"/claims/{claims[0]['id']}/review",
                              json={"verdict": "confirmed", "note": "x"})  # fmt: skip
        assert refused.status_code == 403 and "CLAIMTRACK_WEB_USERS" in refused.json()["error"]
        assert "Verdicts need an account" in client.get(f"/desk/claims/{claims[0]['id']}").text
        assert client.get("/health").json()["status"] == "ok"
    engine.dispose()
