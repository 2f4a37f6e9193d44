"""JSON API of the names engine: the duplicate and homophone screen."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .. import db
from ..errors import BadInput
from ..ops.names import screen as screen_ops
from .api_search import near_arg

bp = Blueprint("api_names", __name__, url_prefix="/api/v1/names")


@bp.get("/check")
def check() -> Response:
    """Screen a proposed name: ``?name=&class=&area=&near=LON,LAT``."""
    name = request.args.get("name", "")
    cls = request.args.get("class", "")
    if not name or not cls:
        raise BadInput("需要参数 name 和 class / name and class are required")
    result = screen_ops.screen(db.session(), name, cls, area_code=request.args.get("area") or None,
                               near=near_arg())
    return jsonify(screen_ops.as_dict(result))
