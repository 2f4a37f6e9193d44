"""Find names: candidates from the index by every reading of the query, ranked in Python.

Each strategy is one indexed query with a LIMIT (B-tree ranges for exact and prefix matches on
characters, pinyin, initials and the fuzzy key; the backend's trigram index for substrings
and near misses); the candidates are merged, the best match of each place kept, and ranked by
:func:`rank_key`: exact, then prefix, then in force, then nearer (with ``near``), then shorter.

The reserved names of naming plans (and the released ones) are not standard names and are
never found here: the public sees planned names on the plan pages and the map's planned
layer only (:mod:`placenames.ops.plans.published`).
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from ... import spatial
from ...models import Place, PlaceStatus
from ...models.places import HISTORICAL
from ...models.search import SearchEntry
from ...search.query import Query
from ...search.terms import token_spans
from ..registry.records import bbox as geojson_bbox
from .results import Hit

PER_STRATEGY = 60
"""Candidates fetched by one strategy (the best by in force, then length)."""
NOT_SEARCHED = (str(PlaceStatus.RESERVED), str(PlaceStatus.RELEASED))
"""Statuses of places that are not names of the register's search (planned or given up)."""

# tiers: lower is better; the label says how the name matched. NEAR_MISS: one character off
# or a near homophone; SHARED_TRIGRAMS: only some three-character runs in common
EXACT, SAME_SOUND, PREFIX, SUBSTRING, NEAR_MISS, SHARED_TRIGRAMS = 0, 1, 2, 3, 4, 5


@dataclass
class Candidate:
    """An index row that matched, how, and what to highlight."""

    entry_id: int
    place_id: uuid.UUID
    kind: str
    text: str
    tokens: str
    tier: int
    how: str
    spans: list[tuple[int, int]]
    in_force: bool
    status: str
    length: int
    distance_m: float | None = None


