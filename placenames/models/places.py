"""Place names (地名): the register's central record, its aliases and its matching keys.

The matching keys (toneless pinyin, fuzzy key…) are indexed columns maintained on every write
by the names engine, so the duplicate and homophone screen fetches candidates by index.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, RecordMixin, geometry
from .jurisdictions import Jurisdiction


class PlaceStatus(enum.StrEnum):
    """Lifecycle of a name; ``renamed`` and ``cancelled`` are historical."""

    PROPOSED = "proposed"
    IN_PROCEDURE = "in_procedure"
    APPROVED = "approved"
    IN_FORCE = "in_force"
    RESERVED = "reserved"  # 备用地名 of the naming plan
    RENAMED = "renamed"
    CANCELLED = "cancelled"


HISTORICAL = {PlaceStatus.RENAMED, PlaceStatus.CANCELLED}


class Place(RecordMixin, Base):
    """A standard place name with everything the regulation asks a record to keep."""

    __tablename__ = "places"

    name: Mapped[str] = mapped_column(String(60), index=True)
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
    # matching keys, maintained on every write
    key_pinyin: Mapped[str | None] = mapped_column(String(240), index=True)
    key_specific_pinyin: Mapped[str | None] = mapped_column(String(240), index=True)
    key_fuzzy: Mapped[str | None] = mapped_column(String(240), index=True)
    key_specific: Mapped[str | None] = mapped_column(String(60), index=True)
    key_initials: Mapped[str | None] = mapped_column(String(60), index=True)

    jurisdiction: Mapped[Jurisdiction | None] = relationship()
    aliases: Mapped[list[Alias]] = relationship(back_populates="place", order_by="Alias.name")
    renamed_to: Mapped[Place | None] = relationship(foreign_keys=[renamed_to_id],
                                                    remote_side="Place.id")


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
