"""What a worker process loads once and keeps: settings, the ledger engine, the model.

Built lazily on first use in each process (after the fork, never before), so no engine
or model is shared across processes, and loaded eagerly at worker process start so the
first task does not pay for it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache

from spacy.language import Language
from sqlalchemy import Engine

from pipeline.database import open_ledger
from pipeline.nlp import load_model
from pipeline.settings import Settings, load_settings


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    nlp: Language | None


_lock = threading.Lock()


@cache
def _build() -> Runtime:
    settings = load_settings()
    return Runtime(settings, open_ledger(settings.ledger_url), load_model(settings.spacy_model))


def runtime() -> Runtime:
    with _lock:
        return _build()


def reset() -> None:
    """Forget the runtime (after a fork, or when a test changes the settings)."""
    with _lock:
        if _build.cache_info().currsize:
            _build().engine.dispose()
        _build.cache_clear()
