"""The map (地名一张图) and the vector tiles it is drawn from.

``/tiles/<layer>/<z>/<x>/<y>.mvt`` serves one layer (or ``all``) of the register as a Mapbox
vector tile. Its ``ETag`` is the register's map version, which every committed change to a
name, address, plate or jurisdiction moves on, so a revalidating client (``no-cache``) never
keeps a stale tile and an unchanged one costs a 304 without drawing anything. A URL that names
the current version (``?v=``, as the map page asks) may be cached for a day.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext as _

from .. import db
from ..errors import BadInput, NotFound
from ..maps.layers import CLASS_MIN_ZOOM, LAYERS
from ..maps.tiles import Tile, TileError
from ..models.versions import map_version
from ..ops.maps import basemap, tiles
from ..ops.registry import records

bp = Blueprint("maps", __name__)

MVT_TYPE = "application/vnd.mapbox-vector-tile"
VERSIONED_MAX_AGE = 86400


def _tile(z: str, x: str, y: str) -> Tile:
    try:
        return Tile.parse(int(z), int(x), int(y))
    except ValueError as exc:  # int() of junk, or TileError
        detail = str(exc) if isinstance(exc, TileError) else f"{z}/{x}/{y} is not a tile"
        raise BadInput(_("No such map tile: %(detail)s", detail=detail)) from None


@bp.get("/tiles/<layer>/<z>/<x>/<y>.mvt")
def tile(layer: str, z: str, x: str, y: str) -> Response:
    """One vector tile; 304 when the client's copy is current."""
    if layer != "all" and layer not in LAYERS:
        raise NotFound(_("No such map layer: %(layer)s", layer=layer))
    t = _tile(z, x, y)
    s = db.session()
    version = map_version(s)
    etag = f"{layer}-{version}"
    if request.if_none_match.contains(etag):
        resp = Response(status=304)
    else:
        resp = Response(tiles.render(s, layer, t), mimetype=MVT_TYPE)
    resp.set_etag(etag)
    resp.headers["Access-Control-Allow-Origin"] = "*"  # GIS clients and other departments' maps
    if request.args.get("v") == str(version):
        resp.headers["Cache-Control"] = f"public, max-age={VERSIONED_MAX_AGE}"
    else:
        resp.headers["Cache-Control"] = "public, no-cache"
    return resp


@bp.get("/tiles/version")
def version() -> Response:
    """The current map version, for a page that wants to know whether its tiles are stale."""
    resp = Response(json.dumps({"version": map_version(db.session())}),
                    mimetype="application/json")
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/map")
def map_page() -> str:
    """The map of all names, addresses and plates."""
    s = db.session()
    lon, lat, zoom = basemap.map_center(current_app.config["MAP_CENTER"])
    focus = None
    place_id = request.args.get("name")
    if place_id:
        focus = records.place_focus(s, place_id)
    return render_template("maps/map.html", map_config=map_config(map_version(s), (lon, lat, zoom),
                                                                   focus))


def map_config(version: int, center: tuple[float, float, float],
               focus: dict[str, Any] | None = None) -> dict[str, Any]:
    """What map.js needs: tile URL, base layer, start view, the labels of every code shown."""
    from .labels import CLASS_LABELS, GROUP_LABELS, LEVEL_LABELS

    return {
        "tiles": url_for("maps.tile", layer="all", z=0, x=0, y=0, _external=True)
        .replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt") + f"?v={version}",
        "version": version,
        "basemap": basemap.basemap(current_app.config),
        "center": [center[0], center[1]], "zoom": center[2],
        "focus": focus,
        "record_url": url_for("records.name_page", place_id="ID").replace("ID", "{id}"),
        "address_url": url_for("records.address_page", code="CODE").replace("CODE", "{code}"),
        "search_url": url_for("records.search"),
        "class_min_zoom": CLASS_MIN_ZOOM,
        "labels": {
            "classes": {k: str(v) for k, v in CLASS_LABELS.items()},
            "groups": {k: str(v) for k, v in GROUP_LABELS.items()},
            "levels": {k: str(v) for k, v in LEVEL_LABELS.items()},
        },
    }


@bp.app_context_processor
def _map_helpers() -> dict[str, Any]:
    def base_map_config() -> dict[str, Any]:
        """The register's map as a drawing background (templates that draw call this)."""
        center = basemap.map_center(current_app.config["MAP_CENTER"])
        return map_config(map_version(db.session()), center)

    return {"base_map_config": base_map_config}