def upper_bound(prefix: str) -> str:
    """The smallest string greater than every string that starts with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _range(column: Any, prefix: str) -> Any:
    return and_(column >= prefix, column < upper_bound(prefix))


@dataclass(frozen=True)
class Filters:
    """Optional filters of a search: class, status and division code (prefix)."""

    cls: str | None = None
    status: str | None = None
    area: str | None = None


def _base(filters: Filters) -> Select[Any]:
    in_force = (SearchEntry.status == PlaceStatus.IN_FORCE)
    stmt = select(SearchEntry.id, SearchEntry.place_id, SearchEntry.kind, SearchEntry.text,
                  SearchEntry.tokens, SearchEntry.pinyin, SearchEntry.status
                  ).where(SearchEntry.status.not_in(NOT_SEARCHED))
    if filters.cls or filters.area:  # the place's own columns: only then a join
        stmt = stmt.join(Place, Place.id == SearchEntry.place_id)
    if filters.cls:
        stmt = stmt.where(Place.cls == filters.cls)
    if filters.status:
        stmt = stmt.where(SearchEntry.status == filters.status)
    if filters.area:
        stmt = stmt.where(_range(Place.division_code, filters.area))
    return stmt.order_by(in_force.desc(), func.length(SearchEntry.text), SearchEntry.text)


def _whole(text: str) -> list[tuple[int, int]]:
    return [(0, len(text))]


class _Collector:
    def __init__(self, session: Session, filters: Filters, per: int) -> None:
        self.session = session
        self.filters = filters
        self.per = per
        self.found: dict[int, Candidate] = {}

    def run(self, where: Any, tier: int, how: str, spans: Any) -> None:
        stmt = _base(self.filters).where(where).limit(self.per)
        for row in self.session.execute(stmt):
            old = self.found.get(row.id)
            if old is not None and old.tier <= tier:
                continue
            self.found[row.id] = Candidate(
                row.id, row.place_id, row.kind, row.text, row.tokens, tier, how,
                spans(row), row.status == PlaceStatus.IN_FORCE, row.status, len(row.text))


def _pinyin_spans(prefix_len: int) -> Any:
    return lambda row: [(0, token_spans(row.tokens, prefix_len))]


def _initial_spans(count: int) -> Any:
    return lambda row: [(0, min(count, len(row.text)))]


def _substring_spans(fragment: str) -> Any:
    def spans(row: Any) -> list[tuple[int, int]]:
        at = row.text.find(fragment)
        return [(at, at + len(fragment))] if at >= 0 else _whole(row.text)
    return spans


def _typo_patterns(text: str) -> list[tuple[Any, str]]:
    """For each position, (index condition, LIKE pattern) finding names equal to ``text``
    but for that one character, or starting so."""
    out = []
    for i in range(len(text)):
        pattern = _like_escape(text[:i]) + "_" + _like_escape(text[i + 1:]) + "%"
        if i >= 1:
            out.append((_range(SearchEntry.text, text[:i]), pattern))
        elif len(text) >= 3:
            rev = text[1:][::-1]
            out.append((_range(SearchEntry.text_rev, rev), "_" + _like_escape(text[1:])))
    return out


def _like_escape(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def collect(session: Session, query: Query, filters: Filters, *, quick: bool = False,
            per: int = PER_STRATEGY) -> dict[int, Candidate]:
    """Every candidate the index gives for ``query`` (``quick``: prefixes only, for
    autocomplete)."""
    c = _Collector(session, filters, per)
    bind = session.get_bind()
    text = query.text if query.has_han else ""
    han_only = "".join(ch for ch in text if not ch.isascii())
    own = SearchEntry.kind != "reading"  # text matches: the rows of other readings repeat it
    if text:
        c.run(own & (SearchEntry.text == text), EXACT, "exact", lambda r: _whole(r.text))
        c.run(own & _range(SearchEntry.text, text), PREFIX, "prefix",
              lambda r: [(0, len(text))])
        if not quick or len(text) >= 3:
            c.run(own & spatial.text_contains(SearchEntry.id, SearchEntry.text, text, bind),
                  SUBSTRING, "substring", _substring_spans(text))
    sylls = len(query.syllables)
    if query.pinyin and query.pinyin.isalnum():
        how = "pinyin" if not query.has_han else "homophone"
        c.run(SearchEntry.pinyin == query.pinyin, SAME_SOUND, how, lambda r: _whole(r.text))
        if not query.has_han or sylls >= 2:
            c.run(_range(SearchEntry.pinyin, query.pinyin), PREFIX if not query.has_han
                  else NEAR_MISS, how, _pinyin_spans(len(query.pinyin)))
    if query.latin:
        latin = query.latin
        c.run(SearchEntry.initials == latin, SAME_SOUND, "initials",
              lambda r: _whole(r.text))
        c.run(_range(SearchEntry.initials, latin), PREFIX, "initials",
              _initial_spans(len(latin)))
    if quick:
        return c.found
    fuzzy = query.fuzzy
    if fuzzy and (query.has_han and sylls >= 2 or not query.has_han and len(fuzzy) >= 4):
        c.run(SearchEntry.fuzzy == fuzzy, NEAR_MISS, "homophone", lambda r: _whole(r.text))
        if not query.has_han:
            c.run(_range(SearchEntry.fuzzy, fuzzy), NEAR_MISS, "homophone",
                  _pinyin_spans(len(fuzzy)))
    if len(han_only) == len(text) and len(text) >= 2:
        for where, pattern in _typo_patterns(text):
            c.run(and_(own, where, SearchEntry.text.like(pattern, escape="/")), NEAR_MISS, "typo",
                  lambda r: [(0, min(len(text), len(r.text)))])
    if len(text) >= 3 and len(c.found) < per:
        c.run(own & spatial.text_similar(SearchEntry.id, SearchEntry.text, text, bind),
              SHARED_TRIGRAMS,
              "typo", _substring_spans(text))
    return c.found


def _haversine(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * spatial.EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def rank_key(c: Candidate) -> tuple[Any, ...]:
    """Exact before prefix before the rest; then in force, nearer (100 m steps), shorter."""
    historical = c.status in HISTORICAL or c.kind == "former"
    near = round(c.distance_m / 100) if c.distance_m is not None else 0
    other = {"name": 0, "reading": 1}.get(c.kind, 2)
    return (c.tier, not c.in_force, historical, other, near, c.length, c.text)


def _add_distances(session: Session, cands: list[Candidate], near: tuple[float, float]) -> None:
    ids = list({c.place_id for c in cands})
    centre = func.ST_Centroid(Place.geom)
    where: dict[uuid.UUID, tuple[float, float]] = {}
    for row in session.execute(select(Place.id, func.ST_X(centre), func.ST_Y(centre))
                               .where(Place.id.in_(ids), Place.geom.is_not(None))):
        where[row[0]] = (row[1], row[2])
    for c in cands:
        point = where.get(c.place_id)
        if point is not None:
            c.distance_m = _haversine(near[0], near[1], point[0], point[1])


def best_per_place(found: dict[int, Candidate]) -> list[Candidate]:
    """One candidate per place: its best-ranked entry."""
    best: dict[uuid.UUID, Candidate] = {}
    for c in found.values():
        old = best.get(c.place_id)
        if old is None or rank_key(c) < rank_key(old):
            best[c.place_id] = c
    return list(best.values())


def ranked(session: Session, query: Query, filters: Filters, *, limit: int,
           near: tuple[float, float] | None = None, quick: bool = False) -> list[Candidate]:
    """The best ``limit`` candidates for ``query``, ranked."""
    cands = best_per_place(collect(session, query, filters, quick=quick))
    if near is not None and cands:
        _add_distances(session, cands, near)
    cands.sort(key=rank_key)
    return cands[:limit]


def _current(session: Session, place: Place) -> Place | None:
    seen = {place.id}
    current = place
    while current.renamed_to_id is not None and current.renamed_to_id not in seen:
        nxt = session.get(Place, current.renamed_to_id)
        if nxt is None:
            break
        seen.add(nxt.id)
        current = nxt
    return current if current is not place else None


SCORES = {EXACT: 1.0, SAME_SOUND: 0.9, PREFIX: 0.8, SUBSTRING: 0.6, NEAR_MISS: 0.5,
          SHARED_TRIGRAMS: 0.4}


def hits(session: Session, cands: list[Candidate], *, with_bbox: bool = True) -> list[Hit]:
    """Turn ranked candidates into results, with each place's record data."""
    if not cands:
        return []
    ids = [c.place_id for c in cands]
    places = {p.id: p for p in session.scalars(select(Place).where(Place.id.in_(ids)))}
    boxes: dict[uuid.UUID, list[float]] = {}
    if with_bbox:
        env = spatial.as_geojson(func.ST_Envelope(Place.geom))
        for pid, g in session.execute(select(Place.id, env).where(Place.id.in_(ids),
                                                                 Place.geom.is_not(None))):
            if g:
                boxes[pid] = geojson_bbox(json.loads(g))
    out = []
    for c in cands:
        place = places.get(c.place_id)
        if place is None:
            continue
        box = boxes.get(c.place_id)
        hit = Hit(kind="name", id=str(place.id), label=c.text, matched=c.how,
                  score=SCORES[c.tier], spans=c.spans, cls=place.cls, status=place.status,
                  romanization=place.romanization, bbox=box,
                  lon=(box[0] + box[2]) / 2 if box else None,
                  lat=(box[1] + box[3]) / 2 if box else None,
                  distance_m=round(c.distance_m, 1) if c.distance_m is not None else None)
        if c.kind in ("alias", "former"):
            hit.via, hit.via_kind = c.text, c.kind
            hit.current_id, hit.current_name = str(place.id), place.name
            hit.historical = c.kind == "former"
        if place.status in HISTORICAL:
            hit.historical = True
            current = _current(session, place)
            if current is not None:
                hit.current_id, hit.current_name = str(current.id), current.name
        out.append(hit)
    return out

