"""procedure: who entered a panel opinion, and the date of the offline meeting it came from

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

FK_NAME = 'fk_panel_members_entered_by_id_users'


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite allows REFERENCES in ALTER TABLE ADD COLUMN (a NULL default is required)
        op.execute('ALTER TABLE panel_members ADD COLUMN entered_by_id CHAR(32) '
                   f'CONSTRAINT {FK_NAME} REFERENCES users (id)')
    else:
        op.add_column('panel_members', sa.Column('entered_by_id', sa.Uuid(), nullable=True))
        op.create_foreign_key(FK_NAME, 'panel_members', 'users', ['entered_by_id'], ['id'])
    op.add_column('panel_members', sa.Column('meeting_on', sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column('panel_members', 'meeting_on')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(FK_NAME, 'panel_members', type_='foreignkey')
    # SQLite >= 3.35 drops a column in place (its inline REFERENCES goes with it)
    op.drop_column('panel_members', 'entered_by_id')
