"""Coordinate conversions for Chinese commercial maps: WGS84/CGCS2000 ↔ GCJ-02 ↔ BD-09.

The register stores CGCS2000 (EPSG:4490) longitudes and latitudes. At the metre level CGCS2000
and WGS84 coincide, so they are treated as the same datum here. Chinese commercial maps do not
show either datum directly:

* GCJ-02 ("Mars coordinates") is used by AMap/Gaode and Tencent Maps. It is WGS84 plus a
  deliberate, non-linear offset of a few hundred metres. The forward formula below is the
  widely published one (Krasovsky 1940 ellipsoid constants); it only applies inside a rough
  bounding box around mainland China, points outside it are returned unchanged.
* BD-09 is used by Baidu Maps: a second, small offset applied on top of GCJ-02.

GCJ-02 → WGS84 has no closed form; it is solved by fixed-point iteration on the forward
transform. BD-09 → GCJ-02 is the standard closed-form approximate inverse.

All functions take and return ``(lon, lat)`` in decimal degrees, validate their input (finite,
lon in [-180, 180], lat in [-90, 90]) and raise :class:`ValueError` otherwise. Pure Python:
only :mod:`math` and :mod:`urllib.parse` from the standard library.
"""

from __future__ import annotations

import math
from urllib.parse import quote

LonLat = tuple[float, float]

# Krasovsky 1940 ellipsoid: semi-major axis (metres) and first eccentricity squared.
KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323
# Baidu's factor for the BD-09 perturbation terms.
X_PI = math.pi * 3000.0 / 180.0

# Rough bounding box of mainland China used by every public GCJ-02 implementation.
CHINA_MIN_LON = 72.004
CHINA_MAX_LON = 137.8347
CHINA_MIN_LAT = 0.8293
CHINA_MAX_LAT = 55.8271

# GCJ-02 → WGS84 iteration: stop once the forward transform reproduces the input this closely.
INVERSE_TOLERANCE_DEG = 1e-9
INVERSE_MAX_ITERATIONS = 30

# Decimal places in navigation links (6 decimals ≈ 0.1 m).
URL_DECIMALS = 6


def validate_lonlat(lon: float, lat: float) -> None:
    """Raise ``ValueError`` unless ``lon``/``lat`` are finite degrees within the valid ranges.

    ``lon`` must lie in [-180, 180] and ``lat`` in [-90, 90]; NaN and infinities are rejected.
    """
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValueError(f"coordinates must be finite numbers, got lon={lon!r}, lat={lat!r}")
    if not -180.0 <= lon <= 180.0:
        raise ValueError(f"longitude must be within [-180, 180] degrees, got {lon!r}")
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"latitude must be within [-90, 90] degrees, got {lat!r}")


def out_of_china(lon: float, lat: float) -> bool:
    """Whether a point lies outside the rough mainland-China box where GCJ-02 offsets apply.

    This is the bounding-box test shared by the public GCJ-02 implementations, not a border
    test: Taiwan, Hong Kong, Macao and neighbouring countries' border areas fall inside it.
    """
    return not (CHINA_MIN_LON <= lon <= CHINA_MAX_LON and CHINA_MIN_LAT <= lat <= CHINA_MAX_LAT)


