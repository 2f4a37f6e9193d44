"""Server-side sessions: the browser's cookie carries a random id, the database its SHA-256.

A session ends when its row is deleted (sign-out, a password change, roles changed, the
account disabled), after :data:`IDLE` without a request (:data:`IDLE_ADMIN` for the 三员), and
:data:`ABSOLUTE` after sign-in whatever happens. ``last_seen_at`` is written at most once per
:data:`TOUCH_EVERY`, so reading pages does not turn every request into a write.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ...models import User, UserSession
from ...models.base import utcnow
from .users import is_admin

IDLE = timedelta(minutes=30)
IDLE_ADMIN = timedelta(minutes=15)
ABSOLUTE = timedelta(hours=8)
TOUCH_EVERY = timedelta(seconds=60)


class Live(NamedTuple):
    """A session found valid: its row, its user, and whether ``last_seen_at`` is due."""

    row: UserSession
    user: User
    touch_due: bool


def digest(token: str) -> str:
    """The stored form of a session id."""
    return hashlib.sha256(token.encode()).hexdigest()


def idle_limit(user: User) -> timedelta:
    """How long ``user``'s session lasts without a request."""
    return IDLE_ADMIN if is_admin(user) else IDLE


def open_session(session: Session, user: User, now: datetime | None = None,
                 ip: str | None = None, user_agent: str | None = None) -> str:
    """A new session of ``user``; returns its id (for the cookie, never stored in clear)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=digest(token), user_id=user.id, created_at=now,
                            last_seen_at=now, ip=(ip or "")[:45] or None,
                            user_agent=(user_agent or "")[:200] or None))
    session.flush()
    return token


def resolve(session: Session, token: str | None, now: datetime | None = None) -> Live | None:
    """The live session with id ``token`` and its active user, else None (unknown, ended,
    idle too long, older than :data:`ABSOLUTE`, or the account disabled)."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    found = session.execute(
        select(UserSession, User).join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == digest(token))).first()
    if found is None:
        return None
    row, user = found
    if not user.active or now - row.created_at > ABSOLUTE \
            or now - row.last_seen_at > idle_limit(user):
        return None
    return Live(row, user, now - row.last_seen_at >= TOUCH_EVERY)


def touch(session: Session, token: str, now: datetime | None = None) -> None:
    """Record a request in the session ``token`` (its idle time starts again)."""
    session.execute(update(UserSession).where(UserSession.token_hash == digest(token))
                    .values(last_seen_at=now or utcnow()))


def end(session: Session, token: str) -> None:
    """End the session ``token``."""
    session.execute(delete(UserSession).where(UserSession.token_hash == digest(token)))


def end_others(session: Session, user: User, keep: str) -> None:
    """End every session of ``user`` but the one ``keep`` (signed out everywhere else)."""
    session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                              UserSession.token_hash != digest(keep)))


def purge_expired(session: Session, now: datetime | None = None) -> int:
    """Delete sessions past the absolute limit or idle past the longest idle limit."""
    now = now or utcnow()
    result = session.execute(delete(UserSession).where(
        (UserSession.created_at < now - ABSOLUTE) | (UserSession.last_seen_at < now - IDLE)))
    return int(getattr(result, "rowcount", 0) or 0)


def of_user(session: Session, user: User) -> list[UserSession]:
    """The sessions of ``user``, newest first."""
    return list(session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                                .order_by(UserSession.created_at.desc())))
