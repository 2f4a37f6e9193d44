"""The register's records as other systems see them: one representation per kind of record.

The API, the change feed, OGC API – Features and the open-data files all read names,
addresses, plates and jurisdictions through the selects and mappers here, so a field means the
same thing everywhere. The selects are Core statements (no ORM objects), so exports stream a
million rows; the mappers turn one row into a JSON-ready dict.

Files for people (CSV, XLSX) use the national place-name database's column names
(:data:`NAME_FIELDS`, :data:`ADDRESS_FIELDS`: 标准名称, 罗马字母拼写, 类别代码 …), mapped here to
the record keys. Coordinates are CGCS2000 (EPSG:4490) longitude/latitude.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, aliased

from ... import spatial
from ...models import Address, Jurisdiction, Place, Plate
from ...models.addresses import AddressStatus
from ...models.places import HISTORICAL, PLAN_ONLY, PlaceStatus
from ...models.plates import LIVE_STATUSES
from ...models.workflow import Application

ENTITIES = ("name", "address", "plate", "jurisdiction")


@dataclass(frozen=True)
class Field:
    """A column of a file for people: its header (the national database's), record key, and
    English label."""

    header: str
    key: str
    en: str


NAME_FIELDS: tuple[Field, ...] = (
    Field("标准名称", "name", "standard name"),
    Field("罗马字母拼写", "romanization", "romanization"),
    Field("类别代码", "class_code", "class code (GB/T 18521)"),
    Field("地名类别", "class", "class"),
    Field("行政区划代码", "division_code", "administrative division code"),
    Field("经度", "lon", "longitude (CGCS2000)"),
    Field("纬度", "lat", "latitude (CGCS2000)"),
    Field("含义", "meaning", "meaning"),
    Field("历史沿革", "history", "history"),
    Field("批准机关", "approving_body", "approving body"),
    Field("批准文号", "approval_doc_no", "approval document"),
    Field("批准时间", "approval_date", "approval date"),
    Field("地理位置", "location", "location"),
    Field("状态", "status", "status"),
    Field("标识码", "id", "record id"),
    Field("几何", "wkt", "geometry (WKT, CGCS2000)"),
)
"""Columns of a names file, national database fields first."""

ADDRESS_FIELDS: tuple[Field, ...] = (
    Field("标准地址", "full_text", "standard address"),
    Field("地址代码", "code", "address code"),
    Field("行政区划代码", "jurisdiction_code", "administrative division code"),
    Field("道路名称", "road_name", "road"),
    Field("门牌号", "number", "house number"),
    Field("分号", "suffix", "sub-number"),
    Field("楼栋", "building", "building"),
    Field("单元", "unit", "unit"),
    Field("户室", "room", "room"),
    Field("村民小组", "village_group", "village group"),
    Field("经度", "lon", "longitude (CGCS2000)"),
    Field("纬度", "lat", "latitude (CGCS2000)"),
    Field("状态", "status", "status"),
    Field("标识码", "id", "record id"),
)
"""Columns of an addresses file."""


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _geometry(text: str | None) -> dict[str, Any] | None:
    return json.loads(text) if text else None


def _str(value: Any) -> str | None:
    return str(value) if value is not None else None


BBox = tuple[float, float, float, float]
"""minLon, minLat, maxLon, maxLat (CGCS2000)."""


def _prefix(column: Any, prefix: str) -> ColumnElement[bool]:
    return column.startswith(prefix, autoescape=True)  # type: ignore[no-any-return]


# --- names -------------------------------------------------------------------------------------

def names_select(*, historical: bool = False, standard_only: bool = False,
                 plan_names: bool = False) -> Select[Any]:
    """Every name (current ones only unless ``historical``), ordered by id.

    ``standard_only``: the standard names, those in force (not the ones proposed, in the
    procedure, approved but not yet announced, or reserved), with ``historical`` also the
    renamed and cancelled ones: what the open-data files publish. The naming plan's reserved
    and released names are left out unless ``plan_names``.
    """
    stmt = select(
        Place.id, Place.name, Place.specific, Place.generic, Place.cls, Place.class_code,
        Place.romanization, Place.status, Place.division_code, Place.location_desc,
        Place.start_desc, Place.end_desc, Place.length_m, Place.width_m, Place.meaning,
        Place.history, Place.approving_body, Place.approval_doc_no, Place.approval_date,
        Place.renamed_to_id, Place.version, Place.updated_at,
        spatial.as_geojson(Place.geom).label("geojson"),
    ).order_by(Place.id)
    if not historical:
        stmt = stmt.where(Place.status.not_in([str(s) for s in HISTORICAL]))
    if not plan_names:
        stmt = stmt.where(Place.status.not_in([str(s) for s in PLAN_ONLY]))
    if standard_only:
        stmt = stmt.where(Place.status.in_([str(PlaceStatus.IN_FORCE), *(
            str(s) for s in HISTORICAL)]))
    return stmt


def filter_names(stmt: Select[Any], bind: Engine | Connection, *, cls: str | None = None,
                 status: str | None = None, division: str | None = None,
                 name: str | None = None, updated_since: datetime | None = None,
                 bbox: BBox | None = None) -> Select[Any]:
    """:func:`names_select` narrowed: class, status, division-code prefix, exact name,
    changed at or after ``updated_since``, geometry meeting ``bbox``."""
    stmt = where_equal(stmt, "name", _given({"class": cls, "status": status, "name": name}))
    return _narrowed(stmt, COLUMNS["name"], bind, ("division_code", division), updated_since,
                     bbox)


def name_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """One name as the API and the feed give it."""
    return {
        "id": str(row["id"]), "name": row["name"], "specific": row["specific"],
        "generic": row["generic"], "class": row["cls"], "class_code": row["class_code"],
        "romanization": row["romanization"], "status": row["status"],
        "division_code": row["division_code"], "location": row["location_desc"],
        "start": row["start_desc"], "end": row["end_desc"], "length_m": row["length_m"],
        "width_m": row["width_m"], "meaning": row["meaning"], "history": row["history"],
        "approving_body": row["approving_body"], "approval_doc_no": row["approval_doc_no"],
        "approval_date": _iso(row["approval_date"]), "renamed_to": _str(row["renamed_to_id"]),
        "version": row["version"], "updated_at": _iso(row["updated_at"]),
        "geometry": _geometry(row["geojson"]),
    }


# --- addresses ---------------------------------------------------------------------------------

_road = aliased(Place, name="road")


def addresses_select(*, historical: bool = False) -> Select[Any]:
    """Every address (active ones only unless ``historical``), ordered by id."""
    stmt = (select(
        Address.id, Address.code, Address.full_text, Address.status,
        Jurisdiction.code.label("jurisdiction_code"), Address.road_id,
        _road.name.label("road_name"), Address.village_group, Address.number, Address.suffix,
        Address.building, Address.unit, Address.room, Address.side, Address.version,
        Address.updated_at, spatial.as_geojson(Address.entrance).label("geojson"))
        .join(Jurisdiction, Jurisdiction.id == Address.jurisdiction_id)
        .outerjoin(_road, _road.id == Address.road_id)
        .order_by(Address.id))
    if not historical:
        stmt = stmt.where(Address.status == AddressStatus.ACTIVE)
    return stmt


def filter_addresses(stmt: Select[Any], bind: Engine | Connection, *,
                     road_id: uuid.UUID | None = None, jurisdiction: str | None = None,
                     status: str | None = None, code: str | None = None,
                     updated_since: datetime | None = None, bbox: BBox | None = None
                     ) -> Select[Any]:
    """:func:`addresses_select` narrowed: road, jurisdiction-code prefix, status, exact code,
    changed at or after ``updated_since``, entrance inside ``bbox``."""
    stmt = where_equal(stmt, "address", _given({"status": status, "code": code}))
    if road_id is not None:
        stmt = stmt.where(Address.road_id == road_id)
    return _narrowed(stmt, COLUMNS["address"], bind, ("jurisdiction_code", jurisdiction),
                     updated_since, bbox)


def address_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """One address as the API and the feed give it."""
    return {
        "id": str(row["id"]), "code": row["code"], "full_text": row["full_text"],
        "status": row["status"], "jurisdiction_code": row["jurisdiction_code"],
        "road_id": _str(row["road_id"]), "road_name": row["road_name"],
        "village_group": row["village_group"], "number": row["number"],
        "suffix": row["suffix"], "building": row["building"], "unit": row["unit"],
        "room": row["room"], "side": row["side"], "version": row["version"],
        "updated_at": _iso(row["updated_at"]), "geometry": _geometry(row["geojson"]),
    }


# --- plates ------------------------------------------------------------------------------------

def plates_select(*, current: bool = False) -> Select[Any]:
    """Every plate with its address's code and door point, ordered by id; with ``current``,
    only plates that still stand for an active address (ordered, printed, installed or
    damaged: not replaced or revoked)."""
    stmt = (select(
        Plate.id, Plate.plate_id, Plate.address_id, Address.code.label("address_code"),
        Plate.kind, Plate.size, Plate.status, Plate.installed_on, Plate.batch_id,
        Plate.version, Plate.updated_at, spatial.as_geojson(Address.entrance).label("geojson"))
        .join(Address, Address.id == Plate.address_id)
        .order_by(Plate.id))
    if current:
        stmt = stmt.where(Plate.status.in_([str(s) for s in LIVE_STATUSES]),
                          Address.status == AddressStatus.ACTIVE)
    return stmt


def filter_plates(stmt: Select[Any], *, status: str | None = None,
                  batch_id: uuid.UUID | None = None, address_code: str | None = None
                  ) -> Select[Any]:
    """:func:`plates_select` narrowed: status, print batch, the address's code."""
    stmt = where_equal(stmt, "plate", _given({"status": status, "address_code": address_code}))
    return stmt.where(Plate.batch_id == batch_id) if batch_id is not None else stmt


def plate_record(row: Mapping[str, Any], *, with_plate_id: bool = True) -> dict[str, Any]:
    """One plate. ``plate_id`` is the unguessable id of its QR code: given to departments
    whose token may read plates, never in public output (``with_plate_id=False``)."""
    record = {
        "id": str(row["id"]), "address_id": str(row["address_id"]),
        "address_code": row["address_code"], "kind": row["kind"], "size": row["size"],
        "status": row["status"], "installed_on": _iso(row["installed_on"]),
        "version": row["version"], "updated_at": _iso(row["updated_at"]),
        "geometry": _geometry(row["geojson"]),
    }
    if with_plate_id:
        record["plate_id"] = row["plate_id"]
    return record


# --- jurisdictions -----------------------------------------------------------------------------

_parent = aliased(Jurisdiction, name="parent")


def jurisdictions_select() -> Select[Any]:
    """Every jurisdiction with its parent's code, ordered by code (geometry left out)."""
    return (select(
        Jurisdiction.id, Jurisdiction.code, Jurisdiction.name, Jurisdiction.level,
        _parent.code.label("parent_code"), Jurisdiction.romanization, Jurisdiction.status,
        Jurisdiction.version, Jurisdiction.updated_at)
        .outerjoin(_parent, _parent.id == Jurisdiction.parent_id)
        .order_by(Jurisdiction.code))


def filter_jurisdictions(stmt: Select[Any], *, level: str | None = None,
                         parent: str | None = None, code: str | None = None) -> Select[Any]:
    """:func:`jurisdictions_select` narrowed: level, the parent's code, code prefix."""
    if level is not None:
        stmt = stmt.where(Jurisdiction.level == level)
    if parent is not None:
        stmt = stmt.where(_parent.code == parent)
    if code is not None:
        stmt = stmt.where(_prefix(Jurisdiction.code, code))
    return stmt


def jurisdiction_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """One jurisdiction (legal division or management area)."""
    return {
        "id": str(row["id"]), "code": row["code"], "name": row["name"], "level": row["level"],
        "parent_code": row["parent_code"], "romanization": row["romanization"],
        "status": row["status"], "version": row["version"],
        "updated_at": _iso(row["updated_at"]),
    }


# --- columns behind the records ----------------------------------------------------------------

@dataclass(frozen=True)
class Columns:
    """The columns behind one kind of record, for readers that filter its select: the id
    (the select's order), the geometry, the last change, and the record keys a reader may
    filter on by equality, each with the column it comes from."""

    id: Any
    geometry: Any
    updated_at: Any
    filters: Mapping[str, Any]


COLUMNS: dict[str, Columns] = {
    "name": Columns(Place.id, Place.geom, Place.updated_at, {
        "class": Place.cls, "status": Place.status, "division_code": Place.division_code,
        "name": Place.name}),
    "address": Columns(Address.id, Address.entrance, Address.updated_at, {
        "code": Address.code, "jurisdiction_code": Jurisdiction.code,
        "road_name": _road.name, "status": Address.status}),
    "plate": Columns(Plate.id, Address.entrance, Plate.updated_at, {
        "status": Plate.status, "kind": Plate.kind, "address_code": Address.code}),
}
"""Names, addresses and plates: the columns of their selects (see :class:`Columns`)."""


def _given(values: Mapping[str, str | None]) -> dict[str, str]:
    return {k: v for k, v in values.items() if v is not None}


def _narrowed(stmt: Select[Any], cols: Columns, bind: Engine | Connection,
              prefix: tuple[str, str | None], updated_since: datetime | None,
              bbox: BBox | None) -> Select[Any]:
    """``stmt`` keeping a record key that starts with a prefix, changes at or after
    ``updated_since`` and geometries meeting ``bbox`` (each when given)."""
    key, start = prefix
    if start is not None:
        stmt = stmt.where(_prefix(cols.filters[key], start))
    if updated_since is not None:
        stmt = stmt.where(cols.updated_at >= updated_since)
    if bbox is not None:
        stmt = stmt.where(spatial.meets_box(cols.geometry, bbox, bind))
    return stmt


def where_equal(stmt: Select[Any], entity: str, wanted: Mapping[str, str]) -> Select[Any]:
    """``stmt`` (the select of ``entity``) keeping the records whose keys equal ``wanted``
    (record key → value; keys from ``COLUMNS[entity].filters``)."""
    filters = COLUMNS[entity].filters
    return stmt.where(*(filters[key] == value for key, value in wanted.items()))


# --- by id -------------------------------------------------------------------------------------

_BY_ID = {
    "name": (lambda: names_select(historical=True, plan_names=True), Place.id, name_record),
    "address": (lambda: addresses_select(historical=True), Address.id, address_record),
    "plate": (plates_select, Plate.id, plate_record),
    "jurisdiction": (jurisdictions_select, Jurisdiction.id, jurisdiction_record),
}


def load(session: Session, entity: str, ids: Iterable[uuid.UUID],
         chunk: int = 500) -> dict[uuid.UUID, dict[str, Any]]:
    """The current records of ``entity`` with these ids (ids not stored are left out)."""
    make, id_col, record = _BY_ID[entity]
    wanted = list(dict.fromkeys(ids))
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for start in range(0, len(wanted), chunk):
        part = wanted[start:start + chunk]
        stmt = make().where(id_col.in_(part)).order_by(None)
        for row in session.execute(stmt).mappings():
            found[row["id"]] = record(row)
    return found


def people_row(record: Mapping[str, Any], fields: Iterable[Field]) -> dict[str, Any]:
    """A record as a row of a file for people: header → value, with lon/lat of a
    representative point and the geometry as WKT (CGCS2000)."""
    fields = tuple(fields)
    return dict(zip([f.header for f in fields], people_values(record, fields), strict=True))


_GEOMETRY_KEYS = ("lon", "lat", "wkt")


def people_values(record: Mapping[str, Any], fields: tuple[Field, ...]) -> list[Any]:
    """The values of :func:`people_row`, in the order of ``fields`` (what a file writer
    wants, a million times: no dict is built).

    A point's lon/lat are read straight from its coordinates; shapely is only asked for other
    geometries and for WKT when a field wants it.
    """
    geometry = record.get("geometry")
    lon = lat = wkt = None
    if geometry:
        wants_wkt = any(f.key == "wkt" for f in fields)
        if geometry.get("type") == "Point" and not wants_wkt:
            x, y = geometry["coordinates"][:2]
            lon, lat = round(x, 7), round(y, 7)
        else:
            from shapely.geometry import shape

            geom = shape(geometry)
            point = geom if geom.geom_type == "Point" else geom.representative_point()
            lon, lat = round(point.x, 7), round(point.y, 7)
            wkt = geom.wkt if wants_wkt else None
    extra = {"lon": lon, "lat": lat, "wkt": wkt}
    return [extra[f.key] if f.key in _GEOMETRY_KEYS else record.get(f.key) for f in fields]


# --- announcements (公告) and public notices (公示) ---------------------------------------------

def announcement_record(session: Session, app: Application, now: datetime) -> dict[str, Any]:
    """A published name: its announcement (``type`` ``announcement``: the six fields of 条例,
    with the approval's document and date) or its public notice (``notice``: the proposed
    names with reasons and spelling, and the comment period). Never the applicant's person,
    the comments or who made them."""
    from ..procedure import applications as apps
    from ..procedure import publication, steps

    kind = publication.published_type(app)
    jurisdiction = session.get(Jurisdiction, app.jurisdiction_id) if app.jurisdiction_id \
        else None
    spelled: dict[str, str] = {}
    if kind == "notice":
        screen = apps.latest(session, app, "screen") or {}
        spelled = {r["name"]: r["romanization"] for r in screen.get("results", [])}
    candidates = [{"rank": c.rank, "name": c.name, "reason": c.reason,
                   "romanization": spelled.get(c.name)} for c in app.candidates] \
        if kind == "notice" else []
    first = candidates[0]["name"] if candidates else None
    return {
        "id": str(app.id), "type": kind, "procedure": app.kind, "class": app.cls,
        "name": (app.approved_name or app.old_name) if kind == "announcement"
        else first or app.old_name,
        "romanization": app.romanization if kind == "announcement"
        else spelled.get(first or ""),
        "old_name": app.old_name, "candidates": candidates,
        "jurisdiction": steps.jurisdiction_path(session, app) or None,
        "jurisdiction_code": jurisdiction.code if jurisdiction is not None else None,
        "location": app.location_desc,
        "reason": app.reason if kind == "notice" else None,
        "approving_body": app.approving_body if kind == "announcement" else None,
        "approval_doc_no": app.approval_doc_no if kind == "announcement" else None,
        "approval_date": _iso(app.approval_date) if kind == "announcement" else None,
        "announced_on": _iso(app.announced_on),
        "comment_opens": _iso(app.comment_opens) if kind == "notice" else None,
        "comment_closes": _iso(app.comment_closes) if kind == "notice" else None,
        "comments_open": steps.comments_open(app, now) if kind == "notice" else False,
        "name_id": _str(app.place_id) if kind == "announcement" else None,
    }
