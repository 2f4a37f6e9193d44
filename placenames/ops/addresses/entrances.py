"""New entrances placed on a road's map: the numbers the engine proposes, then the addresses.

Staff place entrance points along a road (clicked on the map, or pasted as ``lon,lat`` lines).
:func:`propose` numbers them among the road's existing addresses (infill: nothing already
issued changes) and runs the validator on the result; :func:`accept` registers exactly the
proposed addresses. Operations flush, the caller commits.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ...addressing.geometry import LonLat, haversine_m
from ...addressing.numbering import Entrance, NumberingPolicy, number_infill
from ...addressing.validate import Finding, validate_road
from ...errors import BadInput, Conflict
from ...models import Address, Place
from ...models.places import HISTORICAL
from .numbering import road_addresses, road_line
from .register import AddressInput, create_address

MAX_ENTRANCES = 500
MAX_DISTANCE_M = 300.0  # an entrance further from the road belongs to another road
_POINT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,\s]\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class Proposal:
    """The number proposed for one new entrance."""

    index: int
    point: LonLat
    number: int
    sub: int
    label: str
    side: str
    distance_m: float
    road_point: LonLat
    notes: tuple[str, ...]


@dataclass(frozen=True)
class ProposalReport:
    """Proposed numbers for the new entrances and the validator's findings on the whole road."""

    proposals: list[Proposal]
    findings: list[Finding]


def parse_points(text: str) -> list[LonLat]:
    """``lon,lat`` per line (comma or space; blank lines skipped) → points, or BadInput that
    names every bad line."""
    points: list[LonLat] = []
    problems = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        m = _POINT.match(line)
        lon, lat = (float(m.group(1)), float(m.group(2))) if m else (math.nan, math.nan)
        if not m or not (-180 <= lon <= 180 and -90 <= lat <= 90):
            problems.append(f"第 {n} 行 / line {n}: “{line.strip()[:40]}”")
            continue
        points.append((lon, lat))
    if problems:
        raise BadInput("入口坐标须为“经度,纬度”，每行一个。 Each line must be lon,lat: "
                       + "; ".join(problems[:10]))
    if not points:
        raise BadInput("请在地图上点选入口，或粘贴入口坐标。 Place at least one entrance.")
    if len(points) > MAX_ENTRANCES:
        raise BadInput(f"一次最多 {MAX_ENTRANCES} 个入口。 At most {MAX_ENTRANCES} entrances.")
    return points


def _check_road(road: Place) -> None:
    if road.status in HISTORICAL:
        raise Conflict(f"“{road.name}”已不是标准地名，不能再编门牌。 "
                       f"{road.name} is no longer a standard name.")
    if road.jurisdiction_id is None:
        raise BadInput(f"“{road.name}”没有所属行政区。 {road.name} has no jurisdiction.")


def propose(session: Session, road: Place, points: list[LonLat],
            policy: NumberingPolicy) -> ProposalReport:
    """Number ``points`` among the road's existing addresses (infill); writes nothing."""
    _check_road(road)
    line = road_line(session, road)
    existing = [Entrance(str(i.address.id), i.point, i.house_number)
                for i in road_addresses(session, road) if i.point is not None]
    new = [Entrance(f"new-{k}", p) for k, p in enumerate(points)]
    try:
        numbered = number_infill(line, existing + new, policy)
    except ValueError as exc:
        raise BadInput(f"无法编号 / cannot number: {exc}") from None
    proposals = []
    for n in numbered:
        if not n.id.startswith("new-"):
            continue
        far, k = haversine_m(n.point, n.road_point), int(n.id[4:])
        if far > MAX_DISTANCE_M:
            raise BadInput(f"入口 {k + 1} 距道路 {far:.0f} 米，超过 {MAX_DISTANCE_M:.0f} 米。"
                           f" Entrance {k + 1} is {far:.0f} m from the road.")
        proposals.append(Proposal(k, n.point, n.number.number, n.number.sub,
                                  n.label, n.side, round(n.chainage_m, 1), n.road_point,
                                  n.notes))
    proposals.sort(key=lambda p: p.index)
    findings = validate_road(line, [Entrance(n.id, n.point, n.number) for n in numbered], policy)
    return ProposalReport(proposals, findings)


def accept(session: Session, road: Place, points: list[LonLat],
           policy: NumberingPolicy) -> list[Address]:
    """Register the proposed addresses of ``points`` (numbers computed afresh, as previewed
    unless someone numbered the road in between); returns them in entrance order."""
    report = propose(session, road, points, policy)
    assert road.jurisdiction is not None
    created = []
    for p in report.proposals:
        created.append(create_address(session, AddressInput(
            jurisdiction=road.jurisdiction, road=road, number=p.number,
            suffix=str(p.sub) if p.sub else None, lon=p.point[0], lat=p.point[1],
            road_point=p.road_point, side=p.side, distance_m=p.distance_m)))
    return created
