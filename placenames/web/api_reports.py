"""``POST /api/v1/reports``: a department reports a problem with an address or a plate.

Needs a department token with ``write:reports``. The report joins the staff's queue
(``/staff/plates/reports``) with the department named, and its audit event carries the token.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from .. import db
from ..models.base import utcnow
from ..models.plates import ReportKind
from ..ops.plates import reports
from .api import BEARER, Blueprint, ErrorSchema
from .api_auth import current_token, require_scope

blp = Blueprint("api_reports", __name__, url_prefix="/api/v1",
                description="部门报告地址或门牌问题 / departments report problems with "
                            "addresses and plates")

KINDS = [k.value for k in ReportKind if k is not ReportKind.WRONG_SIGN]  # signs: /s/<id>


class ReportArgs(ma.Schema):
    """The body of a report: an address code and/or a plate id, a kind, a short note."""

    address_code = ma.fields.String(validate=ma.validate.Length(max=32), metadata={
        "description": "地址代码 / the address's code (as in the register)"})
    plate_id = ma.fields.String(validate=ma.validate.Length(max=40), metadata={
        "description": "门牌二维码上的编号 / the id in the plate's QR code"})
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS), metadata={
        "description": "damaged 门牌损坏, missing 门牌缺失, wrong_address 地址有误, "
                       "other 其他（须写说明 / describe it in the note)"})
    note = ma.fields.String(allow_none=True, validate=ma.validate.Length(
        max=reports.MAX_NOTE), metadata={"description": "说明，不含个人信息 / what is wrong, "
                                                        "no personal data"})


class ReportCreated(ma.Schema):
    """The stored report."""

    id = ma.fields.String(required=True, metadata={"format": "uuid"})
    kind = ma.fields.String(required=True)
    address_code = ma.fields.String(allow_none=True)
    status = ma.fields.String(required=True, metadata={"description": "new"})
    received_at = ma.fields.String(required=True, metadata={"format": "date-time"})


@blp.post("/reports")
@require_scope("write:reports")
@blp.arguments(ReportArgs)
@blp.response(201, ReportCreated)
@blp.alt_response(400, schema=ErrorSchema, description="neither address_code nor plate_id")
@blp.alt_response(401, schema=ErrorSchema, description="no valid token")
@blp.alt_response(403, schema=ErrorSchema, description="the token lacks write:reports")
@blp.alt_response(404, schema=ErrorSchema, description="no such address or plate")
@blp.errors(413)  # and 429, 503: any operation may answer them
@blp.doc(security=[{BEARER: []}])
def create(args: dict[str, Any]) -> dict[str, Any]:
    """报告地址或门牌问题 / Report a problem with an address or a plate

    门牌损坏、缺失、地址有误或其他问题，写明地址代码、门牌二维码编号或两者。Report a damaged
    or missing plate, a wrong address or another problem, naming the address (its code), the
    plate (the id in its QR code) or both. The naming office's staff see it in their queue
    with the department's name; the audit log records it under the token."""
    token = current_token()
    s = db.session()
    report = reports.from_department(s, token_id=token.id, now=utcnow(), **args)
    s.commit()
    return {"id": str(report.id), "kind": report.kind, "status": report.status,
            "address_code": report.address.code if report.address else None,
            "received_at": report.received_at.isoformat()}
