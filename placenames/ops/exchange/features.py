"""OGC API – Features over the register: its collections, the query of an items request, and
the pages it answers (no Flask here; :mod:`placenames.web.ogc` serves them at ``/ogc``).

Three collections of public data, each feature one record of :mod:`.records` (the same
representation as the API, the feed and the files), its ``id`` the record's UUID:

- ``names``: current names (not renamed or cancelled), lines and points;
- ``addresses``: active addresses at their entrance point;
- ``plates``: plates that still stand for an active address, at its entrance, without the
  secret ``plate_id`` of their QR code.

Coordinates are CGCS2000 (EPSG:4490) longitude/latitude, given as they are stored: the
standard's default CRS84 (WGS 84) and CGCS2000 differ by centimetres, below what the register
records, so no transformation is made.

Paging. ``limit`` and ``offset`` are what the standard names. An offset makes the database
step over every earlier row, so a ``next`` link carries, besides the new offset, a cursor
(``after``: the id of the page's last feature) and the page is read from the primary key index
at the cost of the first page, however deep the client walks (GDAL and QGIS follow ``next``
links). ``numberMatched`` is counted on requests without a cursor, and not even then when the
page shows it (a page that is not full: the offset plus what it holds); pages reached by a
cursor leave it out, as the standard allows, so walking a million addresses counts them once.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import FromClause, Join, Select, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import find_tables

from ... import spatial
from ...errors import BadInput, NotFound
from ...models.versions import map_version
from . import records

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CRS84_ALIASES = frozenset({CRS84, "http://www.opengis.net/def/crs/OGC/0/CRS84",
                           "[OGC:CRS84]", "OGC:CRS84"})
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
"""A larger ``limit`` is served as this one (the standard's advice: no error)."""

MAX_OFFSET = 100_000
"""The largest ``offset`` served without a cursor: the database steps over every skipped row
(a million addresses: 0.7 s at 100,000 on PostGIS, 2.2 s at 500,000; SQLite 1.2 s and 2.4 s).
Clients walk further by the ``next`` links, which carry a cursor and cost the same at any
depth."""

COMMON_PARAMETERS = ("bbox", "limit", "offset", "datetime", "after", "f", "crs", "bbox-crs")
"""Query parameters of every items request (``crs``/``bbox-crs`` accept CRS84 only)."""

FORMATS = ("json", "geojson")


@dataclass(frozen=True)
class Collection:
    """One collection: its id in URLs, bilingual title and description, and the kind of
    record it serves (its select, mapper and columns)."""

    id: str
    entity: str
    title: str
    description: str
    select: Callable[[], Select[Any]]
    record: Callable[[Mapping[str, Any]], dict[str, Any]]
    filter_help: Mapping[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> records.Columns:
        """The columns behind its records."""
        return records.COLUMNS[self.entity]

    @property
    def parameters(self) -> tuple[str, ...]:
        """Every query parameter its items accept."""
        return COMMON_PARAMETERS + tuple(self.columns.filters)


COLLECTIONS: dict[str, Collection] = {c.id: c for c in (
    Collection(
        "names", "name", "标准地名 / Standard place names",
        "现行标准地名（已生效；不含拟定、审批中、备用及已更名、已注销的地名）："
        "道路、桥梁、住宅区、建筑物等，线或点。 / Standard names in force (not those proposed, "
        "in procedure, reserved, renamed or cancelled): roads, bridges, "
        "residential areas, buildings…, as lines or points. datetime filters on updated_at, "
        "the time a record last changed.",
        lambda: records.names_select(standard_only=True), records.name_record,
        {"class": "地名类别，如 road / class, e.g. road",
         "status": "状态，如 in_force / status, e.g. in_force",
         "division_code": "行政区划代码 / administrative division code",
         "name": "标准名称（完全相同）/ standard name (exact)"}),
    Collection(
        "addresses", "address", "标准地址 / Standard addresses",
        "现行标准地址，位于门址入口点。 / Active standard addresses, at their entrance "
        "point. datetime filters on updated_at, the time a record last changed.",
        lambda: records.addresses_select(historical=False), records.address_record,
        {"code": "地址代码 / address code",
         "jurisdiction_code": "行政区划代码 / administrative division code",
         "road_name": "道路名称 / road name",
         "status": "状态（均为 active）/ status (all active)"}),
    Collection(
        "plates", "plate", "门牌 / Door plates",
        "仍代表现行地址的门牌（已更换、已作废的除外），位于所属地址的入口点；不含二维码编号。"
        " / Door plates that still stand for an active address (replaced and revoked ones "
        "left out), at their address's entrance; without the id in their QR code. datetime "
        "filters on updated_at, the time a record last changed.",
        lambda: records.plates_select(current=True),
        lambda row: records.plate_record(row, with_plate_id=False),
        {"status": "状态，如 installed / status, e.g. installed",
         "kind": "类型，如 door / kind, e.g. door",
         "address_code": "所属地址代码 / the address's code"}),
)}


def collection(collection_id: str) -> Collection:
    """The collection with this id; :class:`NotFound` for any other."""
    found = COLLECTIONS.get(collection_id)
    if found is None:
        raise NotFound(f"没有这个数据集：{collection_id} / no such collection: {collection_id}")
    return found


# --- the query of an items request ---------------------------------------------------------

Box = tuple[float, float, float, float]
Interval = tuple[datetime | None, datetime | None]


@dataclass(frozen=True)
class Query:
    """What an items request asks: a box, a time interval (on ``updated_at``), equal
    properties, and the page (``limit``, ``offset``, the cursor ``after``)."""

    bbox: Box | None = None
    interval: Interval | None = None
    filters: Mapping[str, str] = field(default_factory=dict)
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    after: uuid.UUID | None = None


def _bad(zh: str, en: str) -> BadInput:
    return BadInput(f"{zh} / {en}")


def _number(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _bad(f"{name} 须为数字：{text}", f"{name} must be numbers: {text}") from None
    if not math.isfinite(value):
        raise _bad(f"{name} 须为有限的数字", f"{name} must be finite numbers")
    return value


def parse_bbox(text: str) -> Box:
    """``minLon,minLat,maxLon,maxLat`` (or six numbers with heights, which are ignored) in
    CRS84; :class:`BadInput` for anything else, and for a box across the antimeridian."""
    parts = text.split(",")
    if len(parts) not in (4, 6):
        raise _bad("bbox 须为 4 个数字：最小经度,最小纬度,最大经度,最大纬度",
                   "bbox must be 4 numbers: minLon,minLat,maxLon,maxLat")
    values = [_number(p.strip(), "bbox") for p in parts]
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    minx, miny, maxx, maxy = values
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90
            and -90 <= maxy <= 90):
        raise _bad("bbox 超出经纬度范围", "bbox is outside longitude/latitude range")
    if miny > maxy:
        raise _bad("bbox 的最小纬度大于最大纬度", "bbox: its minimum latitude exceeds its maximum")
    if minx > maxx:
        raise _bad("不支持跨越 180° 经线的 bbox", "a bbox across the antimeridian is not supported")
    return (minx, miny, maxx, maxy)


def _instant(text: str, *, end: bool) -> datetime | None:
    """One end of an interval: None when open (``..`` or empty); a date stands for its whole
    day (UTC); a time without an offset is taken as UTC."""
    if text in ("", ".."):
        return None
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time.max if end else time(), UTC)
        moment = datetime.fromisoformat(text.replace("z", "Z"))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 moved to UTC
        raise _bad(f"datetime 不是 RFC 3339 时间：{text}",
                   f"datetime is not an RFC 3339 date-time: {text}") from None


def parse_datetime(text: str) -> Interval:
    """An instant, a date, or an interval ``start/end`` with ``..`` (or nothing) for an open
    end, as an inclusive (start, end) in UTC; :class:`BadInput` when malformed or reversed."""
    if "/" in text:
        first, _, second = text.partition("/")
        if "/" in second:
            raise _bad("datetime 至多含一个 /", "datetime holds at most one /")
        start, stop = _instant(first, end=False), _instant(second, end=True)
    else:
        if text in ("", ".."):
            raise _bad("datetime 须为时间或时间区间", "datetime must be a date-time or an interval")
        start, stop = _instant(text, end=False), _instant(text, end=True)
    if start is not None and stop is not None and start > stop:
        raise _bad("datetime 区间的起点晚于终点", "datetime: the interval starts after it ends")
    return (start, stop)


def _integer(text: str, name: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise _bad(f"{name} 须为整数：{text}", f"{name} must be an integer: {text}") from None
    if value < minimum:
        raise _bad(f"{name} 不能小于 {minimum}", f"{name} must be at least {minimum}")
    return value


def parse_query(coll: Collection, args: Mapping[str, Sequence[str]]) -> Query:
    """The :class:`Query` of an items request from its query parameters (name → values).

    :class:`BadInput` for a parameter the API does not define (as the standard requires),
    one given twice, or a malformed value. ``limit`` above :data:`MAX_LIMIT` is served as
    :data:`MAX_LIMIT`.
    """
    one = check_parameters(args, coll.parameters)
    for name in ("crs", "bbox-crs"):
        if name in one and one[name] not in CRS84_ALIASES:
            raise _bad(f"{name} 只支持 {CRS84}", f"{name}: only {CRS84} is supported")
    after = None
    if "after" in one:
        try:
            after = uuid.UUID(one["after"])
        except ValueError:
            raise _bad("after 须为要素的 id", "after must be a feature id") from None
    return Query(
        bbox=parse_bbox(one["bbox"]) if "bbox" in one else None,
        interval=parse_datetime(one["datetime"]) if "datetime" in one else None,
        filters={k: v for k, v in one.items() if k in coll.columns.filters},
        limit=min(_integer(one["limit"], "limit", 1), MAX_LIMIT) if "limit" in one
        else DEFAULT_LIMIT,
        offset=_offset(one.get("offset", "0"), after),
        after=after)


def _offset(text: str, after: uuid.UUID | None) -> int:
    """The offset; at most :data:`MAX_OFFSET` unless a cursor says where the page starts (a
    ``next`` link: its offset then only numbers the page)."""
    value = _integer(text, "offset", 0)
    if after is None and value > MAX_OFFSET:
        raise _bad(f"offset 至多 {MAX_OFFSET}，更远请沿 next 链接翻页",
                   f"offset is at most {MAX_OFFSET:,}; follow the next links to go further")
    return value


def check_parameters(args: Mapping[str, Sequence[str]], allowed: Sequence[str]
                     ) -> dict[str, str]:
    """The query parameters, each given once and among ``allowed`` (:class:`BadInput`
    otherwise: the standard asks a 400 for a parameter the API does not define), with ``f``
    checked."""
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise _bad(f"不支持的参数：{', '.join(unknown)}（可用：{', '.join(allowed)}）",
                   f"unsupported parameter: {', '.join(unknown)} "
                   f"(available: {', '.join(allowed)})")
    one: dict[str, str] = {}
    for name, values in args.items():
        if len(values) != 1:
            raise _bad(f"参数 {name} 只能给一次", f"parameter {name} may be given once")
        one[name] = values[0]
    check_format(one.get("f"))
    return one


def check_format(f: str | None) -> None:
    """Accept ``f=json`` (and ``geojson``) or no ``f``: JSON is the one encoding served."""
    if f is not None and f.lower() not in FORMATS:
        raise _bad(f"不支持的格式 f={f}（可用：json）",
                   f"unsupported format f={f} (available: json)")


# --- reading pages ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    """The features of one page; ``matched`` (None when not counted), whether more follow,
    and the id of its last feature (the cursor of the next page)."""

    features: list[dict[str, Any]]
    matched: int | None
    more: bool
    last_id: str | None


def feature(record: dict[str, Any]) -> dict[str, Any]:
    """A record as a GeoJSON feature: its id beside, not among, the properties."""
    properties = dict(record)
    geometry = properties.pop("geometry", None)
    fid = properties.pop("id")
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": properties}


def _filtered(session: Session, coll: Collection, query: Query) -> Select[Any]:
    cols = coll.columns
    stmt = records.where_equal(coll.select(), coll.entity, query.filters)
    if query.bbox is not None:
        stmt = stmt.where(spatial.meets_box(cols.geometry, query.bbox, session.get_bind()))
    if query.interval is not None:
        start, stop = query.interval
        if start is not None:
            stmt = stmt.where(cols.updated_at >= start)
        if stop is not None:
            stmt = stmt.where(cols.updated_at <= stop)
    return stmt


def _needed_joins(node: FromClause, needed: set[FromClause]) -> FromClause:
    """The join tree ``node`` keeping only the joins of tables in ``needed``."""
    if not isinstance(node, Join):
        return node
    left = _needed_joins(node.left, needed)
    if node.right not in needed:
        return left
    return left.join(node.right, node.onclause, isouter=node.isouter)


def aggregate(stmt: Select[Any], *columns: Any) -> Select[Any]:
    """``columns`` (aggregates) over the rows of ``stmt``, a filtered select of
    :mod:`.records`, through the joins its conditions and ``columns`` need only.

    The selects' other joins fetch columns for the record, each reaching exactly one row (an
    inner join along a foreign key that cannot be NULL) or at most one (an outer join to a
    primary key), so leaving them out changes no count or extent, and counting a million
    addresses takes 40 ms instead of 800 (SQLite does not drop unused joins itself)."""
    where = stmt.whereclause
    needed: set[FromClause] = set()
    for clause in (where, *columns):
        if clause is not None:
            needed.update(find_tables(clause, check_columns=True, include_aliases=True))
    (tree,) = stmt.get_final_froms()
    out = select(*columns).select_from(_needed_joins(tree, needed))
    return out.where(where) if where is not None else out


def count(session: Session, stmt: Select[Any]) -> int:
    """How many rows ``stmt`` (a filtered select of :mod:`.records`) finds."""
    return int(session.scalar(aggregate(stmt, func.count())) or 0)


def page(session: Session, coll: Collection, query: Query) -> Page:
    """One page of ``coll`` for ``query``, in id order (see the module's notes on paging)."""
    stmt = _filtered(session, coll, query)
    if query.after is not None:
        paged = stmt.where(coll.columns.id > query.after)
    else:
        paged = stmt.offset(query.offset)
    rows = session.execute(paged.limit(query.limit + 1)).mappings().all()
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    features = [feature(coll.record(row)) for row in rows]
    matched: int | None = None
    if query.after is None:
        shown = not more and (rows or query.offset == 0)
        matched = query.offset + len(rows) if shown else count(session, stmt)
    return Page(features, matched, more, features[-1]["id"] if features else None)


def one(session: Session, coll: Collection, feature_id: str) -> dict[str, Any]:
    """The feature ``feature_id`` of ``coll``; :class:`NotFound` when it is not there (or not
    public: a historical name, a retired address, a revoked plate)."""
    missing = NotFound(f"{coll.id} 中没有要素 {feature_id} / no feature {feature_id} in {coll.id}")
    try:
        wanted = uuid.UUID(feature_id)
    except ValueError:
        raise missing from None
    row = session.execute(coll.select().where(coll.columns.id == wanted)).mappings().first()
    if row is None:
        raise missing
    return feature(coll.record(row))


# --- extents ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Extent:
    """A collection's lon/lat box and the interval of its records' last changes (None
    when it holds nothing)."""

    bbox: Box | None
    interval: tuple[datetime, datetime] | None


def extent(session: Session, coll: Collection) -> Extent:
    """The extent of ``coll``'s features, computed from the data."""
    cols = coll.columns
    aggregates = [*spatial.extent_aggregates(cols.geometry, session.get_bind()),
                  func.min(cols.updated_at), func.max(cols.updated_at)]
    row = session.execute(aggregate(coll.select(), *aggregates)).one()
    box = None if row[0] is None else (float(row[0]), float(row[1]), float(row[2]),
                                       float(row[3]))
    interval = None if row[4] is None else (row[4], row[5])
    return Extent(box, interval)


def cached_extent(session: Session, coll: Collection,
                  cache: MutableMapping[str, tuple[int, Extent]]) -> Extent:
    """:func:`extent`, kept in ``cache`` (one per app) until the map version moves, which
    every committed change to a name, address or plate does: each client opening the
    service asks for the collections, and a million addresses take a scan to measure."""
    version = map_version(session)
    hit = cache.get(coll.id)
    if hit is not None and hit[0] == version:
        return hit[1]
    found = extent(session, coll)
    cache[coll.id] = (version, found)
    return found
