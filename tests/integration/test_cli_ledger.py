"""The ledger commands over a real SQLite ledger: tables for a terminal, JSON twins."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pipeline import ledger
from pipeline.database import open_ledger, session
from tests.conftest import SEEDS, process
from workers.cli import main

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("ledger")
    engine = open_ledger(f"sqlite:///{data / 'ledger.db'}")
    for path in sorted(SEEDS.glob("*.txt")):
        process(engine, path.name, path.read_bytes())
    with session(engine) as s:  # a refused file, as the watcher records it
        ledger.record_document(s, raw=b"   \n", file_name="blank.txt",
                               failure=("empty", "the file is empty or holds only white space"))  # fmt: skip
    engine.dispose()
    return {"CLAIMTRACK_DATA_DIR": str(data), "CLAIMTRACK_DATABASE_URL": ""}


def _ok(args: list[str], env: dict[str, str]) -> str:
    result = CliRunner().invoke(main, args, env=env, prog_name="claimtrack")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_claims_fit_100_columns_and_any_case_is_accepted(env: dict[str, str]) -> None:
    table = _ok(["claims"], env).splitlines()
    assert len(table) == 8 and max(map(len, table)) <= 100
    assert any("2022-02-20" in line and "belarus_joint" in line for line in table)
    unconfirmed = _ok(["claims", "--status", "UNCONFIRMED", "--kind", "Casualty_Count"], env)
    (row,) = unconfirmed.splitlines()[1:]
    assert "more than 14,000 killed" in row and "14,000" in row[row.index("\u201c") :]
    assert len(_ok(["claims", "--limit", "2"], env).splitlines()) == 3
    wide = _ok(["claims", "--wide"], env)
    assert max(map(len, wide.splitlines())) > 100 and "Western countries" in wide


def test_show_and_documents_have_json_twins(env: dict[str, str]) -> None:
    claims = json.loads(_ok(["claims", "--format", "json"], env))
    shown = json.loads(_ok(["show", str(claims[0]["id"]), "--format", "JSON"], env))
    assert {k: shown[k] for k in claims[0]} == claims[0]
    assert shown["history"] and shown["history"][-1]["to"] == shown["status"]
    assert shown["document"]["file"] == claims[0]["file"]
    documents = json.loads(_ok(["documents", "--format", "json"], env))
    assert [d["state"] for d in documents] == ["verified"] * 5 + ["failed"]
    assert documents[-1]["failure_reason"] == "empty" and documents[-1]["file"] == "blank.txt"
    failed = _ok(["documents", "--state", "Failed"], env).splitlines()
    assert len(failed) == 2 and "empty: the file is empty" in failed[1]
    assert max(map(len, _ok(["documents"], env).splitlines())) <= 100
