"""Memory: peak resident set (VmHWM) of one worker process after N documents through the
whole pipeline (watcher, embedded Redis, one Celery worker, SQLite), and after the first
fifth of them, to see whether it grows with the number of documents. Prints a table and
writes results/memory.json. Target: under 600 MB, and flat.

    python -m benchmarks.memory [--docs 2000]
"""

from __future__ import annotations

import argparse

from benchmarks.pipeline import run
from benchmarks.record import save


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=2000)
    args = parser.parse_args()
    result = run(args.docs, 1, 0, idle=False)
    early, peak = float(result["worker_peak_rss_mb_at_20pct"]), float(result["worker_peak_rss_mb"])
    print(f"{'documents':>10} {'peak RSS':>10}")
    print(f"{args.docs // 5:>10} {early:>8.0f}MB")
    print(f"{args.docs:>10} {peak:>8.0f}MB")
    print(f"growth over the last 80%: {peak - early:+.0f} MB (target: < 600 MB and flat)")
    save("memory", {"docs": args.docs, "peak_rss_mb_at_20pct": early, "peak_rss_mb": peak})


if __name__ == "__main__":
    main()
