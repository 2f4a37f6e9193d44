"""The one guard for plate status changes: allowed transitions, version, audit, in one flush.

ordered → printed → installed (date, installer, photo) → damaged / replaced / revoked.
A replacement issues a new plate for the same address and links the old plate to it. Every
change writes an :class:`~placenames.models.AuditEvent` in the same transaction; the version
column is bumped by the ORM (optimistic locking), and a caller that read an older version gets
:class:`~placenames.errors.Conflict`. The actor and the clock are passed in.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from ...errors import BadInput, Conflict
from ...models import AuditEvent
from ...models.plates import Plate, PlateStatus
from ...plates.ids import RandomSource, new_plate_id

S = PlateStatus
TRANSITIONS: dict[PlateStatus, frozenset[PlateStatus]] = {
    S.ORDERED: frozenset({S.PRINTED, S.REVOKED}),
    S.PRINTED: frozenset({S.INSTALLED, S.DAMAGED, S.REPLACED, S.REVOKED}),
    S.INSTALLED: frozenset({S.DAMAGED, S.REPLACED, S.REVOKED}),
    S.DAMAGED: frozenset({S.INSTALLED, S.REPLACED, S.REVOKED}),
    S.REPLACED: frozenset(),
    S.REVOKED: frozenset(),
}
"""Allowed moves; ``replaced`` and ``revoked`` are final (a plate id is never reused)."""

STATUS_ZH = {S.ORDERED: "已下单", S.PRINTED: "已印制", S.INSTALLED: "已安装",
             S.DAMAGED: "已损坏", S.REPLACED: "已更换", S.REVOKED: "已作废"}


@dataclass(frozen=True)
class Change:
    """A requested status change with what the target state needs.

    ``installed_on`` and ``installer`` are required to install; ``photo_path`` is optional.
    ``expected_version`` (the version the caller saw) turns a concurrent change into a
    Conflict instead of a silent overwrite.
    """

    to: PlateStatus
    note: str | None = None
    installed_on: date | None = None
    installer: str | None = None
    photo_path: str | None = None
    expected_version: int | None = None


def parse_status(value: str) -> PlateStatus:
    """The status named ``value``, or BadInput listing the statuses."""
    try:
        return PlateStatus(value.strip().lower())
    except ValueError:
        names = ", ".join(s.value for s in PlateStatus)
        raise BadInput(f"未知门牌状态 / unknown plate status: {value} ({names})") from None


def audit(session: Session, plate: Plate, action: str, *, actor_id: uuid.UUID | None,
          now: datetime, from_state: str | None, to_state: str | None,
          note: str | None = None) -> None:
    """Add the audit row of one plate event (``issue``, ``status``, ``replace``…)."""
    text = f"{plate.plate_id}: {note}" if note else plate.plate_id
    session.add(AuditEvent(at=now, actor_id=actor_id, entity_type="plate",
                           entity_id=str(plate.id), action=action, from_state=from_state,
                           to_state=to_state, note=text))


def transition(session: Session, plate: Plate, change: Change, *, actor_id: uuid.UUID | None,
               now: datetime, rng: RandomSource = secrets) -> Plate | None:
    """Move ``plate`` to ``change.to``; returns the new plate when the change is a replacement.

    Raises Conflict for a move the table does not allow or a stale ``expected_version``, and
    BadInput when an installation lacks its date or installer. Flushes, never commits.
    """
    current = PlateStatus(plate.status)
    if change.expected_version is not None and change.expected_version != plate.version:
        raise Conflict("门牌已被他人修改，请刷新后重试。 The plate was changed; reload and retry.")
    if change.to not in TRANSITIONS[current]:
        raise Conflict(f"门牌不能从“{STATUS_ZH[current]}”改为“{STATUS_ZH[change.to]}”。 "
                       f"A plate cannot go from {current} to {change.to}.")
    if change.to is S.INSTALLED:
        _install(plate, change)
    plate.status = change.to
    audit(session, plate, "status", actor_id=actor_id, now=now, from_state=current,
          to_state=change.to, note=change.note)
    replacement = _replace(session, plate, actor_id, now, rng) if change.to is S.REPLACED \
        else None
    session.flush()
    return replacement


def _install(plate: Plate, change: Change) -> None:
    """Record the installation date, installer and photo; both date and installer needed."""
    installer = (change.installer or "").strip()
    if change.installed_on is None or not installer:
        raise BadInput("安装需填写日期和安装人。 Installing needs a date and an installer.")
    if len(installer) > 80 or (change.photo_path and len(change.photo_path) > 200):
        raise BadInput("安装人或照片路径过长。 Installer or photo path too long.")
    plate.installed_on, plate.installer = change.installed_on, installer
    plate.photo_path = change.photo_path or plate.photo_path


def _replace(session: Session, old: Plate, actor_id: uuid.UUID | None, now: datetime,
             rng: RandomSource) -> Plate:
    """Issue the new plate for the same address, unbatched, and link the old one to it."""
    new = Plate(plate_id=new_plate_id(rng), address_id=old.address_id, kind=old.kind,
                size=old.size, status=S.ORDERED)
    session.add(new)
    session.flush()
    old.replaced_by_id = new.id
    audit(session, new, "issue", actor_id=actor_id, now=now, from_state=None,
          to_state=S.ORDERED, note=f"replaces {old.plate_id}")
    return new
