"""Place names (地名): the register's central record, its aliases and its matching keys.

The matching keys (toneless pinyin, fuzzy key…) are indexed columns of a narrow table of their
own (``place_keys``, one row a name), maintained on every write by the names engine, so the
duplicate and homophone screen fetches candidates by index, and a change of the keys'
definition rewrites that table alone, never the wide record with its geometry.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..spatial import key_text
from .base import Base, RecordMixin, geometry
from .jurisdictions import Jurisdiction


class PlaceStatus(enum.StrEnum):
    """Lifecycle of a name; ``renamed`` and ``cancelled`` are historical."""

    PROPOSED = "proposed"
    IN_PROCEDURE = "in_procedure"
    APPROVED = "approved"
    IN_FORCE = "in_force"
    RESERVED = "reserved"  # 备用地名 of the naming plan
    RELEASED = "released"  # a reserved name the plan gave up: free again, never in force
    RENAMED = "renamed"
    CANCELLED = "cancelled"


HISTORICAL = {PlaceStatus.RENAMED, PlaceStatus.CANCELLED}
PLAN_ONLY = frozenset({PlaceStatus.RESERVED, PlaceStatus.RELEASED})
"""Names that exist only in the naming plan (reserved, or given up): screened like names, but
never shown to the public as names of the register (the plan's pages show them as planned)."""


class Place(RecordMixin, Base):
    """A standard place name with everything the regulation asks a record to keep."""

    __tablename__ = "places"

    name: Mapped[str] = mapped_column(String(60))
    specific: Mapped[str] = mapped_column(String(60))  # 专名
    generic: Mapped[str] = mapped_column(String(20), default="")  # 通名
    cls: Mapped[str] = mapped_column(String(24), index=True)  # road, bridge, building…
    class_code: Mapped[str | None] = mapped_column(String(12))
    romanization: Mapped[str | None] = mapped_column(String(160))
    reading: Mapped[str | None] = mapped_column(String(200))  # staff override of the reading
    status: Mapped[str] = mapped_column(String(16), index=True, default=PlaceStatus.PROPOSED)
    jurisdiction_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jurisdictions.id"),
                                                               index=True)
    location_desc: Mapped[str | None] = mapped_column(Text)
    start_desc: Mapped[str | None] = mapped_column(String(200))
    end_desc: Mapped[str | None] = mapped_column(String(200))
    length_m: Mapped[float | None] = mapped_column(Float)
    width_m: Mapped[float | None] = mapped_column(Float)
    geom: Mapped[Any] = mapped_column(geometry(), nullable=True)
    meaning: Mapped[str | None] = mapped_column(Text)  # 含义
    history: Mapped[str | None] = mapped_column(Text)  # 来历/沿革
    approving_body: Mapped[str | None] = mapped_column(String(120))
    approval_doc_no: Mapped[str | None] = mapped_column(String(80))
    approval_date: Mapped[date | None] = mapped_column(Date)
    renamed_from_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("places.id"))
    renamed_to_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("places.id"))
    status_changed_on: Mapped[date | None] = mapped_column(Date)
    # the legal division code of the jurisdiction, so a scope is a set of code ranges
    division_code: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (
        Index("ix_places_name_division", "name", "division_code"),
        Index("ix_places_division_code", "division_code"),
    )

    jurisdiction: Mapped[Jurisdiction | None] = relationship()
    # matching keys, maintained on every write (see models/name_keys.py)
    match_keys: Mapped[PlaceKeys | None] = relationship(cascade="all, delete-orphan",
                                                        uselist=False)
    syllables: Mapped[list[PlaceSyllable]] = relationship(cascade="all, delete-orphan")
    aliases: Mapped[list[Alias]] = relationship(back_populates="place", order_by="Alias.name")
    renamed_to: Mapped[Place | None] = relationship(foreign_keys=[renamed_to_id],
                                                    remote_side="Place.id")


KEY_COLUMNS = ("key_pinyin", "key_specific_pinyin", "key_fuzzy", "key_specific", "key_initials",
               "key_core")
"""The matching keys of a name, as the names engine gives them (``naming.derived``)."""


class PlaceKeys(Base):
    """The matching keys of one name, with its division code: what the screen looks names up
    by. Kept apart from the record so that rewriting every name's keys (after the keys'
    definition changed) touches this narrow table and its key indexes only."""

    __tablename__ = "place_keys"

    place_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("places.id"),
                                                primary_key=True)
    division_code: Mapped[str | None] = mapped_column(key_text(20))
    key_pinyin: Mapped[str | None] = mapped_column(key_text(240))
    key_specific_pinyin: Mapped[str | None] = mapped_column(key_text(240))
    key_fuzzy: Mapped[str | None] = mapped_column(key_text(240))
    key_specific: Mapped[str | None] = mapped_column(key_text(60))
    key_initials: Mapped[str | None] = mapped_column(key_text(60))
    key_core: Mapped[str | None] = mapped_column(key_text(60))  # 专名 without 新/东…/…西

    __table_args__ = (
        Index("ix_place_keys_specific_division", "key_specific", "division_code"),
        Index("ix_place_keys_specific_pinyin_division", "key_specific_pinyin", "division_code"),
        Index("ix_place_keys_fuzzy_division", "key_fuzzy", "division_code"),
        Index("ix_place_keys_core_division", "key_core", "division_code"),
    )


class Alias(Base):
    """An alias (别名) or former name (曾用名) of a place."""

    __tablename__ = "place_aliases"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    place_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("places.id"), index=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="alias")  # alias | former
    used_from: Mapped[date | None] = mapped_column(Date)
    used_until: Mapped[date | None] = mapped_column(Date)

    place: Mapped[Place] = relationship(back_populates="aliases")


class PlaceSyllable(Base):
    """One syllable of a name's 专名 reading: the index that finds similar-sounding names.

    A name whose pinyin is close to another's (rapidfuzz ratio ≥ the threshold) almost always
    shares a syllable of the specific part with it, or its fuzzy key; the screen fetches
    candidates by (syllable, division code range) and scores them with rapidfuzz.
    """

    __tablename__ = "place_syllables"

    place_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("places.id"), primary_key=True)
    syllable: Mapped[str] = mapped_column(key_text(8), primary_key=True)
    division_code: Mapped[str | None] = mapped_column(key_text(20))
    specific_pinyin: Mapped[str | None] = mapped_column(key_text(240))

    # covering: the screen reads candidates and their pinyin from the index alone
    __table_args__ = (Index("ix_place_syllables_lookup", "syllable", "division_code",
                            "specific_pinyin", "place_id"),)
