"""Every difference between PostGIS and SpatiaLite (and PostgreSQL and SQLite), and nothing else.

The rest of the code base builds SQLAlchemy expressions through the functions here and never
branches on the dialect itself. Raw SQL strings live only here and in migrations.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    ForeignKeyConstraint,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    Uuid,
    cast,
    event,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
    type_coerce,
)
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex, CreateTable, DropTable
from sqlalchemy.sql.elements import ColumnElement, conv

SRID = 4490  # CGCS2000
EARTH_RADIUS_M = 6_371_008.8


def backend_name(bind: Engine | Connection) -> str:
    """Return ``"postgis"`` or ``"spatialite"`` for an engine or connection."""
    return "postgis" if bind.dialect.name == "postgresql" else "spatialite"


def key_text(length: int) -> Any:
    """The type of a matching-key column (pinyin keys, the 专名, syllables, division codes):
    a string compared byte by byte. SQLite's default collation already is; PostgreSQL gets
    ``COLLATE "C"``, whose comparisons are plain memcmp with abbreviated keys instead of the
    database locale's rules (even ``C.UTF-8`` goes through strcoll): the same order for these
    values, and building their indexes (a rebuild makes them anew) costs about a third less."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def is_sqlite_url(url: str) -> bool:
    """True when ``url`` names an SQLite (SpatiaLite) database."""
    return url.startswith("sqlite")


def sqlite_module() -> Any:
    """The sqlite3-compatible DB-API module that can load extensions (sqlean.py).

    SQLite loads extensions with ``RTLD_GLOBAL``, so once SpatiaLite is loaded, its PROJ and
    GEOS (Debian's) serve every library loaded after it. The pyproj and shapely wheels carry
    their own, newer PROJ and GEOS; loaded later, they would bind to Debian's symbols (pyproj
    then runs on the wrong PROJ, and both copies free the same C++ statics at exit: a crash
    when the process ends). Loading the wheels first keeps their copies to themselves.
    The same holds for pyogrio's GDAL, which carries its own SQLite and GEOS and exports their
    symbols: loaded after SpatiaLite, GDAL's GeoPackage driver runs on Debian's SQLite and
    crashes the process at its first write.
    """
    import pyogrio  # noqa: F401 - before SpatiaLite, see above
    import pyproj  # noqa: F401
    import shapely  # noqa: F401
    import sqlean

    return sqlean


def configure_sqlite(engine: Engine, library: str, busy_timeout_ms: int,
                     mmap_bytes: int = 256 << 20) -> None:
    """Make SQLite connections safe for concurrent writers and load SpatiaLite.

    WAL journal, ``synchronous=FULL``, foreign keys on, a busy timeout, and every transaction
    opened with ``BEGIN IMMEDIATE`` so that a writer takes the lock at its start instead of
    failing with "database is locked" when it upgrades a read lock. Only connections of a
    :func:`read_only` engine begin deferred.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        dbapi_conn.enable_load_extension(True)
        dbapi_conn.load_extension(library)
        dbapi_conn.enable_load_extension(False)
        dbapi_conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        dbapi_conn.execute("PRAGMA foreign_keys = ON")
        dbapi_conn.execute("PRAGMA journal_mode = WAL")
        dbapi_conn.execute("PRAGMA synchronous = FULL")
        # reads of a large register: map the file and keep a bigger page cache
        dbapi_conn.execute(f"PRAGMA mmap_size = {int(mmap_bytes)}")
        dbapi_conn.execute("PRAGMA cache_size = -32768")  # KiB: 32 MiB a connection
        has_meta = dbapi_conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'spatial_ref_sys'"
        ).fetchone()[0]
        if not has_meta:
            dbapi_conn.execute("SELECT InitSpatialMetaData(1)")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql("BEGIN DEFERRED" if mode == "DEFERRED" else "BEGIN IMMEDIATE")


def read_only(engine: Engine) -> Engine:
    """An engine view for read-only work (GET requests), which never writes.

    On SQLite its transactions start deferred, so readers never wait for the write lock and
    see one snapshot. On PostgreSQL each statement runs on its own (autocommit): under the
    default READ COMMITTED every statement takes a fresh snapshot anyway, so a read
    transaction only adds the BEGIN and ROLLBACK round trips, two thirds of a scan's wait.
    """
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_begin="DEFERRED")
    return engine.execution_options(isolation_level="AUTOCOMMIT")


class _UuidText(TypeDecorator[str]):
    """A UUID column read straight as its canonical text (``8-4-4-4-12``), without building a
    ``uuid.UUID`` to print it again: SQLite keeps the 32 hex digits (SQLAlchemy's ``Uuid``),
    PostgreSQL's driver gives a ``uuid.UUID``."""

    impl = Uuid
    cache_ok = True

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        """Dashes put into SQLite's hex digits; ``str`` of PostgreSQL's ``UUID``."""
        if dialect.name == "sqlite":
            def hex_text(v: str | None) -> str | None:
                if v is None:
                    return None
                return f"{v[:8]}-{v[8:12]}-{v[12:16]}-{v[16:20]}-{v[20:]}"
            return hex_text
        return lambda v: None if v is None else str(v)


def scan_order(bind: Engine | Connection, table: Table) -> ColumnElement[Any]:
    """The order to read a whole table in, stable from one run to the next and cheap.

    PostgreSQL: the primary key ``id`` (the server sorts or walks the index in its own
    process). SQLite: the ``rowid``, the order rows were stored in; a UUID key is a separate
    index there, and walking it reads the table's pages at random: four times the time of a
    million-row export.
    """
    if backend_name(bind) == "spatialite":
        return literal_column(f'"{table.name}".rowid')
    return table.c.id  # type: ignore[no-any-return]


def uuid_text(column: Any) -> ColumnElement[str]:
    """``column`` (a UUID) read as text, labelled with its key: for exports of a million rows,
    where each id is only ever written out."""
    return type_coerce(column, _UuidText()).label(column.key)


def snapshot_reads(engine: Engine) -> Engine:
    """An engine view whose transactions read one consistent snapshot and never write.

    For checks that read many tables and must not see a writer's commit half-way (``audit
    verify``): SQLite begins deferred (a WAL reader keeps its snapshot until the transaction
    ends and never takes the write lock); PostgreSQL runs REPEATABLE READ, read only.
    """
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_begin="DEFERRED")
    return engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)


