"""The review desk in a real headless Chromium (Debian's package, driven by Playwright),
against the real thing: `claimtrack web` in its own process, a real Celery worker, Redis
and a SQLite ledger holding the seeds and one article of our own that disputes them.

Each page's screenshot is written to docs/screenshots/ (shown in the README).
Without Chromium these tests are skipped, unless CLAIMTRACK_REQUIRE_SERVICES=1."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from pipeline import ledger
from pipeline.database import session
from tests.conftest import REQUIRE_SERVICES, ROOT, SEEDS, WorkerProcess, pipeline_env, use_broker

pytestmark = [pytest.mark.integration, pytest.mark.browser]
CHROMIUM = os.environ.get("CLAIMTRACK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip
#: Screenshots go to a temporary folder; CLAIMTRACK_SCREENSHOT_DIR=docs/screenshots refreshes
#: the README's (a test run does not rewrite tracked files).
SHOTS = Path(
    os.environ.get("CLAIMTRACK_SCREENSHOT_DIR")
    or Path(os.environ.get("TMPDIR", "/tmp")) / "claimtrack-screenshots"
)
ARTICLE = ROOT / "tests" / "data" / "desk" / "minsk_drills_later.txt"
ANN = {"username": "ann", "password": "ann-secret"}


def _browser_or_skip() -> Any:
    reason = None
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "the playwright package is not installed"
    if reason:
        if REQUIRE_SERVICES:
            pytest.fail(reason)
        pytest.skip(reason)
    return sync_playwright


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def desk(tmp_path: Path, sqlite_url: str, clean_broker: str) -> Iterator[tuple[str, Engine]]:
    """The seeds and our article through a real worker, then `claimtrack web` serving them."""
    from pipeline.database import open_ledger
    from workers.tasks import enqueue

    sync_playwright = _browser_or_skip()
    del sync_playwright
    engine = open_ledger(sqlite_url)
    env = pipeline_env(tmp_path, sqlite_url, clean_broker)
    use_broker(clean_broker)
    worker = WorkerProcess(env, tmp_path / "worker.log")
    worker.start()
    server: subprocess.Popen[bytes] | None = None
    try:
        with session(engine) as s:
            ids = []
            for path in [*sorted(SEEDS.glob("*.txt")), ARTICLE]:
                document, _ = ledger.record_document(s, raw=path.read_bytes(), file_name=path.name)
                ids.append(document.id)
        for document_id in ids:
            enqueue(document_id)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with session(engine) as s:
                states = set(ledger.document_states(s, ids=ids).values())
            if states == {"verified"}:
                break
            time.sleep(0.2)
        assert states == {"verified"}, worker.log()[-3000:]

        port = _free_port()
        log = open(tmp_path / "web.log", "wb")  # noqa: SIM115 (the server's, closed below)
        server = subprocess.Popen(
            [sys.executable, "-m", "workers.cli", "web", "--port", str(port)],
            env=env | {"CLAIMTRACK_WEB_USERS": "ann:ann-secret"}, stdout=log,
            stderr=subprocess.STDOUT, cwd=ROOT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError((tmp_path / "web.log").read_text()[-3000:])
        yield base, engine
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=15)
        worker.stop()
        engine.dispose()


@pytest.fixture
def page(desk: tuple[str, Engine]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            http_credentials=ANN, viewport={"width": 1280, "height": 900}, base_url=desk[0]
        )
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def _statuses(page: Any, figure: str | None = None) -> list[str]:
    rows = page.locator("table.claims tr.claim-row")
    found = []
    for i in range(rows.count()):
        row = rows.nth(i)
        if figure is None or row.locator("td.figure-cell").inner_text() == figure:
            found.append(row.get_attribute("data-status"))
    return found


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_review_in_the_browser(page: Any, desk: tuple[str, Engine], tmp_path: Path) -> None:
    # The queue: the disputed drill dates (ours says the 25th, the seeds the 20th) and the
    # unconfirmed toll, newest first.
    page.goto("/")
    assert _statuses(page, "2022-02-25") == ["disputed"]
    assert _statuses(page, "2022-02-20") == ["disputed", "disputed"]
    assert _statuses(page, "more than 14,000 killed") == ["unconfirmed"]
    ids = [int(i) for i in page.locator("tr.claim-row").evaluate_all(
        "rows => rows.map(r => r.dataset.claimId)")]  # fmt: skip
    assert ids == sorted(ids, reverse=True)
    _shot(page, "queue.png")

    # Open the claim, see where it comes from, refute it with a note.
    page.locator("tr.claim-row", has_text="2022-02-25").get_by_role("link").first.click()
    assert page.locator(".big-quote mark.figure").inner_text() == "February 25"
    claim_id = int(page.url.rsplit("/", 1)[1])
    api = httpx.get(f"{desk[0]}/claims/{claim_id}", auth=tuple(ANN.values())).json()["claim"]
    assert "Vecherny Vestnik" in page.locator("dl.facts").inner_text()
    assert page.locator("#origin").inner_text() == api["origin"]  # for whom the speaker speaks
    assert page.locator("h1 .badge").inner_text() == "disputed"
    page.fill("#note", "The Belarusian defence ministry confirmed the 20 February end date.")
    page.click("button.refute")
    page.wait_for_url(re.compile(r"reviewed=refuted"))
    assert page.locator("h1 .badge").inner_text() == "refuted"
    assert "reviewer ann" in page.locator("ol.history").inner_text()
    # The other claims of the proposition lost their only conflict: corroborated again.
    assert _statuses(page, "2022-02-20") == ["corroborated", "corroborated"]
    _shot(page, "claim.png")

    page.goto("/")
    assert _statuses(page, "2022-02-20") == [] and _statuses(page, "2022-02-25") == []
    assert _statuses(page, "more than 14,000 killed") == ["unconfirmed"]

    # The proposition's chart: one mark per claim, each with the claim's status.
    page.goto("/desk/propositions/drill_end_date:belarus_joint_drills")
    marks = page.locator("svg.timeline a.mark")
    rows = page.locator("tr.claim-row")
    assert marks.count() == rows.count() == 3
    chart = sorted(marks.evaluate_all("m => m.map(a => [a.dataset.claimId, a.dataset.status])"))
    table = sorted(rows.evaluate_all("r => r.map(t => [t.dataset.claimId, t.dataset.status])"))
    assert chart == table
    assert page.locator("svg.timeline a.mark.status-refuted").count() == 1
    _shot(page, "proposition.png")

    page.goto("/desk/propositions/troop_count:around_ukraine")
    assert page.locator("svg.timeline a.mark").count() == page.locator("tr.claim-row").count() == 4

    # The documents page; a file the inbox refuses, sent through its form, is listed with
    # its reason (one browser session for all of it: starting the stack is the slow part).
    page.goto("/desk/documents")
    assert page.locator("tr[data-state=verified]").count() == 6
    picture = tmp_path / "photo.txt"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    page.set_input_files("#upload-form input[type=file]", str(picture))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r"uploaded="))
    assert page.locator("#uploaded").inner_text().startswith("Upload: refused: binary")
    assert "photo.txt" in page.locator("section.failures").inner_text()
    assert page.locator("tr[data-state=failed]").count() == 1
    _shot(page, "documents.png")
