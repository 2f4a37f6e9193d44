"""The search and the autocomplete: names and addresses for one query, grouped."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...search.query import QueryError, parse_query
from . import addresses, names
from .results import Hit, SearchResult

MAX_LIMIT = 50


def check_limit(limit: int) -> int:
    """Refuse a result count outside 1…:data:`MAX_LIMIT`."""
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError("bad_limit", f"limit 应在 1 到 {MAX_LIMIT} 之间。",
                         f"limit must be between 1 and {MAX_LIMIT}.")
    return limit


def check_near(near: tuple[float, float] | None) -> None:
    """Refuse a point outside lon/lat ranges (or not finite)."""
    if near is None:
        return
    lon, lat = near
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise QueryError("bad_point", "经纬度超出范围（经度 −180…180，纬度 −90…90）。",
                         "Coordinates out of range (longitude −180…180, latitude −90…90).")


def search(session: Session, q: str, *, cls: str | None = None, status: str | None = None,
           area: str | None = None, near: tuple[float, float] | None = None,
           limit: int = 20) -> SearchResult:
    """Names and addresses for ``q``, each group best first (see :mod:`.names` for ranking).

    Raises:
        QueryError: the query, the limit or ``near`` cannot be used.
    """
    query = parse_query(q)
    check_limit(limit)
    check_near(near)
    filters = names.Filters(cls=cls or None, status=status or None, area=area or None)
    result = SearchResult(query)
    found = addresses.find(session, query, limit=limit)
    want = found.want
    for m in found.matches:
        hit = addresses.as_hit(m)
        addresses.highlight(hit, want)
        result.addresses.append(hit)
    if found.reason not in ("code", "plate"):
        name_query = query
        if want is not None and want.road and result.addresses:
            name_query = parse_query(want.road)  # the road of an address, as a name
        result.names = names.hits(session, names.ranked(session, name_query, filters,
                                                        limit=limit, near=near))
    return result


def autocomplete(session: Session, q: str, *, limit: int = 8) -> list[Hit]:
    """Suggestions while typing: names by prefix of characters, pinyin or initials, and
    addresses once a road and the start of a number are typed."""
    query = parse_query(q)
    check_limit(limit)
    out: list[Hit] = []
    if query.has_han and any(ch.isdigit() for ch in query.text):
        found = addresses.find(session, query, limit=limit)
        for m in found.matches:
            hit = addresses.as_hit(m)
            addresses.highlight(hit, found.want)
            out.append(hit)
    elif query.code or query.plate_id:
        out.extend(addresses.as_hit(m) for m in addresses.find(session, query, limit=1).matches)
    if len(out) < limit:
        cands = names.ranked(session, query, names.Filters(), limit=limit - len(out),
                             quick=True)
        out.extend(names.hits(session, cands, with_bbox=False))
    return out
