"""Coordinates for addressing: a local metric projection and the Chinese basemap offsets.

Coordinates are stored as (lon, lat) in CGCS2000 (EPSG:4490), which equals WGS84 at the
metre level, so "WGS84" below means the stored coordinates.

Local projection
    Road-scale work (distance along a road, offset from it, side) is done in an azimuthal
    equidistant projection (``+proj=aeqd`` on the GRS80 ellipsoid) centred on the road's
    bounding box. Distances from the centre are exact; other distances are off by at most
    about (d/R)^2/3, i.e. under 1e-5 (2 cm per km) within 30 km of the centre, far below
    the accuracy of any entrance survey.

Basemap offsets
    GCJ-02 ("Mars coordinates") is the obfuscated datum that AMap and Tencent maps use, and
    BD-09 is Baidu's further offset of GCJ-02. They are written here from the widely
    published public formula (Krasovsky ellipsoid constants) and are used **only** to build
    links and overlays for commercial basemaps; never store them. ``gcj02_to_wgs84``
    inverts the forward transform by fixed-point iteration (well under 1 cm residual).
    GCJ-02 leaves points outside China (the usual rough bounding box) unchanged. The BD-09
    step is a pure formula on GCJ-02 and is applied everywhere; its published inverse is
    approximate (round trip within about 0.2 m, tested under 1 m).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pyproj import Transformer

LonLat = tuple[float, float]
XY = tuple[float, float]

STORAGE_CRS = "EPSG:4490"
EARTH_RADIUS_M = 6_371_008.8

_GCJ_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_GCJ_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_BD_X_PI = math.pi * 3000.0 / 180.0


@dataclass(frozen=True)
class LocalProjection:
    """A metric plane (metres east, metres north) around a centre point.

    Build it with :func:`local_projection_for`; use :meth:`to_xy` and :meth:`to_lonlat`.
    """

    centre: LonLat

    def to_xy(self, points: Iterable[LonLat]) -> list[XY]:
        """Project (lon, lat) points to local (x, y) metres."""
        fwd, _ = _transformers(*self.centre)
        return [_pair(fwd.transform(lon, lat)) for lon, lat in points]

    def to_lonlat(self, points: Iterable[XY]) -> list[LonLat]:
        """Unproject local (x, y) metres back to (lon, lat)."""
        _, inv = _transformers(*self.centre)
        return [_pair(inv.transform(x, y)) for x, y in points]


def local_projection_for(points: Sequence[LonLat]) -> LocalProjection:
    """Return a local projection centred on the bounding box of ``points`` (at least one)."""
    if not points:
        raise ValueError("need at least one point to centre a projection")
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    centre = ((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2)
    # Rounding to ~1 m lets the transformer cache serve nearby roads.
    return LocalProjection((round(centre[0], 5), round(centre[1], 5)))


@lru_cache(maxsize=64)
def _transformers(lon0: float, lat0: float) -> tuple[Transformer, Transformer]:
    aeqd = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +ellps=GRS80 +units=m +no_defs"
    fwd = Transformer.from_crs(STORAGE_CRS, aeqd, always_xy=True)
    inv = Transformer.from_crs(aeqd, STORAGE_CRS, always_xy=True)
    return fwd, inv


def _pair(value: tuple[float, float]) -> tuple[float, float]:
    return float(value[0]), float(value[1])


def haversine_m(a: LonLat, b: LonLat) -> float:
    """Great-circle distance in metres between two (lon, lat) points (spherical, ~0.5%)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def out_of_china(point: LonLat) -> bool:
    """True if the point is outside the rough box in which GCJ-02 applies an offset."""
    lon, lat = point
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _gcj_delta(lon: float, lat: float) -> LonLat:
    """The GCJ-02 offset (dlon, dlat) in degrees at a WGS84 point."""
    x, y = lon - 105.0, lat - 35.0
    dlat = _transform_lat(x, y)
    dlon = _transform_lon(x, y)
    rad = math.radians(lat)
    magic = 1 - _GCJ_EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlon, dlat


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    return ret


def wgs84_to_gcj02(point: LonLat) -> LonLat:
    """Convert a WGS84/CGCS2000 (lon, lat) to GCJ-02; points outside China are returned as is."""
    if out_of_china(point):
        return point
    dlon, dlat = _gcj_delta(*point)
    return point[0] + dlon, point[1] + dlat


def gcj02_to_wgs84(point: LonLat, *, iterations: int = 10) -> LonLat:
    """Invert :func:`wgs84_to_gcj02` by fixed-point iteration (residual well under 1 cm).

    ``iterations`` bounds the refinement steps; the loop stops early once converged.
    """
    if out_of_china(point):
        return point
    lon, lat = point
    for _ in range(iterations):
        glon, glat = wgs84_to_gcj02((lon, lat))
        err_lon, err_lat = glon - point[0], glat - point[1]
        lon, lat = lon - err_lon, lat - err_lat
        if abs(err_lon) < 1e-10 and abs(err_lat) < 1e-10:
            break
    return lon, lat


def gcj02_to_bd09(point: LonLat) -> LonLat:
    """Convert GCJ-02 (lon, lat) to Baidu BD-09."""
    x, y = point
    z = math.sqrt(x * x + y * y) + 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) + 0.000003 * math.cos(x * _BD_X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def bd09_to_gcj02(point: LonLat) -> LonLat:
    """Convert Baidu BD-09 (lon, lat) to GCJ-02 (the published approximate inverse, ~0.2 m)."""
    x, y = point[0] - 0.0065, point[1] - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_X_PI)
    return z * math.cos(theta), z * math.sin(theta)


def wgs84_to_bd09(point: LonLat) -> LonLat:
    """Convert WGS84/CGCS2000 (lon, lat) to Baidu BD-09 (via GCJ-02)."""
    return gcj02_to_bd09(wgs84_to_gcj02(point))


def bd09_to_wgs84(point: LonLat) -> LonLat:
    """Convert Baidu BD-09 (lon, lat) to WGS84/CGCS2000 (via GCJ-02)."""
    return gcj02_to_wgs84(bd09_to_gcj02(point))
