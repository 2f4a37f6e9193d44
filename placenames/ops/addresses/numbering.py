"""House numbering of the addresses along one road, from the database.

Reads the road's centreline and its addresses' entrances, runs the pure
:mod:`placenames.addressing.numbering` / :mod:`~placenames.addressing.validate`, and stores
number, sub-number, side, distance along the road (from the first digitised vertex, as the
demo loader does) and the road point. Spatial SQL goes through :mod:`placenames.spatial`.

By default existing numbers are kept and only entrances without one are numbered (infill);
``renumber=True`` numbers every entrance afresh (a new road). Operations flush, never commit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import spatial
from ...addressing.compose import AddressParts, format_zh
from ...addressing.geometry import LonLat
from ...addressing.numbering import (
    BEIJING_EAST_WEST,
    Entrance,
    HouseNumber,
    NumberedEntrance,
    NumberingPolicy,
    number_infill,
    number_road,
)
from ...addressing.validate import Finding, validate_road
from ...errors import BadInput, NotFound
from ...models import Address, AddressStatus, Place
from ...models.places import HISTORICAL
from .register import jurisdiction_path, parts_of

PRESETS: dict[str, NumberingPolicy] = {
    "default": NumberingPolicy(),  # from the start, 左单右双
    "beijing-ew": BEIJING_EAST_WEST,
    "distance": NumberingPolicy(mode="distance"),
}
"""Named policies; options given beside a preset override its fields."""


def parse_policy(preset: str = "default", options: Mapping[str, Any] | None = None
                 ) -> NumberingPolicy:
    """A policy from a preset name and overrides (origin, odd_side, mode, interval_m, skip,
    skip_containing_4, dead_end), as typed by people; BadInput when one makes no sense."""
    if preset not in PRESETS:
        raise BadInput(f"未知编号规则 / unknown policy: {preset} ({', '.join(PRESETS)})")
    fields: dict[str, Any] = {k: v for k, v in (options or {}).items() if v not in (None, "")}
    if isinstance(fields.get("skip"), str):
        try:
            fields["skip"] = frozenset(int(x) for x in fields["skip"].split(",") if x.strip())
        except ValueError:
            raise BadInput("跳号须为逗号分隔的数字 / skip must list numbers") from None
    try:
        if "interval_m" in fields:
            fields["interval_m"] = float(fields["interval_m"])
        policy = replace(PRESETS[preset], **fields)
    except (TypeError, ValueError) as exc:
        raise BadInput(f"编号规则无效 / invalid policy: {exc}") from None
    allowed = {"origin": ("start", "end", "east", "west", "north", "south"),
               "odd_side": ("left", "right"), "mode": ("sequential", "distance"),
               "dead_end": (None, "start", "end")}
    for key, values in allowed.items():
        if getattr(policy, key) not in values:
            raise BadInput(f"编号规则无效 / invalid {key}: {getattr(policy, key)}")
    return policy


def find_road(session: Session, name: str) -> Place:
    """The current road named ``name``; NotFound when none, BadInput when several."""
    name = name.strip()
    places = session.scalars(select(Place).where(Place.name == name)).all()
    current = [p for p in places if p.status not in HISTORICAL] or list(places)
    if not current:
        raise NotFound(f"没有名为“{name}”的道路。 No road named {name}.")
    if len(current) > 1:
        raise BadInput(f"有多条道路名为“{name}”，请指明。 Several roads are named {name}.")
    return current[0]


def road_line(session: Session, road: Place) -> list[LonLat]:
    """The road's centreline as (lon, lat) vertices; BadInput when it has no line geometry.

    A multi-line is joined part after part (parts are expected in order along the road).
    """
    text = session.scalar(select(spatial.as_geojson(Place.geom)).where(Place.id == road.id))
    geo = json.loads(text) if text else {}
    if geo.get("type") == "LineString":
        return [(float(x), float(y)) for x, y, *_ in geo["coordinates"]]
    if geo.get("type") == "MultiLineString":
        return [(float(x), float(y)) for part in geo["coordinates"] for x, y, *_ in part]
    raise BadInput(f"道路“{road.name}”没有中心线几何。 Road {road.name} has no centreline.")


@dataclass(frozen=True)
class RoadAddress:
    """An address of the road with its entrance point (None when not surveyed)."""

    address: Address
    point: LonLat | None

    @property
    def house_number(self) -> HouseNumber | None:
        """The stored number as a HouseNumber, or None."""
        a = self.address
        if not a.number:
            return None
        sub = int(a.suffix) if a.suffix and a.suffix.isdigit() else 0
        return HouseNumber(a.number, sub)


def road_addresses(session: Session, road: Place) -> list[RoadAddress]:
    """The active addresses on ``road`` that carry a house number slot (not rooms or units)."""
    lon, lat = spatial.point_lon_lat(Address.entrance)
    rows = session.execute(
        select(Address, lon, lat).where(Address.road_id == road.id,
                                        Address.status == AddressStatus.ACTIVE,
                                        Address.building.is_(None), Address.unit.is_(None),
                                        Address.room.is_(None))
        .order_by(Address.code))
    return [RoadAddress(a, (x, y) if x is not None and y is not None else None)
            for a, x, y in rows]


def _entrances(items: list[RoadAddress], *, keep_numbers: bool) -> list[Entrance]:
    return [Entrance(str(i.address.id), i.point, i.house_number if keep_numbers else None)
            for i in items if i.point is not None]


def compose_parts(session: Session, address: Address) -> AddressParts:
    """The address's parts: its jurisdiction path, road or village group, number and below."""
    return parts_of(jurisdiction_path(session, address.jurisdiction),
                    road=address.road.name if address.road else None, number=address.number,
                    suffix=address.suffix, village_group=address.village_group,
                    building=address.building, unit=address.unit, room=address.room)


