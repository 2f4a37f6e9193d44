"""Numerals in road names: ordinals become Arabic numerals, numeral words stay words."""

import pytest

from placenames.naming import romanize


@pytest.mark.parametrize("name, expected", [
    ("经五路", "Jing 5 Lu"),            # an ordinal of a series of roads
    ("纬二十六街", "Wei 26 Jie"),        # written with units
    ("凤城八路", "Fengcheng 8 Lu"),
    ("丈八一路", "Zhangba 1 Lu"),        # 丈八 is the name, 一 the ordinal
    ("统一路", "Tongyi Lu"),            # a word ending in a numeral
    ("唯一路", "Weiyi Lu"),
    ("第一大街", "Diyi Dajie"),
    ("五一路", "Wuyi Lu"),              # date names are words
    ("八一路", "Bayi Lu"),
    ("五四路", "Wusi Lu"),
])
def test_ordinals_and_numeral_words(name, expected):
    assert romanize(name) == expected
