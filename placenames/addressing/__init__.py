"""Pure addressing: house numbering along roads, address composition, parsing and codes.

No Flask, no database. Modules:

- ``geometry``: local metric projection for a road; WGS84/CGCS2000 ↔ GCJ-02 ↔ BD-09;
- ``numbering``: sides, distances and house numbers along a centreline (policy-driven), infill;
- ``validate``: findings on existing numbers (wrong side, order, duplicates, gaps);
- ``compose``: address parts, Chinese/pinyin text, door-plate text, address codes;
- ``parse``: free-text Chinese addresses to parts.
"""

from .compose import AddressParts, format_pinyin, format_zh, make_address_code, parse_address_code
from .numbering import Entrance, HouseNumber, NumberingPolicy, number_infill, number_road
from .parse import Gazetteer, parse_address
from .validate import validate_road

__all__ = [
    "AddressParts",
    "Entrance",
    "Gazetteer",
    "HouseNumber",
    "NumberingPolicy",
    "format_pinyin",
    "format_zh",
    "make_address_code",
    "number_infill",
    "number_road",
    "parse_address",
    "parse_address_code",
    "validate_road",
]
