"""The change feed: every insert, change, rename, cancel and status change of a name, an
address, a plate or a jurisdiction, numbered in commit order.

A department keeps a copy of the register in step by reading ``GET /api/v1/changes?after=SEQ``
(:mod:`placenames.ops.exchange.feed`); replaying the feed from the start into an empty store
gives the register.

How rows are written, like the audit chain (:mod:`placenames.models.chain`): one session hook
notes what each flush inserted or changed (``after_flush``, into ``session.info``); just before
the transaction commits, the feed's counter row is locked and the noted changes get the next
``seq`` values, in the same transaction. The lock is held until COMMIT, so a transaction that
takes ``seq`` N+1 can only do so after the one holding N has committed: ``seq`` order is commit
order, and a reader that has seen N never later finds a new row below N.

Lock order, the same in every transaction, so writers cannot deadlock: the map version
(:mod:`placenames.models.versions`), then the feed (``changes``), then the audit chain's head.
Bulk loaders that bypass the ORM (:func:`record_bulk`) take the map version and the feed
first, then insert their rows with their ``seq``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import BigInteger, Index, String, event, func, insert, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from .. import spatial
from .addresses import Address
from .base import Base, utcnow
from .jurisdictions import Jurisdiction
from .places import Place
from .plates import Plate
from .versions import MAP_KEY, RegisterCounter, mark_map_changed

FEED_KEY = "changes"
"""The ``register_counters`` row whose lock orders the feed (its value counts commits)."""

ENTITIES: dict[type, str] = {Place: "name", Address: "address", Plate: "plate",
                             Jurisdiction: "jurisdiction"}
"""Mapped class → the feed's name for it (the API resource)."""

ENDED = {"name": {"cancelled": "cancel", "renamed": "rename"},
         "address": {"retired": "cancel"},
         "plate": {"revoked": "cancel", "replaced": "cancel"},
         "jurisdiction": {"abolished": "cancel", "inactive": "cancel"}}
"""entity → status that ends the record → the action the feed names it by."""

ACTIONS = ("insert", "update", "status", "rename", "cancel")
_PENDING = "placenames.changes_pending"
_CHUNK = 5000


class Change(Base):
    """One change to one record; ``seq`` is its place in commit order (1, 2, 3…)."""

    __tablename__ = "register_changes"
    __table_args__ = (Index("ix_register_changes_entity_seq", "entity", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[uuid.UUID] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column()


def classify(entity: str, is_new: bool, old_status: str | None, new_status: str | None) -> str:
    """The feed's action for a change: insert, rename, cancel, status or update."""
    if is_new:
        return "insert"
    if old_status is not None and new_status is not None and old_status != new_status:
        return ENDED.get(entity, {}).get(new_status, "status")
    return "update"


def _status_change(obj: Any) -> tuple[str | None, str | None]:
    hist = inspect(obj).attrs.status.history
    if not hist.has_changes():
        return None, None
    old = hist.deleted[0] if hist.deleted else None
    new = hist.added[0] if hist.added else None
    return (str(old) if old is not None else None), (str(new) if new is not None else None)


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _ctx: Any) -> None:
    now = utcnow()
    pending = None
    for obj in chain(session.new, session.dirty):
        entity = ENTITIES.get(type(obj))
        if entity is None:
            continue
        is_new = obj in session.new
        if not is_new and not session.is_modified(obj, include_collections=False):
            continue
        old, new = _status_change(obj) if not is_new else (None, None)
        if pending is None:
            pending = session.info.setdefault(_PENDING, [])
        pending.append({"at": now, "entity": entity, "entity_id": obj.id,
                        "action": classify(entity, is_new, old, new), "version": obj.version})


def _append(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Give ``rows`` the next ``seq`` values and insert them; takes the feed's lock."""
    if not rows:
        return 0
    spatial.bump_counter(conn, RegisterCounter.__table__, FEED_KEY)  # held until COMMIT
    table = Change.__table__
    seq = int(conn.scalar(select(func.coalesce(func.max(table.c.seq), 0))) or 0)
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start:start + _CHUNK]
        for row in chunk:
            seq += 1
            row["seq"] = seq
        conn.execute(insert(table), chunk)
    return len(rows)


def record_bulk(session: Session, entity: str,
                items: Iterable[tuple[uuid.UUID, str, int]]) -> int:
    """Add feed rows for records written by a bulk statement (which the hooks do not see).

    ``items`` are (id, action, version). Takes the map version's and the feed's locks now, in
    that order, and holds them until the transaction ends; returns the number of rows.
    """
    if entity not in ENTITIES.values():
        raise ValueError(f"unknown feed entity {entity!r}")
    now = utcnow()
    rows = [{"at": now, "entity": entity, "entity_id": i, "action": a, "version": v}
            for i, a, v in items]
    if not rows:
        return 0
    conn = session.connection()
    mark_map_changed(session)
    spatial.bump_counter(conn, RegisterCounter.__table__, MAP_KEY)  # lock order: map first
    return _append(conn, rows)


@event.listens_for(Session, "before_commit")
def _write(session: Session) -> None:
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if pending:
        _append(session.connection(), pending)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
