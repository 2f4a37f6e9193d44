"""Web-Mercator tile geometry: which area a z/x/y tile covers, in metres and in degrees.

Tiles follow the XYZ scheme (y grows southwards) that MapLibre, QGIS and GDAL use. Every vector
tile is encoded with an extent of 4096 units and a buffer of 64 units around the tile so that
lines and labels continue across tile edges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

MAX_ZOOM = 22
EXTENT = 4096
BUFFER = 64
HALF_WORLD_M = 20037508.342789244  # π × 6378137: half the width of the Web-Mercator square
MAX_LAT = 85.0511287798066


class TileError(ValueError):
    """A z/x/y that names no tile."""


@dataclass(frozen=True)
class Tile:
    """One XYZ tile."""

    z: int
    x: int
    y: int

    @classmethod
    def parse(cls, z: int, x: int, y: int) -> Tile:
        """The tile z/x/y, or :class:`TileError` when zoom or index is out of range."""
        if not 0 <= z <= MAX_ZOOM:
            raise TileError(f"zoom {z} is outside 0–{MAX_ZOOM}")
        n = 1 << z
        if not (0 <= x < n and 0 <= y < n):
            raise TileError(f"tile {x}/{y} does not exist at zoom {z} (0–{n - 1})")
        return cls(z, x, y)

    def width_m(self) -> float:
        """Width (and height) of the tile in Web-Mercator metres."""
        return 2 * HALF_WORLD_M / (1 << self.z)

    def bounds_m(self, buffer_units: int = 0) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) in Web-Mercator metres, grown by ``buffer_units``/EXTENT."""
        w = self.width_m()
        pad = w * buffer_units / EXTENT
        minx = -HALF_WORLD_M + self.x * w
        maxy = HALF_WORLD_M - self.y * w
        return (minx - pad, maxy - w - pad, minx + w + pad, maxy + pad)

    def bounds_lonlat(self, buffer_units: int = 0) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees, grown by ``buffer_units``/EXTENT."""
        minx, miny, maxx, maxy = self.bounds_m(buffer_units)
        west, south = mercator_to_lonlat(minx, miny)
        east, north = mercator_to_lonlat(maxx, maxy)
        return (west, south, east, north)

    def unit_m(self) -> float:
        """Size of one tile unit (1/EXTENT of the tile) in metres: the precision of its data."""
        return self.width_m() / EXTENT


def mercator_array(coords: NDArray[np.float64]) -> NDArray[np.float64]:
    """Web-Mercator (EPSG:3857) metres of an (n, 2) array of lon/lat points; latitude clamped
    to the Mercator square."""
    lon = np.radians(coords[:, 0])
    lat = np.radians(np.clip(coords[:, 1], -MAX_LAT, MAX_LAT))
    radius = HALF_WORLD_M / np.pi
    return np.column_stack([lon * radius, np.log(np.tan(np.pi / 4 + lat / 2)) * radius])


def lonlat_to_mercator(lon: float, lat: float) -> tuple[float, float]:
    """Web-Mercator (EPSG:3857) metres of one lon/lat point (see :func:`mercator_array`)."""
    x, y = mercator_array(np.array([[lon, lat]], dtype=np.float64))[0]
    return (float(x), float(y))


def mercator_to_lonlat(x: float, y: float) -> tuple[float, float]:
    """Lon/lat degrees of a Web-Mercator point."""
    lon = math.degrees(x / 6378137.0)
    lat = math.degrees(2 * math.atan(math.exp(y / 6378137.0)) - math.pi / 2)
    return (lon, lat)


def tile_for(lon: float, lat: float, z: int) -> Tile:
    """The tile at zoom ``z`` that contains a lon/lat point."""
    x, y = lonlat_to_mercator(lon, lat)
    n = 1 << z
    tx = int((x + HALF_WORLD_M) / (2 * HALF_WORLD_M) * n)
    ty = int((HALF_WORLD_M - y) / (2 * HALF_WORLD_M) * n)
    return Tile.parse(z, min(max(tx, 0), n - 1), min(max(ty, 0), n - 1))
