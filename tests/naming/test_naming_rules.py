import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placenames.naming import rules
from placenames.naming.charset import char_tier, standard_form, tiers
from placenames.naming.errors import NameInputError
from placenames.naming.generics import split_name
from placenames.naming.normalize import clean_name
from placenames.naming.rules import check_name, load_lexicons


def codes(name: str, cls: str | None = None, **kw: object) -> dict[str, str]:
    return {f.code: f.severity for f in check_name(name, cls, **kw)}  # type: ignore[arg-type]


def test_table_has_three_tiers() -> None:
    table = tiers()
    assert len(table) == 8105
    counts = [sum(1 for t in table.values() if t == n) for n in (1, 2, 3)]
    assert counts == [3500, 3000, 1605]
    assert char_tier("路") == 1 and char_tier("鄠") == 3 and char_tier("沣") == 2
    assert char_tier("長") is None


def test_clean_name() -> None:
    assert clean_name("  长安路 ") == "长安路"
    assert clean_name("经５路") == "经5路"
    assert clean_name("阿凡提・路") == "阿凡提·路"
    for raw, code in [
        ("", "empty"), ("   ", "empty"), ("a" * 500, "too_long"), ("长" * 51, "too_long"),
        ("长\x00安路", "control_char"), ("长\u200b安路", "control_char"), ("长安😀路", "emoji"),
        ("Changan", "latin_only"), ("ＡＢＣ", "latin_only"), ("长安Road", "bad_char"),
        ("长安-路", "bad_char"), ("·长安", "bad_middle_dot"),
    ]:
        with pytest.raises(NameInputError) as err:
            clean_name(raw)
        assert err.value.code == code, raw
        assert err.value.message_zh and err.value.message_en


def test_tiers_and_outside_table() -> None:
    assert codes("鄠邑路", "road")["rare_char"] == "warn"
    assert codes("沣东路", "road")["tier2_char"] == "info"
    assert codes("鼒鼒路", "road")["rare_char"] == "warn"
    assert codes("\U00030000路", "road")["char_not_in_table"] == "block"


def test_traditional_blocks_with_suggestion() -> None:
    found = [f for f in check_name("長安路", "road") if f.code == "traditional_variant"]
    assert found and found[0].severity == "block"
    assert found[0].detail["suggestion"] == "长"
    assert found[0].detail["suggested_name"] == "长安路"
    assert standard_form("灣") == "湾"


def test_lexicons_and_overlay(tmp_path: Path) -> None:
    assert codes("万达广场", "square")["lexicon_enterprises"] == "block"
    assert codes("威尼斯花园", "residential")["lexicon_foreign_places"] == "block"
    assert codes("皇家花园", "residential")["lexicon_discouraged"] == "warn"
    assert "lexicon_enterprises" not in codes("长安路", "road")
    (tmp_path / "lexicon_enterprises.txt").write_text("# office list\n秦川\n!万达\n", "utf-8")
    office = load_lexicons(tmp_path)
    assert "lexicon_enterprises" in codes("秦川路", "road", lexicons=office)
    assert "lexicon_enterprises" not in codes("万达广场", "square", lexicons=office)
    (tmp_path / "lexicon_personal_names.txt").write_text("re:(张三).*\n", "utf-8")
    assert codes("张三路", "road", lexicons=load_lexicons(tmp_path))["lexicon_personal_names"]
    (tmp_path / "lexicon_discouraged.txt").write_text("re:([\n", "utf-8")
    with pytest.raises(NameInputError):
        load_lexicons(tmp_path)


def test_generic_rules() -> None:
    assert codes("长安小区", "road")["generic_class_conflict"] == "block"
    assert codes("长安路", "residential")["generic_class_conflict"] == "warn"
    assert "generic_class_conflict" not in codes("长安路", "street")
    assert codes("长安", "road")["missing_generic"] == "warn"
    assert split_name("朝阳门内大街") == ("朝阳门内", "大街")


