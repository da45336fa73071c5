"""An article's metadata (title, outlet, publication date, URL, author and any other keys)
from wherever it is stated: the file's front matter, the command line, a manifest, the
HTML page, or the text itself. Pure: no IO, no clock.

One rule decides between sources, whatever the order they arrive in: a value already
held is never replaced by a different one, except that a value read from the prose (a
date line, the most common date, the first line taken for a title) gives way to a stated
one. A stated value that is not applied is recorded as a warning, never dropped in
silence.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dateparser

from schemas.enums import DateSource
from schemas.records import DocumentMetadata, NormalisedArticle

#: The fields every source may give, in display order.
FIELDS = ("outlet", "published", "title", "url", "byline")
#: The longest value each text field keeps (the ledger's column sizes).
MAX_LENGTH = {"outlet": 200, "title": 1000, "url": 2000, "byline": 500}
#: Keys read as a field (front matter, manifest columns); any other key is kept as extra.
KEY_FIELDS = {
    "outlet": "outlet", "published": "published", "date": "published", "title": "title",
    "url": "url", "author": "byline", "authors": "byline", "byline": "byline",
}  # fmt: skip

_STRICT_DATE = {
    # Absolute dates only: "yesterday" or "in 3 days" are no publication date.
    "PARSERS": ["timestamp", "custom-formats", "absolute-time"],
    "STRICT_PARSING": True,
    "REQUIRE_PARTS": ["day", "month", "year"],
}
_SLASHED = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


class MetadataError(ValueError):
    """A metadata value that cannot be used (a date that is not one, a URL that is not
    http(s)): said in one line."""


def parse_published(value: object) -> date:
    """A publication date as given: a date, a timestamp (its own calendar day, as the
    outlet dated it), "2022-02-15", "2022-02-15T10:00:00Z", "February 15, 2022".
    Raises :class:`MetadataError` for anything else, and for "03/04/2022", which could be
    either day first or month first."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        raise MetadataError("published is empty")
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    slashed = _SLASHED.match(text)
    if slashed and _ambiguous(int(slashed.group(1)), int(slashed.group(2))):
        raise MetadataError(
            f"published {text!r} is ambiguous (day or month first?): write YYYY-MM-DD"
        )
    parsed = dateparser.parse(text, languages=["en"], settings=_STRICT_DATE)
    if parsed is None or not 1900 <= parsed.year <= 2100:
        raise MetadataError(f"published {text!r} is not a date (write YYYY-MM-DD)")
    return parsed.date()


def _ambiguous(first: int, second: int) -> bool:
    return first != second and first <= 12 and second <= 12


def clean_text(name: str, value: object) -> str | None:
    """A text field's value, white space collapsed; None when empty. A list (several
    authors) is joined with commas. Raises :class:`MetadataError` when too long or, for
    ``url``, not an http(s) address."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value if v is not None)
    text = re.sub(r"\s+", " ", str(value)).strip()
    if not text:
        return None
    if len(text) > MAX_LENGTH[name]:
        raise MetadataError(
            f"{name} is {len(text):,} characters long (at most {MAX_LENGTH[name]:,})"
        )
    if name == "url":
        parts = urlsplit(text)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise MetadataError(f"url {text!r} is not an http(s) address")
    return text


def read_fields(
    values: dict[str, Any], source: DateSource, *, where: str = ""
) -> tuple[DocumentMetadata, list[str]]:
    """The metadata in ``values`` (front matter keys or manifest columns), from
    ``source``; returns it with the problems found (a value with a problem is left out,
    the problem says what it was). Keys are read case-insensitively; ``date`` stands for
    ``published`` and ``author`` for the byline; other keys are kept as ``extra``."""
    fields: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in values.items():
        name = KEY_FIELDS.get(str(key).strip().casefold())
        if name is None or name in fields:
            if value not in (None, ""):
                extra[str(key)] = jsonable(value)
            continue
        try:
            found = parse_published(value) if name == "published" else clean_text(name, value)
        except MetadataError as exc:
            problems.append(f"{where}{exc}")
            continue
        if found is not None:
            fields[name] = found
    sources = {name: source for name in [*fields, *extra]}
    return DocumentMetadata(**fields, extra=extra, sources=sources), problems


def given(source: DateSource, **values: Any) -> DocumentMetadata:
    """Metadata the user gives (command line options, a manifest row). Unlike front
    matter, a bad value is an error: raises :class:`MetadataError`."""
    metadata, problems = read_fields({k: v for k, v in values.items() if v is not None}, source)
    if problems:
        raise MetadataError(problems[0])
    return metadata


def jsonable(value: Any) -> Any:
    """A YAML or CSV value as JSON can hold it: dates as ISO strings, sets as lists."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def is_empty(metadata: DocumentMetadata) -> bool:
    return not any(getattr(metadata, name) for name in FIELDS) and not metadata.extra


