"""Users: creation with roles, sign-in, and the administration of accounts (add, disable,
enable, reset a password, set roles, list)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import BadInput, Conflict, NotFound
from ...models import Role, User
from . import passwords

ROLE_VALUES = {r.value for r in Role}


def _roles(roles: Iterable[str]) -> str:
    wanted = {r.strip() for r in roles if r.strip()}
    unknown = wanted - ROLE_VALUES
    if unknown:
        raise BadInput(f"未知角色 / unknown role: {', '.join(sorted(unknown))} "
                       f"(roles: {', '.join(sorted(ROLE_VALUES))})")
    if not wanted:
        raise BadInput("至少需要一个角色 / give at least one role")
    return ",".join(sorted(wanted))


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
             roles: Iterable[str], organization: str | None = None) -> User:
    """A new account whose password meets the policy; Conflict if the username is taken."""
    username = username.strip()
    if not username or len(username) > 60 or any(c.isspace() for c in username):
        raise BadInput("用户名须为 1–60 个字符且不含空格 / the username must be 1–60 characters "
                       "without spaces")
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"用户名 {username} 已存在 / the username {username} is taken")
    passwords.check_policy(password, username)
    user = User(username=username, display_name=(display_name or username).strip()[:80],
                password_hash=passwords.hash_password(password), roles=_roles(roles),
                organization=(organization or "").strip()[:120] or None)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """A new password that meets the policy; signing in with the old one stops working."""
    passwords.check_policy(password, user.username)
    user.password_hash = passwords.hash_password(password)
    session.flush()


def set_roles(session: Session, user: User, roles: Iterable[str]) -> None:
    """Replace the user's roles."""
    user.roles = _roles(roles)
    session.flush()


def set_active(session: Session, user: User, active: bool) -> None:
    """Disable (no sign-in, no API token) or enable an account; accounts are never deleted."""
    user.active = active
    session.flush()


def list_users(session: Session) -> list[User]:
    """Every account, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with that username and password, else None.

    An unknown user costs the same hash verification as a known one. An older hash is
    replaced by an argon2id one after a successful check (the caller commits).
    """
    user = session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None and user.active else None
    if not passwords.verify(stored, password) or user is None or stored is None:
        return None
    if passwords.needs_rehash(stored):
        user.password_hash = passwords.hash_password(password)
        session.flush()
    return user
