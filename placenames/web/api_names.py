"""JSON API of the names engine: the duplicate and homophone screen."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .. import db
from ..errors import BadInput
from ..ops.names import screen as screen_ops

bp = Blueprint("api_names", __name__, url_prefix="/api/v1/names")


def _near(value: str | None) -> tuple[float, float] | None:
    if not value:
        return None
    try:
        lon, lat = (float(v) for v in value.split(","))
    except ValueError as exc:
        raise BadInput("near 应为 经度,纬度 / near must be LON,LAT") from exc
    return lon, lat


@bp.get("/check")
def check() -> Response:
    """Screen a proposed name: ``?name=&class=&area=&near=LON,LAT``."""
    name = request.args.get("name", "")
    cls = request.args.get("class", "")
    if not name or not cls:
        raise BadInput("需要参数 name 和 class / name and class are required")
    result = screen_ops.screen(db.session(), name, cls, area_code=request.args.get("area") or None,
                               near=_near(request.args.get("near")))
    return jsonify(screen_ops.as_dict(result))
