"""Serving the desk: ``claimtrack web`` in the foreground, or a child process of ``up``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from pipeline.settings import Settings, SettingsError


def bind(address: str, port: int) -> socket.socket:
    """The listening socket, or a one-line ``SettingsError`` (port taken, no such address)."""
    try:
        family, kind, proto, _, target = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM)[
            0
        ]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(target)
    except OSError as exc:
        raise SettingsError(
            f"the review desk cannot listen on {address}:{port}: {exc.strerror or exc}"
            " (set CLAIMTRACK_WEB_ADDRESS / CLAIMTRACK_WEB_PORT)"
        ) from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url(settings: Settings, port: int | None = None) -> str:
    host = settings.web_address
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.web_port if port is None else port}"


def serve(settings: Settings, sock: socket.socket | None = None) -> None:
    """Run the desk until SIGINT/SIGTERM. Refuses a non-loopback address without accounts."""
    import uvicorn

    from workers.web import create_app

    settings.check_web()
    settings.web_accounts  # noqa: B018 (a malformed CLAIMTRACK_WEB_USERS fails here, in one line)
    sock = sock or bind(settings.web_address, settings.web_port)
    config = uvicorn.Config(create_app(settings), log_level="info", access_log=True)
    uvicorn.Server(config).run(sockets=[sock])


class WebProcess:
    """The desk in a child process (for ``claimtrack up``). Its settings are checked when it
    is made, so that ``up`` refuses before it starts anything."""

    def __init__(self, settings: Settings) -> None:
        settings.check_web()
        settings.web_accounts  # noqa: B018 (malformed accounts fail here, in one line)
        self.settings = settings
        self.url = url(settings)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str], timeout: float = 30) -> None:
        """Start ``python -m workers.web`` with ``env`` (the stack's settings) and wait until
        it accepts connections."""
        bind(self.settings.web_address, self.settings.web_port).close()  # free? say so now
        self.process = subprocess.Popen(
            [sys.executable, "-m", "workers.web"], env=env, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SettingsError(f"the review desk exited with {self.process.returncode}")
            try:
                with socket.create_connection(
                    (self.settings.web_address, self.settings.web_port), timeout=0.5
                ):
                    return
            except OSError:
                time.sleep(0.2)
        raise SettingsError(f"the review desk did not answer within {timeout:.0f}s")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
