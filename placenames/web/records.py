"""A page for every record: ``/names/<id>`` and ``/addresses/<code>``, HTML or JSON.

Both answer JSON to ``Accept: application/json``. Historical names stay reachable and say what
replaced them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request
from flask_babel import gettext as _

from .. import db
from ..errors import BadInput, NotFound
from ..maps.coords import amap_navigation_url, baidu_navigation_url
from ..models.places import PLAN_ONLY
from ..ops import stories
from ..ops.maps.search import map_search
from ..ops.registry import records
from ..ops.search import QueryError
from ..workflow.plans import VIEW_ROLES
from .auth import holds_any
from .errors import wants_json
from .maps import panel_config

bp = Blueprint("records", __name__)


def _nav_links(point: list[float] | None, name: str) -> dict[str, str]:
    if not point:
        return {}
    return {"amap": amap_navigation_url(point[0], point[1], name),
            "baidu": baidu_navigation_url(point[0], point[1], name)}


def _representative_point(geometry: dict[str, Any] | None) -> list[float] | None:
    if not geometry:
        return None
    west, south, east, north = records.bbox(geometry)
    return [(west + east) / 2, (south + north) / 2]


@bp.get("/names/<place_id>")
def name_page(place_id: str) -> Response | str:
    """The record of one name. A reserved (or released) name of the naming plan is not a
    name of the register: only staff see its record; the public sees planned names on the
    plan's pages."""
    rec = records.place_record(db.session(), place_id)
    if rec["status"] in PLAN_ONLY and not holds_any(VIEW_ROLES):
        raise NotFound(_("No such name in the register."))
    if wants_json():
        return jsonify(rec)
    staff = holds_any(VIEW_ROLES)
    own = stories.story_of(db.session(), rec["id"]) if staff else None
    return render_template("records/name.html", r=rec,
                           panel=panel_config(rec["geometry"], rec["name"]),
                           links=_nav_links(_representative_point(rec["geometry"]), rec["name"]),
                           story=stories.published_story(db.session(), rec["id"]),
                           staff_story=own, staff=staff)


@bp.get("/addresses/<code>")
def address_page(code: str) -> Response | str:
    """The record of one standard address."""
    rec = records.address_record(db.session(), code)
    if wants_json():
        return jsonify(rec)
    point = {"type": "Point", "coordinates": rec["point"]} if rec["point"] else None
    return render_template("records/address.html", r=rec,
                           panel=panel_config(point, rec["full_text"]),
                           links=_nav_links(rec["point"], rec["full_text"]))


@bp.get("/map/search")
def search() -> Response:
    """Names and addresses for the map's search box (JSON); a refused query is a 400."""
    try:
        hits = map_search(db.session(), request.args.get("q", ""))
    except QueryError as exc:
        raise BadInput(exc.message) from exc
    return jsonify(hits)
