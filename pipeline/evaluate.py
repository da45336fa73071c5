"""Scoring the extractor against gold claims, by the rule of the annotation guidelines.

A predicted claim matches a gold claim when the file name, the kind and the value agree;
each gold claim matches at most once. Qualifier, speaker and casualty-type accuracy are
measured over the matched pairs. Claims the guidelines do not score (vague amounts,
extensions with no date) are left out of the predictions.

The speaker is scored twice: as the string the guidelines ask for, and by the party it
names (:func:`same_party`: "Stoltenberg" is "Jens Stoltenberg" is "NATO
Secretary-General"); the origin (who stands behind the claim, see ``pipeline.origins``)
is scored by the same rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.origins import is_generic, origin_of_speaker, resolve_origin
from pipeline.speakers import same_speaker, speaker_key
from schemas.enums import ClaimKind
from schemas.records import ExtractedClaim

#: The accuracies reported over matched pairs, with the gold field each one compares.
CHECKS = {
    "qualifier": "qualifier",
    "speaker": "speaker",
    "speaker (same party)": "speaker",
    "origin": "origin",
    "casualty_type": "casualty_type",
}


class GoldError(ValueError):
    """The gold file cannot be read: said in one line with the line number."""


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


_ASIDE = re.compile(r"\s*\(([^()]*)\)")
_CITED = re.compile(r"^(?:citing|quoting|according to|via)\s+", re.IGNORECASE)


def same_party(a: str | None, b: str | None) -> bool:
    """Whether two speakers name the same party: the same words, the same institution
    behind both (``origin_of_speaker``: "Russia's defence ministry" and "Igor
    Konashenkov"), or one name inside the other (``same_speaker``: "Stoltenberg" and
    "Jens Stoltenberg") when the words they share name someone, not only a role: "Officials"
    is not "Officials in Ukraine" unless both resolve to one institution. The article's own
    voice ("") is only itself. A remark in brackets qualifies the speaker and is left out
    ("DiCarlo (citing WHO)" is DiCarlo), except that the party a relay cites is also
    that speaker ("NBC (citing Western officials)" is NBC and the Western officials)."""
    return any(_same(x, y) for x in _parties(a) for y in _parties(b))


def _parties(speaker: str | None) -> list[str]:
    text = speaker or ""
    cited = [_CITED.sub("", m.group(1)).strip() for m in _ASIDE.finditer(text)]
    return [_ASIDE.sub("", text).strip()] + [c for c in cited if c and c != text]


def _same(a: str, b: str) -> bool:
    if not a or not b:
        return a == b
    if _norm_speaker(a) == _norm_speaker(b):
        return True
    origin_a, origin_b = origin_of_speaker(a), origin_of_speaker(b)
    if origin_a.casefold() == origin_b.casefold():
        return True
    if origin_a != a and origin_b != b:
        return False  # two different institutions
    shared = speaker_key(a) & speaker_key(b)
    return same_speaker(a, b) and not is_generic(" ".join(sorted(shared)))


_UNNAMED_OUTLET = re.compile(r"\b(?:unnamed|unknown) outlet\b", re.IGNORECASE)


def same_origin(gold: str | None, predicted: str | None) -> bool:
    """:func:`same_party` for origins; an outlet nobody could name is the same party on
    both sides (the pairs compared are of one file)."""
    if _UNNAMED_OUTLET.search(gold or "") and _UNNAMED_OUTLET.search(predicted or ""):
        return True
    return same_party(gold, predicted)


def predicted_origin(
    claim: ExtractedClaim, *, wire: str | None, outlet: str | None, file: str
) -> str:
    """The origin the pipeline gives a claim (``stages.extract_stage``), without the
    ledger: ``resolve_origin`` with the article's voice (its credited wire agency, else its
    outlet). Near-duplicates of other articles are not looked for here."""
    voice = wire or outlet or f"unknown outlet ({file})"
    return resolve_origin(claim.speaker or claim.claimant, phrase=claim.speaker_phrase, voice=voice)


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
            "speaker (same party)": same_party(match.get("speaker"), claim.get("speaker")),
        }
        if match.get("origin") is not None and "origin" in claim:
            checks["origin"] = same_origin(match["origin"], claim["origin"])
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
    """The gold claims, one JSON object a line. Raises :class:`GoldError` for a line that
    is not one, or lacks the keys a claim is matched on."""
    gold = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            claim = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldError(f"{path.name} line {number}: not JSON ({exc.msg})") from exc
        missing = [
            k for k in ("file", "kind", "value") if not isinstance(claim, dict) or k not in claim
        ]
        if missing:
            raise GoldError(f"{path.name} line {number}: no {', '.join(missing)}")
        gold.append(claim)
    return gold


def format_report(report: Report, *, verbose: bool = False) -> str:
    lines = [f"{'kind':<16} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}"]
    for name, k in [*sorted(report.kinds.items()), ("overall", report.overall)]:
        lines.append(
            f"{name:<16} {k.precision:6.3f} {k.recall:6.3f} {k.f1:6.3f} {k.tp:4d} {k.fp:4d} {k.fn:4d}"
        )
    for name in CHECKS:
        acc = report.accuracy(name)
        n = len(report.field_hits.get(name, []))
        label = name.replace(" (", " accuracy (") if "(" in name else f"{name} accuracy"
        lines.append(f"{label:<30} {'n/a' if acc is None else f'{acc:.3f}'} (n={n})")
    if verbose:
        for missed in report.misses:
            lines.append(
                f"MISS {missed['file']} {missed['kind']} {missed['value']}: {missed.get('quote', '')}"
            )
        for fp in report.false_positives:
            lines.append(f"FP   {fp['file']} {fp['kind']} {fp['value']}: {fp.get('quote', '')}")
        party = {(g["file"], g["kind"], str(g["value"])) for n, g, _ in report.mismatches
                 if n == "speaker (same party)"}  # fmt: skip
        for name, g, p in report.mismatches:
            if name == "speaker (same party)":
                continue  # said on the speaker's own line
            field_name = CHECKS[name]
            same = ""
            if name == "speaker":
                key = (g["file"], g["kind"], str(g["value"]))
                same = "  (another party)" if key in party else "  (same party)"
            lines.append(
                f"DIFF {name} {g['file']} {g['kind']} {g['value']}: "
                f"gold={g.get(field_name)!r} got={p.get(field_name)!r}{same}"
            )
    return "\n".join(lines)
