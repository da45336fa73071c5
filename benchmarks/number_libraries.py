"""Number-reading libraries judged on the cases the extractor must read.

The extraction issue names three libraries that might read numbers for us: text2num
(``alpha2digit``), number-parser (``parse``) and quantulum3 (``parser.parse``). Each is
run on the same cases as ``pipeline.numbers.find_amounts``; a case counts as read when
the library yields the expected value (and upper value, for ranges). The libraries are
not dependencies: install them to compare (``pip install text2num number-parser
quantulum3``); a missing one is reported as such.

    python -m benchmarks.number_libraries
"""

from __future__ import annotations

import re
from collections.abc import Callable

from benchmarks.record import save
from pipeline.numbers import find_amounts

# (phrase, value, upper value or None)
CASES: list[tuple[str, int, int | None]] = [
    ("100,000 troops", 100_000, None),
    ("100 000 troops", 100_000, None),
    ("100.000 troops", 100_000, None),
    ("1.2 million soldiers", 1_200_000, None),
    ("5.3k troops", 5_300, None),
    ("150 thousand troops", 150_000, None),
    ("two soldiers", 2, None),
    ("a dozen soldiers", 12, None),
    ("one hundred and thirty thousand troops", 130_000, None),
    ("between 169,000 and 190,000 troops", 169_000, 190_000),
    ("169,000-190,000 troops", 169_000, 190_000),
    ("from 100,000 to 130,000 troops", 100_000, 130_000),
    ("tens of thousands of troops", 10_000, 99_999),
    ("dozens of civilians", 24, 99),
]


def _numbers_in(text: str) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)]


def _claimtrack(phrase: str) -> tuple[float, float | None] | None:
    amounts = find_amounts(phrase)
    if not amounts:
        return None
    return amounts[0].value, amounts[0].value_high


def _text2num() -> Callable[[str], tuple[float, float | None] | None]:
    from text_to_num import alpha2digit

    def read(phrase: str) -> tuple[float, float | None] | None:
        found = _numbers_in(alpha2digit(phrase, "en"))
        return (found[0], found[1] if len(found) > 1 else None) if found else None

    return read


def _number_parser() -> Callable[[str], tuple[float, float | None] | None]:
    from number_parser import parse

    def read(phrase: str) -> tuple[float, float | None] | None:
        found = _numbers_in(parse(phrase))
        return (found[0], found[1] if len(found) > 1 else None) if found else None

    return read


def _quantulum3() -> Callable[[str], tuple[float, float | None] | None]:
    from quantulum3 import parser

    def read(phrase: str) -> tuple[float, float | None] | None:
        quantities = parser.parse(phrase)
        if not quantities:
            return None
        first = quantities[0]
        if getattr(first, "uncertainty", None) and len(quantities) == 1:
            return first.value, None
        high = quantities[1].value if len(quantities) > 1 else None
        return first.value, high

    return read


def _score(read: Callable[[str], tuple[float, float | None] | None]) -> list[bool]:
    hits = []
    for phrase, value, high in CASES:
        try:
            got = read(phrase)
        except Exception:  # a library that crashes on a case has not read it
            got = None
        hits.append(got is not None and got[0] == value and (high is None or got[1] == high))
    return hits


def main() -> None:
    readers: dict[str, Callable[[], Callable[[str], tuple[float, float | None] | None]]] = {
        "text2num": _text2num,
        "number-parser": _number_parser,
        "quantulum3": _quantulum3,
    }
    results: dict[str, list[bool] | None] = {"claimtrack": _score(_claimtrack)}
    for name, make in readers.items():
        try:
            results[name] = _score(make())
        except ImportError:
            results[name] = None
    names = list(results)
    print(f"{'case':<42}" + "".join(f"{n:>15}" for n in names))
    for i, (phrase, _, _) in enumerate(CASES):
        row = "".join(
            f"{'-' if results[n] is None else ('yes' if results[n][i] else 'no'):>15}"  # type: ignore[index]
            for n in names
        )
        print(f"{phrase:<42}{row}")
    totals = "".join(
        f"{'not installed' if r is None else f'{sum(r)}/{len(r)}':>15}" for r in results.values()
    )
    print(f"{'read correctly':<42}{totals}")
    save(
        "number_libraries",
        {n: None if r is None else sum(r) for n, r in results.items()} | {"cases": len(CASES)},
    )


if __name__ == "__main__":
    main()
