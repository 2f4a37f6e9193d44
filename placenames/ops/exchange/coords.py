"""Coordinates and geometries brought by a file: its CRS, whether the values can be longitude
and latitude in China, and whether a geometry is usable.

The register stores CGCS2000 longitude/latitude (EPSG:4490; WGS84, EPSG:4326, is the same at
metre level and is taken as is). A layer that declares another CRS (a CGCS2000 Gauss-Krüger
zone such as EPSG:4545, Xian 1980, Beijing 1954) is transformed with pyproj. Values that
cannot be longitude/latitude in China are reported with the value seen: projected metres in a
file that declares no CRS (or declares longitude/latitude), latitude and longitude swapped,
or a point outside China. Nothing here touches a database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

STORED_EPSG = 4490
AS_IS_EPSG = frozenset({4490, 4326})
CHINA = (73.0, 3.0, 136.0, 54.0)
"""West, south, east, north: China with its seas (Zengmu Ansha ~3.9°N, Mohe ~53.6°N)."""
NAME_TYPES = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                        "MultiPolygon"})
ADDRESS_TYPES = frozenset({"Point"})


class CoordinateError(ValueError):
    """A value or geometry that cannot be stored; ``code``, ``zh`` and ``en`` say why."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en


@dataclass(frozen=True)
class LayerCrs:
    """How a layer's coordinates become CGCS2000 longitude/latitude."""

    label: str
    transformer: Transformer | None = None

    @property
    def declared(self) -> bool:
        """True when the layer named a CRS."""
        return self.label != ""


def layer_crs(declared: str | None) -> LayerCrs:
    """The plan for a layer that declares ``declared`` (a pyproj-readable CRS, or None/empty:
    coordinates taken as longitude/latitude and checked)."""
    if not declared:
        return LayerCrs("")
    try:
        crs = CRS.from_user_input(declared)
    except CRSError as exc:
        raise CoordinateError("bad_crs", f"无法识别图层的坐标系：{declared[:80]}",
                              f"the layer's CRS cannot be read: {declared[:80]} ({exc})") from None
    epsg = crs.to_epsg()
    label = f"EPSG:{epsg}" if epsg else crs.name
    if epsg in AS_IS_EPSG:
        return LayerCrs(label)
    return LayerCrs(label, Transformer.from_crs(crs, STORED_EPSG, always_xy=True))


def to_stored(geom: BaseGeometry, plan: LayerCrs) -> BaseGeometry:
    """``geom`` in CGCS2000 longitude/latitude (transformed when the layer's CRS asks)."""
    transformer = plan.transformer
    if transformer is None or geom.is_empty:
        return geom

    def move(xy: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, move)


def check_lon_lat(x: float, y: float, plan: LayerCrs | None = None) -> None:
    """Raise :class:`CoordinateError` (``wrong_crs``) unless (x, y) — after the layer's
    transformation, when there is one — can be a longitude and latitude in China."""
    west, south, east, north = CHINA
    if west <= x <= east and south <= y <= north:
        return
    seen = f"x={_num(x)}, y={_num(y)}"
    if plan is not None and plan.transformer is not None:
        raise CoordinateError(
            "wrong_crs", f"按图层声明的坐标系 {plan.label} 换算后不在中国境内（{seen}），"
            "坐标系声明可能有误",
            f"transformed from the layer's declared CRS {plan.label}, the point is not in "
            f"China ({seen}): the declared CRS is probably wrong")
    if west <= y <= east and south <= x <= north:
        raise CoordinateError(
            "wrong_crs", f"坐标系有误：经度与纬度似乎颠倒了（{seen}），经度应在前",
            f"wrong CRS: longitude and latitude seem swapped ({seen}); longitude comes first")
    if abs(x) > 180 or abs(y) > 90:
        raise CoordinateError(
            "wrong_crs", f"坐标系有误：数值像投影坐标（米）而不是经纬度（{seen}）；"
            "请在文件中声明坐标系（如 CGCS2000 高斯-克吕格 3 度带 EPSG:4545，中央经线 108°E）"
            "或换算为 CGCS2000 经纬度",
            f"wrong CRS: the values look like projected metres, not longitude/latitude "
            f"({seen}); declare the CRS in the file (e.g. CGCS2000 3-degree Gauss-Krüger "
            "EPSG:4545, 108°E) or convert to CGCS2000 longitude/latitude")
    raise CoordinateError("wrong_crs", f"坐标不在中国境内（{seen}），坐标系可能有误",
                          f"the point is not in China ({seen}): wrong CRS?")


def _num(v: float) -> str:
    return f"{v:.7g}" if abs(v) < 1000 else f"{v:.1f}"


def check_geometry(geom: BaseGeometry, allowed: frozenset[str], plan: LayerCrs | None = None
                   ) -> None:
    """Raise :class:`CoordinateError` for an empty or invalid geometry (self-intersection…),
    a type not in ``allowed``, or coordinates that are not longitude/latitude in China."""
    if geom.is_empty:
        raise CoordinateError("empty_geometry", "几何为空", "the geometry is empty")
    if geom.geom_type not in allowed:
        raise CoordinateError(
            "bad_geometry",
            f"几何类型 {geom.geom_type} 不可用（可用：{'、'.join(sorted(allowed))}）",
            f"geometry type {geom.geom_type} cannot be used (use {', '.join(sorted(allowed))})")
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        raise CoordinateError("bad_geometry", "几何含有非数值坐标", "the geometry has NaN or "
                              "infinite coordinates")
    for x, y in (coords.min(axis=0), coords.max(axis=0)):
        check_lon_lat(float(x), float(y), plan)
    if not geom.is_valid:
        why = explain_validity(geom)
        raise CoordinateError("bad_geometry", f"几何无效：{_why_zh(why)}",
                              f"invalid geometry: {why}")


def _why_zh(why: str) -> str:
    table = {"Self-intersection": "自相交", "Ring Self-intersection": "环自相交",
             "Too few points": "点数太少", "Hole lies outside shell": "内环在外环之外",
             "Nested shells": "外环嵌套", "Interior is disconnected": "内部不连通",
             "Invalid Coordinate": "坐标无效", "Duplicate Rings": "环重复"}
    for en, zh in table.items():
        if why.startswith(en):
            return zh + why[len(en):]
    return why


def parse_wkt(text: str) -> BaseGeometry:
    """A geometry from WKT (an ``SRID=…;`` prefix is dropped); :class:`CoordinateError`
    (``bad_wkt``) when it cannot be read."""
    body = text.strip()
    if body.upper().startswith("SRID=") and ";" in body:
        body = body.split(";", 1)[1]
    try:
        return shapely.from_wkt(body)
    except shapely.errors.ShapelyError as exc:
        raise CoordinateError("bad_wkt", f"几何（WKT）无法读取：{body[:40]}",
                              f"the geometry (WKT) cannot be read: {body[:40]} ({exc})") from None


def parse_number(text: str, what_zh: str, what_en: str) -> float:
    """A coordinate from a cell; :class:`CoordinateError` (``bad_number``) when it is not a
    finite number."""
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise CoordinateError("bad_number", f"{what_zh}不是数字：{text[:30]}",
                              f"{what_en} is not a number: {text[:30]}")
    return value


def point_wkt(x: float, y: float) -> str:
    """A point as WKT, 7 decimals (about 1 cm)."""
    return f"POINT({x:.7f} {y:.7f})"
