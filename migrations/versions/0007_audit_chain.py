"""audit: hash chain of audit events, record digests, append-only triggers

Adds ``audit_events.digest`` and the insert-only ``audit_chain`` table; chains the events
already stored in (at, id) order; writes one ``baseline`` event with the digest of every
expert panel seat and public comment already stored (so ``audit verify`` can check them from
now on); and makes the database refuse UPDATE and DELETE on both audit tables (PostgreSQL: a
plpgsql trigger function; SQLite: RAISE(ABORT) triggers). TRUNCATE is left to privileges
(see README, "Security").

The hashes use the frozen formats of ``placenames.auditlog`` (version tag v1).

Revision ID: 0007
Revises: 0006
"""
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from placenames.auditlog import GENESIS, event_hash, record_digest
from placenames.models.base import UTCDateTime

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

AUDIT_TABLES = ('audit_events', 'audit_chain')
CHUNK = 500

events_t = sa.table(
    'audit_events',
    sa.column('id', sa.Uuid()), sa.column('at', UTCDateTime()), sa.column('actor_id', sa.Uuid()),
    sa.column('entity_type', sa.String()), sa.column('entity_id', sa.String()),
    sa.column('action', sa.String()), sa.column('from_state', sa.String()),
    sa.column('to_state', sa.String()), sa.column('note', sa.Text()),
    sa.column('digest', sa.String()),
)
chain_t = sa.table(
    'audit_chain',
    sa.column('seq', sa.BigInteger()), sa.column('event_id', sa.Uuid()),
    sa.column('prev_hash', sa.String()), sa.column('hash', sa.String()),
)
RECORD_TABLES = {
    'panel_member': sa.table(
        'panel_members',
        sa.column('id', sa.Uuid()), sa.column('application_id', sa.Uuid()),
        sa.column('expert_id', sa.Uuid()), sa.column('position', sa.Integer()),
        sa.column('opinion', sa.String()), sa.column('reasons', sa.Text()),
        sa.column('opinion_at', UTCDateTime()),
    ),
    'public_comment': sa.table(
        'public_comments',
        sa.column('id', sa.Uuid()), sa.column('application_id', sa.Uuid()),
        sa.column('body', sa.Text()), sa.column('received_at', UTCDateTime()),
        sa.column('disposition', sa.Text()), sa.column('disposed_at', UTCDateTime()),
        sa.column('disposed_by_id', sa.Uuid()),
    ),
}

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on % refused (审计日志只能追加)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.add_column('audit_events', sa.Column('digest', sa.String(length=64), nullable=True))
    op.create_table(
        'audit_chain',
        sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('event_id', sa.Uuid(), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['audit_events.id'],
                                name=op.f('fk_audit_chain_event_id_audit_events')),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_chain')),
        sa.UniqueConstraint('event_id', name=op.f('uq_audit_chain_event_id')),
    )
    conn = op.get_bind()
    order = [r.id for r in conn.execute(
        sa.select(events_t.c.id).order_by(events_t.c.at, events_t.c.id))]
    order += _baseline(conn)
    _chain(conn, order)
    _refuse_changes(conn.dialect.name)


def _baseline(conn: sa.Connection) -> list[uuid.UUID]:
    """One ``baseline`` event per stored panel seat and public comment; returns their ids."""
    now = datetime.now(UTC)
    rows = []
    for kind, table in RECORD_TABLES.items():
        for rec in conn.execute(sa.select(table).order_by(table.c.id)).mappings():
            rows.append({'id': uuid.uuid4(), 'at': now, 'actor_id': None, 'entity_type': kind,
                         'entity_id': str(rec['id']), 'action': 'baseline', 'from_state': None,
                         'to_state': None, 'note': 'migration 0007',
                         'digest': record_digest(kind, rec)})
    for start in range(0, len(rows), CHUNK):
        conn.execute(events_t.insert(), rows[start:start + CHUNK])
    return [r['id'] for r in rows]


def _chain(conn: sa.Connection, order: list[uuid.UUID]) -> None:
    """Chain entries 1..n for the events ``order`` (read back as stored)."""
    seq, prev = 0, GENESIS
    for start in range(0, len(order), CHUNK):
        chunk = order[start:start + CHUNK]
        stored = {r['id']: r for r in conn.execute(
            sa.select(events_t).where(events_t.c.id.in_(chunk))).mappings()}
        entries = []
        for event_id in chunk:
            seq += 1
            digest = event_hash(seq, prev, stored[event_id])
            entries.append({'seq': seq, 'event_id': event_id, 'prev_hash': prev,
                            'hash': digest})
            prev = digest
        conn.execute(chain_t.insert(), entries)


def _refuse_changes(dialect: str) -> None:
    if dialect == 'postgresql':
        op.execute(sa.text(PG_FUNCTION))
        for table in AUDIT_TABLES:
            op.execute(f'CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} '
                       'FOR EACH ROW EXECUTE FUNCTION audit_append_only()')
        return
    for table in AUDIT_TABLES:
        for verb in ('UPDATE', 'DELETE'):
            op.execute(f'CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} '
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused "
                       "(审计日志只能追加)'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in AUDIT_TABLES:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_append_only ON {table}')
        op.execute('DROP FUNCTION IF EXISTS audit_append_only()')
    else:
        for table in AUDIT_TABLES:
            for verb in ('update', 'delete'):
                op.execute(f'DROP TRIGGER IF EXISTS {table}_no_{verb}')
    op.drop_table('audit_chain')
    op.execute("DELETE FROM audit_events WHERE action = 'baseline'")
    op.execute("DELETE FROM register_counters WHERE key = 'audit_chain'")
    op.drop_column('audit_events', 'digest')
