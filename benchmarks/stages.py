"""A document's cost in each stage without the broker: the tasks' own work (read, compute,
write) run in one process over a real ledger, timed per stage, with the part of it that is
computation (no database), the SQL statements it sends and the time the driver spent on
them (the rest of a stage's time is SQLAlchemy's). What is
left of a worker's CPU per document after this is Celery's and the broker's.

    python -m benchmarks.stages [--docs 300] [--database-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from benchmarks.corpus import generate
from benchmarks.record import open_ledger_or_exit, save
from pipeline import ledger, stages
from pipeline.database import reading, session
from pipeline.nlp import load_model
from pipeline.settings import load_settings


class SqlClock:
    """CPU time and statements spent between SQLAlchemy's before/after cursor events."""

    def __init__(self, engine: Engine) -> None:
        self.seconds = 0.0
        self.statements = 0
        self._started = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_: Any) -> None:
        self._started = time.process_time()

    def _after(self, *_: Any) -> None:
        self.seconds += time.process_time() - self._started
        self.statements += 1


def run(docs: int, database_url: str | None) -> dict[str, dict[str, float]]:
    settings = load_settings()
    nlp = load_model(settings.spacy_model)
    with tempfile.TemporaryDirectory(prefix="ct-stages-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'ledger.db'}"
        engine = open_ledger_or_exit(url)
        ids = []
        for article in generate(docs, start=5000):
            with session(engine) as s:
                document, _ = ledger.record_document(s, raw=article.raw, file_name=article.name)
                ids.append(int(document.id or 0))
        clock = SqlClock(engine)
        totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))

        @contextlib.contextmanager
        def timed(stage: str) -> Iterator[None]:
            cpu, sql, statements = time.process_time(), clock.seconds, clock.statements
            yield
            t = totals[stage]
            t["cpu_ms"] += 1000 * (time.process_time() - cpu)
            t["statements_sql"] += clock.statements - statements
            t["driver_ms"] += 1000 * (clock.seconds - sql)

        def write(work: Callable[[Any], Any]) -> Any:
            with session(engine) as s:
                result = work(s)
                s.commit()
                return result

        def read(work: Callable[[Any], Any]) -> Any:
            with reading(engine) as s:
                return work(s)

        def one(document_id: int) -> None:
            with timed("normalise"):
                source = read(lambda s: stages.source_to_normalise(s, document_id=document_id))
                with timed("  compute: normalise"):
                    article = stages.normalise_source(source)
                write(lambda s: stages.store_normalised(s, document_id=document_id,
                                                        article=article))  # fmt: skip
            with timed("extract"):
                found = read(lambda s: stages.article_to_extract(s, document_id=document_id))
                with timed("  compute: extract + MinHash"):
                    extraction = stages.extract_article(found, nlp)
                write(lambda s: stages.store_extraction(s, document_id=document_id,
                                                        extraction=extraction, tolerance=0.1))  # fmt: skip
            with timed("verify"):
                write(lambda s: stages.verify_stage(s, document_id=document_id, tolerance=0.1,
                                                    same_moment_days=3))  # fmt: skip

        for document_id in ids:
            one(document_id)
        engine.dispose()
    return {stage: {k: v / docs for k, v in t.items()} for stage, t in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()
    result = run(args.docs, args.database_url)
    print(f"per document, over {args.docs} documents:")
    print(f"{'stage':>28} {'CPU ms':>8} {'statements':>11} {'driver ms':>10}")
    for stage, t in result.items():
        print(f"{stage:>28} {t['cpu_ms']:>8.2f} {t['statements_sql']:>11.1f} "
              f"{t['driver_ms']:>10.2f}")  # fmt: skip
    total = sum(t["cpu_ms"] for s, t in result.items() if not s.startswith(" "))
    compute = sum(t["cpu_ms"] for s, t in result.items() if s.startswith(" "))
    print(f"{'all stages':>28} {total:>8.2f}; of it computation {compute:.2f}, "
          f"the ledger {total - compute:.2f}")  # fmt: skip
    save("stages", result)


if __name__ == "__main__":
    main()
