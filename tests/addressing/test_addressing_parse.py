import csv
from pathlib import Path

import pytest

from placenames.addressing.compose import AddressParts, format_zh
from placenames.addressing.parse import (
    Gazetteer,
    cn_numeral_to_int,
    normalize_text,
    parse_address,
    parse_parts,
)

SHARED = Path("/work/shared/data")
STREETS_CSV = SHARED / "admin_divisions" / "nbs2022_streets_xian_xianyang.csv"
ROADS_CSV = SHARED / "roads" / "xian_xianyang_road_names_from_naming_notices.csv"

EXAMPLES = {
    "西安市未央区凤城八路188号": AddressParts(
        city="西安市", county="未央区", road="凤城八路", number=188
    ),
    "陕西省西咸新区沣东新城三桥街道建章路18号": AddressParts(
        province="陕西省", county="西咸新区", subarea="沣东新城", township="三桥街道",
        road="建章路", number=18,
    ),
    "咸阳市秦都区渭滨街道陈家台村3组12号": AddressParts(
        city="咸阳市", county="秦都区", township="渭滨街道", community="陈家台村", group=3,
        number=12,
    ),
    "西安市雁塔区科技路48号创业广场B座1单元1502室": AddressParts(
        city="西安市", county="雁塔区", road="科技路", number=48, premises="创业广场",
        building="B", building_kind="座", unit=1, room="1502",
    ),
    "陕西省西安市西咸新区沣东新城三桥街道建章路18号3号楼2单元501室": AddressParts(
        province="陕西省", city="西安市", county="西咸新区", subarea="沣东新城",
        township="三桥街道", road="建章路", number=18, building="3", unit=2, room="501",
    ),
    "西安市新城区西一路街道东七路12-1号": AddressParts(
        city="西安市", county="新城区", township="西一路街道", road="东七路", number=12,
        sub_number=1,
    ),
    "西安市长安区滦镇街道上王村5组": AddressParts(
        city="西安市", county="长安区", township="滦镇街道", community="上王村", group=5
    ),
    "咸阳市兴平市东城街道金城路7号2栋3单元202室": AddressParts(
        city="咸阳市", county="兴平市", township="东城街道", road="金城路", number=7,
        building="2", building_kind="栋", unit=3, room="202",
    ),
    "西安市灞桥区纺织城街道纺织城正街299号枫林小区12幢": AddressParts(
        city="西安市", county="灞桥区", township="纺织城街道", road="纺织城正街", number=299,
        premises="枫林小区", building="12", building_kind="幢",
    ),
    "陕西省西咸新区秦汉新城窑店街道兰池大道66号": AddressParts(
        province="陕西省", county="西咸新区", subarea="秦汉新城", township="窑店街道",
        road="兰池大道", number=66,
    ),
    "西安市莲湖区北院门社区北院门街144号": AddressParts(
        city="西安市", county="莲湖区", community="北院门社区", road="北院门街", number=144
    ),
}  # fmt: skip


@pytest.mark.parametrize("text", list(EXAMPLES))
def test_parse_real_looking_addresses(text):
    result = parse_address(text)
    assert result.parts == EXAMPLES[text]
    assert result.unparsed == ()


@pytest.mark.parametrize("text", list(EXAMPLES))
def test_round_trip_format_of_parse(text):
    assert format_zh(parse_parts(text)) == text


