"""drill_end_date: the date the Russia-Belarus joint drills end (or were to end).

"scheduled / due / expected to end on D", "will end D", "until D", "from X to D" give D,
exact; "extended past D" gives D, more_than. Partial dates resolve against the article's
reference date. An announced extension with no date is recorded with no value and the
flag ``extension`` (verification needs it; it is not scored). A start date and the end of
an earlier phase are not end dates.
"""

from __future__ import annotations

import re
from datetime import date

from pipeline.dates import resolve
from pipeline.extract.common import DATE_EXPRESSION, MONTHS, Finding
from pipeline.extract.lexicon import alternation
from schemas.enums import ClaimKind, Qualifier

_END_VERBS = r"end|conclude|finish|wind down|wrap up|close|run until|last until|continue until|run through|last through|run till"
_END = re.compile(
    rf"(?:(?:scheduled|due|expected|set|planned|slated|supposed|meant|going|intended)\s+to\s+(?:{_END_VERBS})"
    rf"|will\s+(?:{_END_VERBS})|would\s+(?:{_END_VERBS})|(?:to\s+)?(?:{_END_VERBS})s?"
    rf"|ending|ended|until|till|through|scheduled for)"
    rf"(?:\s+as\s+(?:scheduled|planned|expected))?\s+(?:on\s+)?(?P<date>{DATE_EXPRESSION})\b",
    re.IGNORECASE,
)
_FROM_TO = re.compile(
    rf"\bfrom\s+(?:{DATE_EXPRESSION})\s+(?:to|until|till|through)\s+(?P<date>{DATE_EXPRESSION})\b"
    # "from February 10 to 20": the month is written once
    rf"|\bfrom\s+(?P<month>{MONTHS})\.?\s+[0-3]?\d(?:st|nd|rd|th)?\s*(?:to|until|till|through|-|–)\s*"
    rf"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b(?!\s*(?:{MONTHS}))",
    re.I,
)
_EXTENDED_PAST = re.compile(
    rf"\b(?:extend|extended|extends|extending|prolong|prolonged|continue|continued|continuing|"
    rf"go on|goes on|went on|run|runs|ran|last|lasts|lasted)\b"
    rf"[^.;]{{0,80}}?\b(?:past|beyond|after)\s+(?:(?:the|their|its)\s+)?"
    rf"(?:(?:planned|scheduled|original|initial)\s+end\s+(?:date\s+)?(?:of\s+|on\s+)?)?(?P<date>{DATE_EXPRESSION})\b",
    re.IGNORECASE,
)
_EXTENDED = re.compile(
    r"\b(?:extend|extended|extends|extending|prolong|prolonged|prolonging)\b", re.I
)
_EARLIER_PHASE = re.compile(r"\b(?:first|initial|earlier|opening)\s+(?:phase|stage|part)\b", re.I)


def mentions_drills(text: str) -> bool:
    return re.search(rf"\b(?:{alternation('drill_nouns')})\b", text, re.IGNORECASE) is not None


def has_belarus_context(text: str) -> bool:
    return re.search(rf"\b(?:{alternation('drill_context')})\b", text, re.IGNORECASE) is not None


def drill_findings(sentence: str, context: str, reference: date | None) -> list[Finding]:
    """End-date claims of the Belarus drills in ``sentence``; ``context`` is the text just
    before it (the drills may be named there: "The drills ... . They will end on Sunday.")."""
    if not mentions_drills(sentence) and not re.search(r"\b(?:they|the drills)\b", sentence, re.I):
        return []
    if not (
        has_belarus_context(sentence) or (mentions_drills(context) and has_belarus_context(context))
    ):
        return []
    if _EARLIER_PHASE.search(sentence):
        return []
    found: list[Finding] = []
    extended = _EXTENDED_PAST.search(sentence)
    if extended:
        found.append(_finding(extended.group("date"), reference, Qualifier.MORE_THAN))
    else:
        match = _FROM_TO.search(sentence) or _END.search(sentence)
        if match:
            written = match.group("date") or f"{match.group('month')} {match.group('day')}"
            found.append(_finding(written, reference, Qualifier.EXACT))
        if not found and _EXTENDED.search(sentence):
            found.append(
                Finding(
                    kind=ClaimKind.DRILL_END_DATE.value,
                    value=None,
                    qualifier=Qualifier.MORE_THAN.value,
                    location="Belarus",
                    flags=("extension",),
                )
            )
    return found


def _finding(expression: str, reference: date | None, qualifier: Qualifier) -> Finding:
    resolved = resolve(expression, reference)
    # Kept so that the story's other reports can resolve it (``pipeline.extract.story``).
    flags = () if resolved is not None else ("unresolved_date", f"date_text:{expression}")
    return Finding(
        kind=ClaimKind.DRILL_END_DATE.value,
        value=resolved,
        qualifier=qualifier.value,
        location="Belarus",
        flags=flags,
    )
