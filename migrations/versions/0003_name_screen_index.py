"""names: division code and core key on places, composite key indexes, syllable index

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

OLD_INDEXES = ['ix_places_name', 'ix_places_key_pinyin', 'ix_places_key_specific_pinyin',
               'ix_places_key_fuzzy', 'ix_places_key_specific', 'ix_places_key_initials']
NEW_INDEXES = [
    ('ix_places_name_division', ['name', 'division_code']),
    ('ix_places_key_specific_division', ['key_specific', 'division_code']),
    ('ix_places_key_specific_pinyin_division', ['key_specific_pinyin', 'division_code']),
    ('ix_places_key_fuzzy_division', ['key_fuzzy', 'division_code']),
    ('ix_places_key_core_division', ['key_core', 'division_code']),
    ('ix_places_division_code', ['division_code']),
]


def upgrade() -> None:
    # plain ALTER TABLE ADD COLUMN and CREATE/DROP INDEX: no table rebuild on SQLite
    op.add_column('places', sa.Column('division_code', sa.String(length=20), nullable=True))
    op.add_column('places', sa.Column('key_core', sa.String(length=60), nullable=True))
    for name in OLD_INDEXES:
        op.drop_index(name, table_name='places')
    for name, cols in NEW_INDEXES:
        op.create_index(name, 'places', cols, unique=False)
    op.create_table(
        'place_syllables',
        sa.Column('place_id', sa.Uuid(), nullable=False),
        sa.Column('syllable', sa.String(length=8), nullable=False),
        sa.Column('division_code', sa.String(length=20), nullable=True),
        sa.Column('specific_pinyin', sa.String(length=240), nullable=True),
        sa.ForeignKeyConstraint(['place_id'], ['places.id'],
                                name=op.f('fk_place_syllables_place_id_places')),
        sa.PrimaryKeyConstraint('place_id', 'syllable', name=op.f('pk_place_syllables')),
    )
    op.create_index('ix_place_syllables_lookup', 'place_syllables',
                    ['syllable', 'division_code', 'specific_pinyin', 'place_id'], unique=False)
    _backfill()


def _backfill() -> None:
    """Fill the new keys and the syllable index of names stored before this revision."""
    from placenames.naming.duplicates import core_specific
    from placenames.naming.keys import index_terms, name_keys

    conn = op.get_bind()
    conn.execute(sa.text(
        "UPDATE places SET division_code = (SELECT code FROM jurisdictions "
        "WHERE jurisdictions.id = places.jurisdiction_id)"))
    places = sa.table('places', sa.column('id', sa.Uuid()), sa.column('name', sa.String()),
                      sa.column('cls', sa.String()), sa.column('reading', sa.String()),
                      sa.column('division_code', sa.String()), sa.column('key_core', sa.String()))
    syllables = sa.table('place_syllables', sa.column('place_id', sa.Uuid()),
                         sa.column('syllable', sa.String()), sa.column('division_code', sa.String()),
                         sa.column('specific_pinyin', sa.String()))
    rows = []
    for pid, name, cls, reading, code in conn.execute(sa.select(
            places.c.id, places.c.name, places.c.cls, places.c.reading, places.c.division_code)):
        keys = name_keys(name, cls, reading=reading)
        conn.execute(places.update().where(places.c.id == pid)
                     .values(key_core=core_specific(keys.specific)))
        rows.extend({'place_id': pid, 'syllable': syl, 'division_code': code,
                     'specific_pinyin': keys.specific_pinyin} for syl in index_terms(keys))
    if rows:
        conn.execute(syllables.insert(), rows)


def downgrade() -> None:
    op.drop_index('ix_place_syllables_lookup', table_name='place_syllables')
    op.drop_table('place_syllables')
    for name, _cols in NEW_INDEXES:
        op.drop_index(name, table_name='places')
    for name in OLD_INDEXES:
        op.create_index(name, 'places', [name.removeprefix('ix_places_')], unique=False)
    op.drop_column('places', 'key_core')  # SQLite ≥ 3.35 drops a column in place
    op.drop_column('places', 'division_code')
