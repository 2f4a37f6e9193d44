"""An application takes a reserved name (启用备用地名): the naming procedure starts from it.

:func:`take` files a new-name application for the reserved name (its name as the proposed name
with its meaning as the reason, its class, division and planned geometry) and marks the name
taken; the screens the name passed in the plan are copied into the application as screen
records of stage ``plan``, so the procedure shows them beside its own. What follows from the
procedure (the application's screens skip the reserved place; putting the name in force makes
the reserved place the register entry; a withdrawn, refused or rejected application gives the
name back) is in :mod:`placenames.ops.procedure.reserved_link`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ...errors import BadInput
from ...models import AuditEvent, User
from ...models.plans import ReservedName
from ...models.workflow import Application
from ...workflow.plans import PlanAction, ReservedAction, ReservedState
from ..procedure.applications import (
    ApplicationInput,
    CandidateInput,
    add_step,
    create_application,
)
from .plans import guard_plan
from .reserved import _guard, history, planned_geojson


def take(session: Session, reserved: ReservedName, *, actor: User, now: datetime,
         reason: str | None = None, applicant_org: str | None = None,
         location_desc: str | None = None) -> Application:
    """File a draft new-name application for ``reserved`` (reserved → taken); returns it.

    ``actor`` (office staff) owns the draft, as for a paper application entered at the
    counter, and submits it when ready. ``reason`` defaults to the plan, theme and meaning,
    ``location_desc`` to the reserved name's, else its area and the plan's map.
    The plan must be approved.
    """
    plan = reserved.plan
    guard_plan(plan, PlanAction.TAKE, actor)
    current = _guard(reserved, ReservedAction.TAKE, actor)
    place = reserved.place
    if place.jurisdiction is None:
        raise BadInput("备用地名缺少所属区域 / the reserved name has no jurisdiction")
    why = (reason or "").strip() or (
        f"启用《{plan.title}》备用地名（主题：{reserved.theme}）。{place.meaning or ''}")
    where = ((location_desc or "").strip() or place.location_desc
             or f"{plan.area.name}{place.jurisdiction.name}，位置见《{plan.title}》规划图")
    app = create_application(session, ApplicationInput(
        kind="new", cls=place.cls, candidates=[CandidateInput(place.name, place.meaning)],
        reason=why, location_desc=where,
        jurisdiction_code=place.jurisdiction.code, applicant_org=applicant_org,
        length_m=place.length_m, width_m=place.width_m,
        geojson=planned_geojson(session, reserved)), actor=actor, now=now)
    for entry in history(reserved):
        results = {k: v for k, v in entry.items()
                   if k not in {"stage", "at", "actor", "actor_name", "override_reason"}}
        record = {"stage": "plan", "results": [results], "screened_at": entry.get("at"),
                  "screened_by": entry.get("actor_name") or entry.get("actor"),
                  "plan": plan.code, "plan_stage": entry.get("stage")}
        if entry.get("override_reason"):
            record["override_reason"] = entry["override_reason"]
        add_step(session, app, "screen", record, actor=actor, now=now)
        session.flush()
    reserved.application_id = app.id
    reserved.updated_at = now
    session.flush()
    session.add(AuditEvent(at=now, actor_id=actor.id, entity_type="reserved_name",
                           entity_id=str(reserved.id), action=str(ReservedAction.TAKE),
                           from_state=current, to_state=ReservedState.TAKEN,
                           note=f"application {app.id}"))
    session.flush()
    return app
