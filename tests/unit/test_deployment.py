"""The deployment files: every service has a health check, the data directory and the
inbox have volumes with the right owner, the image installs pinned versions, and
`docker compose config` accepts the file (when a compose binary is installed)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
CLAIMTRACK_SERVICES = ("worker", "watcher", "flower")
SECRETS = {"POSTGRES_PASSWORD": "x", "FLOWER_USER": "x", "FLOWER_PASSWORD": "x",
           "WEB_USERS": "x:x", "WEB_SECRET": "x"}  # fmt: skip


def test_every_long_running_service_has_a_health_check() -> None:
    for name, service in SERVICES.items():
        if service.get("restart") == "no":
            continue  # a one-shot step
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_the_data_directory_and_the_inbox_are_volumes_prepared_for_their_owner() -> None:
    for name in CLAIMTRACK_SERVICES:
        service = SERVICES[name]
        assert service["environment"]["CLAIMTRACK_DATA_DIR"] == "/data"
        assert "claimtrack-data:/data" in service["volumes"], name
        assert service["depends_on"]["prepare"] == {"condition": "service_completed_successfully"}
        assert service["user"] == "${CLAIMTRACK_UID:-1000}:${CLAIMTRACK_GID:-1000}", name
    assert "claimtrack-data" in COMPOSE["volumes"]
    inbox = "${CLAIMTRACK_INBOX:-./inbox}:/inbox"
    assert inbox in SERVICES["watcher"]["volumes"]
    prepare = SERVICES["prepare"]
    assert prepare["user"] == "root" and inbox in prepare["volumes"]
    script = " ".join(prepare["command"])
    assert re.search(
        r'chown "\$\{CLAIMTRACK_UID:-1000\}:\$\{CLAIMTRACK_GID:-1000\}" /data /inbox', script
    )


def test_the_watcher_health_check_reads_the_heartbeat_it_writes() -> None:
    watcher = SERVICES["watcher"]
    heartbeat = watcher["command"][watcher["command"].index("--heartbeat") + 1]
    assert heartbeat in " ".join(watcher["healthcheck"]["test"])


def _requirements(name: str, extras: frozenset[str] = frozenset()) -> list[Requirement]:
    """What distribution ``name`` requires here, with ``extras`` (and no others)."""
    wanted = []
    for text in metadata.requires(name) or []:
        requirement = Requirement(text)
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": e}) for e in ("", *extras)):
            wanted.append(requirement)
    return wanted


def _runtime_closure() -> set[str]:
    """Every distribution `pip install .` brings in (no test extras), by name."""
    seen: set[str] = set()
    todo = _requirements("claimtrack")
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name not in seen:
            seen.add(name)
            todo += _requirements(name, frozenset(requirement.extras))
    return seen


def test_the_image_installs_from_constraints_that_pin_every_dependency() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY constraints.txt" in dockerfile
    assert re.search(r"pip install --constraint constraints\.txt \.", dockerfile)
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"not pinned: {line}"
            pins[canonicalize_name(name)] = version
    assert "claimtrack" not in pins
    missing = _runtime_closure() - set(pins)
    assert not missing, f"not in constraints.txt: {sorted(missing)}"


def _compose() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        return ["docker", "compose"]
    return None


@pytest.mark.skipif(_compose() is None, reason="no docker compose here")
def test_docker_compose_config_accepts_the_file_and_requires_the_secrets(tmp_path: Path) -> None:
    command = [*(_compose() or []), "-f", str(ROOT / "docker-compose.yml"), "config", "-q"]
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    ok = subprocess.run(command, env=env | SECRETS, capture_output=True, text=True, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    missing = subprocess.run(command, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert missing.returncode != 0 and "set POSTGRES_PASSWORD" in missing.stderr
