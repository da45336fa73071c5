"""Run a command that dies with the process that started it.

``python -m workers.guard PARENT_PID COMMAND...`` asks Linux to send the command SIGTERM
when its parent dies (``prctl(PR_SET_PDEATHSIG)``; it survives ``exec``), checks that the
parent is still there, then becomes the command. So `claimtrack up` killed outright
(SIGKILL, the OOM killer) leaves no worker, Flower or broker behind. Done in a process
of its own rather than in ``preexec_fn``, which is unsafe in a process with threads.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def guarded(command: list[str]) -> list[str]:
    """``command`` wrapped so that it dies with this process (unchanged off Linux)."""
    if not sys.platform.startswith("linux"):
        return command
    return [sys.executable, "-m", "workers.guard", str(os.getpid()), *command]


def main(argv: list[str]) -> None:
    parent, command = int(argv[0]), argv[1:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:
        sys.exit(0)  # the parent died before the guard was set: nothing to run for
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
