"""Every command with its common mistakes: wrong id, wrong value, no stack, no broker, an
empty or missing ledger, a busy port. Each ends in the one line it should print and its
exit code (2 for a wrong option, 1 for the rest), never a traceback."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pipeline.database import open_ledger
from tests.conftest import ROOT, SEEDS, process
from workers.cli import Cli, main
from workers.stack import StackLock

pytestmark = pytest.mark.integration
GOLD = ROOT / "tests" / "data" / "seeds_gold.jsonl"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory whose SQLite ledger holds the seeds, and a few files to misuse."""
    tmp_path = tmp_path_factory.mktemp("home")
    engine = open_ledger(f"sqlite:///{tmp_path / 'data' / 'ledger.db'}")
    for path in sorted(SEEDS.glob("*.txt")):
        process(engine, path.name, path.read_bytes())
    engine.dispose()
    (tmp_path / "empty-dir").mkdir()
    (tmp_path / "article.txt").write_text("Russia has 100,000 troops near Ukraine.\n")
    (tmp_path / "empty.txt").write_bytes(b"")
    return tmp_path


def _run(args: list[str], env: dict[str, str]) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(main, args, env=env, prog_name="claimtrack")
    assert "Traceback" not in result.output, result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    return result.exit_code, errors, result.stdout


def _env(home: Path, **extra: str) -> dict[str, str]:
    return {
        "CLAIMTRACK_DATA_DIR": str(home / "data"),
        "CLAIMTRACK_DATABASE_URL": "",
        "CLAIMTRACK_BROKER_URL": "",
        "CLAIMTRACK_SPACY_MODEL": "blank:en",
        **extra,
    }