@pytest.mark.parametrize(
    ("messy", "canonical"),
    [
        (
            "西安市 雁塔区 科技路４８号，创业广场Ｂ座１单元１５０２",
            "西安市雁塔区科技路48号创业广场B座1单元1502室",
        ),
        ("咸阳市秦都区渭滨街道陈家台村三组十二号", "咸阳市秦都区渭滨街道陈家台村3组12号"),
        ("西安市未央区凤城八路一百八十八号", "西安市未央区凤城八路188号"),
        ("西安市新城区东七路12之1号", "西安市新城区东七路12-1号"),
        ("西安市新城区东七路１２－１号", "西安市新城区东七路12-1号"),
        ("西安市雁塔区科技路48号3#楼2单元501", "西安市雁塔区科技路48号3号楼2单元501室"),
        ("西安市、雁塔区；科技路48号 3栋 二单元 501室", "西安市雁塔区科技路48号3栋2单元501室"),
        ("建章路18号", "建章路18号"),
        ("三桥街道建章路18号", "三桥街道建章路18号"),
    ],
)
def test_tolerant_of_spacing_fullwidth_numerals(messy, canonical):
    assert format_zh(parse_parts(messy)) == canonical


def test_unparsed_pieces_are_reported():
    result = parse_address("西安市雁塔区科技路48号1单元501室附近")
    assert result.parts.road == "科技路" and result.parts.unit == 1 and result.parts.room == "501"
    assert result.unparsed == ("附近",)
    assert parse_address("西安市@雁塔区!!").unparsed == ()


def test_village_name_inside_road_name_is_not_a_village():
    parts = parse_parts("西安市雁塔区南村路9号")
    assert parts.community is None and parts.road == "南村路"


def test_gazetteer_resolves_short_names():
    gazetteer = Gazetteer(
        {"province": ["陕西省"], "city": ["西安市"], "county": ["未央区", "新城区"],
         "township": ["张家堡街道"]}
    )  # fmt: skip
    text = "陕西西安未央张家堡街道凤城八路188号"
    without = parse_address(text)
    assert without.parts.province is None  # no generic suffix: not recognised
    parts = parse_parts(text, gazetteer)
    assert (parts.province, parts.city, parts.county) == ("陕西省", "西安市", "未央区")
    assert parts.township == "张家堡街道" and parts.road == "凤城八路" and parts.number == 188


def test_gazetteer_prefers_longest_known_name():
    gazetteer = Gazetteer({"county": ["新城区"], "subarea": ["沣东新城"]})
    assert parse_parts("西安市新城区长乐中路街道金花路1号", gazetteer).county == "新城区"


def test_gazetteer_rejects_unknown_level():
    with pytest.raises(ValueError):
        Gazetteer({"planet": ["地球"]})


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12), ("十二", 12), ("十", 10), ("二十", 20), ("一百零八", 108), ("一八八", 188),
     ("两千零一", 2001), ("三", 3)],
)  # fmt: skip
def test_cn_numerals(text, value):
    assert cn_numeral_to_int(text) == value


def test_normalize_text():
    assert normalize_text(" 建章路　１８号，3#楼 ") == "建章路18号3号楼"


def _streets():
    with STREETS_CSV.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _roads():
    with ROADS_CSV.open(encoding="utf-8") as f:
        return sorted({row["name"] for row in csv.DictReader(f)})


def test_every_xian_xianyang_township_by_suffix_rules():
    failures = []
    for row in _streets():
        text = f"陕西省{row['city_name']}{row['area_name']}{row['name']}建章路18号"
        parts = parse_parts(text)
        if (parts.county, parts.township, parts.road) != (
            row["area_name"],
            row["name"],
            "建章路",
        ) or format_zh(parts) != text:
            failures.append(text)
    assert failures == []


def test_real_road_names_round_trip():
    failures = []
    for i, road in enumerate(_roads()):
        if "(" in road:  # 铁专西路(北段): brackets are dropped, see the next test
            continue
        text = f"陕西省西安市未央区张家堡街道{road}{i + 1}号{i % 9 + 1}号楼1单元{i + 101}室"
        parts = parse_parts(text)
        if parts.road != road or format_zh(parts) != text:
            failures.append((road, parts.road))
    assert failures == []


def test_bracketed_road_section_is_kept_without_brackets():
    assert parse_parts("西安市铁专西路(北段)3号").road == "铁专西路北段"
