"""Masking of commenters' names and phones: the cases, and never the raw input."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from placenames.workflow import mask_name, mask_phone


@pytest.mark.parametrize(("raw", "masked"), [
    ("张三", "张*"),
    ("王小明", "王**"),
    ("张", "张*"),
    ("欧阳娜娜", "欧阳**"),
    ("司马光", "司马*"),
    ("诸葛孔明", "诸葛**"),
    ("欧阳", "欧*"),           # two characters: surname + given name
    ("  李 四 ", "李*"),       # no spaces inside a Chinese name
    ("欧阳 娜娜", "欧阳**"),
    ("阿依古丽·买买提", "阿***·***"),
    ("John Smith", "J*** *****"),
    ("ＡＢ", "A*"),            # full-width folded
    ("", ""),
    ("   ", ""),
    (None, ""),
    ("<script>alert(1)</script>", "***"),
    ("13812341234", "***"),
    ("张三😀", "***"),
    ("·张三", "***"),
    ("张" * 31, "***"),
])
def test_mask_name(raw: str | None, masked: str) -> None:
    assert mask_name(raw) == masked


@pytest.mark.parametrize(("raw", "masked"), [
    ("13812341234", "138****1234"),
    ("138 1234 1234", "138****1234"),
    ("138-1234-1234", "138****1234"),
    ("+86 138 1234 1234", "138****1234"),
    ("008613812341234", "138****1234"),
    ("8613812341234", "138****1234"),
    ("１３８１２３４１２３４", "138****1234"),
    ("029-88881234", "029-****1234"),
    ("(029) 8888 1234", "029-****1234"),
    ("02988881234", "029-****1234"),
    ("010-62345678", "010-****5678"),
    ("0917-3211234", "0917-***1234"),
    ("029-88881234 转 801", "029-****1234"),
    ("029-88881234ext12", "029-****1234"),
    ("88881234", "****1234"),
    ("3211234", "***1234"),
    ("", ""),
    (None, ""),
    ("  ", ""),
    ("12345", "***"),
    ("1381234123", "***"),          # 10 digits
    ("138123412345", "***"),        # 12 digits
    ("call me maybe", "***"),
    ("029-88881234-123", "***"),    # extension without a marker: unreadable, not guessed
    ("+1 650 253 0000", "***"),
    ("<b>13812341234</b>", "***"),
])
def test_mask_phone(raw: str | None, masked: str) -> None:
    assert mask_phone(raw) == masked


@given(st.text(max_size=40))
def test_mask_name_never_echoes_or_reveals_much(raw: str) -> None:
    out = mask_name(raw)
    assert out == "" or out != raw.strip()
    assert out == "" or out == "***" or "*" in out
    assert len(out) <= 31
    kept = [c for c in out if c not in "* ·•・.-'"]
    assert len(kept) <= 2


@given(st.one_of(st.text(max_size=30), st.from_regex(r"\+?[0-9 ()\-]{5,20}", fullmatch=True)))
def test_mask_phone_never_echoes_or_reveals_much(raw: str) -> None:
    out = mask_phone(raw)
    assert out == "" or out != raw.strip()
    digits = [c for c in out if c.isdigit()]
    assert len(digits) <= 8  # at most a 4-digit area code and the last 4
    assert "*" in out or out == ""


def test_a_name_of_one_letter_and_a_separator_is_still_masked() -> None:
    # found by hypothesis: "A." came back unchanged
    assert mask_name("A.") == "A.*"
