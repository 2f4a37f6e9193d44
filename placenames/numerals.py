"""Chinese numerals (一 … 九千九百九十九, 两, 〇) as integers: shared by names and addresses."""

from __future__ import annotations

DIGITS: dict[str, int] = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
                          "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}


def chinese_number(text: str) -> int | None:
    """Parse ASCII digits or a Chinese numeral; a run of bare digits reads digit by digit
    (一八八 → 188), units add up (一百零八 → 108, 十二 → 12). None if ``text`` is not one."""
    if text.isascii() and text.isdigit():
        return int(text)
    if not text or any(ch not in DIGITS and ch not in UNITS for ch in text):
        return None
    if all(ch in DIGITS for ch in text):
        return int("".join(str(DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in DIGITS:
            current = DIGITS[ch]
        else:
            total += (current or 1) * UNITS[ch]
            current = 0
    return total + current
