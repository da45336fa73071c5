"""What a worker process loads once and keeps: settings, the ledger engine, the model.

Built lazily on first use in each process (after the fork, never before), so no engine
or model is shared across processes, and loaded eagerly at worker process start so the
first task does not pay for it: the model, and everything the extractor builds on first
use (the sentence splitter and cue patterns, dateparser's language data), warmed on one
short article.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache

from spacy.language import Language
from sqlalchemy import Engine

from pipeline.database import open_ledger
from pipeline.extract import extract_claims
from pipeline.nlp import load_model
from pipeline.normalise import normalise
from pipeline.settings import Settings, load_settings


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    nlp: Language | None


_lock = threading.Lock()


#: Exercises every extractor and a relative date; its claims are thrown away.
_WARM_UP = (
    b"Troops near the border\n\nFebruary 15, 2022\n\n"
    b"Russia has massed more than 100,000 troops near Ukraine's border, the defence ministry "
    b"said on Tuesday. The joint drills in Belarus are scheduled to end on Sunday, February "
    b"20. More than 14,000 people have been killed in eastern Ukraine since 2014.\n"
)


@cache
def _build() -> Runtime:
    settings = load_settings()
    nlp = load_model(settings.spacy_model)
    extract_claims(normalise(_WARM_UP), nlp)
    return Runtime(settings, open_ledger(settings.ledger_url), nlp)


def runtime() -> Runtime:
    with _lock:
        return _build()


@cache
def _engine_alone() -> Engine:
    return open_ledger(load_settings().ledger_url)


def ledger_engine() -> Engine:
    """The ledger's engine, without loading the model when the runtime is not built."""
    with _lock:
        if _build.cache_info().currsize:
            return _build().engine
    return _engine_alone()


def reset(*, after_fork: bool = False) -> None:
    """Forget the runtime (after a fork, or when a test changes the settings). After a
    fork the parent's connections are left alone, not closed from the child."""
    with _lock:
        if _build.cache_info().currsize:
            _build().engine.dispose(close=not after_fork)
        _build.cache_clear()
        if _engine_alone.cache_info().currsize:
            _engine_alone().dispose(close=not after_fork)
        _engine_alone.cache_clear()
