"""A printed map as plain drawing values (pure: no database, no PDF): the naming plan's map
and the gazetteer's chapter maps.

:func:`layout_map` takes the subject features (the plan's reserved names, a gazetteer chapter's
names: each with a style and its number in the document's tables) and the roads around them
(GeoJSON, CGCS2000 longitude/latitude) and gives everything the PDF draws, in points of a
frame ``width`` × ``height`` with the origin at its lower left: the projected lines, areas and
points, their labels (placed along a line, at an area's centre or beside a point; a
surrounding road's label that would cover another label is left out, a subject's never: where
it would cover another subject's, it is replaced by its number in the tables), a scale bar of
a round length, where the north arrow goes, and the frame's extent in degrees.
:mod:`.printed_pdf` draws it with reportlab.

The projection is a local equirectangular one centred on the subjects: metres east and north
of the centre, by the lengths of a degree of longitude and of latitude at the centre on the
CGCS2000 ellipsoid. Over the few kilometres of a plan or a township the scale error stays
below 0.1 %, so the scale bar can be trusted on paper. North is up.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import LineString

CGCS2000_A = 6_378_137.0  # semi-major axis (m)
CGCS2000_F = 1 / 298.257222101  # flattening
PAD = 0.08  # share of the span added around the names
MIN_SPAN_M = 400.0  # the smallest extent drawn (one point still gets surroundings)
NICE_STEPS = (1, 2, 5)

Point = tuple[float, float]


def degree_lengths(lat: float) -> tuple[float, float]:
    """Metres in one degree of longitude and of latitude at ``lat`` on the CGCS2000
    ellipsoid."""
    e2 = CGCS2000_F * (2 - CGCS2000_F)
    s2 = math.sin(math.radians(lat)) ** 2
    w = math.sqrt(1 - e2 * s2)
    per_rad_lon = CGCS2000_A / w * math.cos(math.radians(lat))
    per_rad_lat = CGCS2000_A * (1 - e2) / w ** 3
    return (math.radians(1) * per_rad_lon, math.radians(1) * per_rad_lat)


@dataclass(frozen=True)
class Frame:
    """Lon/lat → points of the frame: centre, points per metre, and the frame's size."""

    lon0: float
    lat0: float
    pt_per_m: float
    width: float
    height: float

    def project(self, lon: float, lat: float) -> Point:
        """The frame point (pt, origin lower left) of a lon/lat."""
        per_lon, per_lat = degree_lengths(self.lat0)
        east = (lon - self.lon0) * per_lon
        north = (lat - self.lat0) * per_lat
        return (self.width / 2 + east * self.pt_per_m, self.height / 2 + north * self.pt_per_m)

    def extent(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees of what the frame shows."""
        per_lon, per_lat = degree_lengths(self.lat0)
        half_e = self.width / 2 / self.pt_per_m / per_lon
        half_n = self.height / 2 / self.pt_per_m / per_lat
        return (self.lon0 - half_e, self.lat0 - half_n, self.lon0 + half_e, self.lat0 + half_n)


def bbox_of(geometries: Iterable[dict[str, Any]]) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of GeoJSON geometries, or None when there is none."""
    xs: list[float] = []
    ys: list[float] = []
    for g in geometries:
        for x, y in _coords(g["coordinates"]):
            xs.append(x)
            ys.append(y)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def _coords(c: Any) -> Iterable[Point]:
    if c and isinstance(c[0], int | float):
        yield (float(c[0]), float(c[1]))
    else:
        for part in c:
            yield from _coords(part)


def fit_frame(box: tuple[float, float, float, float], width: float, height: float) -> Frame:
    """The frame of ``width`` × ``height`` points that shows ``box`` (padded by :data:`PAD`,
    at least :data:`MIN_SPAN_M` across) at one scale in both directions."""
    west, south, east, north = box
    lon0, lat0 = (west + east) / 2, (south + north) / 2
    per_lon, per_lat = degree_lengths(lat0)
    span_e = (east - west) * per_lon
    span_n = (north - south) * per_lat
    span_e = max(span_e * (1 + 2 * PAD), MIN_SPAN_M)
    span_n = max(span_n * (1 + 2 * PAD), MIN_SPAN_M)
    return Frame(lon0, lat0, min(width / span_e, height / span_n), width, height)


def nice_length(max_m: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ metres not above ``max_m`` (at least 1 m)."""
    if max_m < 1:
        return 1.0
    exp = math.floor(math.log10(max_m))
    best = 1.0
    for e in (exp - 1, exp):
        for step in NICE_STEPS:
            value = step * 10.0 ** e
            if value <= max_m:
                best = max(best, value)
    return best


def distance_text(m: float) -> str:
    """A distance as printed on the scale bar: ``500 米``, ``2 千米``."""
    if m >= 1000:
        km = m / 1000
        return f"{km:g} 千米"
    return f"{m:g} 米"


@dataclass(frozen=True)
class ScaleBar:
    """A scale bar: its length in points and metres, in ``parts`` equal alternating parts."""

    length_pt: float
    length_m: float
    parts: int

    def ticks(self) -> list[tuple[float, str]]:
        """(offset pt, label) at the start, the middle and the end of the bar."""
        half = self.length_m / 2
        return [(0.0, "0"), (self.length_pt / 2, f"{half:g}" if half < 1000 else
                             f"{half / 1000:g}"), (self.length_pt, distance_text(self.length_m))]


def scale_bar(frame: Frame, max_share: float = 0.28) -> ScaleBar:
    """A round-length scale bar at most ``max_share`` of the frame's width."""
    metres = nice_length(frame.width * max_share / frame.pt_per_m)
    return ScaleBar(metres * frame.pt_per_m, metres, 4)


@dataclass(frozen=True)
class Label:
    """A text placed at ``(x, y)`` (its centre), turned ``angle`` degrees, in ``style``."""

    text: str
    x: float
    y: float
    angle: float
    style: str  # a subject's style (the plan: planned | used; the gazetteer: name) | road
    numbered: bool = False  # the text is the name's number in the tables, not the name


@dataclass
class MapFeature:
    """A projected feature: its lines, area rings and points, in frame points."""

    name: str
    style: str  # a subject's style, or ``road`` for the roads around the subjects
    key: str = ""  # a subject's number in the tables (its label where names crowd)
    lines: list[list[Point]] = field(default_factory=list)
    rings: list[list[Point]] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in frame points

MM = 72 / 25.4  # points per millimetre
SCALE_BAR_AT = (8 * MM, 8 * MM)  # the scale bar's lower left corner
NORTH_ARROW_AT = (-14 * MM, -22 * MM)  # the arrow's foot, from the frame's upper right


@dataclass(frozen=True)
class MapDrawing:
    """Everything the printed map draws; ``scale_at`` and ``north_at`` are where the scale
    bar (lower left corner) and the north arrow (its foot) go, no road label under them."""

    width: float
    height: float
    features: list[MapFeature]
    labels: list[Label]
    scale: ScaleBar
    extent: tuple[float, float, float, float]
    scale_denominator: int  # 1 : n on paper
    scale_at: Point = SCALE_BAR_AT
    north_at: Point = (0.0, 0.0)

    @property
    def numbered(self) -> bool:
        """True when some subject is labelled by its number."""
        return any(label.numbered for label in self.labels)


def furniture_boxes(width: float, height: float, bar: ScaleBar) -> tuple[Point, Box, Box]:
    """Where the north arrow goes, and the boxes the scale bar and the arrow cover."""
    sx, sy = SCALE_BAR_AT
    north = (width + NORTH_ARROW_AT[0], height + NORTH_ARROW_AT[1])
    return (north, (sx - 2 * MM, sy - 2 * MM, sx + bar.length_pt + 12 * MM, sy + 9 * MM),
            (north[0] - 6 * MM, north[1] - 5 * MM, north[0] + 6 * MM, north[1] + 13 * MM))


def project_geometry(frame: Frame, name: str, style: str, geometry: dict[str, Any]
                     ) -> MapFeature:
    """A GeoJSON geometry projected into the frame."""
    f = MapFeature(name, style)
    kind, coords = geometry["type"], geometry["coordinates"]

    def line(c: Any) -> list[Point]:
        return [frame.project(x, y) for x, y, *_ in c]

    if kind == "Point":
        f.points.append(frame.project(coords[0], coords[1]))
    elif kind == "MultiPoint":
        f.points.extend(frame.project(x, y) for x, y, *_ in coords)
    elif kind == "LineString":
        f.lines.append(line(coords))
    elif kind == "MultiLineString":
        f.lines.extend(line(c) for c in coords)
    elif kind == "Polygon":
        f.rings.extend(line(c) for c in coords)
    elif kind == "MultiPolygon":
        f.rings.extend(line(r) for poly in coords for r in poly)
    return f


def line_anchor(points: list[Point]) -> tuple[float, float, float]:
    """Where a line's label goes: the middle of the line by length, turned along the segment
    there and kept upright (angle in (-90°, 90°])."""
    lengths = [math.dist(a, b) for a, b in zip(points, points[1:], strict=False)]
    total = sum(lengths)
    if total == 0:
        return (points[0][0], points[0][1], 0.0)
    target, run = total / 2, 0.0
    for (a, b), seg in zip(zip(points, points[1:], strict=False), lengths, strict=True):
        if run + seg >= target and seg > 0:
            t = (target - run) / seg
            angle = math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
            if angle > 90:
                angle -= 180
            elif angle <= -90:
                angle += 180
            return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]), angle)
        run += seg
    return (points[-1][0], points[-1][1], 0.0)


