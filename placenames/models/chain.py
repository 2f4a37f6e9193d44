"""The audit chain: an insert-only table giving every committed audit event its place.

``audit_chain`` has one row per :class:`~placenames.models.audit.AuditEvent`: ``seq`` (1, 2,
3… without gaps, in commit order), the event's id, ``prev_hash`` and ``hash``
(:func:`placenames.auditlog.event_hash`). Audit rows are never updated after their insert, so
the chain is a separate table rather than columns on ``audit_events``: both tables only ever
receive INSERTs, and the database refuses UPDATE and DELETE on them (migration 0007).

How entries are written: one session hook notes the audit events each flush inserts
(``after_flush``, into ``session.info``); just before the transaction commits
(``before_commit``), those events are read back as stored, the chain's head is taken, and their
entries are inserted in the same transaction. So an event and its entry commit together or not
at all, and no code path can add an event without its entry.

Why writers cannot deadlock: the head is a row lock (PostgreSQL: the ``audit_chain`` row of
``register_counters``, bumped by an upsert, exactly like the map version of
:mod:`placenames.models.versions`) taken as the transaction's *last* lock, after every lock its
own work needed and after the map version (whose hook is registered first, since this module
imports it). A transaction holding the head waits for nothing but its COMMIT, so no cycle of
waits can include it; concurrent writers queue on the head for the few statements that follow.
The head's ``seq`` and ``hash`` are read from ``audit_chain`` *after* the lock is granted: under
READ COMMITTED that statement sees the entries of the writer that held the lock before, so
``seq`` never repeats or skips. On SQLite writers are already serialised by ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, event, insert, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from .. import spatial
from ..auditlog import GENESIS, event_hash
from . import changes, versions  # noqa: F401 - their before_commit hooks must run before ours
from .audit import AuditEvent
from .base import Base
from .versions import RegisterCounter

CHAIN_KEY = "audit_chain"
"""The ``register_counters`` row whose lock is the chain's head (its value counts commits)."""
AUDIT_TABLES = frozenset({"audit_events", "audit_chain"})
_PENDING = "placenames.audit_pending"
_CHUNK = 500


class AuditChain(Base):
    """The place of one audit event in the hash chain (insert-only)."""

    __tablename__ = "audit_chain"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("audit_events.id"), unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def append(conn: Connection, event_ids: Sequence[uuid.UUID]) -> int:
    """Give the stored events ``event_ids`` (in this order) the next places in the chain.

    Ids that are not stored (their savepoint was rolled back) are skipped. Takes the chain's
    head lock; call it last in the transaction. Returns the number of entries written.
    """
    events_t, chain_t = AuditEvent.__table__, AuditChain.__table__
    order = list(dict.fromkeys(event_ids))
    stored: dict[uuid.UUID, Any] = {}
    for chunk in _chunks(order, _CHUNK):
        for row in conn.execute(select(events_t).where(events_t.c.id.in_(chunk))).mappings():
            stored[row["id"]] = row
    events = [stored[i] for i in order if i in stored]
    if not events:
        return 0
    spatial.bump_counter(conn, RegisterCounter.__table__, CHAIN_KEY)  # the head: last lock
    last = conn.execute(select(chain_t.c.seq, chain_t.c.hash)
                        .order_by(chain_t.c.seq.desc()).limit(1)).first()
    seq, prev = (int(last.seq), str(last.hash)) if last else (0, GENESIS)
    entries = []
    for row in events:
        seq += 1
        digest = event_hash(seq, prev, row)
        entries.append({"seq": seq, "event_id": row["id"], "prev_hash": prev, "hash": digest})
        prev = digest
    conn.execute(insert(chain_t), entries)
    return len(entries)


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _ctx: Any) -> None:
    new = [o for o in session.new if isinstance(o, AuditEvent)]
    if new:
        new.sort(key=lambda o: getattr(inspect(o), "insert_order", None) or 0)
        session.info.setdefault(_PENDING, []).extend(o.id for o in new)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state: Any) -> None:
    """Audit rows are added as objects (so the chain hook sees them) and never changed."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in AUDIT_TABLES:
        raise RuntimeError("audit events are added with session.add() and never changed")


@event.listens_for(Session, "before_commit")
def _chain(session: Session) -> None:
    session.flush()  # the last flush may add audit events
    pending = session.info.pop(_PENDING, None)
    if pending:
        append(session.connection(), pending)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended (a savepoint keeps them)
        session.info.pop(_PENDING, None)
