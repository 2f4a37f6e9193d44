"""Rules a proposed name must pass (地名管理条例 2022 art. 9; 实施办法 2024): ``check_name``.

Each rule returns ``Finding`` objects with a severity: ``block`` (the name cannot go forward),
``warn`` (staff must look and decide) or ``info``. ``check_name`` never raises on bad text: an
unacceptable input becomes a blocking finding.

Generic-versus-class policy: a generic that implies another class is a ``block`` when the class
is a road class (road/street/lane/avenue) and the generic is not a road generic (长安小区 named as
a road), and a ``warn`` otherwise; a generic of the same family (路 for a street) passes. A name
with no known generic is a ``warn``.

Office word lists (``load_lexicons``) are plain text files, one entry a line, ``#`` comments,
``re:PATTERN`` for a regular expression, ``!word`` in an office file to drop a default entry.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pypinyin.constants import PHRASES_DICT

from placenames.naming import lexicon as lexicon_module
from placenames.naming.charset import char_tier, standard_form, tiers, variants
from placenames.naming.errors import NameInputError, NamingError
from placenames.naming.generics import CLASSES, ROAD_CLASSES, generic_class, split_name
from placenames.naming.normalize import clean_name, is_han
from placenames.naming.readings import (
    Segment,
    char_reading,
    phrase_alternatives,
    segments,
    syllables,
)

Severity = Literal["block", "warn", "info"]
SEVERITY_ORDER: dict[str, int] = {"block": 0, "warn": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One result of a rule.

    Attributes:
        code: stable machine code (e.g. ``char_not_in_table``).
        severity: ``block``, ``warn`` or ``info``.
        message_zh: message for users, in Chinese.
        message_en: the same in English.
        detail: machine-readable facts (the character, the suggestion, the matched word...).
    """

    code: str
    severity: Severity
    message_zh: str
    message_en: str
    detail: Mapping[str, Any] = field(default_factory=dict)


LEXICON_KINDS: dict[str, tuple[Severity, str, str]] = {
    "leaders": ("block", "国家领导人姓名", "the name of a state leader"),
    "personal_names": ("warn", "人名", "a personal name"),
    "enterprises": ("block", "企业名称或商标", "an enterprise name or trademark"),
    "foreign_places": ("block", "外国地名或人名", "a foreign place or personal name"),
    "discouraged": ("warn", "不宜使用的词语", "a discouraged word"),
}
"""Lexicon kind -> (severity, description zh, description en). File: ``lexicon_<kind>.txt``."""


@dataclass(frozen=True)
class Lexicons:
    """Word lists by kind: plain words (matched as substrings) and compiled patterns."""

    words: Mapping[str, frozenset[str]]
    patterns: Mapping[str, tuple[re.Pattern[str], ...]]


def _parse_list(text: str, words: set[str], patterns: list[str]) -> None:
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("re:"):
            patterns.append(line[3:])
        elif line.startswith("!"):
            words.discard(line[1:].strip())
            if line[1:].startswith("re:") and line[4:] in patterns:
                patterns.remove(line[4:])
        else:
            words.add(line)


def load_lexicons(directory: Path | None = None) -> Lexicons:
    """Load the default word lists and overlay an office's directory on them.

    For each kind, ``lexicon_<kind>.txt`` in ``directory`` (when it exists) adds entries to the
    packaged defaults; a line ``!word`` removes a default entry.

    Raises:
        NameInputError: a ``re:`` pattern does not compile (code ``bad_lexicon_pattern``).
    """
    words: dict[str, frozenset[str]] = {}
    patterns: dict[str, tuple[re.Pattern[str], ...]] = {}
    base = resources.files("placenames.naming").joinpath("data")
    for kind in LEXICON_KINDS:
        fname = f"lexicon_{kind}.txt"
        w: set[str] = set()
        p: list[str] = []
        _parse_list(base.joinpath(fname).read_text("utf-8"), w, p)
        if directory is not None and (directory / fname).is_file():
            _parse_list((directory / fname).read_text("utf-8"), w, p)
        try:
            patterns[kind] = tuple(re.compile(x) for x in p)
        except re.error as exc:
            raise NameInputError(
                "bad_lexicon_pattern",
                f"词表 {fname} 中的正则表达式有误：{exc}",
                f"A pattern in {fname} is not a valid regular expression: {exc}",
            ) from exc
        words[kind] = frozenset(w)
    return Lexicons(words=words, patterns=patterns)


