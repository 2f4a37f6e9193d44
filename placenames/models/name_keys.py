"""Keep every name's derived fields in step with it, on every write.

Before each flush, a place that is new or whose name, class, reading or jurisdiction changed
gets its 专名/通名, romanization, matching keys, division code and syllable-index rows
recomputed by the names engine. No code path can store a name with stale keys.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..naming.duplicates import core_specific
from ..naming.generics import split_name
from ..naming.keys import NameKeys, index_terms, name_keys
from ..naming.romanize import romanize
from .jurisdictions import Jurisdiction
from .places import Place, PlaceSyllable

WATCHED = ("name", "cls", "reading", "jurisdiction_id", "jurisdiction")


def derived(name: str, cls: str, reading: str | None) -> tuple[dict[str, str], tuple[str, ...]]:
    """The derived column values of a name and the syllables its index rows hold."""
    values, syllables, _keys = derived_and_keys(name, cls, reading)
    return values, syllables


def derived_and_keys(name: str, cls: str, reading: str | None
                     ) -> tuple[dict[str, str], tuple[str, ...], NameKeys]:
    """:func:`derived`, and the matching keys it was made from (for the screen)."""
    specific, generic = split_name(name, cls)
    keys = name_keys(name, cls, reading=reading)
    values = {
        "specific": specific, "generic": generic,
        "romanization": romanize(name, cls, reading=reading),
        "key_pinyin": keys.pinyin, "key_specific_pinyin": keys.specific_pinyin,
        "key_fuzzy": keys.fuzzy, "key_specific": keys.specific, "key_initials": keys.initials,
        "key_core": core_specific(keys.specific),
    }
    return values, index_terms(keys), keys


def refresh(place: Place, division_code: str | None) -> None:
    """Recompute the derived fields of ``place`` and its syllable-index rows."""
    values, syllables = derived(place.name, place.cls, place.reading)
    for key, value in values.items():
        setattr(place, key, value)
    place.division_code = division_code
    place.syllables = [PlaceSyllable(syllable=s, division_code=division_code,
                                     specific_pinyin=place.key_specific_pinyin)
                       for s in syllables]


def _needs_refresh(session: Session, place: Place) -> bool:
    if place in session.new:
        return True
    state = inspect(place)
    return any(state.attrs[name].history.has_changes() for name in WATCHED)


def _division_code(session: Session, place: Place) -> str | None:
    j = place.jurisdiction
    if j is None and place.jurisdiction_id is not None:
        j = session.get(Jurisdiction, place.jurisdiction_id)
    return j.code if j is not None else None


@event.listens_for(Session, "before_flush")
def _maintain_keys(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Place) and _needs_refresh(session, obj):
            refresh(obj, _division_code(session, obj))
