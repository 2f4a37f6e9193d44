"""names engine: division names carry matching keys; the naming plan and its reserved names

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_KEYS = (('specific', 80), ('generic', 20), ('reading', 240), ('key_pinyin', 320),
         ('key_specific_pinyin', 320), ('key_fuzzy', 320), ('key_specific', 80),
         ('key_initials', 80), ('key_core', 80))
_INDEXES = (('ix_jurisdictions_key_specific_code', ['key_specific', 'code']),
            ('ix_jurisdictions_key_specific_pinyin_code', ['key_specific_pinyin', 'code']),
            ('ix_jurisdictions_key_fuzzy_code', ['key_fuzzy', 'code']),
            ('ix_jurisdictions_key_core_code', ['key_core', 'code']),
            ('ix_jurisdictions_level_code', ['level', 'code']))


def upgrade() -> None:
    # jurisdictions and places carry geometry: plain ADD COLUMN (SQLite can), no batch copy
    for name, size in _KEYS:
        op.add_column('jurisdictions', sa.Column(name, sa.String(length=size), nullable=True))
    for name, cols in _INDEXES:
        op.create_index(name, 'jurisdictions', cols)
    op.create_table(
        'naming_plans',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('title', sa.String(length=160), nullable=False),
        sa.Column('area_id', sa.Uuid(), nullable=False),
        sa.Column('period_start', sa.Integer(), nullable=False),
        sa.Column('period_end', sa.Integer(), nullable=False),
        sa.Column('themes', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('approving_body', sa.String(length=120), nullable=True),
        sa.Column('approval_doc_no', sa.String(length=80), nullable=True),
        sa.Column('approval_date', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['area_id'], ['jurisdictions.id'],
                                name=op.f('fk_naming_plans_area_id_jurisdictions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_naming_plans')),
        sa.UniqueConstraint('code', name=op.f('uq_naming_plans_code')),
    )
    op.create_index(op.f('ix_naming_plans_area_id'), 'naming_plans', ['area_id'])
    op.create_index(op.f('ix_naming_plans_status'), 'naming_plans', ['status'])
    op.create_table(
        'reserved_names',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('plan_id', sa.Uuid(), nullable=False),
        sa.Column('place_id', sa.Uuid(), nullable=False),
        sa.Column('theme', sa.String(length=60), nullable=True),
        sa.Column('reserved_on', sa.Date(), nullable=False),
        sa.Column('screen_history', sa.Text(), nullable=False),
        sa.Column('application_id', sa.Uuid(), nullable=True),
        sa.Column('released_on', sa.Date(), nullable=True),
        sa.Column('release_reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['plan_id'], ['naming_plans.id'],
                                name=op.f('fk_reserved_names_plan_id_naming_plans')),
        sa.ForeignKeyConstraint(['place_id'], ['places.id'],
                                name=op.f('fk_reserved_names_place_id_places')),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                                name=op.f('fk_reserved_names_application_id_applications')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reserved_names')),
        sa.UniqueConstraint('place_id', name=op.f('uq_reserved_names_place_id')),
    )
    op.create_index(op.f('ix_reserved_names_plan_id'), 'reserved_names', ['plan_id'])
    op.create_index(op.f('ix_reserved_names_application_id'), 'reserved_names',
                    ['application_id'])
    _fill_division_keys()


_BATCH = 2000


def _fill_division_keys() -> None:
    """Fill the names-engine columns of the divisions stored before this revision, a batch of
    rows at a time (keyset on the unique code), with the engine the ORM hook uses."""
    from placenames.naming.derived import DIVISION_COLUMNS, division_derived

    conn = op.get_bind()
    jur = sa.table('jurisdictions', sa.column('id', sa.Uuid()), sa.column('code', sa.String()),
                   sa.column('name', sa.String()), sa.column('level', sa.String()),
                   sa.column('reading', sa.String()),
                   *(sa.column(c, sa.String()) for c in DIVISION_COLUMNS))
    update = (jur.update().where(jur.c.id == sa.bindparam('b_id'))
              .values({c: sa.bindparam(f'b_{c}') for c in DIVISION_COLUMNS}))
    last = ''
    while True:
        rows = conn.execute(sa.select(jur.c.id, jur.c.code, jur.c.name, jur.c.level,
                                      jur.c.reading)
                            .where(jur.c.code > last).order_by(jur.c.code).limit(_BATCH)).all()
        if not rows:
            return
        conn.execute(update, [
            {'b_id': jid, **{f'b_{k}': v for k, v in division_derived(name, level, reading)
                             .items()}}
            for jid, _code, name, level, reading in rows])
        last = rows[-1].code


def downgrade() -> None:
    op.drop_index(op.f('ix_reserved_names_application_id'), table_name='reserved_names')
    op.drop_index(op.f('ix_reserved_names_plan_id'), table_name='reserved_names')
    op.drop_table('reserved_names')
    op.drop_index(op.f('ix_naming_plans_status'), table_name='naming_plans')
    op.drop_index(op.f('ix_naming_plans_area_id'), table_name='naming_plans')
    op.drop_table('naming_plans')
    for name, _cols in _INDEXES:
        op.drop_index(name, table_name='jurisdictions')
    for name, _size in reversed(_KEYS):
        op.drop_column('jurisdictions', name)  # SQLite >= 3.35 drops a column in place
