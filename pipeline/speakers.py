"""When two speaker strings name the same party ("Zelensky" and "President Volodymyr
Zelensky", "United Nations" and "UN human rights office", "Ukraine" and "the Ukrainian
military"): a speaker's key is its content words after aliasing, and two speakers are the
same when one key holds the other."""

from __future__ import annotations

import re
from functools import lru_cache

_ALIASES = {
    "un": "united nations", "u.n.": "united nations", "us": "united states",
    "u.s.": "united states", "usa": "united states", "america": "united states",
    "american": "united states", "washington": "united states", "uk": "united kingdom",
    "britain": "united kingdom", "british": "united kingdom", "ukrainian": "ukraine",
    "ukraine's": "ukraine", "kyiv": "ukraine", "kiev": "ukraine", "russian": "russia",
    "russia's": "russia", "moscow": "russia", "kremlin": "russia", "mod": "ministry defence",
    "defense": "defence", "belarusian": "belarus", "belarus'": "belarus", "nato's": "nato",
}  # fmt: skip
_STOP = {"the", "of", "for", "and", "in", "to", "a", "an", "s", "on", "at", "its", "their"}
_TITLES = {
    "president", "minister", "spokesman", "spokeswoman", "spokesperson", "secretary", "general",
    "chief", "ambassador", "official", "officials", "head", "prime", "foreign", "chancellor",
}  # fmt: skip


@lru_cache(maxsize=4096)
def speaker_key(speaker: str) -> frozenset[str]:
    words = re.findall(r"[\w.'’]+", speaker.casefold().replace("’", "'"))
    key: set[str] = set()
    for word in words:
        word = word.strip(".")
        expanded = _ALIASES.get(
            word, _ALIASES.get(word.removesuffix("'s"), word.removesuffix("'s"))
        )
        key.update(w for w in expanded.split() if w not in _STOP)
    return frozenset(key)


def same_speaker(a: str, b: str) -> bool:
    if not a or not b:
        return a == b
    ka, kb = speaker_key(a), speaker_key(b)
    if not ka or not kb:
        return a.casefold() == b.casefold()
    if ka <= kb or kb <= ka:
        return True
    # Same person under another title: share a surname-like word that is not a title.
    names_a, names_b = ka - _TITLES, kb - _TITLES
    return bool(names_a & names_b) and (len(names_a) == 1 or len(names_b) == 1)
