"""Department tokens: a bearer secret held by another office (公安, 住建…) with scopes.

Only the SHA-256 of the secret is stored (``token_hash``); the secret is shown once, when it is
issued. A token stops working the moment it expires or is revoked: both are checked on every
request, nothing is cached. Every write made with a token carries its id in the audit event
(``audit_events.token_id``), so the log says which department did it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from .audit import AuditEvent
from .base import Base, utcnow

ACTING_TOKEN = "placenames.acting_token_id"
"""``session.info`` key: the department token a request acts with (set by the API's token
check). Every audit event added in that session carries it (:func:`_stamp_token`)."""


class ApiToken(Base):
    """One department token: its holder, scopes (comma-separated), expiry and last use."""

    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    holder: Mapped[str] = mapped_column(String(120))
    scopes: Mapped[str] = mapped_column(String(400))  # "read:addresses,read:names,…"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # first characters, to tell tokens apart
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column()
    rate_limit: Mapped[str | None] = mapped_column(String(40))  # e.g. "600 per minute"

    def scope_set(self) -> frozenset[str]:
        """The scopes as a set."""
        return frozenset(s for s in self.scopes.split(",") if s)

    def active_at(self, now: datetime) -> bool:
        """Neither revoked nor expired at ``now``."""
        return self.revoked_at is None and now < self.expires_at


@event.listens_for(Session, "before_flush")
def _stamp_token(session: Session, _ctx: Any, _instances: Any) -> None:
    """Put the acting department token on every new audit event of the session, so no write
    made with a token can leave an event that does not say which department made it."""
    token_id = session.info.get(ACTING_TOKEN)
    if token_id is None:
        return
    for obj in session.new:
        if isinstance(obj, AuditEvent) and obj.token_id is None:
            obj.token_id = token_id
