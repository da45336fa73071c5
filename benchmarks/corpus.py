"""Generated articles for load tests and benchmarks: the seeds with varied outlets, dates
and figures, each file unique. ``expected_claims`` says how many claims each should give."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
# Claims per seed, by the gold annotation (tests/data/seeds_gold.jsonl).
SEED_CLAIMS = {"000": 1, "001": 1, "002": 2, "003": 2, "004": 1}


@dataclass(frozen=True)
class Generated:
    name: str
    raw: bytes
    expected_claims: int


def generate(count: int, *, start: int = 0) -> list[Generated]:
    seeds = sorted(SEEDS.glob("*.txt"))
    out = []
    for i in range(start, start + count):
        seed = seeds[i % len(seeds)]
        text = seed.read_text("utf-8")
        troops = 100_000 + (i % 9) * 5_000
        text = text.replace("100,000", f"{troops:,}").replace(
            "14,000", f"{14_000 + (i % 5) * 100:,}"
        )
        day = 10 + (i % 14)  # 10..23, and the drills' end day + 5 stays in February
        text = re.sub(r"\b20(th)? February\b|\bFebruary 20\b", f"February {day + 5}", text)
        lines = text.lstrip().split("\n")
        # A unique, harmless line after the title: every file is a different document.
        lines.insert(1, f"Filed by desk {i % 37} as report {i}")
        body = f" date 2022-02-{day:02d} " + "\n".join(lines)
        out.append(Generated(f"burst-{i:05d} {seed.stem[:3]}.txt", body.encode("utf-8"),
                             SEED_CLAIMS[seed.name[:3]]))  # fmt: skip
    return out


def write(directory: Path, articles: list[Generated]) -> list[Path]:
    """Write under temporary names, then rename: the way a user drops files."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for article in articles:
        temporary = directory / f".{article.name}.part"
        temporary.write_bytes(article.raw)
        target = directory / article.name
        temporary.rename(target)
        paths.append(target)
    return paths
