"""search: the index of names, aliases and former names (pg_trgm on PostgreSQL, FTS5 trigram on
SQLite), and the index that finds an address by road and number

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

from placenames.models.search import entry_rows
from placenames.spatial import create_search_text_index, drop_search_text_index

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _c(length: int) -> sa.types.TypeEngine:
    return sa.String(length).with_variant(sa.String(length, collation='C'), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'search_entries',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('place_id', sa.Uuid(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('text', _c(60), nullable=False),
        sa.Column('text_rev', _c(60), nullable=False),
        sa.Column('tokens', sa.String(length=400), nullable=False),
        sa.Column('pinyin', _c(240), nullable=False),
        sa.Column('initials', _c(60), nullable=False),
        sa.Column('fuzzy', _c(240), nullable=False),
        sa.ForeignKeyConstraint(['place_id'], ['places.id'], ondelete='CASCADE',
                                name=op.f('fk_search_entries_place_id_places')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entries')),
    )
    for col in ('place_id', 'text', 'text_rev', 'pinyin', 'initials', 'fuzzy'):
        op.create_index(f'ix_search_entries_{col}', 'search_entries', [col])
    op.create_index('ix_addresses_road_id_number', 'addresses', ['road_id', 'number'])
    bind = op.get_bind()
    create_search_text_index(bind)
    _backfill(bind)


def _backfill(bind: sa.engine.Connection) -> None:
    places = sa.table('places', sa.column('id', sa.Uuid()), sa.column('name'),
                      sa.column('reading'), sa.column('status'))
    aliases = sa.table('place_aliases', sa.column('place_id', sa.Uuid()), sa.column('name'),
                       sa.column('kind'))
    entries = sa.table('search_entries', sa.column('place_id', sa.Uuid()), *(sa.column(c) for c in (
        'kind', 'status', 'text', 'text_rev', 'tokens', 'pinyin', 'initials', 'fuzzy')))
    by_place: dict = {}
    for row in bind.execute(sa.select(aliases.c.place_id, aliases.c.name, aliases.c.kind)):
        by_place.setdefault(row.place_id, []).append((row.name, row.kind))
    rows = []
    for p in bind.execute(sa.select(places.c.id, places.c.name, places.c.reading,
                                    places.c.status)):
        rows.extend(entry_rows(p.id, p.name, p.reading, by_place.get(p.id, []), p.status))
    if rows:
        bind.execute(entries.insert(), rows)


def downgrade() -> None:
    drop_search_text_index(op.get_bind())
    op.drop_index('ix_addresses_road_id_number', table_name='addresses')
    for col in ('place_id', 'text', 'text_rev', 'pinyin', 'initials', 'fuzzy'):
        op.drop_index(f'ix_search_entries_{col}', table_name='search_entries')
    op.drop_table('search_entries')
