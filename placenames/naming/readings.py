"""Readings (读音) of names: the place-name polyphone lexicon on top of pypinyin.

Place names keep old or local readings that general-purpose tools get wrong (六安 Lù'ān,
栎阳 Yuèyáng, 秦都 Qíndū, 长子 Zhǎngzǐ). ``data/readings.tsv`` lists such words; matching is
word-level, longest lexicon match first, and the text between matches goes to pypinyin's own
phrase segmentation. pypinyin's global dictionaries are never modified: the lexicon is applied
here, locally, so importing this module changes nothing for other users of pypinyin.

Syllables are handled in "tone3" form internally (``chang2``, ``lv4``; 5 = neutral tone).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PINYIN_DICT
from pypinyin.contrib.tone_convert import to_normal, to_tone3

from placenames.naming.errors import ReadingError
from placenames.naming.normalize import clean_name, is_han


@cache
def lexicon() -> dict[str, tuple[str, ...]]:
    """Return the packaged word lexicon: word -> tone3 syllables (one per character)."""
    text = resources.files("placenames.naming").joinpath("data/readings.tsv").read_text("utf-8")
    return parse_lexicon(text)


def parse_lexicon(text: str) -> dict[str, tuple[str, ...]]:
    """Parse lexicon text (``word<TAB>syllables``, ``#`` comments); skip malformed lines."""
    words: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "\t" not in line:
            continue
        word, _, reading = line.partition("\t")
        sylls = tuple(reading.split())
        if len(sylls) == len(word) and all(_TONE3.fullmatch(s) for s in sylls):
            words[word] = sylls
    return words


_TONE3 = re.compile(r"[a-z]+[1-5]?")


@cache
def valid_syllables() -> frozenset[str]:
    """Return every toneless pinyin syllable (``v`` for ü) that pypinyin knows a character for."""
    out: set[str] = set()
    for readings in PINYIN_DICT.values():
        for item in readings.split(","):
            out.add(to_normal(item, v_to_u=False))
    out.discard("")
    return frozenset(s for s in out if s.isascii() and s.isalpha())


@lru_cache(maxsize=65536)
def _run_reading(run: str) -> tuple[str | None, ...]:
    items = lazy_pinyin(run, style=Style.TONE3, neutral_tone_with_five=True)
    if len(items) != len(run):
        items = [lazy_pinyin(ch, style=Style.TONE3, neutral_tone_with_five=True)[0] for ch in run]
    return tuple(s if s.isascii() and s[:1].isalpha() else None for s in items)


@cache
def _longest_word() -> int:
    return max((len(w) for w in lexicon()), default=1)


@lru_cache(maxsize=65536)
def _default_reading(text: str) -> tuple[str | None, ...]:
    """Tone3 syllable per character of ``text`` (None for non-Han characters or unknown ones)."""
    words = lexicon()
    longest = _longest_word()
    out: list[str | None] = []
    run_start = 0
    i = 0
    n = len(text)

    def flush(end: int) -> None:
        seg = text[run_start:end]
        start = 0
        for k, ch in enumerate(seg + "\0"):
            if k == len(seg) or not is_han(ch):
                if k > start:
                    out.extend(_run_reading(seg[start:k]))
                if k < len(seg):
                    out.append(None)
                start = k + 1

    while i < n:
        for size in range(min(longest, n - i), 0, -1):
            sylls = words.get(text[i : i + size])
            if sylls is not None:
                flush(i)
                out.extend(sylls)
                i += size
                run_start = i
                break
        else:
            i += 1
    flush(n)
    return tuple(out)


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
    if reading is not None and reading.strip():
        return _parse_override(name, reading)
    return _default_reading(name)


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
