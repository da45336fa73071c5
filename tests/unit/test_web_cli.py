"""`claimtrack web` and `claimtrack export`: a result, or one line and a non-zero exit."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from click.testing import CliRunner

from workers.cli import main


def _env(tmp_path: Path, **more: str) -> dict[str, str]:
    return {"CLAIMTRACK_DATA_DIR": str(tmp_path), "CLAIMTRACK_DATABASE_URL": "",
            "CLAIMTRACK_WEB_USERS": "", **more}  # fmt: skip


def _one_line_error(result, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and expected in lines[0], lines


def test_web_refuses_an_open_desk_off_loopback(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["web", "--address", "0.0.0.0"], env=_env(tmp_path))
    _one_line_error(result, "without a password: set CLAIMTRACK_WEB_USERS")


def test_web_says_when_its_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["web", "--port", str(port)], env=_env(tmp_path))
    _one_line_error(result, f"cannot listen on 127.0.0.1:{port}")


def test_web_says_when_its_accounts_are_malformed(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["web"], env=_env(tmp_path, CLAIMTRACK_WEB_USERS="ann"))
    _one_line_error(result, '"name:password"')


def test_up_refuses_an_open_desk_before_starting_anything(tmp_path: Path) -> None:
    env = _env(tmp_path, CLAIMTRACK_WEB_ADDRESS="0.0.0.0")
    result = CliRunner().invoke(main, ["up", "--no-flower"], env=env)
    _one_line_error(result, "review desk would listen on 0.0.0.0")
    assert not (tmp_path / "redis.sock").exists()


def test_export_of_a_ledger_without_verdicts_is_an_empty_list(tmp_path: Path) -> None:
    from pipeline.database import open_ledger

    env = _env(tmp_path)
    open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}").dispose()  # a ledger with nothing reviewed
    result = CliRunner().invoke(main, ["export", "--format", "claimreview"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []
    assert "0 reviewed claims exported" in result.stderr
    bad = CliRunner().invoke(main, ["export", "--format", "csv"], env=_env(tmp_path))
    assert bad.exit_code == 2 and "Traceback" not in bad.output
