"""The desk's everyday question over HTTP: `GET /claims?status=unconfirmed` on a ledger of
100,000 claims (the generated ledger of ``benchmarks.ledger_scale``), answered by the real
server (``python -m workers.web``, uvicorn) over loopback. Prints a table and writes
results/web_api.json.

    python -m benchmarks.web_api [--database-url URL]   # default: a temporary SQLite file
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.ledger_scale import fill
from benchmarks.record import open_ledger_or_exit, save

QUERIES = {
    "status=unconfirmed (first page of 100)": "/claims?status=unconfirmed",
    "status=unconfirmed, newest first": "/claims?status=unconfirmed&order=newest",
    "status=unconfirmed&kind=troop_count": "/claims?status=unconfirmed&kind=troop_count",
    "status=unconfirmed, 1,000 a page": "/claims?status=unconfirmed&limit=1000",
    "page 21 (offset 2,000)": "/claims?status=unconfirmed&offset=2000",
    "text search in quotes (q=generated)": "/claims?q=generated&limit=100",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None, help="an empty ledger to fill")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ct-web-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'ledger.db'}"
        engine = open_ledger_or_exit(url)
        started = time.perf_counter()
        fill(engine, 20_000, 100_000)
        print(f"filled 100,000 claims in {time.perf_counter() - started:.1f}s")
        engine.dispose()
        port = _free_port()
        env = {**os.environ, "CLAIMTRACK_DATABASE_URL": url, "CLAIMTRACK_DATA_DIR": tmp,
               "CLAIMTRACK_WEB_PORT": str(port), "CLAIMTRACK_WEB_USERS": ""}  # fmt: skip
        server = subprocess.Popen([sys.executable, "-m", "workers.web"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=30) as client:
                deadline = time.monotonic() + 30
                while True:
                    try:
                        client.get("/health")
                        break
                    except httpx.HTTPError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.2)
                results = {}
                for name, path in QUERIES.items():
                    client.get(path).raise_for_status()  # warm
                    timings = []
                    for _ in range(args.repeats):
                        begun = time.perf_counter()
                        response = client.get(path)
                        timings.append(time.perf_counter() - begun)
                        response.raise_for_status()
                    body = response.json()
                    results[name] = {
                        "path": path, "median_ms": statistics.median(timings) * 1000,
                        "p95_ms": sorted(timings)[int(0.95 * (len(timings) - 1))] * 1000,
                        "items": len(body["items"]), "total": body["total"],
                    }  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"{'query':<42} {'items':>6} {'total':>7} {'median':>9} {'p95':>9}")
    for name, r in results.items():
        print(f"{name:<42} {r['items']:>6} {r['total']:>7} {r['median_ms']:>7.1f}ms "
              f"{r['p95_ms']:>7.1f}ms")  # fmt: skip
    headline = results["status=unconfirmed (first page of 100)"]["median_ms"]
    print(f"GET /claims?status=unconfirmed on 100,000 claims: {headline:.0f} ms (target < 200 ms)")
    backend = url.split(":")[0].split("+")[0]
    name = "web_api" if backend == "sqlite" else f"web_api_{backend}"
    save(name, {"claims": 100_000, "backend": backend, "queries": results})


if __name__ == "__main__":
    main()
