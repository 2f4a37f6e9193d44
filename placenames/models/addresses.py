"""Standard addresses (标准地址) and house numbers along roads."""

from __future__ import annotations

import enum
import uuid
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, RecordMixin, geometry
from .jurisdictions import Jurisdiction
from .places import Place


class AddressStatus(enum.StrEnum):
    """Lifecycle of an address; codes are never reused."""

    ACTIVE = "active"
    RETIRED = "retired"


class Address(RecordMixin, Base):
    """A standard address: road + number [+ building, unit, room], or village + group + number."""

    __tablename__ = "addresses"
    __table_args__ = (Index("ix_addresses_road_id_number", "road_id", "number"),)

    code: Mapped[str] = mapped_column(String(32), unique=True)
    jurisdiction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    road_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("places.id"), index=True)
    village_group: Mapped[str | None] = mapped_column(String(16))  # 组
    number: Mapped[int | None] = mapped_column()
    suffix: Mapped[str | None] = mapped_column(String(16))  # sub-number: 12-1号
    building: Mapped[str | None] = mapped_column(String(24))
    unit: Mapped[str | None] = mapped_column(String(16))
    room: Mapped[str | None] = mapped_column(String(16))
    full_text: Mapped[str] = mapped_column(String(240), index=True)
    status: Mapped[str] = mapped_column(String(16), default=AddressStatus.ACTIVE, index=True)
    side: Mapped[str | None] = mapped_column(String(8))  # left | right of the road
    distance_m: Mapped[float | None] = mapped_column(Float)  # along the road from its start
    entrance: Mapped[Any] = mapped_column(geometry("POINT"), nullable=True)
    road_point: Mapped[Any] = mapped_column(geometry("POINT"), nullable=True)

    jurisdiction: Mapped[Jurisdiction] = relationship()
    road: Mapped[Place | None] = relationship()
