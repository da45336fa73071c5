"""Verification's own cost against the size of one proposition: a synthetic proposition of
100 / 1,000 / 10,000 claims, then the verification of one new claim in it (the median of
five, each a new document in its own transaction, as the verify task runs it).

Two kinds of proposition, because verification treats them differently:
- ``troop_count``: a figure that changes over time, 220 claims a day (a busy story), so
  the same-moment window holds a bounded number of them however long the story runs;
- ``drill_end_date``: a fixed fact with no window: every claim is about the same moment.

Target (issue 15): ten times more claims in one proposition makes verifying a new claim
at most 2x slower. Prints a table and writes results/proposition_scale.json.

    python -m benchmarks.proposition_scale [--sizes 100 1000 10000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert

from benchmarks.record import open_ledger_or_exit, save
from pipeline import ledger
from pipeline.database import session
from pipeline.verify import verify_document
from schemas.records import ExtractedClaim
from schemas.tables import Claim, Document, StatusEvent

START = date(2022, 1, 1)
PER_DAY = 220
SCOPE = {"troop_count": "around_ukraine", "drill_end_date": "belarus_joint_drills"}
DRILL_END = date(2022, 2, 20)


def fill(engine: Engine, kind: str, claims: int, seed: int = 7) -> date:
    """One proposition of ``claims`` claims, one document each; returns the newest day."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    days = [START + timedelta(days=i // PER_DAY) for i in range(claims)]
    with engine.begin() as conn:
        conn.execute(insert(Document), [
            {"content_hash": f"{kind}-{i:058x}", "file_name": f"gen-{i}.txt", "size_bytes": 1000,
             "outlet": f"Outlet {i % 300}", "published": days[i], "date_source": "dateline",
             "state": "verified", "created_at": now, "updated_at": now}
            for i in range(claims)
        ])  # fmt: skip
        first = conn.exec_driver_sql("SELECT min(id) FROM document").scalar_one()
        rows = []
        for i in range(claims):
            if kind == "drill_end_date":  # mostly the 20th, some a day either side
                value, value_date = None, DRILL_END + timedelta(days=rng.choice([0, 0, 0, -1, 1]))
                status = "disputed" if value_date != DRILL_END else "corroborated"
            else:  # the current figure, and older superseded ones
                value, value_date = rng.choice([100, 110, 120, 130]) * 1000, None
                status = "corroborated" if (days[-1] - days[i]).days <= 3 else "superseded"
            rows.append({
                "document_id": first + i, "fingerprint": f"{kind}|{i}", "kind": kind,
                "value": value, "value_date": value_date, "qualifier": "exact", "vague": False,
                "scope": SCOPE[kind], "speaker": "", "origin": f"origin {rng.randrange(40)}",
                "quote": "generated", "start": 0, "end": 9, "as_of": days[i], "flags": "",
                "status": status, "created_at": now, "updated_at": now,
            })  # fmt: skip
        for chunk in range(0, len(rows), 5000):
            conn.execute(insert(Claim), rows[chunk : chunk + 5000])
        statuses = conn.exec_driver_sql("SELECT id, status FROM claim").all()
        events = [{"claim_id": cid, "seq": 1, "old_status": None, "new_status": status,
                   "reason": "generated", "actor": "verifier", "created_at": now}
                  for cid, status in statuses]  # fmt: skip
        for chunk in range(0, len(events), 5000):
            conn.execute(insert(StatusEvent), events[chunk : chunk + 5000])
    return days[-1]


def time_verify(engine: Engine, kind: str, day: date, repeats: int = 5) -> float:
    """Seconds to verify one new document with one new claim (median of ``repeats``)."""
    timings = []
    for n in range(repeats):
        with session(engine) as s:
            doc, _ = ledger.record_document(
                s, raw=f"new {kind} {n} {time.time()}".encode(), file_name="new.txt"
            )
            if kind == "drill_end_date":
                claim = ExtractedClaim(kind, DRILL_END, "exact", "q", 0, 1, as_of=day)
            else:
                claim = ExtractedClaim(kind, 120_000 + n, "exact", "q", 0, 1, as_of=day)
            ledger.add_claims(s, document=doc, claims=[claim], scope_of={0: SCOPE[kind]},
                              origin_of={0: f"new origin {n}"}, tolerance=0.1)  # fmt: skip
            s.commit()
        with session(engine) as s:
            started = time.perf_counter()
            verify_document(s, document_id=doc.id)  # type: ignore[arg-type]
            s.commit()
            timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--kinds", nargs="+", default=list(SCOPE), choices=list(SCOPE))
    parser.add_argument("--database-url", default=None, help="an empty ledger for each size "
                        "and kind is made in it (default: a temporary SQLite file each)")  # fmt: skip
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory(prefix="ct-proposition-") as tmp:
        for kind in args.kinds:
            for size in args.sizes:
                url = args.database_url or f"sqlite:///{Path(tmp) / f'{kind}-{size}.db'}"
                engine = open_ledger_or_exit(url)
                if args.database_url:  # one database: start each proposition empty
                    with engine.begin() as conn:
                        conn.exec_driver_sql("DELETE FROM document")
                day = fill(engine, kind, size)
                runs.append({"kind": kind, "claims": size,
                             "verify_one_s": time_verify(engine, kind, day)})  # fmt: skip
                engine.dispose()
                print(f"{kind:>15} {size:>7} claims: {runs[-1]['verify_one_s'] * 1000:9.1f} ms",
                      flush=True)  # fmt: skip
    print("\nten times more claims in one proposition (target: at most 2x slower):")
    for kind in args.kinds:
        timed = [r for r in runs if r["kind"] == kind]
        for small, large in itertools.pairwise(timed):
            ratio = float(large["verify_one_s"]) / float(small["verify_one_s"])
            print(f"  {kind}: {small['claims']} -> {large['claims']}: {ratio:.2f}x")
    save("proposition_scale", {"runs": runs})


if __name__ == "__main__":
    main()
