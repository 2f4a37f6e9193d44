"""QR door plates and the print batches they are issued in."""

from __future__ import annotations

import enum
import uuid
from datetime import date

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .addresses import Address
from .base import Base, RecordMixin


class PlateStatus(enum.StrEnum):
    """ordered → printed → installed → damaged / replaced / revoked."""

    ORDERED = "ordered"
    PRINTED = "printed"
    INSTALLED = "installed"
    DAMAGED = "damaged"
    REPLACED = "replaced"
    REVOKED = "revoked"


class PrintBatch(RecordMixin, Base):
    """A batch of plates sent to a print shop; the selection is stored to reproduce it."""

    __tablename__ = "print_batches"

    name: Mapped[str] = mapped_column(String(120))
    selection: Mapped[str] = mapped_column(Text, default="{}")  # JSON of the selection
    sheet: Mapped[str] = mapped_column(String(8), default="A4")
    size: Mapped[str] = mapped_column(String(8), default="medium")
    status: Mapped[str] = mapped_column(String(16), default="open")
    plate_count: Mapped[int] = mapped_column(default=0)


class Plate(RecordMixin, Base):
    """A door plate; ``plate_id`` is the unguessable id printed in the QR code, never reused."""

    __tablename__ = "plates"

    plate_id: Mapped[str] = mapped_column(String(20), unique=True)
    address_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("addresses.id"), index=True)
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("print_batches.id"), index=True)
    position: Mapped[int | None] = mapped_column()  # order within its batch
    kind: Mapped[str] = mapped_column(String(16), default="door")  # door, building, unit, household
    size: Mapped[str] = mapped_column(String(8), default="medium")
    status: Mapped[str] = mapped_column(String(16), default=PlateStatus.ORDERED, index=True)
    installed_on: Mapped[date | None] = mapped_column(Date)
    installer: Mapped[str | None] = mapped_column(String(80))
    photo_path: Mapped[str | None] = mapped_column(String(200))
    replaced_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plates.id"))

    address: Mapped[Address] = relationship()
    batch: Mapped[PrintBatch | None] = relationship()
