"""``/api/v1/jurisdictions``: legal divisions and management areas (public)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response

from .. import db
from ..models.jurisdictions import Level
from ..ops.exchange import listing
from . import api_schemas as schemas
from .api import Blueprint
from .api_common import (
    ListArgs,
    code_field,
    documented_item,
    documented_list,
    page_schema,
    record_answer,
    register_list,
)

blp = Blueprint("api_jurisdictions", __name__, url_prefix="/api/v1/jurisdictions",
                description="行政区划与管理区 / jurisdictions")


class JurisdictionsArgs(ListArgs):
    """Filters of the jurisdictions list."""

    level = ma.fields.String(validate=ma.validate.OneOf([v.value for v in Level]),
                             metadata={"description": "层级 / level"})
    parent = code_field("上级的代码 / the parent's code")
    code = code_field("代码前缀 / code prefix")


JurisdictionsPage = page_schema(schemas.JurisdictionRecord, "JurisdictionsPage")


@blp.get("")
@blp.arguments(JurisdictionsArgs, location="query", as_kwargs=True)
@documented_list(blp, JurisdictionsPage)
@blp.doc(security=[])
def jurisdictions(limit: int, cursor: str | None = None, **filters: Any) -> Response:
    """行政区划与管理区列表 / The jurisdictions.

    Public (no token). Ordered by code, a page at a time (``cursor``).
    """
    wanted = listing.JurisdictionFilters(**filters)
    return register_list("jurisdictions", lambda s: listing.jurisdictions(s, wanted),
                         args=filters, limit=limit, cursor=cursor, private=False)


@blp.get("/<code>")
@documented_item(blp, schemas.JurisdictionRecord)
@blp.doc(security=[])
def jurisdiction(code: str) -> Response:
    """一个行政区划或管理区 / One jurisdiction, by its code.

    Public (no token).
    """
    return record_answer(listing.jurisdiction(db.session(), code), private=False,
                         missing="未找到该行政区划 / no such jurisdiction")
