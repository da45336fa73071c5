"""The ledger at scale: a generated ledger of 100,000 claims over 20,000 documents.

Times the everyday query (`claims --status unconfirmed --kind troop_count`, the library
call behind it) and the verification of one new claim, with 1,000 and with 100,000
claims already in the ledger. Prints a table and writes results/ledger_scale.json.

The generated ledger grows the way a real one does: a busy story brings about 220
documents a day, so 20,000 documents span some 90 days and 200 span one. Its statuses
are consistent with verification: a claim older than a week is superseded unless it
carries the current figure. A new claim arrives on the newest day, as news does.

    python benchmarks/ledger_scale.py [--database-url URL]   # default: a temporary SQLite file
"""

from __future__ import annotations

import argparse
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

SCOPES = {
    "troop_count": ["around_ukraine", "belarus", "crimea"],
    "casualty_count": ["killed/civilians/since_invasion", "killed/all/since_2014",
                       "wounded/ukrainian_military/recent"],
    "drill_end_date": ["belarus_joint_drills"],
}  # fmt: skip
STATUSES = ["unconfirmed", "corroborated", "disputed", "superseded"]


DOCS_PER_DAY = 220
START = date(2022, 1, 1)
CURRENT_FIGURE = 120_000


def newest_day(documents: int) -> date:
    return START + timedelta(days=(documents - 1) // DOCS_PER_DAY)


def fill(engine: Engine, documents: int, claims: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    last = newest_day(documents)
    doc_rows = [
        {"content_hash": f"{i:064x}", "file_name": f"gen-{i}.txt", "size_bytes": 1000,
         "outlet": f"Outlet {i % 300}", "published": START + timedelta(days=i // DOCS_PER_DAY),
         "date_source": "dateline", "state": "verified", "created_at": now, "updated_at": now}
        for i in range(documents)
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(Document), doc_rows)
        first_id = conn.exec_driver_sql("SELECT min(id) FROM document").scalar_one()
    claim_rows, event_rows = [], []
    for i in range(claims):
        kind = rng.choice(list(SCOPES))
        doc = i * documents // claims
        as_of = START + timedelta(days=doc // DOCS_PER_DAY)
        old = (last - as_of).days > 7
        status = rng.choice(STATUSES)
        value = rng.choice([60, 90, 100, 130, 190]) * 1000
        if old:  # settled history: superseded, or still the current figure
            status = "superseded" if rng.random() < 0.9 else "corroborated"
            value = value if status == "superseded" else CURRENT_FIGURE
        row = {
            "document_id": first_id + doc, "fingerprint": f"{kind}|{i}", "kind": kind,
            "value": None if kind == "drill_end_date" else value,
            "value_date": date(2022, 2, 20) if kind == "drill_end_date" else None,
            "qualifier": rng.choice(["exact", "more_than", "approx", "up_to"]),
            "vague": False, "scope": rng.choice(SCOPES[kind]), "speaker": "",
            "origin": f"origin {rng.randrange(40)}", "quote": "generated", "start": 0, "end": 9,
            "as_of": as_of, "flags": "", "status": status,
            "created_at": now, "updated_at": now,
        }  # fmt: skip
        claim_rows.append(row)
    with engine.begin() as conn:
        for chunk in range(0, len(claim_rows), 5000):
            conn.execute(insert(Claim), claim_rows[chunk : chunk + 5000])
        ids = [r[0] for r in conn.exec_driver_sql("SELECT id, status FROM claim").all()]
        statuses = dict(conn.exec_driver_sql("SELECT id, status FROM claim").all())
        event_rows = [
            {"claim_id": cid, "seq": 1, "old_status": None, "new_status": statuses[cid],
             "reason": "generated", "actor": "verifier", "created_at": now}
            for cid in ids
        ]  # fmt: skip
        for chunk in range(0, len(event_rows), 5000):
            conn.execute(insert(StatusEvent), event_rows[chunk : chunk + 5000])


def time_query(engine: Engine, repeats: int = 5) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        with session(engine) as s:
            rows = ledger.list_claims(s, status="unconfirmed", kind="troop_count")
        timings.append(time.perf_counter() - started)
    assert rows
    return statistics.median(timings)


def time_verify(engine: Engine, day: date, repeats: int = 5) -> float:
    """Add one document with one new troop count on the newest day and verify it."""
    timings = []
    for n in range(repeats):
        with session(engine) as s:
            doc, _ = ledger.record_document(
                s, raw=f"new article {n} {time.time()}".encode(), file_name="new.txt"
            )
            claim = ExtractedClaim("troop_count", CURRENT_FIGURE + n, "exact", "q", 0, 1,
                                   as_of=day)  # fmt: skip
            ledger.add_claims(s, document=doc, claims=[claim], scope_of={0: "around_ukraine"},
                              origin_of={0: f"new origin {n}"}, tolerance=0.1)  # fmt: skip
            s.commit()
            started = time.perf_counter()
            verify_document(s, document_id=doc.id)  # type: ignore[arg-type]
            s.commit()
            timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def measure(url: str | None, documents: int, claims: int, tmp: Path) -> dict[str, float]:
    engine = open_ledger_or_exit(url or f"sqlite:///{tmp / f'ledger-{claims}.db'}")
    started = time.perf_counter()
    fill(engine, documents, claims)
    filled = time.perf_counter() - started
    result = {"claims": claims, "documents": documents, "fill_s": filled,
              "query_s": time_query(engine),
              "verify_one_s": time_verify(engine, newest_day(documents))}  # fmt: skip
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url", default=None, help="an empty ledger to fill (default: SQLite)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ct-ledger-") as tmp:
        if args.database_url:
            print("note: with --database-url every size goes into the same database, cumulatively")
        runs = [measure(args.database_url, docs, claims, Path(tmp))
                for docs, claims in ((200, 1_000), (2_000, 10_000), (20_000, 100_000))]  # fmt: skip
    print(f"{'claims':>8} {'documents':>9} {'days':>5} {'query':>10} {'verify one':>11}")
    for r in runs:
        days = (newest_day(int(r["documents"])) - START).days + 1
        print(f"{r['claims']:>8} {r['documents']:>9} {days:>5} {r['query_s'] * 1000:>8.1f}ms "
              f"{r['verify_one_s'] * 1000:>9.1f}ms")  # fmt: skip
    small, large = runs[0], runs[-1]
    ratio = large["verify_one_s"] / small["verify_one_s"]
    print(
        f"query at 100k: {large['query_s'] * 1000:.0f} ms (target < 200 ms); "
        f"verify 100k/1k: {ratio:.2f}x, 100k/10k: "
        f"{large['verify_one_s'] / runs[1]['verify_one_s']:.2f}x (target <= 2x)"
    )
    save("ledger_scale", {"runs": runs, "verify_ratio_100k_1k": ratio})


if __name__ == "__main__":
    main()
