"""Where a worker's time goes under a burst: py-spy samples the worker's processes (its
main process and its pool) while N files go through the whole pipeline (the run of
``benchmarks.pipeline``: real watcher, embedded Redis, real Celery worker). Prints the
share of the samples by part of the work and the functions with the most samples of their
own, and writes results/profile_worker.json (the raw stacks go to a temporary file).

Needs py-spy (``pip install py-spy``); as root or with ptrace allowed.

    python -m benchmarks.profile_worker [--docs 1000] [--workers 1] [--ledger sqlite]
"""

from __future__ import annotations

import argparse
import collections
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.pipeline import POSTGRES, run
from benchmarks.record import save
from workers.stack import Stack

#: Parts of the work, tried in this order on each sampled stack (the first that matches a
#: frame's file or function wins): the database first, so SQL run from a stage counts as SQL.
PARTS: list[tuple[str, tuple[str, ...]]] = [
    ("SQL (SQLAlchemy, sqlite3, psycopg)", ("sqlalchemy/", "sqlite3/", "psycopg/", "sqlmodel/")),
    ("extraction (extract_claims)", ("extract_claims ",)),
    ("normalisation (normalise)", ("pipeline/normalise.py",)),
    ("MinHash signature", ("datasketch/", "pipeline/duplicates.py")),
    ("verification decisions", ("pipeline/verify.py",)),
    ("broker and Celery (kombu, redis, billiard)",
     ("kombu/", "redis/", "billiard/", "celery/", "amqp/", "vine/")),
]  # fmt: skip


def part_of(stack: str) -> str:
    for name, needles in PARTS:
        if any(n in stack for n in needles):
            return name
    return "other"


def summarise(raw: Path, top: int = 25) -> dict[str, object]:
    """Shares by part, and the functions with the most samples at the top of the stack."""
    parts: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    processes: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        # py-spy names the process first, then each subprocess: one name is the worker's
        # main process (the consumer: messages, acks, events), two a pool process (tasks).
        depth = sum(f.startswith("process ") for f in frames)
        processes["pool (tasks)" if depth > 1 else "main (consumer)"] += n
        parts[part_of(stack)] += n
        own[frames[-1]] += n
    return {
        "samples": total,
        "processes": {name: n / total for name, n in processes.most_common()},
        "parts": {name: n / total for name, n in parts.most_common()},
        "top_own": [(frame, n / total) for frame, n in own.most_common(top)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--ledger", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres", default=POSTGRES)
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        sys.exit("error: py-spy is not installed (pip install py-spy)")
    raw = Path(tempfile.mkdtemp(prefix="ct-profile-")) / "stacks.txt"  # py-spy's raw stacks
    spies: list[subprocess.Popen[bytes]] = []

    def attach(stack: Stack) -> None:
        worker = next(c for c in stack.children if c.name == "worker")
        command = [spy, "record", "--pid", str(worker.pid), "--subprocesses", "--format", "raw",
                   "--nolineno", "--output", str(raw)]  # fmt: skip
        spies.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        time.sleep(1)  # py-spy attaches

    result = run(args.docs, args.workers, 0, ledger=args.ledger, postgres=args.postgres,
                 on_start=attach, idle=False)  # fmt: skip
    for process in spies:  # the worker has stopped, so py-spy writes its file and ends
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
        if not raw.exists():
            error = process.stderr.read().decode(errors="replace") if process.stderr else ""
            sys.exit(f"error: py-spy recorded nothing: {error.strip()[-300:]}")
    summary = summarise(raw)
    print(f"{args.docs} files, {args.workers} worker process(es), {args.ledger}: "
          f"{result['docs_per_s']:.1f} docs/s; {summary['samples']} samples")  # fmt: skip
    print("\nshare of the worker's samples by process:")
    for name, share in summary["processes"].items():  # type: ignore[attr-defined]
        print(f"  {share:>6.1%}  {name}")
    print("\nby part of the work:")
    for name, share in summary["parts"].items():  # type: ignore[attr-defined]
        print(f"  {share:>6.1%}  {name}")
    print("\nfunctions with the most samples of their own:")
    for frame, share in summary["top_own"]:  # type: ignore[attr-defined]
        print(f"  {share:>6.1%}  {frame}")
    print(f"\nthe sampled stacks (py-spy's raw format, for a flame graph): {raw}")
    save("profile_worker", {"run": result, **summary})


if __name__ == "__main__":
    main()
