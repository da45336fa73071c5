"""Bad input, one case each: refused with a clear reason recorded on the document and in a
``.reason`` note beside the file in ``inbox/failed/``, or processed when it is a real
article in an awkward shape. Nothing crashes, nothing is lost.

The inbox logic and the stages run for real on a SQLite ledger; the broker is not what is
under test here, so handing a document to the queue is recorded in a list instead.
"""

from __future__ import annotations

import codecs
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from pipeline import ledger, stages
from pipeline.database import open_ledger, session
from pipeline.errors import InputError
from pipeline.settings import load_settings
from workers.watcher import Inbox, Watcher

pytestmark = pytest.mark.fault

ARTICLE = (
    "Troops Gather Near The Border\n\nFebruary 15, 2022\n\n"
    "Russia has massed more than 100,000 troops near Ukraine's border, officials said.\n"
)


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Inbox, Engine, list[int]]:
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    queued: list[int] = []
    settings = load_settings(inbox_dir=tmp_path / "inbox", max_file_bytes=6 * 1024 * 1024)
    inbox = Inbox(settings, engine, queued.append)
    inbox.prepare()
    return inbox, engine, queued


def _drop(inbox: Inbox, name: str, raw: bytes) -> Path:
    path = inbox.root / name
    path.write_bytes(raw)
    return path


def _run_stages(engine: Engine, document_id: int) -> int:
    with session(engine) as s:
        stages.normalise_stage(s, document_id=document_id)
        count = stages.extract_stage(s, document_id=document_id, nlp=None, tolerance=0.1)
        stages.verify_stage(s, document_id=document_id, tolerance=0.1, same_moment_days=3)
        s.commit()
    return count


@pytest.mark.parametrize(
    "name, raw, reason",
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"   \n\t\n  \r\n", "empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n" + os.urandom(200), "binary"),
        ("archive.txt", b"PK\x03\x04" + os.urandom(200), "binary"),
        ("paper.pdf", b"%PDF-1.7\n" + os.urandom(200), "binary"),
        ("program", b"\x7fELF\x02\x01\x01\x00" + os.urandom(200), "binary"),
        ("too-big.txt", b"a" * (6 * 1024 * 1024 + 1), "too_large"),
    ],
)
def test_refused_with_reason(setup, name: str, raw: bytes, reason: str) -> None:
    inbox, engine, queued = setup
    outcome = inbox.take(_drop(inbox, name, raw))
    assert outcome is not None and outcome.reason == reason
    note = (inbox.failed / f"{name}.reason").read_text()
    assert note.startswith(f"{reason}: ") and len(note.strip()) > len(reason) + 5
    assert (inbox.failed / name).exists() and not (inbox.root / name).exists()
    assert queued == []
    if reason != "too_large":  # a file over the limit is not read, so it has no row
        with session(engine) as s:
            (document,) = ledger.list_documents(s)
        assert (document.state, document.failure_reason) == ("failed", reason)
        assert document.failure_detail


@pytest.mark.parametrize(
    "name, raw",
    [
        ("invalid-utf8.txt", ARTICLE.encode("utf-8") + b"caf\xe9 \xff\xfe end.\n"),
        ("utf16-bom.txt", ARTICLE.encode("utf-16")),
        ("utf16-no-bom.txt", ARTICLE.encode("utf-16-le")),
        ("cp1252.txt", (ARTICLE + "It’s “serious”, he said.\n").encode("cp1252")),
        ("scripts.html", (
            b"<html><head><style>body{font:12px}</style><script>var n = 999999;</script></head>"
            b"<body><script>track(123456)</script><h1>Troops Gather Near The Border</h1>"
            b"<p>February 15, 2022</p><p>Russia has massed more than 100,000 troops near "
            b"Ukraine's border, officials said.</p><style>.x{}</style></body></html>"
        )),
        ("name with spaces é ü 北.txt", ARTICLE.encode()),
        ("line\nbreak.txt", ARTICLE.encode()),
    ],
)  # fmt: skip
def test_awkward_but_real_articles_are_processed(setup, name: str, raw: bytes) -> None:
    inbox, engine, queued = setup
    outcome = inbox.take(_drop(inbox, name, raw))
    assert outcome is not None and outcome.reason is None and outcome.new
    assert (inbox.processed / name).exists()
    assert queued == [outcome.document_id]
    assert _run_stages(engine, outcome.document_id) == 1  # type: ignore[arg-type]
    with session(engine) as s:
        (row,) = ledger.list_claims(s)
    assert (row.claim.value, row.claim.qualifier) == (100000, "more_than")


