"""The map's configuration as plain values: base layer, attribution, where the map opens.

Tianditu (天地图) serves CGCS2000 tiles in Web Mercator (its ``_w`` layers) to offices with a key;
any XYZ raster URL works too. With neither, the map has no base layer and the register's own
roads, buildings and jurisdictions are the map.
"""

from __future__ import annotations

from typing import Any

from ...errors import BadInput

TIANDITU_LAYERS = ("vec", "cva")  # vector base map and its Chinese annotation
TIANDITU_HOSTS = 8  # t0 … t7


def tianditu_url(layer: str, key: str, host: int = 0) -> str:
    """The WMTS KVP tile URL of a Tianditu Web-Mercator layer, with MapLibre's placeholders."""
    return (f"https://t{host}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
            f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
            f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}")


def basemap(settings: dict[str, Any]) -> dict[str, Any] | None:
    """What the map page needs to draw the base layer, or None for the plain background.

    Returns ``{"kind": "tianditu"|"xyz", "layers": [[url, …], …], "attribution": str}``.
    """
    key = (settings.get("TIANDITU_KEY") or "").strip()
    url = (settings.get("BASEMAP_URL") or "").strip()
    if key:
        layers = [[tianditu_url(layer, key, h) for h in range(TIANDITU_HOSTS)]
                  for layer in TIANDITU_LAYERS]
        return {"kind": "tianditu", "layers": layers,
                "attribution": settings.get("BASEMAP_ATTRIBUTION") or "© 天地图 Tianditu"}
    if url:
        if not url.startswith(("https://", "http://")) or not all(
                p in url for p in ("{z}", "{x}", "{y}")):
            raise BadInput(f"PLACENAMES_BASEMAP_URL needs http(s) and {{z}}, {{x}}, {{y}}: {url}")
        return {"kind": "xyz", "layers": [[url]],
                "attribution": settings.get("BASEMAP_ATTRIBUTION") or ""}
    return None


def map_center(value: str) -> tuple[float, float, float]:
    """Parse ``lon,lat,zoom`` (PLACENAMES_MAP_CENTER)."""
    try:
        lon, lat, zoom = (float(v) for v in value.split(","))
    except ValueError:
        raise BadInput(f"PLACENAMES_MAP_CENTER must be lon,lat,zoom, not {value!r}") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90 and 0 <= zoom <= 22):
        raise BadInput(f"PLACENAMES_MAP_CENTER is out of range: {value!r}")
    return (lon, lat, zoom)
