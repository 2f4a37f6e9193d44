"""Audit events about records kept outside the audit log, carrying the record's digest.

An expert's opinion sits on its panel seat (``panel_members``) and a public comment with its
disposition in ``public_comments``: rows that someone with access to the database file could
edit. Every change the application makes to them writes an audit event for the record
(``entity_type`` = the record kind, ``entity_id`` = its id) whose ``digest`` is
:func:`placenames.auditlog.record_digest` of the row *as stored* (read back after a flush, the
same way ``audit verify`` reads it), so the newest such event of a record says what the record
must hold. When the application itself removes a record (a panel replaced by a new draw) it
writes a ``remove`` event without digest: from then on the record must be absent.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ...auditlog import record_digest
from ...auditlog.chain import RECORD_FIELDS, REMOVE_ACTION
from ...models import AuditEvent
from ...models.workflow import PanelMember, PublicComment

RECORD_TABLES: dict[str, Table] = {"panel_member": PanelMember.__table__,  # type: ignore[dict-item]
                                   "public_comment": PublicComment.__table__}


def record_select(kind: str) -> Any:
    """SELECT of the digested columns of ``kind`` (plus what verify names the row by)."""
    table = RECORD_TABLES[kind]
    return select(*(table.c[name] for name in RECORD_FIELDS[kind]))


def stored_digest(conn: Connection, kind: str, record_id: uuid.UUID) -> str | None:
    """The digest of the stored record (None when there is no such row)."""
    table = RECORD_TABLES[kind]
    row = conn.execute(record_select(kind).where(table.c.id == record_id)).mappings().first()
    return record_digest(kind, row) if row is not None else None


def record_event(session: Session, kind: str, record_id: uuid.UUID, action: str, *,
                 actor_id: uuid.UUID | None, now: datetime, note: str | None = None
                 ) -> AuditEvent:
    """Add the audit event of a change to the record, with the digest of the row as stored.

    Flushes first, so the digest covers the change just made; the caller flushes again or
    commits.
    """
    session.flush()
    digest = stored_digest(session.connection(), kind, record_id)
    if digest is None:
        raise LookupError(f"no {kind} {record_id} to record")
    event = AuditEvent(at=now, actor_id=actor_id, entity_type=kind, entity_id=str(record_id),
                       action=action, note=note, digest=digest)
    session.add(event)
    return event


def removal_event(session: Session, kind: str, record_id: uuid.UUID, *,
                  actor_id: uuid.UUID | None, now: datetime, note: str | None = None
                  ) -> AuditEvent:
    """Add the audit event saying the application removes the record (no digest)."""
    event = AuditEvent(at=now, actor_id=actor_id, entity_type=kind, entity_id=str(record_id),
                       action=REMOVE_ACTION, note=note)
    session.add(event)
    return event
