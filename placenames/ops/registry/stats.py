"""Counts of what is in the registry (start page, /healthz)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import Address, Jurisdiction, Place, Plate, User


def counts(session: Session) -> dict[str, int]:
    """Number of rows of each kind of registry record."""
    result: dict[str, int] = {}
    for key, model in (("jurisdictions", Jurisdiction), ("places", Place),
                       ("addresses", Address), ("plates", Plate), ("users", User)):
        result[key] = session.scalar(select(func.count()).select_from(model)) or 0
    return result


def places_by_class(session: Session) -> dict[str, int]:
    """Names in the register per class."""
    rows = session.execute(select(Place.cls, func.count()).group_by(Place.cls).order_by(Place.cls))
    return {cls: n for cls, n in rows}
