"""Readings (读音) of names, word by word: the place-name lexicon on top of pypinyin's dictionary.

A character's reading depends on the word it belongs to (长安 cháng, 市长 zhǎng; 都城 dū, 全都
dōu), so a name is first cut into words and each word is read as a whole:

* the words are those of the active lexicon (``data/readings.tsv`` and the office's additions;
  see ``lexicon``), the generics (``data/generics.tsv``) and pypinyin's phrase dictionary
  (read only: pypinyin's global dictionaries are never modified, so importing this module
  changes nothing for other users of pypinyin);
* the specific is first cut into its parts (at the generics it contains: 林甸县|长青林场, so
  县长 "county head" is no word there; see ``generics.specific_parts``); each part is cut into
  the fewest words; among those, the cut with most characters read by the lexicon (江西|乐平,
  not 江|西乐|平), then the one whose words start longest from the left (中华|山|路: 中华 is a
  word, and 华山's reading huà does not leak into it). Where the lexicon and pypinyin both know
  the same stretch, the lexicon's reading wins;
* a lexicon entry marked as a place's own name (=六合 lù) counts only where it begins a part of
  the specific and nothing but a generic follows it (六合区, 六合路; not 六合窑巷, where 六合 is
  the common word liùhé);
* a character that no word covers takes the lexicon's one-character default (都 dū, 长 cháng,
  铺 pù, as place names read them), else pypinyin's first reading.

The generic part (通名) takes the reading the generics table gives it. Syllables are handled in
"tone3" form (``chang2``, ``lv4``; 5 = neutral tone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
from pypinyin.contrib.tone_convert import to_normal, to_tone3

from placenames.naming import lexicon as lex
from placenames.naming.errors import ReadingError
from placenames.naming.normalize import clean_name, is_han

Kind = str
"""How a segment was read: ``lexicon``, ``own_name``, ``generic``, ``phrase`` (pypinyin's
phrase dictionary), ``char_lexicon`` (a one-character lexicon default), ``char`` (pypinyin's
default) or ``other`` (not Han)."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A word of a name as it was read: characters ``start:end`` and their syllables."""

    start: int
    end: int
    text: str
    syllables: tuple[str | None, ...]
    kind: Kind


def lexicon() -> dict[str, tuple[str, ...]]:
    """The active word lexicon: word -> tone3 syllables (place-own names excluded)."""
    return dict(lex.active().readings)


@cache
def valid_syllables() -> frozenset[str]:
    """Return every toneless pinyin syllable (``v`` for ü) that pypinyin knows a character for."""
    out: set[str] = set()
    for readings in PINYIN_DICT.values():
        for item in readings.split(","):
            out.add(to_normal(item, v_to_u=False))
    out.discard("")
    return frozenset(s for s in out if s.isascii() and s.isalpha())


def _tone3(item: str) -> str | None:
    syl = to_tone3(item, v_to_u=False, neutral_tone_with_five=True)
    return syl if syl.isascii() and syl[:1].isalpha() else None


_CHAR: dict[str, str | None] = {}
_PHRASE: dict[str, tuple[str, ...] | None] = {}
_PHRASE_FIRST: dict[str, int] = {}
for _w in PHRASES_DICT:
    if len(_w) > _PHRASE_FIRST.get(_w[0], 0):
        _PHRASE_FIRST[_w[0]] = len(_w)


def char_reading(ch: str) -> str | None:
    """pypinyin's first (default) reading of a character, tone3; None when it has none."""
    try:
        return _CHAR[ch]
    except KeyError:
        raw = PINYIN_DICT.get(ord(ch))
        syl = _tone3(raw.split(",")[0]) if raw else None
        _CHAR[ch] = syl
        return syl


def char_readings(ch: str) -> tuple[str, ...]:
    """Every reading pypinyin lists for a character, tone3, in its order."""
    raw = PINYIN_DICT.get(ord(ch))
    if not raw:
        return ()
    return tuple(s for s in (_tone3(x) for x in raw.split(",")) if s)


