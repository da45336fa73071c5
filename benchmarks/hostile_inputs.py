"""Normalisation and extraction on hostile inputs: is the cost linear in the input?

Each shape is built at 10 KB, 100 KB, 1 MB and 10 MB (the largest file the watcher takes):
ordinary prose (the seeds repeated), blank lines, deeply nested HTML, one huge line, number
sentences (every one a claim), and a run of brackets with no space. Prints the seconds
each stage takes per input (CPU seconds of this process: the machine may be shared, and
wall time then measures the neighbours), and seconds per MB (flat when the cost is
linear), and writes results/hostile_inputs.json.

An input still running after ``--timeout`` seconds (300, the pipeline's soft time limit)
is reported as such: in the pipeline it fails with ``time_limit``.

    python -m benchmarks.hostile_inputs [--sizes 10k,100k,1m,10m] [--shapes prose,blank]
"""

from __future__ import annotations

import argparse
import multiprocessing
import multiprocessing.queues
import platform
import queue
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.record import save
from pipeline.errors import InputError
from pipeline.extract import extract_claims
from pipeline.normalise import normalise

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
HEAD = "Troops gather near the border\n\nFebruary 15, 2022\n\n"
CLAIM = "Russia has massed more than 100,000 troops near Ukraine's border, officials said.\n"
SIZES = {"10k": 10 * 1024, "100k": 100 * 1024, "1m": 1024 * 1024, "10m": 10 * 1024 * 1024}


def _repeat(unit: str, size: int, head: str = HEAD + CLAIM) -> str:
    return head + unit * max(1, (size - len(head)) // len(unit))


def _numbers(size: int) -> str:
    lines, total, i = [HEAD], len(HEAD), 0
    while total < size:
        line = f"Officials said {100_000 + i:,} troops were massed near the border on day {i}.\n"
        lines.append(line)
        total += len(line)
        i += 1
    return "".join(lines)


def _nested(size: int) -> str:
    depth = size // 11
    return f"<html><body>{'<div>' * depth}<p>{CLAIM}</p>{'</div>' * depth}</body></html>"


def _prose(size: int) -> str:
    seeds = "\n\n".join(p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt")))
    return (seeds * (size // len(seeds) + 1))[:size]


SHAPES: dict[str, Callable[[int], str]] = {
    "prose": _prose,
    "blank_lines": lambda size: _repeat("\n", size) + CLAIM,
    "nested_html": _nested,
    "one_line": lambda size: _repeat("word ", size).replace("\n", " "),
    "numbers": _numbers,
    "brackets": lambda size: _repeat("[", size),
}


def measure(raw: bytes) -> tuple[float, float, int]:
    """CPU seconds to normalise, to extract (rules only), and the claims found."""
    started = time.process_time()
    try:
        article = normalise(raw)
    except InputError:
        return time.process_time() - started, 0.0, 0
    normalised = time.process_time()
    claims = extract_claims(article, None)
    return normalised - started, time.process_time() - normalised, len(claims)


def measure_within(raw: bytes, timeout: float) -> tuple[float, float, int] | None:
    """:func:`measure` in a child process, or None when it runs longer than ``timeout``
    (the pipeline's soft time limit: such a document fails with ``time_limit``)."""
    context = multiprocessing.get_context("fork")
    results: multiprocessing.queues.Queue[tuple[float, float, int]] = context.Queue()
    child = context.Process(target=lambda: results.put(measure(raw)), daemon=True)
    child.start()
    try:
        return results.get(timeout=timeout)
    except queue.Empty:
        return None
    finally:
        child.kill()
        child.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--timeout", type=float, default=300,
                        help="give up on an input after this many seconds (the soft limit)")  # fmt: skip
    args = parser.parse_args()
    sizes = [s.strip().lower() for s in args.sizes.split(",")]
    shapes = [s.strip() for s in args.shapes.split(",")]
    measure(_prose(10_000).encode())  # warm up: the cue patterns, dateparser
    rows = []
    print(f"{'shape':<12} {'size':>5} {'normalise s':>12} {'extract s':>10} {'s per MB':>9} "
          f"{'claims':>7}")  # fmt: skip
    for shape in shapes:
        for size in sizes:
            raw = SHAPES[shape](SIZES[size]).encode("utf-8")
            measured = measure_within(raw, args.timeout)
            if measured is None:
                rows.append({"shape": shape, "size": size, "bytes": len(raw),
                             "over_seconds": args.timeout})  # fmt: skip
                print(f"{shape:<12} {size:>5}   over {args.timeout:.0f}s (a document this "
                      "shape and size fails with time_limit)", flush=True)  # fmt: skip
                continue
            norm, extract, claims = measured
            per_mb = (norm + extract) / (len(raw) / 1024 / 1024)
            rows.append({"shape": shape, "size": size, "bytes": len(raw), "normalise_s": norm,
                         "extract_s": extract, "s_per_mb": per_mb, "claims": claims})  # fmt: skip
            print(f"{shape:<12} {size:>5} {norm:>12.3f} {extract:>10.3f} {per_mb:>9.2f} "
                  f"{claims:>7}", flush=True)  # fmt: skip
    save("hostile_inputs", {"rows": rows, "machine": f"{platform.machine()} "
                            f"{platform.python_version()}"})  # fmt: skip


if __name__ == "__main__":
    main()
