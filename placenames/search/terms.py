"""The search terms of one stored name: what the search index holds for it.

One token per character: the toneless syllable of a Chinese character (ü written ``v``) or
the character itself (a digit, the middle dot), so that token ``k`` is character ``k`` and a
match on pinyin or initials can be highlighted on the characters it covers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..naming.errors import NamingError
from ..naming.keys import _DEFAULT_FOLD, fold_syllable
from ..naming.readings import syllables


@dataclass(frozen=True, slots=True)
class EntryTerms:
    """Search terms of a name: its characters forwards and backwards, its tokens (space
    separated), whole-name pinyin, initials and fuzzy key (dialect confusions folded)."""

    text: str
    text_rev: str
    tokens: str
    pinyin: str
    initials: str
    fuzzy: str


def entry_terms(name: str, reading: str | None = None) -> EntryTerms:
    """Terms of ``name`` (already clean) read as staff set it (``reading``) or by default.

    A reading that does not fit the name (a stale override) falls back to the default one:
    the index must never refuse a stored name.
    """
    try:
        sylls = syllables(name, reading)
    except NamingError:
        sylls = syllables(name)
    tokens = [(s.rstrip("12345") if s else ch).lower() for s, ch in zip(sylls, name, strict=True)]
    folded = [fold_syllable(t, *_DEFAULT_FOLD) if t.isalpha() else t for t in tokens]
    return EntryTerms(text=name, text_rev=name[::-1], tokens=" ".join(tokens),
                      pinyin="".join(tokens), initials="".join(t[:1] for t in tokens),
                      fuzzy="".join(folded))


def token_spans(tokens: str, prefix_len: int) -> int:
    """How many characters a pinyin prefix of ``prefix_len`` letters covers (partly counts)."""
    used = 0
    for count, token in enumerate(tokens.split(" ")):
        if used >= prefix_len:
            return count
        used += len(token)
    return len(tokens.split(" "))
