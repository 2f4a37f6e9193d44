"""JSON API of search: ``/api/v1/search``, ``/autocomplete``, ``/geocode`` and ``/reverse``.

Each handler reads its arguments (schemas below), calls :mod:`placenames.ops.search` and
returns its result; an argument of the wrong type, or a query the parser refuses, is a 400
with a bilingual message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import Response, jsonify

from .. import db
from ..errors import BadInput
from ..ops import search as search_ops
from ..ops.search.lookup import MAX_LIMIT
from ..ops.search.reverse import MAX_RADIUS_M
from .api import Blueprint
from .api_common import Arguments, LonLat

blp = Blueprint("api_search", __name__, url_prefix="/api/v1",
                description="搜索与地理编码 / search and geocoding")

f = ma.fields


def _q(description: str) -> ma.fields.Field:
    return f.String(required=True, metadata={"description": description})


def _limit(default: int) -> ma.fields.Field:
    return f.Integer(load_default=default, validate=ma.validate.Range(min=1, max=MAX_LIMIT),
                     metadata={"description": f"结果数 / number of results (1–{MAX_LIMIT})"})


class SearchArgs(Arguments):
    """A search."""

    q = _q("名称、拼音、首字母、地址或地址代码 / a name, its pinyin or initials, an "
           "address or an address code")
    cls = f.String(metadata={"description": "只找此类地名 / only names of this class"})
    status = f.String(metadata={"description": "只找此状态 / only this status"})
    area = f.String(metadata={"description": "行政区划代码前缀 / division-code prefix"})
    near = LonLat(metadata={"description": "经度,纬度：近处优先 / LON,LAT: nearer first"})
    limit = _limit(20)


class AutocompleteArgs(Arguments):
    """Suggestions while typing."""

    q = _q("已输入的文字 / what was typed so far")
    limit = _limit(8)


class GeocodeArgs(Arguments):
    """A written address."""

    q = _q("书写的地址 / a written address")
    limit = _limit(5)


class ReverseArgs(Arguments):
    """A point."""

    lon = f.Float(required=True, validate=ma.validate.Range(min=-180, max=180),
                  metadata={"description": "经度（CGCS2000）/ longitude"})
    lat = f.Float(required=True, validate=ma.validate.Range(min=-90, max=90),
                  metadata={"description": "纬度（CGCS2000）/ latitude"})
    radius = f.Float(load_default=200.0,
                     validate=ma.validate.Range(min=0, max=MAX_RADIUS_M, min_inclusive=False),
                     metadata={"description": "半径（米）/ radius, metres"})
    limit = _limit(10)


class HitSchema(ma.Schema):
    """A name or an address found."""

    kind = f.String(required=True, validate=ma.validate.OneOf(["name", "address"]))
    id = f.String(required=True)
    label = f.String(required=True)
    matched = f.String(required=True)
    score = f.Float(required=True)
    spans = f.List(f.List(f.Integer()), required=True, metadata={
        "description": "label 中匹配的 [起, 止) / matched [start, end) ranges of label"})
    cls = f.String(required=True, allow_none=True)
    status = f.String(required=True)
    romanization = f.String(required=True, allow_none=True)
    historical = f.Boolean(required=True)
    via = f.String(required=True, allow_none=True)
    via_kind = f.String(required=True, allow_none=True)
    current_id = f.String(required=True, allow_none=True)
    current_name = f.String(required=True, allow_none=True)
    code = f.String(required=True, allow_none=True)
    lon = f.Float(required=True, allow_none=True)
    lat = f.Float(required=True, allow_none=True)
    bbox = f.List(f.Float(), required=True, allow_none=True)
    distance_m = f.Float(required=True, allow_none=True)


class SearchSchema(ma.Schema):
    """Names and addresses found, best first."""

    q = f.String(required=True)
    names = f.List(f.Nested(HitSchema), required=True)
    addresses = f.List(f.Nested(HitSchema), required=True)


class AutocompleteSchema(ma.Schema):
    """Suggestions."""

    q = f.String(required=True)
    suggestions = f.List(f.Nested(HitSchema), required=True)


class GeocodeMatchSchema(ma.Schema):
    """A standard address for a written one, or why none."""

    query = f.String(required=True)
    quality = f.String(required=True, validate=ma.validate.OneOf(["exact", "partial", "none"]))
    score = f.Float(required=True)
    reason_code = f.String(required=True)
    reason = f.String(required=True)
    reason_en = f.String(required=True)
    address_id = f.String(required=True, allow_none=True)
    code = f.String(required=True, allow_none=True)
    address = f.String(required=True, allow_none=True)
    lon = f.Float(required=True, allow_none=True)
    lat = f.Float(required=True, allow_none=True)
    matched = f.List(f.String(), required=True)


class GeocodeSchema(ma.Schema):
    """Matches of a written address."""

    q = f.String(required=True)
    matches = f.List(f.Nested(GeocodeMatchSchema), required=True)


class ReverseSchema(ma.Schema):
    """Addresses and names around a point, nearest first."""

    lon = f.Float(required=True)
    lat = f.Float(required=True)
    radius_m = f.Float(required=True)
    addresses = f.List(f.Nested(HitSchema), required=True)
    names = f.List(f.Nested(HitSchema), required=True)


def _run(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except search_ops.QueryError as exc:
        raise BadInput(exc.message) from exc


@blp.get("/search")
@blp.arguments(SearchArgs, location="query", as_kwargs=True)
@blp.response(200, SearchSchema)
@blp.errors(400)
def search(q: str, limit: int, cls: str | None = None, status: str | None = None,
           area: str | None = None, near: tuple[float, float] | None = None) -> Response:
    """搜索地名和地址 / Search names and addresses.

    By name, pinyin, initials, sound or typo, by address or address code; public.
    """
    result = _run(lambda: search_ops.search(db.session(), q, cls=cls, status=status,
                                            area=area, near=near, limit=limit))
    return jsonify(result.as_dict())


@blp.get("/autocomplete")
@blp.arguments(AutocompleteArgs, location="query", as_kwargs=True)
@blp.response(200, AutocompleteSchema)
@blp.errors(400)
def autocomplete(q: str, limit: int) -> Response:
    """输入提示 / Suggestions while typing.

    Public.
    """
    hits = _run(lambda: search_ops.autocomplete(db.session(), q, limit=limit))
    return jsonify({"q": q, "suggestions": [h.as_dict() for h in hits]})


@blp.get("/geocode")
@blp.arguments(GeocodeArgs, location="query", as_kwargs=True)
@blp.response(200, GeocodeSchema)
@blp.errors(400)
def geocode(q: str, limit: int) -> Response:
    """地址匹配 / Standard addresses for a written address.

    Each match says its quality (exact, partial, none) and why. Public.
    """
    matches = _run(lambda: search_ops.geocode(db.session(), q, limit=limit))
    return jsonify({"q": q, "matches": [m.as_dict() for m in matches]})


@blp.get("/reverse")
@blp.arguments(ReverseArgs, location="query", as_kwargs=True)
@blp.response(200, ReverseSchema)
@blp.errors(400)
def reverse(lon: float, lat: float, radius: float, limit: int) -> Response:
    """附近的地址和地名 / Nearest addresses and names around a point.

    CGCS2000 lon/lat, radius in metres; public.
    """
    result = _run(lambda: search_ops.reverse(db.session(), lon, lat, radius_m=radius,
                                             limit=limit))
    return jsonify(result.as_dict())
