"""The reserved names of a plan as plain rows: what the printed plan, the public plan page
and the map's pop-ups show of each name.

One query reads a plan's reserved names with their place (name, romanization, class, meaning,
planned geometry as GeoJSON) and the jurisdiction the place lies in; each row carries its
derived state (reserved / taken / used / released, see :mod:`placenames.models.plans`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ... import spatial
from ...models import Jurisdiction, NamingPlan, Place, ReservedName
from ...workflow.plans import ReservedState, reserved_state

PLANNED_STATES = (ReservedState.RESERVED, ReservedState.TAKEN)
"""States of a reserved name that is still only planned (its place is ``reserved``)."""


@dataclass(frozen=True)
class ReservedRow:
    """One reserved name of a plan, as printed and shown."""

    place_id: uuid.UUID
    name: str
    romanization: str
    cls: str
    meaning: str
    theme: str
    jurisdiction: str  # the name of the jurisdiction the place lies in ("" when unknown)
    jurisdiction_code: str
    state: str  # reserved | taken | used | released
    reserved_on: date | None
    geometry: dict[str, Any] | None  # planned geometry, GeoJSON (CGCS2000 lon/lat)

    @property
    def planned(self) -> bool:
        """True while the name is only planned (reserved, or taken by an application)."""
        return self.state in PLANNED_STATES


def plan_rows(session: Session, plan: NamingPlan) -> list[ReservedRow]:
    """Every reserved name of ``plan`` (released ones too), by jurisdiction code then name."""
    juris = aliased(Jurisdiction)
    stmt = (select(ReservedName.theme, ReservedName.reserved_on,
                   ReservedName.application_id, Place.id, Place.name, Place.romanization,
                   Place.cls, Place.meaning, Place.status,
                   spatial.as_geojson(Place.geom).label("geojson"),
                   juris.name.label("j_name"), juris.code.label("j_code"))
            .join(Place, Place.id == ReservedName.place_id)
            .outerjoin(juris, juris.id == Place.jurisdiction_id)
            .where(ReservedName.plan_id == plan.id))
    rows = [ReservedRow(
        place_id=r.id, name=r.name, romanization=r.romanization or "", cls=r.cls,
        meaning=r.meaning or "", theme=r.theme or "", jurisdiction=r.j_name or "",
        jurisdiction_code=r.j_code or "",
        state=str(reserved_state(r.status, r.application_id is not None)),
        reserved_on=r.reserved_on, geometry=json.loads(r.geojson) if r.geojson else None)
        for r in session.execute(stmt)]
    rows.sort(key=lambda r: (r.jurisdiction_code, r.name))
    return rows


def theme_order(plan: NamingPlan, rows: list[ReservedRow]) -> list[str]:
    """The plan's themes in its order, then any other theme a row carries, then "" (none)."""
    order = list(plan.theme_list)
    for r in rows:
        if r.theme not in order and r.theme:
            order.append(r.theme)
    if any(not r.theme for r in rows):
        order.append("")
    return order
