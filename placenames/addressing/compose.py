"""Standard address composition (标准地址): parts, Chinese text, pinyin text, door plate, code.

A standard address is the jurisdiction path (province, city, county/new area, [management
area such as 沣东新城], township/street office, community/village) + road + house number
[+ building 楼/栋/幢/座 + unit 单元 + room 室], or, in villages, village + group (组) + number.

Pinyin order
    Place names are romanized in pinyin, not translated (GB/T 16159; 地名管理条例): 建章路 is
    "Jianzhang Lu", never "Jianzhang Road". Signs and plates keep the Chinese order, so
    ``format_pinyin(order="zh")`` mirrors the Chinese text ("… Jianzhang Lu 18 Hao"). For
    international post the address is written small to large (UPU S42 style), with the
    number before the road: ``order="intl"`` gives "Room 501, Unit 2, Building 3,
    18 Jianzhang Lu, Sanqiao Jiedao, …"; the words Room/Unit/Building/Group/No. are not
    place names and are written in English. ``intl`` is the default.

Address codes (GB/T 23705 style)
    ``division code + type digit + serial``: the division code is the 12-digit village/
    community code or the 9-digit township code (GB/T 2260 county + GB/T 10114 township
    [+ village]); the type digit is 1 house number (门牌), 2 building (楼), 3 unit (单元),
    4 room (室); the serial is zero-padded to 5, 5, 6 and 7 digits for types 1–4. Widths
    differ by less than 3, so a code's length and type digit tell unambiguously whether the
    division code has 9 or 12 digits. Serials are allocated by the database and never reused;
    :func:`next_serial` only says which serial follows the highest one ever issued.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass

Romanizer = Callable[[str], str]

BUILDING_KINDS = ("号楼", "栋", "幢", "座")


@dataclass(frozen=True)
class AddressParts:
    """The parts of a standard address; every part is optional.

    ``subarea`` is a management area between county and township (沣东新城 in 西咸新区);
    ``community`` is a community (社区) or a village (村); ``group`` is a village group (组);
    ``premises`` a named compound or complex (创业广场, 枫林小区); ``building`` the building's
    label ("3", "A") and ``building_kind`` its word (号楼, 栋, 幢, 座); ``room`` is text ("501").
    """

    province: str | None = None
    city: str | None = None
    county: str | None = None
    subarea: str | None = None
    township: str | None = None
    community: str | None = None
    group: int | None = None
    road: str | None = None
    number: int | None = None
    sub_number: int | None = None
    premises: str | None = None
    building: str | None = None
    building_kind: str = "号楼"
    unit: int | None = None
    room: str | None = None

    @property
    def house_number(self) -> str | None:
        """The number as on a plate: "18" or "12-1" (None without a number)."""
        return _number_text(self, "-")

    def jurisdiction(self) -> tuple[str, ...]:
        """The jurisdiction path, largest first, without missing levels."""
        levels = (self.province, self.city, self.county, self.subarea, self.township)
        return tuple(x for x in levels if x)


def _number_text(parts: AddressParts, separator: str) -> str | None:
    if parts.number is None:
        return None
    if parts.sub_number:
        return f"{parts.number}{separator}{parts.sub_number}"
    return str(parts.number)


def _city_part(parts: AddressParts) -> str | None:
    """The city, unless it repeats the province (municipalities: 北京市北京市 → 北京市)."""
    return None if parts.city == parts.province else parts.city


def format_zh(parts: AddressParts, *, sub_separator: str = "-") -> str:
    """The full Chinese address, largest to smallest, e.g. 陕西省西安市…建章路18号3号楼2单元501室.

    ``sub_separator`` writes sub-numbers as 12-1号 (default) or 12之1号 (``"之"``).
    """
    number = _number_text(parts, sub_separator)
    pieces = [
        parts.province,
        _city_part(parts),
        parts.county,
        parts.subarea,
        parts.township,
        parts.community,
        _suffixed(parts.group, "组"),
        parts.road,
        _suffixed(number, "号"),
        parts.premises,
        _suffixed(parts.building, parts.building_kind),
        _suffixed(parts.unit, "单元"),
        _suffixed(parts.room, "室"),
    ]
    return "".join(p for p in pieces if p)


def _suffixed(value: object, suffix: str) -> str | None:
    return None if value is None or value == "" else f"{value}{suffix}"


def format_door_plate(parts: AddressParts) -> str:
    """The short form on a door plate: road + number (建章路18号), or village + group + number."""
    number = _suffixed(_number_text(parts, "-"), "号")
    if parts.road:
        return f"{parts.road}{number or ''}"
    place = [parts.community, _suffixed(parts.group, "组"), number]
    return "".join(p for p in place if p)


def format_pinyin(parts: AddressParts, romanize: Romanizer, *, order: str = "intl") -> str:
    """The address in pinyin; ``romanize`` turns one Chinese name into pinyin (专名 + 通名).

    ``order="intl"`` (default): small to large, comma-separated, for international post:
    "Room 501, Unit 2, Building 3, 18 Jianzhang Lu, Sanqiao Jiedao, …, Shaanxi Sheng".
    ``order="zh"``: the Chinese order, space-separated, as on plates and signs:
    "Shaanxi Sheng … Jianzhang Lu 18 Hao 3 Hao Lou 2 Danyuan 501 Shi".
    """
    if order == "zh":
        return _pinyin_zh_order(parts, romanize)
    if order == "intl":
        return _pinyin_intl_order(parts, romanize)
    raise ValueError(f"unknown order {order!r}: use 'intl' or 'zh'")


_KIND_PINYIN = {"号楼": "Hao Lou", "栋": "Dong", "幢": "Zhuang", "座": "Zuo"}


def _names(parts: AddressParts, romanize: Romanizer) -> list[str | None]:
    levels = (parts.province, _city_part(parts), parts.county, parts.subarea, parts.township)
    return [romanize(x) if x else None for x in levels]


def _pinyin_zh_order(parts: AddressParts, romanize: Romanizer) -> str:
    kind = _KIND_PINYIN.get(parts.building_kind, parts.building_kind)
    pieces = [
        *_names(parts, romanize),
        romanize(parts.community) if parts.community else None,
        _suffixed(parts.group, " Zu"),
        romanize(parts.road) if parts.road else None,
        _suffixed(parts.house_number, " Hao"),
        romanize(parts.premises) if parts.premises else None,
        _suffixed(parts.building, f" {kind}"),
        _suffixed(parts.unit, " Danyuan"),
        _suffixed(parts.room, " Shi"),
    ]
    return " ".join(p for p in pieces if p)


def _pinyin_intl_order(parts: AddressParts, romanize: Romanizer) -> str:
    street = None
    if parts.road:
        road = romanize(parts.road)
        street = f"{parts.house_number} {road}" if parts.house_number else road
    elif parts.house_number:
        street = f"No. {parts.house_number}"
    pieces = [
        _prefixed("Room ", parts.room),
        _prefixed("Unit ", parts.unit),
        _prefixed("Building ", parts.building),
        romanize(parts.premises) if parts.premises else None,
        street,
        _prefixed("Group ", parts.group),
        romanize(parts.community) if parts.community else None,
        *reversed(_names(parts, romanize)),
    ]
    return ", ".join(p for p in pieces if p)


def _prefixed(prefix: str, value: object) -> str | None:
    return None if value is None or value == "" else f"{prefix}{value}"


@dataclass(frozen=True)
class PlateText:
    """What a door plate shows: the road (or village + group) in Chinese and pinyin, the number."""

    name_zh: str
    name_pinyin: str
    number: str


def door_plate_text(parts: AddressParts, romanize: Romanizer) -> PlateText:
    """Door-plate text: name left (Chinese over pinyin), number large on the right (e.g. "18")."""
    if parts.road:
        name_zh, name_py = parts.road, romanize(parts.road)
    else:
        group = _suffixed(parts.group, "组") or ""
        name_zh = f"{parts.community or ''}{group}"
        group_py = _suffixed(parts.group, " Zu")
        name_py = " ".join(p for p in (_maybe(romanize, parts.community), group_py) if p)
    return PlateText(name_zh, name_py, parts.house_number or "")


def _maybe(romanize: Romanizer, value: str | None) -> str | None:
    return romanize(value) if value else None


class AddressType(enum.IntEnum):
    """The type digit of an address code."""

    HOUSE = 1  # 门牌 (house/door number)
    BUILDING = 2  # 楼/栋/幢
    UNIT = 3  # 单元
    ROOM = 4  # 室


SERIAL_WIDTH: dict[AddressType, int] = {
    AddressType.HOUSE: 5,
    AddressType.BUILDING: 5,
    AddressType.UNIT: 6,
    AddressType.ROOM: 7,
}

# GB/T 2260 province prefixes
_PROVINCES = frozenset(
    str(c)
    for c in (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47))
    + (*range(50, 55), *range(61, 66), 71, 81, 82)
)


@dataclass(frozen=True)
class AddressCode:
    """A parsed address code."""

    division_code: str
    type: AddressType
    serial: int

    def __str__(self) -> str:
        return make_address_code(self.division_code, self.type, self.serial)


def check_division_code(code: str) -> None:
    """Raise ValueError unless ``code`` is a 9-digit township or 12-digit village code."""
    if len(code) not in (9, 12) or not code.isascii() or not code.isdigit():
        raise ValueError(f"division code must be 9 or 12 digits: {code!r}")
    if code[:2] not in _PROVINCES or code[2:6] == "0000":
        raise ValueError(f"division code does not name a county: {code!r}")
    if code[6:9] == "000" or (len(code) == 12 and code[9:] == "000"):
        raise ValueError(f"division code is not a township or village code: {code!r}")


def make_address_code(division_code: str, type: AddressType | int, serial: int) -> str:
    """Compose ``division code + type digit + zero-padded serial``; raise ValueError if invalid."""
    check_division_code(division_code)
    kind = AddressType(type)
    width = SERIAL_WIDTH[kind]
    if not 1 <= serial < 10**width:
        raise ValueError(f"serial {serial} out of range for type {kind.name} (width {width})")
    return f"{division_code}{int(kind)}{serial:0{width}d}"


_CODE_RE = re.compile(r"^\d+$")


def parse_address_code(code: str) -> AddressCode:
    """Split and check an address code; raise ValueError if it is not well-formed."""
    if not _CODE_RE.match(code) or not code.isascii():
        raise ValueError(f"address code must be digits: {code!r}")
    for div_len in (12, 9):
        if len(code) <= div_len:
            continue
        kind = _type_digit(code[div_len])
        if kind is not None and len(code) == div_len + 1 + SERIAL_WIDTH[kind]:
            serial = int(code[div_len + 1 :])
            make_address_code(code[:div_len], kind, serial)  # validates parts
            return AddressCode(code[:div_len], kind, serial)
    raise ValueError(f"address code has a wrong length or type digit: {code!r}")


def _type_digit(digit: str) -> AddressType | None:
    try:
        return AddressType(int(digit))
    except ValueError:
        return None


def is_valid_address_code(code: str) -> bool:
    """True if :func:`parse_address_code` accepts ``code``."""
    try:
        parse_address_code(code)
    except ValueError:
        return False
    return True


def next_serial(max_existing: int | None, type: AddressType | int) -> int:
    """The serial after the highest ever issued (``None``: none yet); never reuses serials.

    Raises ValueError when the serial space of the type is exhausted.
    """
    kind = AddressType(type)
    serial = (max_existing or 0) + 1
    if serial >= 10 ** SERIAL_WIDTH[kind]:
        raise ValueError(f"serials exhausted for type {kind.name}")
    return serial
