"""plates: batch progress and author, unique slots per batch, public plate reports

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('print_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rendered_count', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('created_by_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_print_batches_created_by_id_users'), 'users',
                                    ['created_by_id'], ['id'])

    with op.batch_alter_table('plates', schema=None) as batch_op:
        batch_op.create_index('ix_plates_batch_id_position', ['batch_id', 'position'],
                              unique=True)
        batch_op.create_index('ix_plates_batch_id_address_id', ['batch_id', 'address_id'],
                              unique=True)

    op.create_table('plate_reports',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('plate_ref_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['plate_ref_id'], ['plates.id'], name=op.f('fk_plate_reports_plate_ref_id_plates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plate_reports'))
    )
    with op.batch_alter_table('plate_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plate_reports_plate_ref_id'), ['plate_ref_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plate_reports_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_plate_reports_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('plate_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plate_reports_status'))
        batch_op.drop_index(batch_op.f('ix_plate_reports_received_at'))
        batch_op.drop_index(batch_op.f('ix_plate_reports_plate_ref_id'))
    op.drop_table('plate_reports')

    with op.batch_alter_table('plates', schema=None) as batch_op:
        batch_op.drop_index('ix_plates_batch_id_address_id')
        batch_op.drop_index('ix_plates_batch_id_position')

    with op.batch_alter_table('print_batches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_print_batches_created_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('rendered_at')
        batch_op.drop_column('rendered_count')
