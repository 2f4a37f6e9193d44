"""JSON API of search: ``/api/v1/search``, ``/autocomplete``, ``/geocode`` and ``/reverse``.

Each handler reads its arguments, calls :mod:`placenames.ops.search` and returns its result;
a query the parser refuses is a 400 with the parser's bilingual message.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify, request

from .. import db
from ..errors import BadInput
from ..ops import search as search_ops

bp = Blueprint("api_search", __name__, url_prefix="/api/v1")


def _number(name: str, default: float | None = None, cast: Callable[[str], Any] = float) -> Any:
    raw = request.args.get(name)
    if raw is None or raw == "":
        if default is None:
            raise BadInput(f"缺少参数 {name} / {name} is required")
        return default
    try:
        value = cast(raw)
    except (ValueError, OverflowError) as exc:
        raise BadInput(f"参数 {name} 应为数字 / {name} must be a number") from exc
    if isinstance(value, float) and not math.isfinite(value):
        raise BadInput(f"参数 {name} 应为有限数字 / {name} must be a finite number")
    return value


def near_arg() -> tuple[float, float] | None:
    """``near=LON,LAT`` or None."""
    value = request.args.get("near")
    if not value:
        return None
    try:
        lon, lat = (float(v) for v in value.split(","))
    except ValueError as exc:
        raise BadInput("near 应为 经度,纬度 / near must be LON,LAT") from exc
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise BadInput("near 应为 经度,纬度 / near must be LON,LAT")
    return lon, lat


def _run(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except search_ops.QueryError as exc:
        raise BadInput(exc.message) from exc


@bp.get("/search")
def search() -> Response:
    """Names and addresses: ``?q=&cls=&status=&area=&near=LON,LAT&limit=``."""
    args = request.args
    limit = _number("limit", 20, int)
    near = near_arg()
    result = _run(lambda: search_ops.search(
        db.session(), args.get("q", ""), cls=args.get("cls"), status=args.get("status"),
        area=args.get("area"), near=near, limit=limit))
    return jsonify(result.as_dict())


@bp.get("/autocomplete")
def autocomplete() -> Response:
    """Suggestions while typing: ``?q=&limit=``."""
    q = request.args.get("q", "")
    limit = _number("limit", 8, int)
    hits = _run(lambda: search_ops.autocomplete(db.session(), q, limit=limit))
    return jsonify({"q": q, "suggestions": [h.as_dict() for h in hits]})


@bp.get("/geocode")
def geocode() -> Response:
    """Standard addresses for a written address: ``?q=&limit=``."""
    q = request.args.get("q", "")
    limit = _number("limit", 5, int)
    matches = _run(lambda: search_ops.geocode(db.session(), q, limit=limit))
    return jsonify({"q": q, "matches": [m.as_dict() for m in matches]})


@bp.get("/reverse")
def reverse() -> Response:
    """Nearest addresses and names: ``?lon=&lat=&radius=&limit=`` (CGCS2000, metres)."""
    lon, lat = _number("lon"), _number("lat")
    radius = _number("radius", 200.0)
    limit = _number("limit", 10, int)
    result = _run(lambda: search_ops.reverse(db.session(), lon, lat, radius_m=radius,
                                             limit=limit))
    return jsonify(result.as_dict())
