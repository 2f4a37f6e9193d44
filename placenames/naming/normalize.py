"""Normalization of raw name input: ``clean_name``.

Input from forms, spreadsheets and other departments' files arrives with full-width letters and
digits, stray spaces, odd middle dots and worse. ``clean_name`` returns the canonical form of a
name or raises ``NameInputError`` with a clear bilingual message; it never raises anything else.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from placenames.naming.errors import NameInputError

MAX_NAME_LENGTH = 50
"""Longest accepted name, in characters, after normalization."""

MIDDLE_DOT = "\u00b7"
_DOT_VARIANTS = {"\u30fb", "\u2022", "\u2027", "\u2219", "\u22c5", "\u00b7", "\uff65", "\u318d"}
_RAW_LIMIT = 2000  # refuse absurd input before doing any work on it

# Unicode blocks of CJK unified ideographs (BMP and supplementary planes).
_HAN_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2EBEF),
    (0x2EBF0, 0x2EE5F),
    (0x30000, 0x323AF),
)


def is_han(ch: str) -> bool:
    """Return True if ``ch`` is a CJK unified ideograph (or 〇, the ideographic zero)."""
    cp = ord(ch)
    if 0x4E00 <= cp <= 0x9FFF or cp == 0x3007:  # the common case first
        return True
    if cp < 0x3400:  # digits, the middle dot, punctuation
        return False
    return any(lo <= cp <= hi for lo, hi in _HAN_RANGES)


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    if 0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or cp in (0x200D, 0xFE0F):
        return True
    return unicodedata.category(ch) == "So"


_PLAIN = re.compile(rf"[\u4e00-\u9fff\u3007\d]{{1,{MAX_NAME_LENGTH}}}", re.ASCII)
"""Names that NFKC and every check below leave as they are: common Han ideographs (no
compatibility forms among them), 〇 and ASCII digits. Most stored names; they skip the work."""


def _err(code: str, zh: str, en: str) -> NameInputError:
    return NameInputError(code, zh, en)


@lru_cache(maxsize=65536)
def clean_name(raw: str) -> str:
    """Normalize a proposed name and reject what cannot be a standard Chinese place name.

    Steps: NFKC (full-width ASCII and digits become half-width, compatibility ideographs become
    unified ones), middle-dot variants become U+00B7, whitespace is removed (Chinese names have
    none). Accepted characters: CJK ideographs, ASCII digits, the middle dot between two parts.

    Args:
        raw: text as typed or imported.

    Returns:
        The cleaned name.

    Raises:
        NameInputError: codes ``not_text``, ``empty``, ``too_long``, ``control_char``, ``emoji``,
            ``latin_only``, ``bad_char``, ``bad_middle_dot``.
    """
    if isinstance(raw, str) and _PLAIN.fullmatch(raw):
        return raw
    if not isinstance(raw, str):
        raise _err("not_text", "名称必须是文本。", "The name must be text.")
    if len(raw) > _RAW_LIMIT:
        raise _err(
            "too_long",
            f"名称过长（最多 {MAX_NAME_LENGTH} 个字）。",
            f"The name is too long (at most {MAX_NAME_LENGTH} characters).",
        )
    text = unicodedata.normalize("NFKC", raw)
    text = "".join(MIDDLE_DOT if ch in _DOT_VARIANTS else ch for ch in text)
    text = text.strip()
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in ("\u200d", "\ufe0f"):
            if ch.isspace() and ch in " \u3000":
                continue
            raise _err(
                "control_char",
                f"名称含有控制字符或不可见字符（U+{ord(ch):04X}）。",
                f"The name contains a control or invisible character (U+{ord(ch):04X}).",
            )
    text = "".join(ch for ch in text if not ch.isspace())
    if not text:
        raise _err("empty", "名称不能为空。", "The name must not be empty.")
    if len(text) > MAX_NAME_LENGTH:
        raise _err(
            "too_long",
            f"名称过长（{len(text)} 个字，最多 {MAX_NAME_LENGTH} 个）。",
            f"The name is too long ({len(text)} characters, at most {MAX_NAME_LENGTH}).",
        )
    _check_characters(text)
    return text


def _check_characters(text: str) -> None:
    if any(_is_emoji(ch) for ch in text):
        raise _err("emoji", "名称不能含有表情符号。", "The name must not contain emoji.")
    if all(ch.isascii() and (ch.isalpha() or ch.isdigit()) for ch in text) and any(
        ch.isalpha() for ch in text
    ):
        raise _err(
            "latin_only",
            "标准地名须用规范汉字书写，不能只用拉丁字母。",
            "A standard name is written in Chinese characters, not Latin letters only.",
        )
    for ch in text:
        if is_han(ch) or ch.isascii() and ch.isdigit() or ch == MIDDLE_DOT:
            continue
        raise _err(
            "bad_char",
            f"名称含有不允许的字符“{ch}”（U+{ord(ch):04X}），只能使用汉字、数字和间隔号。",
            f"The name contains a character that is not allowed: {ch!r} (U+{ord(ch):04X}); "
            "use Chinese characters, digits and the middle dot only.",
        )
    if text.startswith(MIDDLE_DOT) or text.endswith(MIDDLE_DOT) or MIDDLE_DOT * 2 in text:
        raise _err(
            "bad_middle_dot",
            "间隔号“·”只能用在两个部分之间。",
            "The middle dot may only stand between two parts of a name.",
        )
