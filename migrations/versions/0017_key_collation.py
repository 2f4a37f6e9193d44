"""names: the matching keys and the syllable index compared byte by byte on PostgreSQL

The keys (pinyin, the 专名, syllables, division codes) are looked up by equality and code
range only. Under the database's locale (even ``C.UTF-8``) every comparison goes through
strcoll and PostgreSQL sorts without abbreviated keys; ``COLLATE "C"`` compares bytes: the same
order for these values, and an index of them is built about a third faster (the keys rebuild
makes every one anew). SQLite's default collation already compares bytes: nothing to do there.

Revision ID: 0017
Revises: 0016
"""
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

COLUMNS = {
    'place_keys': {'division_code': 20, 'key_pinyin': 240, 'key_specific_pinyin': 240,
                   'key_fuzzy': 240, 'key_specific': 60, 'key_initials': 60, 'key_core': 60},
    'place_syllables': {'syllable': 8, 'division_code': 20, 'specific_pinyin': 240},
}


def _collate(collation: str | None) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, columns in COLUMNS.items():
        # one ALTER TABLE a table: its indexes are rebuilt once
        op.execute(f'ALTER TABLE {table} ' + ', '.join(
            f'ALTER COLUMN {name} TYPE varchar({length})'
            + (f' COLLATE "{collation}"' if collation else ' COLLATE "default"')
            for name, length in columns.items()))


def upgrade() -> None:
    _collate('C')


def downgrade() -> None:
    _collate(None)

