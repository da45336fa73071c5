"""Tables for a terminal: what `claimtrack claims`, `documents` and `extract` print.

By default a table fits 100 columns and a claim's quote is cut around its figure, so the
figure is always in view; ``wide`` prints every column whole. Every cell is one line of
printable text (a control character in a file name never reaches the terminal).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pipeline.numbers import find_amounts

WIDTH = 100
ELLIPSIS = "\u2026"


def plural(count: int, word: str, many: str | None = None) -> str:
    """ "1 claim", "2 claims", "0 claims"."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def printable(text: Any) -> str:
    """One line of printable text: control characters (escape codes, new lines) shown as
    ``\\x1b``-style escapes, never sent to the terminal."""
    value = "" if text is None else str(text)
    if value.isprintable():
        return value
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in value)


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + ELLIPSIS


def figure(row: dict[str, Any]) -> str:
    """A claim's figure as a reader says it: "more than 100,000", "2022-02-20"."""
    if row["value"] is None:
        return "(extended, no date)" if "extension" in str(row.get("flags")) else "(no value)"
    is_date = not isinstance(row["value"], int)
    # A date is a day: "more than 2022-02-20" reads as nonsense, so dates take no qualifier.
    q = "" if row["qualifier"] == "exact" or is_date else row["qualifier"].replace("_", " ") + " "
    value = f"{row['value']:,}" if isinstance(row["value"], int) else row["value"]
    high = f"-{row['value_high']:,}" if row.get("value_high") else ""
    extra = f" {row['casualty_type']}" if row.get("casualty_type") else ""
    if row.get("vague"):
        return f"vague {value}{high}{extra}"  # "dozens": an interval, not a figure given
    inferred = " (from story)" if "date_from_story" in str(row.get("flags")) else ""
    return f"{q}{value}{high}{extra}{inferred}"


# --- where the figure is in the quote ----------------------------------------------------

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def figure_span(row: dict[str, Any]) -> tuple[int, int] | None:
    """Where the quote states the claim's figure (start, end), or None when it cannot be
    found (a figure read from another sentence of the story)."""
    quote, value = row["quote"], row["value"]
    if isinstance(value, int):
        amounts = find_amounts(quote)
        for amount in amounts:
            if amount.value == value and amount.value_high == row.get("value_high"):
                return amount.start, amount.end
        for amount in amounts:
            if value in (amount.value, amount.value_high):
                return amount.start, amount.end
        return None
    if value is None:
        found = re.search(r"\bextend\w*|\bprolong\w*", quote, re.IGNORECASE)
        return found.span() if found else None
    day = date.fromisoformat(value) if isinstance(value, str) else value
    month = _MONTH_NAMES[day.month - 1]
    for pattern in (
        rf"\b{month}[a-z]*\.?\s+{day.day}(?:st|nd|rd|th)?\b",
        rf"\b{day.day}(?:st|nd|rd|th)?\s+(?:of\s+)?{month}[a-z]*\b",
        rf"\b{day.isoformat()}\b",
        rf"\b{_WEEKDAYS[day.weekday()]}\b",
        r"\b(?:end|finish|conclude|complete)\w*\b",
    ):
        found = re.search(pattern, quote, re.IGNORECASE)
        if found:
            return found.span()
    return None


def quote_around_figure(row: dict[str, Any], width: int) -> str:
    """The quote cut to ``width`` characters with the figure whole and centred in what is
    shown (the ellipses that mark a cut never cover it)."""
    quote = printable(row["quote"])
    inner = width - 2  # the quotation marks
    if len(quote) <= inner:
        return f"\u201c{quote}\u201d"
    first, last = figure_span(row) or (0, 0)
    room = inner - 2  # what is left between the two ellipses
    pad = max(room - (last - first), 0) // 2
    start = max(0, min(first - 1 - pad, len(quote) - inner))
    end = start + inner
    text = quote[start:end]
    if start > 0:
        text = ELLIPSIS + text[1:]
    if end < len(quote):
        text = text[:-1] + ELLIPSIS
    return f"\u201c{text}\u201d"


# --- tables ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    title: str
    most: int = 0  # narrow tables cut the column to this width; 0: what is left of the line
    right: bool = False


