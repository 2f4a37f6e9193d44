"""Road-name signs (地名标志) the office supervises, and the units responsible for them.

Every road, street or lane in force has its required signs (街牌/巷牌 at both ends and at each
intersection; :mod:`placenames.addressing.sign_sites` proposes them), kept as records with a
position, a facing, a kind and size, a responsible unit, a status with its dates, the
installer and photos. A sign's ``sign_id`` is the 80-bit id printed in its QR code (the same
scheme as plates, :mod:`placenames.plates.ids`), never reused. The states and who may change
them are :mod:`placenames.workflow.signs`; what a sign still asks of its unit and by when,
:mod:`placenames.workflow.sign_duties`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, RecordMixin, geometry, utcnow
from .places import Place


class ResponsibleUnit(RecordMixin, Base):
    """A unit that sets up and keeps signs: a construction bureau, a property company…

    ``contact`` is the unit's office (department, office phone), not a person's data."""

    __tablename__ = "responsible_units"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    contact: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(200), default="")  # where letters go


class Sign(RecordMixin, Base):
    """One sign of a road, with its lifecycle."""

    __tablename__ = "signs"

    sign_id: Mapped[str] = mapped_column(String(20), unique=True)
    place_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("places.id"), index=True)
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("responsible_units.id"),
                                                      index=True)
    kind: Mapped[str] = mapped_column(String(16), default="street")
    size: Mapped[str] = mapped_column(String(8), default="medium")
    status: Mapped[str] = mapped_column(String(16), index=True, default="required")
    pending: Mapped[str | None] = mapped_column(String(8))  # replace | remove
    role: Mapped[str] = mapped_column(String(16), default="added")  # start|end|crossing|added
    description: Mapped[str] = mapped_column(String(200), default="")  # where, in words
    cross_name: Mapped[str | None] = mapped_column(String(60))
    geom: Mapped[Any] = mapped_column(geometry("POINT"), nullable=True)
    bearing: Mapped[float | None] = mapped_column(Float)  # degrees from north, along the road
    # directional signs (指位牌): the arrow and the door numbers at its two ends
    arrow: Mapped[str | None] = mapped_column(String(8))  # left | right | both
    near_number: Mapped[str | None] = mapped_column(String(16))
    far_number: Mapped[str | None] = mapped_column(String(16))
    recorded_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    ordered_on: Mapped[date | None] = mapped_column(Date)
    installed_on: Mapped[date | None] = mapped_column(Date)
    installer: Mapped[str | None] = mapped_column(String(80))
    ended_on: Mapped[date | None] = mapped_column(Date)  # replaced or removed
    replaced_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("signs.id"))
    note: Mapped[str | None] = mapped_column(Text)

    place: Mapped[Place] = relationship()
    unit: Mapped[ResponsibleUnit | None] = relationship()
    replaced_by: Mapped[Sign | None] = relationship(remote_side="Sign.id")
    photos: Mapped[list[SignPhoto]] = relationship(
        back_populates="sign", order_by="SignPhoto.created_at", cascade="all, delete-orphan")


class SignPhoto(Base):
    """A photo of a sign (as installed, damaged…), re-encoded on upload."""

    __tablename__ = "sign_photos"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    sign_ref_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signs.id"), index=True)
    path: Mapped[str] = mapped_column(String(200))  # under the instance's sign folder
    caption: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    sign: Mapped[Sign] = relationship(back_populates="photos")
