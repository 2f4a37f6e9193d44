"""names: the matching keys in a narrow table of their own (place_keys)

A change of the keys' definition rewrites every name's keys; kept on the wide place row (its
geometry, its ten indexes) that rewrite cost a new version of each row and an entry in each of
its indexes. In ``place_keys`` it touches the keys and their four indexes only.

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

KEYS = ['key_pinyin', 'key_specific_pinyin', 'key_fuzzy', 'key_specific', 'key_initials',
        'key_core']
LENGTHS = {'key_pinyin': 240, 'key_specific_pinyin': 240, 'key_fuzzy': 240, 'key_specific': 60,
           'key_initials': 60, 'key_core': 60}
PLACE_INDEXES = [
    ('ix_places_key_specific_division', ['key_specific', 'division_code']),
    ('ix_places_key_specific_pinyin_division', ['key_specific_pinyin', 'division_code']),
    ('ix_places_key_fuzzy_division', ['key_fuzzy', 'division_code']),
    ('ix_places_key_core_division', ['key_core', 'division_code']),
]
KEY_INDEXES = [
    ('ix_place_keys_specific_division', ['key_specific', 'division_code']),
    ('ix_place_keys_specific_pinyin_division', ['key_specific_pinyin', 'division_code']),
    ('ix_place_keys_fuzzy_division', ['key_fuzzy', 'division_code']),
    ('ix_place_keys_core_division', ['key_core', 'division_code']),
]


def upgrade() -> None:
    op.create_table(
        'place_keys',
        sa.Column('place_id', sa.Uuid(), nullable=False),
        sa.Column('division_code', sa.String(length=20), nullable=True),
        *(sa.Column(k, sa.String(length=LENGTHS[k]), nullable=True) for k in KEYS),
        sa.ForeignKeyConstraint(['place_id'], ['places.id'],
                                name=op.f('fk_place_keys_place_id_places')),
        sa.PrimaryKeyConstraint('place_id', name=op.f('pk_place_keys')),
    )
    cols = ', '.join(KEYS)
    op.execute(f"INSERT INTO place_keys (place_id, division_code, {cols}) "
               f"SELECT id, division_code, {cols} FROM places")
    for name, columns in KEY_INDEXES:
        op.create_index(name, 'place_keys', columns, unique=False)
    for name, _columns in PLACE_INDEXES:
        op.drop_index(name, table_name='places')
    for k in KEYS:  # ALTER TABLE … DROP COLUMN on both (SQLite ≥ 3.35): no table rebuild
        op.drop_column('places', k)


def downgrade() -> None:
    for k in KEYS:
        op.add_column('places', sa.Column(k, sa.String(length=LENGTHS[k]), nullable=True))
    op.execute("UPDATE places SET " + ', '.join(
        f"{k} = (SELECT {k} FROM place_keys WHERE place_keys.place_id = places.id)"
        for k in KEYS))
    for name, columns in PLACE_INDEXES:
        op.create_index(name, 'places', columns, unique=False)
    op.drop_table('place_keys')
