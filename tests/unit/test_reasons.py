"""Every reason a file or a document can be refused or failed with is in the README's
tables, so a user who meets one can look it up."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_REASON = re.compile(
    r'InputError\(\s*"([a-z_]+)"|reason="([a-z_]+)"|_record\(\s*document_id,\s*"([a-z_]+)"'
)


def _reasons() -> set[str]:
    found: set[str] = set()
    for path in [*ROOT.glob("pipeline/**/*.py"), *ROOT.glob("workers/**/*.py")]:
        for match in _REASON.finditer(path.read_text("utf-8")):
            found.add(next(g for g in match.groups() if g))
    return found


def test_every_refusal_and_failure_reason_is_documented() -> None:
    reasons = _reasons()
    assert {"empty", "not_a_file", "broken_symlink", "too_many_claims", "time_limit",
            "database_rejected", "changed_while_taken", "directory"} <= reasons  # fmt: skip
    readme = (ROOT / "README.md").read_text("utf-8")
    assert sorted(r for r in reasons if f"| `{r}` |" not in readme) == []