def phrase_reading(word: str) -> tuple[str, ...] | None:
    """The reading pypinyin's phrase dictionary gives a word (its first reading per character)."""
    raw = PHRASES_DICT.get(word)
    if not raw:  # most windows of a name are no phrase: nothing to keep for them
        return None
    try:
        return _PHRASE[word]
    except KeyError:
        sylls: tuple[str, ...] | None = tuple(_tone3(items[0]) or "" for items in raw)
        if sylls is not None and (len(sylls) != len(word) or not all(sylls)):
            sylls = None
        _PHRASE[word] = sylls
        return sylls


def phrase_alternatives(word: str, k: int) -> tuple[str, ...]:
    """The readings pypinyin's phrase dictionary lists for character ``k`` of ``word``."""
    raw = PHRASES_DICT.get(word)
    if not raw or k >= len(raw):
        return ()
    return tuple(s for s in (_tone3(x) for x in raw[k]) if s)


_CHAR_READ: dict[str, tuple[str | None, Kind]] = {}


def _char(ch: str) -> tuple[str | None, Kind]:
    """The reading of a character no word covers: the lexicon's default, else pypinyin's."""
    try:
        return _CHAR_READ[ch]
    except KeyError:
        sylls = lex.active().readings.get(ch)
        found = (sylls[0], "char_lexicon") if sylls is not None else (char_reading(ch), "char")
        _CHAR_READ[ch] = found
        return found


def _generic_tail(text: str) -> bool:
    """True if ``text`` is a generic, maybe after section words (路, 东路, 南小街)."""
    generics = lex.active().generics
    return any(text[k:] in generics for k in range(min(len(text), 3)))


# a choice at position i: (words to the end, -characters read by the lexicon, end of the first
# word, its reading or None for a single character, kind)
_Choice = tuple[int, int, int, tuple[str, ...] | None, Kind]


def _segment_run(run: str, offset: int, unit: bool, tail: str = "") -> list[Segment]:
    """Cut a run of Han characters into words and read them: fewest words; among those, most
    characters read by the lexicon; then the longest first word.

    ``unit`` says the run is a whole part of a specific: a place's own name (=六合) may then be
    its first word if nothing but a generic follows it (六合, 六合路; not 六合窑). ``tail`` is
    the generic that follows the run: a lexicon word may end with it (单县 shàn, 十里堡 pù),
    taking the generic's reading with it; nothing else crosses into it.
    """
    n = len(run)
    active = lex.active()
    first, readings, own_names = active.first_chars, active.readings, active.own_names
    generics = active.generics
    best: list[_Choice] = [(1 if tail else 0, 0, n, None, "")] * (n + 1)
    for i in range(n - 1, -1, -1):
        nxt = best[i + 1]
        choice: _Choice = (nxt[0] + 1, nxt[1], i + 1, None, "char")
        if tail:
            crossing = run[i:] + tail
            sylls = readings.get(crossing)
            kind: Kind = "lexicon"
            if sylls is None and unit and i == 0:
                sylls, kind = own_names.get(crossing), "own_name"
            if sylls is not None:
                choice = (1, -len(crossing), n + len(tail), sylls, kind)
        ch = run[i]
        window = max(first.get(ch, 1), _PHRASE_FIRST.get(ch, 1))
        for j in range(min(n, i + window), i + 1, -1):
            word = run[i:j]
            sylls = readings.get(word)
            if sylls is not None:
                kind, lexical = "lexicon", j - i
            elif unit and i == 0 and word in own_names and (j == n or _generic_tail(run[j:])):
                sylls, kind, lexical = own_names[word], "own_name", j - i
            else:
                generic = generics.get(word)
                if generic is not None:
                    sylls, kind, lexical = generic.syllables, "generic", 0
                else:
                    sylls = phrase_reading(word)
                    if sylls is None:
                        continue
                    kind, lexical = "phrase", 0
            rest = best[j]
            candidate: _Choice = (rest[0] + 1, rest[1] - lexical, j, sylls, kind)
            if candidate[:2] < choice[:2] or candidate[:2] == choice[:2] and choice[3] is None:
                choice = candidate
        best[i] = choice
    out: list[Segment] = []
    i = 0
    while i < n:
        j, sylls, kind = best[i][2:]
        if sylls is None:
            syl, kind = _char(run[i])
            out.append(Segment(offset + i, offset + j, run[i], (syl,), kind))
        else:
            out.append(Segment(offset + i, offset + j, (run + tail)[i:j], sylls, kind))
        i = j
    return out


