import pytest

from placenames.addressing.compose import (
    AddressCode,
    AddressParts,
    AddressType,
    door_plate_text,
    format_door_plate,
    format_pinyin,
    format_zh,
    is_valid_address_code,
    make_address_code,
    next_serial,
    parse_address_code,
)

# A stand-in romanizer: the real one lives in placenames.naming and is passed in by callers.
PINYIN = {
    "陕西省": "Shaanxi Sheng", "西安市": "Xi'an Shi", "西咸新区": "Xixian Xinqu",
    "沣东新城": "Fengdong Xincheng", "三桥街道": "Sanqiao Jiedao", "建章路": "Jianzhang Lu",
    "咸阳市": "Xianyang Shi", "秦都区": "Qindu Qu", "渭滨街道": "Weibin Jiedao",
    "陈家台村": "Chenjiataicun",
}  # fmt: skip


def romanize(name):
    return PINYIN[name]


JIANZHANG = AddressParts(
    province="陕西省", city="西安市", county="西咸新区", subarea="沣东新城", township="三桥街道",
    road="建章路", number=18, building="3", unit=2, room="501",
)  # fmt: skip
CHENJIATAI = AddressParts(
    province="陕西省", city="咸阳市", county="秦都区", township="渭滨街道",
    community="陈家台村", group=3, number=12,
)  # fmt: skip


def test_format_zh_road_address():
    assert format_zh(JIANZHANG) == "陕西省西安市西咸新区沣东新城三桥街道建章路18号3号楼2单元501室"


def test_format_zh_village_address():
    assert format_zh(CHENJIATAI) == "陕西省咸阳市秦都区渭滨街道陈家台村3组12号"


def test_format_zh_sub_number_and_building_kinds():
    parts = AddressParts(road="建章路", number=12, sub_number=1, building="A", building_kind="座")
    assert format_zh(parts) == "建章路12-1号A座"
    assert format_zh(parts, sub_separator="之") == "建章路12之1号A座"
    assert parts.house_number == "12-1"


def test_municipality_city_not_repeated():
    parts = AddressParts(province="北京市", city="北京市", county="朝阳区", road="建国路", number=1)
    assert format_zh(parts) == "北京市朝阳区建国路1号"


def test_door_plate_short_forms():
    assert format_door_plate(JIANZHANG) == "建章路18号"
    assert format_door_plate(CHENJIATAI) == "陈家台村3组12号"
    plate = door_plate_text(JIANZHANG, romanize)
    assert (plate.name_zh, plate.name_pinyin, plate.number) == ("建章路", "Jianzhang Lu", "18")
    village = door_plate_text(CHENJIATAI, romanize)
    assert (village.name_zh, village.name_pinyin) == ("陈家台村3组", "Chenjiataicun 3 Zu")


def test_pinyin_international_order():
    assert format_pinyin(JIANZHANG, romanize) == (
        "Room 501, Unit 2, Building 3, 18 Jianzhang Lu, Sanqiao Jiedao, Fengdong Xincheng, "
        "Xixian Xinqu, Xi'an Shi, Shaanxi Sheng"
    )
    assert format_pinyin(CHENJIATAI, romanize) == (
        "No. 12, Group 3, Chenjiataicun, Weibin Jiedao, Qindu Qu, Xianyang Shi, Shaanxi Sheng"
    )


def test_pinyin_chinese_order():
    assert format_pinyin(JIANZHANG, romanize, order="zh") == (
        "Shaanxi Sheng Xi'an Shi Xixian Xinqu Fengdong Xincheng Sanqiao Jiedao Jianzhang Lu "
        "18 Hao 3 Hao Lou 2 Danyuan 501 Shi"
    )
    with pytest.raises(ValueError):
        format_pinyin(JIANZHANG, romanize, order="en")


def test_address_code_round_trip():
    code = make_address_code("610112002001", AddressType.HOUSE, 42)
    assert code == "610112002001" + "1" + "00042"
    assert parse_address_code(code) == AddressCode("610112002001", AddressType.HOUSE, 42)
    township = make_address_code("610112002", AddressType.ROOM, 1234567)
    assert township == "6101120024" + "1234567"
    assert parse_address_code(township) == AddressCode("610112002", AddressType.ROOM, 1234567)
    assert str(parse_address_code(township)) == township


@pytest.mark.parametrize("kind", list(AddressType))
@pytest.mark.parametrize("division", ["610112002", "610402003201"])
def test_every_type_and_division_length_parses_back(kind, division):
    code = make_address_code(division, kind, 7)
    assert parse_address_code(code) == AddressCode(division, kind, 7)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "61011200210004",  # too short
        "610112002001100042x",  # not digits
        "610112002001900042",  # unknown type 9
        "991120020011" + "1" + "00042",  # no province 99
        "610112000001" + "1" + "00042",  # township part 000
        "610112002000" + "1" + "00042",  # village part 000
        "610112002001" + "1" + "00000",  # serial 0
        "６１０１１２００２００１１０００４２",  # full-width digits
    ],
)
def test_malformed_codes_rejected(code):
    assert not is_valid_address_code(code)
    with pytest.raises(ValueError):
        parse_address_code(code)


def test_make_address_code_checks_inputs():
    with pytest.raises(ValueError):
        make_address_code("6101", AddressType.HOUSE, 1)
    with pytest.raises(ValueError):
        make_address_code("610112002", AddressType.HOUSE, 100000)
    with pytest.raises(ValueError):
        make_address_code("610112002", 7, 1)


def test_next_serial_never_reuses():
    assert next_serial(None, AddressType.HOUSE) == 1
    assert next_serial(41, AddressType.UNIT) == 42
    with pytest.raises(ValueError):
        next_serial(99999, AddressType.HOUSE)
