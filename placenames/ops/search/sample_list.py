"""A sample list of written addresses, made from the register, to try batch matching with.

A clerk opening the batch matching page for the first time rarely has a department's list at
hand. :func:`sample_rows` writes one from the register's own standard addresses, in the ways
departments write them (the whole standard address, the road and number alone, a building the
register does not have, a number the road does not have), plus an address of no road in the
register and an empty cell; each row says how it is written and what the matcher should make
of it, so the result can be read against it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Address, Place
from ...models.addresses import AddressStatus
from .batch import QUALITY_LABELS

HEADER = ("编号", "地址", "写法 how it is written", "应得 expected")
"""The sample's columns; the address column is ``地址``, the page's default."""

NOT_IN_REGISTER = "火星路9号"
"""An address of a road no register has."""


@dataclass(frozen=True)
class Way:
    """One way of writing a standard address, and the quality the matcher should give it."""

    label: str
    expected: str  # exact, partial, none


WHOLE = Way("完整的标准地址 the whole standard address", "exact")
SHORT = Way("只写道路和门牌号 road and number only", "exact")
BUILDING = Way("多写了登记中没有的楼号 a building the register does not have", "partial")
NUMBER = Way("道路没有的门牌号 a number the road does not have", "partial")
NO_ROAD = Way("登记中没有的道路 a road not in the register", "none")
EMPTY = Way("空白 empty", "none")


def sample_rows(session: Session, per_way: int = 3) -> list[tuple[str, str, Way]]:
    """``(number, written address, way)`` rows: ``per_way`` addresses written each way, taken
    from different roads of the register (its active, numbered addresses in code order), then
    a road not in the register and an empty cell. Fewer when the register has fewer roads;
    only those two when it has no numbered address."""
    first: dict[str, tuple[str, int]] = {}  # road -> its first address: (full text, number)
    top: dict[str, int] = {}
    stmt = (select(Place.name, Address.full_text, Address.number)
            .join(Place, Address.road_id == Place.id)
            .where(Address.number.is_not(None), Address.building.is_(None),
                   Address.status == AddressStatus.ACTIVE)
            .order_by(Address.code))
    for road, full_text, number in session.execute(stmt.limit(5000)):
        top[road] = max(top.get(road, 0), number)
        first.setdefault(road, (full_text, number))
    rows: list[tuple[str, Way]] = []
    ways = (WHOLE, SHORT, BUILDING, NUMBER)
    for i, (road, (full_text, number)) in enumerate(list(first.items())[:per_way * len(ways)]):
        way = ways[i % len(ways)]
        if way is WHOLE:
            rows.append((full_text, way))
        elif way is SHORT:
            rows.append((f"{road}{number}号", way))
        elif way is BUILDING:
            rows.append((f"{road}{number}号99号楼", way))
        else:
            rows.append((f"{road}{top[road] * 10 + 1001}号", way))
    rows.sort(key=lambda r: ways.index(r[1]))
    rows += [(NOT_IN_REGISTER, NO_ROAD), ("", EMPTY)]
    return [(str(n), text, way) for n, (text, way) in enumerate(rows, 1)]


def sample_csv(session: Session) -> bytes:
    """:func:`sample_rows` as CSV in UTF-8 with a byte-order mark (Excel opens it right)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for number, text, way in sample_rows(session):
        writer.writerow((number, text, way.label, QUALITY_LABELS[way.expected]))
    return out.getvalue().encode("utf-8-sig")