DEFAULT_LENGTH_LIMITS: dict[str, tuple[int, int]] = {
    "road": (10, 16), "street": (10, 16), "lane": (10, 16), "avenue": (10, 16),
    "bridge": (10, 16), "tunnel": (10, 16), "square": (12, 20), "park": (12, 20),
    "residential": (12, 20), "building": (12, 20), "village": (8, 12), "community": (10, 16),
    "township": (8, 12), "county": (8, 16), "prefecture": (12, 20), "city": (8, 16),
    "province": (12, 20), "island": (12, 20),
}  # fmt: skip
"""Class -> (warn above, block above) total characters; ``check_name(length_limits=...)``."""

_DEFAULT_LEXICONS: Lexicons | None = None


def _defaults() -> Lexicons:
    global _DEFAULT_LEXICONS
    if _DEFAULT_LEXICONS is None:
        _DEFAULT_LEXICONS = load_lexicons(None)
    return _DEFAULT_LEXICONS


def check_name(
    name: str,
    cls: str | None = None,
    lexicons: Lexicons | None = None,
    *,
    length_limits: Mapping[str, tuple[int, int]] | None = None,
) -> list[Finding]:
    """Check a proposed name against the naming rules.

    Args:
        name: the proposed name, raw.
        cls: the feature class, if known (see ``generics.FeatureClass``).
        lexicons: word lists from ``load_lexicons``; the packaged defaults when None.
        length_limits: class -> (warn above, block above); defaults ``DEFAULT_LENGTH_LIMITS``.

    Returns:
        Findings sorted by severity (block first); empty when the name passes every rule.
    """
    try:
        cleaned = clean_name(name)
    except NameInputError as exc:
        return [Finding(exc.code, "block", exc.message_zh, exc.message_en, {"input": str(name)})]
    findings: list[Finding] = []
    if cls is not None and cls not in CLASSES:
        findings.append(Finding("unknown_class", "warn", f"未知的地名类别“{cls}”。",
                                f"Unknown feature class {cls!r}.", {"cls": cls}))  # fmt: skip
    findings += _characters(cleaned)
    findings += _lexicon_hits(cleaned, lexicons or _defaults())
    findings += _generic(cleaned, cls)
    findings += _length(cleaned, cls, length_limits or DEFAULT_LENGTH_LIMITS)
    findings += _polyphones(cleaned)
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])


def _characters(name: str) -> list[Finding]:
    out: list[Finding] = []
    for ch in dict.fromkeys(name):
        if not is_han(ch):
            if ch.isdigit():
                out.append(Finding(
                    "arabic_digit", "warn", f"标准名称中的数字一般用汉字书写（“{ch}”）。",
                    f"Numbers in a standard name are normally written in Chinese ({ch!r}).",
                    {"char": ch}))  # fmt: skip
            continue
        tier = char_tier(ch)
        if tier is None:
            suggestion = standard_form(ch)
            if suggestion is not None:
                out.append(Finding(
                    "traditional_variant", "block",
                    f"“{ch}”是繁体字或异体字，应使用规范字“{suggestion}”。",
                    f"{ch!r} is a traditional or variant form; use the standard {suggestion!r}.",
                    {"char": ch, "suggestion": suggestion,
                     "suggested_name": name.replace(ch, suggestion)}))  # fmt: skip
            else:
                out.append(Finding(
                    "char_not_in_table", "block", f"“{ch}”不在《通用规范汉字表》中。",
                    f"{ch!r} is not in the Table of General Standard Chinese Characters.",
                    {"char": ch, "codepoint": f"U+{ord(ch):04X}"}))  # fmt: skip
        elif tier == 3:
            out.append(Finding(
                "rare_char", "warn", f"“{ch}”是《通用规范汉字表》三级字（生僻字），宜避免。",
                f"{ch!r} is a tier-3 (rare) character of the table; avoid it if possible.",
                {"char": ch, "tier": 3}))  # fmt: skip
        elif tier == 2:
            out.append(Finding(
                "tier2_char", "info", f"“{ch}”是《通用规范汉字表》二级字。",
                f"{ch!r} is a tier-2 character of the table.",
                {"char": ch, "tier": 2}))  # fmt: skip
    return out


def _lexicon_hits(name: str, lexicons: Lexicons) -> list[Finding]:
    out: list[Finding] = []
    for kind, (severity, zh, en) in LEXICON_KINDS.items():
        hits = sorted(w for w in lexicons.words.get(kind, ()) if w and w in name)
        hits += [p.pattern for p in lexicons.patterns.get(kind, ()) if p.fullmatch(name)]
        for word in hits:
            out.append(Finding(
                f"lexicon_{kind}", severity, f"名称含有{zh}（“{word}”）。",
                f"The name contains {en} ({word!r}).", {"kind": kind, "match": word}))  # fmt: skip
    return out


