"""Test databases: which tables of the register hold rows, and emptying PostGIS after a test.

Shared by the conftest's per-test database, the module-wide apps of ``search_builders`` and the
demo copy of ``demo_snapshot``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, literal, literal_column, select, text, union_all

from placenames.db import make_engine
from placenames.models import Base


def tables_with_rows(conn: Any) -> list[str]:
    """The names of the register's tables that hold at least one row (one statement)."""
    probes = [select(literal_column(f"'{t.name}'")).where(exists(select(literal(1)).select_from(t)))
              for t in Base.metadata.sorted_tables]
    return list(conn.execute(union_all(*probes)).scalars())


def empty_postgis(url: str) -> None:
    """Empty the tables that hold rows (TRUNCATE costs about 2 ms a table, empty or not)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        names = ", ".join(f'"{name}"' for name in tables_with_rows(conn))
        if names:
            conn.execute(text(f"TRUNCATE {names} CASCADE"))
    engine.dispose()
