"""name stories: the meaning, origin and photos of a name, and the heritage mark

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'name_stories',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('place_id', sa.Uuid(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('meaning', sa.Text(), nullable=False),
        sa.Column('origin', sa.Text(), nullable=False),
        sa.Column('sources', sa.Text(), nullable=False),
        sa.Column('heritage', sa.Boolean(), nullable=False),
        sa.Column('author_id', sa.Uuid(), nullable=True),
        sa.Column('reviewer_id', sa.Uuid(), nullable=True),
        sa.Column('review_note', sa.Text(), nullable=True),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['place_id'], ['places.id'],
                                name=op.f('fk_name_stories_place_id_places')),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'],
                                name=op.f('fk_name_stories_author_id_users')),
        sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'],
                                name=op.f('fk_name_stories_reviewer_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_name_stories')),
        sa.UniqueConstraint('place_id', name=op.f('uq_name_stories_place_id')),
    )
    op.create_index(op.f('ix_name_stories_status'), 'name_stories', ['status'])
    op.create_table(
        'story_photos',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('story_id', sa.Uuid(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('caption', sa.String(length=200), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['story_id'], ['name_stories.id'],
                                name=op.f('fk_story_photos_story_id_name_stories')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_story_photos')),
    )
    op.create_index(op.f('ix_story_photos_story_id'), 'story_photos', ['story_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_story_photos_story_id'), table_name='story_photos')
    op.drop_table('story_photos')
    op.drop_index(op.f('ix_name_stories_status'), table_name='name_stories')
    op.drop_table('name_stories')