# (arguments, extra settings, exit code, the one error line as a regular expression)
MISTAKES: list[tuple[list[str], dict[str, str], int, str]] = [
    (["show", "999"], {}, 1, r"Error: no claim #999"),
    (["show", "abc"], {}, 2, r"Error: Invalid value for 'CLAIM_ID': 'abc' is not a valid integer\. \(see claimtrack show --help\)"),
    (["show", "1", "--format", "xml"], {}, 2, r"Error: Invalid value for '--format': 'xml' is not one of 'table', 'json'\. \(see claimtrack show --help\)"),
    (["review", "999", "--verdict", "confirmed", "--note", "x"], {}, 1, r"Error: no claim #999"),
    (["review", "1", "--verdict", "maybe", "--note", "x"], {}, 2, r"Error: Invalid value for '--verdict': 'maybe' is not one of 'confirmed', 'refuted'\. .*"),
    (["review", "1", "--verdict", "confirmed", "--note", "  "], {}, 1, r"Error: a verdict needs a note saying why"),
    (["review", "1", "--verdict", "confirmed"], {}, 2, r"Error: Missing option '--note'\. \(see claimtrack review --help\)"),
    (["claims", "--status", "bogus"], {}, 2, r"Error: Invalid value for '--status': 'bogus' is not one of 'unconfirmed', .*"),
    (["claims", "--limit", "0"], {}, 2, r"Error: Invalid value for '--limit': 0 is not in the range x>=1\. \(see claimtrack claims --help\)"),
    (["claims", "--limit", "-1"], {}, 2, r"Error: Invalid value for '--limit': -1 is not in the range x>=1\. .*"),
    (["claims"], {"CLAIMTRACK_DATA_DIR": "{home}/dta"}, 1, r"Error: no ledger at {home}/dta/ledger\.db: check CLAIMTRACK_DATA_DIR, or start with `claimtrack up` or `claimtrack ingest`"),
    (["claims"], {"CLAIMTRACK_DATABASE_URL": "postgresql://postgres@127.0.0.1:{closed}/x"}, 1, r"Error: the ledger cannot be used: .*(refused|failed).*"),
    (["claims"], {"CLAIMTRACK_DATABASE_URL": "mysql://x/y"}, 1, r"Error: CLAIMTRACK_DATABASE_URL: database_url must start with sqlite:// or postgresql\+psycopg:// \(got mysql://\.\.\.\)"),
    (["documents", "--state", "done"], {}, 2, r"Error: Invalid value for '--state': 'done' is not one of .*"),
    (["documents"], {"CLAIMTRACK_DATA_DIR": "{home}/dta"}, 1, r"Error: no ledger at .*"),
    (["propositions", "--kind", "tanks"], {}, 2, r"Error: Invalid value for '--kind': 'tanks' is not one of 'troop_count', 'drill_end_date', 'casualty_count'\. .*"),
    (["reconcile"], {}, 1, r"Error: claimtrack is not running on {home}/data \(no broker at {home}/data/redis\.sock\): start `claimtrack up`, or set CLAIMTRACK_BROKER_URL"),
    (["reconcile"], {"CLAIMTRACK_BROKER_URL": "redis://127.0.0.1:{closed}/0"}, 1, r"Error: cannot reach the broker at redis://127\.0\.0\.1:{closed}/0: .*Connection refused"),
    (["reconcile", "--idle", "-5"], {}, 2, r"Error: Invalid value for '--idle': -5\.0 is not in the range x>=0\. .*"),
    (["ingest", "{home}/missing.txt"], {}, 2, r"Error: Invalid value for '\[PATHS\]\.\.\.': Path '{home}/missing\.txt' does not exist\. .*"),
    (["ingest", "{home}/article.txt"], {}, 1, r"Error: 1 document recorded, not queued: claimtrack is not running on {home}/data .*"),
    (["ingest", "{home}/article.txt", "--wait"], {"CLAIMTRACK_BROKER_URL": "redis://127.0.0.1:{closed}/0"}, 1, r"Error: 1 document recorded, not queued: cannot reach the broker at .*"),
    (["ingest", "{home}/empty-dir"], {}, 1, r"Error: no files to ingest \(hidden and temporary files are left alone\)"),
    (["ingest", "{home}/article.txt", "--timeout", "0"], {}, 2, r"Error: Invalid value for '--timeout': 0\.0 is not in the range x>0\. .*"),
    (["extract", "{home}/missing"], {}, 2, r"Error: Invalid value for 'PATHS\.\.\.': Path '{home}/missing' does not exist\. .*"),
    (["extract", "{home}/article.txt"], {"CLAIMTRACK_SPACY_MODEL": "no_such_model"}, 1, r"Error: .*no_such_model.* is not installed.*"),
    (["extract", "{home}/article.txt", "--format", "xml"], {}, 2, r"Error: Invalid value for '--format': 'xml' is not one of 'jsonl', 'table'\. .*"),
    (["eval", "--gold", str(GOLD), "--articles", "{home}/empty-dir"], {}, 1, r"Error: none of the 5 files seeds_gold\.jsonl names is in {home}/empty-dir"),
    (["eval", "--gold", "{home}/article.txt", "--articles", str(SEEDS)], {}, 1, r"Error: article\.txt line 1: not JSON \(Expecting value\)"),
    (["demo", "--seeds", "{home}/empty-dir"], {}, 1, r"Error: no articles in {home}/empty-dir"),
    (["demo", "--timeout", "0"], {}, 2, r"Error: Invalid value for '--timeout': 0\.0 is not in the range x>0\. .*"),
    (["worker", "--concurrency", "0"], {}, 2, r"Error: Invalid value for '--concurrency': 0 is not in the range x>=1\. .*"),
    (["up", "--concurrency", "0"], {}, 2, r"Error: Invalid value for '--concurrency': 0 is not in the range x>=1\. .*"),
    (["flower"], {"CLAIMTRACK_FLOWER_ADDRESS": "0.0.0.0"}, 1, r"Error: Flower would listen on 0\.0\.0\.0 without a password: set CLAIMTRACK_FLOWER_USER and CLAIMTRACK_FLOWER_PASSWORD, or listen on 127\.0\.0\.1"),
    (["flower"], {"CLAIMTRACK_FLOWER_PORT": "{busy}"}, 1, r"Error: port {busy} on 127\.0\.0\.1 is in use \(another Flower\?\): set CLAIMTRACK_FLOWER_PORT to a free port, or start with --no-flower"),
    (["up"], {"CLAIMTRACK_FLOWER_PORT": "{busy}"}, 1, r"Error: port {busy} on 127\.0\.0\.1 is in use \(another Flower\?\): set CLAIMTRACK_FLOWER_PORT to a free port, or start with --no-flower"),
    (["up"], {"CLAIMTRACK_WORKER_CONCURRENCY": "0"}, 1, r"Error: CLAIMTRACK_WORKER_CONCURRENCY: Input should be greater than or equal to 1"),
    (["flower"], {"CLAIMTRACK_FLOWER_PORT": "70000"}, 1, r"Error: CLAIMTRACK_FLOWER_PORT: Input should be less than or equal to 65535"),
    (["up"], {"CLAIMTRACK_WEB_PORT": "{busy}"}, 1, r"Error: port {busy} on 127\.0\.0\.1 is in use \(another review desk\?\): set CLAIMTRACK_WEB_PORT to a free port, or start with --no-web"),
    (["up"], {"CLAIMTRACK_WEB_ADDRESS": "0.0.0.0"}, 1, r"Error: the review desk would listen on 0\.0\.0\.0 without a password: set CLAIMTRACK_WEB_USERS .*"),
    (["web"], {"CLAIMTRACK_WEB_ADDRESS": "0.0.0.0"}, 1, r"Error: the review desk would listen on 0\.0\.0\.0 without a password: set CLAIMTRACK_WEB_USERS .*"),
    (["web", "--port", "70000"], {}, 2, r"Error: Invalid value for '--port': .*"),
    (["export", "--format", "csv"], {}, 2, r"Error: Invalid value for '--format': 'csv' is not 'claimreview'\. .*"),
    (["export"], {"CLAIMTRACK_DATA_DIR": "{home}/dta"}, 1, r"Error: no ledger at .*"),
    (["nonsense"], {}, 2, r"Error: No such command 'nonsense'\. \(see claimtrack --help\)"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "extra", "code", "line"), MISTAKES, ids=lambda v: str(v))
