"""Naming applications and the records of each procedure step.

The states and the transition table are pure (``placenames.workflow``); these tables only keep
what happened. Later work completes the step payloads.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, RecordMixin, geometry, utcnow
from .people import User
from .places import Place


class Application(RecordMixin, Base):
    """An application to name, rename or cancel a feature's name."""

    __tablename__ = "applications"

    kind: Mapped[str] = mapped_column(String(16), default="new")  # new | rename | cancel
    state: Mapped[str] = mapped_column(String(24), index=True, default="draft")
    applicant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    applicant_org: Mapped[str | None] = mapped_column(String(120))
    cls: Mapped[str] = mapped_column(String(24))
    jurisdiction_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jurisdictions.id"))
    target_place_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("places.id"))
    location_desc: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[Any] = mapped_column(geometry(), nullable=True)
    announce_due: Mapped[date | None] = mapped_column(Date)
    filing_due: Mapped[date | None] = mapped_column(Date)
    comment_opens: Mapped[datetime | None] = mapped_column()
    comment_closes: Mapped[datetime | None] = mapped_column()

    applicant: Mapped[User | None] = relationship()
    target_place: Mapped[Place | None] = relationship()
    candidates: Mapped[list[CandidateName]] = relationship(order_by="CandidateName.rank")


class CandidateName(Base):
    """One proposed name of an application, in order of preference."""

    __tablename__ = "candidate_names"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    rank: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str | None] = mapped_column(Text)


class StepRecord(Base):
    """What one step of the procedure recorded (survey, expert opinion, assessment…)."""

    __tablename__ = "step_records"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    step: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[str] = mapped_column(Text, default="{}")  # JSON


class PublicComment(Base):
    """A comment from the public on a name under notice, with the office's disposition."""

    __tablename__ = "public_comments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    author: Mapped[str | None] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    disposition: Mapped[str | None] = mapped_column(Text)
