"""Registering place names (spelling and matching keys are filled at flush, models/name_keys)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import spatial
from ...errors import BadInput, NotFound
from ...models import HistoryRow, Jurisdiction, Place, PlaceKeys, PlaceStatus, PlaceSyllable
from ...models.audit import history_rows
from ...models.base import utcnow
from ...models.changes import record_bulk
from ...models.name_keys import derived, key_row, record_values
from ...models.search import SearchEntry, entry_rows
from ...models.versions import mark_map_changed
from ...naming.errors import NamingError
from ...naming.keys import name_keys


@dataclass
class PlaceInput:
    """What a new name record needs; the optional fields are the regulation's other fields."""

    name: str
    cls: str
    status: str = PlaceStatus.IN_FORCE
    jurisdiction: Jurisdiction | None = None
    reading: str | None = None
    geom_wkt: str | None = None
    location_desc: str | None = None
    start_desc: str | None = None
    end_desc: str | None = None
    length_m: float | None = None
    width_m: float | None = None
    meaning: str | None = None
    history: str | None = None
    approving_body: str | None = None
    approval_doc_no: str | None = None
    approval_date: date | None = None


def create_place(session: Session, data: PlaceInput) -> Place:
    """Add a name record with its derived fields; flushes so the history row is written."""
    from ...spatial import SRID

    geom: Any = f"SRID={SRID};{data.geom_wkt}" if data.geom_wkt else None
    place = Place(
        name=data.name, cls=data.cls, status=data.status, reading=data.reading,
        jurisdiction=data.jurisdiction, geom=geom, location_desc=data.location_desc,
        start_desc=data.start_desc, end_desc=data.end_desc, length_m=data.length_m,
        width_m=data.width_m, meaning=data.meaning, history=data.history,
        approving_body=data.approving_body, approval_doc_no=data.approval_doc_no,
        approval_date=data.approval_date,
    )
    session.add(place)  # names engine fills 专名/通名, romanization and keys at flush
    session.flush()
    return place


@dataclass(frozen=True)
class PlaceRow:
    """One name of a bulk load (an office's existing register, a benchmark).

    ``id`` keeps the office's record id (a new one is made when None); ``geom`` is EWKT in
    CGCS2000; ``derived`` is :func:`~placenames.models.name_keys.derived` of the name when the
    caller already has it.
    """

    name: str
    cls: str
    jurisdiction_id: uuid.UUID | None
    division_code: str | None
    status: str = PlaceStatus.IN_FORCE
    id: uuid.UUID | None = None
    geom: str | None = None
    class_code: str | None = None
    location_desc: str | None = None
    meaning: str | None = None
    history: str | None = None
    approving_body: str | None = None
    approval_doc_no: str | None = None
    approval_date: date | None = None
    start_desc: str | None = None
    end_desc: str | None = None
    length_m: float | None = None
    width_m: float | None = None
    derived: tuple[dict[str, str], tuple[str, ...]] | None = None


def bulk_insert(session: Session, rows: Iterable[PlaceRow], batch: int = 5000,
                on_progress: Callable[[int], None] | None = None) -> int:
    """Insert many names fast, with the same derived fields, syllable rows, history rows and
    search entries as :func:`create_place` would write, and their change-feed rows; flushes
    nothing, the caller commits. Returns the count."""
    done = 0
    conn = session.connection()
    mark_map_changed(session)  # COPY/executemany bypass the session's hooks
    for chunk in _chunks(rows, batch):
        now = utcnow()
        places, keys, syllables, entries = [], [], [], []
        for row in chunk:
            values, syls = row.derived or derived(row.name, row.cls, None)
            pid = row.id or uuid.uuid4()
            record = {"id": pid, "name": row.name, "cls": row.cls, "status": str(row.status),
                      "jurisdiction_id": row.jurisdiction_id, "division_code": row.division_code,
                      "geom": row.geom, "class_code": row.class_code,
                      "location_desc": row.location_desc, "meaning": row.meaning,
                      "history": row.history, "approving_body": row.approving_body,
                      "approval_doc_no": row.approval_doc_no, "approval_date": row.approval_date,
                      "start_desc": row.start_desc, "end_desc": row.end_desc,
                      "length_m": row.length_m, "width_m": row.width_m,
                      "version": 1, "created_at": now, "updated_at": now,
                      **record_values(values)}
            places.append(record)
            keys.append(key_row(pid, row.division_code, values))
            entries.extend(entry_rows(pid, row.name, None, [], row.status))
            syllables.extend({"place_id": pid, "syllable": s, "division_code": row.division_code,
                              "specific_pinyin": values["key_specific_pinyin"]} for s in syls)
        spatial.bulk_insert_rows(conn, Place.__table__, places)
        spatial.bulk_insert_rows(conn, PlaceKeys.__table__, keys)
        spatial.bulk_insert_rows(conn, PlaceSyllable.__table__, syllables)
        spatial.bulk_insert_rows(conn, HistoryRow.__table__, history_rows("place", places, now))
        spatial.bulk_insert_rows(conn, SearchEntry.__table__, entries)
        record_bulk(session, "name", ((p["id"], "insert", 1) for p in places))
        done += len(places)
        if on_progress:
            on_progress(done)
    return done


def _chunks(rows: Iterable[PlaceRow], size: int) -> Iterator[list[PlaceRow]]:
    chunk: list[PlaceRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def set_reading(session: Session, name: str, reading: str | None, *,
                area_code: str | None = None) -> Place:
    """Store (or clear) the staff reading override of the one place called ``name``."""
    stmt = select(Place).where(Place.name == name)
    if area_code:
        stmt = stmt.where(Place.division_code == area_code)
    found = session.scalars(stmt).all()
    if not found:
        raise NotFound(f"未找到地名 / no place named {name!r}")
    if len(found) > 1:
        raise BadInput(f"有{len(found)}处同名地名，请用 --area 指定 / {len(found)} places are "
                       f"named {name!r}; give --area")
    place = found[0]
    try:
        name_keys(place.name, place.cls, reading=reading)  # validate before storing
    except NamingError as exc:
        raise BadInput(f"{exc.message_zh} / {exc.message_en}") from exc
    place.reading = reading
    session.flush()
    return place
