"""road-name signs: the units responsible for them, the signs, their photos; reports name a sign

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def _record_columns() -> list[sa.Column]:
    return [sa.Column('id', sa.Uuid(), nullable=False),
            sa.Column('version', sa.Integer(), nullable=False),
            sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table(
        'responsible_units',
        *_record_columns(),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('contact', sa.String(length=200), nullable=False),
        sa.Column('address', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_responsible_units')),
        sa.UniqueConstraint('name', name=op.f('uq_responsible_units_name')),
    )
    op.create_table(
        'signs',
        *_record_columns(),
        sa.Column('sign_id', sa.String(length=20), nullable=False),
        sa.Column('place_id', sa.Uuid(), nullable=False),
        sa.Column('unit_id', sa.Uuid(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('size', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('pending', sa.String(length=8), nullable=True),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('description', sa.String(length=200), nullable=False),
        sa.Column('cross_name', sa.String(length=60), nullable=True),
        sa.Column('geom', Geometry(geometry_type='POINT', srid=4490, dimension=2,
                                   spatial_index=False, from_text='ST_GeomFromEWKT',
                                   name='geometry'), nullable=True),
        sa.Column('bearing', sa.Float(), nullable=True),
        sa.Column('arrow', sa.String(length=8), nullable=True),
        sa.Column('near_number', sa.String(length=16), nullable=True),
        sa.Column('far_number', sa.String(length=16), nullable=True),
        sa.Column('recorded_on', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('ordered_on', sa.Date(), nullable=True),
        sa.Column('installed_on', sa.Date(), nullable=True),
        sa.Column('installer', sa.String(length=80), nullable=True),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.Column('replaced_by_id', sa.Uuid(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_signs_place_id_places')),
        sa.ForeignKeyConstraint(['unit_id'], ['responsible_units.id'],
                                name=op.f('fk_signs_unit_id_responsible_units')),
        sa.ForeignKeyConstraint(['replaced_by_id'], ['signs.id'],
                                name=op.f('fk_signs_replaced_by_id_signs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signs')),
        sa.UniqueConstraint('sign_id', name=op.f('uq_signs_sign_id')),
    )
    with op.batch_alter_table('signs', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_signs_geom', ['geom'], unique=False,
                                         postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_signs_place_id'), ['place_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signs_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signs_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_signs_due_on'), ['due_on'], unique=False)
    op.create_table(
        'sign_photos',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('sign_ref_id', sa.Uuid(), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('caption', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['sign_ref_id'], ['signs.id'],
                                name=op.f('fk_sign_photos_sign_ref_id_signs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_photos')),
    )
    op.create_index(op.f('ix_sign_photos_sign_ref_id'), 'sign_photos', ['sign_ref_id'])
    with op.batch_alter_table('plate_reports') as batch:
        batch.add_column(sa.Column('sign_ref_id', sa.Uuid(), nullable=True))
        batch.create_foreign_key(op.f('fk_plate_reports_sign_ref_id_signs'), 'signs',
                                 ['sign_ref_id'], ['id'])
        batch.create_index(op.f('ix_plate_reports_sign_ref_id'), ['sign_ref_id'])


def downgrade() -> None:
    with op.batch_alter_table('plate_reports') as batch:
        batch.drop_index(op.f('ix_plate_reports_sign_ref_id'))
        batch.drop_constraint(op.f('fk_plate_reports_sign_ref_id_signs'))
        batch.drop_column('sign_ref_id')
    op.drop_index(op.f('ix_sign_photos_sign_ref_id'), table_name='sign_photos')
    op.drop_table('sign_photos')
    with op.batch_alter_table('signs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signs_due_on'))
        batch_op.drop_index(batch_op.f('ix_signs_status'))
        batch_op.drop_index(batch_op.f('ix_signs_unit_id'))
        batch_op.drop_index(batch_op.f('ix_signs_place_id'))
        batch_op.drop_geospatial_index('idx_signs_geom', postgresql_using='gist',
                                       column_name='geom')
    op.drop_geospatial_table('signs')
    op.drop_table('responsible_units')
