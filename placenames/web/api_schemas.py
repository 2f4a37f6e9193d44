"""The OpenAPI schemas of the exchange records (:mod:`placenames.ops.exchange.records`).

The handlers answer the records' dicts as they are; these schemas describe them for the
document, and the schema test (tests/test_api_schema.py) checks every answer against them.
Every key is always present (``required``); a value that may be missing is ``null``.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from ..models.addresses import AddressStatus
from ..models.jurisdictions import Level
from ..models.places import PlaceStatus
from ..models.plates import PlateStatus
from ..naming.generics import CLASSES
from ..ops.procedure.publication import TYPES

f = ma.fields


def _req(field: type[ma.fields.Field], *args: Any, nullable: bool = False,
         **kwargs: Any) -> ma.fields.Field:
    return field(*args, required=True, allow_none=nullable, **kwargs)


def _text(description: str | None = None, nullable: bool = True) -> ma.fields.Field:
    metadata = {"description": description} if description else {}
    return _req(f.String, nullable=nullable, metadata=metadata)


GEOMETRY = {"description": "GeoJSON 几何（CGCS2000 经纬度）/ GeoJSON geometry (CGCS2000 "
                           "lon/lat)"}


class NameRecord(ma.Schema):
    """A standard name (地名)."""

    id = _req(f.UUID)
    name = _text("标准名称 / standard name", nullable=False)
    specific = _text("专名 / specific part", nullable=False)
    generic = _text("通名 / generic part", nullable=False)
    cls = _req(f.String, data_key="class", validate=ma.validate.OneOf(sorted(CLASSES)),
               metadata={"description": "地名类别 / class"})
    class_code = _text("类别代码 / class code (GB/T 18521)")
    romanization = _text("罗马字母拼写 / romanization")
    status = _req(f.String, validate=ma.validate.OneOf([s.value for s in PlaceStatus]))
    division_code = _text("行政区划代码 / administrative division code")
    location = _text("地理位置描述 / location")
    start = _text("起点 / start")
    end = _text("止点 / end")
    length_m = _req(f.Float, nullable=True)
    width_m = _req(f.Float, nullable=True)
    meaning = _text("含义 / meaning")
    history = _text("历史沿革 / history")
    approving_body = _text("批准机关 / approving body")
    approval_doc_no = _text("批准文号 / approval document")
    approval_date = _req(f.Date, nullable=True)
    renamed_to = _req(f.UUID, nullable=True, metadata={"description": "更名后的地名 / the "
                                                                      "name it was renamed to"})
    version = _req(f.Integer)
    updated_at = _req(f.String, nullable=True, metadata={"format": "date-time"})
    geometry = _req(f.Dict, nullable=True, metadata=GEOMETRY)


class AddressRecord(ma.Schema):
    """A standard address (标准地址)."""

    id = _req(f.UUID)
    code = _text("地址代码 / address code", nullable=False)
    full_text = _text("标准地址 / standard address", nullable=False)
    status = _req(f.String, validate=ma.validate.OneOf([s.value for s in AddressStatus]))
    jurisdiction_code = _text("行政区划代码 / division code", nullable=False)
    road_id = _req(f.UUID, nullable=True)
    road_name = _text("道路名称 / road")
    village_group = _text("村民小组 / village group")
    number = _req(f.Integer, nullable=True, metadata={"description": "门牌号 / number"})
    suffix = _text("分号 / sub-number")
    building = _text("楼栋 / building")
    unit = _text("单元 / unit")
    room = _text("户室 / room")
    side = _text("道路的哪一侧 / side of the road (left, right)")
    version = _req(f.Integer)
    updated_at = _req(f.String, nullable=True, metadata={"format": "date-time"})
    geometry = _req(f.Dict, nullable=True, metadata=GEOMETRY)


class PlateRecord(ma.Schema):
    """A door plate (门牌)."""

    id = _req(f.UUID)
    plate_id = _text("二维码编号 / the id in the plate's QR code", nullable=False)
    address_id = _req(f.UUID)
    address_code = _text("地址代码 / address code", nullable=False)
    kind = _text(nullable=False)
    size = _text(nullable=False)
    status = _req(f.String, validate=ma.validate.OneOf([s.value for s in PlateStatus]))
    installed_on = _req(f.Date, nullable=True)
    version = _req(f.Integer)
    updated_at = _req(f.String, nullable=True, metadata={"format": "date-time"})
    geometry = _req(f.Dict, nullable=True, metadata=GEOMETRY)


class JurisdictionRecord(ma.Schema):
    """A jurisdiction: a legal division (行政区划) or a management area (管理区)."""

    id = _req(f.UUID)
    code = _text("代码 / code", nullable=False)
    name = _text("名称 / name", nullable=False)
    level = _req(f.String, validate=ma.validate.OneOf([v.value for v in Level]))
    parent_code = _text("上级代码 / the parent's code")
    romanization = _text()
    status = _text(nullable=False)
    version = _req(f.Integer)
    updated_at = _req(f.String, nullable=True, metadata={"format": "date-time"})


class Candidate(ma.Schema):
    """A proposed name under notice."""

    rank = _req(f.Integer)
    name = _text(nullable=False)
    reason = _text()
    romanization = _text()


class AnnouncementRecord(ma.Schema):
    """A published name: an announcement (公告) or a public notice (公示) under comment."""

    id = _req(f.UUID)
    type = _req(f.String, validate=ma.validate.OneOf(TYPES), metadata={
        "description": "announcement：地名公告 / an announcement of an approved name; "
                       "notice：征求意见公示 / a public notice under comment"})
    procedure = _req(f.String, validate=ma.validate.OneOf(["new", "rename", "cancel"]),
                     metadata={"description": "命名、更名、销名 / naming, renaming, "
                                              "cancelling"})
    cls = _req(f.String, data_key="class", metadata={"description": "地名类别 / class"})
    name = _text("标准名称（公告）或第一个拟用名称（公示）/ the standard name, or the first "
                 "proposed name")
    romanization = _text()
    old_name = _text("现用名称（更名、销名）/ the current name (renaming, cancelling)")
    candidates = _req(f.List, f.Nested(Candidate),
                      metadata={"description": "拟用名称（公示）/ proposed names (notice)"})
    jurisdiction = _text("所属行政区域 / jurisdiction")
    jurisdiction_code = _text()
    location = _text("位置描述 / location")
    reason = _text("申请理由（公示）/ reasons (notice)")
    approving_body = _text("批准机关（公告）/ approving body (announcement)")
    approval_doc_no = _text("批准文号 / approval document")
    approval_date = _req(f.Date, nullable=True)
    announced_on = _req(f.Date, nullable=True)
    comment_opens = _req(f.String, nullable=True, metadata={"format": "date-time"})
    comment_closes = _req(f.String, nullable=True, metadata={"format": "date-time"})
    comments_open = _req(f.Boolean, metadata={"description": "现在可以提意见 / comments "
                                                             "are open now"})
    name_id = _req(f.UUID, nullable=True, metadata={"description": "登记的地名 / the name "
                                                                   "in the register"})
    url = _text("公示或公告的网页 / the public page", nullable=False)


class PublicPlateAddress(ma.Schema):
    """The address a plate stands for, as the public sees it."""

    code = _text(nullable=False)
    zh = _text(nullable=False)
    pinyin = _text(nullable=False)
    jurisdiction = _req(f.List, f.String())


class PublicPlateRoad(ma.Schema):
    """The plate's road, with its story and any rename."""

    name = _text(nullable=False)
    romanization = _text()
    meaning = _text()
    history = _text()
    renamed_to = _text()
    renamed_to_romanization = _text()
    renamed_on = _req(f.Date, nullable=True)


class PublicPlateLocation(ma.Schema):
    """The entrance point."""

    lon = _req(f.Float)
    lat = _req(f.Float)
    crs = _text(nullable=False)


class PublicPlate(ma.Schema):
    """A plate as its public scan page shows it (no token)."""

    plate_id = _text(nullable=False)
    display_id = _text(nullable=False)
    status = _req(f.String, validate=ma.validate.OneOf([s.value for s in PlateStatus]))
    revoked = _req(f.Boolean)
    replaced_by = _text()
    address = _req(f.Nested, PublicPlateAddress)
    road = _req(f.Nested, PublicPlateRoad, nullable=True)
    location = _req(f.Nested, PublicPlateLocation, nullable=True)
