"""``GET /api/v1/changes?after=SEQ``: the change feed, for departments that keep a copy."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, jsonify, request

from .. import db
from ..ops.accounts.department_tokens import FEED_SCOPES
from ..ops.exchange import feed
from .api import BEARER, Blueprint
from .api_auth import current_token

blp = Blueprint("api_changes", __name__, url_prefix="/api/v1",
                description="变更流 / the change feed")

ENTITY_CHOICES = ("name", "address", "plate", "jurisdiction")


class ChangesArgs(ma.Schema):
    """Query of the feed."""

    after = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=2**62),
                              metadata={"description": "上次读到的 seq（从头读为 0）/ the seq "
                                                       "of the last change read (0: from the "
                                                       "start)"})
    limit = ma.fields.Integer(load_default=feed.DEFAULT_PAGE,
                              validate=ma.validate.Range(min=1, max=feed.MAX_PAGE))
    entity = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(ENTITY_CHOICES)),
                            metadata={"description": "只看这些类记录 / only these kinds"})


class ChangeSchema(ma.Schema):
    """One change and its record as it stands now."""

    seq = ma.fields.Integer(required=True)
    at = ma.fields.String(required=True, metadata={"format": "date-time"})
    entity = ma.fields.String(required=True, validate=ma.validate.OneOf(ENTITY_CHOICES))
    id = ma.fields.String(required=True, metadata={"format": "uuid"})
    action = ma.fields.String(required=True, validate=ma.validate.OneOf(
        ("insert", "update", "status", "rename", "cancel")))
    version = ma.fields.Integer(required=True)
    record = ma.fields.Dict(required=True)


class ChangesPage(ma.Schema):
    """A page of the feed."""

    changes = ma.fields.List(ma.fields.Nested(ChangeSchema), required=True)
    next_after = ma.fields.Integer(required=True, metadata={
        "description": "下次请求的 after / pass as after to read on"})
    has_more = ma.fields.Boolean(required=True)


@blp.get("/changes")
@blp.arguments(ChangesArgs, location="query", as_kwargs=True)
@blp.response(200, ChangesPage, headers={"ETag": {"schema": {"type": "string"}}})
@blp.conditional
@blp.errors(400, 401)
@blp.doc(security=[{BEARER: []}])
def changes(after: int, limit: int, entity: list[str] | None = None) -> Response:
    """变更流 / The change feed.

    按提交顺序列出插入、修改、更名、注销和状态变化。Every insert,
    change, rename, cancel and status change in commit order, each with the record as it
    stands now. Names, addresses and plates need the matching read scope; jurisdictions are
    public. Replaying from ``after=0`` into an empty store gives the register."""
    token = current_token()
    scopes = token.scope_set()
    visible = {e for e, s in FEED_SCOPES.items() if s in scopes} | {"jurisdiction"}
    wanted = visible & set(entity) if entity else visible
    page = feed.read(db.session(), after, entities=wanted, limit=limit)
    body: dict[str, Any] = {"changes": page.changes, "next_after": page.next_after,
                            "has_more": page.has_more}
    response = jsonify(body)
    response.add_etag()
    response.make_conditional(request)
    return response
