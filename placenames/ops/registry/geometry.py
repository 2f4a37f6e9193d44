"""A geometry brought by a person (drawn on the map, pasted or uploaded as GeoJSON), checked.

A GeoJSON geometry, Feature or one-feature FeatureCollection in longitude/latitude (CGCS2000 ≈
WGS84), within China, valid and non-empty, is returned as WKT; anything else is refused with
the reason (BadInput), which the pages show beside the map.
"""

from __future__ import annotations

from typing import Any

from shapely.errors import ShapelyError
from shapely.geometry import shape
from shapely.validation import explain_validity
from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import safejson, spatial
from ...errors import BadInput

MAX_GEOJSON_BYTES = 1_000_000
GEOMETRY_TYPES = {"Point", "LineString", "Polygon", "MultiPoint", "MultiLineString",
                  "MultiPolygon"}


def geometry_wkt(text: str) -> str:
    """WKT of the GeoJSON ``text`` after checking it (see the module docstring)."""
    if len(text.encode()) > MAX_GEOJSON_BYTES:
        raise BadInput("GeoJSON 文件过大 / the GeoJSON is too large")
    try:
        doc = safejson.loads(text, max_bytes=MAX_GEOJSON_BYTES)
    except safejson.JSONRejected as exc:
        raise BadInput(f"GeoJSON: {exc}") from None
    geom = _geometry_of(doc)
    if not isinstance(geom, dict) or geom.get("type") not in GEOMETRY_TYPES:
        raise BadInput("GeoJSON 须为点、线或面几何 / the GeoJSON must hold a point, line or "
                       "polygon geometry")
    try:
        shp = shape(geom)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, ShapelyError):
        raise BadInput("GeoJSON 坐标无效 / the GeoJSON coordinates are malformed") from None
    if shp.is_empty:
        raise BadInput("GeoJSON 几何为空 / the GeoJSON geometry is empty")
    minx, miny, maxx, maxy = shp.bounds
    if not (73 <= minx <= maxx <= 136 and 3 <= miny <= maxy <= 54):
        raise BadInput("坐标须为中国境内的经纬度（CGCS2000）/ coordinates must be longitude, "
                       "latitude within China (CGCS2000)")
    if not shp.is_valid:
        raise BadInput(f"GeoJSON 几何无效 / invalid geometry: {explain_validity(shp)[:80]}")
    return str(shp.wkt)


def _geometry_of(doc: Any) -> Any:
    if not isinstance(doc, dict):
        return None
    if doc.get("type") == "FeatureCollection":
        features = doc.get("features") or []
        if len(features) != 1:
            raise BadInput("FeatureCollection 须只含一个要素 / the FeatureCollection must hold "
                           "exactly one feature")
        doc = features[0]
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        return doc.get("geometry")
    return doc


def stored_geojson(session: Session, column: Any, key_col: Any, key: Any) -> str | None:
    """The geometry in ``column`` of the row whose ``key_col`` is ``key``, as GeoJSON text."""
    return session.scalar(select(spatial.as_geojson(column)).where(key_col == key))
