"""The files claimtrack's processes write beside the ledger (issue 12): the broker's
append-only file and every log readable by their owner alone, and logs rotated by size."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from tests.conftest import tempfile_short
from workers.embedded import EmbeddedRedis
from workers.logs import follow_output

pytestmark = pytest.mark.fault


def _mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def test_a_childs_output_is_kept_private_and_rotated_by_size(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "for i in range(3000): print(f'line {i:05d} ' + 'x' * 80)"],
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None
    log = tmp_path / "logs" / "worker.log"
    follow_output(child.stdout, log, max_bytes=50_000, backups=2).join(timeout=60)
    assert child.wait(timeout=10) == 0
    files = sorted(tmp_path.joinpath("logs").iterdir())
    assert [p.name for p in files] == ["worker.log", "worker.log.1", "worker.log.2"]
    assert all(p.stat().st_size <= 50_000 for p in files)
    assert {_mode(p) for p in files} == {"0o600"} and _mode(log.parent) == "0o700"
    assert log.read_text().splitlines()[-1].startswith("line 02999 ")  # the newest kept


def test_the_embedded_brokers_files_are_private() -> None:
    data = Path(tempfile_short()) / "data"
    server = EmbeddedRedis(data)
    server.start()
    try:
        client = redis.Redis(unix_socket_path=str(server.socket))
        client.rpush("claimtrack", "a queued message")  # written to the append-only file
        client.close()
    finally:
        server.stop()
    files = [p for p in data.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"broker.aof", "redis.log"}
    assert {p.name: _mode(p) for p in files} == {p.name: "0o600" for p in files}
    assert _mode(data) == "0o700"
    assert "Redis is starting" in (data / "redis.log").read_text()
