"""Romanization (罗马字母拼写) of standard names.

By GB/T 16159-2012 and 中国地名汉语拼音字母拼写规则.

Rules applied, in order:

* specific part (专名) and generic part (通名) are written separately, each capitalized:
  长安路 -> Chang'an Lu, 天章大道 -> Tianzhang Dadao; a multi-syllable generic is one word;
* one-syllable modifiers join their part: positional words stay with the specific
  (朝阳门内大街 -> Chaoyangmennei Dajie), section words join the generic (长安南路 ->
  Chang'an Nanlu), a leading direction is part of the specific (西长安街 -> Xichang'an Jie);
* ordinal numbers ending the specific of a road, street, lane or bridge are Arabic numerals
  written apart: 经五路 -> Jing 5 Lu, 纬二十六街 -> Wei 26 Jie (a specific that is only a
  number keeps its pinyin: 五一路 -> Wuyi Lu);
* villages, and every name whose generic is one of 村 庄 堡 营 寨 屯 铺 (the generic has become
  part of the name), are one word: 王村 -> Wangcun, 张家堡 -> Zhangjiabu;
* administrative units keep the generic apart: 西安市 -> Xi'an Shi, 鄠邑区 -> Huyi Qu;
  autonomous areas follow the usage of GB/T 2260 lists: an autonomous region keeps its ethnic
  part in the generic word (宁夏回族自治区 -> Ningxia Huizuzizhiqu), an autonomous prefecture,
  county or banner is written with the short generic (大理白族自治州 -> Dali Zhou, 乐东黎族
  自治县 -> Ledong Xian);
* apostrophe (隔音符号) before a syllable starting with a, o or e that is not first in its word;
* names from minority languages use their official transcription (data/romanization_exceptions
  .tsv: 呼和浩特 -> Hohhot, 陕西 -> Shaanxi).

Styles: ``standard`` (no tones), ``tone`` (tone marks), ``sign`` (capitals without tones, the
apostrophe kept: CHANG'AN LU).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

from pypinyin.contrib.tone_convert import to_tone

from placenames.naming.errors import NameInputError
from placenames.naming.generics import (
    ADMIN_CLASSES,
    GENERICS,
    ROAD_CLASSES,
    VILLAGE_GENERICS,
    generic_class,
    split_name,
)
from placenames.naming.normalize import MIDDLE_DOT, clean_name, is_han
from placenames.naming.readings import syllables
from placenames.numerals import DIGITS, UNITS, chinese_number

Style = Literal["standard", "tone", "sign"]

_SHORT_AUTONOMOUS = {"自治州": "州", "自治县": "县", "自治旗": "旗"}


@cache
def exceptions() -> dict[str, str]:
    """Return the packaged minority-language / conventional romanizations: name -> spelling."""
    text = (
        resources.files("placenames.naming")
        .joinpath("data/romanization_exceptions.tsv")
        .read_text("utf-8")
    )
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            key, _, value = line.partition("\t")
            out[key.strip()] = value.strip()
    return out


NUMERAL_WORDS = frozenset({
    "统一", "唯一", "万一", "同一", "专一", "单一", "合一", "划一", "归一", "如一", "天一", "太一",
    "守一", "致一", "初一", "逐一", "之一", "不一", "独一", "均一", "齐一", "第一", "三三", "十八",
})
"""Words ending in a numeral that are not ordinals (统一路 is Tongyi Lu, not Tong 1 Lu)."""


def _split_ordinal(specific: str) -> tuple[str, int | None]:
    """Split a trailing ordinal off a specific: 经五 -> ("经", 5), 纬二十六 -> ("纬", 26),
    丈八一 -> ("丈八", 1); none for 五一 (a date name), 统一 (a word) or 第一."""
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
    plain = syl.rstrip("12345").replace("v", "ü")
    return plain


def _word(sylls: list[str], style: Style) -> str:
    parts: list[str] = []
    for k, syl in enumerate(sylls):
        text = _render(syl, style)
        if k and text[:1] in "aoeāáǎàōóǒòēéěè":
            parts.append("'")
        parts.append(text)
    word = "".join(parts)
    return word[:1].upper() + word[1:]


def _words_of(text: str, tone3: list[str | None], style: Style) -> list[str]:
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
    return words


def _finish(words: list[str], style: Style) -> str:
    text = " ".join(w for w in words if w)
    return text.upper() if style == "sign" else text


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
        style: ``"standard"`` (Chang'an Lu), ``"tone"`` (Cháng'ān Lù) or ``"sign"`` (CHANG'AN LU).
        reading: staff override, pinyin per Chinese character (``"yue yang lu"``).

    Raises:
        NameInputError: unacceptable name, or a character without any known reading.
        ReadingError: the override does not fit the name.
    """
    if style not in ("standard", "tone", "sign"):
        raise ValueError(f"unknown style {style!r}")
    cleaned = clean_name(name)
    tone3 = list(syllables(cleaned, reading))
    specific, generic = split_name(cleaned, cls)
    gcls = generic_class(generic) if generic else None
    eff_cls = cls or gcls
    if reading is None:
        special = exceptions().get(cleaned)
        if special is not None:
            return _finish([special], style)
    spec_syl, gen_syl = tone3[: len(specific)], tone3[len(specific) :]

    if generic in VILLAGE_GENERICS or (eff_cls == "village" and generic not in GENERICS):
        return _finish(_words_of(cleaned, tone3, style), style)

    for long, short in _SHORT_AUTONOMOUS.items():
        if generic.endswith(long) and eff_cls in ADMIN_CLASSES | {None}:
            generic = short
            gen_syl = list(syllables(short))
    words = _specific_words(specific, spec_syl, eff_cls, style, reading is None)
    if generic:
        words.extend(_words_of(generic, gen_syl, style))
    return _finish(words, style)


def _specific_words(
    specific: str, tone3: list[str | None], cls: str | None, style: Style, lookup: bool
) -> list[str]:
    if lookup:
        special = exceptions().get(specific)
        if special is not None:
            return [special]
    if cls in ROAD_CLASSES or cls == "bridge":
        head, number = _split_ordinal(specific)
        if number is not None:
            return [*_words_of(head, tone3[: len(head)], style), str(number)]
    return _words_of(specific, tone3, style)
