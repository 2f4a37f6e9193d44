"""Rebuild the names index from the register (after a bulk load, or to repair it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ... import spatial
from ...models import Alias, Place
from ...models.search import SearchEntry, entry_rows

CHUNK = 5000


def reindex(session: Session, *, progress: Callable[[int, int], None] | None = None) -> int:
    """Delete and rebuild every row of ``search_entries`` in the session's transaction (the
    caller commits); ``progress(done, total)`` after each chunk of places. Returns the rows
    written."""
    conn = session.connection()
    total = session.scalar(select(func.count()).select_from(Place)) or 0
    session.execute(delete(SearchEntry))
    aliases: dict[Any, list[tuple[str, str]]] = {}
    for place_id, name, kind in session.execute(select(Alias.place_id, Alias.name, Alias.kind)):
        aliases.setdefault(place_id, []).append((name, kind))
    written = done = 0
    rows: list[dict[str, Any]] = []
    stmt = select(Place.id, Place.name, Place.reading, Place.status).order_by(Place.id)
    for place_id, name, reading, status in session.execute(stmt.execution_options(yield_per=CHUNK)):
        rows.extend(entry_rows(place_id, name, reading, aliases.get(place_id, []), status))
        done += 1
        if len(rows) >= CHUNK:
            spatial.bulk_insert_rows(conn, SearchEntry.__table__, rows)  # type: ignore[arg-type]
            written += len(rows)
            rows = []
            if progress:
                progress(done, total)
    spatial.bulk_insert_rows(conn, SearchEntry.__table__, rows)  # type: ignore[arg-type]
    written += len(rows)
    if progress:
        progress(done, total)
    return written
