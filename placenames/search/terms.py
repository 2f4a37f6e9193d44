"""The search terms of one stored name: what the search index holds for it.

One token per character: the toneless syllable of a Chinese character (ü written ``v``) or
the character itself (a digit, the middle dot), so that token ``k`` is character ``k`` and a
match on pinyin or initials can be highlighted on the characters it covers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..naming.errors import NamingError
from ..naming.generics import split_name
from ..naming.keys import _DEFAULT_FOLD, fold_syllable
from ..naming.readings import syllables

MAX_OTHER_READINGS = 4
"""Other readings of a name kept in the index (one character read otherwise each)."""


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
    return _terms_of(name, tokens)


def _terms_of(name: str, tokens: list[str]) -> EntryTerms:
    folded = [fold_syllable(t, *_DEFAULT_FOLD) if t.isalpha() else t for t in tokens]
    return EntryTerms(text=name, text_rev=name[::-1], tokens=" ".join(tokens),
                      pinyin="".join(tokens), initials="".join(t[:1] for t in tokens),
                      fuzzy="".join(folded))


def other_readings(name: str, reading: str | None = None) -> list[EntryTerms]:
    """Terms of the name read as a dictionary may read it: each polyphonic character of the
    specific part (专名) in turn given its other readings (六合 is Lùhé in the register,
    ``liuhe`` to many who type it), at most :data:`MAX_OTHER_READINGS`."""
    from pypinyin import Style, pinyin

    base = entry_terms(name, reading).tokens.split(" ")
    specific, _generic = split_name(name)
    out: list[EntryTerms] = []
    for i, ch in enumerate(specific):  # generics (路, 大道, 街…) have one reading here
        if not base[i].isalpha():
            continue
        readings = pinyin(ch, style=Style.NORMAL, heteronym=True, v_to_u=False)[0]
        for other in dict.fromkeys(r.lower() for r in readings):
            if other != base[i] and other.isascii() and other.isalpha():
                out.append(_terms_of(name, base[:i] + [other] + base[i + 1:]))
                if len(out) >= MAX_OTHER_READINGS:
                    return out
    return out


def token_spans(tokens: str, prefix_len: int) -> int:
    """How many characters a pinyin prefix of ``prefix_len`` letters covers (partly counts)."""
    used = 0
    for count, token in enumerate(tokens.split(" ")):
        if used >= prefix_len:
            return count
        used += len(token)
    return len(tokens.split(" "))
