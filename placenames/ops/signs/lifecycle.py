"""Changes of a sign's state, through the one guard, and what a road's rename or cancellation
does to its signs.

Every change goes through :func:`placenames.workflow.signs.decide` (roles, then the table),
checks what the action needs (:func:`placenames.workflow.signs.check_input`), guards against a
concurrent change by the version the caller saw, and leaves an audit event (``sign_<action>``)
in the same flush. A replacement records the successor sign (required, same place, kind and
unit, due ``days`` later) and links the old one to it. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import spatial
from ...errors import BadInput, Conflict, GuardRefused
from ...models import Place, Sign, SignPhoto, User
from ...plates.ids import new_plate_id
from ...storage import Shelf
from ...workflow import signs as guard
from ...workflow.errors import WorkflowError
from ...workflow.sign_duties import DEFAULT_SIGN_DAYS
from ...workflow.signs import LIVE, Pending, SignAction, SignState
from ..procedure import uploads
from .register import NewSign, audit, check_new, unit_by_name

STALE = "这块标志已被他人修改，请刷新后重试 / the sign was changed meanwhile; reload and retry"


@dataclass(frozen=True)
class SignChange:
    """What staff give with an action: the day it was done, the installer, a note, a new
    position (move) or unit (assign), and the version they saw."""

    on: date | None = None
    installer: str | None = None
    note: str | None = None
    unit: str | None = None
    lon: float | None = None
    lat: float | None = None
    bearing: float | None = None
    expected_version: int | None = None


def decide(state: str, action: SignAction | str, actor: User) -> SignState:
    """The sign guard for ``actor``; its refusals as :class:`GuardRefused` (403/409)."""
    try:
        return guard.decide(state, action, roles=actor.role_set())
    except WorkflowError as exc:
        raise GuardRefused(exc) from None


def act(session: Session, sign: Sign, action: SignAction | str, change: SignChange, *,
        actor: User, now: datetime, today: date, days: int = DEFAULT_SIGN_DAYS) -> Sign | None:
    """Apply ``action`` to ``sign``; returns the successor sign of a replacement."""
    try:
        act_ = SignAction(str(action))
    except ValueError:
        raise BadInput(f"未知操作 / unknown action: {str(action)[:30]}") from None
    before = sign.status
    target = decide(before, act_, actor)
    if change.expected_version is not None and change.expected_version != sign.version:
        raise Conflict(STALE)
    try:
        guard.check_input(act_, on=change.on, today=today, installer=change.installer)
    except WorkflowError as exc:
        raise GuardRefused(exc) from None
    note = (change.note or "").strip()[:500] or None
    successor = None
    if act_ is SignAction.ORDER:
        sign.ordered_on = change.on
    elif act_ in (SignAction.INSTALL, SignAction.REPAIR):
        sign.installed_on = change.on
        if change.installer:
            sign.installer = change.installer.strip()[:80]
    elif act_ is SignAction.REMOVE:
        sign.ended_on, sign.pending = change.on, None
    elif act_ is SignAction.REPLACE:
        sign.ended_on = change.on
        successor = _successor(session, sign, actor=actor, now=now, today=today, days=days)
    elif act_ is SignAction.MOVE:
        _move(sign, change)
    elif act_ is SignAction.ASSIGN:
        sign.unit_id = unit_by_name(session, change.unit or "").id
    sign.status = target
    if note:
        sign.note = note
    audit(session, sign, act_, actor=actor, now=now, before=before, after=target, note=note)
    session.flush()
    return successor


def _move(sign: Sign, change: SignChange) -> None:
    if change.lon is None or change.lat is None:
        raise BadInput("请给出新的经纬度 / give the new longitude and latitude")
    check_new(NewSign(change.lon, change.lat, change.bearing))
    sign.geom = spatial.ewkt_point(change.lon, change.lat)
    if change.bearing is not None:
        sign.bearing = change.bearing


def _successor(session: Session, old: Sign, *, actor: User | None, now: datetime, today: date,
               days: int) -> Sign:
    """The sign that replaces ``old``: required, at its place, for the road's name now
    (the new road after a rename), due ``days`` from today."""
    place_id = old.place_id
    road = session.get(Place, place_id)
    if old.pending == Pending.REPLACE and road is not None and road.renamed_to_id:
        place_id = road.renamed_to_id
    new = Sign(sign_id=new_plate_id(), place_id=place_id, unit_id=old.unit_id, kind=old.kind,
               size=old.size, status=SignState.REQUIRED, role=old.role,
               description=old.description, cross_name=old.cross_name, geom=old.geom,
               bearing=old.bearing, arrow=old.arrow, near_number=old.near_number,
               far_number=old.far_number, recorded_on=today,
               due_on=today + timedelta(days=days))
    session.add(new)
    session.flush()
    old.replaced_by_id, old.pending = new.id, None
    audit(session, new, "add", actor=actor, now=now, before=None, after=SignState.REQUIRED,
          note=f"replaces {old.sign_id}")
    return new


def on_rename(session: Session, old: Place, new: Place, *, now: datetime, today: date,
              days: int = DEFAULT_SIGN_DAYS, actor: User | None = None) -> int:
    """A road was renamed: its signs still required (not made yet) now stand for the new
    name; the others show the old name and are marked for replacement, due ``days`` from
    today. Returns how many signs were changed."""
    return _mark(session, old, Pending.REPLACE, new, now=now, today=today, days=days,
                 actor=actor)


def on_cancel(session: Session, place: Place, *, now: datetime, today: date,
              days: int = DEFAULT_SIGN_DAYS, actor: User | None = None) -> int:
    """A road's name was cancelled: its signs never set up (required, ordered) are removed,
    the others are marked for removal, due ``days`` from today."""
    return _mark(session, place, Pending.REMOVE, None, now=now, today=today, days=days,
                 actor=actor)


def _mark(session: Session, place: Place, pending: Pending, new: Place | None, *,
          now: datetime, today: date, days: int, actor: User | None) -> int:
    count = 0
    for sign in session.scalars(select(Sign).where(Sign.place_id == place.id,
                                                   Sign.status.in_([str(s) for s in LIVE]))):
        before = sign.status
        if new is not None and before == SignState.REQUIRED:
            sign.place_id = new.id
            audit(session, sign, "retarget", actor=actor, now=now, before=before, after=before,
                  note=f"{place.name} → {new.name}")
        elif pending is Pending.REMOVE and before in (SignState.REQUIRED, SignState.ORDERED):
            sign.status, sign.ended_on, sign.pending = SignState.REMOVED, today, None
            audit(session, sign, "remove", actor=actor, now=now, before=before,
                  after=SignState.REMOVED, note=f"{place.name} 销名 / name cancelled")
        else:
            sign.pending, sign.due_on = pending, today + timedelta(days=days)
            audit(session, sign, f"mark_{pending}", actor=actor, now=now, before=before,
                  after=before, note=place.name)
        count += 1
    session.flush()
    return count


MAX_PHOTOS = 12


def add_photo(session: Session, sign: Sign, folder: Shelf, original_name: str, raw: bytes,
              caption: str, *, actor: User, now: datetime) -> SignPhoto:
    """Add a photo of the sign (as installed, damaged…), checked and re-encoded as the
    procedure's site photos are (EXIF dropped), stored under ``folder``; clerks only."""
    decide(SignState.REQUIRED, SignAction.ASSIGN, actor)  # the office keeps signs
    caption = (caption or "").strip()
    if len(caption) > 200:
        raise BadInput("照片说明至多 200 字 / a caption has at most 200 characters")
    if len(sign.photos) >= MAX_PHOTOS:
        raise BadInput(f"每块标志至多 {MAX_PHOTOS} 张照片 / at most {MAX_PHOTOS} photos a sign")
    photo = uploads.clean_photo(original_name, raw)
    stored = uploads.store_photos([photo], folder.sub(sign.sign_id))[0]
    row = SignPhoto(sign_ref_id=sign.id, path=f"{sign.sign_id}/{stored['file']}",
                    caption=caption, created_at=now)
    session.add(row)
    audit(session, sign, "photo", actor=actor, now=now, before=sign.status, after=sign.status,
          note=caption or original_name[:80])
    session.flush()
    return row