@contextmanager
def foreign_keys_deferred_for_migration(conn: Connection) -> Iterator[None]:
    """On SQLite, switch foreign keys off around a migration (a batch migration rebuilds
    tables that others reference) and check every reference afterwards; no-op elsewhere."""
    if backend_name(conn) != "spatialite":
        yield
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys = OFF")  # outside any transaction, as SQLite requires
    try:
        yield
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"migration left broken references: {broken[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


def ensure_postgis(conn: Connection) -> None:
    """Create the PostGIS extension when it is missing (needs the right to do so)."""
    conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))


def bulk_insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows that all have the same keys and carry every value (no defaults).

    PostgreSQL: one COPY through the session's own psycopg connection (same transaction),
    some 30× faster than executemany; SQLite: the driver's executemany on values converted by
    the columns' own bind processors (the statement compiled once), twice as fast as Core's
    executemany, which builds and processes a parameter dict a row.
    """
    if not rows:
        return
    if backend_name(conn) != "postgis":
        _sqlite_insert_many(conn, table, rows)
        return
    cols = list(rows[0])
    quote = conn.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in cols)}) FROM STDIN"
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(sql) as copy:
        for row in rows:
            copy.write_row([row[c] for c in cols])


def _sqlite_insert_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    keys = list(rows[0])
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=keys)
    order = list(compiled.positiontup or ())
    if set(order) - set(keys):  # a column filled by a default the rows do not carry
        conn.execute(table.insert(), rows)
        return
    procs = [table.c[k].type.bind_processor(conn.dialect) for k in order]
    pairs = list(zip(order, procs, strict=True))
    data = [tuple(row[k] if p is None else p(row[k]) for k, p in pairs) for row in rows]
    conn.exec_driver_sql(compiled.string, data)


def _copy_text(rows: list[tuple[Any, ...]], width: int) -> str | None:
    """``rows`` in COPY's text format, when every value is a string that needs no escaping
    (the syllable rows of a rebuild: ids, syllables, codes, pinyin), a number or a flag
    (``str`` spells them as COPY reads them: 3, True), joined in one go at a third to half
    the cost of psycopg's ``write_row`` a row; None for anything else (a NULL, a tab, newline
    or backslash in a value), which ``write_row`` then formats."""
    try:
        data = "\n".join(map("\t".join, rows)) + "\n"
    except TypeError:  # numbers or flags (the versions of the keys rows), or a NULL
        if not all(type(v) in _COPY_SPELLED for v in rows[0]):
            return None
        data = "\n".join(["\t".join(map(str, row)) for row in rows]) + "\n"
        if "None" in data:  # a NULL (or the word, in a value: written the slow way)
            return None
    if "\\" in data or "\r" in data or data.count("\n") != len(rows) \
            or data.count("\t") != len(rows) * (width - 1):
        return None
    return data


_COPY_SPELLED = frozenset({str, int, bool})
"""The types whose ``str`` COPY's text format reads back as they were (and None, caught)."""


