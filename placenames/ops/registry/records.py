"""Read views of one name or one address, as plain values for the record pages and their JSON.

A record page shows everything the regulation asks a record to keep, where it is, what hangs
off it (addresses, plates, procedure documents) and its lineage: what it was renamed from or
to, and every change, read from the history rows the session hook writes.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import shapely
import shapely.errors
import shapely.wkb
import shapely.wkt
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ... import spatial
from ...addressing.compose import format_pinyin
from ...errors import NotFound
from ...maps.layers import number_label, status_group
from ...models import Address, Application, HistoryRow, Jurisdiction, Place, Plate
from ..addresses.numbering import compose_parts
from ..plates.batches import name_pinyin
from .corrections import corrections
from .geometry import stored_geojson

TIMELINE_FIELDS = ("name", "status", "romanization", "meaning", "history", "approval_doc_no",
                   "approving_body", "length_m", "width_m", "geom", "start_desc", "end_desc")
MAX_ADDRESSES = 1000


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(text))
    except ValueError:
        raise NotFound("No such name in the register.") from None


def get_place(session: Session, place_id: str | uuid.UUID) -> Place:
    """The place ``place_id`` or :class:`NotFound`."""
    place = session.get(Place, place_id if isinstance(place_id, uuid.UUID) else _uuid(place_id))
    if place is None:
        raise NotFound("No such name in the register.")
    return place


def jurisdiction_chain(j: Jurisdiction | None) -> list[dict[str, str]]:
    """The legal divisions from the largest down to ``j``: name, code and level."""
    chain = []
    while j is not None:
        chain.append({"name": j.name, "code": j.code, "level": j.level})
        j = j.parent
    return list(reversed(chain))


def _geometry(session: Session, column: Any, key_col: Any, key: Any) -> dict[str, Any] | None:
    text = stored_geojson(session, column, key_col, key)
    return json.loads(text) if text else None


def place_record(session: Session, place_id: str | uuid.UUID) -> dict[str, Any]:
    """Everything the page of one name shows, as JSON-ready values."""
    p = get_place(session, place_id)
    return {
        "id": str(p.id), "name": p.name, "specific": p.specific, "generic": p.generic,
        "romanization": p.romanization, "cls": p.cls, "class_code": p.class_code,
        "status": p.status, "group": status_group(p.status),
        "jurisdiction": jurisdiction_chain(p.jurisdiction),
        "meaning": p.meaning, "history": p.history, "location_desc": p.location_desc,
        "start_desc": p.start_desc, "end_desc": p.end_desc,
        "length_m": p.length_m, "width_m": p.width_m,
        "approving_body": p.approving_body, "approval_doc_no": p.approval_doc_no,
        "approval_date": p.approval_date.isoformat() if p.approval_date else None,
        "status_changed_on": p.status_changed_on.isoformat() if p.status_changed_on else None,
        "geometry": _geometry(session, Place.geom, Place.id, p.id),
        "aliases": [{"name": a.name, "kind": a.kind} for a in p.aliases],
        "addresses": place_addresses(session, p.id),
        "plates": plates_by_status(session, p.id),
        "documents": place_documents(session, p.id),
        "lineage": lineage(session, p),
        "timeline": timeline(session, "place", p.id),
        "corrections": corrections(session, p.id),
        "version": p.version,
    }


def place_addresses(session: Session, place_id: uuid.UUID) -> list[dict[str, Any]]:
    """The addresses along a road (or of a building), in order along the road."""
    lon, lat = spatial.point_lon_lat(Address.entrance)
    rows = session.execute(
        select(Address.code, Address.number, Address.suffix, Address.full_text, Address.side,
               Address.distance_m, Address.status, lon.label("lon"), lat.label("lat"))
        .where(Address.road_id == place_id)
        .order_by(Address.number, Address.suffix, Address.code).limit(MAX_ADDRESSES))
    return [{"code": r.code, "label": number_label(r.number, r.suffix),
             "full_text": r.full_text, "side": r.side, "status": r.status,
             "distance_m": round(r.distance_m, 1) if r.distance_m is not None else None,
             "point": [r.lon, r.lat] if r.lon is not None else None} for r in rows]


def plates_by_status(session: Session, place_id: uuid.UUID) -> dict[str, int]:
    """How many plates of the road's addresses are in each status."""
    rows = session.execute(
        select(Plate.status, func.count()).join(Address, Address.id == Plate.address_id)
        .where(Address.road_id == place_id).group_by(Plate.status).order_by(Plate.status))
    return {status: n for status, n in rows}


def place_documents(session: Session, place_id: uuid.UUID) -> list[dict[str, Any]]:
    """The procedures that made, renamed or cancelled this name, with their public documents."""
    apps = session.scalars(
        select(Application).where(or_(Application.place_id == place_id,
                                      Application.target_place_id == place_id))
        .order_by(Application.created_at)).all()
    return [{"id": str(a.id), "kind": a.kind, "state": a.state,
             "approval_doc_no": a.approval_doc_no,
             "announced_on": a.announced_on.isoformat() if a.announced_on else None}
            for a in apps]


