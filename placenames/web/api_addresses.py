"""``/api/v1/addresses``: the register's standard addresses (scope ``read:addresses``)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import marshmallow as ma
from flask import Response

from .. import db
from ..models.addresses import AddressStatus
from ..ops.exchange import listing
from . import api_schemas as schemas
from .api import BEARER, Blueprint
from .api_auth import require_scope
from .api_common import (
    BBox,
    ListArgs,
    code_field,
    documented_item,
    documented_list,
    page_schema,
    record_answer,
    register_list,
)

blp = Blueprint("api_addresses", __name__, url_prefix="/api/v1/addresses",
                description="标准地址 / standard addresses")

CODE = ma.validate.Regexp(r"^[0-9A-Za-z-]{1,32}$")


class AddressesArgs(ListArgs):
    """Filters of the addresses list."""

    road_id = ma.fields.UUID(data_key="road", metadata={
        "description": "道路（地名 id）/ the road (a name's id)"})
    jurisdiction = code_field("行政区划代码前缀 / division-code prefix")
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in AddressStatus]),
                              metadata={"description": "状态 / status"})
    code = ma.fields.String(validate=CODE, metadata={"description": "地址代码 / address code"})
    updated_since = ma.fields.AwareDateTime(
        default_timezone=UTC,
        metadata={"description": "只列此时刻及以后修改的 / changed at or after (ISO 8601; "
                                 "UTC when no offset)"})
    bbox = BBox(metadata={"description": "minLon,minLat,maxLon,maxLat（CGCS2000）：门口点在框内"
                                         " / entrance inside the box"})
    historical = ma.fields.Boolean(load_default=False, metadata={
        "description": "包括已注销的地址 / include retired addresses"})


AddressesPage = page_schema(schemas.AddressRecord, "AddressesPage")


@blp.get("")
@require_scope("read:addresses")
@blp.arguments(AddressesArgs, location="query", as_kwargs=True)
@documented_list(blp, AddressesPage, 401, 403)
@blp.doc(security=[{BEARER: []}])
def addresses(limit: int, cursor: str | None = None, **filters: Any) -> Response:
    """标准地址列表 / The standard addresses.

    Needs the scope ``read:addresses``. Active addresses only unless ``historical`` (or
    ``status=retired``); ordered by id, a page at a time (``cursor``).
    """
    wanted = listing.AddressFilters(**filters)
    return register_list("addresses", lambda s: listing.addresses(s, wanted), args=filters,
                         limit=limit, cursor=cursor)


@blp.get("/<code>")
@require_scope("read:addresses")
@documented_item(blp, schemas.AddressRecord, 401, 403)
@blp.doc(security=[{BEARER: []}])
def address(code: str) -> Response:
    """一条标准地址 / One standard address, by its code.

    Needs ``read:addresses``. Retired addresses are answered too (``status``).
    """
    return record_answer(listing.address(db.session(), code),
                         missing="未找到该地址 / no such address")
