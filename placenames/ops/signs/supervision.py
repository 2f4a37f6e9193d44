"""Supervision of signs (督促设立地名标志): the dashboard of units and their outstanding signs.

Reads only. What a sign asks of its unit, and whether it is late, is
:mod:`placenames.workflow.sign_duties`; signs with no unit are tallied under
:data:`NO_UNIT` so none is lost from sight.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Place, ResponsibleUnit, Sign
from ...workflow.sign_duties import UnitTally, days_late, duty_of, is_late, tally
from ...workflow.signs import LIVE

NO_UNIT = "（未指定责任单位）"


def dashboard(session: Session, today: date) -> list[tuple[UnitTally, uuid.UUID | None]]:
    """Every unit's tally (with its id; ``None`` for signs with no unit), late units first."""
    rows = session.execute(
        select(ResponsibleUnit.name, ResponsibleUnit.id, Sign.status, Sign.pending, Sign.due_on)
        .join(ResponsibleUnit, ResponsibleUnit.id == Sign.unit_id, isouter=True)
        .where(Sign.status.in_([str(s) for s in LIVE]))).all()
    ids = {name or NO_UNIT: uid for name, uid, *_ in rows}
    tallies = tally(((name or NO_UNIT, st, pe, due) for name, _, st, pe, due in rows), today)
    return [(t, ids.get(t.unit)) for t in tallies]


@dataclass(frozen=True)
class Outstanding:
    """One sign a unit still has to set up, replace or remove."""

    sign: Sign
    road: str
    duty: str
    late: bool
    days_late: int


def outstanding(session: Session, unit_id: uuid.UUID | None, today: date, *,
                late_only: bool = False) -> list[Outstanding]:
    """The unit's signs with a duty (``unit_id`` ``None``: signs with no unit), by due date
    then road."""
    stmt = (select(Sign, Place.name).join(Place, Place.id == Sign.place_id)
            .where(Sign.status.in_([str(s) for s in LIVE]))
            .order_by(Sign.due_on, Place.name, Sign.recorded_on))
    stmt = stmt.where(Sign.unit_id.is_(None) if unit_id is None else Sign.unit_id == unit_id)
    out = []
    for sign, road in session.execute(stmt):
        duty = duty_of(sign.status, sign.pending)
        if duty == "none":
            continue
        late = is_late(duty, sign.due_on, today)
        if late_only and not late:
            continue
        out.append(Outstanding(sign, road, duty, late, days_late(sign.due_on, today)))
    return out