def _generic(name: str, cls: str | None) -> list[Finding]:
    specific, generic = split_name(name, cls)
    if not generic:
        if cls in (None, "village"):
            return []
        return [Finding("missing_generic", "warn", "名称没有可识别的通名。",
                        "The name has no recognised generic part (通名).", {"cls": cls})]
    if not specific:
        return [Finding("missing_specific", "block", "名称缺少专名。",
                        "The name has no specific part (专名).", {})]  # fmt: skip
    implied = generic_class(generic)
    if cls is None or implied is None or implied == cls:
        return []
    if cls in ROAD_CLASSES and implied in ROAD_CLASSES:
        return []
    severity: Severity = "block" if cls in ROAD_CLASSES else "warn"
    return [Finding(
        "generic_class_conflict", severity,
        f"通名“{generic}”表示{implied}类地名，与申报类别{cls}不符。",
        f"The generic {generic!r} implies class {implied!r}, not {cls!r}.",
        {"generic": generic, "implied": implied, "cls": cls})]  # fmt: skip


def _length(name: str, cls: str | None, limits: Mapping[str, tuple[int, int]]) -> list[Finding]:
    if cls is None or cls not in limits:
        return []
    warn_above, block_above = limits[cls]
    if len(name) > block_above:
        sev: Severity = "block"
    elif len(name) > warn_above:
        sev = "warn"
    else:
        return []
    return [Finding("too_long_for_class", sev,
                    f"名称 {len(name)} 个字，超过该类地名的长度限制"
                    f"（{warn_above}/{block_above}）。",
                    f"The name has {len(name)} characters, above the limit for class {cls!r} "
                    f"({warn_above}/{block_above}).",
                    {"length": len(name), "warn_above": warn_above, "block_above": block_above})]


def _polyphones(name: str) -> list[Finding]:
    """Notices for readings that are really open (see ``polyphone_notices``)."""
    try:
        return polyphone_notices(name)
    except NamingError:
        return []


OPEN_SHARE = 0.15
"""A reading of a character is in common use when at least this share (and three) of the words
of pypinyin's phrase dictionary that contain the character read it so."""


def polyphone_notices(name: str) -> list[Finding]:
    """Notices on the characters of a cleaned name whose reading is really open.

    The default reading of a name is settled word by word (``readings``): a lexicon word, a
    generic, a word of pypinyin's dictionary or a one-character place-name default settles its
    characters. A notice remains where:

    * ``own_name``: a place's own name of the lexicon stands inside a longer part, where it is
      read as the common word (六合窑巷: liùhé here, Lùhé as 六合区);
    * ``dictionary_readings``: pypinyin's dictionary itself gives a word several readings
      (朝阳: zhāoyáng or cháoyáng);
    * ``word_against_place_default``: a dictionary word reads a character otherwise than place
      names do (长官镇: zhǎng in 长官 "officer", cháng in place names);
    * ``open_generic``: the generic's reading is the place's own (堡: bǎo, bǔ or pù);
    * ``open_character``: a character stands alone (no word covers it, no place-name default)
      and has two readings in common use (重: zhòng or chóng).

    Only readings that change the spelling count (华 huá/huà does not). Each notice names the
    reading used, the other candidates and the evidence (the word, where its reading comes
    from, why it is open).
    """
    active = lexicon_module.active()
    out: list[Finding] = []
    seen: set[int] = set()
    for seg in segments(name):
        if seg.kind == "other":
            continue
        for k, ch in enumerate(seg.text):
            pos = seg.start + k
            syl = seg.syllables[k]
            if syl is None or pos in seen:
                continue
            found = _open_reading(seg, k, ch, syl, active)
            if found is not None:
                seen.add(pos)
                out.append(_notice(ch, syl, seg.text, seg.kind, *found))
    for word in active.own_names:
        at = name.find(word)
        if at < 0 or any(seg.kind == "own_name" and seg.start <= at < seg.end
                         for seg in segments(name)):
            continue
        own = active.own_names[word]
        used = syllables(name)[at: at + len(word)]
        for k, ch in enumerate(word):
            if at + k not in seen and (used[k] or "").rstrip("12345") != own[k].rstrip("12345"):
                seen.add(at + k)
                out.append(_notice(ch, used[k] or "", word, "own_name", "own_name",
                                   (own[k],)))
    return out


