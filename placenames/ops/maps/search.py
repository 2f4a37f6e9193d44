"""The map's search box: what :func:`placenames.ops.search.search` finds, shaped for the map.

Names carry their box (``bbox``) so the map can fly to them, addresses their ``point``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ...maps.layers import status_group
from ..search import QueryError, SearchResult, search

NOTHING_TO_SEARCH = ("empty", "no_words")
"""Refusals that simply find nothing in the map's box (an empty box, punctuation only)."""


def map_search(session: Session, q: str, limit: int = 10) -> list[dict[str, Any]]:
    """Names and addresses for ``q`` (characters, pinyin, initials, sound, an address, its
    code or plate id), best first in each group, as plain dicts.

    An empty query or one with nothing to search for finds nothing; any other refused query
    raises :class:`~placenames.search.query.QueryError`.
    """
    try:
        result = search(session, q, limit=limit)
    except QueryError as exc:
        if exc.code in NOTHING_TO_SEARCH:
            return []
        raise
    return map_hits(result)


def map_hits(result: SearchResult) -> list[dict[str, Any]]:
    """The map's list of a search result: ``kind`` name or address, ``name`` its label;
    names first, unless the query reads as an address, its code or a plate id."""
    names = [{"kind": "name", "id": h.id, "name": h.label, "cls": h.cls, "status": h.status,
              "group": status_group(h.status), "romanization": h.romanization,
              "bbox": h.bbox, "historical": h.historical, "current_id": h.current_id,
              "current_name": h.current_name} for h in result.names]
    addresses = [{"kind": "address", "id": h.id, "name": h.label, "code": h.code,
                  "point": [h.lon, h.lat] if h.lon is not None and h.lat is not None else None}
                 for h in result.addresses]
    q = result.query
    return addresses + names if q.looks_like_address or q.code or q.plate_id else \
        names + addresses
