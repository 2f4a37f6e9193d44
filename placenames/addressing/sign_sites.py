"""Where a road's required street signs (街牌/巷牌) stand: at both ends and at each crossing.

Pure: (lon, lat) lines in, proposed sites out; no database. The rule the office follows
(GB 17733 asks for street signs at a road's ends and at its intersections):

- one sign near each end of the road, ``inset_m`` inside it (a road shorter than twice the
  inset gets one sign at its middle);
- one sign near each crossing with another road in force, ``corner_m`` before the crossing
  point along the road (after it when the crossing is at the start), so it stands at the
  corner rather than in the junction;
- crossings within ``merge_m`` of an end are served by the end's sign (the end sign names the
  crossing road), and crossings within ``merge_m`` of each other (a dual carriageway crossing
  twice) get one sign.

Each site faces along the road: ``bearing`` is the road's direction at the site in degrees
clockwise from north, from the road's first point towards its last. Distances are measured
in the local metric projection of :mod:`.geometry`. A road of several parts (a
MultiLineString whose parts do not join) gets ends for each part.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import shapely
from shapely.geometry import LineString, MultiLineString, Point
from shapely.ops import linemerge

from .geometry import XY, LonLat, local_projection_for

LANE_GENERICS = frozenset({"巷", "胡同", "弄", "里"})
"""Generics of lanes: their signs are lane signs (巷牌)."""


@dataclass(frozen=True, slots=True)
class SignSite:
    """A proposed sign: where, which way it faces, and why it is there.

    ``role`` is ``start``, ``end`` or ``crossing``; ``cross_name`` the road crossed (or met
    at an end); ``chainage_m`` the distance along its part of the road from the part's start.
    """

    role: str
    lon: float
    lat: float
    bearing: float
    chainage_m: float
    part: int
    cross_name: str | None = None

    def description(self) -> str:
        """Where the sign stands, in words (起点, 终点, 与X交叉口)."""
        where = {"start": "起点", "end": "终点"}.get(self.role, "")
        if self.cross_name:
            cross = f"与{self.cross_name}交叉口"
            return f"{where}（{cross}）" if where else cross
        return where


def sign_kind_for(generic: str) -> str:
    """``lane`` for a lane's generic (巷, 胡同…), else ``street``."""
    return "lane" if generic in LANE_GENERICS else "street"


def _bearing(line: LineString, at: float) -> float:
    """The line's direction at chainage ``at``, degrees clockwise from north."""
    step = min(2.0, line.length / 4) or 1.0
    a = line.interpolate(max(0.0, at - step))
    b = line.interpolate(min(line.length, at + step))
    return math.degrees(math.atan2(b.x - a.x, b.y - a.y)) % 360.0


def _parts(lines: Sequence[Sequence[LonLat]],
           to_xy: Callable[[Iterable[LonLat]], list[XY]]) -> list[LineString]:
    """The road's parts in metres, joined where they meet end to end."""
    projected = [LineString(to_xy(line)) for line in lines if len(line) >= 2]
    if not projected:
        return []
    merged = linemerge(MultiLineString(projected)) if len(projected) > 1 else projected[0]
    parts = list(merged.geoms) if isinstance(merged, MultiLineString) else [merged]
    return [p for p in parts if p.length > 0]


def propose_sites(road: Sequence[Sequence[LonLat]],
                  others: Sequence[tuple[str, Sequence[Sequence[LonLat]]]], *,
                  inset_m: float = 15.0, corner_m: float = 10.0,
                  merge_m: float = 40.0) -> list[SignSite]:
    """The signs a road needs: its ends and its crossings with ``others`` (name, lines).

    ``road`` and each other road are lists of (lon, lat) lines. Returns the sites ordered
    by part and chainage. An empty list for a road without a line."""
    points = [p for line in road for p in line]
    if len(points) < 2:
        return []
    proj = local_projection_for(points)
    parts = _parts(road, proj.to_xy)
    crossers = [(name, _parts(lines, proj.to_xy)) for name, lines in others]
    drafts: list[tuple[str, int, float, str | None]] = []  # role, part, chainage, cross
    for index, part in enumerate(parts):
        hits: list[tuple[float, str]] = []
        for name, lines in crossers:
            for other in lines:
                inter = part.intersection(other)
                for geom in getattr(inter, "geoms", [inter]):
                    if isinstance(geom, Point) and not geom.is_empty:
                        hits.append((part.project(geom), name))
        hits.sort()
        length = part.length
        ends: list[tuple[str, float]] = ([("start", length / 2)] if length < 2 * inset_m
                                         else [("start", inset_m), ("end", length - inset_m)])
        end_at = {"start": 0.0, "end": length}
        for role, at in ends:
            near = [n for c, n in hits if abs(c - end_at[role]) <= merge_m]
            drafts.append((role, index, at, near[0] if near else None))
        last: float | None = None
        for c, name in hits:
            if c <= merge_m or c >= length - merge_m or length < 2 * inset_m:
                continue  # served by an end's sign
            if last is not None and c - last <= merge_m:
                continue  # the same junction crossed twice
            last = c
            at = c - corner_m if c - corner_m > 0 else c + corner_m
            drafts.append(("crossing", index, at, name))
    sites: list[SignSite] = []
    for role, index, at, crossed in drafts:
        part = parts[index]
        pt = part.interpolate(at)
        lon, lat = proj.to_lonlat([(pt.x, pt.y)])[0]
        sites.append(SignSite(role, round(lon, 7), round(lat, 7),
                              round(_bearing(part, at), 1), round(at, 1), index, crossed))
    sites.sort(key=lambda s: (s.part, s.chainage_m))
    return sites


def lines_of(geojson: dict[str, object]) -> list[list[LonLat]]:
    """The (lon, lat) lines of a GeoJSON LineString or MultiLineString (else none)."""
    geom = shapely.geometry.shape(geojson)
    if isinstance(geom, LineString):
        return [[(float(x), float(y)) for x, y, *_ in geom.coords]]
    if isinstance(geom, MultiLineString):
        return [[(float(x), float(y)) for x, y, *_ in g.coords] for g in geom.geoms]
    return []