def test_length_limits() -> None:
    assert codes("长" * 12 + "路", "road")["too_long_for_class"] == "warn"
    assert codes("长" * 20 + "路", "road")["too_long_for_class"] == "block"
    relaxed = codes("长" * 12 + "路", "road", length_limits={"road": (20, 30)})
    assert "too_long_for_class" not in relaxed


def test_bad_input_becomes_a_blocking_finding() -> None:
    for raw in ["", "ABC", "😀路", "x" * 500, "长\x07安", "ＡＢ路", None, 42]:
        found = check_name(raw)  # type: ignore[arg-type]
        assert found and found[0].severity == "block"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_never_crashes_on_arbitrary_text(raw: str) -> None:
    for finding in check_name(raw, "road"):
        assert finding.severity in ("block", "warn", "info")
    try:
        clean_name(raw)
    except NameInputError as err:
        assert err.code


ROADS = Path("/work/shared/data/roads")
if not ROADS.exists():  # CI lays shared/ beside the clone
    ROADS = Path(__file__).resolve().parents[3] / "shared" / "data" / "roads"

# Every polyphone notice on the 147 real road names, and why each is a real ambiguity.
ROAD_NOTICES = {
    ("六合窑巷", "六"): "六合 is Lùhé as 南京's 六合区 and liùhé as the common word; whether this "
                     "lane is named after the district is for staff",
    ("永乐路", "乐"): "pypinyin's dictionary gives 永乐 both yǒnglè (the Ming era, 永乐宫) and "
                   "yǒngyuè (everlasting music)",
}


def test_road_name_polyphone_notices() -> None:
    """Notices only where the reading is really open: at most 5% of the real road names carry
    one, and each that remains is listed here with its reason."""
    with (ROADS / "xian_xianyang_road_names_from_naming_notices.csv").open(encoding="utf-8") as fh:
        names = list(dict.fromkeys(r["name"].split("(")[0] for r in csv.DictReader(fh)))
    assert len(names) == 147
    found = {(n, f.detail["char"]): f for n in names for f in check_name(n, "road")
             if f.code == "polyphone"}
    assert set(found) == set(ROAD_NOTICES)
    assert len({n for n, _ch in found}) <= 0.05 * len(names)
    for finding in found.values():
        assert finding.severity == "info"
        assert len(finding.detail["readings"]) >= 2 and finding.detail["word"]
        assert finding.detail["reading"] == finding.detail["readings"][0]


def test_settled_readings_carry_no_notice() -> None:
    # the lexicon and the generics settle 太华 and 路; 长 alone is cháng in place names
    for name in ["太华路街道", "长沣路", "张家堡", "朝阳路", "成都路", "中华山路", "长安大道"]:
        assert not [f for f in check_name(name) if f.code == "polyphone"], name
    # really open: 重 alone (zhòng/chóng), 堡 as a generic (bǎo/bǔ/pù), 长官 (zhǎng in the
    # word, cháng in place names)
    reasons = {n: {f.detail["reason"] for f in check_name(n) if f.code == "polyphone"}
               for n in ["重华镇", "六村堡街道", "长官镇"]}
    assert reasons == {"重华镇": {"open_character"}, "六村堡街道": {"open_character"},
                       "长官镇": {"word_against_place_default"}}


def test_warm_up_reads_what_the_first_check_would_read():
    """A server warms the rules up as it starts: the first name with a polyphonic character
    (沈) then reads no table of its own."""
    from placenames.naming import charset

    for table in (charset.tiers, charset.variants, rules._phrase_index):
        table.cache_clear()
    rules.warm_up()
    loaded = [t.cache_info().misses for t in (charset.tiers, charset.variants,
                                              rules._phrase_index)]
    assert loaded == [1, 1, 1]
    rules.check_name("沈秋县", "county", None)
    assert [t.cache_info().misses for t in (charset.tiers, charset.variants,
                                            rules._phrase_index)] == loaded