def test_a_mistake_is_one_line_and_an_exit_code(
    home: Path,
    busy_port: int,
    args: list[str],
    extra: dict[str, str],
    code: int,
    line: str,
) -> None:
    values = {"home": str(home), "closed": str(_closed_port()), "busy": str(busy_port)}
    fill = lambda text: re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], text)  # noqa: E731
    env = {k: fill(v) for k, v in _env(home, **extra).items()}
    exit_code, errors, _ = _run([fill(a) for a in args], env)
    pattern = re.sub(r"\{(\w+)\}", lambda m: re.escape(values[m.group(1)]), line)
    assert (exit_code, len(errors)) == (code, 1), errors
    assert re.fullmatch(pattern, errors[0]), errors[0]


def test_the_mistakes_cover_every_command() -> None:
    walked = {args[0] for args, *_ in MISTAKES} | {"watch"}  # watch: below, with the lock
    assert set(main.commands) <= walked, set(main.commands) - walked


def test_a_second_stack_on_the_same_data_directory_is_refused(home: Path) -> None:
    lock = StackLock(home / "data")
    lock.acquire()
    try:
        for command in (["up", "--no-flower"], ["watch"]):
            exit_code, errors, _ = _run(command, _env(home))
            assert exit_code == 1
            assert errors == [
                f"Error: claimtrack is already running on {home / 'data'} (pid {__import__('os').getpid()}): "
                "stop it first, or set CLAIMTRACK_DATA_DIR to another directory"
            ]
    finally:
        lock.release()


def test_an_empty_ledger_answers_without_error(tmp_path: Path) -> None:
    open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}").dispose()
    env = {"CLAIMTRACK_DATA_DIR": str(tmp_path), "CLAIMTRACK_DATABASE_URL": ""}
    assert _run(["claims"], env)[::2] == (0, "  (none)\n")
    assert _run(["documents", "--format", "json"], env)[::2] == (0, "[]\n")
    assert _run(["propositions"], env)[::2] == (0, "  (none)\n")
    assert _run(["show", "1"], env)[:2] == (1, ["Error: no claim #1"])


