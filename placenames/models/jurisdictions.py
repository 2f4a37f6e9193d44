"""Jurisdictions (legal divisions and management areas) and duplicate-check scopes.

Two relations are kept apart: ``parent`` is the legal parent (GB/T 2260 / NBS hierarchy);
``ManagementMembership`` says which management area (西咸新区, 沣东新城…) manages a township
whose legal parent is a district of Xi'an or Xianyang.
"""

from __future__ import annotations

import enum
import uuid
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, String, Table, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, RecordMixin, geometry


class Level(enum.StrEnum):
    """Level of a jurisdiction."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"  # village or community (村/社区), 12-digit code
    MANAGEMENT = "management"  # a management area such as a new area or new city


CODE_LENGTH = {Level.PROVINCE: 2, Level.CITY: 4, Level.COUNTY: 6, Level.TOWNSHIP: 9,
               Level.VILLAGE: 12}


class Jurisdiction(RecordMixin, Base):
    """A legal division (with its code) or a management area."""

    __tablename__ = "jurisdictions"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    romanization: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), default="active")
    source: Mapped[str | None] = mapped_column(String(80))
    geom: Mapped[Any] = mapped_column(geometry("MULTIPOLYGON"), nullable=True)
    # a division's name is a place name too (条例 art. 9): its 专名/通名, a staff reading
    # override and the same matching keys as a place's, kept by models/name_keys.py
    specific: Mapped[str | None] = mapped_column(String(80))
    generic: Mapped[str | None] = mapped_column(String(20))
    reading: Mapped[str | None] = mapped_column(String(240))
    key_pinyin: Mapped[str | None] = mapped_column(String(320))
    key_specific_pinyin: Mapped[str | None] = mapped_column(String(320))
    key_fuzzy: Mapped[str | None] = mapped_column(String(320))
    key_specific: Mapped[str | None] = mapped_column(String(80))
    key_initials: Mapped[str | None] = mapped_column(String(80))
    key_core: Mapped[str | None] = mapped_column(String(80))

    __table_args__ = (
        Index("ix_jurisdictions_key_specific_code", "key_specific", "code"),
        Index("ix_jurisdictions_key_specific_pinyin_code", "key_specific_pinyin", "code"),
        Index("ix_jurisdictions_key_fuzzy_code", "key_fuzzy", "code"),
        Index("ix_jurisdictions_key_core_code", "key_core", "code"),
        Index("ix_jurisdictions_level_code", "level", "code"),
    )

    parent: Mapped[Jurisdiction | None] = relationship(remote_side="Jurisdiction.id")


class ManagementMembership(Base):
    """A management area manages a legal division (e.g. 沣东新城 manages 三桥街道)."""

    __tablename__ = "management_memberships"

    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jurisdictions.id"), primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jurisdictions.id"), primary_key=True,
                                                 index=True)
    note: Mapped[str | None] = mapped_column(String(200))


scope_members = Table(
    "scope_members",
    Base.metadata,
    Column("scope_id", Uuid, ForeignKey("scopes.id"), primary_key=True),
    Column("jurisdiction_id", Uuid, ForeignKey("jurisdictions.id"), primary_key=True, index=True),
)


class Scope(RecordMixin, Base):
    """A duplicate-check scope: a named set of jurisdictions and/or a polygon (建成区…)."""

    __tablename__ = "scopes"

    name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(24))  # built_up_area, province, county, custom
    classes: Mapped[str] = mapped_column(String(200), default="")  # comma-separated classes
    radius_m: Mapped[int] = mapped_column(default=0)  # extra search radius across the border
    geom: Mapped[Any] = mapped_column(geometry("MULTIPOLYGON"), nullable=True)

    members: Mapped[list[Jurisdiction]] = relationship(secondary=scope_members)
