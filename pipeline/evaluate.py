"""Scoring the extractor against gold claims, by the rule of the annotation guidelines.

A predicted claim matches a gold claim when the file name, the kind and the value agree;
each gold claim matches at most once. Qualifier, speaker and casualty-type accuracy are
measured over the matched pairs. Claims the guidelines do not score (vague amounts,
extensions with no date) are left out of the predictions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas.enums import ClaimKind


@dataclass
class KindScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    kinds: dict[str, KindScore] = field(default_factory=dict)
    overall: KindScore = field(default_factory=KindScore)
    field_hits: dict[str, list[bool]] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_positives: list[dict[str, Any]] = field(default_factory=list)
    mismatches: list[tuple[str, dict[str, Any], dict[str, Any]]] = field(default_factory=list)

    def accuracy(self, name: str) -> float | None:
        hits = self.field_hits.get(name, [])
        return sum(hits) / len(hits) if hits else None


def is_scored(claim: dict[str, Any]) -> bool:
    return claim.get("value") is not None and not claim.get("vague")


def _norm_speaker(value: str | None) -> str:
    text = (value or "").casefold().replace("’", "'").strip()
    return text[4:] if text.startswith("the ") else text


def score(gold: Iterable[dict[str, Any]], predicted: Iterable[dict[str, Any]]) -> Report:
    report = Report(kinds={k.value: KindScore() for k in ClaimKind})
    remaining = list(gold)
    for claim in (c for c in predicted if is_scored(c)):
        kind = report.kinds.setdefault(claim["kind"], KindScore())
        match = next(
            (
                g
                for g in remaining
                if g["file"] == claim["file"]
                and g["kind"] == claim["kind"]
                and g["value"] == claim["value"]
            ),
            None,
        )
        if match is None:
            kind.fp += 1
            report.false_positives.append(claim)
            continue
        remaining.remove(match)
        kind.tp += 1
        checks = {
            "qualifier": match.get("qualifier") == claim.get("qualifier"),
            "speaker": _norm_speaker(match.get("speaker")) == _norm_speaker(claim.get("speaker")),
        }
        if match["kind"] == ClaimKind.CASUALTY_COUNT.value:
            checks["casualty_type"] = match.get("casualty_type") == claim.get("casualty_type")
        for name, hit in checks.items():
            report.field_hits.setdefault(name, []).append(hit)
            if not hit:
                report.mismatches.append((name, match, claim))
    for missed in remaining:
        report.kinds.setdefault(missed["kind"], KindScore()).fn += 1
        report.misses.append(missed)
    for k in report.kinds.values():
        report.overall.tp += k.tp
        report.overall.fp += k.fp
        report.overall.fn += k.fn
    return report


def load_gold(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def format_report(report: Report, *, verbose: bool = False) -> str:
    lines = [f"{'kind':<16} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}"]
    for name, k in [*sorted(report.kinds.items()), ("overall", report.overall)]:
        lines.append(
            f"{name:<16} {k.precision:6.3f} {k.recall:6.3f} {k.f1:6.3f} {k.tp:4d} {k.fp:4d} {k.fn:4d}"
        )
    for name in ("qualifier", "speaker", "casualty_type"):
        acc = report.accuracy(name)
        n = len(report.field_hits.get(name, []))
        lines.append(f"{name + ' accuracy':<24} {'n/a' if acc is None else f'{acc:.3f}'} (n={n})")
    if verbose:
        for missed in report.misses:
            lines.append(
                f"MISS {missed['file']} {missed['kind']} {missed['value']}: {missed.get('quote', '')}"
            )
        for fp in report.false_positives:
            lines.append(f"FP   {fp['file']} {fp['kind']} {fp['value']}: {fp.get('quote', '')}")
        for name, g, p in report.mismatches:
            lines.append(
                f"DIFF {name} {g['file']} {g['kind']} {g['value']}: gold={g.get(name)!r} got={p.get(name)!r}"
            )
    return "\n".join(lines)
