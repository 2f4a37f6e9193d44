"""Masking the names and phone numbers of people who comment on a name under public notice.

Both functions return text that is safe to publish and never echo an input they cannot read:
empty input gives ``""`` (nothing to show), unreadable input gives ``"***"``.

Names
    Keep the surname, mask every other character with one ``*``: 张三 → 张*, 王小明 → 王**.
    A known compound surname (复姓, see ``COMPOUND_SURNAMES``) is kept whole when the name has
    at least three characters: 欧阳娜娜 → 欧阳**, 司马光 → 司马*; a two-character name is read
    as surname + given name (欧阳 → 欧*). Names with a middle dot (minority and transliterated
    names, 阿依古丽·买买提) and Latin names keep only their first character and their
    separators: 阿依古丽·买买提 → 阿***·***, John Smith → J*** *****. Spaces in a name
    with Chinese characters are dropped (李 四 → 李*). A one-character name still gets a star
    (张 → 张*). Text with characters other than letters and name separators
    (digits, punctuation, markup, emoji) or longer than 30 characters is unreadable.

Phones
    Mobiles (11 digits from 1, optionally after +86 / 0086 / 86): first 3 and last 4 kept,
    138****1234. Landlines with an area code (0 + 2-3 digits, then 7-8 digits; an extension
    after 转 / 分机 / ext / x / # is dropped): area code and last 4 kept, 029-****1234,
    0917-***1234. A bare 7-8 digit local number: ****1234. Spaces, hyphens, dots and
    brackets are ignored and full-width digits read. Anything else is unreadable.

``normalise_phone`` gives the form phones are compared in (the blind index of
:mod:`placenames.pii` is computed over it): digits only, the +86 / 0086 / 86 country prefix of
a mobile removed and an extension dropped, so 138 1234 5678, +86-138-1234-5678 and
１３８１２３４５６７８ are one number, and 029-8888 1234 转 12 is 02988881234.
"""

from __future__ import annotations

import re
import unicodedata

UNREADABLE = "***"

_COMPOUND_TEXT = """
    欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 独孤 南宫
    西门 轩辕 呼延 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 闻人 万俟 钟离 赫连 第五 百里
    东郭 拓跋 司空 左丘 公羊 谷梁 仲孙 乐正 漆雕 壤驷 公良 夹谷 宰父 巫马 梁丘 段干 子车
    亓官 司寇 颛孙 鲜于 闾丘 微生 羊舌 南门 归海 东门 公西 即墨 达奚 褚师
"""
#: Compound surnames (复姓) kept whole; the common ones of the 百家姓 and present use.
COMPOUND_SURNAMES: frozenset[str] = frozenset(_COMPOUND_TEXT.split())

_NAME_SEPARATORS = frozenset(" ·•・.-'")
_MAX_NAME = 30
_MOBILE = re.compile(r"(?:\+?86|0086)?(1\d{10})")
_LANDLINE = re.compile(r"(0(?:10|2\d|[3-9]\d{2}))([2-9]\d{6,7})")
_EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?|x|#)\s*\d{1,6}\s*$", re.IGNORECASE)
_LOCAL = re.compile(r"[2-9]\d{6,7}")
_PHONE_NOISE = re.compile(r"[\s\-.()（）]")
_NOT_DIGIT = re.compile(r"\D")


def mask_name(name: str | None) -> str:
    """A commenter's name fit to publish (see the module docstring for the rules)."""
    text = " ".join(unicodedata.normalize("NFKC", name or "").split())
    if any(_is_han(c) for c in text):
        text = text.replace(" ", "")  # Chinese names have no spaces: 李 四 is 李四
    if not text:
        return ""
    if len(text) > _MAX_NAME or not all(c.isalpha() or c in _NAME_SEPARATORS for c in text):
        return UNREADABLE
    if not text[0].isalpha():
        return UNREADABLE
    keep = 2 if len(text) >= 3 and text[:2] in COMPOUND_SURNAMES else 1
    rest = "".join(c if c in _NAME_SEPARATORS else "*" for c in text[keep:])
    if "*" not in rest:  # nothing after the kept part but separators (A.): mask it all the same
        rest += "*"
    return text[:keep] + rest


def _is_han(char: str) -> bool:
    """True for a Chinese character (CJK unified ideograph, any extension block)."""
    return unicodedata.name(char, "").startswith("CJK UNIFIED IDEOGRAPH")


def mask_phone(phone: str | None) -> str:
    """A commenter's phone number fit to publish (see the module docstring for the rules)."""
    text = unicodedata.normalize("NFKC", phone or "").strip()
    if not text:
        return ""
    compact = _PHONE_NOISE.sub("", _EXTENSION.sub("", text))
    if m := _MOBILE.fullmatch(compact):
        number = m.group(1)
        return f"{number[:3]}****{number[-4:]}"
    if m := _LANDLINE.fullmatch(compact):
        area, local = m.groups()
        return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"
    if _LOCAL.fullmatch(compact):
        return "*" * (len(compact) - 4) + compact[-4:]
    return UNREADABLE


def normalise_phone(phone: str | None) -> str:
    """The digits of a phone number as compared and indexed ("" when there are none); see the
    module docstring."""
    text = _EXTENSION.sub("", unicodedata.normalize("NFKC", phone or "").strip())
    digits = _NOT_DIGIT.sub("", text)
    if m := _MOBILE.fullmatch(digits):
        return m.group(1)
    return digits
