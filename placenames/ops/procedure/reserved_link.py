"""The procedure's side of a reserved name (备用地名) that an application took.

An application that took a reserved name (``ReservedName.application_id``) carries it through
the procedure; three things follow from the procedure's own steps, each through the one guard
of reserved names (:func:`placenames.workflow.plans.decide`, kind ``reserved``):

- the application's screens do not report the reserved place as a duplicate of itself
  (:func:`excluded_place_ids`);
- when the application puts the name in force, the reserved place itself becomes the register
  entry (:func:`use`), so the plan shows the name as used and the record keeps its history;
- when the application ends without the name (withdrawn, refused, rejected, or a different
  candidate approved), the name goes back to the plan's reserve (:func:`give_back`).

This module reads the plan's tables but imports nothing of :mod:`placenames.ops.plans`, which
builds on the procedure.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import AuditEvent, Place, PlaceStatus, User
from ...models.plans import ReservedName
from ...models.workflow import Application
from ...workflow import State, Transition, china_date
from ...workflow.plans import ReservedAction, decide, reserved_state

#: Application states that end it without putting the name in force.
ENDED_WITHOUT_NAME = frozenset({State.WITHDRAWN, State.REFUSED, State.REJECTED})


def holding(session: Session, app: Application) -> ReservedName | None:
    """The reserved name ``app`` took and still holds, if any."""
    if app.id is None:
        return None
    return session.scalar(select(ReservedName).where(ReservedName.application_id == app.id))


def excluded_place_ids(session: Session, app: Application) -> set[str]:
    """Places the screens of ``app`` never report: its rename/cancel target and the reserved
    place it took."""
    out = {str(app.target_place_id)} if app.target_place_id else set()
    held = holding(session, app)
    if held is not None:
        out.add(str(held.place_id))
    return out


def _state(session: Session, reserved: ReservedName) -> str:
    place = session.get(Place, reserved.place_id)
    status = place.status if place is not None else PlaceStatus.RELEASED
    return reserved_state(status, reserved.application_id is not None)


def _event(session: Session, reserved: ReservedName, action: ReservedAction, from_state: str,
           to_state: str, *, actor: User | None, now: datetime, note: str | None) -> None:
    session.add(AuditEvent(at=now, actor_id=actor.id if actor else None,
                           entity_type="reserved_name", entity_id=str(reserved.id),
                           action=str(action), from_state=from_state, to_state=str(to_state),
                           note=note))


def give_back(session: Session, reserved: ReservedName, *, actor: User | None, now: datetime,
              note: str | None = None) -> None:
    """Return a taken name to the plan's reserve (taken → reserved)."""
    current = _state(session, reserved)
    target = decide(current, ReservedAction.GIVE_BACK, roles=None, kind="reserved")
    app_id = reserved.application_id
    reserved.application_id = None
    reserved.updated_at = now
    _event(session, reserved, ReservedAction.GIVE_BACK, current, target, actor=actor, now=now,
           note=note or f"application {app_id}")


def after_transition(session: Session, app: Application, decided: Transition, *,
                     actor: User | None, now: datetime) -> None:
    """Called by the procedure's one guard after each state change: an application ended
    without the name gives its reserved name back."""
    if decided.to_state not in ENDED_WITHOUT_NAME:
        return
    held = holding(session, app)
    if held is not None:
        give_back(session, held, actor=actor, now=now,
                  note=f"申请{decided.action} / application {decided.action}")


def use(session: Session, reserved: ReservedName, app: Application, values: dict[str, object],
        *, actor: User | None, now: datetime) -> Place:
    """The reserved place becomes the in-force register entry (taken → used).

    ``values`` are the register fields the procedure established (approval, survey, history
    line); a surveyed geometry replaces the planned one, and the meaning the application gave
    replaces the plan's when there is one.
    """
    current = _state(session, reserved)
    target = decide(current, ReservedAction.USE, roles=None, kind="reserved")
    place = session.get(Place, reserved.place_id)
    assert place is not None
    for key, value in values.items():
        if key == "history":
            place.history = f"{place.history}\n{value}" if place.history else str(value)
        elif value is not None:
            setattr(place, key, value)
    place.status, place.status_changed_on = PlaceStatus.IN_FORCE, china_date(now)
    place.updated_at = now
    reserved.updated_at = now
    _event(session, reserved, ReservedAction.USE, current, target, actor=actor, now=now,
           note=f"application {app.id}")
    return place