def _toneless(syl: str) -> str:
    return syl.rstrip("12345")


def _open_reading(seg: Segment, k: int, ch: str, syl: str, active: lexicon_module.Lexicon
                  ) -> tuple[str, tuple[str, ...]] | None:
    """(reason, other readings) if the reading of character ``k`` of ``seg`` is open."""
    base = _toneless(syl)
    if seg.kind in ("lexicon", "own_name", "char_lexicon"):
        return None
    if seg.kind == "generic":
        entry = active.generics.get(seg.text)
        others = tuple(o for o in entry.open_readings[k] if _toneless(o) != base) \
            if entry is not None and k < len(entry.open_readings) else ()
        return ("open_generic", others) if others else None
    if seg.kind == "phrase":
        alts = tuple(a for a in phrase_alternatives(seg.text, k) if _toneless(a) != base)
        if alts:
            return "dictionary_readings", alts
        default = active.readings.get(ch)
        if default is not None and _toneless(default[0]) != base:
            return "word_against_place_default", default
        return None
    others = tuple(r for r in common_readings(ch) if r != base)
    return ("open_character", others) if others else None


_MARKS = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ", "aaaaeeeeiiiioooouuuuvvvvvnnnm")


def warm_up() -> None:
    """Read now the tables the rules read on first use: the character tiers and variants, the
    active lexicon and the phrase index of the polyphone notices (about 0.1 s, the first name
    with an open character paid it). A server calls this as it starts (``serve``)."""
    tiers()
    variants()
    lexicon_module.active()
    _phrase_index()


@cache
def _phrase_index() -> dict[str, list[tuple[str, int]]]:
    """Character -> (word, position) for every word of pypinyin's phrase dictionary."""
    index: dict[str, list[tuple[str, int]]] = {}
    for word in PHRASES_DICT:
        for k, ch in enumerate(word):
            index.setdefault(ch, []).append((word, k))
    return index


def _phrase_counts(ch: str) -> Counter[str]:
    """How many words of pypinyin's phrase dictionary read ``ch`` each (toneless) way."""
    counts: Counter[str] = Counter()
    for word, k in _phrase_index().get(ch, ()):
        items = PHRASES_DICT[word]
        if len(items) == len(word):
            counts[items[k][0].translate(_MARKS)] += 1
    return counts


@cache
def common_readings(ch: str) -> tuple[str, ...]:
    """The toneless readings of a character in common use: its default, and every reading that
    at least ``OPEN_SHARE`` (and three) of the dictionary's words with it use."""
    default = char_reading(ch)
    out = [_toneless(default)] if default else []
    counts = _phrase_counts(ch)
    total = sum(counts.values())
    for reading, count in counts.most_common():
        if reading not in out and count >= 3 and count >= OPEN_SHARE * total:
            out.append(reading)
    return tuple(out)


_REASONS: dict[str, tuple[str, str]] = {
    "own_name": ("“{word}”读作{own}时是地名本名（如{word}区），此处按普通词读作{used}",
                 "{word!r} reads {own} as a place's own name (e.g. {word}区) but is read as the "
                 "common word here ({used})"),
    "dictionary_readings": ("词典中“{word}”有多种读音", "the dictionary gives {word!r} several "
                            "readings"),
    "word_against_place_default": ("词语“{word}”中读作{used}，地名中该字通常读作{own}",
                                   "read {used} in the word {word!r}, while place names "
                                   "usually read it {own}"),
    "open_generic": ("通名“{word}”的读音随地而异", "the generic {word!r} is read as each place "
                     "reads it"),
    "open_character": ("“{ch}”单独成字，常用读音不止一个", "{ch!r} stands alone and has more "
                       "than one reading in common use"),
}


def _notice(ch: str, used: str, word: str, kind: str, reason: str,
            others: tuple[str, ...]) -> Finding:
    plain_used = _toneless(used)
    candidates = [plain_used, *dict.fromkeys(_toneless(o) for o in others
                                            if _toneless(o) != plain_used)]
    own = "/".join(candidates[1:])
    zh, en = _REASONS[reason]
    fmt = {"word": word, "ch": ch, "used": plain_used, "own": own}
    return Finding(
        "polyphone", "info",
        f"“{ch}”读作 {plain_used}，也可读 {own}：{zh.format(**fmt)}。请确认读音。",
        f"{ch!r} is read {plain_used}; it may also be {own}: {en.format(**fmt)}. "
        "Confirm the reading.",
        {"char": ch, "reading": plain_used, "readings": candidates, "word": word,
         "source": kind, "reason": reason})
