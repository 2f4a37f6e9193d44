"""Registering place names: spelling and matching keys are computed on every write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from ..models import Jurisdiction, Place, PlaceStatus
from ..naming.generics import split_name
from ..naming.keys import name_keys
from ..naming.romanize import romanize


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


def refresh_derived(place: Place) -> None:
    """Recompute 专名/通名, romanization and the matching keys from name, class and reading."""
    specific, generic = split_name(place.name)
    keys = name_keys(place.name, place.cls, reading=place.reading)
    place.specific, place.generic = specific, generic
    place.romanization = romanize(place.name, place.cls, reading=place.reading)
    place.key_pinyin = keys.pinyin
    place.key_specific_pinyin = keys.specific_pinyin
    place.key_fuzzy = keys.fuzzy
    place.key_specific = keys.specific
    place.key_initials = keys.initials


def create_place(session: Session, data: PlaceInput) -> Place:
    """Add a name record with its derived fields; flushes so the history row is written."""
    from ..spatial import SRID

    geom: Any = f"SRID={SRID};{data.geom_wkt}" if data.geom_wkt else None
    place = Place(
        name=data.name, cls=data.cls, status=data.status, reading=data.reading,
        jurisdiction=data.jurisdiction, geom=geom, location_desc=data.location_desc,
        start_desc=data.start_desc, end_desc=data.end_desc, length_m=data.length_m,
        width_m=data.width_m, meaning=data.meaning, history=data.history,
        approving_body=data.approving_body, approval_doc_no=data.approval_doc_no,
        approval_date=data.approval_date,
    )
    refresh_derived(place)
    session.add(place)
    session.flush()
    return place
