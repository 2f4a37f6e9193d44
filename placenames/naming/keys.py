"""Matching keys stored as indexed columns and used to find duplicates and homophones.

``name_keys`` is pure, deterministic and fast (the register computes it for every name):
pinyin of the whole name, pinyin of the specific part (专名), a fuzzy key that folds the usual
dialect confusions (z/zh, n/l, an/ang ...), the specific characters and their initials.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from placenames.naming.generics import split_name
from placenames.naming.normalize import clean_name
from placenames.naming.readings import syllables

FUZZY_PAIRS: tuple[str, ...] = (
    "z/zh", "c/ch", "s/sh", "n/l", "f/h", "r/l", "an/ang", "en/eng", "in/ing", "ian/iang",
    "uan/uang",
)  # fmt: skip
"""All confusions folded by default; pass a subset as ``fuzzy_pairs`` to fold fewer."""

_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q",
             "x", "r", "z", "c", "s", "y", "w")  # fmt: skip
_INITIAL_FOLD = {"z/zh": ("zh", "z"), "c/ch": ("ch", "c"), "s/sh": ("sh", "s"),
                 "n/l": ("n", "l"), "f/h": ("h", "f"), "r/l": ("r", "l")}  # fmt: skip
_FINAL_FOLD = {"an/ang": ("ang", "an"), "en/eng": ("eng", "en"), "in/ing": ("ing", "in"),
               "ian/iang": ("iang", "ian"), "uan/uang": ("uang", "uan")}  # fmt: skip


class NameKeys(NamedTuple):
    """Keys of one name (all lowercase ASCII; ü is written ``v``). A named tuple: a reindex
    makes one for every name of the register, at a third of a frozen dataclass's cost.

    Attributes:
        pinyin: toneless pinyin of the whole name, no spaces (changanlu).
        specific_pinyin: toneless pinyin of the specific part only (changan).
        fuzzy: ``specific_pinyin`` after folding dialect confusions (canan with all pairs).
        specific: the specific characters (长安).
        initials: first letters of the specific's syllables (ca).
        fuzzy_syllables: the folded syllables of the specific, distinct, in order
            (what the syllable index stores to find similar-sounding names).
    """

    pinyin: str
    specific_pinyin: str
    fuzzy: str
    specific: str
    initials: str
    fuzzy_syllables: tuple[str, ...] = ()


def _fold_table(pairs: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    chosen = set(pairs)
    unknown = chosen - set(FUZZY_PAIRS)
    if unknown:
        raise ValueError(f"unknown fuzzy pairs: {sorted(unknown)}")
    initials = dict(_INITIAL_FOLD[p] for p in FUZZY_PAIRS if p in chosen and p in _INITIAL_FOLD)
    finals = dict(_FINAL_FOLD[p] for p in FUZZY_PAIRS if p in chosen and p in _FINAL_FOLD)
    return initials, finals


_DEFAULT_FOLD = _fold_table(FUZZY_PAIRS)
_FOLD_CACHE: dict[tuple[str, ...], tuple[dict[str, str], dict[str, str]]] = {
    FUZZY_PAIRS: _DEFAULT_FOLD
}


def fold_syllable(syl: str, initials: dict[str, str], finals: dict[str, str]) -> str:
    """Fold one toneless syllable: its initial and its final are mapped independently."""
    if initials is _DEFAULT_FOLD[0] and finals is _DEFAULT_FOLD[1]:
        folded = _DEFAULT_FOLDED.get(syl)
        if folded is None:
            folded = _DEFAULT_FOLDED[syl] = _fold(syl, initials, finals)
        return folded
    return _fold(syl, initials, finals)


_DEFAULT_FOLDED: dict[str, str] = {}


def _fold(syl: str, initials: dict[str, str], finals: dict[str, str]) -> str:
    ini = ""
    for cand in _INITIALS:
        if syl.startswith(cand):
            ini = cand
            break
    fin = syl[len(ini) :]
    ini = initials.get(ini, ini)
    return ini + finals.get(fin, fin)


def _plain(tone3: tuple[str | None, ...], text: str) -> list[str]:
    return [s.rstrip("12345") if s else ch for s, ch in zip(tone3, text, strict=True)]


def name_keys(
    name: str,
    cls: str | None = None,
    reading: str | None = None,
    *,
    fuzzy_pairs: Iterable[str] = FUZZY_PAIRS,
) -> NameKeys:
    """Compute the matching keys of a name.

    Args:
        name: the name (cleaned first).
        cls: feature class, passed to ``split_name``.
        reading: staff reading override (see ``readings.syllables``).
        fuzzy_pairs: confusions to fold in ``fuzzy`` (subset of ``FUZZY_PAIRS``).

    Raises:
        NameInputError, ReadingError: as ``clean_name`` and ``readings.syllables``.
    """
    cleaned = clean_name(name)
    specific, _generic = split_name(cleaned, cls)
    return keys_of_reading(cleaned, syllables(cleaned, reading), specific,
                           fuzzy_pairs=fuzzy_pairs)


def keys_of_reading(cleaned: str, tone3: tuple[str | None, ...], specific: str, *,
                    fuzzy_pairs: Iterable[str] = FUZZY_PAIRS) -> NameKeys:
    """The keys of a name already cleaned, read (``readings.syllables``) and split: what
    :func:`name_keys` computes, for callers that need the reading for more than the keys."""
    n = len(specific)
    spec_pinyin, fuzzy, initials, fuzzy_syllables = _specific_keys(specific, tone3[:n],
                                                                  tuple(fuzzy_pairs))
    rest = _rest_pinyin(cleaned[n:], tone3[n:]) if n < len(cleaned) else ""
    return NameKeys(
        pinyin=spec_pinyin + rest,
        specific_pinyin=spec_pinyin,
        fuzzy=fuzzy,
        specific=specific,
        initials=initials,
        fuzzy_syllables=fuzzy_syllables,
    )


@lru_cache(maxsize=8192)
def _rest_pinyin(generic: str, tone3: tuple[str | None, ...]) -> str:
    return "".join(_plain(tone3, generic))


@lru_cache(maxsize=32768)
def _specific_keys(specific: str, tone3: tuple[str | None, ...], pairs: tuple[str, ...]
                   ) -> tuple[str, str, str, tuple[str, ...]]:
    """The keys of a 专名 read as ``tone3``: its pinyin, fuzzy key, initials and folded
    syllables (specifics recur across a register: each is worked out once)."""
    spec = _plain(tone3, specific)
    fold = _FOLD_CACHE.get(pairs)
    if fold is None:
        fold = _FOLD_CACHE.setdefault(pairs, _fold_table(pairs))
    folded = [fold_syllable(s, *fold) for s in spec]
    return ("".join(spec), "".join(folded), "".join(s[:1] for s in spec),
            tuple(dict.fromkeys(s for s in folded if s)))


def index_terms(keys: NameKeys) -> tuple[str, ...]:
    """What a stored name puts in the similarity index: its folded 专名 syllables, and a
    head term (first letter + length of the 专名 pinyin, ``^x6``) that catches similar
    spellings whose syllables split differently (xigang / xingyang)."""
    sp = keys.specific_pinyin
    head = (f"^{sp[0]}{len(sp)}",) if sp else ()
    return keys.fuzzy_syllables + head


def probe_terms(keys: NameKeys, threshold: float) -> tuple[str, ...]:
    """The index terms to look up for names whose 专名 pinyin may reach ``threshold``
    (rapidfuzz ratio, 0-100) against this one: its syllables, and head terms for every
    length the ratio allows (|a - b| ≤ (1 - t)(a + b))."""
    sp = keys.specific_pinyin
    if not sp:
        return keys.fuzzy_syllables
    t = threshold / 100
    n = len(sp)
    low, high = math.ceil(n * t / (2 - t)), math.floor(n * (2 - t) / t)
    return keys.fuzzy_syllables + tuple(f"^{sp[0]}{m}" for m in range(max(1, low), high + 1))
