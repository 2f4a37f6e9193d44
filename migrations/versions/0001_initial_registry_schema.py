"""initial registry schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 10:57:35.713985
"""
from alembic import op
import sqlalchemy as sa
import geoalchemy2
from geoalchemy2 import Geometry

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_geospatial_table('jurisdictions',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('parent_id', sa.Uuid(), nullable=True),
    sa.Column('romanization', sa.String(length=120), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=80), nullable=True),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['jurisdictions.id'], name=op.f('fk_jurisdictions_parent_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jurisdictions')),
    sa.UniqueConstraint('code', name=op.f('uq_jurisdictions_code'))
    )
    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_jurisdictions_geom', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_jurisdictions_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_jurisdictions_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_jurisdictions_parent_id'), ['parent_id'], unique=False)

    op.create_table('print_batches',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('selection', sa.Text(), nullable=False),
    sa.Column('sheet', sa.String(length=8), nullable=False),
    sa.Column('size', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('plate_count', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_batches'))
    )
    op.create_table('record_history',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('entity_type', sa.String(length=24), nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('snapshot', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_history'))
    )
    with op.batch_alter_table('record_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_history_entity_id'), ['entity_id'], unique=False)

    op.create_geospatial_table('scopes',
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('classes', sa.String(length=200), nullable=False),
    sa.Column('radius_m', sa.Integer(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scopes')),
    sa.UniqueConstraint('name', name=op.f('uq_scopes_name'))
    )
    with op.batch_alter_table('scopes', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_scopes_geom', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})

    op.create_table('users',
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=True),
    sa.Column('roles', sa.String(length=200), nullable=False),
    sa.Column('organization', sa.String(length=120), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('token_hash', sa.String(length=128), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_users_token_hash')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('entity_type', sa.String(length=24), nullable=False),
    sa.Column('entity_id', sa.String(length=40), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('from_state', sa.String(length=24), nullable=True),
    sa.Column('to_state', sa.String(length=24), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_entity_id'), ['entity_id'], unique=False)

    op.create_table('experts',
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('specialties', sa.String(length=200), nullable=False),
    sa.Column('affiliation', sa.String(length=120), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_experts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experts')),
    sa.UniqueConstraint('user_id', name=op.f('uq_experts_user_id'))
    )
    op.create_table('management_memberships',
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['area_id'], ['jurisdictions.id'], name=op.f('fk_management_memberships_area_id_jurisdictions')),
    sa.ForeignKeyConstraint(['member_id'], ['jurisdictions.id'], name=op.f('fk_management_memberships_member_id_jurisdictions')),
    sa.PrimaryKeyConstraint('area_id', 'member_id', name=op.f('pk_management_memberships'))
    )
    with op.batch_alter_table('management_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_management_memberships_member_id'), ['member_id'], unique=False)

    op.create_geospatial_table('places',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('specific', sa.String(length=60), nullable=False),
    sa.Column('generic', sa.String(length=20), nullable=False),
    sa.Column('cls', sa.String(length=24), nullable=False),
    sa.Column('class_code', sa.String(length=12), nullable=True),
    sa.Column('romanization', sa.String(length=160), nullable=True),
    sa.Column('reading', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('jurisdiction_id', sa.Uuid(), nullable=True),
    sa.Column('location_desc', sa.Text(), nullable=True),
    sa.Column('start_desc', sa.String(length=200), nullable=True),
    sa.Column('end_desc', sa.String(length=200), nullable=True),
    sa.Column('length_m', sa.Float(), nullable=True),
    sa.Column('width_m', sa.Float(), nullable=True),
    sa.Column('geom', Geometry(srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('meaning', sa.Text(), nullable=True),
    sa.Column('history', sa.Text(), nullable=True),
    sa.Column('approving_body', sa.String(length=120), nullable=True),
    sa.Column('approval_doc_no', sa.String(length=80), nullable=True),
    sa.Column('approval_date', sa.Date(), nullable=True),
    sa.Column('renamed_from_id', sa.Uuid(), nullable=True),
    sa.Column('renamed_to_id', sa.Uuid(), nullable=True),
    sa.Column('status_changed_on', sa.Date(), nullable=True),
    sa.Column('key_pinyin', sa.String(length=240), nullable=True),
    sa.Column('key_specific_pinyin', sa.String(length=240), nullable=True),
    sa.Column('key_fuzzy', sa.String(length=240), nullable=True),
    sa.Column('key_specific', sa.String(length=60), nullable=True),
    sa.Column('key_initials', sa.String(length=60), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_places_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['renamed_from_id'], ['places.id'], name=op.f('fk_places_renamed_from_id_places')),
    sa.ForeignKeyConstraint(['renamed_to_id'], ['places.id'], name=op.f('fk_places_renamed_to_id_places')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_places'))
    )
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_places_geom', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_places_cls'), ['cls'], unique=False)
        batch_op.create_index(batch_op.f('ix_places_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_places_key_fuzzy'), ['key_fuzzy'], unique=False)
        batch_op.create_index(batch_op.f('ix_places_key_initials'), ['key_initials'], unique=False)
        batch_op.create_index(batch_op.f('ix_places_key_pinyin'), ['key_pinyin'], unique=False)
        batch_op.create_index(batch_op.f('ix_places_key_specific'), ['key_specific'], unique=False)
        batch_op.create_index(batch_op.f('ix_places_key_specific_pinyin'), ['key_specific_pinyin'], unique=False)
        batch_op.create_index(batch_op.f('ix_places_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_places_status'), ['status'], unique=False)

    op.create_table('scope_members',
    sa.Column('scope_id', sa.Uuid(), nullable=False),
    sa.Column('jurisdiction_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_scope_members_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['scope_id'], ['scopes.id'], name=op.f('fk_scope_members_scope_id_scopes')),
    sa.PrimaryKeyConstraint('scope_id', 'jurisdiction_id', name=op.f('pk_scope_members'))
    )
    with op.batch_alter_table('scope_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scope_members_jurisdiction_id'), ['jurisdiction_id'], unique=False)

    op.create_geospatial_table('addresses',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('jurisdiction_id', sa.Uuid(), nullable=False),
    sa.Column('road_id', sa.Uuid(), nullable=True),
    sa.Column('village_group', sa.String(length=16), nullable=True),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('suffix', sa.String(length=16), nullable=True),
    sa.Column('building', sa.String(length=24), nullable=True),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.Column('room', sa.String(length=16), nullable=True),
    sa.Column('full_text', sa.String(length=240), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('side', sa.String(length=8), nullable=True),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('entrance', Geometry(geometry_type='POINT', srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('road_point', Geometry(geometry_type='POINT', srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_addresses_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['road_id'], ['places.id'], name=op.f('fk_addresses_road_id_places')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_addresses')),
    sa.UniqueConstraint('code', name=op.f('uq_addresses_code'))
    )
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_addresses_entrance', ['entrance'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_geospatial_index('idx_addresses_road_point', ['road_point'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_addresses_full_text'), ['full_text'], unique=False)
        batch_op.create_index(batch_op.f('ix_addresses_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_addresses_road_id'), ['road_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_addresses_status'), ['status'], unique=False)

    op.create_geospatial_table('applications',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('applicant_id', sa.Uuid(), nullable=True),
    sa.Column('applicant_org', sa.String(length=120), nullable=True),
    sa.Column('cls', sa.String(length=24), nullable=False),
    sa.Column('jurisdiction_id', sa.Uuid(), nullable=True),
    sa.Column('target_place_id', sa.Uuid(), nullable=True),
    sa.Column('location_desc', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('geom', Geometry(srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('announce_due', sa.Date(), nullable=True),
    sa.Column('filing_due', sa.Date(), nullable=True),
    sa.Column('comment_opens', sa.DateTime(timezone=True), nullable=True),
    sa.Column('comment_closes', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name=op.f('fk_applications_applicant_id_users')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_applications_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['target_place_id'], ['places.id'], name=op.f('fk_applications_target_place_id_places')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_applications_geom', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_applications_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_state'), ['state'], unique=False)

    op.create_table('place_aliases',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('place_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('used_from', sa.Date(), nullable=True),
    sa.Column('used_until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_place_aliases_place_id_places')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place_aliases'))
    )
    with op.batch_alter_table('place_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_place_aliases_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_place_aliases_place_id'), ['place_id'], unique=False)

    op.create_table('candidate_names',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_candidate_names_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate_names'))
    )
    with op.batch_alter_table('candidate_names', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidate_names_application_id'), ['application_id'], unique=False)

    op.create_table('plates',
    sa.Column('plate_id', sa.String(length=20), nullable=False),
    sa.Column('address_id', sa.Uuid(), nullable=False),
    sa.Column('batch_id', sa.Uuid(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('size', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('installed_on', sa.Date(), nullable=True),
    sa.Column('installer', sa.String(length=80), nullable=True),
    sa.Column('photo_path', sa.String(length=200), nullable=True),
    sa.Column('replaced_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['address_id'], ['addresses.id'], name=op.f('fk_plates_address_id_addresses')),
    sa.ForeignKeyConstraint(['batch_id'], ['print_batches.id'], name=op.f('fk_plates_batch_id_print_batches')),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['plates.id'], name=op.f('fk_plates_replaced_by_id_plates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plates')),
    sa.UniqueConstraint('plate_id', name=op.f('uq_plates_plate_id'))
    )
    with op.batch_alter_table('plates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plates_address_id'), ['address_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plates_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plates_status'), ['status'], unique=False)

    op.create_table('public_comments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('author', sa.String(length=60), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('disposition', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_public_comments_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_comments'))
    )
    with op.batch_alter_table('public_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_comments_application_id'), ['application_id'], unique=False)

    op.create_table('step_records',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('step', sa.String(length=24), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_step_records_actor_id_users')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_step_records_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_step_records'))
    )
    with op.batch_alter_table('step_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_step_records_application_id'), ['application_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('step_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_step_records_application_id'))

    op.drop_table('step_records')
    with op.batch_alter_table('public_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_comments_application_id'))

    op.drop_table('public_comments')
    with op.batch_alter_table('plates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plates_status'))
        batch_op.drop_index(batch_op.f('ix_plates_batch_id'))
        batch_op.drop_index(batch_op.f('ix_plates_address_id'))

    op.drop_table('plates')
    with op.batch_alter_table('candidate_names', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidate_names_application_id'))

    op.drop_table('candidate_names')
    with op.batch_alter_table('place_aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_place_aliases_place_id'))
        batch_op.drop_index(batch_op.f('ix_place_aliases_name'))

    op.drop_table('place_aliases')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_state'))
        batch_op.drop_index(batch_op.f('ix_applications_applicant_id'))
        batch_op.drop_geospatial_index('idx_applications_geom', postgresql_using='gist', column_name='geom')

    op.drop_geospatial_table('applications')
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_addresses_status'))
        batch_op.drop_index(batch_op.f('ix_addresses_road_id'))
        batch_op.drop_index(batch_op.f('ix_addresses_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_addresses_full_text'))
        batch_op.drop_geospatial_index('idx_addresses_road_point', postgresql_using='gist', column_name='road_point')
        batch_op.drop_geospatial_index('idx_addresses_entrance', postgresql_using='gist', column_name='entrance')

    op.drop_geospatial_table('addresses')
    with op.batch_alter_table('scope_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scope_members_jurisdiction_id'))

    op.drop_table('scope_members')
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_places_status'))
        batch_op.drop_index(batch_op.f('ix_places_name'))
        batch_op.drop_index(batch_op.f('ix_places_key_specific_pinyin'))
        batch_op.drop_index(batch_op.f('ix_places_key_specific'))
        batch_op.drop_index(batch_op.f('ix_places_key_pinyin'))
        batch_op.drop_index(batch_op.f('ix_places_key_initials'))
        batch_op.drop_index(batch_op.f('ix_places_key_fuzzy'))
        batch_op.drop_index(batch_op.f('ix_places_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_places_cls'))
        batch_op.drop_geospatial_index('idx_places_geom', postgresql_using='gist', column_name='geom')

    op.drop_geospatial_table('places')
    with op.batch_alter_table('management_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_management_memberships_member_id'))

    op.drop_table('management_memberships')
    op.drop_table('experts')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_entity_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))

    op.drop_table('audit_events')
    op.drop_table('users')
    with op.batch_alter_table('scopes', schema=None) as batch_op:
        batch_op.drop_geospatial_index('idx_scopes_geom', postgresql_using='gist', column_name='geom')

    op.drop_geospatial_table('scopes')
    with op.batch_alter_table('record_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_history_entity_id'))

    op.drop_table('record_history')
    op.drop_table('print_batches')
    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jurisdictions_parent_id'))
        batch_op.drop_index(batch_op.f('ix_jurisdictions_name'))
        batch_op.drop_index(batch_op.f('ix_jurisdictions_level'))
        batch_op.drop_geospatial_index('idx_jurisdictions_geom', postgresql_using='gist', column_name='geom')

    op.drop_geospatial_table('jurisdictions')
