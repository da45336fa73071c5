"""What the three-link chain costs by itself: the same Celery configuration as the real
worker (late acks, prefetch, no task events, the embedded Redis), the same chain of three
tasks per document, but tasks that do nothing (the last counts the document in Redis).
The documents per second of one worker process here is the ceiling Celery and the broker
leave any pipeline built on this chain, and ``1000 / docs_per_s`` is the time per document
that no work of ours can win back.

Prints that floor next to the bare extractor (normalise + extract, one process) and what a
worker would have left per document for the ledger at a given share of the bare extractor's
speed (``--share``, default 0.70). Writes results/chain_floor.json.

    python -m benchmarks.chain_floor [--docs 2000] [--workers 1] [--share 0.7] [--no-bare]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
from celery import Celery, chain

from benchmarks.record import save
from workers.celery_app import CONFIG
from workers.embedded import EmbeddedRedis

QUEUE = "claimtrack-floor"
COUNTER = "claimtrack-floor:done"

app = Celery("claimtrack_floor")
app.conf.update(CONFIG)
app.conf.update(
    task_default_queue=QUEUE,
    broker_url=os.environ.get("CLAIMTRACK_FLOOR_BROKER", "memory://"),
    task_soft_time_limit=300,  # the real worker runs with time limits too
    task_time_limit=600,
)


@app.task(name="floor.normalise", acks_late=True, ignore_result=True)
def normalise(document_id: int) -> str:
    return "normalised"


@app.task(name="floor.extract", acks_late=True, ignore_result=True)
def extract(document_id: int) -> str:
    return "0 claims"


_counter: redis.Redis | None = None


@app.task(name="floor.verify", acks_late=True, ignore_result=True)
def verify(document_id: int) -> str:
    global _counter
    if _counter is None:  # one connection per worker process, as the ledger's pool is
        _counter = redis.Redis(unix_socket_path=os.environ["CLAIMTRACK_FLOOR_SOCKET"])
    _counter.incr(COUNTER)
    return "verified"


def _chain(document_id: int) -> object:
    shown = {"argsrepr": f"#{document_id} floor.txt"}
    return chain(*(t.si(document_id).set(**shown) for t in (normalise, extract, verify)))


def run(docs: int, workers: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="ct-floor-") as tmp, EmbeddedRedis(Path(tmp)) as broker:
        url = broker.url
        app.conf.broker_url = url
        counter = redis.Redis(unix_socket_path=str(broker.socket))
        counter.delete(COUNTER)
        log = Path(tmp) / "worker.log"
        env = dict(
            os.environ, CLAIMTRACK_FLOOR_BROKER=url, CLAIMTRACK_FLOOR_SOCKET=str(broker.socket)
        )
        with open(log, "wb") as out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "benchmarks.chain_floor", "worker",
                 "--loglevel=INFO", f"--concurrency={workers}", "--without-gossip",
                 "--without-mingle", "-Q", QUEUE, f"--hostname=floor-{os.getpid()}@%h"],
                stdout=out, stderr=subprocess.STDOUT, env=env,
            )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while b" ready." not in log.read_bytes():
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"error: the worker did not start; see {log}")
                time.sleep(0.1)
            time.sleep(1)
            # Queue every chain first (as a burst of dropped files does), then time the worker.
            for i in range(docs):
                _chain(i).apply_async()  # type: ignore[attr-defined]
            started = time.monotonic()
            while int(counter.get(COUNTER) or 0) < docs:
                if worker.poll() is not None:
                    raise SystemExit(f"error: the worker died; see {log}")
                time.sleep(0.05)
            elapsed = time.monotonic() - started
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    return {"docs": docs, "workers": workers, "seconds": elapsed, "docs_per_s": docs / elapsed,
            "ms_per_doc": 1000 * elapsed / docs}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--share", type=float, default=0.70, help="of the bare extractor")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare extractor")
    args = parser.parse_args()
    if args.docs < 1 or args.workers < 1 or not 0 < args.share <= 1:
        sys.exit("error: --docs and --workers must be at least 1, --share in (0, 1]")
    floor = run(args.docs, args.workers)
    print(f"the chain alone (3 no-op tasks per document, {args.workers} worker process(es), "
          f"{args.docs} documents): {floor['docs_per_s']:.1f} docs/s, "
          f"{floor['ms_per_doc']:.2f} ms per document")  # fmt: skip
    result: dict[str, object] = {"chain": floor}
    if not args.no_bare:
        from benchmarks.pipeline import bare_extractor

        bare, _ = bare_extractor()
        target_ms = 1000 / (args.share * bare)
        left = target_ms - floor["ms_per_doc"] - 1000 / bare
        print(f"bare extractor: {bare:.1f} docs/s ({1000 / bare:.1f} ms per document)")
        print(f"at {args.share:.0%} of it a worker process has {target_ms:.1f} ms per document: "
              f"{floor['ms_per_doc']:.1f} for the chain, {1000 / bare:.1f} for normalise and "
              f"extract, {left:.1f} left for the ledger and verification")  # fmt: skip
        result.update(bare_docs_per_s=bare, share=args.share, target_ms=target_ms, left_ms=left)
    save("chain_floor", result)


if __name__ == "__main__":
    main()
