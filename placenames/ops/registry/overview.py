"""Read-only views of the registry for the start page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ...models import Jurisdiction, Level, ManagementMembership, Place
from ...models.places import PLAN_ONLY


@dataclass(frozen=True)
class ManagedArea:
    """A management area and the legal divisions it manages."""

    name: str
    code: str
    members: list[tuple[str, str, str]]  # (member name, member code, legal parent name)


def management_areas(session: Session) -> list[ManagedArea]:
    """Every management area with its members, ordered by code."""
    parent = aliased(Jurisdiction)
    areas = session.scalars(select(Jurisdiction).where(Jurisdiction.level == Level.MANAGEMENT)
                            .order_by(Jurisdiction.code)).all()
    result = []
    for area in areas:
        rows = session.execute(
            select(Jurisdiction.name, Jurisdiction.code, parent.name)
            .join(ManagementMembership, ManagementMembership.member_id == Jurisdiction.id)
            .outerjoin(parent, parent.id == Jurisdiction.parent_id)
            .where(ManagementMembership.area_id == area.id)
            .order_by(Jurisdiction.code))
        result.append(ManagedArea(area.name, area.code, [(a, b, c or "") for a, b, c in rows]))
    return result


def list_places(session: Session, *, cls: str | None = None, q: str | None = None,
                limit: int = 50) -> list[Place]:
    """Names of the register, optionally of one class or containing ``q`` (not the naming
    plan's reserved or released names)."""
    stmt = (select(Place).where(Place.status.not_in([str(s) for s in PLAN_ONLY]))
            .order_by(Place.cls, Place.name).limit(limit))
    if cls:
        stmt = stmt.where(Place.cls == cls)
    if q:
        stmt = stmt.where(Place.name.contains(q))
    return list(session.scalars(stmt))
