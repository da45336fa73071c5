"""Where the benchmarks keep their figures: one JSON file each in ``benchmarks/results/``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from pipeline.database import open_ledger
from pipeline.errors import short

#: CLAIMTRACK_BENCHMARK_RESULTS moves them (a test's run must not overwrite the figures).
RESULTS = Path(
    os.environ.get("CLAIMTRACK_BENCHMARK_RESULTS") or Path(__file__).resolve().parent / "results"
)


def save(name: str, figures: dict[str, Any]) -> Path:
    """Write ``figures`` to ``results/NAME.json`` and return the path."""
    path = RESULTS / f"{name}.json"
    try:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(figures, indent=2) + "\n")
    except OSError as exc:  # e.g. CLAIMTRACK_BENCHMARK_RESULTS names a file or a read-only place
        sys.exit(f"error: cannot write the figures to {path}: {exc.strerror or exc}")
    return path


def open_ledger_or_exit(url: str) -> Engine:
    """``open_ledger``, or one line saying why not and a non-zero exit (a mistyped
    ``--database-url`` is the user's mistake, not a traceback)."""
    try:
        return open_ledger(url)
    except Exception as exc:
        try:
            shown = make_url(url).render_as_string(hide_password=True)
        except Exception:
            shown = url
        sys.exit(
            f"error: cannot open the ledger at {shown}: {short(f'{type(exc).__name__}: {exc}')}"
        )
