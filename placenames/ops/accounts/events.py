"""Audit events of accounts: sign-ins, failures, lockouts, role and password changes, tokens.

Each is an :class:`~placenames.models.AuditEvent` about the account (``entity_type`` ``user``),
written in the caller's transaction; the actor is who did it (the user themself for a sign-in,
None for the command line).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from ...models import AuditEvent, User
from ...models.base import utcnow

ACTIONS = frozenset({
    "login", "login_failed", "locked", "logout", "password_changed", "password_reset",
    "roles_changed", "account_created", "account_disabled", "account_enabled", "unlocked",
    "totp_enabled", "totp_reset", "recovery_used", "recovery_codes_new", "token_issued",
})


def record(session: Session, action: str, user: User, actor_id: uuid.UUID | None = None,
           note: str | None = None, now: datetime | None = None) -> None:
    """Add the event ``action`` about ``user``, done by ``actor_id``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown account event {action!r}")
    session.add(AuditEvent(at=now or utcnow(), actor_id=actor_id, entity_type="user",
                           entity_id=str(user.id), action=action, note=note))
