"""A whole story through the real pipeline in several arrival orders: the statuses must not
depend on the order, and the story figures are printed for each order.

For each shuffle: a fresh data directory, the real stack (embedded Redis, a real Celery
worker, the watcher, a SQLite ledger), the articles dropped one by one in the shuffled
order; then ``claimtrack claims --format json`` is scored with the story scorer
(``../shared/eval/story_score.py``) against the gold. Prints each order's figures, whether
all orders gave the same claims and statuses, and writes results/story.json.

    python -m benchmarks.story [--articles ../shared/eval/dev/articles]
                               [--gold ../shared/eval/dev/gold.jsonl] [--shuffles 3]
                               [--explain]
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import random
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.record import save
from pipeline import ledger
from pipeline.database import open_ledger, session
from pipeline.settings import load_settings
from workers.stack import Stack, copy_into

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "eval"


def _scorer(path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("story_score", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(files: list[Path], data_dir: Path) -> list[dict]:
    settings = load_settings(data_dir=data_dir)
    stack = Stack(settings, flower=False, log_to_file=True)
    try:
        stack.start()
        for path in files:  # one at a time, as a story arrives
            copy_into(settings.inbox, [path])
            time.sleep(0.05)
        hashes = [ledger.content_hash(p.read_bytes()) for p in files]
        if not stack.wait_for(hashes, 600):
            raise SystemExit(f"not every article was processed: see {data_dir}/*.log")
    finally:
        stack.stop()
    engine = open_ledger(settings.ledger_url)
    with session(engine) as s:
        rows = ledger.list_claims(s)
    engine.dispose()
    return [
        {"id": r.claim.id, "file": r.document.file_name, "kind": r.claim.kind,
         "value": r.claim.value if r.claim.value is not None else (
             r.claim.value_date.isoformat() if r.claim.value_date else None),
         "value_high": r.claim.value_high, "qualifier": r.claim.qualifier,
         "speaker": r.claim.speaker, "scope": r.claim.scope, "origin": r.claim.origin,
         "as_of": r.claim.as_of.isoformat() if r.claim.as_of else None,
         "status": r.claim.status, "flags": r.claim.flags}
        for r in rows
    ]  # fmt: skip


def _outcome(claims: list[dict]) -> set[tuple]:
    return {
        (c["file"], c["kind"], str(c["value"]), c["value_high"], c["speaker"], c["status"])
        for c in claims
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=Path, default=SHARED / "dev" / "articles")
    parser.add_argument("--gold", type=Path, default=SHARED / "dev" / "gold.jsonl")
    parser.add_argument("--scorer", type=Path, default=SHARED / "story_score.py")
    parser.add_argument("--shuffles", type=int, default=3)
    parser.add_argument(
        "--explain",
        action="store_true",
        help="list each order's status errors and unmatched claims",
    )
    args = parser.parse_args(argv)
    if not args.articles.is_dir() or not args.gold.is_file() or not args.scorer.is_file():
        print(f"error: need {args.articles}, {args.gold} and {args.scorer}", file=sys.stderr)
        return 1
    scorer = _scorer(args.scorer)
    gold = scorer.load_gold(str(args.gold))
    expected = scorer.expected_statuses(gold)
    files = sorted(args.articles.glob("*.txt"))
    outcomes, figures = [], []
    for seed in range(1, args.shuffles + 1):
        order = files[:]
        random.Random(seed).shuffle(order)
        with tempfile.TemporaryDirectory(prefix="ct-story-") as tmp:
            started = time.monotonic()
            claims = _run(order, Path(tmp))
            elapsed = time.monotonic() - started
        metrics = scorer.score(
            gold,
            claims,
            expected,
            explain=args.explain,
            out=sys.stdout if args.explain else io.StringIO(),
        )
        outcomes.append(_outcome(claims))
        figures.append({"seed": seed, "seconds": round(elapsed, 1), **metrics})
        print(f"order {seed} ({elapsed:.0f}s): " + " ".join(f"{k}={v}" for k, v in metrics.items()))
    same = all(o == outcomes[0] for o in outcomes)
    print(f"\n{len(outcomes)} arrival orders give the same claims and statuses: {same}")
    save("story", {"articles": str(args.articles), "orders": figures, "same_in_every_order": same})
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