def test_a_five_megabyte_single_line(setup) -> None:
    inbox, engine, _ = setup
    line = ("Russia has massed more than 100,000 troops near Ukraine's border, officials said. "
            + "word " * 1_050_000)  # fmt: skip
    outcome = inbox.take(_drop(inbox, "one-line.txt", line.encode()))
    assert outcome is not None and outcome.reason is None
    # How long it takes is for a benchmark, not a test (on a busy 2-core machine it has
    # taken from 15 to 75 seconds); that it ends with its one claim is the test.
    assert _run_stages(engine, outcome.document_id) == 1  # type: ignore[arg-type]


def test_an_article_with_no_claims_is_not_an_error(setup) -> None:
    inbox, engine, _ = setup
    outcome = inbox.take(
        _drop(inbox, "quiet.txt", b"Talks resume\n\nDiplomats met in Geneva on Monday.\n")
    )
    assert outcome is not None and outcome.reason is None
    assert _run_stages(engine, outcome.document_id) == 0  # type: ignore[arg-type]
    with session(engine) as s:
        (document,) = ledger.list_documents(s)
    assert (document.state, document.claim_count) == ("verified", 0)


def test_markup_with_no_text_fails_in_the_worker_with_a_reason(setup) -> None:
    inbox, engine, _ = setup
    outcome = inbox.take(_drop(inbox, "only-script.html", b"<html><script>x=1</script></html>"))
    assert outcome is not None and outcome.reason is None  # it is text; normalising finds none
    with session(engine) as s, pytest.raises(InputError) as error:
        stages.normalise_stage(s, document_id=outcome.document_id)  # type: ignore[arg-type]
    assert error.value.reason == "no_text"


def test_symlink_outside_the_inbox_is_refused(setup, tmp_path: Path) -> None:
    inbox, _, queued = setup
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the inbox")
    link = inbox.root / "link.txt"
    link.symlink_to(secret)
    outcome = inbox.take(link)
    assert outcome is not None and outcome.reason == "symlink_outside_inbox"
    assert secret.read_text() == "not for the inbox" and queued == []
    assert (inbox.failed / "link.txt.reason").read_text().startswith("symlink_outside_inbox")


def test_a_directory_is_set_aside(setup) -> None:
    inbox, _, queued = setup
    folder = inbox.root / "a folder"
    folder.mkdir()
    (folder / "inside.txt").write_text(ARTICLE)
    outcome = inbox.take(folder)
    assert outcome is not None and outcome.reason == "directory"
    assert (inbox.failed / "a folder" / "inside.txt").exists() and queued == []


def test_a_file_deleted_before_it_is_taken(setup) -> None:
    inbox, engine, queued = setup
    path = _drop(inbox, "gone.txt", ARTICLE.encode())
    path.unlink()
    assert inbox.take(path) is None
    with session(engine) as s:
        assert ledger.list_documents(s) == []
    assert queued == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file(setup) -> None:
    inbox, _, _ = setup
    path = _drop(inbox, "locked.txt", ARTICLE.encode())
    path.chmod(0)
    outcome = inbox.take(path)
    assert outcome is not None and outcome.reason == "unreadable"


def test_a_file_written_slowly_is_taken_once_complete(setup) -> None:
    inbox, engine, queued = setup
    watcher = Watcher(inbox, settle_seconds=0.6, rescan_seconds=0.5)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    path = inbox.root / "slow.txt"
    chunks = [ARTICLE[i : i + 20].encode() for i in range(0, len(ARTICLE), 20)]
    with open(path, "wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
            handle.flush()
            time.sleep(0.25)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not queued:
        time.sleep(0.1)
    stop.set()
    thread.join(timeout=10)
    assert len(queued) == 1
    with session(engine) as s:
        (document,) = ledger.list_documents(s)
        assert ledger.get_raw(s, document_id=document.id) == ARTICLE.encode()  # type: ignore[arg-type]


def test_the_same_file_twice_is_one_document(setup) -> None:
    inbox, _engine, queued = setup
    first = inbox.take(_drop(inbox, "a.txt", ARTICLE.encode()))
    second = inbox.take(_drop(inbox, "a.txt", ARTICLE.encode()))
    assert first and second and first.document_id == second.document_id and not second.new
    assert sorted(p.name for p in inbox.processed.iterdir()) == ["a (2).txt", "a.txt"]
    assert len(queued) == 1


def test_utf16_marks_are_decoded_not_refused() -> None:
    from pipeline.normalise import decode

    assert decode(codecs.BOM_UTF16_BE + "Troops".encode("utf-16-be")) == "Troops"
