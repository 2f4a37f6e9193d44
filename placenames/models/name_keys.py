"""Keep every name's derived fields in step with it, on every write.

Before each flush, a place that is new or whose name, class, reading or jurisdiction changed
gets its 专名/通名, romanization, division code, matching keys (its ``place_keys`` row) and
syllable-index rows recomputed by the names engine; a division (``Jurisdiction``) that is new
or whose name, level or reading changed gets its 专名/通名, romanization and matching keys
the same way (its class from its level, ``naming.generics.division_class``). No code path
through the ORM can store a name with stale keys; Core bulk inserts of divisions fill the same
values with :func:`jurisdiction_derived`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..naming.derived import DIVISION_COLUMNS, derived_and_keys, division_derived
from ..naming.keys import NameKeys
from .jurisdictions import Jurisdiction
from .places import KEY_COLUMNS, Place, PlaceKeys, PlaceSyllable

WATCHED = ("name", "cls", "reading", "jurisdiction_id", "jurisdiction")
JURISDICTION_WATCHED = ("name", "level", "reading")

__all__ = ["DIVISION_COLUMNS", "KEY_COLUMNS", "NameKeys", "derived", "derived_and_keys",
           "jurisdiction_derived", "key_row", "record_values", "refresh", "refresh_jurisdiction"]


def derived(name: str, cls: str, reading: str | None) -> tuple[dict[str, str], tuple[str, ...]]:
    """The derived column values of a name and the syllables its index rows hold."""
    values, syllables, _keys = derived_and_keys(name, cls, reading)
    return values, syllables


def record_values(values: dict[str, str]) -> dict[str, str]:
    """The part of :func:`derived`'s values stored in the place's own row (专名/通名 and
    romanization); the rest are its matching keys (:func:`key_row`)."""
    return {k: v for k, v in values.items() if k not in KEY_COLUMNS}


def key_row(place_id: Any, division_code: str | None, values: dict[str, str]
            ) -> dict[str, Any]:
    """The ``place_keys`` row of a place, from :func:`derived`'s values (for bulk paths)."""
    return {"place_id": place_id, "division_code": division_code,
            **{k: values[k] for k in KEY_COLUMNS}}


def jurisdiction_derived(name: str, level: str, reading: str | None) -> dict[str, str | None]:
    """The derived column values (``DIVISION_COLUMNS``) of one division: its 专名/通名,
    romanization and matching keys, all None for a statistical grouping (市辖区) or a name the
    engine cannot read. For bulk paths (imports, reindex) that write with Core."""
    return division_derived(name, level, reading)


def refresh(place: Place, division_code: str | None) -> None:
    """Recompute the derived fields of ``place`` and its syllable-index rows."""
    values, syllables = derived(place.name, place.cls, place.reading)
    for key, value in record_values(values).items():
        setattr(place, key, value)
    place.division_code = division_code
    keys = place.match_keys
    if keys is None:
        keys = place.match_keys = PlaceKeys()
    keys.division_code = division_code
    for key in KEY_COLUMNS:
        setattr(keys, key, values[key])
    place.syllables = [PlaceSyllable(syllable=s, division_code=division_code,
                                     specific_pinyin=keys.key_specific_pinyin)
                       for s in syllables]


def refresh_jurisdiction(j: Jurisdiction) -> None:
    """Recompute the derived fields of the division ``j``."""
    for key, value in jurisdiction_derived(j.name, j.level, j.reading).items():
        setattr(j, key, value)


def _needs_refresh(session: Session, obj: Any, watched: tuple[str, ...]) -> bool:
    if obj in session.new:
        return True
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in watched)


def _division_code(session: Session, place: Place) -> str | None:
    j = place.jurisdiction
    if j is None and place.jurisdiction_id is not None:
        j = session.get(Jurisdiction, place.jurisdiction_id)
    return j.code if j is not None else None


@event.listens_for(Session, "before_flush")
def _maintain_keys(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Place) and _needs_refresh(session, obj, WATCHED):
            refresh(obj, _division_code(session, obj))
        elif isinstance(obj, Jurisdiction) and _needs_refresh(session, obj,
                                                              JURISDICTION_WATCHED):
            refresh_jurisdiction(obj)
