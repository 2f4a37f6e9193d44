"""Files brought to a procedure step: site photos and the surveyed geometry (GeoJSON).

Photos: JPEG, PNG or WebP only (read by Pillow, whatever the file name says), at most
``MAX_PHOTO_BYTES`` and ``MAX_PIXELS``; each is decoded and re-encoded, which drops EXIF
(location, camera) and anything appended to the file, and stored under a random name.
Geometry: a GeoJSON geometry, Feature or one-feature FeatureCollection in longitude/latitude
(CGCS2000 ≈ WGS84), valid and non-empty; returned as WKT.
"""

from __future__ import annotations

import io
import json
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from shapely.errors import ShapelyError
from shapely.geometry import shape
from shapely.validation import explain_validity

from ..errors import BadInput

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_PHOTOS = 12
MAX_GEOJSON_BYTES = 1_000_000
FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
GEOMETRY_TYPES = {"Point", "LineString", "Polygon", "MultiPoint", "MultiLineString",
                  "MultiPolygon"}


@dataclass(frozen=True)
class Photo:
    """A checked, re-encoded photo ready to store."""

    original_name: str
    extension: str
    data: bytes
    width: int
    height: int


def clean_photo(original_name: str, raw: bytes) -> Photo:
    """Check and re-encode one uploaded photo; :class:`BadInput` says what is wrong."""
    label = (original_name or "photo")[:80]
    if len(raw) > MAX_PHOTO_BYTES:
        raise BadInput(f"照片“{label}”超过 {MAX_PHOTO_BYTES // 1024 // 1024} MB / photo "
                       f"{label!r} is larger than {MAX_PHOTO_BYTES // 1024 // 1024} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(raw))
            fmt = img.format
            if fmt not in FORMATS:
                raise BadInput(f"照片“{label}”须为 JPEG、PNG 或 WebP 格式 / photo {label!r} must "
                               "be JPEG, PNG or WebP")
            if img.width * img.height > MAX_PIXELS:
                raise BadInput(f"照片“{label}”像素过多 / photo {label!r} has too many pixels")
            img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise BadInput(f"无法读取照片“{label}”，须为 JPEG、PNG 或 WebP 图片 / photo {label!r} "
                       "is not a readable JPEG, PNG or WebP image") from None
    img = ImageOps.exif_transpose(img)  # keep the orientation the EXIF asked for, then drop it
    out = io.BytesIO()
    if fmt == "JPEG":
        img.convert("RGB").save(out, "JPEG", quality=88)
    elif fmt == "PNG":
        img.save(out, "PNG", optimize=True)
    else:
        img.save(out, "WEBP", quality=88)
    return Photo(label, FORMATS[fmt], out.getvalue(), img.width, img.height)


def store_photos(photos: list[Photo], folder: Path) -> list[dict[str, Any]]:
    """Write ``photos`` under ``folder`` with random names; returns what to record."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for p in photos:
        name = secrets.token_hex(12) + p.extension
        (folder / name).write_bytes(p.data)
        out.append({"file": name, "original_name": p.original_name, "width": p.width,
                    "height": p.height, "bytes": len(p.data)})
    return out


def geometry_wkt(text: str) -> str:
    """WKT of the GeoJSON ``text`` after checking it (see the module docstring)."""
    if len(text.encode()) > MAX_GEOJSON_BYTES:
        raise BadInput("GeoJSON 文件过大 / the GeoJSON is too large")
    try:
        doc = json.loads(text)
    except ValueError:
        raise BadInput("GeoJSON 不是有效的 JSON / the GeoJSON is not valid JSON") from None
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
