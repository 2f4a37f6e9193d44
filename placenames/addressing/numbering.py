"""House numbering (门牌编号) along a road centreline.

The road is a list of (lon, lat) vertices; entrances are points with an id and, perhaps, an
existing number. Everything is computed in a local metric projection (see ``geometry``).

Pipeline, each step a small function:

1. choose the counting direction from the policy (``origin``, ``dead_end``) — the numbers
   never depend on the direction in which the line happened to be digitised;
2. locate every entrance: side (left/right of the counting direction), distance along the
   road from the counting origin, offset from the centreline and the road point (the nearest
   point on the centreline). Entrances beyond an end get a negative distance, or one larger
   than the road length, measured along the extended end segment;
3. assign numbers side by side, in order along the road: odd numbers on ``odd_side`` and even
   numbers on the other (左单右双 by default). ``sequential`` mode takes the next allowed
   number; ``distance`` mode takes the number of the slot the entrance falls in (one number
   pair every ``interval_m`` metres), which reserves numbers for future infill. Existing numbers
   are kept (:func:`number_infill`); a new entrance between two existing numbers takes a free
   number between them if one exists, else a sub-number of the preceding one (12-1, 12-2…).

Closed roads (first vertex == last vertex) are counted from the first vertex in the
digitised direction, whatever the origin; rotate the vertex list to move the origin.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from shapely.geometry import LineString, Point

from .geometry import XY, LocalProjection, LonLat, local_projection_for

Side = Literal["left", "right"]
Parity = Literal["odd", "even"]
Origin = Literal["start", "end", "east", "west", "north", "south"]
Mode = Literal["sequential", "distance"]

_SEARCH_SPAN = 100_000  # how far beyond a bound to look for a free number
_CLOSED_TOLERANCE_M = 0.01
_TIE_TOLERANCE_M = 1.0
_END_TOLERANCE_M = 1e-6  # an entrance must lie this far past an end to be 'beyond' it


@dataclass(frozen=True, order=True)
class HouseNumber:
    """A house number with an optional sub-number: 12 → ``HouseNumber(12)``, 12-1 → ``(12, 1)``.

    Ordering is along the road: 12 < 12-1 < 12-2 < 14. ``sub == 0`` means no sub-number.
    """

    number: int
    sub: int = 0

    def __post_init__(self) -> None:
        if self.number < 1 or self.sub < 0:
            raise ValueError(f"invalid house number {self.number}-{self.sub}")

    def __str__(self) -> str:
        return f"{self.number}-{self.sub}" if self.sub else str(self.number)

    @property
    def parity(self) -> Parity:
        """Parity of the main number (a sub-number inherits it)."""
        return "odd" if self.number % 2 else "even"


_HOUSE_NUMBER_RE = re.compile(r"^\s*(\d+)\s*(?:(?:-|之|—|－)\s*(\d+))?\s*号?\s*$")


def parse_house_number(text: str) -> HouseNumber:
    """Parse "12", "12号", "12-1", "12之1号" into a :class:`HouseNumber`; raise ValueError."""
    match = _HOUSE_NUMBER_RE.match(text)
    if not match:
        raise ValueError(f"not a house number: {text!r}")
    return HouseNumber(int(match.group(1)), int(match.group(2) or 0))


@dataclass(frozen=True)
class Entrance:
    """An entrance (door, gate) to number: an id, its (lon, lat), maybe its existing number."""

    id: str
    point: LonLat
    number: HouseNumber | None = None


@dataclass(frozen=True)
class NumberingPolicy:
    """Local numbering rules for one road.

    - ``origin``: where counting starts: ``"start"``/``"end"`` = first/last vertex as digitised;
      ``"east"``/``"west"``/``"north"``/``"south"`` = the end lying farthest that way (ends
      level within 1 m that way: the digitised start).
    - ``odd_side``: side of the odd numbers, looking in the counting direction (左单右双 = left).
    - ``mode``: ``"sequential"`` (1, 3, 5…) or ``"distance"`` (number from the distance along the
      road: slot ``k = floor(d / interval_m)`` gives odd ``2k+1`` and even ``2k+2``).
    - ``skip``: numbers never issued (e.g. ``{4, 13, 14}``); ``skip_containing_4`` also drops
      every number with a digit 4 (4, 14, 24, 40…).
    - ``dead_end``: which digitised end is closed (``"start"``/``"end"``); counting then starts
      at the open end, overriding ``origin``.
    - ``same_position_m``: entrances closer than this (along and across) are flagged as sharing
      a position; they still get distinct numbers, in id order.

    Beijing east-west roads (from the east, odds on the north side) are
    ``NumberingPolicy(origin="east", odd_side="right")``: walking west, north is on the right.
    """

    origin: Origin = "start"
    odd_side: Side = "left"
    mode: Mode = "sequential"
    interval_m: float = 10.0
    skip: frozenset[int] = field(default_factory=frozenset)
    skip_containing_4: bool = False
    dead_end: Literal["start", "end"] | None = None
    same_position_m: float = 0.5

    def __post_init__(self) -> None:
        if not self.interval_m > 0:
            raise ValueError("interval_m must be positive")

    def allowed(self, number: int) -> bool:
        """True if ``number`` may be issued under the skip rules."""
        if number < 1 or number in self.skip:
            return False
        return not (self.skip_containing_4 and "4" in str(number))

    def parity_of(self, side: Side) -> Parity:
        """The parity of numbers on ``side``."""
        return "odd" if side == self.odd_side else "even"


BEIJING_EAST_WEST = NumberingPolicy(origin="east", odd_side="right")
"""Beijing practice for east-west roads: counted from the east, odd numbers on the north side."""


@dataclass(frozen=True)
class Location:
    """Where an entrance lies relative to the road (counting direction of the policy).

    ``distance_along_m`` is from the counting origin, ``chainage_m`` from the first digitised
    vertex; both are negative before the start and exceed the length beyond the end.
    ``offset_m`` is the distance from the entrance to ``road_point``, the nearest centreline point.
    """

    side: Side
    distance_along_m: float
    chainage_m: float
    offset_m: float
    road_point: LonLat
    beyond_end: bool
    on_centreline: bool


@dataclass(frozen=True)
class NumberedEntrance:
    """One numbered entrance: its location, number and how the number came about.

    ``is_new`` is False when the number is the entrance's existing one. ``notes`` holds codes:
    ``beyond_end``, ``on_centreline`` (side is a guess), ``same_position``,
    ``before_first_existing`` (a sub-number placed before the first existing number).
    """

    id: str
    point: LonLat
    side: Side
    distance_along_m: float
    chainage_m: float
    offset_m: float
    road_point: LonLat
    number: HouseNumber
    is_new: bool
    notes: tuple[str, ...] = ()

    @property
    def parity(self) -> Parity:
        """Parity of the number."""
        return self.number.parity

    @property
    def label(self) -> str:
        """The number as written on the plate: ``"12-1"``."""
        return str(self.number)


@dataclass(frozen=True)
class _Road:
    projection: LocalProjection
    line: LineString  # in the counting direction, local metres
    counted_from_end: bool
    closed: bool

    @property
    def length(self) -> float:
        return float(self.line.length)


def _prepare_road(centreline: Sequence[LonLat], policy: NumberingPolicy) -> _Road:
    """Project the centreline and orient it in the counting direction."""
    projection = local_projection_for(centreline)
    xy = _dedupe(projection.to_xy(centreline))
    if len(xy) < 2:
        raise ValueError("a centreline needs at least two distinct vertices")
    closed = math.dist(xy[0], xy[-1]) < _CLOSED_TOLERANCE_M and len(xy) > 2
    from_end = not closed and _count_from_end(xy, policy)
    line = LineString(xy[::-1] if from_end else xy)
    return _Road(projection, line, from_end, closed)


def _dedupe(xy: list[XY]) -> list[XY]:
    out: list[XY] = []
    for p in xy:
        if not out or math.dist(out[-1], p) > 1e-6:
            out.append(p)
    return out


def _count_from_end(xy: list[XY], policy: NumberingPolicy) -> bool:
    """True if counting starts at the last digitised vertex."""
    if policy.dead_end is not None:
        return policy.dead_end == "start"
    (x0, y0), (x1, y1) = xy[0], xy[-1]
    dx, dy = x1 - x0, y1 - y0
    tol = _TIE_TOLERANCE_M  # ends level within this: keep the digitised start
    return {
        "start": False,
        "end": True,
        "east": dx > tol,
        "west": dx < -tol,
        "north": dy > tol,
        "south": dy < -tol,
    }[policy.origin]


def locate(
    centreline: Sequence[LonLat], points: Sequence[LonLat], policy: NumberingPolicy
) -> list[Location]:
    """Locate ``points`` relative to the road; see :class:`Location`. Input order is kept."""
    road = _prepare_road(centreline, policy)
    return [_locate_xy(road, xy) for xy in road.projection.to_xy(points)]


def _locate_xy(road: _Road, xy: XY) -> Location:
    line, length = road.line, road.length
    d = float(line.project(Point(xy)))
    along, tangent, beyond = _along_and_tangent(road, xy, d)
    road_xy = line.interpolate(d)
    rx, ry = float(road_xy.x), float(road_xy.y)
    cross = tangent[0] * (xy[1] - ry) - tangent[1] * (xy[0] - rx)
    offset = math.dist(xy, (rx, ry))
    on_line = offset < 1e-6 or abs(cross) < 1e-9 * max(1.0, offset)
    return Location(
        side="right" if cross < 0 else "left",
        distance_along_m=along,
        chainage_m=length - along if road.counted_from_end else along,
        offset_m=offset,
        road_point=road.projection.to_lonlat([(rx, ry)])[0],
        beyond_end=beyond,
        on_centreline=on_line,
    )


def _along_and_tangent(road: _Road, xy: XY, d: float) -> tuple[float, XY, bool]:
    """Distance along (extended past the ends), unit tangent there, and whether beyond an end."""
    coords = [(float(x), float(y)) for x, y in road.line.coords]
    units = [_unit(a, b) for a, b in zip(coords, coords[1:], strict=False)]
    if not road.closed and d <= 0:
        t = _dot(_sub(xy, coords[0]), units[0])
        if t < -_END_TOLERANCE_M:
            return t, units[0], True
    if not road.closed and d >= road.length:
        t = _dot(_sub(xy, coords[-1]), units[-1])
        if t > _END_TOLERANCE_M:
            return road.length + t, units[-1], True
    return d, _tangent_at(coords, units, d, road.closed), False


def _tangent_at(coords: list[XY], units: list[XY], d: float, closed: bool) -> XY:
    """Unit tangent at distance ``d``; at a vertex, the mean of the two segment directions."""
    travelled = 0.0
    for i, u in enumerate(units):
        seg = math.dist(coords[i], coords[i + 1])
        if abs(d - travelled) < 1e-7 and (i > 0 or closed):
            mean = _add(units[i - 1], u)
            return u if math.hypot(*mean) < 1e-9 else _unit((0.0, 0.0), mean)
        if d <= travelled + seg:
            return u
        travelled += seg
    return units[0] if closed else units[-1]


def _sub(a: XY, b: XY) -> XY:
    return a[0] - b[0], a[1] - b[1]


def _add(a: XY, b: XY) -> XY:
    return a[0] + b[0], a[1] + b[1]


def _dot(a: XY, b: XY) -> float:
    return a[0] * b[0] + a[1] * b[1]


def _unit(a: XY, b: XY) -> XY:
    dx, dy = b[0] - a[0], b[1] - a[1]
    norm = math.hypot(dx, dy)
    return dx / norm, dy / norm


@dataclass
class _Item:
    entrance: Entrance
    location: Location
    number: HouseNumber | None = None
    is_new: bool = False
    notes: list[str] = field(default_factory=list)


def number_road(
    centreline: Sequence[LonLat], entrances: Sequence[Entrance], policy: NumberingPolicy
) -> list[NumberedEntrance]:
    """Number every entrance afresh, ignoring existing numbers (a new or renumbered road).

    Input: the centreline (lon, lat vertices), the entrances, the policy. Output: one
    :class:`NumberedEntrance` per entrance, in input order.
    """
    fresh = [Entrance(e.id, e.point) for e in entrances]
    return number_infill(centreline, fresh, policy)


def number_infill(
    centreline: Sequence[LonLat], entrances: Sequence[Entrance], policy: NumberingPolicy
) -> list[NumberedEntrance]:
    """Keep existing numbers and number the entrances that have none (infill).

    A new entrance takes a free allowed number of its side's parity lying between the numbers
    of its neighbours on that side (sequential: the smallest; distance mode: the one nearest
    its slot). When none is free it becomes a sub-number of the preceding number (12 → 12-1,
    12-2…), so nothing is renumbered. Output in input order; ids must be unique.
    """
    if len({e.id for e in entrances}) != len(entrances):
        raise ValueError("entrance ids must be unique")
    locations = locate(centreline, [e.point for e in entrances], policy)
    items = [_Item(e, loc, e.number) for e, loc in zip(entrances, locations, strict=True)]
    taken = {e.number for e in entrances if e.number is not None}
    for side in ("left", "right"):
        row = _sorted_side(items, side)
        _flag_same_positions(row, policy.same_position_m)
        _assign_side(row, policy.parity_of(side), policy, taken)
    return [_finish(item) for item in items]


def _sorted_side(items: Sequence[_Item], side: Side) -> list[_Item]:
    """The items on ``side`` in order along the road (ties by id)."""
    row = [i for i in items if i.location.side == side]
    return sorted(row, key=lambda i: (i.location.distance_along_m, i.entrance.id))


def _flag_same_positions(row: list[_Item], tolerance: float) -> None:
    for a, b in zip(row, row[1:], strict=False):
        close_along = abs(a.location.distance_along_m - b.location.distance_along_m) <= tolerance
        close_across = abs(a.location.offset_m - b.location.offset_m) <= tolerance
        if close_along and close_across:
            for item in (a, b):
                if "same_position" not in item.notes:
                    item.notes.append("same_position")


def _assign_side(
    row: list[_Item], parity: Parity, policy: NumberingPolicy, taken: set[HouseNumber]
) -> None:
    prev: HouseNumber | None = None
    for index, item in enumerate(row):
        if item.number is not None:
            prev = item.number
            continue
        nxt = next((i.number for i in row[index + 1 :] if i.number is not None), None)
        slot = _slot_number(item.location.distance_along_m, parity, policy)
        number = _free_number(prev, nxt, slot, parity, policy, taken)
        if number is None:
            number = _sub_number(prev, nxt, taken)
            if prev is None:
                item.notes.append("before_first_existing")
        item.number, item.is_new = number, True
        taken.add(number)
        prev = number


def _slot_number(distance: float, parity: Parity, policy: NumberingPolicy) -> int | None:
    """Distance mode: the number reserved for this distance; sequential mode: None."""
    if policy.mode == "sequential":
        return None
    slot = math.floor(max(0.0, distance) / policy.interval_m)
    return 2 * slot + (1 if parity == "odd" else 2)


def _free_number(
    prev: HouseNumber | None,
    nxt: HouseNumber | None,
    slot: int | None,
    parity: Parity,
    policy: NumberingPolicy,
    taken: set[HouseNumber],
) -> HouseNumber | None:
    """A free, allowed number strictly between ``prev`` and ``nxt`` (None if there is none)."""
    low = prev.number if prev else 0
    high = nxt.number if nxt else None
    start = max(low + 1, slot or 0)
    upward = _candidates(start, high, parity, policy, taken)
    found = next(upward, None)
    if found is None and slot is not None:
        below = min(slot, high or slot) - 1
        found = next(_candidates_down(below, low, parity, policy, taken), None)
    return HouseNumber(found) if found is not None else None


def _candidates(
    start: int, high: int | None, parity: Parity, policy: NumberingPolicy, taken: set[HouseNumber]
) -> Iterator[int]:
    stop = high if high is not None else start + _SEARCH_SPAN
    for n in range(_first_of_parity(start, parity), stop, 2):
        if policy.allowed(n) and HouseNumber(n) not in taken:
            yield n


def _candidates_down(
    start: int, low: int, parity: Parity, policy: NumberingPolicy, taken: set[HouseNumber]
) -> Iterator[int]:
    first = start if (start % 2 == 1) == (parity == "odd") else start - 1
    for n in range(first, low, -2):
        if policy.allowed(n) and HouseNumber(n) not in taken:
            yield n


def _first_of_parity(start: int, parity: Parity) -> int:
    start = max(start, 1)
    return start if (start % 2 == 1) == (parity == "odd") else start + 1


def _sub_number(
    prev: HouseNumber | None, nxt: HouseNumber | None, taken: set[HouseNumber]
) -> HouseNumber:
    """The next unused sub-number of the preceding number (or of the next one, if first)."""
    base = prev.number if prev is not None else nxt.number if nxt is not None else 1
    used = [n.sub for n in taken if n.number == base]
    return HouseNumber(base, max(used, default=0) + 1)


def _finish(item: _Item) -> NumberedEntrance:
    loc = item.location
    notes = list(item.notes)
    if loc.beyond_end:
        notes.append("beyond_end")
    if loc.on_centreline:
        notes.append("on_centreline")
    assert item.number is not None  # every side was assigned
    return NumberedEntrance(
        id=item.entrance.id,
        point=item.entrance.point,
        side=loc.side,
        distance_along_m=loc.distance_along_m,
        chainage_m=loc.chainage_m,
        offset_m=loc.offset_m,
        road_point=loc.road_point,
        number=item.number,
        is_new=item.is_new,
        notes=tuple(notes),
    )
