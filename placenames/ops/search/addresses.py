"""Find standard addresses: by code, by plate id, or by the parts of a written address.

A written address is read by the address parser (``placenames.addressing.parse``): the road is
found among the names (exactly, else by sound or one mistyped character), then its addresses
by number (B-tree index on road and number), then the building, unit and room given. The
jurisdiction written before the road (township, management area, county…) must agree with
the address's own path, or the match is only partial.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import spatial
from ...addressing.parse import parse_address
from ...models import Address, Plate
from ...models.addresses import AddressStatus
from ...models.search import SearchEntry
from ...search.query import Query, parse_query
from . import names
from .results import Hit


@dataclass
class AddressMatch:
    """An address found for a query, how well, which parts matched, and why not exact."""

    address: Address
    lon: float | None
    lat: float | None
    quality: str  # exact | partial
    score: float
    how: str
    matched: list[str] = field(default_factory=list)
    reason_code: str = "exact"


@dataclass(frozen=True)
class Wanted:
    """The parts of an address a query asks for."""

    road: str | None
    number: int | None
    number_prefix: str | None
    sub_number: int | None
    building: str | None
    unit: int | None
    room: str | None
    places: tuple[str, ...]  # jurisdiction names written before the road
    through_road: str = ""  # the text up to the end of the road, as written


def wanted(query: Query) -> Wanted | None:
    """The address parts in ``query``, or None when it names no road or number."""
    parsed = parse_address(query.text)
    p = parsed.parts
    prefix = None
    if p.road and p.number is None and parsed.unparsed and re.fullmatch(r"\d+",
                                                                       parsed.unparsed[-1]):
        prefix = parsed.unparsed[-1]
    if not p.road:
        return None
    places = _places(p)
    at = query.text.find(p.road)
    through = query.text[:at + len(p.road)] if at >= 0 else p.road
    return Wanted(p.road, p.number, prefix, p.sub_number, p.building, p.unit, p.room, places,
                  through)


def _places(p: Any) -> tuple[str, ...]:
    return tuple(x for x in (p.county, p.subarea, p.township, p.community) if x)


def _known_road(session: Session, want: Wanted) -> Wanted:
    """The written road as the longest name of the register that ends the text before the
    number: the parser takes 六村 or 新市 for places and leaves 堡路 or 坝巷 as the road, but
    六村堡路 and 新市坝巷 are names; what is left before the name is read again for places."""
    text = want.through_road
    suffixes = [text[i:] for i in range(len(text) - 1)]
    if not suffixes:
        return want
    known = session.scalars(select(SearchEntry.text).where(
        SearchEntry.text.in_(suffixes), SearchEntry.kind != "reading")).all()
    if not known:
        return want
    road = max(known, key=len)
    if road == want.road:
        return want
    before = text[: len(text) - len(road)]
    places = _places(parse_address(before).parts) if before else ()
    return replace(want, road=road, places=places)


def _point_columns() -> tuple[Any, Any]:
    return spatial.point_lon_lat(Address.entrance)


def _by_ids(session: Session, ids: list[uuid.UUID]) -> list[tuple[Address, Any, Any]]:
    if not ids:
        return []
    x, y = _point_columns()
    rows = session.execute(select(Address, x, y).where(Address.id.in_(ids)))
    return [(r[0], r[1], r[2]) for r in rows]


def by_code(session: Session, code: str) -> list[AddressMatch]:
    """The address with this code."""
    x, y = _point_columns()
    row = session.execute(select(Address, x, y).where(Address.code == code)).first()
    if row is None:
        return []
    return [AddressMatch(row[0], row[1], row[2], "exact", 1.0, "code", ["code"], "code")]


def by_plate(session: Session, plate_id: str) -> list[AddressMatch]:
    """The address a plate is on."""
    x, y = _point_columns()
    row = session.execute(select(Address, x, y).join(Plate, Plate.address_id == Address.id)
                          .where(Plate.plate_id == plate_id)).first()
    if row is None:
        return []
    return [AddressMatch(row[0], row[1], row[2], "exact", 1.0, "plate", ["plate"], "plate")]


ROAD_MEMO = "placenames.search.road_memo"
"""``session.info`` key: the road lookups remembered during a batch (:func:`remembering_roads`)."""


@contextmanager
def remembering_roads(session: Session) -> Iterator[None]:
    """Within the block, each written road is looked up among the names once: a batch of
    addresses (standardizing, a spreadsheet) names the same roads again and again, and the
    road's lookup is most of an address's cost (ten name queries of the fourteen)."""
    session.info[ROAD_MEMO] = {}
    try:
        yield
    finally:
        session.info.pop(ROAD_MEMO, None)


def _roads(session: Session, road: str) -> tuple[list[uuid.UUID], str]:
    """Places the written road may be: its exact name (or alias), else by sound or typo."""
    memo: dict[str, tuple[tuple[uuid.UUID, ...], str]] | None = session.info.get(ROAD_MEMO)
    if memo is not None and road in memo:
        ids, how = memo[road]
        return list(ids), how
    query = parse_query(road)
    found = names.ranked(session, query, names.Filters(), limit=5)
    exact = [c.place_id for c in found if c.tier == names.EXACT]
    if exact:
        ids, how = exact, "exact"
    else:
        ids, how = [c.place_id for c in found if c.tier in (names.SAME_SOUND, names.NEAR_MISS)
                    and c.length == len(query.text)][:3], "sound"
    if memo is not None:
        memo[road] = (tuple(ids), how)
    return ids, how


@dataclass
class Found:
    """What :func:`find` found: the matches, the reason code (why none, or how), and the
    parts asked for with the road as the register names it (None: not a written address)."""

    matches: list[AddressMatch]
    reason: str
    want: Wanted | None = None


def by_parts(session: Session, want: Wanted, limit: int = 10) -> Found:
    """Addresses matching the parts (the road read as :func:`_known_road` says); also why
    there are none (a reason code)."""
    if want.road is None:
        return Found([], "no_road", want)
    want = _known_road(session, want)
    road_ids, road_how = _roads(session, want.road)
    if not road_ids:
        return Found([], "road_not_found", want)
    x, y = _point_columns()
    stmt = (select(Address, x, y).where(Address.road_id.in_(road_ids))
            .where(Address.status == AddressStatus.ACTIVE))
    number_found = True
    if want.number is not None:
        rows = session.execute(stmt.where(Address.number == want.number).limit(500)).all()
        if not rows:
            number_found = False
            rows = _nearest_numbers(session, stmt, want.number)
    elif want.number_prefix is not None:
        rows = _numbers_starting(session, stmt, want.number_prefix)
    else:
        rows = session.execute(stmt.order_by(Address.number).limit(limit)).all()
    matches = [_judge(want, r[0], r[1], r[2], road_how, number_found) for r in rows]
    matches.sort(key=lambda m: (-m.score, m.address.number or 0, _depth(m.address),
                                m.address.full_text))
    return Found(matches[:limit], "exact" if matches else "number_not_found", want)


def _numbers_starting(session: Session, stmt: Any, prefix: str) -> list[Any]:
    n = int(prefix)
    ranges = [(n, n)] + [(n * 10 ** k, (n + 1) * 10 ** k - 1) for k in (1, 2, 3)]
    out: list[Any] = []
    for low, high in ranges:
        out.extend(session.execute(stmt.where(Address.number >= low, Address.number <= high)
                                   .order_by(Address.number).limit(20)).all())
        if len(out) >= 20:
            break
    return out


def _nearest_numbers(session: Session, stmt: Any, number: int) -> list[Any]:
    below = session.execute(stmt.where(Address.number < number)
                            .order_by(Address.number.desc()).limit(1)).all()
    above = session.execute(stmt.where(Address.number > number)
                            .order_by(Address.number).limit(1)).all()
    return sorted(below + above, key=lambda r: abs((r[0].number or 0) - number))[:1]


def _depth(a: Address) -> int:
    return sum(1 for v in (a.suffix, a.building, a.unit, a.room) if v)


def _judge(want: Wanted, a: Address, lon: Any, lat: Any, road_how: str,
           number_found: bool) -> AddressMatch:
    matched = ["road"]
    score = 1.0 if road_how == "exact" else 0.8
    reason = "exact" if road_how == "exact" else "road_by_sound"
    if want.number is not None:
        if number_found:
            matched.append("number")
        else:
            score -= 0.4
            reason = "number_not_found"
    elif want.number_prefix is not None:
        score -= 0.1 if str(a.number) != want.number_prefix else 0
        reason = "exact" if str(a.number) == want.number_prefix and reason == "exact" \
            else "incomplete"
    else:
        score -= 0.3
        reason = "no_number"
    for part, given, stored in (("sub_number", want.sub_number, a.suffix),
                                ("building", want.building, a.building),
                                ("unit", want.unit, a.unit), ("room", want.room, a.room)):
        if given is None:
            if stored:
                score -= 0.05  # a deeper address than asked for: after the one asked for
            continue
        if stored is not None and str(stored) == str(given):
            matched.append(part)
        else:
            score -= 0.2
            if reason == "exact":
                reason = f"{part}_differs"
    for place in want.places:
        if place in a.full_text or place.rstrip("区县市镇乡") in a.full_text:
            matched.append("jurisdiction")
        else:
            score -= 0.2
            if reason == "exact":
                reason = "jurisdiction_differs"
    quality = "exact" if reason == "exact" else "partial"
    return AddressMatch(a, lon, lat, quality, round(max(score, 0.05), 2), "address", matched,
                        reason)


def find(session: Session, query: Query, limit: int = 10) -> Found:
    """Addresses for a query: by code, plate id or parts; with the reason when none."""
    if query.code:
        found = by_code(session, query.code)
        if found:
            return Found(found, "code")
    if query.plate_id:
        found = by_plate(session, query.plate_id)
        if found:
            return Found(found, "plate")
    if not query.has_han:
        return Found([], "no_address_parts")
    want = wanted(query)
    if want is None:
        return Found([], "no_road")
    if want.number is None and want.number_prefix is None and not want.places \
            and not any(ch.isdigit() for ch in query.text):
        return Found([], "no_number", want)  # a road's name alone is a name, not an address
    return by_parts(session, want, limit)


def as_hit(m: AddressMatch) -> Hit:
    """An address match as a search result."""
    a = m.address
    text = a.full_text
    return Hit(kind="address", id=str(a.id), label=text, matched=m.how, score=m.score,
               spans=[], status=a.status, code=a.code,
               lon=float(m.lon) if m.lon is not None else None,
               lat=float(m.lat) if m.lat is not None else None)


def highlight(hit: Hit, want: Wanted | None) -> None:
    """Mark the road and number in an address label."""
    if want is None or not want.road:
        return
    at = hit.label.find(want.road)
    if at < 0:
        return
    end = at + len(want.road)
    number = re.match(r"\d+(?:-\d+)?号", hit.label[end:])
    if number:
        end += number.end()
    hit.spans = [(at, end)]
