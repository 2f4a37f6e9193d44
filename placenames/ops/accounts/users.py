"""Users: creation with roles, sign-in with lockout, and the administration of accounts (add,
disable, enable, reset a password, set roles, unlock, list).

Separation of duties (三员): an account holds at most one of the administrator roles
(:data:`ADMIN_ROLES`: system, security and audit administrator) and then no business role, so
no one person both runs the register and administers or audits it.

Lockout: :data:`LOCK_AFTER` failures in a row lock the account for :data:`LOCK_MINUTES`; while
locked even the right password is refused (with the same cost and the same answer).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ...errors import BadInput, Conflict, NotFound
from ...models import Role, User, UserSession
from ...models.base import utcnow
from . import events, passwords

ROLE_VALUES = {r.value for r in Role}
ADMIN_ROLES = frozenset({Role.SYSADMIN.value, Role.SECADMIN.value, Role.AUDITOR.value})
LOCK_AFTER = 5
LOCK_MINUTES = 15


def _roles(roles: Iterable[str], allow_none: bool = False) -> str:
    wanted = {r.strip() for r in roles if r.strip()}
    unknown = wanted - ROLE_VALUES
    if unknown:
        raise BadInput(f"未知角色 / unknown role: {', '.join(sorted(unknown))} "
                       f"(roles: {', '.join(sorted(ROLE_VALUES))})")
    if not wanted and not allow_none:
        raise BadInput("至少需要一个角色 / give at least one role")
    admin = wanted & ADMIN_ROLES
    if admin and len(wanted) > 1:
        raise BadInput("三员分立：系统管理员、安全管理员、审计管理员各自单独设账户，"
                       "且不兼任业务角色 / separation of duties: the system, security and "
                       "audit administrator roles are held alone, by separate accounts, "
                       "without any other role")
    return ",".join(sorted(wanted))


def is_admin(user: User) -> bool:
    """True for the system, security and audit administrators (三员)."""
    return bool(user.role_set() & ADMIN_ROLES)


def ensure_user(session: Session, username: str, display_name: str, password: str,
                roles: Iterable[str], organization: str | None = None) -> User:
    """Create the user if missing (no password policy: demo and test accounts); an existing
    user is left as it is. Returns the user."""
    role_text = _roles(roles)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, display_name=display_name,
                    password_hash=passwords.hash_password(password), roles=role_text,
                    organization=organization)
        session.add(user)
        session.flush()
    return user


def get_user(session: Session, username: str) -> User:
    """The user ``username`` or NotFound."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise NotFound(f"没有用户 {username} / no user {username}")
    return user


def add_user(session: Session, username: str, display_name: str, password: str,
             roles: Iterable[str], organization: str | None = None,
             actor_id: uuid.UUID | None = None, allow_no_role: bool = False) -> User:
    """A new account whose password meets the policy; Conflict if the username is taken.

    Made by an administrator on the pages (``actor_id``), the first password is to be
    changed at the first sign-in. ``allow_no_role``: the system administrator creates
    accounts without roles, which the security administrator then gives.
    """
    username = username.strip()
    if not username or len(username) > 60 or any(c.isspace() for c in username):
        raise BadInput("用户名须为 1–60 个字符且不含空格 / the username must be 1–60 characters "
                       "without spaces")
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"用户名 {username} 已存在 / the username {username} is taken")
    role_text = _roles(roles, allow_none=allow_no_role)
    passwords.check_policy(password, username)
    user = User(username=username, display_name=(display_name or username).strip()[:80],
                password_hash=passwords.hash_password(password), roles=role_text,
                organization=(organization or "").strip()[:120] or None,
                password_changed_at=utcnow(), must_change_password=actor_id is not None)
    session.add(user)
    session.flush()
    events.record(session, "account_created", user, actor_id, note=role_text or None)
    return user


