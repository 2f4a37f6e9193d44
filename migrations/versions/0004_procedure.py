"""procedure: application fields, expert panel members, comment dispositions

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

APPLICATION_COLUMNS = [
    ('old_name', sa.String(length=60)),
    ('extent_desc', sa.Text()),
    ('start_desc', sa.String(length=200)),
    ('end_desc', sa.String(length=200)),
    ('length_m', sa.Float()),
    ('width_m', sa.Float()),
    ('panel_seed', sa.BigInteger()),
    ('panel_rule', sa.String(length=16)),
    ('approved_name', sa.String(length=60)),
    ('romanization', sa.String(length=160)),
    ('approving_body', sa.String(length=120)),
    ('approval_doc_no', sa.String(length=80)),
    ('approval_date', sa.Date()),
    ('announced_on', sa.Date()),
    ('filed_on', sa.Date()),
]


def upgrade() -> None:
    # plain ALTER TABLE ADD COLUMN (a REFERENCES clause is allowed there on SQLite): no rebuild
    for name, type_ in APPLICATION_COLUMNS:
        op.add_column('applications', sa.Column(name, type_, nullable=True))
    op.add_column('public_comments', sa.Column('disposed_at', sa.DateTime(timezone=True),
                                               nullable=True))
    _add_reference('applications', 'place_id', 'places')
    _add_reference('public_comments', 'disposed_by_id', 'users')
    op.create_index('ix_step_records_application_id_step', 'step_records',
                    ['application_id', 'step'], unique=False)
    op.create_table(
        'panel_members',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('application_id', sa.Uuid(), nullable=False),
        sa.Column('expert_id', sa.Uuid(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('opinion', sa.String(length=24), nullable=True),
        sa.Column('reasons', sa.Text(), nullable=True),
        sa.Column('opinion_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                                name=op.f('fk_panel_members_application_id_applications')),
        sa.ForeignKeyConstraint(['expert_id'], ['experts.id'],
                                name=op.f('fk_panel_members_expert_id_experts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_members')),
    )
    op.create_index('ix_panel_members_application_id_expert_id', 'panel_members',
                    ['application_id', 'expert_id'], unique=True)
    op.create_index('ix_panel_members_expert_id', 'panel_members', ['expert_id'], unique=False)


def _add_reference(table: str, column: str, referred: str) -> None:
    """A nullable UUID column referencing ``referred.id``, added without a table rebuild."""
    name = f'fk_{table}_{column}_{referred}'
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite allows REFERENCES in ALTER TABLE ADD COLUMN (a NULL default is required)
        op.execute(f'ALTER TABLE {table} ADD COLUMN {column} CHAR(32) '
                   f'CONSTRAINT {name} REFERENCES {referred} (id)')
        return
    op.add_column(table, sa.Column(column, sa.Uuid(), nullable=True))
    op.create_foreign_key(name, table, referred, [column], ['id'])


def downgrade() -> None:
    op.drop_index('ix_panel_members_expert_id', table_name='panel_members')
    op.drop_index('ix_panel_members_application_id_expert_id', table_name='panel_members')
    op.drop_table('panel_members')
    op.drop_index('ix_step_records_application_id_step', table_name='step_records')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint('fk_public_comments_disposed_by_id_users', 'public_comments',
                           type_='foreignkey')
        op.drop_constraint('fk_applications_place_id_places', 'applications', type_='foreignkey')
    # SQLite >= 3.35 drops a column in place (its inline REFERENCES goes with it)
    op.drop_column('public_comments', 'disposed_by_id')
    op.drop_column('public_comments', 'disposed_at')
    op.drop_column('applications', 'place_id')
    for name, _type in reversed(APPLICATION_COLUMNS):
        op.drop_column('applications', name)
