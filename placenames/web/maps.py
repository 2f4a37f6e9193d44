"""The map (地名一张图) and the vector tiles it is drawn from.

``/tiles/<layer>/<z>/<x>/<y>.mvt`` serves one layer (or ``all``) of the register as a Mapbox
vector tile. Its ``ETag`` is the register's map version, which every committed change to a
name, address, plate or jurisdiction moves on, so a revalidating client (``no-cache``) never
keeps a stale tile and an unchanged one costs a 304 without drawing anything. A URL that names
the current version (``?v=``, as the map page asks) may be cached for a day.

Those tiles are the same for everyone: their ``planned`` layer holds the reserved names of
approved plans only. Staff who see the plans get the reserved names of every plan from
``/staff/tiles/planned/<z>/<x>/<y>.mvt`` (sign-in required, ``private``: never kept by a
shared cache), which the map page then draws in place of the public layer.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import db
from ..errors import BadInput, NotFound
from ..maps.layers import LAYERS
from ..maps.tiles import Tile, TileError
from ..models.versions import map_version
from ..ops.maps import basemap, tiles
from ..ops.plans import published
from ..ops.registry import records
from ..workflow.plans import VIEW_ROLES, PlanState
from .auth import roles_required

bp = Blueprint("maps", __name__)

MVT_TYPE = "application/vnd.mapbox-vector-tile"
VERSIONED_MAX_AGE = 86400
PLAN_VIEW_ROLES = VIEW_ROLES
"""Who sees the reserved names of every plan on the map: the staff who see the plans."""


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
    return _tile_response(layer, _tile(z, x, y), staff=False)


@bp.get("/staff/tiles/planned/<z>/<x>/<y>.mvt")
@roles_required(PLAN_VIEW_ROLES, _l("Your roles do not give access to the naming plans."))
def staff_planned_tile(z: str, x: str, y: str) -> Response:
    """The planned layer with the reserved names of every plan (draft, approved, retired)."""
    return _tile_response("planned", _tile(z, x, y), staff=True)


def _tile_response(layer: str, t: Tile, *, staff: bool) -> Response:
    s = db.session()
    version = map_version(s)
    etag = f"{'staff-' if staff else ''}{layer}-{version}"
    if request.if_none_match.contains(etag):
        resp = Response(status=304)
    else:
        resp = Response(tiles.render(s, layer, t, staff=staff), mimetype=MVT_TYPE)
    resp.set_etag(etag)
    scope = "private" if staff else "public"
    if not staff:  # GIS clients and other departments' maps
        resp.headers["Access-Control-Allow-Origin"] = "*"
    if request.args.get("v") == str(version):
        resp.headers["Cache-Control"] = f"{scope}, max-age={VERSIONED_MAX_AGE}"
    else:
        resp.headers["Cache-Control"] = f"{scope}, no-cache"
    if staff:
        resp.headers["Vary"] = "Cookie"
    return resp


def sees_all_plans() -> bool:
    """True when the signed-in user sees the reserved names of every plan."""
    return bool(current_user.is_authenticated
                and PLAN_VIEW_ROLES & set(getattr(current_user, "roles", ())))


@bp.get("/map")
def map_page() -> str:
    """The map of all names, addresses and plates (``?name=ID``: framed on one name;
    ``?plan=CODE``: on the planned names of an approved plan)."""
    place_id = request.args.get("name")
    plan_code = request.args.get("plan")
    focus = None
    if place_id:
        focus = records.place_focus(db.session(), place_id)
    elif plan_code:
        focus = published.plan_focus(db.session(), plan_code)
    return render_template("maps/map.html", map_config=map_config(focus))


def map_config(focus: dict[str, Any] | None = None) -> dict[str, Any]:
    """What map.js needs: tile URL (of the current map version), base layer, start view (the
    office's centre, or ``focus``'s box), and the labels of every code shown."""
    from .labels import CLASS_LABELS, GROUP_LABELS, LEVEL_LABELS
    from .plans_staff import plan_state_label

    lon, lat, zoom = basemap.map_center(current_app.config["MAP_CENTER"])
    version = map_version(db.session())
    staff = sees_all_plans()
    planned_tiles = (url_for("maps.staff_planned_tile", z=0, x=0, y=0, _external=True)
                     .replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt") + f"?v={version}"
                     if staff else None)
    return {
        "tiles": url_for("maps.tile", layer="all", z=0, x=0, y=0, _external=True)
        .replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt") + f"?v={version}",
        "basemap": basemap.basemap(current_app.config),
        "center": [lon, lat], "zoom": zoom,
        "planned_tiles": planned_tiles,  # staff: the planned layer of every plan
        "focus": focus,
        "record_url": url_for("records.name_page", place_id="ID").replace("ID", "{id}"),
        "address_url": url_for("records.address_page", code="CODE").replace("CODE", "{code}"),
        "search_url": url_for("records.search"),
        # a planned name's plan: the public page, for staff the plan's staff page
        "plan_url": url_for("plans_staff.show" if staff else "plans_public.plan_page",
                            code="CODE").replace("CODE", "{code}"),
        "labels": {
            "planned_suffix": _planned_suffix(), "planned_name": _("Planned name"),
            "plan_statuses": {s.value: plan_state_label(s) for s in PlanState},
            "taken": _("an application has taken it"),
            "classes": {k: str(v) for k, v in CLASS_LABELS.items()},
            "groups": {k: str(v) for k, v in GROUP_LABELS.items()},
            "levels": {k: str(v) for k, v in LEVEL_LABELS.items()},
        },
    }


def _planned_suffix() -> str:
    """What follows a planned name's label on the map: ``（规划）``, `` (planned)``."""
    suffix = _("(planned)")
    return suffix if suffix.startswith("（") else f" {suffix}"


def panel_config(geometry: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    """A page's map panel: the register's map framed on ``geometry``, which is highlighted
    (None without a geometry)."""
    if not geometry:
        return None
    cfg = map_config({"name": name, "bbox": records.bbox(geometry)})
    cfg["highlight"] = geometry
    return cfg


@bp.app_context_processor
def _map_helpers() -> dict[str, Any]:
    # the register's map as a drawing background (templates that draw call this)
    return {"base_map_config": map_config}
