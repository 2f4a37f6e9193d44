"""``/api/v1/plates``: door plates (scope ``read:plates``), and one plate by its QR id, which
answers the public scan view to anyone without a token."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, request

from .. import db
from ..models.plates import PlateStatus
from ..ops.exchange import listing
from . import api_schemas as schemas
from . import scan
from .api import BEARER, Blueprint
from .api_auth import InsufficientScope, current_token, require_scope
from .api_common import (
    ListArgs,
    documented_item,
    documented_list,
    page_schema,
    record_answer,
    register_list,
)

blp = Blueprint("api_plates", __name__, url_prefix="/api/v1/plates",
                description="门牌 / door plates")

SCOPE = "read:plates"


class PlatesArgs(ListArgs):
    """Filters of the plates list."""

    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in PlateStatus]),
                              metadata={"description": "状态 / status"})
    batch_id = ma.fields.UUID(data_key="batch", metadata={
        "description": "印制批次 id / print batch id"})
    address_code = ma.fields.String(validate=ma.validate.Regexp(r"^[0-9A-Za-z-]{1,32}$"),
                                    metadata={"description": "地址代码 / address code"})


PlatesPage = page_schema(schemas.PlateRecord, "PlatesPage")


@blp.get("")
@require_scope(SCOPE)
@blp.arguments(PlatesArgs, location="query", as_kwargs=True)
@documented_list(blp, PlatesPage, 401, 403)
@blp.doc(security=[{BEARER: []}])
def plates(limit: int, cursor: str | None = None, **filters: Any) -> Response:
    """门牌列表 / The door plates.

    Needs the scope ``read:plates``. Every plate whatever its status (ordered, printed,
    installed, damaged, replaced, revoked), with its QR id; ordered by id, a page at a time.
    """
    return register_list("plates", lambda s: listing.plates(s, listing.PlateFilters(**filters)),
                         args=filters, limit=limit, cursor=cursor)


@blp.get("/<plate_id>")
@documented_item(blp, {"oneOf": [schemas.PlateRecord, schemas.PublicPlate]}, 401, 403)
@blp.doc(security=[{}, {BEARER: []}])
def plate(plate_id: str) -> Response:
    """一块门牌 / One door plate, by the id in its QR code.

    With a department token (``read:plates``): the plate's record, as in the list. Without
    an ``Authorization`` header: what the public scan page shows (the address, the road and
    its story, the point), cacheable by anyone. Printed or typed forms of the id are
    accepted.
    """
    if "Authorization" not in request.headers:
        return scan.answer(plate_id, as_json=True)
    if SCOPE not in current_token().scope_set():
        raise InsufficientScope(f"令牌缺少权限范围 {SCOPE} / the token lacks the scope {SCOPE}")
    return record_answer(listing.plate(db.session(), plate_id),
                         missing="未找到该门牌 / no such plate")
