"""Staff page: place a road's new entrances on the map, accept the proposed numbers, plate them.

``/staff/roads/<id>/entrances``: the road's map with its addresses; a click adds an entrance
(or paste ``lon,lat`` lines). *Preview* shows the numbers the engine proposes (sides, parity,
infill) and the validator's findings; *Register* stores exactly those addresses and offers the
plate batch for them. Errors re-render the page with the message and the points kept.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, render_template, request
from werkzeug.wrappers import Response

from .. import db
from ..errors import PlacenamesError
from ..models import Place
from ..ops.addresses import entrances, numbering
from ..ops.registry import records
from ..ops.registry.geometry import stored_geojson
from .maps import panel_config
from .plates_staff import staff_required

bp = Blueprint("addresses_staff", __name__, url_prefix="/staff")

POLICY_FIELDS = ("origin", "odd_side", "skip")


@bp.route("/roads/<place_id>/entrances", methods=["GET", "POST"])
@staff_required
def road_entrances(place_id: str) -> str | tuple[str, int] | Response:
    """Place entrances, preview their numbers, register them."""
    s = db.session()
    road = records.get_place(s, place_id)
    form = request.form if request.method == "POST" else request.args
    options = {k: form.get(k, "") for k in POLICY_FIELDS}
    line = stored_geojson(s, Place.geom, Place.id, road.id)
    ctx: dict[str, Any] = {"road": road, "points": form.get("points", ""), "options": options,
                           "panel": panel_config(json.loads(line) if line else None, road.name),
                           "report": None, "created": None, "error": None}
    action = form.get("action") if request.method == "POST" else None
    if not action:
        return render_template("addresses/entrances.html", **ctx)
    try:
        points = entrances.parse_points(ctx["points"])
        policy = numbering.parse_policy("default", options)
        if action == "accept":
            created = entrances.accept(s, road, points, policy)
            s.commit()
            ctx.update(created=created, points="")
        else:
            ctx["report"] = entrances.propose(s, road, points, policy)
    except PlacenamesError as exc:
        s.rollback()
        ctx["error"] = exc.user_msg
        return render_template("addresses/entrances.html", **ctx), exc.http_status
    return render_template("addresses/entrances.html", **ctx)
