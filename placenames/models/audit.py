"""Audit events and record history.

Every flush that inserts or changes a place or an address writes a history row (a JSON
snapshot of the record) in the same transaction, from one session hook, so no code path can
change a name without leaving history. State transitions write an :class:`AuditEvent`.

Audit events are append-only: each committed event gets a position in a hash chain
(:mod:`placenames.models.chain`), and the database refuses UPDATE and DELETE on them
(migration 0007).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from .addresses import Address
from .base import Base, utcnow
from .places import Place


class AuditEvent(Base):
    """Who did what to which record, when, from which state to which.

    ``digest`` is set on events about records kept outside the audit log (an expert's opinion,
    a public comment): the :func:`placenames.auditlog.record_digest` of the record as it was
    stored by the change, so ``audit verify`` can tell when the record was changed afterwards.
    """

    __tablename__ = "audit_events"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    entity_type: Mapped[str] = mapped_column(String(24))
    entity_id: Mapped[str] = mapped_column(String(40), index=True)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    digest: Mapped[str | None] = mapped_column(String(64))
    # the department token a write was made with (the API); hashed into the chain when set
    token_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_tokens.id"))


class HistoryRow(Base):
    """A snapshot of a place or an address after one change."""

    __tablename__ = "record_history"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    entity_type: Mapped[str] = mapped_column(String(24))
    entity_id: Mapped[uuid.UUID] = mapped_column(index=True)
    version: Mapped[int] = mapped_column()
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(16))  # create | update
    snapshot: Mapped[str] = mapped_column(Text)  # JSON


TRACKED: dict[type, str] = {Place: "place", Address: "address"}


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # geometry elements: their WKB/WKT text


def history_rows(entity_type: str, records: Iterable[dict[str, Any]], now: datetime,
                 action: str = "create") -> list[dict[str, Any]]:
    """History rows for records written by a bulk statement, which the session hook does not
    see (``create`` for a bulk insert, version 1 unless the record says otherwise; ``update``
    for a bulk rewrite): each snapshot is the record's column values as written."""
    return [{"id": uuid.uuid4(), "entity_type": entity_type, "entity_id": r["id"],
             "version": r.get("version", 1), "changed_at": now, "action": action,
             "snapshot": json.dumps(r, ensure_ascii=False, sort_keys=True, default=_plain)}
            for r in records]


def snapshot(obj: Any) -> str:
    """JSON of the mapped columns of ``obj`` (geometry as text)."""
    mapper = inspect(obj).mapper
    data = {attr.key: _plain(getattr(obj, attr.key)) for attr in mapper.column_attrs}
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


@event.listens_for(Session, "after_flush")
def _write_history(session: Session, _ctx: Any) -> None:
    for obj in list(session.new) + list(session.dirty):
        kind = TRACKED.get(type(obj))
        if kind is None:
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        action = "create" if obj in session.new else "update"
        session.add(HistoryRow(entity_type=kind, entity_id=obj.id, version=obj.version,
                               action=action, snapshot=snapshot(obj)))
