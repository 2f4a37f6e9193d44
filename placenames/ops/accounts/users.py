"""Users: creation with roles, password check."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ...errors import BadInput
from ...models import Role, User

ROLE_VALUES = {r.value for r in Role}


def ensure_user(session: Session, username: str, display_name: str, password: str,
                roles: Iterable[str], organization: str | None = None) -> User:
    """Create the user if missing; an existing user is left as it is. Returns the user."""
    unknown = set(roles) - ROLE_VALUES
    if unknown:
        raise BadInput(f"未知角色 / unknown role: {', '.join(sorted(unknown))}")
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, display_name=display_name,
                    password_hash=generate_password_hash(password),
                    roles=",".join(sorted(roles)), organization=organization)
        session.add(user)
        session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with that username and password, else None."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not user.password_hash:
        return None
    return user if check_password_hash(user.password_hash, password) else None
