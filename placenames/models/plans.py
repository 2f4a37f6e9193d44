"""The naming plan (地名规划) and its reserved names (备用地名库).

A plan covers an area for a period, under themes (秦汉文化, 周文化…), and is approved by a
document. Each reserved name is a ``Place`` of status ``reserved`` (so every screen counts it,
and its planned geometry is the place's geometry) with a ``ReservedName`` row holding what only
the plan knows: its theme, the screens it passed on entry, the application that took it, and
when and why it was released. The reserved name's states are derived, never stored twice:
reserved (the place is ``reserved`` and no application holds it), taken (an application holds
it), used (the place is in force), released (the place is ``released``).
"""

from __future__ import annotations

import enum
import uuid
from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, RecordMixin
from .jurisdictions import Jurisdiction
from .places import Place


class PlanStatus(enum.StrEnum):
    """Lifecycle of a naming plan: drafted, approved (its names are public as "planned"),
    retired (its period is over; its remaining reserved names stay screened until released)."""

    DRAFT = "draft"
    APPROVED = "approved"
    RETIRED = "retired"


class NamingPlan(RecordMixin, Base):
    """A naming plan (地名规划) of an area for a period."""

    __tablename__ = "naming_plans"

    code: Mapped[str] = mapped_column(String(40), unique=True)  # office's reference
    title: Mapped[str] = mapped_column(String(160))
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    period_start: Mapped[int] = mapped_column(Integer)  # first year
    period_end: Mapped[int] = mapped_column(Integer)  # last year
    themes: Mapped[str] = mapped_column(Text, default="")  # one theme a line
    status: Mapped[str] = mapped_column(String(16), index=True, default=PlanStatus.DRAFT)
    description: Mapped[str | None] = mapped_column(Text)
    approving_body: Mapped[str | None] = mapped_column(String(120))
    approval_doc_no: Mapped[str | None] = mapped_column(String(80))
    approval_date: Mapped[date | None] = mapped_column(Date)

    area: Mapped[Jurisdiction] = relationship()
    reserved: Mapped[list[ReservedName]] = relationship(back_populates="plan",
                                                        order_by="ReservedName.created_at")

    @property
    def theme_list(self) -> list[str]:
        """The themes, one a line, blank lines dropped."""
        return [t.strip() for t in (self.themes or "").splitlines() if t.strip()]


class ReservedName(RecordMixin, Base):
    """A reserved name (备用地名) of a plan; its name, class, meaning and planned geometry are
    those of its ``place`` (status ``reserved`` until an application puts it in force)."""

    __tablename__ = "reserved_names"

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("naming_plans.id"), index=True)
    place_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("places.id"), unique=True)
    theme: Mapped[str | None] = mapped_column(String(60))
    reserved_on: Mapped[date] = mapped_column(Date)
    # the screens the name passed, oldest first: JSON list of screen_ops.as_dict() + "at"
    screen_history: Mapped[str] = mapped_column(Text, default="[]")
    # the application that takes this name: its place becomes the register entry when the
    # name is put in force (the place keeps this row, so the plan shows the name as used)
    application_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("applications.id"),
                                                             index=True)
    released_on: Mapped[date | None] = mapped_column(Date)
    release_reason: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[NamingPlan] = relationship(back_populates="reserved")
    place: Mapped[Place] = relationship()
