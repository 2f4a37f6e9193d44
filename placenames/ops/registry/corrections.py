"""Corrections of a record outside a procedure: geometry and descriptive text, with a reason.

The standard name itself (and its class, romanization and status) changes only through the
naming procedure. What staff may correct is what a survey or a typo can get wrong: the
geometry, the meaning and history texts, the location, start and end descriptions, and the
measured length and width. Every correction names its reason and is audited under its actor,
beside the history row the session hook writes.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import safejson, spatial
from ...errors import BadInput, Conflict
from ...models import AuditEvent, Place
from ...models.places import HISTORICAL
from . import geometry

TEXT_FIELDS = {"meaning": 2000, "history": 4000, "location_desc": 2000, "start_desc": 200,
               "end_desc": 200}
NUMBER_FIELDS = ("length_m", "width_m")
MIN_REASON = 4


@dataclass(frozen=True)
class Correction:
    """What a person typed: every field as text (empty = no value); ``geojson`` the geometry."""

    values: dict[str, str]
    geojson: str | None
    reason: str
    expected_version: int | None


def _number(text: str, field: str) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise BadInput(f"{field} 须为数字 / {field} must be a number") from None
    if not 0 < value < 1_000_000:
        raise BadInput(f"{field} 须为正数 / {field} must be a positive number")
    return value


def current_geojson(session: Session, place: Place) -> str | None:
    """The place's stored geometry as GeoJSON text (what the correction form starts from)."""
    return geometry.stored_geojson(session, Place.geom, Place.id, place.id)


def correct_place(session: Session, place: Place, data: Correction, *,
                  actor_id: uuid.UUID | None, now: datetime) -> list[str]:
    """Apply a correction; returns the fields changed (BadInput when none, or no reason)."""
    if place.status in HISTORICAL:
        raise Conflict("历史地名不再更正，请更正现用地名。 A historical name is not corrected.")
    if data.expected_version is not None and data.expected_version != place.version:
        raise Conflict("此记录已被他人修改，请刷新后重试。 This record was changed by someone "
                       "else; reload and retry.")
    reason = (data.reason or "").strip()
    if len(reason) < MIN_REASON:
        raise BadInput(f"请写明更正理由（至少 {MIN_REASON} 个字）。 Give the reason for the "
                       "correction.")
    changed: list[str] = []
    for field, limit in TEXT_FIELDS.items():
        if field not in data.values:
            continue
        value = data.values[field].strip() or None
        if value is not None and len(value) > limit:
            raise BadInput(f"{field} 过长（最多 {limit} 字）/ {field} is too long")
        if value != getattr(place, field):
            setattr(place, field, value)
            changed.append(field)
    for field in NUMBER_FIELDS:
        if field in data.values:
            number = _number(data.values[field], field)
            if number != getattr(place, field):
                setattr(place, field, number)
                changed.append(field)
    if data.geojson is not None and _geometry_changed(session, place, data.geojson):
        text = data.geojson.strip()
        place.geom = f"SRID={spatial.SRID};{geometry.geometry_wkt(text)}" if text else None
        changed.append("geom")
    if not changed:
        raise BadInput("没有需要更正的内容。 Nothing was changed.")
    session.flush()
    session.add(AuditEvent(at=now, actor_id=actor_id, entity_type="place",
                           entity_id=str(place.id), action="correct",
                           note=json.dumps({"reason": reason, "fields": changed},
                                           ensure_ascii=False)))
    session.flush()
    return changed


def _geometry_changed(session: Session, place: Place, text: str) -> bool:
    """True when ``text`` describes another geometry than the stored one."""
    current = current_geojson(session, place)
    if not text.strip():
        return current is not None
    if current is None:
        return True
    try:
        return bool(json.loads(current) != _geometry_of(safejson.loads(text)))
    except safejson.JSONRejected:
        return True  # not acceptable JSON: geometry_wkt says why


def _geometry_of(doc: Any) -> Any:
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        return doc.get("geometry")
    return doc


def corrections(session: Session, place_id: uuid.UUID) -> list[dict[str, Any]]:
    """The corrections of a place, oldest first: when, who (id), which fields, why."""
    rows = session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "place", AuditEvent.entity_id == str(place_id),
        AuditEvent.action == "correct").order_by(AuditEvent.at)).all()
    out = []
    for ev in rows:
        note = json.loads(ev.note or "{}")
        out.append({"at": ev.at.isoformat(), "actor_id": str(ev.actor_id) if ev.actor_id else None,
                    "fields": note.get("fields", []), "reason": note.get("reason", "")})
    return out
