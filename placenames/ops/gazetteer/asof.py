"""Names as the register held them at the end of a date, from the record history.

See the package's docstring for the rule and its limits. :func:`names_as_of` reads the last
snapshot of each candidate name written before the end of the day (China time) and keeps those
in force then; :func:`stories_as_of` the name stories published by then.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import shapely
import shapely.errors
import shapely.geometry
import shapely.wkb
import shapely.wkt
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ...models import HistoryRow, Place, PlaceStatus
from ...models.places import HISTORICAL
from ...models.stories import NameStory, StoryStatus
from ...workflow import CHINA_TZ


def end_of_day(day: date) -> datetime:
    """The first instant after ``day`` in China, as an aware UTC datetime."""
    return datetime.combine(day + timedelta(days=1), time(), CHINA_TZ).astimezone(UTC)


def snapshot_geometry(value: Any) -> dict[str, Any] | None:
    """A snapshot's geometry as GeoJSON: EWKT as written (``SRID=4490;LINESTRING(…)``) or
    hex (E)WKB as read back; None when there is none or it cannot be read."""
    if not value:
        return None
    text = str(value)
    try:
        if text.startswith("SRID="):
            geom = shapely.wkt.loads(text.split(";", 1)[1])
        elif all(c in "0123456789abcdefABCDEF" for c in text):
            geom = shapely.wkb.loads(text, hex=True)
        else:
            geom = shapely.wkt.loads(text)
    except (ValueError, shapely.errors.ShapelyError):
        return None
    return None if geom.is_empty else dict(shapely.geometry.mapping(geom))


@dataclass(frozen=True)
class NameAsOf:
    """A name as the register held it on the date: the snapshot's values."""

    id: uuid.UUID
    values: dict[str, Any]
    geometry: dict[str, Any] | None
    jurisdiction_now: uuid.UUID | None = None  # the record's jurisdiction today

    @property
    def jurisdiction_id(self) -> uuid.UUID | None:
        """The jurisdiction the record named on the date."""
        value = self.values.get("jurisdiction_id")
        return uuid.UUID(str(value)) if value else None


def _snapshots(candidates: Select[Any], before: datetime) -> Select[Any]:
    """The last snapshot of each candidate place written before ``before``."""
    h = HistoryRow
    rank = func.row_number().over(partition_by=h.entity_id,
                                  order_by=(h.changed_at.desc(), h.version.desc()))
    inner = (select(h.entity_id, h.snapshot, rank.label("rank"))
             .where(h.entity_type == "place", h.changed_at < before,
                    h.entity_id.in_(candidates))
             .subquery())
    return select(inner.c.entity_id, inner.c.snapshot).where(inner.c.rank == 1)


def in_force_on(values: dict[str, Any], status_now: str, ended_on: date | None,
                day: date) -> bool:
    """Whether a snapshot shows a name in force on ``day``: in force in the snapshot, not
    approved after ``day``, and not cancelled or renamed by ``day`` by its record's date."""
    if values.get("status") != PlaceStatus.IN_FORCE:
        return False
    approved = values.get("approval_date")
    if approved and date.fromisoformat(str(approved)[:10]) > day:
        return False
    return not (status_now in HISTORICAL and ended_on is not None and ended_on <= day)


def names_as_of(session: Session, jurisdiction_ids: set[uuid.UUID], day: date
                ) -> list[NameAsOf]:
    """The names in force at the end of ``day`` among those whose jurisdiction today is one of
    ``jurisdiction_ids``, with their values as the register held them then."""
    if not jurisdiction_ids:
        return []
    candidates = select(Place.id).where(Place.jurisdiction_id.in_(jurisdiction_ids))
    now = {row.id: row for row in session.execute(
        select(Place.id, Place.status, Place.status_changed_on, Place.jurisdiction_id)
        .where(Place.jurisdiction_id.in_(jurisdiction_ids)))}
    out = []
    for pid, text in session.execute(_snapshots(candidates, end_of_day(day))):
        values = json.loads(text)
        current = now.get(pid)
        if current is not None and in_force_on(values, current.status,
                                               current.status_changed_on, day):
            out.append(NameAsOf(pid, values, snapshot_geometry(values.get("geom")),
                                current.jurisdiction_id))
    return out


def stories_as_of(session: Session, place_ids: list[uuid.UUID], day: date
                  ) -> dict[uuid.UUID, tuple[str, str]]:
    """(meaning, origin) of the stories published before the end of ``day``, by place."""
    out: dict[uuid.UUID, tuple[str, str]] = {}
    before = end_of_day(day)
    for start in range(0, len(place_ids), 500):
        chunk = place_ids[start:start + 500]
        for story in session.scalars(select(NameStory).where(
                NameStory.place_id.in_(chunk), NameStory.status == StoryStatus.PUBLISHED,
                NameStory.published_at.is_not(None), NameStory.published_at < before)):
            out[story.place_id] = (story.meaning or "", story.origin or "")
    return out
