"""Registering standard addresses: the jurisdiction path, the text and a never-reused code;
many at once for an office's existing register (:func:`bulk_insert`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ... import spatial
from ...addressing.compose import AddressParts, AddressType, format_zh, make_address_code
from ...addressing.compose import next_serial as _next
from ...models import Address, HistoryRow, Jurisdiction, Level, ManagementMembership, Place
from ...models.audit import history_rows
from ...models.base import utcnow
from ...models.changes import record_bulk
from ...spatial import SRID


@dataclass
class AddressInput:
    """A road address (road + number) or a village address (village + group + number)."""

    jurisdiction: Jurisdiction
    number: int
    road: Place | None = None
    suffix: str | None = None
    village_group: int | None = None
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    lon: float | None = None
    lat: float | None = None
    road_point: tuple[float, float] | None = None
    side: str | None = None
    distance_m: float | None = None


def jurisdiction_path(session: Session, j: Jurisdiction) -> AddressParts:
    """The province → … → village part of an address for the division ``j``.

    A township managed by a management area (沣东新城 of 西咸新区) is addressed through the
    management areas instead of its legal city and county, as the New Area's addresses are.
    """
    chain: dict[str, Jurisdiction] = {}
    node: Jurisdiction | None = j
    while node is not None:
        chain.setdefault(node.level, node)
        node = node.parent
    township = chain.get(Level.TOWNSHIP)
    manager = _managing_area(session, township.id) if township else None
    province = chain.get(Level.PROVINCE)
    parts = AddressParts(
        province=province.name if province else None,
        city=chain[Level.CITY].name if Level.CITY in chain else None,
        county=chain[Level.COUNTY].name if Level.COUNTY in chain else None,
        township=township.name if township else None,
        community=chain[Level.VILLAGE].name if Level.VILLAGE in chain else None,
    )
    if manager is not None:
        top = manager.parent if manager.parent and manager.parent.level == Level.MANAGEMENT \
            else None
        parts = AddressParts(province=parts.province, county=(top or manager).name,
                             subarea=manager.name if top else None, township=parts.township,
                             community=parts.community)
    return parts


def _managing_area(session: Session, township_id: uuid.UUID) -> Jurisdiction | None:
    """The innermost management area that manages a township, if any."""
    areas = session.scalars(
        select(Jurisdiction).join(ManagementMembership,
                                  ManagementMembership.area_id == Jurisdiction.id)
        .where(ManagementMembership.member_id == township_id)).all()
    inner = [a for a in areas if a.parent is not None and a.parent.level == Level.MANAGEMENT]
    return (inner or list(areas) or [None])[0]


def next_code(session: Session, division_code: str, kind: AddressType) -> str:
    """The next address code under a division; serials of retired addresses are never reused."""
    probe = make_address_code(division_code, kind, 1)
    prefix = probe[: len(division_code) + 1]
    highest = session.scalar(select(func.max(Address.code)).where(
        Address.code.startswith(prefix), func.length(Address.code) == len(probe)))
    serial = int(highest[len(prefix):]) if highest else None
    return make_address_code(division_code, kind, _next(serial, kind))


def parts_of(base: AddressParts, *, road: str | None, number: int | None,
             suffix: str | None = None, village_group: str | int | None = None,
             building: str | None = None, unit: str | int | None = None,
             room: str | None = None) -> AddressParts:
    """The parts of an address under the jurisdiction path ``base`` (:func:`jurisdiction_path`),
    from its stored values: a numeric suffix, group or unit becomes a number."""
    def number_of(value: str | int | None) -> int | None:
        if isinstance(value, int):
            return value
        return int(value) if value and value.isdigit() else None

    return replace(base, road=road, group=number_of(village_group), number=number,
                   sub_number=number_of(suffix), building=building, unit=number_of(unit),
                   room=room)


def create_address(session: Session, data: AddressInput) -> Address:
    """Add an address with its code and full text; flushes so the history row is written."""
    base = jurisdiction_path(session, data.jurisdiction)
    parts = parts_of(base, road=data.road.name if data.road else None, number=data.number,
                     suffix=data.suffix, village_group=data.village_group,
                     building=data.building, unit=data.unit, room=data.room)
    kind = AddressType.ROOM if data.room else AddressType.UNIT if data.unit else \
        AddressType.BUILDING if data.building else AddressType.HOUSE
    address = Address(
        code=next_code(session, data.jurisdiction.code, kind),
        jurisdiction=data.jurisdiction, road=data.road, number=data.number,
        suffix=data.suffix, village_group=str(data.village_group) if data.village_group else None,
        building=data.building, unit=data.unit, room=data.room, full_text=format_zh(parts),
        side=data.side, distance_m=data.distance_m,
        entrance=_point(data.lon, data.lat),
        road_point=_point(*data.road_point) if data.road_point else None,
    )
    session.add(address)
    session.flush()
    return address


def _point(lon: float | None, lat: float | None) -> str | None:
    if lon is None or lat is None:
        return None
    return f"SRID={SRID};POINT({lon!r} {lat!r})"


@dataclass(frozen=True)
class AddressRow:
    """One address of a bulk load (an office's existing register): every stored value, the
    code as the office issued it, the entrance as EWKT."""

    id: uuid.UUID
    code: str
    jurisdiction_id: uuid.UUID
    full_text: str
    number: int | None
    road_id: uuid.UUID | None = None
    suffix: str | None = None
    village_group: str | None = None
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    status: str = "active"
    side: str | None = None
    entrance: str | None = None


def bulk_insert(session: Session, rows: Iterable[AddressRow],
                on_progress: Callable[[int], None] | None = None, batch: int = 5000) -> int:
    """Insert many addresses with their history rows and change-feed rows, bypassing the ORM
    (COPY on PostgreSQL); flushes nothing, the caller commits. Returns the count."""
    conn = session.connection()
    done = 0
    chunk: list[AddressRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch:
            done += _insert_chunk(session, conn, chunk)
            chunk = []
            if on_progress:
                on_progress(done)
    if chunk:
        done += _insert_chunk(session, conn, chunk)
        if on_progress:
            on_progress(done)
    return done


def _insert_chunk(session: Session, conn: Any, chunk: list[AddressRow]) -> int:
    now = utcnow()
    records = [{"id": r.id, "code": r.code, "jurisdiction_id": r.jurisdiction_id,
                "road_id": r.road_id, "village_group": r.village_group, "number": r.number,
                "suffix": r.suffix, "building": r.building, "unit": r.unit, "room": r.room,
                "full_text": r.full_text, "status": r.status, "side": r.side, "distance_m": None,
                "entrance": r.entrance, "road_point": None, "version": 1, "created_at": now,
                "updated_at": now} for r in chunk]
    spatial.bulk_insert_rows(conn, Address.__table__, records)
    spatial.bulk_insert_rows(conn, HistoryRow.__table__,
                             history_rows("address", records, now))
    record_bulk(session, "address", ((r["id"], "insert", 1) for r in records))
    return len(records)
