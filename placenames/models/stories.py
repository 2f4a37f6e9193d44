"""Name stories (地名故事): the meaning, origin and photos of a name, as the office tells them.

A story belongs to one place name. The office writes it (a draft), submits it for review, and
another member of staff publishes it or returns it; a published story shows on the name's
record page, on the scan page of every plate on that road and on the public ``/stories`` page.
Revising a published story takes it back to draft until it is published again. The states and
who may change them are :mod:`placenames.workflow.stories`.

``heritage`` marks a name of the place-name cultural heritage (地名文化遗产): an office
decision that holds whatever the story's state (the screen warns when an application proposes
to rename such a name); the public sees the mark with the published story.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, RecordMixin, utcnow
from .places import Place


class StoryStatus(enum.StrEnum):
    """Where a story stands; what ``name_stories.status`` stores."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"


class NameStory(RecordMixin, Base):
    """The story of one place name."""

    __tablename__ = "name_stories"

    place_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("places.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True, default=StoryStatus.DRAFT)
    meaning: Mapped[str] = mapped_column(Text, default="")  # 含义
    origin: Mapped[str] = mapped_column(Text, default="")  # 来历/沿革
    sources: Mapped[str] = mapped_column(Text, default="")  # where the story comes from
    heritage: Mapped[bool] = mapped_column(Boolean, default=False)  # 地名文化遗产
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str | None] = mapped_column(Text)  # why it was returned
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    place: Mapped[Place] = relationship()
    photos: Mapped[list[StoryPhoto]] = relationship(
        back_populates="story", order_by="StoryPhoto.position", cascade="all, delete-orphan")


class StoryPhoto(Base):
    """A photo of a story, re-encoded on upload, with its caption and source."""

    __tablename__ = "story_photos"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    story_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("name_stories.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    path: Mapped[str] = mapped_column(String(200))  # under the instance's story folder
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    caption: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(200))  # 图片来源 (photographer, archive…)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    story: Mapped[NameStory] = relationship(back_populates="photos")
