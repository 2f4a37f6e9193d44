"""Builders for the audit-log tests: a procedure run with comments, and an attacker who edits
the database behind the application's back. Imported as ``audit_builders``."""

import sqlite3
import uuid
from datetime import datetime

import procedure_builders as b
from sqlalchemy import select, text

from placenames.models import AuditChain, AuditEvent
from placenames.models.workflow import PanelMember, PublicComment
from placenames.ops.procedure import steps
from placenames.workflow import State

AUDIT_TABLES = ("audit_events", "audit_chain")


def procedure_run(session, until=State.IN_FORCE):
    """An application taken through the procedure to ``until`` (with two comments disposed
    when it gets that far); committed."""
    users = b.world(session)
    cfg = b.settings()
    app = b.draft(session, users)
    if until is not State.IN_FORCE and b.ORDER.index(until) <= b.ORDER.index(State.IN_COMMENT):
        b.advance(session, app, users, cfg, until)
        session.commit()
        return app, users
    b.advance(session, app, users, cfg, State.IN_COMMENT)
    comments = [steps.add_comment(session, app, body="建议保留“丰邑”二字", author="张三",
                                  phone="13800138000", now=b.NOW),
                steps.add_comment(session, app, body="同意此名", author=None, phone=None,
                                  now=b.NOW)]
    for c in comments:
        steps.dispose_comment(session, app, c.id, "已电话答复", actor=users["clerk"], now=b.NOW)
    b.advance(session, app, users, cfg, until)
    session.commit()
    return app, users


def chain_rows(session):
    return session.execute(select(AuditChain.seq, AuditChain.event_id, AuditChain.prev_hash,
                                  AuditChain.hash).order_by(AuditChain.seq)).all()


def seq_of(session, event_id):
    return session.scalar(select(AuditChain.seq).where(AuditChain.event_id == event_id))


def events_of(session, entity_type, action=None):
    stmt = select(AuditEvent).where(AuditEvent.entity_type == entity_type)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return session.scalars(stmt.join(AuditChain, AuditChain.event_id == AuditEvent.id)
                           .order_by(AuditChain.seq)).all()


def seats(session):
    return session.scalars(select(PanelMember).order_by(PanelMember.position)).all()


def comments(session):
    return session.scalars(select(PublicComment).order_by(PublicComment.received_at,
                                                          PublicComment.id)).all()


def _sqlite_value(value):
    if isinstance(value, uuid.UUID):
        return value.hex  # SQLAlchemy's Uuid on SQLite: CHAR(32)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")  # its DateTime storage (UTC)
    return value


def tamper(engine, *statements):
    """Run ``(sql, params)`` as someone with direct access to the database would.

    SQLite: the sqlite3 module on the file, with the append-only triggers dropped (and foreign
    keys off, sqlite3's default). PostgreSQL: ``ALTER TABLE … DISABLE TRIGGER ALL`` on the
    audit tables (foreign keys too, as a superuser can), enabled again in the same transaction.
    """
    if engine.dialect.name == "sqlite":
        engine.dispose()
        con = sqlite3.connect(engine.url.database)
        try:
            for table in AUDIT_TABLES:
                for verb in ("update", "delete"):
                    con.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
            for sql, params in statements:
                con.execute(sql, {k: _sqlite_value(v) for k, v in params.items()})
            con.commit()
        finally:
            con.close()
        return
    with engine.begin() as conn:
        for table in AUDIT_TABLES:
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER ALL"))
        for sql, params in statements:
            conn.execute(text(sql), params)
        for table in AUDIT_TABLES:
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER ALL"))
