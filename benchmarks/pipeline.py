"""The whole pipeline: files dropped into the inbox with the real watcher, a real Redis
(the embedded one), real Celery worker processes and a SQLite ledger (or
CLAIMTRACK_DATABASE_URL); the clock stops when the last document is verified.

For N in --sizes and 1 and 2 worker processes: docs/s, p50 and p95 from drop to
verified; then p50/p95 at idle (one file at a time); peak RSS of a worker process after
the largest run (and after the first 20%, to see whether it grows). Prints a table and
writes results/pipeline.json.

    python benchmarks/pipeline.py [--sizes 200 1000] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

from benchmarks.corpus import generate, write
from benchmarks.record import RESULTS, save
from pipeline import ledger
from pipeline.database import session
from pipeline.settings import load_settings
from workers.stack import Stack


def _peak_rss_mb(stack: Stack) -> float:
    """VmHWM (peak resident set) of the worker's processes, the largest of them, in MB."""
    peak = 0
    for child in stack.children:
        if stack.names.get(child.pid) != "worker":
            continue
        main = psutil.Process(child.pid)
        for process in [main, *main.children(recursive=True)]:
            try:
                status = Path(f"/proc/{process.pid}/status").read_text()
            except FileNotFoundError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    return peak / 1024


def _finished(stack: Stack, names: set[str]) -> dict[str, datetime]:
    assert stack.engine is not None
    with session(stack.engine) as s:
        docs = ledger.list_documents(s, state="verified")
    return {d.file_name: d.updated_at for d in docs if d.file_name in names}


def run(size: int, workers: int, offset: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="ct-bench-") as tmp:
        settings = load_settings(data_dir=Path(tmp), worker_concurrency=workers, broker_url=None)
        stack = Stack(settings, flower=False, concurrency=workers, log_to_file=True)
        stack.start()
        try:
            time.sleep(4)  # let the worker load its model before the clock starts
            articles = generate(size, start=offset)
            names = {a.name for a in articles}
            dropped_at = datetime.now(UTC)
            started = time.monotonic()
            write(settings.inbox, articles)
            rss_early = 0.0
            while True:
                done = _finished(stack, names)
                if not rss_early and len(done) >= size // 5:
                    rss_early = _peak_rss_mb(stack)
                if len(done) == size:
                    break
                time.sleep(0.2)
            elapsed = time.monotonic() - started
            latencies = sorted((t - dropped_at).total_seconds() for t in done.values())
            idle = _idle_latency(stack, settings.inbox, offset + size)
            rss = _peak_rss_mb(stack)
        finally:
            stack.stop()
    return {
        "docs": size,
        "workers": workers,
        "seconds": elapsed,
        "docs_per_s": size / elapsed,
        "burst_p50_s": statistics.median(latencies),
        "burst_p95_s": latencies[int(0.95 * (len(latencies) - 1))],
        "idle_p50_s": statistics.median(idle),
        "idle_p95_s": sorted(idle)[int(0.95 * (len(idle) - 1))],
        "worker_peak_rss_mb": rss,
        "worker_peak_rss_mb_at_20pct": rss_early,
    }


def _idle_latency(stack: Stack, inbox: Path, offset: int, count: int = 20) -> list[float]:
    """Drop one file at a time on an idle pipeline; seconds until it is verified."""
    latencies = []
    for article in generate(count, start=offset):
        dropped = datetime.now(UTC)
        write(inbox, [article])
        while not (done := _finished(stack, {article.name})):
            time.sleep(0.02)
        latencies.append((done[article.name] - dropped).total_seconds())
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    rows = []
    offset = 0
    for size in args.sizes:
        for workers in args.workers:
            rows.append(run(size, workers, offset))
            offset += size + 100
            print(json.dumps(rows[-1]), flush=True)
    extractor = RESULTS / "extractor.json"  # the bare extractor's last figure
    bare = (
        json.loads(extractor.read_text())["claimtrack_docs_per_s"] if extractor.exists() else None
    )
    print(f"\n{'docs':>6} {'workers':>7} {'docs/s':>8} {'vs bare':>8} {'burst p50':>10} "
          f"{'burst p95':>10} {'idle p50':>9} {'idle p95':>9} {'peak RSS':>9}")  # fmt: skip
    for r in rows:
        ratio = f"{r['docs_per_s'] / bare:.0%}" if bare else "-"
        print(f"{r['docs']:>6} {r['workers']:>7} {r['docs_per_s']:>8.1f} {ratio:>8} "
              f"{r['burst_p50_s']:>9.2f}s {r['burst_p95_s']:>9.2f}s {r['idle_p50_s']:>8.2f}s "
              f"{r['idle_p95_s']:>8.2f}s {r['worker_peak_rss_mb']:>7.0f}MB")  # fmt: skip
    for size in args.sizes:
        by_workers = {r["workers"]: r["docs_per_s"] for r in rows if r["docs"] == size}
        if 1 in by_workers and 2 in by_workers:
            print(
                f"N={size}: 2 workers / 1 worker = {by_workers[2] / by_workers[1]:.2f}x (target >= 1.6x)"
            )
    save("pipeline", {"runs": rows, "bare_extractor_docs_per_s": bare})


if __name__ == "__main__":
    main()