def _ref(p: Place | None) -> dict[str, str] | None:
    return None if p is None else {"id": str(p.id), "name": p.name, "status": p.status}


def lineage(session: Session, p: Place) -> dict[str, Any]:
    """What this name was renamed from and to (either may be missing)."""
    before = session.get(Place, p.renamed_from_id) if p.renamed_from_id else session.scalar(
        select(Place).where(Place.renamed_to_id == p.id).limit(1))
    after = session.get(Place, p.renamed_to_id) if p.renamed_to_id else None
    return {"renamed_from": _ref(before), "renamed_to": _ref(after)}


def timeline(session: Session, entity_type: str, entity_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every stored change of a record, oldest first, with the fields each change touched."""
    rows = session.scalars(select(HistoryRow).where(HistoryRow.entity_type == entity_type,
                                                    HistoryRow.entity_id == entity_id)
                           .order_by(HistoryRow.changed_at, HistoryRow.version)).all()
    out: list[dict[str, Any]] = []
    previous: dict[str, Any] = {}
    for row in rows:
        snap = json.loads(row.snapshot)
        for key in ("geom", "entrance"):
            if key in snap:
                snap[key] = _geometry_key(snap[key])
        changed = [f for f in TIMELINE_FIELDS if f in snap and snap.get(f) != previous.get(f)]
        if row.action == "create":
            changed = [f for f in changed if snap.get(f) not in (None, "")]
        out.append({"at": row.changed_at.isoformat(), "action": row.action,
                    "version": row.version, "changed": changed,
                    "name": snap.get("name"), "status": snap.get("status")})
        previous = snap
    return out


def _geometry_key(value: Any) -> str | None:
    """A snapshot's geometry (EWKT as written, or hex WKB as read back) as comparable WKT."""
    if not value:
        return None
    text = str(value)
    try:
        if text.startswith("SRID="):
            return str(shapely.wkt.loads(text.split(";", 1)[1]).wkt)
        return str(shapely.wkb.loads(bytes.fromhex(text)).wkt)
    except (ValueError, shapely.errors.ShapelyError):
        return text


def place_focus(session: Session, place_id: str) -> dict[str, Any] | None:
    """Where the map should look for a name: its id, name and bounding box (or None)."""
    try:
        pid = uuid.UUID(place_id)
    except ValueError:
        return None
    row = session.execute(select(Place.id, Place.name, spatial.as_geojson(Place.geom).label("g"))
                          .where(Place.id == pid)).first()
    if row is None or not row.g:
        return None
    return {"id": str(row.id), "name": row.name, "bbox": bbox(json.loads(row.g))}


def bbox(geojson: dict[str, Any]) -> list[float]:
    """[west, south, east, north] of a GeoJSON geometry."""
    xs: list[float] = []
    ys: list[float] = []

    def walk(c: Any) -> None:
        if c and isinstance(c[0], int | float):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for part in c:
                walk(part)

    walk(geojson["coordinates"])
    return [min(xs), min(ys), max(xs), max(ys)]


def address_record(session: Session, code: str) -> dict[str, Any]:
    """Everything the page of one address shows, as JSON-ready values."""
    a = session.scalar(select(Address).where(Address.code == code[:32]))
    if a is None:
        raise NotFound("No such address in the register.")
    lon, lat = spatial.point_lon_lat(Address.entrance)
    point = session.execute(select(lon, lat).where(Address.id == a.id)).first()
    road = a.road
    parts = compose_parts(session, a)
    road_py = (road.romanization or name_pinyin(road.name)) if road else ""
    pinyin = format_pinyin(parts, lambda n: road_py if road and n == road.name
                           else name_pinyin(n))
    plates = session.scalars(select(Plate).where(Plate.address_id == a.id)
                             .order_by(Plate.created_at)).all()
    return {
        "id": str(a.id), "code": a.code, "full_text": a.full_text, "pinyin": pinyin,
        "label": number_label(a.number, a.suffix), "status": a.status, "side": a.side,
        "distance_m": round(a.distance_m, 1) if a.distance_m is not None else None,
        "point": [point[0], point[1]] if point and point[0] is not None else None,
        "road": ({"id": str(road.id), "name": road.name, "status": road.status,
                  "romanization": road.romanization} if road else None),
        "jurisdiction": jurisdiction_chain(a.jurisdiction),
        "plates": [{"plate_id": pl.plate_id, "status": pl.status, "kind": pl.kind,
                    "installed_on": pl.installed_on.isoformat() if pl.installed_on else None}
                   for pl in plates],
        "timeline": timeline(session, "address", a.id),
    }