def end_sessions(session: Session, user: User) -> None:
    """Sign ``user`` out everywhere (every browser session ends at its next request)."""
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def set_password(session: Session, user: User, password: str,
                 actor_id: uuid.UUID | None = None) -> None:
    """A new password that meets the policy; the old one stops working and every session of
    the user ends. Set by the user themself (``actor_id`` their id) or reset by an
    administrator (another id, or None from the command line)."""
    passwords.check_policy(password, user.username)
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    # set by an administrator on the pages: the person replaces it at their next sign-in
    user.must_change_password = actor_id is not None and actor_id != user.id
    end_sessions(session, user)
    action = "password_changed" if actor_id == user.id else "password_reset"
    events.record(session, action, user, actor_id)
    session.flush()


def set_roles(session: Session, user: User, roles: Iterable[str],
              actor_id: uuid.UUID | None = None) -> None:
    """Replace the user's roles (nobody changes their own: separation of duties)."""
    if actor_id is not None and actor_id == user.id:
        raise BadInput("不能修改自己的角色 / you cannot change your own roles")
    before = user.roles
    user.roles = _roles(roles)
    if user.roles != before:
        end_sessions(session, user)  # pages and rights follow the new roles at once
        events.record(session, "roles_changed", user, actor_id,
                      note=f"{before or '-'} → {user.roles}")
    session.flush()


def set_active(session: Session, user: User, active: bool,
               actor_id: uuid.UUID | None = None) -> None:
    """Disable (no sign-in, no API token, every session ended) or enable an account; accounts
    are never deleted."""
    if actor_id is not None and actor_id == user.id:
        raise BadInput("不能停用或启用自己的账户 / you cannot disable or enable your own account")
    if user.active == active:
        return
    user.active = active
    if not active:
        end_sessions(session, user)
    events.record(session, "account_enabled" if active else "account_disabled", user, actor_id)
    session.flush()


def unlock(session: Session, user: User, actor_id: uuid.UUID | None = None) -> None:
    """End a lockout and forget the failures."""
    user.failed_logins = 0
    user.locked_until = None
    events.record(session, "unlocked", user, actor_id)
    session.flush()


def locked(user: User, now: datetime) -> bool:
    """True while a lockout of ``user`` lasts."""
    return user.locked_until is not None and user.locked_until > now


def list_users(session: Session) -> list[User]:
    """Every account, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def authenticate(session: Session, username: str, password: str,
                 now: datetime | None = None, ip: str | None = None) -> User | None:
    """The user whose password this is and whose account is open, else None; failures are
    counted (the fifth locks, :data:`LOCK_AFTER`) and recorded.

    An unknown, disabled or locked account costs the same hash verification as a known one,
    and the caller shows one message for all refusals. An older hash is replaced by an
    argon2id one after a successful check. The caller commits in every case (the failure
    count and the events are the point).
    """
    now = now or utcnow()
    user = session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None and user.active else None
    good = passwords.verify(stored, password)
    if user is None or stored is None:
        return None
    if locked(user, now):
        events.record(session, "login_failed", user, user.id, note=_note(ip, "locked"), now=now)
        return None
    if not good:
        register_failure(session, user, now, ip)
        return None
    if passwords.needs_rehash(stored):
        user.password_hash = passwords.hash_password(password)
    session.flush()
    return user


def register_failure(session: Session, user: User, now: datetime, ip: str | None,
                     what: str = "password") -> None:
    """One more failure in a row (a password or a second-factor code); the fifth locks."""
    user.failed_logins = (user.failed_logins or 0) + 1
    events.record(session, "login_failed", user, user.id, note=_note(ip, what), now=now)
    if user.failed_logins >= LOCK_AFTER:
        user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
        user.failed_logins = 0
        events.record(session, "locked", user, None, note=_note(ip, f"{LOCK_MINUTES} min"),
                      now=now)
    session.flush()


def signed_in(session: Session, user: User, now: datetime, ip: str | None) -> None:
    """A complete sign-in (password and, where required, the second factor): failures are
    forgotten and the event is recorded."""
    user.failed_logins = 0
    user.locked_until = None
    events.record(session, "login", user, user.id, note=_note(ip, None), now=now)
    session.flush()


def _note(ip: str | None, what: str | None) -> str | None:
    parts = [p for p in (f"ip {ip}" if ip else None, what) if p]
    return "; ".join(parts) or None
