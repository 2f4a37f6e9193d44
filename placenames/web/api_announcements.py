"""``/api/v1/announcements``: announced names (公告) and names under public notice (公示),
public. Nothing personal: no applicant, no comment, no commenter."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask import Response, url_for

from .. import db
from ..ops.exchange import listing
from ..ops.procedure.publication import TYPES
from . import api_schemas as schemas
from .api import Blueprint
from .api_common import (
    ListArgs,
    documented_item,
    documented_list,
    page_answer,
    page_schema,
    record_answer,
    secret,
)
from .committee import now

blp = Blueprint("api_announcements", __name__, url_prefix="/api/v1/announcements",
                description="地名公告与公示 / announcements and public notices")


class AnnouncementsArgs(ListArgs):
    """Filters of the announcements list."""

    type = ma.fields.String(validate=ma.validate.OneOf(TYPES), metadata={
        "description": "announcement（公告）或 notice（公示）/ only announcements or only "
                       "notices"})


AnnouncementsPage = page_schema(schemas.AnnouncementRecord, "AnnouncementsPage")


def _linked(record: dict[str, Any]) -> dict[str, Any]:
    endpoint = "notices.announcement" if record["type"] == "announcement" else "notices.notice"
    return {**record, "url": url_for(endpoint, app_id=record["id"], _external=True)}


@blp.get("")
@blp.arguments(AnnouncementsArgs, location="query", as_kwargs=True)
@documented_list(blp, AnnouncementsPage)
@blp.doc(security=[])
def announcements(limit: int, cursor: str | None = None, type: str | None = None) -> Response:
    """地名公告与正在公示的拟用名称 / Announcements and public notices.

    Public (no token). Announcements (公告) of approved names, cancellations and renamings,
    and the public notices (公示) whose comment period runs now; ordered by id, a page at a
    time (``cursor``).
    """
    page = listing.announcements_page(db.session(), kind=type, now=now(), secret=secret(),
                                      cursor=cursor, limit=limit)
    linked = listing.Page([_linked(r) for r in page.items], page.next_cursor)
    return page_answer(linked, private=False)


@blp.get("/<uuid:app_id>")
@documented_item(blp, schemas.AnnouncementRecord)
@blp.doc(security=[])
def announcement(app_id: uuid.UUID) -> Response:
    """一则公告或公示 / One announcement or public notice.

    Public (no token).
    """
    record = listing.announcement(db.session(), app_id, now())
    return record_answer(_linked(record) if record is not None else None, private=False,
                         missing="未找到该公告或公示 / no such announcement or notice")
