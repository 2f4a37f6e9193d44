"""The audit administrator's search of the audit log: filters, newest first, keyset pages.

Pages are cut by the ``(at, id)`` of the last row shown (a cursor), so a page deep in a long
log costs what the first one does, and rows written meanwhile never shift a page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ...errors import BadInput
from ...models import ApiToken, AuditChain, AuditEvent, User

MAX_PAGE = 200
DEFAULT_PAGE = 50


@dataclass(frozen=True)
class AuditQuery:
    """What the auditor filters on; ``since`` inclusive, ``until`` exclusive (aware)."""

    actor: str | None = None  # username
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: tuple[datetime, uuid.UUID] | None = None  # the cursor: rows older than this
    limit: int = DEFAULT_PAGE


@dataclass(frozen=True)
class AuditRow:
    """One event with its actor (or the department token it was made with) and its place in
    the chain (None: not chained)."""

    event: AuditEvent
    actor: User | None
    seq: int | None
    token: ApiToken | None = None


def encode_cursor(event: AuditEvent) -> str:
    """The cursor for the rows older than ``event``."""
    return f"{event.at.isoformat()}~{event.id.hex}"


def decode_cursor(text: str) -> tuple[datetime, uuid.UUID]:
    """Read a cursor made by :func:`encode_cursor` (BadInput when it is not one)."""
    try:
        at, _, key = text.partition("~")
        when = datetime.fromisoformat(at)
        if when.tzinfo is None:
            raise ValueError("naive")
        return when, uuid.UUID(hex=key)
    except ValueError:
        raise BadInput("翻页参数无效 / the page cursor is not valid") from None


def search(session: Session, q: AuditQuery) -> tuple[list[AuditRow], str | None]:
    """The events matching ``q``, newest first, and the cursor of the next page (or None)."""
    limit = max(1, min(q.limit, MAX_PAGE))
    stmt = (select(AuditEvent, User, AuditChain.seq, ApiToken)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .outerjoin(ApiToken, ApiToken.id == AuditEvent.token_id)
            .outerjoin(AuditChain, AuditChain.event_id == AuditEvent.id))
    if q.actor:
        stmt = stmt.where(User.username == q.actor)
    if q.action:
        stmt = stmt.where(AuditEvent.action == q.action)
    if q.entity_type:
        stmt = stmt.where(AuditEvent.entity_type == q.entity_type)
    if q.entity_id:
        stmt = stmt.where(AuditEvent.entity_id == q.entity_id)
    if q.since is not None:
        stmt = stmt.where(AuditEvent.at >= q.since)
    if q.until is not None:
        stmt = stmt.where(AuditEvent.at < q.until)
    if q.before is not None:
        at, key = q.before
        stmt = stmt.where(or_(AuditEvent.at < at, and_(AuditEvent.at == at, AuditEvent.id < key)))
    rows = session.execute(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                           .limit(limit + 1)).all()
    page = [AuditRow(e, u, s, t) for e, u, s, t in rows[:limit]]
    more = len(rows) > limit
    return page, encode_cursor(page[-1].event) if more and page else None