_COMMON_HAN = re.compile("[\u4e00-\u9fff\u3007]+")


def _segment_text(text: str, offset: int, unit: bool, tail: str = "") -> list[Segment]:
    if _COMMON_HAN.fullmatch(text):  # one run of Han characters: the usual case
        return _segment_run(text, offset, unit, tail)
    out: list[Segment] = []
    start = 0
    for k, ch in enumerate(text + "\0"):
        if k == len(text) or not is_han(ch):
            if k > start:
                run_unit = unit and start == 0
                run_tail = tail if k == len(text) else ""
                out.extend(_segment_run(text[start:k], offset + start, run_unit, run_tail))
            if k < len(text):
                out.append(Segment(offset + k, offset + k + 1, ch, (None,), "other"))
            start = k + 1
    return out


def _generic_segments(generic: str, offset: int) -> list[Segment]:
    """The generic part: its table reading, after a prefix (section word, ethnic name) read as
    words."""
    generics = lex.active().generics
    for k in range(len(generic)):
        entry = generics.get(generic[k:])
        if entry is not None:
            head = _segment_text(generic[:k], offset, False) if k else []
            return [*head, Segment(offset + k, offset + len(generic), generic[k:],
                                   entry.syllables, "generic")]
    return _segment_text(generic, offset, False)


@lru_cache(maxsize=65536)
def segments(name: str) -> tuple[Segment, ...]:
    """The words of a cleaned name as read by default: the words of each part of the specific
    (see ``generics.specific_parts``), then the generic."""
    from placenames.naming.generics import split_name  # generics imports nothing from here

    specific, generic = split_name(name)
    if not generic:
        return _specific_segments(name, "")
    head = _specific_segments(specific, _tail(generic))
    if _took_generic(head, specific):
        return head
    return (*head, *_generic_segments(generic, len(specific)))


def _tail(generic: str) -> str:
    """What the specific is read with: the generic if a lexicon word may take it (单县), else
    nothing (the specific's words then do not depend on the generic)."""
    return generic if generic in lex.active().word_tails else ""


def _took_generic(head: tuple[Segment, ...], specific: str) -> bool:
    """Whether a lexicon word of the specific's segments ``head`` took the generic too."""
    return bool(head) and head[-1].end > len(specific)


@lru_cache(maxsize=131072)
def _specific_segments(specific: str, generic: str) -> tuple[Segment, ...]:
    from placenames.naming.generics import specific_parts

    parts = specific_parts(specific)
    out: list[Segment] = []
    for a, b, _area in parts:
        tail = generic if b == len(specific) else ""
        out.extend(_segment_text(specific[a:b], a, True, tail))
    return tuple(out)


def _default_reading(name: str) -> tuple[str | None, ...]:
    """The syllables of :func:`segments`, from the reading of the specific and the generic
    (each recurs across a register, and is read once), not the name's own segments."""
    from placenames.naming.generics import split_name

    return _split_reading(*split_name(name))


def _split_reading(specific: str, generic: str) -> tuple[str | None, ...]:
    if not generic:  # the specific is the whole name
        return _specific_syllables(specific, "")[0]
    head, took_generic = _specific_syllables(specific, _tail(generic))
    return head if took_generic else head + _generic_syllables(generic)


