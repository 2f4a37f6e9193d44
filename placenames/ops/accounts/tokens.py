"""Personal API tokens: a random secret shown once; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import User
from . import events
from .users import get_user

PREFIX = "pn_"


def digest(token: str) -> str:
    """The stored form of a token (hex SHA-256)."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: Session, username: str) -> str:
    """A new token for ``username`` (the old one stops working); returns it in clear, once."""
    user = get_user(session, username)
    token = PREFIX + secrets.token_urlsafe(32)
    user.token_hash = digest(token)
    events.record(session, "token_issued", user)
    session.flush()
    return token


def user_for(session: Session, token: str) -> User | None:
    """The active user holding ``token``, else None."""
    if not token or len(token) > 200:
        return None
    user = session.scalar(select(User).where(User.token_hash == digest(token)))
    return user if user is not None and user.active else None