@dataclass(frozen=True)
class NumberingChange:
    """What numbering did (or would do) to one address."""

    code: str
    old: str | None
    new: str
    side: str
    distance_m: float
    notes: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """True when the number differs from the stored one."""
        return self.old != self.new


@dataclass(frozen=True)
class NumberingReport:
    """The changes, and the codes of addresses left out for want of an entrance point."""

    road: str
    changes: list[NumberingChange]
    no_entrance: list[str]


def number_addresses(session: Session, road: Place, policy: NumberingPolicy, *,
                     renumber: bool = False, dry_run: bool = False) -> NumberingReport:
    """Number the road's addresses (infill, or afresh with ``renumber``) and store the result.

    With ``dry_run`` nothing is written. Every changed address gets its new full text, and a
    history row through the session hook.
    """
    items = road_addresses(session, road)
    line = road_line(session, road)
    entrances = _entrances(items, keep_numbers=not renumber)
    run = number_road if renumber else number_infill
    try:
        numbered = run(line, entrances, policy) if entrances else []
    except ValueError as exc:
        raise BadInput(f"无法编号 / cannot number: {exc}") from None
    by_id = {str(i.address.id): i for i in items}
    changes = [_apply(session, by_id[n.id], n, dry_run) for n in numbered]
    if not dry_run:
        session.flush()
    missing = [i.address.code for i in items if i.point is None]
    return NumberingReport(road.name, changes, missing)


def _apply(session: Session, item: RoadAddress, n: NumberedEntrance,
           dry_run: bool) -> NumberingChange:
    """Store number, side, distance and road point on one address (unless ``dry_run``)."""
    a = item.address
    old = str(item.house_number) if item.house_number else None
    change = NumberingChange(a.code, old, n.label, n.side, round(n.chainage_m, 1), n.notes)
    if dry_run:
        return change
    if change.changed:
        a.number = n.number.number
        a.suffix = str(n.number.sub) if n.number.sub else None
        a.full_text = format_zh(compose_parts(session, a))
    if a.side != n.side or a.distance_m != change.distance_m or a.road_point is None:
        a.side, a.distance_m = n.side, change.distance_m
        a.road_point = spatial.ewkt_point(*n.road_point)
    return change


@dataclass(frozen=True)
class FindingRow:
    """A validator finding with the address codes it concerns."""

    finding: Finding
    codes: tuple[str, ...]


def validate_addresses(session: Session, road: Place, policy: NumberingPolicy
                       ) -> list[FindingRow]:
    """Check the stored numbers of the road: wrong side, out of order, duplicates, gaps."""
    items = road_addresses(session, road)
    entrances = _entrances(items, keep_numbers=True)
    if not entrances:
        return []
    codes = {str(i.address.id): i.address.code for i in items}
    findings = validate_road(road_line(session, road), entrances, policy)
    return [FindingRow(f, tuple(codes[e] for e in f.entrance_ids)) for f in findings]