def load_shadow_rows(conn: Connection, shadow: Table, rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows``, tuples of every column of ``shadow`` in its order, into the shadow
    table (:func:`shadow_of`) of a rebuild, the least work a row: PostgreSQL copies them as
    they are (text ids are fine), and takes a row whose key is taken as well (a shadow has no
    keys while it is loaded: the caller removes such rows before indexing it); SQLite
    converts them with the columns' bind processors and leaves such a row out."""
    if not rows:
        return
    quote = conn.dialect.identifier_preparer.quote
    names = [c.name for c in shadow.columns]
    if backend_name(conn) == "postgis":
        raw = conn.connection.driver_connection
        assert raw is not None
        sql = (f"COPY {quote(shadow.name)} ({', '.join(quote(n) for n in names)}) "
               "FROM STDIN")
        data = _copy_text(rows, len(names))
        with raw.cursor() as cur, cur.copy(sql) as copy:
            if data is not None:
                copy.write(data)
            else:
                for row in rows:
                    copy.write_row(row)
        return
    procs = [c.type.bind_processor(conn.dialect) for c in shadow.columns]
    if any(procs):
        rows = [tuple(v if p is None else p(v) for v, p in zip(row, procs, strict=True))
                for row in rows]
    conn.exec_driver_sql(
        f"INSERT OR IGNORE INTO {quote(shadow.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join('?' for _ in names)})", rows)


def copy_into_shadow(conn: Connection, shadow: Table, columns: Sequence[str],
                     rows: Any) -> None:
    """Insert the rows the select ``rows`` gives into the ``columns`` of a rebuild's
    ``shadow``, as :func:`load_shadow_rows` does: PostgreSQL takes a row whose key is taken
    as well (the shadow has no keys while it is loaded); SQLite leaves such a row out."""
    stmt = insert(shadow).from_select(list(columns), rows)
    if backend_name(conn) != "postgis":
        stmt = stmt.prefix_with("OR IGNORE")
    conn.execute(stmt)


def checkpoint_wal(engine: Engine, wait_ms: int = 1000) -> bool:
    """SQLite: copy the write-ahead log into the database file and empty it. A long run of
    writes with overlapping readers never lets SQLite's automatic checkpoint reset the log,
    which then grows with every page written (18 GB for a rewrite of 1M names). Waits at most
    ``wait_ms`` for readers of older snapshots (writers wait meanwhile); True when the log
    was emptied, False when a reader kept it (try again later). Nothing on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as conn:  # the driver's own calls: no BEGIN around the pragmas
        raw = conn.connection.driver_connection
        assert raw is not None
        usual = raw.execute("PRAGMA busy_timeout").fetchone()[0]
        raw.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
        try:
            busy = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(usual)}")
    return not busy


def analyze(conn: Connection, tables: Sequence[Table]) -> None:
    """Refresh the planner's statistics of ``tables`` inside the current transaction, after a
    bulk load that changed them much (PostgreSQL; SQLite's planner needs none). Without them
    PostgreSQL guesses that ``key IN (…900 values…)`` matches most of a table never analyzed
    and scans all of it: an import that looks names up in the rows it just loaded slows
    down with every chunk."""
    if backend_name(conn) != "postgis":
        return
    quote = conn.dialect.identifier_preparer.quote
    for table in tables:
        conn.exec_driver_sql(f"ANALYZE {quote(table.name)}")


# ---- shadow tables: a derived table rebuilt whole, then swapped in -----------------------------

SHADOW_SUFFIX = "_rebuild"


def shadow_of(bind: Engine | Connection, table: Table, extra: Sequence[Column[Any]] = ()
              ) -> Table:
    """A table with the columns of ``table`` (and ``extra`` ones, dropped at the swap), named
    ``<name>_rebuild``, to be filled in bulk and then swapped in (:func:`swap_shadow`).

    SQLite cannot add keys to a table: the shadow has ``table``'s primary and foreign keys from
    the start, under ``table``'s constraint names (which SQLite keeps per table), and its other
    indexes are made when it is swapped in. PostgreSQL: columns only; :func:`shadow_indexing`
    adds the keys and indexes after the load (building an index once is far cheaper than
    keeping it up to date row by row), named ``<name>_rebuild`` until the swap."""
    columns = [Column(c.name, c.type, nullable=c.nullable) for c in table.columns]
    constraints: list[Any] = []
    if backend_name(bind) != "postgis":
        constraints.append(PrimaryKeyConstraint(*table.primary_key.columns.keys(),
                                                name=conv(str(table.primary_key.name))))
        constraints += [ForeignKeyConstraint(list(fk.column_keys),
                                             [e.column for e in fk.elements],
                                             name=conv(str(fk.name)))
                        for fk in table.foreign_key_constraints]
    return Table(table.name + SHADOW_SUFFIX, MetaData(), *columns,
                 *(Column(c.name, c.type) for c in extra), *constraints)


def create_shadow(conn: Connection, table: Table, extra: Sequence[Column[Any]] = ()) -> Table:
    """Create ``table``'s empty shadow (:func:`shadow_of`), dropping one a failed run left."""
    shadow = shadow_of(conn, table, extra)
    conn.execute(DropTable(shadow, if_exists=True))
    conn.execute(CreateTable(shadow))
    return shadow


def drop_shadow(conn: Connection, table: Table) -> None:
    """Drop ``table``'s shadow if there is one (a run that failed or was given up)."""
    conn.execute(DropTable(shadow_of(conn, table), if_exists=True))


@dataclass(frozen=True)
class ShadowIndexing:
    """The statements that give a loaded shadow the keys and indexes of its table
    (PostgreSQL; SQLite's shadows have their keys from the start, see :func:`shadow_of`), in
    three steps:

    * ``builds``: each index, the primary key's among them, built by a statement of its own
      (they may run side by side, each in a transaction of its own; run them with
      :func:`build_index`), the widest first;
    * ``constraints``: the primary key over its index and the foreign keys added unchecked
      (quick: run them in one transaction);
    * ``checks``: each foreign key checked, by a statement of its own (a check does not keep
      writers of the referenced table waiting).
    """

    builds: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()


def shadow_indexing(engine: Engine, table: Table, shadow: Table) -> ShadowIndexing:
    """What gives the loaded ``shadow`` the primary key, indexes and foreign keys of
    ``table``, named ``<name>_rebuild`` until the swap (:func:`swap_shadow`)."""
    if engine.dialect.name != "postgresql":
        return ShadowIndexing()
    quote = engine.dialect.identifier_preparer.quote
    name = quote(shadow.name)
    pk = table.primary_key
    pk_name = quote(str(pk.name) + SHADOW_SUFFIX)
    builds = [str(CreateIndex(Index(str(index.name) + SHADOW_SUFFIX,
                                    *(shadow.c[c.name] for c in index.columns)))
                  .compile(dialect=engine.dialect))
              for index in sorted(table.indexes, key=lambda i: -len(i.columns))]
    builds.append(f"CREATE UNIQUE INDEX {pk_name} ON {name} "
                  f"({', '.join(quote(c.name) for c in pk.columns)})")
    constraints = [f"ALTER TABLE {name} ADD CONSTRAINT {pk_name} PRIMARY KEY USING INDEX "
                   f"{pk_name}"]
    checks = []
    for fk in table.foreign_key_constraints:
        fk_name = quote(str(fk.name) + SHADOW_SUFFIX)
        target = fk.elements[0].column.table.name
        constraints.append(
            f"ALTER TABLE {name} ADD CONSTRAINT {fk_name} FOREIGN KEY "
            f"({', '.join(quote(c) for c in fk.column_keys)}) REFERENCES {quote(target)} "
            f"({', '.join(quote(e.column.name) for e in fk.elements)}) NOT VALID")
        checks.append(f"ALTER TABLE {name} VALIDATE CONSTRAINT {fk_name}")
    return ShadowIndexing(tuple(builds), tuple(constraints), tuple(checks))


def build_index(engine: Engine, statement: str) -> None:
    """Run one of :attr:`ShadowIndexing.builds` in a transaction of its own, with memory to
    sort in (more is slower: 3 GB sorted the 35M syllable rows of 10M names in 99 s, 512 MB
    in 79 s)."""
    _with_maintenance_memory(engine, statement, "512MB")


def check_constraint(engine: Engine, statement: str) -> None:
    """Run one of :attr:`ShadowIndexing.checks` in a transaction of its own. PostgreSQL checks
    a foreign key with a join whose work memory is ``maintenance_work_mem``: with 1 GB the
    ids of 10M names are hashed at once (20 s for the 33M syllable rows of 10M names with the
    default 64 MB, 11-17 s with it)."""
    _with_maintenance_memory(engine, statement, "1GB")


def _with_maintenance_memory(engine: Engine, statement: str, memory: str) -> None:
    """Run a PostgreSQL maintenance ``statement`` in a transaction of its own, with
    ``maintenance_work_mem`` at ``memory`` for it alone."""
    with engine.begin() as conn:
        conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{memory}'")
        conn.exec_driver_sql(statement)


@contextmanager
def whole_table_reads(engine: Engine) -> Iterator[Connection]:
    """A connection for reads that join two whole tables (a rebuild comparing its shadow with
    the live table), rolled back after. PostgreSQL plans them as hash joins of sequential
    scans with memory to hash in: its planner otherwise walks both primary keys in id order
    (a merge join, or a nested loop of lookups), reading the heaps at random: 26-36 s against
    6 s for the keys of 10M names. SQLite: a deferred read."""
    if engine.dialect.name == "sqlite":
        with read_only(engine).connect() as conn:
            yield conn
            conn.rollback()
        return
    with engine.connect() as conn:
        for setting in ("enable_mergejoin = off", "enable_nestloop = off", "work_mem = '256MB'"):
            conn.exec_driver_sql(f"SET LOCAL {setting}")
        yield conn
        conn.rollback()


def lock_for_swap(conn: Connection, tables: Sequence[Table], timeout_ms: int = 5000) -> None:
    """In the swap's transaction: keep writers of ``tables`` waiting until it ends (readers go
    on until the swap itself). PostgreSQL: an EXCLUSIVE lock, given up after ``timeout_ms``
    (the caller tries again); SQLite: the transaction's write lock already does it."""
    if backend_name(conn) != "postgis":
        return
    quote = conn.dialect.identifier_preparer.quote
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(timeout_ms)}")
    conn.exec_driver_sql(f"LOCK TABLE {', '.join(quote(t.name) for t in tables)} "
                         "IN EXCLUSIVE MODE")


def swap_shadow(conn: Connection, table: Table, shadow: Table) -> None:
    """In the caller's transaction: drop ``table`` and give its name to ``shadow``, with the
    constraint and index names of ``table`` (PostgreSQL renames them; SQLite makes the
    indexes here), so the schema is as the migrations left it."""
    quote = conn.dialect.identifier_preparer.quote
    for column in shadow.columns:
        if column.name not in table.columns:  # metadata only on PostgreSQL
            conn.exec_driver_sql(f"ALTER TABLE {quote(shadow.name)} DROP COLUMN "
                                 f"{quote(column.name)}")
    conn.execute(DropTable(table))
    conn.exec_driver_sql(f"ALTER TABLE {quote(shadow.name)} RENAME TO {quote(table.name)}")
    if backend_name(conn) != "postgis":
        for index in table.indexes:
            index.create(conn)
        return
    for constraint in (table.primary_key, *table.foreign_key_constraints):
        conn.exec_driver_sql(
            f"ALTER TABLE {quote(table.name)} RENAME CONSTRAINT "
            f"{quote(str(constraint.name) + SHADOW_SUFFIX)} TO {quote(str(constraint.name))}")
    for index in table.indexes:
        conn.exec_driver_sql(f"ALTER INDEX {quote(str(index.name) + SHADOW_SUFFIX)} "
                             f"RENAME TO {quote(str(index.name))}")


def geom_from_wkt(wkt: str) -> ColumnElement[Any]:
    """A geometry literal in CGCS2000 from WKT."""
    return func.ST_GeomFromText(literal(wkt), SRID)


def point(lon: float, lat: float) -> ColumnElement[Any]:
    """A CGCS2000 point expression."""
    return func.ST_GeomFromText(literal(f"POINT({lon!r} {lat!r})"), SRID)


def distance_m(a: Any, b: Any, bind: Engine | Connection) -> ColumnElement[float]:
    """Distance in metres between two geometries on the ellipsoid."""
    if backend_name(bind) == "postgis":
        return func.ST_Distance(func.geography(a), func.geography(b))
    return func.ST_Distance(a, b, 1)


def degree_box(lon: float, lat: float, metres: float) -> tuple[float, float, float, float]:
    """A lon/lat box that contains the circle of ``metres`` around (lon, lat)."""
    dlat = math.degrees(metres / EARTH_RADIUS_M)
    coslat = max(math.cos(math.radians(lat)), 1e-6)
    dlon = min(180.0, dlat / coslat)
    return (lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def within_m(column: Any, lon: float, lat: float, metres: float,
             bind: Engine | Connection) -> ColumnElement[bool]:
    """Rows whose geometry lies within ``metres`` of the point, using the spatial index."""
    here = point(lon, lat)
    if backend_name(bind) == "postgis":
        return func.ST_DWithin(func.geography(column), func.geography(here), metres)
    minx, miny, maxx, maxy = degree_box(lon, lat, metres)
    table = column.table.name
    col = column.name
    in_index = text(
        f"{table}.ROWID IN (SELECT ROWID FROM SpatialIndex WHERE f_table_name = '{table}' "
        f"AND f_geometry_column = '{col}' AND search_frame = BuildMbr(:minx, :miny, :maxx, :maxy))"
    ).bindparams(minx=minx, miny=miny, maxx=maxx, maxy=maxy)
    return in_index & (func.ST_Distance(column, here, 1) <= metres)  # type: ignore[return-value]


def as_geojson(column: Any) -> ColumnElement[str]:
    """GeoJSON text of a geometry column (both backends name it the same)."""
    return func.ST_AsGeoJSON(column)


SEARCH_FTS = "search_entries_fts"
SEARCH_TRGM = "ix_search_entries_text_trgm"


def create_search_text_index(conn: Connection) -> None:
    """The text index on ``search_entries.text`` that finds a substring of 3+ characters.

    PostgreSQL: a pg_trgm GIN index (``LIKE '%q%'`` and the similarity operator ``%`` use
    it). SQLite: an FTS5 table with the trigram tokenizer whose content is the table itself,
    kept in step by triggers in the writing transaction.
    """
    if backend_name(conn) == "postgis":
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        conn.execute(text(f"CREATE INDEX {SEARCH_TRGM} ON search_entries "
                          "USING gin (text gin_trgm_ops)"))
        return
    fts = SEARCH_FTS
    for sql in (
        f"CREATE VIRTUAL TABLE {fts} USING fts5(text, content='search_entries', "
        "content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON search_entries BEGIN "
        f"INSERT INTO {fts}(rowid, text) VALUES (new.id, new.text); END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON search_entries BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, text) VALUES ('delete', old.id, old.text); END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE ON search_entries BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, text) VALUES ('delete', old.id, old.text); "
        f"INSERT INTO {fts}(rowid, text) VALUES (new.id, new.text); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ):
        conn.execute(text(sql))


def drop_search_text_index(conn: Connection) -> None:
    """Undo :func:`create_search_text_index`."""
    if backend_name(conn) == "postgis":
        conn.execute(text(f"DROP INDEX IF EXISTS {SEARCH_TRGM}"))
        return
    for trigger in ("ai", "ad", "au"):
        conn.execute(text(f"DROP TRIGGER IF EXISTS {SEARCH_FTS}_{trigger}"))
    conn.execute(text(f"DROP TABLE IF EXISTS {SEARCH_FTS}"))


def rebuild_search_text_index(conn: Connection) -> None:
    """Rebuild the text index from the table (after a bulk load that bypassed it)."""
    if backend_name(conn) == "postgis":
        conn.execute(text(f"REINDEX INDEX {SEARCH_TRGM}"))
    else:
        conn.execute(text(f"INSERT INTO {SEARCH_FTS}({SEARCH_FTS}) VALUES ('rebuild')"))


def search_text_index_object(name: str) -> bool:
    """True for the backend-only objects of the text index (not in the models)."""
    return name.startswith(SEARCH_FTS) or name == SEARCH_TRGM


def _fts_phrase(fragment: str) -> str:
    return '"' + fragment.replace('"', '""') + '"'


def text_contains(entry_id: Any, text_column: Any, fragment: str,
                  bind: Engine | Connection) -> ColumnElement[bool]:
    """Index rows whose text contains ``fragment`` (bound, never spliced into SQL).

    Three characters or more use the text index on both backends; shorter fragments scan.
    """
    if len(fragment) >= 3 and backend_name(bind) == "spatialite":
        sub = select(literal_column("rowid")).select_from(text(SEARCH_FTS)).where(
            literal_column(SEARCH_FTS).op("MATCH")(literal(_fts_phrase(fragment))))
        return entry_id.in_(sub)  # type: ignore[no-any-return]
    return text_column.contains(fragment, autoescape=True)  # type: ignore[no-any-return]


def text_similar(entry_id: Any, text_column: Any, fragment: str,
                 bind: Engine | Connection) -> ColumnElement[bool]:
    """Index rows whose text shares trigrams with ``fragment`` (3+ characters): pg_trgm's
    similarity operator on PostgreSQL; on SQLite, any of its trigrams in the FTS5 table.
    The caller scores the candidates (rapidfuzz) and keeps the best."""
    if backend_name(bind) == "postgis":
        return text_column.op("%")(literal(fragment))  # type: ignore[no-any-return]
    grams = {fragment[i:i + 3] for i in range(len(fragment) - 2)}
    query = " OR ".join(_fts_phrase(g) for g in sorted(grams))
    sub = select(literal_column("rowid")).select_from(text(SEARCH_FTS)).where(
        literal_column(SEARCH_FTS).op("MATCH")(literal(query)))
    return entry_id.in_(sub)  # type: ignore[no-any-return]


def spatialite_internal_table(name: str) -> bool:
    """True for SpatiaLite's own bookkeeping tables (left out of schema comparisons)."""
    prefixes = ("idx_", "spatial_ref_sys", "geometry_columns", "views_geometry",
                "virts_geometry", "spatialite_history", "sql_statements_log", "SpatialIndex",
                "ElementaryGeometries", "KNN", "data_licenses", "vector_layers",
                "geom_cols_ref_sys", "sqlite_", "spatial_ref_sys_aux", "raster_", "wms_",
                "rl2map_", "SE_", "se_", "topologies", "networks", "stored_", "sqlean_")
    return name.startswith(prefixes)


def point_lon_lat(column: Any) -> tuple[ColumnElement[float], ColumnElement[float]]:
    """Longitude and latitude of a point column (both backends name them ST_X and ST_Y)."""
    return func.ST_X(column), func.ST_Y(column)


def ewkt_point(lon: float, lat: float) -> str:
    """A CGCS2000 point as EWKT, the value form GeoAlchemy2 binds on both backends."""
    return f"SRID={SRID};POINT({lon!r} {lat!r})"


def intersects_box(column: Any, box: tuple[float, float, float, float],
                   bind: Engine | Connection) -> ColumnElement[bool]:
    """Rows whose geometry's bounding box meets a lon/lat box, using the spatial index."""
    minx, miny, maxx, maxy = box
    if backend_name(bind) == "postgis":
        return column.op("&&")(func.ST_MakeEnvelope(minx, miny, maxx, maxy, SRID))  # type: ignore[no-any-return]
    table = column.table.name
    col = column.name
    return text(  # type: ignore[return-value]
        f"{table}.ROWID IN (SELECT ROWID FROM SpatialIndex WHERE f_table_name = '{table}' "
        f"AND f_geometry_column = '{col}' AND search_frame = BuildMbr(:minx, :miny, :maxx, :maxy))"
    ).bindparams(minx=minx, miny=miny, maxx=maxx, maxy=maxy)


def box_geometry(box: tuple[float, float, float, float],
                 bind: Engine | Connection) -> ColumnElement[Any]:
    """A lon/lat box as a CGCS2000 geometry: a polygon, or the point or line it shrinks to
    when it has no width or height (an envelope of no area is an invalid polygon, which
    PostGIS finds meeting nothing)."""
    minx, miny, maxx, maxy = box
    if minx == maxx and miny == maxy:
        wkt = f"POINT({minx!r} {miny!r})"
    elif minx == maxx or miny == maxy:
        wkt = f"LINESTRING({minx!r} {miny!r}, {maxx!r} {maxy!r})"
    elif backend_name(bind) == "postgis":
        return func.ST_MakeEnvelope(minx, miny, maxx, maxy, SRID)
    else:
        return func.BuildMbr(minx, miny, maxx, maxy, SRID)
    return geom_from_wkt(wkt)


def meets_box(column: Any, box: tuple[float, float, float, float],
              bind: Engine | Connection) -> ColumnElement[bool]:
    """Rows whose geometry itself meets a lon/lat box (a road whose bounding box meets it but
    which passes beside it is left out): the index finds candidates, ST_Intersects decides."""
    return intersects_box(column, box, bind) & func.ST_Intersects(  # type: ignore[return-value]
        column, box_geometry(box, bind))


def extent_aggregates(column: Any, bind: Engine | Connection) -> list[ColumnElement[float]]:
    """Aggregates giving the lon/lat bounding box of a geometry column over the rows selected:
    min x, min y, max x, max y (NULL when no row has a geometry)."""
    if backend_name(bind) == "postgis":
        xmin, ymin, xmax, ymax = func.ST_XMin, func.ST_YMin, func.ST_XMax, func.ST_YMax
    else:
        xmin, ymin, xmax, ymax = func.ST_MinX, func.ST_MinY, func.ST_MaxX, func.ST_MaxY
    return [func.min(xmin(column)), func.min(ymin(column)),
            func.max(xmax(column)), func.max(ymax(column))]


def uuid_feature_id(column: Any) -> ColumnElement[int]:
    """PostgreSQL: the top 52 bits of a UUID column as a bigint (see maps.layers.feature_id)."""
    from sqlalchemy.dialects.postgresql import BIT

    hexpart = func.substr(func.replace(cast(column, Text), "-", ""), 1, 13)
    return cast(cast(literal("x") + hexpart, BIT(52)), BigInteger)


def postgis_mvt(conn: Connection, layer: str, rows: Any, z: int, x: int, y: int,
                tolerance_m: float, extent: int, buffer: int) -> bytes:
    """Encode a vector tile in the database with ``ST_AsMVT`` (PostGIS only).

    ``rows`` is a subquery with columns ``fid`` (bigint), ``geom`` (CGCS2000) and the
    attributes; geometries are moved to Web Mercator, simplified by ``tolerance_m``, clipped to
    the tile grown by ``buffer`` units and quantized to ``extent``.
    """
    envelope = func.ST_TileEnvelope(z, x, y)
    merc = func.ST_Transform(rows.c.geom, 3857)
    if tolerance_m > 0:
        merc = func.ST_Simplify(merc, tolerance_m, True)
    attrs = [c for c in rows.c if c.key != "geom"]
    inner = select(*attrs, func.ST_AsMVTGeom(merc, envelope, extent, buffer, True)
                   .label("geom")).subquery("q")
    stmt = (select(func.ST_AsMVT(literal_column("q"), layer, extent, "geom", "fid"))
            .select_from(inner).where(inner.c.geom.is_not(None)))
    data = conn.execute(stmt).scalar()
    return bytes(data) if data is not None else b""


def bump_counter(conn: Connection, table: Table, key: str) -> None:
    """Add one to the counter row ``key`` of ``table`` (columns key, value), creating it at 1."""
    if backend_name(conn) == "postgis":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    stmt = upsert(table).values(key=key, value=1)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.key],
                                      set_={"value": table.c.value + 1})
    conn.execute(stmt)


SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# what a database with PostGIS already has: left out of a restore
_PG_PRESENT = ("EXTENSION - postgis", "COMMENT - EXTENSION postgis",
               "TABLE DATA public spatial_ref_sys")


def _libpq_url(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def backup_to(engine: Engine, path: str) -> None:
    """A consistent copy of the whole database in ``path``, taken while the app runs.

    SQLite: the online backup API (a file that is itself a SpatiaLite database).
    PostgreSQL: ``pg_dump`` in its custom format.
    Neither keeps the shadow tables of a keys rebuild under way (:func:`shadow_of`): they are
    not the register, and the next rebuild would drop them.
    """
    import subprocess

    if backend_name(engine) == "postgis":
        subprocess.run(["pg_dump", "--format=custom", "--no-owner",
                        f"--exclude-table=*{SHADOW_SUFFIX}", f"--file={path}",
                        _libpq_url(engine)], check=True, capture_output=True, text=True)
        return
    target = sqlite_module().connect(path)
    raw = engine.raw_connection()
    try:
        raw.driver_connection.backup(target)  # type: ignore[union-attr]
        shadows = [row[0] for row in target.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '\\'",
            ("%" + SHADOW_SUFFIX.replace("_", "\\_"),))]
        for name in shadows:
            target.execute(f'DROP TABLE "{name}"')
        target.commit()
    finally:
        raw.close()
        target.close()


def restore_from(engine: Engine, path: str) -> None:
    """Load the backup ``path`` into the (empty) database of ``engine``; see :func:`backup_to`."""
    import subprocess
    import tempfile

    with open(path, "rb") as f:
        magic = f.read(16)
    if backend_name(engine) == "postgis":
        if not magic.startswith(PG_DUMP_MAGIC):
            raise ValueError("not a PostgreSQL backup (pg_dump custom format)")
        toc = subprocess.run(["pg_restore", "--list", path], check=True, capture_output=True,
                             text=True).stdout
        keep = [line for line in toc.splitlines() if not any(p in line for p in _PG_PRESENT)]
        with tempfile.NamedTemporaryFile("w", suffix=".list") as listing:
            listing.write("\n".join(keep) + "\n")
            listing.flush()
            subprocess.run(["pg_restore", "--no-owner", "--exit-on-error",
                            f"--use-list={listing.name}", f"--dbname={_libpq_url(engine)}", path],
                           check=True, capture_output=True, text=True)
        return
    if magic != SQLITE_MAGIC:
        raise ValueError("not an SQLite backup")
    source = sqlite_module().connect(path)
    raw = engine.raw_connection()
    try:
        source.backup(raw.driver_connection)
    finally:
        raw.close()
        source.close()
