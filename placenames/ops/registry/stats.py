"""Counts of what is in the registry (start page, /healthz)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import Address, Jurisdiction, Place, Plate, User
from ...models.places import PLAN_ONLY

_REGISTER_NAME = Place.status.not_in([str(s) for s in PLAN_ONLY])
"""Names of the register: not the reserved names of a naming plan, nor the released ones."""


def counts(session: Session) -> dict[str, int]:
    """Number of rows of each kind of registry record (places: the register's names, not the
    plan's reserved ones)."""
    result: dict[str, int] = {}
    for key, model in (("jurisdictions", Jurisdiction), ("places", Place),
                       ("addresses", Address), ("plates", Plate), ("users", User)):
        stmt = select(func.count()).select_from(model)
        result[key] = session.scalar(stmt.where(_REGISTER_NAME) if model is Place
                                     else stmt) or 0
    return result


def places_by_class(session: Session) -> dict[str, int]:
    """Names in the register per class."""
    rows = session.execute(select(Place.cls, func.count()).where(_REGISTER_NAME)
                           .group_by(Place.cls).order_by(Place.cls))
    return {cls: n for cls, n in rows}
