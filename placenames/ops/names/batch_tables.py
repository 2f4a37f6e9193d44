"""Per-connection temporary tables that a batch of the reindex fills, to write with one
statement what it would otherwise write row by row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, MetaData, Table, delete
from sqlalchemy.schema import CreateTable

from ... import spatial

_meta = MetaData()


def temp(name: str, *cols: Column[Any]) -> Table:
    """A per-connection table that each batch fills (PostgreSQL empties it at each commit)."""
    if name in _meta.tables:
        return _meta.tables[name]
    return Table(name, _meta, *cols, prefixes=["TEMPORARY"],
                 postgresql_on_commit="DELETE ROWS")


def fill(conn: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    """Create ``table`` on this connection if needed, empty it, copy ``rows`` in."""
    conn.execute(CreateTable(table, if_not_exists=True))
    if conn.dialect.name != "postgresql":  # PostgreSQL empties it at each commit
        conn.execute(delete(table))
    spatial.bulk_insert_rows(conn, table, rows)
