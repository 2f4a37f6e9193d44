"""QR door plates, the print batches they are issued in, and reports from the public.

A plate's ``plate_id`` (80 random bits, see :mod:`placenames.plates.ids`) is stored, with its
batch and position, before anything is rendered: rendering reads the batch back in position
order, so a rerun or a resumed batch prints the same plates. ``(batch_id, position)`` and
``(batch_id, address_id)`` are unique, so a batch can hold neither a duplicate nor two plates
in one slot.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .addresses import Address
from .base import Base, RecordMixin, utcnow

if TYPE_CHECKING:
    from .signs import Sign


class PlateStatus(enum.StrEnum):
    """ordered → printed → installed → damaged / replaced / revoked."""

    ORDERED = "ordered"
    PRINTED = "printed"
    INSTALLED = "installed"
    DAMAGED = "damaged"
    REPLACED = "replaced"
    REVOKED = "revoked"


LIVE_STATUSES = frozenset({PlateStatus.ORDERED, PlateStatus.PRINTED, PlateStatus.INSTALLED,
                           PlateStatus.DAMAGED})
"""A plate in one of these states still stands for its address (a damaged one until replaced)."""


class BatchStatus(enum.StrEnum):
    """issued (ids stored) → rendering → rendered → printed."""

    ISSUED = "issued"
    RENDERING = "rendering"
    RENDERED = "rendered"
    PRINTED = "printed"


class PrintBatch(RecordMixin, Base):
    """A batch of plates sent to a print shop; the selection is stored to reproduce it."""

    __tablename__ = "print_batches"

    name: Mapped[str] = mapped_column(String(120))
    selection: Mapped[str] = mapped_column(Text, default="{}")  # JSON of the selection
    sheet: Mapped[str] = mapped_column(String(8), default="A4")
    size: Mapped[str] = mapped_column(String(8), default="medium")
    status: Mapped[str] = mapped_column(String(16), default="open")
    plate_count: Mapped[int] = mapped_column(default=0)
    rendered_count: Mapped[int] = mapped_column(default=0, server_default="0")
    rendered_at: Mapped[datetime | None] = mapped_column()
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class Plate(RecordMixin, Base):
    """A door plate; ``plate_id`` is the unguessable id printed in the QR code, never reused."""

    __tablename__ = "plates"
    __table_args__ = (
        Index("ix_plates_batch_id_position", "batch_id", "position", unique=True),
        Index("ix_plates_batch_id_address_id", "batch_id", "address_id", unique=True),
    )

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
    replaced_by: Mapped[Plate | None] = relationship(remote_side="Plate.id")


class ReportKind(enum.StrEnum):
    """What can be reported about a plate or an address: the public's scan page offers the
    first three; a department may also send ``other`` (described in the note)."""

    DAMAGED = "damaged"
    MISSING = "missing"
    WRONG_ADDRESS = "wrong_address"
    WRONG_SIGN = "wrong_sign"  # a street sign shows a wrong name or spelling
    OTHER = "other"


class PlateReport(Base):
    """A problem with a plate or an address: from the scan page (a kind and an optional text,
    no personal data) or from a department through the API (``token_id``).

    A report names a plate, an address, or both; the scan page always names the plate.
    """

    __tablename__ = "plate_reports"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    plate_ref_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plates.id"), index=True)
    # a report from a street sign's QR code (地名标志): the sign, and its road
    sign_ref_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("signs.id"), index=True)
    address_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("addresses.id"), index=True)
    token_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_tokens.id"))
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)  # new | closed

    plate: Mapped[Plate | None] = relationship()
    address: Mapped[Address | None] = relationship()
    sign: Mapped[Sign | None] = relationship()
