"""exchange: department tokens, the change feed, reports from departments about addresses

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'api_tokens',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('holder', sa.String(length=120), nullable=False),
        sa.Column('scopes', sa.String(length=400), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Uuid(), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Uuid(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('rate_limit', sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_api_tokens_created_by_id_users')),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'],
                                name=op.f('fk_api_tokens_revoked_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash')),
    )
    op.create_table(
        'register_changes',
        sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('entity', sa.String(length=16), nullable=False),
        sa.Column('entity_id', sa.Uuid(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_register_changes')),
    )
    op.create_index('ix_register_changes_entity_seq', 'register_changes', ['entity', 'seq'])
    op.create_index(op.f('ix_register_changes_entity_id'), 'register_changes', ['entity_id'])
    with op.batch_alter_table('plate_reports') as batch:
        batch.alter_column('plate_ref_id', existing_type=sa.Uuid(), nullable=True)
        batch.add_column(sa.Column('address_id', sa.Uuid(), nullable=True))
        batch.add_column(sa.Column('token_id', sa.Uuid(), nullable=True))
        batch.create_foreign_key(op.f('fk_plate_reports_address_id_addresses'), 'addresses',
                                 ['address_id'], ['id'])
        batch.create_foreign_key(op.f('fk_plate_reports_token_id_api_tokens'), 'api_tokens',
                                 ['token_id'], ['id'])
        batch.create_index(op.f('ix_plate_reports_address_id'), ['address_id'])
    # audit_events refuses UPDATE and DELETE (0007); adding a nullable column touches no row
    have = {c['name'] for c in sa.inspect(op.get_bind()).get_columns('audit_events')}
    if 'token_id' in have:  # left by a downgrade on SQLite (see there)
        return
    if op.get_bind().dialect.name == 'postgresql':
        op.add_column('audit_events', sa.Column('token_id', sa.Uuid(), nullable=True))
        op.create_foreign_key(op.f('fk_audit_events_token_id_api_tokens'), 'audit_events',
                              'api_tokens', ['token_id'], ['id'])
    else:  # SQLite adds a column with its reference in place (no table rebuild, no trigger)
        op.execute('ALTER TABLE audit_events ADD COLUMN token_id CHAR(32) '
                   'REFERENCES api_tokens (id)')

def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('fk_audit_events_token_id_api_tokens'), 'audit_events')
        op.drop_column('audit_events', 'token_id')
    else:  # SQLite drops a column with a foreign key only by rebuilding the table (0007's
        pass  # triggers forbid that), and a nullable column left behind is harmless
    with op.batch_alter_table('plate_reports') as batch:
        batch.drop_index(op.f('ix_plate_reports_address_id'))
        batch.drop_constraint(op.f('fk_plate_reports_token_id_api_tokens'))
        batch.drop_constraint(op.f('fk_plate_reports_address_id_addresses'))
        batch.drop_column('token_id')
        batch.drop_column('address_id')
        batch.alter_column('plate_ref_id', existing_type=sa.Uuid(), nullable=False)
    op.drop_index(op.f('ix_register_changes_entity_id'), 'register_changes')
    op.drop_index('ix_register_changes_entity_seq', 'register_changes')
    op.drop_table('register_changes')
    op.drop_table('api_tokens')
