"""drill_end_date: the date the Russia–Belarus joint drills end (or were to end).

Every date the sentence writes is found first, single dates and ranges alike ("Feb. 10-20",
"from 10 to 20 February", "between February 10 and 20", "10.02 to 20.02", "February 10 to
February 20"); then each is given its role by the words around it:

- the end of a range, or a date the drills *end* on: "scheduled / due / set to end on D",
  "will wrap up on the 20th", "until / till / through D", "completed on Sunday" (a past
  completion is an end date too), "D, the day the drills end", "by the scheduled end of the
  exercise on D", "upon completion of the exercise on D": D, exact;
- a duration from a start: "a 10-day exercise starting February 10": the start plus ten days;
- an extension: "extended past D", "will continue beyond D", "go on beyond today's planned
  end date": D, more_than; an extension with no date is kept, with no value and the flag
  ``extension`` (verification needs it; it is not scored);
- anything else is not an end date: a start ("began on February 10"), a date of something
  else ("talks on February 20"), the end of an earlier phase, and other exercises (Zapad-2021,
  naval drills in the Black Sea, NATO's exercises, the strategic nuclear forces' drills).

Partial dates resolve against the article's reference date, in the direction the verb's
tense points ("will end Sunday": the coming one; "ended Sunday": the last one).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from pipeline.dates import resolve
from pipeline.extract.common import MONTHS, WEEKDAYS, Finding, count_of, weekday_number
from pipeline.extract.lexicon import alternation
from schemas.enums import ClaimKind, Qualifier

_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "twenty-first": 21, "twenty-second": 22,
    "twenty-third": 23, "twenty-fourth": 24, "twenty-fifth": 25, "twenty-sixth": 26,
    "twenty-seventh": 27, "twenty-eighth": 28, "twenty-ninth": 29, "thirtieth": 30,
    "thirty-first": 31,
}  # fmt: skip
_ORDINALS = "|".join(sorted(_ORDINAL_WORDS, key=len, reverse=True))
_DAY = r"(?:[0-3]?\d(?:st|nd|rd|th)?)"
_MONTH = rf"(?:{MONTHS})\.?"
_YEAR = r"(?:,?\s+20\d\d)"
#: One date as articles write it. Named groups say which form it took.
_ONE_DATE = (
    rf"(?:{_MONTH}\s+(?:the\s+)?(?:{_DAY}|{_ORDINALS})\b{_YEAR}?"  # Feb. 20, February the twentieth
    rf"|(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}?"  # 20 February, the 20th of February
    rf"|(?:the\s+)?(?:{_ORDINALS})\s+(?:of\s+)?{_MONTH}{_YEAR}?"  # the twentieth of February
    rf"|[0-3]?\d\.[01]\d(?:\.20\d\d)?\b"  # 20.02, 20.02.2022
    rf"|\b20\d\d-[01]\d-[0-3]\d\b"  # 2022-02-20
    rf"|\b(?!24/7\b)[0-3]?\d/[0-3]?\d(?:/(?:20)?\d\d)?\b(?!/)"  # 20/02, 2/20 (month first unless impossible)
    rf"|(?:(?:this|next|last|coming|past)\s+)?(?:{WEEKDAYS})\b"  # Sunday, this Sunday
    rf"|the\s+(?:{_DAY}|{_ORDINALS})\b(?!\s+(?:of\s+)?(?:{MONTHS}))"  # the 20th
    rf"|today|tomorrow|tonight|yesterday)"
)
_DATE = re.compile(_ONE_DATE, re.IGNORECASE)
#: A range whose end is the drills' end. The month may be written once, on either side.
_RANGE = re.compile(
    rf"(?:\bfrom\s+|\bbetween\s+|\bin\s+(?:the\s+)?period\s+(?:from\s+)?)?"
    rf"(?P<a>{_ONE_DATE}|{_DAY})\s*(?:-|–|—|\bto\b|\btill\b|\buntil\b|\bthrough\b|\bthru\b|\band\b)\s*"
    rf"(?P<b>{_ONE_DATE}|{_DAY}\b(?:\s+(?:of\s+)?{_MONTH})?)",
    re.IGNORECASE,
)
_DURATION = re.compile(
    r"\b(?P<n>\d{1,2}|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|"
    r"fifteen|twenty)[- ](?:day|days)\b(?:[- ]long)?[^.;]{0,40}?\b(?:starting|beginning|"
    r"from|on|that (?:began|begins|start(?:s|ed)))\s+(?P<d>" + _ONE_DATE + r")"
    r"|\b(?:began|begin|begins|started|start|starts|launched|kicked off)\s+(?P<n2>\d{1,2}|"
    r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|twenty)"
    r"\s+days\s+of\b[^.;]{0,40}?\bon\s+(?P<d2>" + _ONE_DATE + r")",
    re.IGNORECASE,
)
#: "are to end in ten days", "set to wrap up in a week": counted from the day of writing
_IN_DAYS = re.compile(
    r"\b(?:end|ends|conclude|concludes|finish|finishes|wrap up|wraps up|close|closes|be over|"
    r"be completed)\s+(?:\w+\s+)?in\s+(?:(?P<n>\d{1,2}|two|three|four|five|six|seven|eight|"
    r"nine|ten|eleven|twelve|fourteen|fifteen|twenty)\s+days|(?P<week>a|one|two)\s+weeks?)\b"
    r"(?!\s+(?:after|before|from|of)\b)",
    re.IGNORECASE,
)
#: "two days after joint drills officially ended", "four days after drills there were
#: meant to end": counted back from the day of writing
_DAYS_AFTER_END = re.compile(
    r"\b(?P<n>\d{1,2}|a|one|two|three|four|five|six|seven|eight|nine|ten)\s+days?\s+after\s+(?:the\s+)?"
    r"(?:joint\s+|allied\s+)?(?:drills|exercises?|war games|manoeuvres|maneuvers)\b[^.;,]{0,30}?\b"
    r"(?:ended|finished|concluded|wrapped up|(?:were|was)\s+(?:due|meant|scheduled|supposed|set|planned)\s+to\s+"
    r"(?:end|finish|conclude|wrap up))\b",
    re.IGNORECASE,
)
#: "The drills will not end on Sunday as planned", "won't wrap up on Feb. 20"
_NOT_ENDING = re.compile(
    rf"(?:\b(?:will|would|shall|do|does|did|is|are)\s*(?:not|n['’]t)|\bwon['’]t)\s+(?:\w+\s+)?"
    rf"(?:end|conclude|finish|wrap up|be over|be completed|stop)\s+(?:on\s+|by\s+)?(?P<date>{_ONE_DATE})",
    re.IGNORECASE,
)

# --- what a date is to the drills -----------------------------------------------------

_FUTURE_END = (
    r"(?:scheduled|due|expected|set|planned|slated|supposed|meant|going|intended|to)\s+to\s+"
    r"(?:end|conclude|finish|wind down|wrap up|close|be completed|run until|last until)"
    r"|will\s+(?:\w+\s+)?(?:end|conclude|finish|wind down|wrap up|close|be over|be completed|"
    r"last|run|continue|go on|be held|take place)"
    r"|would\s+(?:\w+\s+)?(?:end|conclude|finish|wind down|wrap up|close|last|run|continue)"
    r"|(?:is|are)\s+(?:scheduled|due|set|expected|planned|slated|to)\s+(?:to\s+)?(?:end|"
    r"conclude|finish|wind down|wrap up|close|run|last)"
)
#: "were to end", "was due to end": a schedule stated after the fact, in either direction
_SCHEDULED = (
    r"(?:was|were|had been)\s+(?:scheduled|due|set|expected|planned|slated|supposed|meant|to)\s+"
    r"(?:to\s+)?(?:end|conclude|finish|wind down|wrap up|close|run|last)"
)
_END_WORDS = (
    r"end|ends|ending|conclude|concludes|concluding|conclusion|finish|finishes|finishing|"
    r"wrap up|wraps up|wrapping up|close|closes|completion|termination|end date of|end date|"
    r"run until|runs until|last until|lasts until|continue until|continues until|run through|"
    r"runs through|run till|held until|take place till|take place until|until|till|through|"
    r"thru|by the scheduled end|scheduled end|planned end|the end"
)
_PAST_END = r"ended|concluded|finished|wrapped up|was completed|were completed|completed|closed|was over|were over"
_END_BEFORE = re.compile(
    rf"\b(?:(?P<scheduled>{_SCHEDULED})|(?P<future>{_FUTURE_END})|(?P<past>{_PAST_END})|(?P<end>{_END_WORDS}))\b"
    rf"(?:\s+(?:as\s+(?:scheduled|planned|expected)|officially|this|the\s+exercises?|"
    rf"the\s+drills|of\s+the\s+(?:joint\s+)?(?:exercises?|drills)|on|in|at))*"
    # "Completion of the exercise is planned on", "The end ... has been set ... for"
    rf"(?:(?:\s+[\w'’-]+){{0,7}}?\s+(?:planned|set|scheduled|fixed|due)\s+(?:on|for))?\s*:?\s*(?:on\s+|by\s+)?$",
    re.IGNORECASE,
)
_END_AFTER = re.compile(
    r"^\s*,?\s*(?:the\s+day\s+(?:the|when the|on which the)\s+(?:drills|exercises?|war games|"
    r"manoeuvres|maneuvers)\b[^.;,]{0,30}?\s+(?:are\s+(?:due|scheduled|set)\s+to\s+)?(?:end|finish|conclude)"
    r"|when\s+(?:they|the\s+(?:drills|exercises?|war games|manoeuvres|maneuvers))\s+(?:(?:were|are|was|is)\s+"
    r"(?:due|scheduled|set|expected)\s+to\s+)?(?:end|ends|wind down|finish|finishes|conclude|concludes|wrap up)"
    r"|(?:as|is|was)\s+the\s+(?:end\s+date|(?:scheduled|planned|official)\s+end)"
    # "tomorrow's scheduled end", "the drills' scheduled Sunday finish"
    r"|['’]s\s+(?:scheduled\s+|planned\s+|official\s+)?(?:end|finish|conclusion|close)\b"
    r"|(?:finish|end|close|conclusion|wrap-up)\b)",
    re.IGNORECASE,
)
_EXTENSION = (
    r"extend|extended|extends|extending|prolong|prolonged|prolongs|prolonging|continue|"
    r"continued|continues|continuing|go on|goes on|went on|run on|runs on|ran on|carry on|"
    r"remain|remained|stay|stayed|last|lasts|lasted|run|runs|ran|keep going"
)
_EXTENDED_PAST = re.compile(
    rf"\b(?:{_EXTENSION})\b[^.;]{{0,80}}?\b(?:past|beyond|after)\s+(?:(?:the|their|its|today['’]s)\s+)?"
    rf"(?:(?:originally\s+)?(?:planned|scheduled|original|initial|official)\s+)?"
    rf"(?:(?:end|end date|deadline|date)\s+(?:date\s+)?(?:of\s+|on\s+)?)?(?P<date>{_ONE_DATE})?",
    re.IGNORECASE,
)
_EXTENDED = re.compile(
    r"\b(?:extend|extended|extends|extending|extension|prolong|prolonged|prolonging|prolongation)\b"
    r"|\b(?:will|would|to)\s+(?:continue|go on|carry on|keep going)\b(?=[^.;]*\b(?:past|beyond|"
    r"after|longer|were (?:to|due to|scheduled to) end|was (?:to|due to|scheduled to) end))"
    r"|\b(?:were|was)\s+(?:to|due to|scheduled to|supposed to|set to|meant to|planned to|"
    r"expected to)\s+(?:end|finish|conclude|wrap up|close|wind down)\b"
    r"(?:[^.;]|\.(?=\d)){0,60}\b(?:will|would)\s+(?:continue|go on|carry on)\b"
    r"|\b(?:were|was)\s+(?:scheduled|due|supposed|set|meant|planned|expected)\s+to\s+"
    r"(?:end|conclude|finish|wrap up|close|wind down)(?:[^.;]|\.(?=\d)){0,40}"
    r"(?:\bdidn['’]t\b|\bdid not\b|\bbut\b|\bwill continue\b|\bwere extended\b)",
    re.IGNORECASE,
)
_START_BEFORE = re.compile(
    r"\b(?:start|starts|started|starting|begin|begins|began|beginning|kick off|kicked off|"
    r"kicks off|launch|launched|launches|arrive|arrived|arriving|since|open|opened|opens|"
    r"commence|commenced|commences)\b[^.;,]{0,30}?(?:\s+on)?\s*$",
    re.IGNORECASE,
)
_EARLIER_PHASE = re.compile(r"\b(?:first|initial|earlier|opening)\s+(?:phase|stage|part)\b", re.I)
#: Exercises with a name of their own are never the joint drills.
_NAMED_EXERCISE = re.compile(
    r"\bzapad\b|\bvostok\b|\bkavkaz\b|\btsentr\b|\bgrom\b|\bcold response\b|\bsteadfast\b|"
    r"\bdefender europe\b|\bsaber strike\b|\bsea breeze\b|\brapid trident\b",
    re.IGNORECASE,
)
_OTHER_EXERCISE = re.compile(
    r"\bnaval\b|\bblack sea\b|\bsea of azov\b|\bbaltic\b|"
    r"\bmediterranean\b|\bnuclear\b|\bstrategic (?:deterrence|forces)\b|\bnato['’]?s?\b[^.;]{0,20}"
    r"\b(?:drills?|exercises?)\b|\b(?:19|20)(?:[01]\d|2[01])\b",
    re.IGNORECASE,
)


#: Another event whose dates a sentence about the drills may give.
_OTHER_EVENT = re.compile(
    r"\b(?:conference|summit|talks|meeting|(?<!war )games|olympics|session|visit|trip|tour|negotiations|"
    r"ceasefire|festival|forum)\b(?![^.;]*\b(?:drills|exercises?|manoeuvres|maneuvers|war games)\b)",
    re.IGNORECASE,
)


def mentions_drills(text: str) -> bool:
    return re.search(rf"\b(?:{alternation('drill_nouns')})\b", text, re.IGNORECASE) is not None


def has_belarus_context(text: str) -> bool:
    return re.search(rf"\b(?:{alternation('drill_context')})", text, re.IGNORECASE) is not None


def _about_the_drills(sentence: str, context: str) -> bool:
    """The sentence speaks of the joint drills: it names drills or exercises (or refers back
    to them: "they will end on Sunday" after a sentence about the drills), and names no
    other exercise. In a story about the build-up, drills with no other name are the joint
    drills; Belarus need not be in the very sentence."""
    if _NAMED_EXERCISE.search(sentence):
        return False
    if _OTHER_EXERCISE.search(sentence) and not has_belarus_context(sentence):
        return False
    if mentions_drills(sentence):
        return True
    refers_back = re.search(
        r"\b(?:they|them|it|end date|the end)\b|^\s*(?:when|dates?|duration|schedule)\s*:",
        sentence,
        re.I,
    )
    return bool(
        refers_back
        and mentions_drills(context)
        and not _NAMED_EXERCISE.search(context)
        and not _OTHER_EXERCISE.search(context)
    )


def drill_findings(sentence: str, context: str, reference: date | None) -> list[Finding]:
    """End-date claims of the joint drills in ``sentence``; ``context`` is the text just
    before it (the drills may be named there: "The drills ... . They will end on Sunday.")."""
    if not _about_the_drills(sentence, context) or _EARLIER_PHASE.search(sentence):
        return []
    extended = _EXTENDED_PAST.search(sentence)
    if extended and (extended.group("date") or _EXTENDED.search(sentence)):
        written = extended.group("date")
        if written:
            when = _resolve(written, reference, "nearest")
            return [_finding(written, when, Qualifier.MORE_THAN, extended.start("date"))]
        if re.search(r"\btoday['’]s\b", extended.group(0), re.I) and reference is not None:
            return [_finding("today", reference, Qualifier.MORE_THAN)]
    not_ending = _NOT_ENDING.search(sentence)
    if not_ending:  # "will not end on Sunday as planned": they go on past it
        written = not_ending.group("date")
        return [
            _finding(
                written,
                _resolve(written, reference, "nearest"),
                Qualifier.MORE_THAN,
                not_ending.start("date"),
            )
        ]
    found = _end_dates(sentence, reference)
    if _EXTENDED.search(sentence):
        # "The drills, which were to end on Sunday, will continue": the schedule as stated,
        # and the extension (with no new date)
        found.append(
            Finding(
                kind=ClaimKind.DRILL_END_DATE.value,
                value=None,
                qualifier=Qualifier.MORE_THAN.value,
                location="Belarus",
                flags=("extension",),
            )
        )
    return found[:2]


def _end_dates(sentence: str, reference: date | None) -> list[Finding]:
    """The end dates the sentence gives: the ends of ranges, durations from a start, and
    dates an end word points at. One per sentence: the first."""
    for match in _RANGE.finditer(sentence):
        a, b = match.group("a"), match.group("b")
        if _OTHER_EVENT.search(sentence[: match.start()][-80:]):
            continue  # "the conference, which runs from Feb. 18 to 20": another event's dates
        if not (_DATE.fullmatch(a.strip()) or _DATE.fullmatch(b.strip())):
            continue  # "10-20" with no month on either side is no date range
        if re.fullmatch(r"\d{1,2}", b.strip()) and not re.search(MONTHS, a, re.I):
            continue
        written = b if _DATE.fullmatch(b.strip()) else f"{b} {_month_of(a)}"
        when = _resolve(written, reference, "nearest")
        start = _resolve(
            a if _DATE.fullmatch(a.strip()) else f"{a} {_month_of(b)}", reference, "nearest"
        )
        if when is not None and start is not None and not 0 < (when - start).days <= 60:
            continue
        return [_finding(written, when, Qualifier.EXACT, match.start("b"))]
    duration = _DURATION.search(sentence)
    if duration:
        n = duration.group("n") or duration.group("n2")
        days = count_of(n)
        start = _resolve(duration.group("d") or duration.group("d2"), reference, "nearest")
        if start is not None:
            end = start + timedelta(days=days)
            return [_finding(end.isoformat(), end, Qualifier.EXACT, duration.start())]
    since = _DAYS_AFTER_END.search(sentence)
    if since and reference is not None:
        n = since.group("n")
        end = reference - timedelta(days=count_of(n))
        return [_finding(end.isoformat(), end, Qualifier.EXACT, since.start())]
    within = _IN_DAYS.search(sentence)
    if (
        within
        and reference is not None
        and not re.search(r"\bif\b", sentence[: within.start()], re.I)
    ):
        n = within.group("n")
        days = count_of(n) if n else 7 * count_of(within.group("week"))
        end = reference + timedelta(days=days)
        return [_finding(end.isoformat(), end, Qualifier.EXACT, within.start())]
    for match in _DATE.finditer(sentence):
        head, tail = sentence[: match.start()], sentence[match.end() :]
        if _START_BEFORE.search(head) and not _END_BEFORE.search(head):
            continue
        cue = _END_BEFORE.search(head)
        if cue is None and not _END_AFTER.match(tail):
            continue
        if re.search(r"\bif\b|^\W*(?:should|were|unless)\b", head, re.I):
            continue  # "If the drills end on Feb. 20 ...", "Should the drills wrap up ...": a condition
        tense = "future"  # "ends on Sunday", "until Sunday", "will end on Sunday"
        if cue is not None and cue.group("past"):
            tense = "past"
        elif cue is not None and cue.group("scheduled"):
            tense = "nearest"
        written = match.group(0)
        return [
            _finding(written, _resolve(written, reference, tense), Qualifier.EXACT, match.start())
        ]
    return []


def _month_of(text: str) -> str:
    found = re.search(rf"(?:{MONTHS})|\.([01]\d)", text, re.I)
    if found is None:
        return ""
    return found.group(0).lstrip(".")


def _resolve(written: str, reference: date | None, tense: str) -> date | None:
    text = written.strip().lower()
    words = re.sub(r"\bthe\b", "", text)
    for word, number in _ORDINAL_WORDS.items():
        words = re.sub(rf"\b{word}\b", str(number), words)
    words = re.sub(r"\s+", " ", words).strip()
    dotted = re.fullmatch(r"([0-3]?\d)\.([01]\d)(?:\.(20\d\d))?", words)
    if dotted:
        day, month = int(dotted.group(1)), int(dotted.group(2))
        year = int(dotted.group(3)) if dotted.group(3) else (reference.year if reference else None)
        try:
            return date(year, month, day) if year else None
        except ValueError:
            return None
    if reference is not None:
        relative = {"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1}
        if words in relative:
            return reference + timedelta(days=relative[words])
        bare = re.fullmatch(r"([0-3]?\d)(?:st|nd|rd|th)?", words)
        if bare:  # "the 20th": of the reference's month, or the next when it is past
            day = int(bare.group(1))
            try:
                found = reference.replace(day=day)
            except ValueError:
                return None
            if tense != "past" and found < reference - timedelta(days=7):
                month = reference.month % 12 + 1
                found = found.replace(year=reference.year + (month == 1), month=month)
            return found
    weekday = re.fullmatch(rf"(?:this |coming )?({WEEKDAYS})", words)
    if weekday and reference is not None and tense != "nearest":
        target = weekday_number(weekday.group(1))
        ahead = (target - reference.weekday()) % 7
        if tense == "future":
            return reference + timedelta(days=ahead)
        return reference - timedelta(days=(reference.weekday() - target) % 7)
    return resolve(words, reference)


def _finding(expression: str, resolved: date | None, qualifier: Qualifier, at: int = -1) -> Finding:
    # Kept so that the story's other reports can resolve it (``pipeline.extract.story``).
    flags = () if resolved is not None else ("unresolved_date", f"date_text:{expression}")
    return Finding(
        kind=ClaimKind.DRILL_END_DATE.value,
        value=resolved,
        qualifier=qualifier.value,
        location="Belarus",
        flags=flags,
        at=at,
    )
