"""maps: register counters (the map version that names every vector tile)

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'register_counters',
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_register_counters')),
    )


def downgrade() -> None:
    op.drop_table('register_counters')
