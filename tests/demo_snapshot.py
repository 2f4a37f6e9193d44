"""The demo register loaded once, then copied: what makes a test's ``demo.load`` cheap.

About a hundred test sites load the demo register into their fresh database, at 3–5 s each on
a 2-core machine. The conftest's autouse fixture ``_demo_copied`` replaces
``placenames.ops.demo.loader.load`` for each database test with :func:`cached_load`:

- the first call (per backend, clock and ten minutes) runs the real loader on a scratch
  database of its own, commits (so the session hooks write the audit chain, the change feed
  and the map version as they always do) and reads back every row of every table;
- a call on an empty database then inserts those rows, table by table in dependency order, in
  the caller's transaction, sets PostgreSQL's serial sequences past them, and returns the
  counts the real load returned.

The real loader runs instead whenever the copy could differ from what it would write: a
database that is not empty (the loader then adds only what is missing), the procedure's
settings given (the demo applications and their files), an office lexicon installed. Tests of
the loader itself are marked ``real_demo_load``.
"""

from __future__ import annotations

import functools
import shutil
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from db_builders import empty_postgis, tables_with_rows  # tests/ is on sys.path
from sqlalchemy import Engine, Table, insert, select, text
from sqlalchemy.orm import Session

from placenames import migrate
from placenames.db import make_engine
from placenames.models import Base
from placenames.naming import lexicon
from placenames.naming.rules import Lexicons, load_lexicons

BUCKET_SECONDS = 600
"""A copy is remade every ten minutes: the demo's dates are those of the real load's clock."""

Rows = dict[str, list[dict[str, Any]]]
_snapshots: dict[tuple[Any, ...], tuple[Rows, dict[str, int]]] = {}
_scratch: dict[str, Engine] = {}


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _on_server(template: str, statement: str) -> None:
    """Run ``statement`` outside any transaction on the PostgreSQL server of ``template``."""
    base, _slash, _name = template.rpartition("/")
    server = make_engine(f"{base}/postgres").execution_options(isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(statement))
    server.dispose()


def scratch_engine(template: str, folder: Path) -> Engine:
    """An engine on an empty migrated database of its own, beside the tests' database."""
    if template in _scratch:
        return _scratch[template]
    if template.startswith("postgresql"):
        base, _slash, name = template.rpartition("/")
        scratch = f"{name}_demo_scratch"
        _on_server(template, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        _on_server(template, f'CREATE DATABASE "{scratch}"')
        engine = make_engine(f"{base}/{scratch}")
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        migrate.upgrade(engine)
    else:
        path = folder / "demo-scratch.db"
        shutil.copyfile(template, path)
        engine = make_engine(f"sqlite:///{path}")
    _scratch[template] = engine
    return engine


def drop_scratch() -> None:
    """Close the scratch engines (and drop PostgreSQL's scratch database)."""
    for template, engine in list(_scratch.items()):
        engine.dispose()
        if template.startswith("postgresql"):
            _on_server(template, f'DROP DATABASE IF EXISTS "{engine.url.database}" WITH (FORCE)')
        del _scratch[template]
    _snapshots.clear()


@functools.cache
def _default_lexicons() -> Lexicons:
    return load_lexicons(None)


def _default_lexicons_in_use(session: Session) -> bool:
    return (lexicon.active() is lexicon.default()
            and session.info.get("lexicons") == _default_lexicons())


def _snapshot(real_load: Callable[..., dict[str, int]], template: str, folder: Path,
              info: dict[str, Any], now: datetime | None) -> tuple[Rows, dict[str, int]]:
    engine = scratch_engine(template, folder)
    if engine.dialect.name == "sqlite":  # a fresh copy of the empty template each time
        engine.dispose()
        shutil.copyfile(template, engine.url.database)
    with Session(engine, info=dict(info), expire_on_commit=False) as session:
        counts = real_load(session, now)
        session.commit()
    rows: Rows = {}
    with engine.connect() as conn:
        for t in _tables():
            rows[t.name] = [dict(r._mapping) for r in conn.execute(select(t))]
    if engine.dialect.name == "postgresql":
        empty_postgis(engine.url.render_as_string(hide_password=False))
    return rows, counts


def cached_load(real_load: Callable[..., dict[str, int]], template: str, folder: Path
                ) -> Callable[..., dict[str, int]]:
    """``load`` as the demo loader's, copying the rows of one real load when it may."""

    def load(session: Session, now: datetime | None = None, *,
             procedure: Any = None) -> dict[str, int]:
        session.flush()
        conn = session.connection()
        if procedure is not None or not _default_lexicons_in_use(session) or \
                tables_with_rows(conn):
            return real_load(session, now, procedure=procedure)
        key = (template, now, int(time.time() // BUCKET_SECONDS) if now is None else 0)
        if key not in _snapshots:
            _snapshots[key] = _snapshot(real_load, template, folder, session.info, now)
        rows, counts = _snapshots[key]
        for t in _tables():
            if rows[t.name]:
                conn.execute(insert(t), rows[t.name])
        if conn.dialect.name == "postgresql":
            for t in _tables():
                column = t.autoincrement_column
                if column is not None and rows[t.name]:
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{t.name}', '{column.name}'), "
                        f"(SELECT max({column.name}) FROM {t.name}))"))
        return dict(counts)

    return load
