"""The expert pool (地名专家库): listing and adding experts, linking their accounts.

The pool is the office clerk's to keep (``POOL_ROLES``); the administrators of the system
(sysadmin, secadmin, auditor) handle no business data. An expert needs no account to be drawn
onto a panel: an expert without one gives the opinion at an offline meeting, which a clerk
enters (:func:`placenames.ops.procedure.meetings.record_meeting`). An expert linked to an
account holding the ``expert`` role sees the applications of the panels they sit on and gives
opinions online. One account is linked to at most one expert (a unique column).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...errors import BadInput, Conflict, Forbidden, NotFound
from ...models import AuditEvent, User
from ...models.people import Expert
from ...workflow import ExpertRef

POOL_ROLES = frozenset({"clerk"})


@dataclass
class ExpertInput:
    """An expert to add; ``username`` links the expert's user account (needed to give opinions
    online; without one the clerk enters the expert's opinions from an offline meeting)."""

    name: str
    affiliation: str | None = None
    specialties: str = ""
    username: str | None = None


def pool(session: Session, *, active_only: bool = False) -> list[Expert]:
    """The experts, by name."""
    stmt = select(Expert).order_by(Expert.name)
    if active_only:
        stmt = stmt.where(Expert.active.is_(True))
    return list(session.scalars(stmt))


def require_pool_role(actor: User) -> None:
    """Only clerks keep the pool (403 for anyone else)."""
    if not actor.role_set() & POOL_ROLES:
        raise Forbidden("只有地名办工作人员可以维护专家库 / only the office's clerks maintain "
                        "the expert pool")


def linkable_accounts(session: Session) -> list[User]:
    """Active accounts holding the expert role and linked to no expert, by username."""
    linked = set(session.scalars(select(Expert.user_id).where(Expert.user_id.is_not(None))))
    rows = session.scalars(select(User).where(User.active.is_(True), User.roles.contains(
        "expert")).order_by(User.username))
    return [u for u in rows if u.has_role("expert") and u.id not in linked]


def linkable_user(session: Session, username: str | None, *,
                  expert: Expert | None = None) -> User:
    """The account ``username`` if it may be linked to ``expert`` (or to a new expert).

    Raises:
        BadInput: no username, no such account, or the account lacks the expert role (400).
        Conflict: the account is disabled, or already linked to another expert (409).
    """
    name = (username or "").strip()
    if not name:
        raise BadInput("请选择要关联的账号 / choose the account to link")
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        raise BadInput(f"没有账号“{name[:60]}” / there is no account {name[:60]!r}")
    if not user.has_role("expert"):
        raise BadInput(f"账号“{user.username}”不是专家角色 / the account {user.username!r} "
                       "does not hold the expert role")
    if not user.active:
        raise Conflict(f"账号“{user.username}”已停用 / the account {user.username!r} is "
                       "disabled")
    other = session.scalar(select(Expert).where(Expert.user_id == user.id))
    if other is not None and other is not expert:
        raise Conflict(f"账号“{user.username}”已关联专家“{other.name}” / the account "
                       f"{user.username!r} is already linked to the expert {other.name}")
    return user


def add_expert(session: Session, data: ExpertInput, *, actor: User,
               now: datetime | None = None) -> Expert:
    """Add an expert to the pool (clerks), with or without a linked account."""
    require_pool_role(actor)
    name = (data.name or "").strip()
    if not name or len(name) > 60:
        raise BadInput("请填写专家姓名（最多 60 字）/ give the expert's name "
                       "(at most 60 characters)")
    user = linkable_user(session, data.username) if (data.username or "").strip() else None
    specs = ",".join(s.strip() for s in data.specialties.replace("，", ",").split(",")
                     if s.strip())
    expert = Expert(name=name, affiliation=(data.affiliation or "").strip()[:120] or None,
                    specialties=specs[:200], user=user)
    if now is not None:
        expert.created_at = expert.updated_at = now
    session.add(expert)
    _flush(session)
    return expert


def get_expert(session: Session, expert_id: uuid.UUID | str) -> Expert:
    """An expert of the pool by id, else NotFound."""
    try:
        key = expert_id if isinstance(expert_id, uuid.UUID) else uuid.UUID(str(expert_id))
    except ValueError:
        raise NotFound("专家库中没有该专家 / no such expert in the pool") from None
    expert = session.get(Expert, key)
    if expert is None:
        raise NotFound("专家库中没有该专家 / no such expert in the pool")
    return expert


def link_account(session: Session, expert: Expert, username: str | None, *, actor: User,
                 now: datetime) -> Expert:
    """Link an account holding the expert role, linked to no other expert, to ``expert``.

    Raises Forbidden (not a clerk), Conflict (the expert already has an account: unlink it
    first) and the refusals of :func:`linkable_user`. Writes one audit event.
    """
    require_pool_role(actor)
    if expert.user is not None:
        raise Conflict(f"专家“{expert.name}”已关联账号“{expert.user.username}”，请先解除关联 / "
                       f"{expert.name} is already linked to {expert.user.username!r}: "
                       "unlink it first")
    user = linkable_user(session, username, expert=expert)
    expert.user, expert.updated_at = user, now
    _flush(session)
    _audit(session, expert, "link_account", user.username, actor=actor, now=now)
    return expert


def unlink_account(session: Session, expert: Expert, *, actor: User, now: datetime) -> Expert:
    """Remove the link between ``expert`` and their account (Conflict if there is none).

    The expert stays in the pool and on the panels they sit on; opinions not yet given are
    then entered from an offline meeting, or online once another account is linked.
    """
    require_pool_role(actor)
    if expert.user is None:
        raise Conflict(f"专家“{expert.name}”未关联账号 / {expert.name} has no linked account")
    username = expert.user.username
    expert.user, expert.updated_at = None, now
    _flush(session)
    _audit(session, expert, "unlink_account", username, actor=actor, now=now)
    return expert


def _audit(session: Session, expert: Expert, action: str, username: str, *, actor: User,
           now: datetime) -> None:
    session.add(AuditEvent(at=now, actor_id=actor.id, entity_type="expert",
                           entity_id=str(expert.id), action=action,
                           note=f"{expert.name} ↔ {username}"))
    session.flush()


def _flush(session: Session) -> None:
    """Flush; a concurrent link of the same account loses on the unique column (409)."""
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("该账号刚被关联到另一位专家，请刷新后重试 / that account was just linked "
                       "to another expert; reload and retry") from None


def as_ref(expert: Expert) -> ExpertRef:
    """The expert as the pure panel draw sees it."""
    return ExpertRef(id=str(expert.id), name=expert.name, affiliation=expert.affiliation,
                     specialties=frozenset(s for s in expert.specialties.split(",") if s))