def _transform_lat(x: float, y: float) -> float:
    """Latitude offset polynomial (in metres-ish units) of the GCJ-02 algorithm."""
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    """Longitude offset polynomial of the GCJ-02 algorithm."""
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _gcj02_offset(lon: float, lat: float) -> LonLat:
    """GCJ-02 minus WGS84 at a WGS84 point, in degrees, without the China box test."""
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = math.sin(radlat)
    magic = 1.0 - KRASOVSKY_EE * magic * magic
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (KRASOVSKY_A / sqrtmagic * math.cos(radlat) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> LonLat:
    """Convert WGS84 degrees to GCJ-02 (AMap/Gaode, Tencent); outside China: unchanged."""
    validate_lonlat(lon, lat)
    if out_of_china(lon, lat):
        return lon, lat
    dlon, dlat = _gcj02_offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> LonLat:
    """Convert GCJ-02 degrees back to WGS84; outside China: unchanged.

    Solved by fixed-point iteration: refine a WGS84 guess until its forward transform matches
    the given GCJ-02 point within ``INVERSE_TOLERANCE_DEG`` (1e-9 degrees, well under a
    millimetre), for at most ``INVERSE_MAX_ITERATIONS`` rounds (it needs about four).
    """
    validate_lonlat(lon, lat)
    if out_of_china(lon, lat):
        return lon, lat
    wgs_lon, wgs_lat = lon, lat
    for _ in range(INVERSE_MAX_ITERATIONS):
        dlon, dlat = _gcj02_offset(wgs_lon, wgs_lat)
        err_lon = wgs_lon + dlon - lon
        err_lat = wgs_lat + dlat - lat
        if abs(err_lon) < INVERSE_TOLERANCE_DEG and abs(err_lat) < INVERSE_TOLERANCE_DEG:
            break
        wgs_lon -= err_lon
        wgs_lat -= err_lat
    return wgs_lon, wgs_lat


def gcj02_to_bd09(lon: float, lat: float) -> LonLat:
    """Convert GCJ-02 degrees to BD-09 (Baidu Maps) with the standard x_pi formula."""
    validate_lonlat(lon, lat)
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def bd09_to_gcj02(lon: float, lat: float) -> LonLat:
    """Convert BD-09 degrees to GCJ-02 with the standard (approximate) inverse x_pi formula.

    The formula is not an exact inverse of :func:`gcj02_to_bd09`; the residual is on the order
    of 1e-6 degrees (a decimetre), the accuracy Baidu's own tools work to.
    """
    validate_lonlat(lon, lat)
    x = lon - 0.0065
    y = lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * X_PI)
    return z * math.cos(theta), z * math.sin(theta)


def wgs84_to_bd09(lon: float, lat: float) -> LonLat:
    """Convert WGS84 degrees to BD-09: WGS84 → GCJ-02 → BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: float, lat: float) -> LonLat:
    """Convert BD-09 degrees to WGS84: BD-09 → GCJ-02 → WGS84 (iterative)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def cgcs2000_to_gcj02(lon: float, lat: float) -> LonLat:
    """Convert CGCS2000 (EPSG:4490) degrees to GCJ-02, treating CGCS2000 as WGS84.

    The two datums differ by centimetres, far below the GCJ-02 offset and map precision.
    """
    return wgs84_to_gcj02(lon, lat)


def cgcs2000_to_bd09(lon: float, lat: float) -> LonLat:
    """Convert CGCS2000 (EPSG:4490) degrees to BD-09, treating CGCS2000 as WGS84."""
    return wgs84_to_bd09(lon, lat)


def _fmt(value: float) -> str:
    """Format one coordinate for a navigation link."""
    return f"{value:.{URL_DECIMALS}f}"


def amap_navigation_url(lon: float, lat: float, name: str) -> str:
    """Link that opens a CGCS2000/WGS84 point as a named marker in AMap (Gaode).

    The point is converted to GCJ-02 first; AMap expects ``position=LON,LAT``.
    """
    glon, glat = cgcs2000_to_gcj02(lon, lat)
    return (
        f"https://uri.amap.com/marker?position={_fmt(glon)},{_fmt(glat)}"
        f"&name={quote(name, safe='')}&coordinate=gaode&callnative=1"
    )


def baidu_navigation_url(lon: float, lat: float, name: str) -> str:
    """Link that opens a CGCS2000/WGS84 point as a named marker in Baidu Maps.

    The point is converted to BD-09 first; Baidu expects ``location=LAT,LON`` (latitude first).
    """
    blon, blat = cgcs2000_to_bd09(lon, lat)
    quoted = quote(name, safe="")
    return (
        f"https://api.map.baidu.com/marker?location={_fmt(blat)},{_fmt(blon)}"
        f"&title={quoted}&content={quoted}&output=html&coord_type=bd09ll&src=placenames"
    )
