"""``/api/v1/names``: the register's standard names (scope ``read:names``) and the names
check (the duplicate and homophone screen of a proposed name, public)."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any

import marshmallow as ma
from flask import Response, jsonify

from .. import db
from ..errors import NotFound
from ..models.places import PlaceStatus
from ..models.workflow import Application
from ..naming.generics import CLASSES
from ..ops.exchange import listing
from ..ops.names import screen as screen_ops
from ..ops.plans import published
from ..ops.procedure import reserved_link
from ..workflow.plans import VIEW_ROLES
from . import api_schemas as schemas
from .api import BEARER, Blueprint
from .api_auth import require_scope
from .api_common import (
    Arguments,
    BBox,
    ListArgs,
    LonLat,
    code_field,
    documented_item,
    documented_list,
    page_schema,
    record_answer,
    register_list,
)
from .auth import holds_any

blp = Blueprint("api_names", __name__, url_prefix="/api/v1/names",
                description="标准地名与名称审查 / standard names and the names check")

CLASS_CHOICES = sorted(CLASSES)


class NamesArgs(ListArgs):
    """Filters of the names list."""

    cls = ma.fields.String(data_key="class", validate=ma.validate.OneOf(CLASS_CHOICES),
                           metadata={"description": "地名类别 / class"})
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in PlaceStatus]),
                              metadata={"description": "状态 / status"})
    division = code_field("行政区划代码前缀 / division-code prefix (e.g. 610112)")
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=60),
                            metadata={"description": "标准名称（完全一致）/ exact name"})
    updated_since = ma.fields.AwareDateTime(
        default_timezone=UTC,
        metadata={"description": "只列此时刻及以后修改的 / changed at or after (ISO 8601; "
                                 "UTC when no offset)"})
    bbox = BBox(metadata={"description": "minLon,minLat,maxLon,maxLat（CGCS2000）：几何与之相交"
                                         " / geometry meeting the box"})
    historical = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "包括已更名、已注销的地名 / include renamed and cancelled "
                                 "names"})


NamesPage = page_schema(schemas.NameRecord, "NamesPage")


@blp.get("")
@require_scope("read:names")
@blp.arguments(NamesArgs, location="query", as_kwargs=True)
@documented_list(blp, NamesPage, 401, 403)
@blp.doc(security=[{BEARER: []}])
def names(limit: int, cursor: str | None = None, **filters: Any) -> Response:
    """标准地名列表 / The standard names.

    Needs the scope ``read:names``. Current names only unless ``historical`` (or a
    historical ``status``) is asked for; ordered by id, a page at a time (``cursor``).
    """
    return register_list("names", lambda s: listing.names(s, listing.NameFilters(**filters)),
                         args=filters, limit=limit, cursor=cursor)


@blp.get("/<uuid:name_id>")
@require_scope("read:names")
@documented_item(blp, schemas.NameRecord, 401, 403)
@blp.doc(security=[{BEARER: []}])
def name(name_id: uuid.UUID) -> Response:
    """一条标准地名 / One standard name.

    Needs ``read:names``. Renamed and cancelled names are answered too (their ``status``
    says so; ``renamed_to`` points to the new name).
    """
    return record_answer(listing.name(db.session(), name_id),
                         missing="未找到该地名 / no such name")


class CheckArgs(Arguments):
    """A proposed name to screen."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100),
                            metadata={"description": "拟用名称 / the proposed name"})
    cls = ma.fields.String(required=True, data_key="class",
                           validate=ma.validate.OneOf(CLASS_CHOICES),
                           metadata={"description": "地名类别 / class"})
    area = code_field("拟命名地点的行政区划代码 / division code of the place")
    near = LonLat(metadata={"description": "经度,纬度（CGCS2000）/ LON,LAT of the place"})
    application = ma.fields.UUID(metadata={
        "description": "工作人员：所属申请，其取用的备用地名和更名对象不计 / staff: the "
                       "application the name is for (its own reserved name and rename "
                       "target are not reported)"})


class ScreenScopeSchema(ma.Schema):
    """The legal scope the name was screened in."""

    label_zh = ma.fields.String(required=True)
    label_en = ma.fields.String(required=True)
    nationwide = ma.fields.Boolean(required=True)
    radius_m = ma.fields.Float(required=True, allow_none=True)


class FindingSchema(ma.Schema):
    """A rule's finding."""

    code = ma.fields.String(required=True)
    severity = ma.fields.String(required=True, validate=ma.validate.OneOf(
        ["block", "warn", "info"]))
    message_zh = ma.fields.String(required=True)
    message_en = ma.fields.String(required=True)


class ScreenHitSchema(ma.Schema):
    """A name that conflicts with the proposal."""

    id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    cls = ma.fields.String(required=True, allow_none=True, data_key="class")
    status = ma.fields.String(required=True)
    jurisdiction_code = ma.fields.String(required=True, allow_none=True)
    jurisdiction = ma.fields.String(required=True, allow_none=True)
    distance_m = ma.fields.Float(required=True, allow_none=True)
    kind = ma.fields.String(required=True)
    score = ma.fields.Float(required=True)
    severity = ma.fields.String(required=True)
    reason_zh = ma.fields.String(required=True)
    reason_en = ma.fields.String(required=True)
    record = ma.fields.String(required=True, validate=ma.validate.OneOf(["place", "division"]),
                              metadata={"description": "地名（place）或行政区划（division）/ "
                                                       "what holds the name"})
    code = ma.fields.String(required=True, allow_none=True,
                            metadata={"description": "行政区划的代码（仅 division）/ the "
                                                     "division's own code"})
    level = ma.fields.String(required=True, allow_none=True,
                             metadata={"description": "行政区划的层级（仅 division）/ the "
                                                      "division's level"})


class ScreenSchema(ma.Schema):
    """The screen's verdict on a proposed name."""

    name = ma.fields.String(required=True)
    cls = ma.fields.String(required=True, data_key="class")
    romanization = ma.fields.String(required=True)
    verdict = ma.fields.String(required=True, validate=ma.validate.OneOf(
        ["clear", "warn", "block"]))
    scope = ma.fields.Nested(ScreenScopeSchema, required=True)
    findings = ma.fields.List(ma.fields.Nested(FindingSchema), required=True)
    hits = ma.fields.List(ma.fields.Nested(ScreenHitSchema), required=True)


@blp.get("/check")
@blp.arguments(CheckArgs, location="query", as_kwargs=True)
@blp.response(200, ScreenSchema)
@blp.errors(400, 404)
def check(name: str, cls: str, area: str | None = None,
          near: tuple[float, float] | None = None,
          application: uuid.UUID | None = None) -> Response:
    """名称审查：重名、同音和命名规则 / Screen a proposed name.

    Duplicates and homophones within the name's legal scope, and the naming rules, with the
    romanization. Public. A hit on a reserved name of a naming plan not made public keeps its
    verdict but not its name (staff see it in full). Staff may give the ``application`` the
    name is for: its own reserved name and rename target are then not reported. An unknown
    ``area`` or ``application`` is a 404.
    """
    session = db.session()
    staff = holds_any(VIEW_ROLES)
    own: set[str] = set()
    if staff and application is not None:
        app = session.get(Application, application)
        if app is None:
            raise NotFound(f"没有这个申请 / no application {application}")
        own = reserved_link.excluded_place_ids(session, app)
    answer = screen_ops.as_dict(screen_ops.screen(session, name, cls, area_code=area, near=near,
                                                  exclude_ids=own))
    if not staff:  # staff see plans in full
        answer = published.screen_for_the_public(session, answer)
    return jsonify(answer)
