"""``POST /api/v1/standardize``: a department's written addresses → the standard addresses.

Needs a department token with ``write:standardize``. The addresses are matched in a reader
session (on SQLite no writer waits for them); the request leaves one audit event under the
token saying how many were sent and how they matched.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from .. import db
from ..models.base import utcnow
from ..ops.search import standardize as ops
from ..ops.search.results import QUALITIES
from .api import BEARER, Blueprint, ErrorSchema
from .api_auth import current_token, require_scope

blp = Blueprint("api_standardize", __name__, url_prefix="/api/v1",
                description="地址标准化 / standardizing addresses")


class StandardizeArgs(ma.Schema):
    """The addresses to standardize."""

    addresses = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=ops.MAX_LENGTH)), required=True,
        validate=ma.validate.Length(min=1, max=ops.MAX_ADDRESSES),
        metadata={"description": f"1 至 {ops.MAX_ADDRESSES} 条非标准地址，每条至多 "
                                 f"{ops.MAX_LENGTH} 字 / 1 to {ops.MAX_ADDRESSES} written "
                                 f"addresses of at most {ops.MAX_LENGTH} characters"})


class MatchSchema(ma.Schema):
    """The best standard address for one written address (``quality`` none: not found)."""

    query = ma.fields.String(required=True, metadata={"description": "the address as sent"})
    quality = ma.fields.String(required=True, validate=ma.validate.OneOf(QUALITIES))
    score = ma.fields.Float(required=True)
    reason_code = ma.fields.String(required=True)
    reason = ma.fields.String(required=True, metadata={"description": "中文"})
    reason_en = ma.fields.String(required=True, metadata={"description": "English"})
    address_id = ma.fields.String(allow_none=True, metadata={"format": "uuid"})
    code = ma.fields.String(allow_none=True, metadata={"description": "地址代码 / code"})
    address = ma.fields.String(allow_none=True,
                               metadata={"description": "标准地址 / the standard address"})
    lon = ma.fields.Float(allow_none=True, metadata={"description": "CGCS2000 longitude"})
    lat = ma.fields.Float(allow_none=True, metadata={"description": "CGCS2000 latitude"})
    matched = ma.fields.List(ma.fields.String(), required=True,
                             metadata={"description": "the parts found: road, number…"})


class StandardizeResult(ma.Schema):
    """One match per address sent, in the same order."""

    count = ma.fields.Integer(required=True)
    results = ma.fields.List(ma.fields.Nested(MatchSchema), required=True)


@blp.post("/standardize")
@require_scope("write:standardize")
@blp.arguments(StandardizeArgs)
@blp.response(200, StandardizeResult)
@blp.alt_response(401, schema=ErrorSchema, description="no valid token")
@blp.alt_response(403, schema=ErrorSchema, description="the token lacks write:standardize")
@blp.errors(413)  # and 429, 503: any operation may answer them
@blp.doc(security=[{BEARER: []}])
def standardize(args: dict[str, Any]) -> dict[str, Any]:
    """地址标准化 / Standardize addresses

    为每条地址给出登记簿中最匹配的标准地址。For each written address, in the order sent, the
    best standard address of the register: its text, code and point, the quality of the
    match (exact, partial, none), a score and the reason in Chinese and English."""
    token = current_token()
    s = db.session()
    s.commit()  # the token check's transaction (SQLite: the write lock) ends before the reads
    matches = db.read_apart(lambda reader: ops.standardize(reader, args["addresses"]))
    ops.record(s, matches, token_id=token.id, now=utcnow())
    s.commit()
    return {"count": len(matches), "results": [m.as_dict() for m in matches]}
