"""The search index of names: one row per name, alias and former name of every place.

Rows are rebuilt before each flush for a place whose name or reading changed and for a place
whose aliases changed, so the index keeps step with the register in the same transaction, as
the name keys do (see :mod:`.name_keys`). The backend's own text index sits on top of
``text``: a pg_trgm GIN index on PostgreSQL, an FTS5 trigram table kept by triggers on SQLite
(both made by migration 0010; see ``placenames.spatial`` for the queries).

Columns compare by code point on both backends (``COLLATE "C"`` on PostgreSQL), so a prefix
is a range of the B-tree index: ``text >= q AND text < upper(q)``.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..search.terms import EntryTerms, entry_terms, other_readings
from .base import Base
from .places import Alias, Place, PlaceStatus


def _c(length: int) -> Any:
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class SearchEntry(Base):
    """One searchable form of a place: its name (``name``), another common reading of its
    name (``reading``: same text, other pinyin), an alias or a former name."""

    __tablename__ = "search_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    place_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # name | reading | alias | former
    # the place's status, copied so that ranking (in force first) needs no join
    status: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(_c(60))
    text_rev: Mapped[str] = mapped_column(_c(60))
    tokens: Mapped[str] = mapped_column(String(400))
    pinyin: Mapped[str] = mapped_column(_c(240))
    initials: Mapped[str] = mapped_column(_c(60))
    fuzzy: Mapped[str] = mapped_column(_c(240))

    place: Mapped[Place] = relationship()

    __table_args__ = (
        Index("ix_search_entries_place_id", "place_id"),
        Index("ix_search_entries_text", "text"),
        Index("ix_search_entries_text_rev", "text_rev"),
        Index("ix_search_entries_pinyin", "pinyin"),
        Index("ix_search_entries_initials", "initials"),
        Index("ix_search_entries_fuzzy", "fuzzy"),
    )


def entry_rows(place_id: uuid.UUID, name: str, reading: str | None,
               aliases: list[tuple[str, str]], status: str) -> list[dict[str, Any]]:
    """Index rows (column values) for a place's name and its (alias name, kind) pairs."""
    rows = []
    seen = set()
    for kind, text, rd in [("name", name, reading)] + [(k, a, None) for a, k in aliases]:
        if not text or (text, kind) in seen:
            continue
        seen.add((text, kind))
        kind = kind if kind in ("name", "former") else "alias"
        rows.append(_row(place_id, kind, status, entry_terms(text, rd)))
        if kind == "name":
            rows.extend(_row(place_id, "reading", status, t) for t in other_readings(text, rd))
    return rows


def _row(place_id: uuid.UUID, kind: str, status: str, t: EntryTerms) -> dict[str, Any]:
    return {"place_id": place_id, "kind": kind, "status": str(status), "text": t.text,
            "text_rev": t.text_rev,
            "tokens": t.tokens, "pinyin": t.pinyin, "initials": t.initials, "fuzzy": t.fuzzy}


_WATCHED = ("name", "reading", "status")


def _place_changed(session: Session, place: Place) -> bool:
    if place in session.new:
        return True
    state = inspect(place)
    return any(state.attrs[a].history.has_changes() for a in _WATCHED)


@event.listens_for(Session, "before_flush")
def _maintain_index(session: Session, _ctx: Any, _instances: Any) -> None:
    places: dict[int, Place] = {}
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Place) and _place_changed(session, obj):
            places[id(obj)] = obj
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Alias):
            place = obj.place if obj.place is not None else session.get(Place, obj.place_id)
            if place is not None:
                places[id(place)] = place
    if not places:
        return
    for place in places.values():
        if place in session.deleted:
            continue
        if place.id is None:
            place.id = uuid.uuid4()
        pending = [a for a in session.new if isinstance(a, Alias)
                   and (a.place is place or a.place_id == place.id)]
        current = [a for a in place.aliases if a not in session.deleted]
        # an alias added by place_id alone is not in place.aliases until it is flushed
        aliases = [(a.name, a.kind) for a in dict.fromkeys(current + pending)]
        old = session.query(SearchEntry).filter(SearchEntry.place_id == place.id).all() \
            if place not in session.new else []
        for row in old:
            session.delete(row)
        status = place.status or PlaceStatus.PROPOSED
        for values in entry_rows(place.id, place.name, place.reading, aliases, status):
            values.pop("place_id")
            session.add(SearchEntry(place=place, **values))