def merge(held: DocumentMetadata, incoming: DocumentMetadata) -> DocumentMetadata:
    """``held`` completed by ``incoming``: an empty field is filled; a field read from the
    prose gives way to a stated one; any other value held stays, and a different stated
    value that is not applied becomes a warning. Extra keys likewise."""
    fields: dict[str, Any] = {}
    sources = dict(held.sources)
    warnings = list(held.warnings)
    for name in FIELDS:
        mine, theirs = getattr(held, name), getattr(incoming, name)
        mine_from = _source(held, name)
        theirs_from = _source(incoming, name)
        fields[name] = mine
        if theirs is None:
            continue
        if mine is None or (theirs_from.is_stated and not mine_from.is_stated):
            fields[name] = theirs
            sources[name] = theirs_from
        elif theirs != mine and theirs_from.is_stated:
            warnings.append(_not_applied(name, theirs, theirs_from, mine, mine_from))
    extra = dict(held.extra)
    for key, value in incoming.extra.items():
        if key not in extra:
            extra[key] = value
            sources[key] = _source(incoming, key)
        elif extra[key] != value:
            warnings.append(
                _not_applied(key, value, _source(incoming, key), extra[key], _source(held, key))
            )
    warnings += [w for w in incoming.warnings if w not in warnings]
    return DocumentMetadata(
        **fields, extra=extra, sources=sources, warnings=tuple(dict.fromkeys(warnings))
    )


def _source(metadata: DocumentMetadata, name: str) -> DateSource:
    return metadata.sources.get(name, DateSource.NONE)


def _not_applied(name: str, theirs: Any, theirs_from: str, mine: Any, mine_from: str) -> str:
    return f"{name}: {_show(theirs)} ({theirs_from}) not applied; kept {_show(mine)} ({mine_from})"


def _show(value: Any) -> str:
    return repr(value.isoformat() if isinstance(value, date) else value)


def of_article(article: NormalisedArticle) -> DocumentMetadata:
    return DocumentMetadata(
        title=article.title, outlet=article.outlet, byline=article.byline,
        published=article.published, url=article.url, extra=dict(article.extra),
        sources=dict(article.sources), warnings=article.warnings,
    )  # fmt: skip


def onto_article(article: NormalisedArticle, metadata: DocumentMetadata) -> NormalisedArticle:
    """The article with ``metadata``'s values (the text is unchanged)."""
    return dataclasses.replace(
        article, title=metadata.title, outlet=metadata.outlet, byline=metadata.byline,
        published=metadata.published, url=metadata.url, extra=dict(metadata.extra),
        sources=dict(metadata.sources), warnings=metadata.warnings,
        date_source=metadata.sources.get("published", DateSource.NONE),
    )  # fmt: skip


# --- manifests -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ManifestRow:
    line: int
    path: Path
    metadata: DocumentMetadata


def parse_manifest(text: str, *, base: Path, name: str) -> list[ManifestRow]:
    """The rows of a manifest (CSV with a header; tab-separated when ``name`` ends in
    .tsv): a ``file`` column, relative to ``base`` unless absolute, and the metadata
    columns outlet, published, url, title, author (any other column is kept as extra).
    Raises :class:`MetadataError` naming the line of the first problem (and how many
    more there are)."""
    reader = csv.DictReader(
        io.StringIO(text.lstrip("\ufeff")), delimiter="\t" if name.endswith(".tsv") else ","
    )
    columns = {(c or "").strip().casefold(): c for c in reader.fieldnames or []}
    if "file" not in columns:
        raise MetadataError(
            f"{name}: no 'file' column in its first line (columns: file,outlet,published,url,title)"
        )
    rows: list[ManifestRow] = []
    problems: list[str] = []
    seen: dict[Path, int] = {}
    for record in reader:
        line = reader.line_num
        values = {
            key: (record.get(column) or "").strip()
            for key, column in columns.items()
            if key != "file" and column is not None
        }
        file = (record.get(columns["file"]) or "").strip()
        if not file:
            if any(values.values()):
                problems.append(f"{name} line {line}: no file named")
            continue
        path = Path(file) if Path(file).is_absolute() else base / file
        if path in seen:
            problems.append(f"{name} line {line}: {file} is listed already on line {seen[path]}")
            continue
        seen[path] = line
        metadata, bad = read_fields(
            {k: v for k, v in values.items() if v},
            DateSource.MANIFEST,
            where=f"{name} line {line}: ",
        )
        problems += bad
        rows.append(ManifestRow(line, path, metadata))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise MetadataError(problems[0] + more)
    if not rows:
        raise MetadataError(f"{name}: no files listed")
    return rows


def describe(metadata: DocumentMetadata) -> Iterator[tuple[str, str]]:
    """(field, "value (source)") for each value held, in display order."""
    for name in FIELDS:
        value = getattr(metadata, name)
        if value is not None:
            shown = value.isoformat() if isinstance(value, date) else str(value)
            yield name, f"{shown} ({_source(metadata, name)})"