def test_reconcile_with_nothing_to_do_says_so(tmp_path: Path, clean_broker: str) -> None:
    engine = open_ledger(f"sqlite:///{tmp_path / 'data' / 'ledger.db'}")
    seed = sorted(SEEDS.glob("*.txt"))[0]
    process(engine, seed.name, seed.read_bytes())
    engine.dispose()
    env = _env(tmp_path, CLAIMTRACK_BROKER_URL=clean_broker)
    exit_code, errors, out = _run(["reconcile"], env)
    assert (exit_code, errors, out) == (0, [], "nothing to queue: every document is finished\n")


def test_ingest_wait_with_no_worker_says_so(home: Path, tmp_path: Path, clean_broker: str) -> None:
    env = _env(tmp_path, CLAIMTRACK_BROKER_URL=clean_broker)
    exit_code, errors, out = _run(["ingest", str(home / "article.txt"), "--wait"], env)
    assert exit_code == 1
    assert out.splitlines() == ["queued 1 document"]
    assert errors == [
        "Error: no worker is running to process them (start `claimtrack up` or "
        "`claimtrack worker`); they stay queued"
    ]
    # The same file again is the same document: it says so, and it is not queued twice.
    again = _run(["ingest", str(home / "article.txt"), str(home / "empty.txt")], env)
    assert again[0] == 0, again
    assert again[2].splitlines() == [
        "article.txt: same content as document #1 (article.txt), queued",
        "queued 1 document, 1 duplicate",
    ]


def test_a_bug_is_one_line_naming_the_file_with_its_traceback(tmp_path: Path) -> None:
    @click.group(cls=Cli)
    def app() -> None:
        """A group with the CLI's error handling."""

    @app.command()
    def broken() -> None:
        raise RuntimeError("something nobody expected\nsecond line")

    result = CliRunner().invoke(app, ["broken"], env={"CLAIMTRACK_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 1
    log = tmp_path / "claimtrack-errors.log"
    assert result.stderr == (
        f"Error: unexpected RuntimeError: something nobody expected (the traceback is in {log})\n"
    )
    assert "Traceback" in log.read_text() and "second line" in log.read_text()


@pytest.mark.parametrize("benchmark", ["stages", "proposition_scale", "ledger_scale", "web_api"])
def test_a_benchmark_given_a_bad_database_url_says_so_in_one_line(benchmark: str) -> None:
    """The benchmarks that take --database-url end a mistyped one with one line and exit 1,
    never a traceback, and never show the password."""
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{benchmark}", "--database-url", "bogus://u:secret@x/db"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "error: cannot open the ledger at bogus://u:***@x/db: NoSuchModuleError: "
        "Can't load plugin: sqlalchemy.dialects:bogus"
    ]


@pytest.mark.parametrize("arguments", [["--docs", "0"], ["--share", "1.5"], ["--workers", "-1"]])
def test_the_chain_floor_benchmark_refuses_impossible_sizes_in_one_line(
    arguments: list[str],
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.chain_floor", *arguments],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "error: --docs and --workers must be at least 1, --share in (0, 1]"
    ]


def test_the_chain_floor_benchmark_runs_a_real_worker_and_prints_its_floor(tmp_path: Path) -> None:
    """A small run end to end (embedded Redis, a real worker, the three-link chain): every
    document is counted and the floor is printed (the benchmark cannot rot unseen)."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.chain_floor", "--docs", "30", "--no-bare"],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
        env={**os.environ, "CLAIMTRACK_BENCHMARK_RESULTS": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "chain_floor.json").read_text())["chain"]["docs"] == 30
    assert re.fullmatch(
        r"the chain alone \(3 no-op tasks per document, 1 worker process\(es\), 30 documents\): "
        r"[0-9.]+ docs/s, [0-9.]+ ms per document\n",
        done.stdout,
    )


def test_a_benchmark_that_cannot_write_its_figures_says_so_in_one_line(tmp_path: Path) -> None:
    """CLAIMTRACK_BENCHMARK_RESULTS naming a file: one line and exit 1, not a traceback."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.chain_floor", "--docs", "5", "--no-bare"],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
        env={**os.environ, "CLAIMTRACK_BENCHMARK_RESULTS": str(blocker)},
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"error: cannot write the figures to {blocker}/chain_floor.json: File exists"
    ]