@lru_cache(maxsize=32768)
def _specific_syllables(specific: str, generic: str) -> tuple[tuple[str | None, ...], bool]:
    """The syllables of ``_specific_segments``, and whether a lexicon word took the generic."""
    segs = _specific_segments(specific, generic)
    return tuple(s for seg in segs for s in seg.syllables), _took_generic(segs, specific)


@lru_cache(maxsize=8192)
def _generic_syllables(generic: str) -> tuple[str | None, ...]:
    return tuple(s for seg in _generic_segments(generic, 0) for s in seg.syllables)


def _parse_override(name: str, reading: str) -> tuple[str | None, ...]:
    han = [ch for ch in name if is_han(ch)]
    raw = reading.replace("'", " ").replace("’", " ").replace("-", " ").split()
    if len(raw) != len(han):
        raise ReadingError(
            "reading_count",
            f"读音音节数（{len(raw)}）与名称汉字数（{len(han)}）不一致。",
            f"The reading has {len(raw)} syllables but the name has {len(han)} Chinese characters.",
        )
    default = [s for s in _default_reading(name) if s is not None] if han else []
    sylls: list[str] = []
    for k, item in enumerate(raw):
        syl = to_tone3(item.lower().replace("u:", "v").replace("ü", "v"), v_to_u=False)
        syl = syl.replace("ü", "v")
        base = syl.rstrip("12345")
        if base not in valid_syllables() or len(syl) - len(base) > 1:
            raise ReadingError(
                "reading_syllable",
                f"“{item}”不是有效的汉语拼音音节。",
                f"{item!r} is not a valid Hanyu Pinyin syllable.",
            )
        # toneless: borrow the tone of the default reading if it agrees
        if base == syl and k < len(default) and (default[k] or "").rstrip("12345") == base:
            syl = default[k] or base
        sylls.append(syl)
    it = iter(sylls)
    return tuple(next(it) if is_han(ch) else None for ch in name)


@lru_cache(maxsize=65536)
def syllables(name: str, reading: str | None = None) -> tuple[str | None, ...]:
    """Return one tone3 syllable per character of a cleaned name (None for digits and ``·``).

    Args:
        name: a name already passed through ``clean_name``.
        reading: optional staff override, space-separated pinyin per Chinese character, toneless
            (``yue yang lu``), tone-numbered (``yue4 yang2 lu4``) or with tone marks.

    Raises:
        ReadingError: the override does not fit the name.
    """
    from placenames.naming.generics import split_name

    return split_syllables(name, *split_name(name), reading)


def split_syllables(name: str, specific: str, generic: str, reading: str | None
                    ) -> tuple[str | None, ...]:
    """:func:`syllables` of a cleaned name already split (``generics.split_name``, which
    gives ``specific`` and ``generic``): the same values, for a caller that reads each name
    once (a reindex), without the cache of whole names.

    Raises:
        ReadingError: the override does not fit the name.
    """
    if reading is not None and reading.strip():
        return _parse_override(name, reading)
    return _split_reading(specific, generic)


def reading_of(name: str, reading: str | None = None) -> list[str]:
    """Return the toneless pinyin syllables of the Chinese characters of ``name``.

    ü is written ``ü`` (lü); characters without any known reading are returned unchanged.

    Raises:
        NameInputError: the name is not acceptable (see ``clean_name``).
        ReadingError: the override does not fit the name.
    """
    cleaned = clean_name(name)
    out: list[str] = []
    for ch, syl in zip(cleaned, syllables(cleaned, reading), strict=True):
        if syl is not None:
            out.append(syl.rstrip("12345").replace("v", "ü"))
        elif is_han(ch):
            out.append(ch)
    return out


lex.register_cache(segments.cache_clear)
lex.register_cache(_CHAR_READ.clear)
lex.register_cache(_specific_segments.cache_clear)
lex.register_cache(syllables.cache_clear)
lex.register_cache(_specific_syllables.cache_clear)
lex.register_cache(_generic_syllables.cache_clear)
