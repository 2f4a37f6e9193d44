"""Romanization (罗马字母拼写) of standard names.

By GB/T 16159-2012 (汉语拼音正词法基本规则) and the rules it refers to for Chinese place
names, 中国地名汉语拼音字母拼写规则（汉语地名部分）(中国地名委员会等, (84)中地字第17号, cited
"1984规则 n" below). Rules applied, in order:

* specific part (专名) and generic part (通名) are written separately, each capitalized
  (1984规则 1): 长安路 -> Chang'an Lu, 天章大道 -> Tianzhang Dadao; a generic of several
  syllables is one word (Dadao), a compound generic is written as the words it is made of
  (回族区 -> Huizu Qu; see ``data/generics.tsv``);
* one-syllable modifiers join their part, modifiers of two syllables or more stand apart
  (1984规则 2): positional words stay with the specific (朝阳门内大街 -> Chaoyangmennei Dajie),
  section words join the generic (长安南路 -> Chang'an Nanlu, 修文西小巷 -> Xiuwen Xixiaoxiang),
  a leading direction is part of the specific (西长安街 -> Xichang'an Jie);
* a specific that contains generics or management-area names is written as the words it is
  made of (1984规则 4, 通名已专化的按专名处理: 解放路/南小街, 包头/胡同/东巷; 1984规则 14,
  names of buildings and units: 北京/工人/体育馆, 郑州/市/玻璃厂): a one-syllable generic inside
  the specific joins what precedes it (解放路南小街 -> Jiefanglu Nanxiaojie, 太华路街道 ->
  Taihualu Jiedao); a generic of two syllables or more inside it, and a management-area name
  (``words.tsv``, kind ``area``), stand as words of their own (秦汉新城市民中心 -> Qinhan
  Xincheng Shimin Zhongxin; 长安花园路 -> Chang'an Huayuan Lu). The specific is not cut
  elsewhere: without a generic inside, it is one word (龙首村 -> Longshoucun, 朝阳门内);
* ordinal numbers ending the specific of a road, street, lane or bridge are Arabic numerals
  written apart (1984规则 7): 经五路 -> Jing 5 Lu, 纬二十六街 -> Wei 26 Jie (a specific that is
  only a number keeps its pinyin: 五一路 -> Wuyi Lu, 1984规则 6);
* villages, and every name whose generic is one of 村 庄 堡 营 寨 屯 铺 (the generic has become
  part of the name), are one word (1984规则 3): 王村 -> Wangcun, 张家堡 -> Zhangjiabu;
* administrative units keep the generic apart: 西安市 -> Xi'an Shi, 鄠邑区 -> Huyi Qu;
  autonomous areas follow the usage of the GB/T 2260 lists as libaddressinput publishes them:
  an autonomous region keeps its ethnic part in the generic word (宁夏回族自治区 -> Ningxia
  Huizuzizhiqu), an autonomous prefecture, county or banner is written with the short generic
  (大理白族自治州 -> Dali Zhou, 乐东黎族自治县 -> Ledong Xian); ethnic districts and townships
  keep the ethnic name as a word (顺河回族区 -> Shunhe Huizu Qu);
* apostrophe (隔音符号) before a syllable starting with a, o or e that is not first in its word
  (1984规则 11);
* names from minority languages use their official transcription, and a few Chinese names a
  conventional spelling (``data/romanization_exceptions.tsv``: 呼和浩特市 -> Hohhot Shi, 陕西省
  -> Shaanxi Sheng). A transcription holds for the place itself (呼和浩特, 呼和浩特市), not for a
  road or building named after it, which is a Chinese name written in Hanyu Pinyin (呼和浩特路
  -> Huhehaote Lu); a conventional spelling holds everywhere (陕西北路 -> Shaanxi Beilu).

Styles: ``standard`` (no tones), ``tone`` (tone marks), ``sign`` (capitals without tones, the
apostrophe kept: CHANG'AN LU), ``pinyin`` (the plain Hanyu Pinyin form national lists also
give: every character spelled in pinyin, no transcription or conventional spelling, the
autonomous generic in full with each ethnic name a word: 呼和浩特市 -> Huhehaote Shi, 陕西省 ->
Shanxi Sheng — Hanyu Pinyin tells 陕西 from 山西 only by its tones, Shǎnxī / Shānxī, which is why
the standard form is Shaanxi —, 大理白族自治州 -> Dali Baizu Zizhizhou, 宁夏回族自治区 ->
Ningxia Huizu Zizhiqu).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Literal

from pypinyin.contrib.tone_convert import to_tone

from placenames.naming import lexicon as lex
from placenames.naming.errors import NameInputError
from placenames.naming.generics import (
    ADMIN_CLASSES,
    ETHNIC_GROUPS,
    ROAD_CLASSES,
    VILLAGE_GENERICS,
    generic_class,
    specific_parts,
    split_name,
)
from placenames.naming.normalize import MIDDLE_DOT, clean_name, is_han
from placenames.naming.readings import syllables
from placenames.numerals import DIGITS, UNITS, chinese_number

Style = Literal["standard", "tone", "sign", "pinyin"]
STYLES: tuple[str, ...] = ("standard", "tone", "sign", "pinyin")

_SHORT_AUTONOMOUS = {"自治州": "州", "自治县": "县", "自治旗": "旗"}


def exceptions() -> dict[str, str]:
    """The active minority-language / conventional romanizations: name -> spelling."""
    return {k: v.spelling for k, v in lex.active().exceptions.items()}


NUMERAL_WORDS = frozenset({
    "统一", "唯一", "万一", "同一", "专一", "单一", "合一", "划一", "归一", "如一", "天一", "太一",
    "守一", "致一", "初一", "逐一", "之一", "不一", "独一", "均一", "齐一", "第一", "三三", "十八",
    "丈八",
})
"""Words ending in a numeral that are not ordinals (统一路 is Tongyi Lu, not Tong 1 Lu)."""


def _split_ordinal(specific: str) -> tuple[str, int | None]:
    """Split a trailing ordinal off a specific: 经五 -> ("经", 5), 纬二十六 -> ("纬", 26),
    丈八一 -> ("丈八", 1); none for 五一 (a date name), 统一 or 丈八 (words) or 第一."""
    k = len(specific)
    while k > 0 and (specific[k - 1] in DIGITS or specific[k - 1] in UNITS
                     or specific[k - 1].isdigit()):  # fmt: skip
        k -= 1
    head, tail = specific[:k], specific[k:]
    if head and len(tail) > 1 and all(ch in DIGITS for ch in tail):
        # ordinals of roads are written with units (二十六); a run of bare digits is part of
        # the name but for its last digit (丈八一 -> 丈八 + 一)
        head, tail = specific[:-1], specific[-1]
    if not head or not tail or not is_han(head[-1]) or head[-1] == "第" or \
            head[-1] + tail[0] in NUMERAL_WORDS:
        return specific, None
    return head, chinese_number(tail)


def _render(syl: str, style: Style) -> str:
    if style == "tone":
        return to_tone(syl).replace("v", "ü")
    return syl.rstrip("12345").replace("v", "ü")


def _word(sylls: list[str], style: Style) -> str:
    parts: list[str] = []
    for k, syl in enumerate(sylls):
        text = _render(syl, style)
        if k and text[:1] in "aoeāáǎàōóǒòēéěè":
            parts.append("'")
        parts.append(text)
    word = "".join(parts)
    return word[:1].upper() + word[1:]


@lru_cache(maxsize=32768)
def _words_of(text: str, tone3: tuple[str | None, ...], style: Style) -> tuple[str, ...]:
    """Render a stretch of the name as words: Han syllables join, digits and ``·`` split."""
    words: list[str] = []
    current: list[str] = []
    for ch, syl in zip(text, tone3, strict=True):
        if syl is not None:
            current.append(syl)
            continue
        if current:
            words.append(_word(current, style))
            current = []
        if ch.isdigit():
            if words and words[-1].isdigit():
                words[-1] += ch
            else:
                words.append(ch)
        elif ch != MIDDLE_DOT:
            raise NameInputError(
                "no_reading",
                f"无法确定“{ch}”的读音，请人工填写读音。",
                f"No reading is known for {ch!r}; please enter the reading by hand.",
            )
    if current:
        words.append(_word(current, style))
    return tuple(words)


_TONE_MARKS = frozenset({0x0300, 0x0301, 0x0304, 0x030C})  # grave, acute, macron, caron
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})


def sign_caps(romanization: str) -> str:
    """Return a romanization as signs print it: capitals, no tones, apostrophe and numerals kept.

    GB 17733 signs carry the standard romanization in capitals (长安路 Chang'an Lu ->
    ``CHANG'AN LU``, 经五路 Jing 5 Lu -> ``JING 5 LU``, 西安 Xi'an -> ``XI'AN``).  Works on a
    stored romanization in any of :data:`STYLES`: tone marks are dropped (Cháng'ān Lù ->
    ``CHANG'AN LU``), a typographic apostrophe becomes ``'``, runs of spaces become one.

    ü keeps its diaeresis: 吕村 Lücun -> ``LÜCUN``, 绿园路 Lüyuan Lu -> ``LÜYUAN LU``.  That is
    the letter of the Hanyu Pinyin scheme and of GB/T 16159 (and what :func:`romanize` spells);
    ``LV`` is a keyboard stand-in, not pinyin, ``LU`` loses the distinction from 路 lù, and
    ``LYU`` is the rule for personal names in passports (中国人名汉语拼音字母拼写规则), not for
    place names.  Signs are seen with all three; none is the place-name rule.
    """
    decomposed = unicodedata.normalize("NFD", romanization.translate(_APOSTROPHES))
    bare = "".join(c for c in decomposed if ord(c) not in _TONE_MARKS)
    return " ".join(unicodedata.normalize("NFC", bare).upper().split())


def _finish(words: list[str], style: Style) -> str:
    text = " ".join(w for w in words if w)
    return sign_caps(text) if style == "sign" else text


def romanize(
    name: str,
    cls: str | None = None,
    style: Style = "standard",
    reading: str | None = None,
) -> str:
    """Return the romanization of a standard name.

    Args:
        name: the name (it is cleaned first).
        cls: feature class (see ``generics.FeatureClass``); decides village one-word writing and
            ordinals. When None it is inferred from the generic.
        style: ``"standard"`` (Chang'an Lu), ``"tone"`` (Cháng'ān Lù), ``"sign"`` (CHANG'AN LU)
            or ``"pinyin"`` (plain Hanyu Pinyin: Huhehaote Shi where standard is Hohhot Shi).
        reading: staff override, pinyin per Chinese character (``"yue yang lu"``).

    Raises:
        NameInputError: unacceptable name, or a character without any known reading.
        ReadingError: the override does not fit the name.
        ValueError: an unknown style.
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}")
    cleaned = clean_name(name)
    specific, generic = split_name(cleaned, cls)
    return romanize_reading(cleaned, syllables(cleaned, reading), specific, generic, cls,
                            style, reading)


def romanize_reading(cleaned: str, tone3: tuple[str | None, ...], specific: str, generic: str,
                     cls: str | None, style: Style, reading: str | None) -> str:
    """The romanization of a name already cleaned, read (``readings.syllables``) and split:
    what :func:`romanize` computes, for callers that need the reading for more than this."""
    gcls = generic_class(generic) if generic else None
    eff_cls = cls or gcls
    lookup = reading is None and style != "pinyin"
    if lookup:
        special = lex.active().exceptions.get(cleaned)
        if special is not None:
            return _finish([special.spelling], style)
    spec_syl, gen_syl = tone3[: len(specific)], tone3[len(specific):]

    active = lex.active()
    if generic in VILLAGE_GENERICS or (eff_cls == "village" and generic not in active.generics):
        return _finish(list(_words_of(cleaned, tone3, style)), style)

    own_place = not generic or gcls in ADMIN_CLASSES
    words = _specific_words(specific, spec_syl, eff_cls, style, lookup, own_place)
    if generic:
        words += _generic_words(generic, gen_syl, eff_cls, style)
    return _finish(words, style)


def _generic_words(generic: str, tone3: tuple[str | None, ...], cls: str | None,
                   style: Style) -> tuple[str, ...]:
    """The generic as written: its table's word division, with the section words before it
    joined to its first word and ethnic names before it as words of their own (or, for the
    standard forms of autonomous areas, as GB/T 2260 lists write them)."""
    # a register holds few generics: each is written once (the class counts only as this)
    return _generic_words_of(generic, tone3, cls in ADMIN_CLASSES or cls is None, style)


@lru_cache(maxsize=8192)
def _generic_words_of(generic: str, tone3: tuple[str | None, ...], admin: bool,
                      style: Style) -> tuple[str, ...]:
    generics = lex.active().generics
    k = next((k for k in range(len(generic)) if generic[k:] in generics), len(generic))
    prefix, core = generic[:k], generic[k:]
    entry = generics.get(core)
    ethnic = _ethnic_words(prefix) if prefix else None
    if style != "pinyin" and core in _SHORT_AUTONOMOUS and admin:
        short = _SHORT_AUTONOMOUS[core]
        return _words_of(short, generics[short].syllables, style)
    if ethnic is not None and core == "自治区" and style != "pinyin":
        return _words_of(generic, tone3, style)  # Huizuzizhiqu, as the GB/T 2260 lists
    if entry is None:
        return _words_of(generic, tone3, style)
    breaks = [k + b for b in entry.breaks]
    if ethnic is not None:
        pieces = [*ethnic, (k, len(generic))] if entry.breaks == () else \
            [*ethnic, *_pieces(k, len(generic), breaks)]
    else:
        pieces = _pieces(0, len(generic), breaks)
    return tuple(w for a, b in pieces for w in _words_of(generic[a:b], tone3[a:b], style))


def _pieces(start: int, end: int, breaks: list[int]) -> list[tuple[int, int]]:
    if not breaks:
        return [(start, end)]
    bounds = [start, *(b for b in breaks if start < b < end), end]
    return list(zip(bounds, bounds[1:], strict=False))


def _ethnic_words(prefix: str) -> list[tuple[int, int]] | None:
    """Spans of the ethnic names that make up ``prefix`` (回族, 苗族瑶族), or None."""
    if len(prefix) < 2 and prefix not in ETHNIC_GROUPS:
        return None
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(prefix):
        for group in ETHNIC_GROUPS:
            for form in (group + "族", group):
                if prefix.startswith(form, i):
                    spans.append((i, i + len(form)))
                    i += len(form)
                    break
            else:
                continue
            break
        else:
            return None
    return spans


def _specific_words(specific: str, tone3: tuple[str | None, ...], cls: str | None,
                    style: Style, lookup: bool, own_place: bool) -> list[str]:
    """The specific as written (its words; the class counts only as taking ordinals)."""
    return list(_specific_words_of(specific, tone3, cls in ROAD_CLASSES or cls == "bridge",
                                   style, lookup, own_place))


@lru_cache(maxsize=32768)
def _specific_words_of(specific: str, tone3: tuple[str | None, ...], ordinal: bool,
                       style: Style, lookup: bool, own_place: bool) -> tuple[str, ...]:
    if lookup:
        special = lex.active().exceptions.get(specific)
        if special is not None and (special.scope == "everywhere" or
                                    special.scope == "place" and own_place):
            return (special.spelling,)
    number: int | None = None
    head = specific
    if ordinal:
        head, number = _split_ordinal(specific)
    words: list[str] = []
    generics = lex.active().generics
    for a, b, area in specific_parts(head):
        entry = None if area else generics.get(head[a:b])
        if area:
            words.extend(_area_words(head[a:b], tone3[a:b], style, lookup))
        elif entry is not None and entry.breaks:  # a compound generic inside: its own words
            for x, y in _pieces(a, b, [a + k for k in entry.breaks]):
                words.extend(_words_of(head[x:y], tone3[x:y], style))
        else:
            words.extend(_words_of(head[a:b], tone3[a:b], style))
    if number is not None:
        words.append(str(number))
    return tuple(words)


def _area_words(area: str, tone3: tuple[str | None, ...], style: Style,
                lookup: bool) -> list[str]:
    """A management-area name inside a longer name, written as a name of its own."""
    specific, generic = split_name(area)
    words = _specific_words(specific, tone3[: len(specific)], None, style, lookup, True)
    if generic:
        words += _generic_words(generic, tone3[len(specific):], None, style)
    return words


lex.register_cache(_words_of.cache_clear)
lex.register_cache(_generic_words_of.cache_clear)
lex.register_cache(_specific_words_of.cache_clear)
