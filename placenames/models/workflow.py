"""Naming applications and the records of each procedure step.

The states and the transition table are pure (``placenames.workflow``); these tables keep what
happened. Every state change goes through
``placenames.ops.procedure.applications.transition`` (the one guard), which bumps
:attr:`Application.version` and writes the audit row and a history row.

What each step recorded sits in :class:`StepRecord` (``step`` = ``screen``, ``survey``,
``assessment``, ``decision``, ``filing``…, ``data`` = JSON); the expert panel is
:class:`PanelMember` (one row per drawn expert, with the opinion); comments from the public
are :class:`PublicComment` with the office's disposition.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, RecordMixin, geometry, utcnow
from .people import Expert, User
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
    # the feature as applied for
    old_name: Mapped[str | None] = mapped_column(String(60))  # rename / cancel: the name now
    extent_desc: Mapped[str | None] = mapped_column(Text)
    start_desc: Mapped[str | None] = mapped_column(String(200))
    end_desc: Mapped[str | None] = mapped_column(String(200))
    length_m: Mapped[float | None] = mapped_column(Float)
    width_m: Mapped[float | None] = mapped_column(Float)
    # expert panel: the stored seed reproduces the draw
    panel_seed: Mapped[int | None] = mapped_column(BigInteger)
    panel_rule: Mapped[str | None] = mapped_column(String(16))
    # decision
    approved_name: Mapped[str | None] = mapped_column(String(60))
    romanization: Mapped[str | None] = mapped_column(String(160))
    approving_body: Mapped[str | None] = mapped_column(String(120))
    approval_doc_no: Mapped[str | None] = mapped_column(String(80))
    approval_date: Mapped[date | None] = mapped_column(Date)
    announced_on: Mapped[date | None] = mapped_column(Date)
    filed_on: Mapped[date | None] = mapped_column(Date)
    place_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("places.id"))

    applicant: Mapped[User | None] = relationship()
    target_place: Mapped[Place | None] = relationship(foreign_keys=[target_place_id])
    place: Mapped[Place | None] = relationship(foreign_keys=[place_id])
    candidates: Mapped[list[CandidateName]] = relationship(order_by="CandidateName.rank")
    panel: Mapped[list[PanelMember]] = relationship(order_by="PanelMember.position")


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
    __table_args__ = (Index("ix_step_records_application_id_step", "application_id", "step"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    step: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[str] = mapped_column(Text, default="{}")  # JSON


class PanelMember(Base):
    """An expert drawn onto an application's panel, in draw order, with the opinion given.

    ``entered_by_id`` is the account that entered the opinion: the expert's own online, a
    clerk for an opinion given at an offline meeting (``meeting_on`` its date; ``None`` for an
    opinion given online).
    """

    __tablename__ = "panel_members"
    __table_args__ = (
        Index("ix_panel_members_application_id_expert_id", "application_id", "expert_id",
              unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"))
    expert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("experts.id"), index=True)
    position: Mapped[int] = mapped_column()
    opinion: Mapped[str | None] = mapped_column(String(24))  # agree | agree_with_changes | disagree
    reasons: Mapped[str | None] = mapped_column(Text)
    opinion_at: Mapped[datetime | None] = mapped_column()
    entered_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    meeting_on: Mapped[date | None] = mapped_column(Date)

    expert: Mapped[Expert] = relationship()
    entered_by: Mapped[User | None] = relationship()


class PublicComment(Base):
    """A comment from the public on a name under notice, with the office's disposition.

    The commenter's name and phone are personal data: stored only encrypted (``author_enc``,
    ``phone_enc``, AES-GCM bound to this row, see :mod:`placenames.pii`), the phone also as a
    blind index (``phone_index``) to find a person's comments; read and written through
    :mod:`placenames.ops.privacy.contacts`. After the retention period both are erased and
    ``contact_erased_at`` says when; the comment and its disposition stay.
    """

    __tablename__ = "public_comments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    author_enc: Mapped[str | None] = mapped_column(Text)
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    contact_erased_at: Mapped[datetime | None] = mapped_column()
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    disposition: Mapped[str | None] = mapped_column(Text)
    disposed_at: Mapped[datetime | None] = mapped_column()
    disposed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
