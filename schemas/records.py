"""Typed records that pass between the pipeline's stages (not tables)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from schemas.enums import DateSource


@dataclass(frozen=True, slots=True)
class DocumentMetadata:
    """Where an article came from, each value with its source (``sources``: field name ->
    a ``DateSource`` value), plus the keys nobody asked for (``extra``) and what was wrong
    with the metadata given (``warnings``: a bad date, front matter that is not YAML...)."""

    title: str | None = None
    outlet: str | None = None
    byline: str | None = None
    published: date | None = None
    url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, DateSource] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NormalisedArticle:
    """An article as text: boilerplate gone, one paragraph a line, metadata found."""

    text: str
    title: str | None = None
    outlet: str | None = None
    byline: str | None = None
    published: date | None = None
    date_source: DateSource = DateSource.NONE
    wire: str | None = None  # the wire agency credited for the text (AFP, Reuters, ...)
    url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # unknown front matter keys
    sources: dict[str, DateSource] = field(default_factory=dict)  # as in DocumentMetadata
    warnings: tuple[str, ...] = ()  # front matter that could not be read, and why


@dataclass(frozen=True, slots=True)
class ExtractedClaim:
    """One checkable figure as the extractor found it, with its provenance."""

    kind: str
    value: int | date | None
    qualifier: str
    quote: str
    start: int
    end: int
    value_high: int | None = None
    vague: bool = False
    casualty_type: str | None = None
    victims: str | None = None
    location: str | None = None
    speaker: str = ""
    as_of: date | None = None
    flags: tuple[str, ...] = field(default_factory=tuple)
    #: Who an own-voice figure is from when the article attributes it elsewhere (a headline
    #: restating the minister the body quotes); "" otherwise. Origins read it.
    claimant: str = ""
    #: The words that introduce the speaker (title, appositive): whom they speak for.
    speaker_phrase: str = ""

    def to_json(self, file: str) -> dict[str, Any]:
        """The `claimtrack extract --format jsonl` shape (the shape the extractor is judged by)."""
        value: Any = self.value.isoformat() if isinstance(self.value, date) else self.value
        return {
            "file": file,
            "kind": self.kind,
            "value": value,
            "value_high": self.value_high,
            "qualifier": self.qualifier,
            "casualty_type": self.casualty_type,
            "victims": self.victims,
            "location": self.location,
            "speaker": self.speaker,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "vague": self.vague,
            "flags": list(self.flags),
            "claimant": self.claimant,
        }
