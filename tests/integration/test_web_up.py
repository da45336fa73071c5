"""`claimtrack up` starts the review desk beside Flower, prints both addresses, and stops
the desk with everything else on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_up_serves_the_desk_beside_flower(
    tmp_path: Path, sqlite_url: str, clean_broker: str
) -> None:
    web, flower = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMTRACK_")} | {
        "CLAIMTRACK_DATA_DIR": str(tmp_path / "data"), "CLAIMTRACK_DATABASE_URL": sqlite_url,
        "CLAIMTRACK_BROKER_URL": clean_broker, "CLAIMTRACK_SPACY_MODEL": "blank:en",
        "CLAIMTRACK_WEB_PORT": str(web), "CLAIMTRACK_FLOWER_PORT": str(flower),
    }  # fmt: skip
    up = subprocess.Popen([sys.executable, "-m", "workers.cli", "up"], env=env, cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    printed: list[str] = []
    try:
        assert up.stdout is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any("Press Ctrl-C" in p for p in printed):
            line = up.stdout.readline()
            if not line:
                break
            printed.append(line.strip())
        assert f"Flower: http://127.0.0.1:{flower}" in printed, printed
        assert f"Review desk: http://127.0.0.1:{web}" in printed, printed
        health = httpx.get(f"http://127.0.0.1:{web}/health", timeout=10)
        assert health.status_code == 200 and health.json() == {"status": "ok", "claims": 0}
    finally:
        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=90) == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{web}/health", timeout=2)