def visible_lines(lines: list[list[Point]], width: float, height: float) -> list[list[Point]]:
    """The parts of ``lines`` inside the frame (0, 0)–(width, height)."""
    out: list[list[Point]] = []
    for pts in lines:
        if len(pts) < 2:
            continue
        clipped = shapely.clip_by_rect(LineString(pts), 0, 0, width, height)
        parts = getattr(clipped, "geoms", [clipped])
        out.extend([(float(x), float(y)) for x, y in part.coords] for part in parts
                   if not part.is_empty and part.geom_type == "LineString")
    return out


def _length(pts: list[Point]) -> float:
    return sum(math.dist(a, b) for a, b in zip(pts, pts[1:], strict=False))


def label_for(feature: MapFeature, width: float = math.inf, height: float = math.inf,
              point_offset: float = 9.0) -> Label | None:
    """The label of a feature: along the longest part of its lines inside the frame
    (``width`` × ``height``), at the centre of its first ring, or above its first point
    (None when it has nothing drawn in the frame)."""
    if feature.lines:
        lines = feature.lines if math.isinf(width) else visible_lines(feature.lines, width,
                                                                       height)
        if not lines:
            return None
        x, y, angle = line_anchor(max(lines, key=_length))
        return Label(feature.name, x, y, angle, feature.style)
    if feature.rings:
        ring = feature.rings[0]
        return Label(feature.name, sum(p[0] for p in ring) / len(ring),
                     sum(p[1] for p in ring) / len(ring), 0.0, feature.style)
    if feature.points:
        x, y = feature.points[0]
        return Label(feature.name, x, y + point_offset, 0.0, feature.style)
    return None