def render(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    wide: bool,
    widths: Sequence[int] | None = None,
) -> str:
    """Aligned columns, each as wide as its widest cell. Narrow (the default): no column
    wider than its ``most`` and the last one cut to what is left of ``WIDTH`` (or the
    ``widths`` given); wide: nothing cut."""
    if wide:
        widths = [max([len(c.title), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    elif widths is None:
        widths = narrow_widths(columns, rows)
    lines = []
    for cells in [[c.title for c in columns], *rows]:
        out = []
        for column, cell, width in zip(columns, cells, widths, strict=True):
            text = cell if wide else cut(cell, width)
            out.append(text.rjust(width) if column.right else text.ljust(width))
        lines.append(" ".join(out).rstrip())
    return "\n".join(lines)


def narrow_widths(columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> list[int]:
    natural = [max([len(c.title), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    widths = [min(w, c.most) if c.most else w for w, c in zip(natural, columns, strict=True)]
    widths[-1] = max(WIDTH - sum(w + 1 for w in widths[:-1]), 10)
    return widths


def claim_widths(records: Sequence[dict[str, Any]]) -> list[int]:
    """Narrow widths for the claims table: the quote gets at least what its widest figure
    needs (with its marks and ellipses), taken from the proposition column if need be."""
    ids = max(len("id"), *(len(str(r["id"])) for r in records))
    statuses = max(len("status"), *(len(r["status"]) for r in records))
    figures = min(max(len("figure"), *(len(figure(r)) for r in records)), CLAIM_COLUMNS[2].most)
    scopes = min(max(len("proposition"), *(len(r["scope"] or "-") for r in records)),
                 CLAIM_COLUMNS[3].most)  # fmt: skip
    spans = [figure_span(r) for r in records]
    needed = max([16, *((end - start) + 6 for start, end in filter(None, spans))])
    fixed = ids + statuses + figures + 10 + 5  # as of: a date (10); five spaces between
    scopes = max(min(scopes, WIDTH - fixed - needed), len("proposition"))
    return [ids, statuses, figures, scopes, 10, max(WIDTH - fixed - scopes, needed)]


CLAIM_COLUMNS = (
    Column("id", 6, right=True),
    Column("status", 12),
    Column("figure", 24),
    Column("proposition", 28),
    Column("as of", 10),
    Column("quote"),
)
WIDE_CLAIM_COLUMNS = (
    *CLAIM_COLUMNS[:2],
    Column("kind"),
    *CLAIM_COLUMNS[2:5],
    Column("speaker"),
    Column("origin"),
    Column("source"),
    Column("quote"),
)


def claims_table(records: Sequence[dict[str, Any]], *, wide: bool = False) -> str:
    """The claims as a table; ``records`` are ``claims --format json`` records. Narrow, the
    proposition is the scope (the figure says what is counted) and the quote is cut
    around the figure; wide adds the kind, speaker, origin and source (the outlet, else
    the file) and the whole quote."""
    if not records:
        return "  (none)"
    widths = claim_widths(records)
    rows = []
    for r in records:
        cells = [str(r["id"]), r["status"], figure(r), r["scope"] or "-", r["as_of"] or "unknown"]
        if wide:
            cells.insert(2, r["kind"])
            cells += [r["speaker"] or "(article)", r["origin"] or "-", r["outlet"] or r["file"]]
            cells.append(f"\u201c{r['quote']}\u201d")
        else:
            cells.append(quote_around_figure(r, widths[-1]))
        rows.append([printable(c) for c in cells])
    if wide:
        return render(WIDE_CLAIM_COLUMNS, rows, wide=True)
    return render(CLAIM_COLUMNS, rows, wide=False, widths=widths)


DOCUMENT_COLUMNS = (
    Column("id", 6, right=True),
    Column("state", 10),
    Column("claims", 6, right=True),
    Column("published", 10),
    Column("from", 12),
    Column("outlet", 16),
    Column("file", 20),
    Column("why"),
)


def documents_table(records: Sequence[dict[str, Any]], *, wide: bool = False) -> str:
    """The documents as a table; ``records`` are ``documents --format json`` records. "from"
    is where the published date came from; "why" a failure and metadata warnings."""
    if not records:
        return "  (none)"
    rows = []
    for d in records:
        why = [f"{d['failure_reason']}: {d['failure_detail']}"] if d["failure_reason"] else []
        why += [f"metadata: {w}" for w in d.get("metadata_warnings") or []]
        claims = "-" if d["claims"] is None else str(d["claims"])
        source = (d.get("sources") or {}).get("published", "-") if d["published"] else "-"
        cells = [str(d["id"]), d["state"], claims, d["published"] or "-", source,
                 d["outlet"] or "-", d["file"], "; ".join(why)]  # fmt: skip
        rows.append([printable(c) for c in cells])
    return render(DOCUMENT_COLUMNS, rows, wide=wide)