def text_units(text: str) -> float:
    """The width of ``text`` in full-width characters (Latin letters and digits count a bit
    more than half)."""
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.6 for ch in text)


def _box(label: Label, char_w: float, height: float) -> tuple[float, float, float, float]:
    """An axis-aligned box around a (possibly turned) label."""
    half_w = text_units(label.text) * char_w / 2
    a = math.radians(label.angle)
    dx = abs(half_w * math.cos(a)) + abs(height / 2 * math.sin(a))
    dy = abs(half_w * math.sin(a)) + abs(height / 2 * math.cos(a))
    return (label.x - dx, label.y - dy, label.x + dx, label.y + dy)


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]
              ) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(features: list[MapFeature], width: float, height: float,
                 char_w: float = 8.0, text_h: float = 9.0, keep_out: list[Box] | None = None
                 ) -> list[Label]:
    """Labels of the features: every subject's (by its name, or by its ``key`` where the
    name would cover another subject's label), then the roads' that cover no label
    already placed nor a ``keep_out`` box, and lie inside the frame."""
    placed: list[Label] = []
    boxes: list[Box] = []
    out = list(keep_out or [])
    ordered = sorted(features, key=lambda f: f.style == "road")
    for f in ordered:
        label = label_for(f, width, height)
        if label is None:
            continue
        box = _box(label, char_w if f.style != "road" else char_w * 0.85, text_h)
        crowded = any(_overlaps(box, b) for b in boxes)
        if f.style == "road":
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height
            if not inside or crowded or any(_overlaps(box, b) for b in out):
                continue
        elif crowded and f.key:
            label = Label(f.key, label.x, label.y, 0.0, f.style, numbered=True)
            box = _box(label, char_w, text_h)
        placed.append(label)
        boxes.append(box)
    return placed


PT_PER_M_PAPER = 72 / 0.0254
"""Points per metre of paper (a point is 1/72 inch)."""


def layout_map(subjects: list[tuple[str, str, dict[str, Any], str]],
               roads: list[tuple[str, dict[str, Any]]], width: float, height: float
               ) -> MapDrawing | None:
    """The map of ``subjects`` (name, style, GeoJSON, its number in the tables) framed in
    ``width`` × ``height`` points over ``roads`` (name, GeoJSON) drawn in the ``road`` style;
    None when no subject has a geometry."""
    box = bbox_of(g for _, _, g, _ in subjects)
    if box is None:
        return None
    frame = fit_frame(box, width, height)
    features = [project_geometry(frame, name, "road", g) for name, g in roads]
    for name, style, g, key in subjects:
        feature = project_geometry(frame, name, style, g)
        feature.key = key
        features.append(feature)
    bar = scale_bar(frame)
    north, bar_box, arrow_box = furniture_boxes(width, height, bar)
    labels = place_labels(features, width, height, keep_out=[bar_box, arrow_box])
    return MapDrawing(width, height, features, labels, bar, frame.extent(),
                      round(PT_PER_M_PAPER / frame.pt_per_m), SCALE_BAR_AT, north)
