#!/usr/bin/env python3
"""Benchmark of search, autocomplete, geocoding and reverse geocoding (issue 10).

A synthetic register (default 100k names, 1M addresses) is built from real data: the 314
townships of Xi'an and Xianyang (NBS 2022) with the Xixian New Area's management areas, and
names made of the specifics of the 147 roads of ``../shared/data/roads`` and of every township,
county and city name of China, plus characters drawn by their frequency in those names, with
the usual generics (路, 街, 大道, 巷; 小区, 大厦…). A few percent of the names have an alias or a
former name; some are renamed or cancelled. Addresses run along the roads with house numbers,
buildings and units, codes and points; the rows go in by bulk inserts that bypass the ORM
(``bench_tiles._insert``), then the index is built and timed: ``search_ops.reindex`` for the
names and a rebuild from scratch (REINDEX) of every index the address search uses.

Each backend (SpatiaLite in a temp dir; PostGIS when ``--pg-url`` is given) runs in its own
process, so that its peak memory is its own. With a fixed seed it measures p50/p95/p99 of
autocomplete (character and pinyin prefixes), search by kind of query, geocode and reverse
(random points, 200 m), beside brute-force rapidfuzz over every name and a plain
``LIKE '%q%'`` scan in the same run; hit@1/hit@5 of each kind; recall of homophone and
mistyped queries against brute force; the index build time; peak memory. It prints a table
with PASS/FAIL against the targets and, for a latency target that fails, where the time of
the slowest query goes (its SQL statements and the plan of the slowest one).

    scripts/bench search [--names 100000 --addresses 1000000] [--small]
    python scripts/bench_search.py [--pg-url postgresql+psycopg://…] [--workdir DIR] [--seed 7]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import gc
import io
import json
import math
import os
import pstats
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy
from bench_tiles import BOX, _insert, pct  # scripts/ is sys.path[0] when run as a script
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Hamming
from sqlalchemy import bindparam, event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from placenames import migrate, spatial  # noqa: E402
from placenames.addressing.compose import AddressParts, AddressType, format_zh  # noqa: E402
from placenames.db import make_engine  # noqa: E402
from placenames.models import Address, Alias, Base, Jurisdiction, Place  # noqa: E402
from placenames.models.jurisdictions import ManagementMembership  # noqa: E402
from placenames.models.name_keys import (  # noqa: E402
    derived,
    jurisdiction_derived,
    key_row,
    record_values,
)
from placenames.models.places import PlaceKeys, PlaceSyllable  # noqa: E402
from placenames.naming.charset import tiers, variants  # noqa: E402
from placenames.naming.errors import NamingError  # noqa: E402
from placenames.ops import search as search_ops  # noqa: E402
from placenames.ops.demo import data as demo  # noqa: E402
from placenames.search.query import QueryError  # noqa: E402
from placenames.search.terms import entry_terms  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
ROADS = "roads/xian_xianyang_road_names_from_naming_notices.csv"
TOWNSHIPS = "admin_divisions/nbs2022_streets_xian_xianyang.csv"
ALL_TOWNSHIPS = "admin_divisions/nbs2022_streets.csv"
COUNTIES = "admin_divisions/nbs2022_areas.csv"

# (generic, class, weight): lines (roads carry the addresses) and points
LINE_GENERICS = [("路", "road", 48), ("街", "street", 14), ("大街", "street", 4),
                 ("大道", "avenue", 8), ("巷", "lane", 18), ("桥", "bridge", 4)]
POINT_GENERICS = [("小区", "residential", 30), ("花园", "residential", 10),
                  ("苑", "residential", 6), ("家园", "residential", 6), ("大厦", "building", 28),
                  ("广场", "square", 10), ("公园", "park", 10)]
SECTIONS = "东西南北中"  # 长乐东路: a section word before a road generic
ROAD_CLASSES = {"road", "street", "avenue", "lane"}
STATUSES = [("in_force", 900), ("approved", 40), ("in_procedure", 30), ("renamed", 20),
            ("cancelled", 10)]
DIVISION_SUFFIXES = ("街道办事处", "街道", "民族乡", "民族镇", "地区", "办事处", "苏木", "镇", "乡",
                     "自治县", "自治旗", "区", "县", "市", "旗")

TARGETS = {"autocomplete": 30.0, "search": 100.0, "reverse": 20.0}  # p95, ms
RECALL_TARGET = 0.99  # ours / brute force, hit@5
INDEX_TARGET_S = 300.0
MEMORY_TARGET = 1 << 30
WARM_UP_EACH = 2


# ---------------------------------------------------------------------------------------------
# the synthetic register


@dataclass(slots=True)
class Township:
    """A township of the frame, its cell of the box and the base of its addresses."""

    id: uuid.UUID
    code: str
    name: str
    parts: AddressParts
    cell: tuple[float, float, float, float]
    serials: Counter[int] = field(default_factory=Counter)


@dataclass(slots=True)
class NameRec:
    """One generated place: its name, class, status, township and geometry."""

    id: uuid.UUID
    name: str
    cls: str
    status: str
    township: int
    line: list[tuple[float, float]] | None = None
    point: tuple[float, float] | None = None
    renamed_to: uuid.UUID | None = None


@dataclass(slots=True)
class AddrRec:
    """A sample of the generated addresses, kept for the queries."""

    id: str
    code: str
    road: str
    township: str
    area: str  # the management area (沣东新城) or the county above the township
    number: int
    building: str | None
    unit: int | None
    full_text: str
    lon: float
    lat: float


@dataclass
class Register:
    """What was generated, kept in memory for the queries and the baselines."""

    townships: list[Township]
    names: list[NameRec]
    aliases: list[tuple[uuid.UUID, str, str]]  # place id, name, kind
    addresses: list[AddrRec]
    n_addresses: int = 0


def _rid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _csv(shared: Path, name: str) -> list[dict[str, str]]:
    path = shared / name
    if not path.exists():
        raise SystemExit(f"missing {path}: the shared data must sit beside the checkout "
                         "(or give --shared DIR)")
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _strip_suffix(name: str, suffixes: tuple[str, ...]) -> str:
    for s in suffixes:
        if name.endswith(s) and len(name) > len(s):
            return name[: -len(s)]
    return name


def specifics(shared: Path) -> list[str]:
    """Real specifics: of the roads of the naming notices and of China's divisions (2–3
    common characters)."""
    common = {ch for ch, tier in tiers().items() if tier <= 2}
    out: set[str] = set()
    road_suffixes = tuple(sorted({g for g, _c, _w in LINE_GENERICS} |
                                 {s + "路" for s in SECTIONS}, key=len, reverse=True))
    for row in _csv(shared, ROADS):
        out.add(_strip_suffix(row["name"], road_suffixes))
    for name in ([r["name"] for r in _csv(shared, ALL_TOWNSHIPS)] +
                 [r["name"] for r in _csv(shared, COUNTIES)]):
        out.add(_strip_suffix(name, DIVISION_SUFFIXES))
    # (a specific ending in a generic character would make 石东路路)
    return sorted(s for s in out if 2 <= len(s) <= 3 and all(ch in common for ch in s)
                  and s[-1] not in "路街巷道桥区园苑")


class NameMaker:
    """Distinct, realistic names: a real specific or two characters drawn by their frequency
    in real names, an optional section word, a generic."""

    def __init__(self, shared: Path, rng: random.Random) -> None:
        self.rng = rng
        self.real = specifics(shared)
        freq = Counter(ch for s in self.real for ch in s)
        self.chars = list(freq)
        self.cum = []
        total = 0
        for ch in self.chars:
            total += freq[ch]
            self.cum.append(total)
        self.seen: set[str] = set()

    def _specific(self) -> str:
        rng = self.rng
        if rng.random() < 0.55:
            return rng.choice(self.real)
        while True:
            a, b = rng.choices(self.chars, cum_weights=self.cum, k=2)
            if a != b:
                return a + b

    def make(self, line: bool) -> tuple[str, str]:
        """A new (name, class) never returned before."""
        rng = self.rng
        table = LINE_GENERICS if line else POINT_GENERICS
        while True:
            generic, cls, _w = rng.choices(table, [w for _g, _c, w in table])[0]
            spec = self._specific()
            if cls in ("road", "street") and rng.random() < 0.2:
                spec += rng.choice(SECTIONS)
            name = spec + generic
            if name in self.seen or len(name) > 12:
                continue
            try:
                derived(name, cls, None)
            except NamingError:
                continue
            self.seen.add(name)
            return name, cls


def make_frame(shared: Path, now: datetime, rng: random.Random
               ) -> tuple[list[Township], list[dict[str, Any]], list[dict[str, Any]]]:
    """The 314 townships of Xi'an and Xianyang under their counties, cities and province, and
    the Xixian New Area's management areas (as the demo register has them). Each township
    gets a cell of the box."""
    rows = _csv(shared, TOWNSHIPS)
    juris: list[dict[str, Any]] = []
    ids: dict[str, uuid.UUID] = {}

    def add(code: str, name: str, level: str, parent: str | None, source: str = "nbs") -> None:
        if code in ids:
            return
        ids[code] = _rid(rng)
        juris.append({"id": ids[code], "code": code, "name": name, "level": level,
                      "parent_id": ids[parent] if parent else None, "status": "active",
                      "source": source, "version": 1, "created_at": now, "updated_at": now,
                      **jurisdiction_derived(name, level, None)})  # keys, as the ORM would

    add(demo.PROVINCE[0], demo.PROVINCE[1], "province", None)
    for r in rows:
        add(r["city_code"], r["city_name"], "city", demo.PROVINCE[0])
        add(r["area_code"], r["area_name"], "county", r["city_code"])
        add(r["code"], r["name"], "township", r["area_code"])
    add(demo.NEW_AREA[0], demo.NEW_AREA[1], "management", demo.PROVINCE[0], "demo")
    managed: dict[str, str] = {}
    members = []
    for (code, name), towns in demo.NEW_CITIES.items():
        add(code, name, "management", demo.NEW_AREA[0], "demo")
        for t in towns:
            managed[t] = name
            for area in (code, demo.NEW_AREA[0]):
                members.append({"area_id": ids[area], "member_id": ids[t], "note": None})
    west, south, east, north = BOX
    side = math.ceil(math.sqrt(len(rows)))
    dx, dy = (east - west) / side, (north - south) / side
    order = list(range(len(rows)))
    rng.shuffle(order)
    towns = []
    for k, r in enumerate(rows):
        col, row = divmod(order[k], side)
        cell = (west + col * dx, south + row * dy, west + (col + 1) * dx, south + (row + 1) * dy)
        if r["code"] in managed:
            parts = AddressParts(province=demo.PROVINCE[1], county=demo.NEW_AREA[1],
                                 subarea=managed[r["code"]], township=r["name"])
        else:
            parts = AddressParts(province=demo.PROVINCE[1], city=r["city_name"],
                                 county=r["area_name"], township=r["name"])
        towns.append(Township(ids[r["code"]], r["code"], r["name"], parts, cell))
    return towns, juris, members


def _metres(lat: float) -> tuple[float, float]:
    """Degrees of longitude and latitude per metre at ``lat``."""
    dlat = 1 / 111_320
    return dlat / math.cos(math.radians(lat)), dlat


def make_names(n: int, towns: list[Township], maker: NameMaker, rng: random.Random
               ) -> tuple[list[NameRec], list[tuple[uuid.UUID, str, str]]]:
    """``n`` places (half lines, half points) and the aliases/former names of a few percent."""
    names: list[NameRec] = []
    current: list[int] = []
    statuses = [s for s, _w in STATUSES]
    weights = [w for _s, w in STATUSES]
    for i in range(n):
        t = rng.randrange(len(towns))
        x0, y0, x1, y1 = towns[t].cell
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        line = i % 2 == 0
        name, cls = maker.make(line)
        status = rng.choices(statuses, weights)[0] if current else "in_force"
        rec = NameRec(_rid(rng), name, cls, status, t)
        if line:
            mx, my = _metres(y)
            length = rng.uniform(300, 1500)
            k = rng.randint(2, 6)
            horiz = rng.random() < 0.5
            step = length / (k - 1)
            rec.line = [(x + (j * step * mx if horiz else rng.uniform(-15, 15) * mx),
                         y + (rng.uniform(-15, 15) * my if horiz else j * step * my))
                        for j in range(k)]
        else:
            rec.point = (x, y)
        if status == "renamed":
            rec.renamed_to = names[rng.choice(current)].id
        elif status == "in_force":
            current.append(i)
        names.append(rec)
    aliases = []
    for i in current:
        r = rng.random()
        if r < 0.035:
            kind = "alias" if r < 0.02 else "former"
            alias, _cls = maker.make(names[i].line is not None)
            aliases.append((names[i].id, alias, kind))
    return names, aliases


def place_rows(names: list[NameRec], now: datetime) -> Iterator[dict[str, Any]]:
    """Rows of ``places`` with the derived fields every write stores (keys, romanization)."""
    for r in names:
        values, _syl = derived(r.name, r.cls, None)
        if r.line:
            wkt = "LINESTRING(" + ", ".join(f"{a:.7f} {b:.7f}" for a, b in r.line) + ")"
        else:
            assert r.point is not None
            wkt = f"POINT({r.point[0]:.7f} {r.point[1]:.7f})"
        yield {"id": r.id, "name": r.name, "cls": r.cls, "status": r.status,
               "jurisdiction_id": None, "division_code": None, "geom": f"SRID=4490;{wkt}",
               "renamed_to_id": r.renamed_to, "version": 1, "created_at": now,
               "updated_at": now, **record_values(values)}


def key_rows(names: list[NameRec]) -> Iterator[dict[str, Any]]:
    """The matching keys of each name (``place_keys``, as the bulk loader writes them)."""
    for r in names:
        values, _syl = derived(r.name, r.cls, None)
        yield key_row(r.id, None, values)


def syllable_rows(names: list[NameRec]) -> Iterator[dict[str, Any]]:
    """The syllable index rows of the duplicate screen (as the bulk loader writes them)."""
    for r in names:
        values, syls = derived(r.name, r.cls, None)
        for s in syls:
            yield {"place_id": r.id, "syllable": s, "division_code": None,
                   "specific_pinyin": values["key_specific_pinyin"]}


def _along(line: list[tuple[float, float]], f: float) -> tuple[float, float, float, float]:
    """Point at fraction ``f`` of the polyline's length (in degrees) and its unit direction."""
    segs = [(a, b, math.dist(a, b)) for a, b in zip(line, line[1:], strict=False)]
    total = sum(s[2] for s in segs) or 1e-9
    want = f * total
    for a, b, d in segs:
        if want <= d or (a, b, d) == segs[-1]:
            g = min(1.0, want / d) if d else 0.0
            return (a[0] + g * (b[0] - a[0]), a[1] + g * (b[1] - a[1]),
                    (b[0] - a[0]) / (d or 1), (b[1] - a[1]) / (d or 1))
        want -= d
    raise AssertionError("unreachable")


def address_rows(reg: Register, n: int, rng: random.Random, now: datetime,
                 keep: float) -> Iterator[dict[str, Any]]:
    """``n`` addresses along the in-force roads, in proportion to their length: house numbers
    (odd on the left, even on the right) and buildings/units of compounds behind them.
    Keeps a sample (fraction ``keep``) in ``reg.addresses`` for the queries."""
    roads = [r for r in reg.names if r.cls in ROAD_CLASSES and r.status == "in_force" and r.line]
    lengths = [sum(math.dist(a, b) for a, b in zip(r.line or [], (r.line or [])[1:],
                                                   strict=False)) for r in roads]
    total = sum(lengths)
    counts = [int(n * length / total) for length in lengths]
    for k in rng.sample(range(len(roads)), n - sum(counts)):
        counts[k] += 1
    for road, k in zip(roads, counts, strict=True):
        if not k:
            continue
        town = reg.townships[road.township]
        plan: list[tuple[int, str | None, int | None]] = []
        number = 0
        used: set[tuple[str, int]] = set()
        for j in range(k):
            if j == 0 or rng.random() < 0.6:
                number += rng.choice((1, 1, 2))
                used = set()
                plan.append((number, None, None))
            else:
                while True:
                    b, u = str(rng.randint(1, 20)), rng.randint(1, 6)
                    if (b, u) not in used:
                        used.add((b, u))
                        break
                plan.append((number, b, u))
        assert road.line is not None
        mx, my = _metres(road.line[0][1])
        for num, b, u in plan:
            x, y, ux, uy = _along(road.line, (num - 0.5) / (number or 1))
            side = 1 if num % 2 else -1  # odd numbers on the left of the road's direction
            px, py = -uy * side, ux * side
            off = 15 if b is None else rng.uniform(30, 120)
            ex, ey = x + px * off * mx, y + py * off * my
            if b is not None:
                ex += rng.uniform(-20, 20) * mx
                ey += rng.uniform(-20, 20) * my
            kind = AddressType.HOUSE if b is None else AddressType.UNIT
            town.serials[kind] += 1
            width = 5 if kind == AddressType.HOUSE else 6
            code = f"{town.code}{int(kind)}{town.serials[kind]:0{width}d}"
            parts = replace(town.parts, road=road.name, number=num, building=b, unit=u)
            full = format_zh(parts)
            aid = _rid(rng)
            if rng.random() < keep:
                reg.addresses.append(AddrRec(str(aid), code, road.name, town.name,
                                             town.parts.subarea or town.parts.county or "",
                                             num, b, u, full, ex, ey))
            reg.n_addresses += 1
            yield {"id": aid, "code": code, "jurisdiction_id": town.id, "road_id": road.id,
                   "village_group": None, "number": num, "suffix": None, "building": b,
                   "unit": str(u) if u is not None else None, "room": None, "full_text": full,
                   "status": "active", "side": "left" if side > 0 else "right",
                   "distance_m": None, "entrance": f"SRID=4490;POINT({ex:.7f} {ey:.7f})",
                   "road_point": f"SRID=4490;POINT({x:.7f} {y:.7f})", "version": 1,
                   "created_at": now, "updated_at": now}


def load(engine: Engine, shared: Path, n_names: int, n_addresses: int, seed: int
         ) -> tuple[Register, dict[str, float]]:
    """Generate the register and insert it by bulk inserts that bypass the ORM (and so the
    search index); returns what was generated and the time of each table."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    times: dict[str, float] = {}
    towns, juris, members = make_frame(shared, now, rng)
    maker = NameMaker(shared, rng)
    t0 = time.perf_counter()
    names, aliases = make_names(n_names, towns, maker, rng)
    times["generate names"] = time.perf_counter() - t0
    reg = Register(towns, names, aliases, [])
    steps: list[tuple[str, Any, Callable[[], Iterator[dict[str, Any]]]]] = [
        ("jurisdictions", Jurisdiction.__table__, lambda: iter(juris)),
        ("management areas", ManagementMembership.__table__, lambda: iter(members)),
        ("names", Place.__table__, lambda: place_rows(names, now)),
        ("name keys", PlaceKeys.__table__, lambda: key_rows(names)),
        ("name syllables", PlaceSyllable.__table__, lambda: syllable_rows(names)),
        ("aliases, former names", Alias.__table__,
         lambda: ({"id": _rid(rng), "place_id": p, "name": a, "kind": k, "used_from": None,
                   "used_until": None} for p, a, k in aliases)),
        ("addresses", Address.__table__,
         lambda: address_rows(reg, n_addresses, rng, now, min(1.0, 5000 / max(n_addresses, 1)))),
    ]
    for label, table, rows in steps:
        t0 = time.perf_counter()
        _insert(engine, table, rows(), label)
        times[label] = time.perf_counter() - t0
    return reg, times


# ---------------------------------------------------------------------------------------------
# the index build


def _index_names(engine: Engine, table: str) -> list[str]:
    with engine.connect() as conn:
        if spatial.backend_name(conn) == "postgis":
            return list(conn.execute(text(
                "SELECT indexname FROM pg_indexes WHERE tablename = :t ORDER BY indexname"),
                {"t": table}).scalars())
        return [r[1] for r in conn.exec_driver_sql(f"PRAGMA index_list('{table}')")]


def _spatial_columns(engine: Engine, table: str) -> list[str]:
    """Geometry columns of ``table`` with a SpatiaLite spatial index."""
    with engine.connect() as conn:
        return list(conn.execute(text(
            "SELECT f_geometry_column FROM geometry_columns WHERE f_table_name = :t "
            "AND spatial_index_enabled = 1"), {"t": table}).scalars())


def build_index(engine: Engine) -> tuple[list[tuple[str, float, str, float]], dict[str, float]]:
    """Build the search index after the bulk load and time each part.

    Names: ``search_ops.reindex``. Addresses and geometries: every index of ``addresses`` and
    the spatial index of ``places`` rebuilt from scratch (REINDEX; SpatiaLite's
    RecoverSpatialIndex), which is what creating them after the load costs. Each part runs on
    fresh connections with its own memory peak. Returns (part, seconds, note, peak RSS MiB)
    rows counted in the target, and informational timings.
    """
    parts: list[tuple[str, float, str, float]] = []
    backend = spatial.backend_name(engine)

    def part(label: str, fn: Callable[[], str]) -> None:
        engine.dispose()  # SQLite: unmap the pages the previous part touched
        reset_peak()
        with Sampler() as mem:
            t0 = time.perf_counter()
            note = fn()
            dt = time.perf_counter() - t0
        parts.append((label, dt, f"{note}{'; ' if note else ''}RSS {mem.text()}",
                      memory().get("VmHWM", 0)))

    def names() -> str:
        last = [0.0]

        def progress(done: int, total: int) -> None:
            if time.perf_counter() - last[0] > 5:
                last[0] = time.perf_counter()
                print(f"    reindex {done:,}/{total:,}", flush=True)

        with Session(engine) as s:
            n = search_ops.reindex(s, progress=progress)
            s.commit()
        return f"{n:,} rows"

    def reindex(name: str) -> Callable[[], str]:
        def run() -> str:
            with engine.begin() as conn:
                conn.exec_driver_sql(f'REINDEX {"INDEX " if backend == "postgis" else ""}'
                                     f'"{name}"')
            return ""
        return run

    def recover(table: str, col: str) -> Callable[[], str]:
        def run() -> str:
            with engine.begin() as conn:
                ok = conn.execute(text("SELECT RecoverSpatialIndex(:t, :c, 1)"),
                                  {"t": table, "c": col}).scalar()
            return "" if ok == 1 else f"returned {ok}"
        return run

    part("names: search_ops.reindex", names)
    for table in ("addresses", "places"):
        for name in _index_names(engine, table):
            if table == "places" and not name.startswith("idx_"):
                continue  # the names' own B-trees are not the search's
            part(f"{table}: REINDEX {name}", reindex(name))
        if backend == "spatialite":
            for col in _spatial_columns(engine, table):
                part(f"{table}: spatial index {col} (RecoverSpatialIndex)", recover(table, col))
    info: dict[str, float] = {}
    t0 = time.perf_counter()
    with engine.connect() as conn:
        spatial.rebuild_search_text_index(conn)
        conn.commit()
    info["names text index rebuilt from scratch (already built above)"] = \
        time.perf_counter() - t0
    t0 = time.perf_counter()
    with engine.connect() as conn:
        if backend == "postgis":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
            conn.commit()
    info["ANALYZE (statistics for the planner)"] = time.perf_counter() - t0
    return parts, info


# ---------------------------------------------------------------------------------------------
# the queries


@dataclass(slots=True)
class Case:
    """One query: its kind, the text, and the id expected among the results (if any)."""

    kind: str
    q: str
    expect: str | None = None
    point: tuple[float, float] | None = None
    matches: int | None = None  # names the query matches as typed (see Brute.matches)


NAME_KINDS = ["exact", "prefix", "substring", "pinyin", "initials", "mixed", "traditional",
              "homophone", "typo"]
ADDRESS_KINDS = ["addr_road_number", "addr_township", "addr_code"]
AC_KINDS = ["ac_chars", "ac_pinyin"]
GEO_KINDS = ["geo_standard", "geo_area", "geo_township_unit", "geo_road_number"]
CHAR_KINDS = {"exact", "prefix", "substring", "mixed", "traditional", "homophone", "typo"}


class Sounds:
    """Common characters (tier 1 of the 通用规范汉字表) by toneless syllable, and the
    traditional form of simplified characters (the project's OpenCC data reversed)."""

    def __init__(self) -> None:
        self.common = sorted(ch for ch, tier in tiers().items() if tier == 1)
        self.by_syllable: dict[str, list[str]] = {}
        self.syllable: dict[str, str] = {}
        for ch in self.common:
            syl = lazy_pinyin(ch)[0]
            self.syllable[ch] = syl
            self.by_syllable.setdefault(syl, []).append(ch)
        self.trad: dict[str, str] = {}
        for key, targets in variants().items():
            if len(targets) == 1:
                self.trad.setdefault(targets[0], key)


def _replace_one(name: str, spec_len: int, rng: random.Random,
                 pick: Callable[[str, str], str | None], existing: set[str]) -> str | None:
    """``name`` with one character of its specific replaced by ``pick(char, syllable)``;
    None when no position gives a name that is not itself in the register."""
    tokens = entry_terms(name).tokens.split(" ")
    positions = list(range(min(spec_len, len(name))))
    rng.shuffle(positions)
    for i in positions:
        new = pick(name[i], tokens[i])
        if new and new != name[i]:
            q = name[:i] + new + name[i + 1:]
            if q not in existing:
                return q
    return None


def make_cases(reg: Register, n: int, n_recall: int, seed: int) -> list[Case]:
    """The queries of every kind, from the generated register (fixed seed)."""
    rng = random.Random(seed)
    sounds = Sounds()
    existing = {r.name for r in reg.names} | {a for _p, a, _k in reg.aliases}
    current = [r for r in reg.names if r.status == "in_force"]
    cases: list[Case] = []

    def sample(k: int) -> list[NameRec]:
        return rng.sample(current, min(k, len(current)))

    for r in sample(n):
        cases.append(Case("exact", r.name, str(r.id)))
    for r in sample(n):
        cases.append(Case("prefix", r.name[: max(2, len(r.name) - 1)], str(r.id)))
    for r in sample(n):
        cases.append(Case("substring", r.name[1:], str(r.id)))
    for r in sample(n):
        cases.append(Case("pinyin", entry_terms(r.name).pinyin, str(r.id)))
    for r in sample(n):
        cases.append(Case("initials", entry_terms(r.name).initials, str(r.id)))
    for r in sample(n):
        spec = derived(r.name, r.cls, None)[0]["specific"]
        i = rng.randrange(len(spec))
        syl = entry_terms(r.name).tokens.split(" ")[i]
        cases.append(Case("mixed", r.name[:i] + syl + r.name[i + 1:], str(r.id)))
    trad = [r for r in current if any(ch in sounds.trad for ch in r.name)]
    for r in rng.sample(trad, min(n, len(trad))):
        cases.append(Case("traditional", "".join(sounds.trad.get(ch, ch) for ch in r.name),
                          str(r.id)))

    def homophone(ch: str, syl: str) -> str | None:
        pool = [c for c in sounds.by_syllable.get(syl, []) if c != ch]
        return rng.choice(pool) if pool else None

    def typo(ch: str, syl: str) -> str | None:
        while True:
            c = rng.choice(sounds.common)
            if sounds.syllable[c] != syl:
                return c

    for kind, pick in (("homophone", homophone), ("typo", typo)):
        for r in sample(n_recall):
            spec = derived(r.name, r.cls, None)[0]["specific"]
            q = _replace_one(r.name, len(spec), rng, pick, existing)
            if q:
                cases.append(Case(kind, q, str(r.id)))

    houses = [a for a in reg.addresses if a.building is None]
    for a in rng.sample(houses, min(n, len(houses))):
        cases.append(Case("addr_road_number", f"{a.road}{a.number}号", a.id))
    for a in rng.sample(reg.addresses, min(n, len(reg.addresses))):
        unit = f"{a.building}号楼{a.unit}单元" if a.building else ""
        cases.append(Case("addr_township", f"{a.township}{a.road}{a.number}号{unit}", a.id))
    for a in rng.sample(reg.addresses, min(n, len(reg.addresses))):
        cases.append(Case("addr_code", a.code, a.id))

    for r in sample(n):
        k = rng.randint(1, min(4, len(r.name)))
        cases.append(Case("ac_chars", r.name[:k], str(r.id)))
    for r in sample(n):
        py = entry_terms(r.name).pinyin
        cases.append(Case("ac_pinyin", py[: rng.randint(2, min(8, len(py)))], str(r.id)))

    for a in rng.sample(reg.addresses, min(n, len(reg.addresses))):
        unit = f"{a.building}号楼{a.unit}单元" if a.building else ""
        shape = rng.choice(GEO_KINDS)
        q = {"geo_standard": a.full_text,
             "geo_area": f"{a.area}{a.township}{a.road}{a.number}号{unit}",
             "geo_township_unit": f"{a.township}{a.road}{a.number}号{unit}",
             "geo_road_number": f"{a.road}{a.number}号{unit}"}[shape]
        cases.append(Case(shape, q, a.id))

    west, south, east, north = BOX
    for _ in range(n):
        cases.append(Case("reverse", "", None, (rng.uniform(west, east),
                                                 rng.uniform(south, north))))
    return cases


# ---------------------------------------------------------------------------------------------
# measuring


@dataclass
class Stats:
    """Timings (ms) and outcomes of one kind of query, ours or a baseline."""

    times: list[float] = field(default_factory=list)
    hit1: int = 0
    hit5: int = 0
    counted: int = 0
    few5: int = 0  # hit@5 among the queries that match at most five names
    few: int = 0
    ceiling5: int = 0  # brute force: hit@5 with ties broken in the expected name's favour
    misses: list[str] = field(default_factory=list)
    refused: int = 0
    failed: int = 0
    found: int = 0  # results returned, summed
    slowest: list[tuple[float, Case]] = field(default_factory=list)

    def p(self, q: float) -> float | None:
        """Percentile of the times (None when nothing was timed)."""
        return pct(self.times, q) if self.times else None

    def rate(self, hits: int) -> float | None:
        """A hit rate over the counted queries."""
        return hits / self.counted if self.counted else None


class SqlLog:
    """Every statement run on the engine while ``on``: (seconds, SQL, parameters)."""

    def __init__(self, engine: Engine) -> None:
        self.on = False
        self.rows: list[tuple[float, str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, _cur: Any, _stmt: str, _params: Any, _ctx: Any,
                _many: bool) -> None:
        conn.info.setdefault("bench_t0", []).append(time.perf_counter())

    def _after(self, conn: Any, _cur: Any, stmt: str, params: Any, _ctx: Any,
               _many: bool) -> None:
        dt = time.perf_counter() - conn.info["bench_t0"].pop()
        if self.on:
            self.rows.append((dt, stmt, params))


def _ids(hits: list[Any]) -> list[str]:
    return [str(h.id) for h in hits]


def run_ours(s: Session, case: Case) -> tuple[list[str], int]:
    """Run one query through the product; returns the ids in rank order and the count."""
    k = case.kind
    if k in NAME_KINDS:
        res = search_ops.search(s, case.q)
        return _ids(res.names), len(res.names) + len(res.addresses)
    if k in ADDRESS_KINDS:
        res = search_ops.search(s, case.q)
        return _ids(res.addresses), len(res.names) + len(res.addresses)
    if k in AC_KINDS:
        hits = search_ops.autocomplete(s, case.q)
        return _ids(hits), len(hits)
    if k in GEO_KINDS:
        matches = search_ops.geocode(s, case.q)
        best = [str(m.address_id) for m in matches if m.quality != "none"]
        return best, len(best)
    assert case.point is not None
    rev = search_ops.reverse(s, case.point[0], case.point[1], radius_m=200.0)
    return _ids(rev.addresses), len(rev.addresses) + len(rev.names)


def measure_ours(engine: Engine, cases: list[Case]) -> dict[str, Stats]:
    """Each case through the product, in a read-only session rolled back after each query
    (as a request)."""
    out: dict[str, Stats] = {}
    ro = spatial.read_only(engine)
    errors_shown = 0
    with Session(ro) as s:
        seen: Counter[str] = Counter()
        for case in cases:  # the first WARM_UP_EACH of each kind, once more before timing
            seen[case.kind] += 1
            if seen[case.kind] > WARM_UP_EACH:
                continue
            with contextlib.suppress(Exception):  # counted below, where it is timed
                run_ours(s, case)
            s.rollback()
        for case in cases:
            st = out.setdefault(case.kind, Stats())
            t0 = time.perf_counter()
            try:
                ids, count = run_ours(s, case)
            except QueryError:
                st.refused += 1
                s.rollback()
                continue
            except Exception:  # noqa: BLE001 - a bench reports and goes on
                st.failed += 1
                if errors_shown < 5:
                    errors_shown += 1
                    print(f"  ERROR on {case.kind} {case.q!r}:\n"
                          + traceback.format_exc(limit=3), file=sys.stderr)
                s.rollback()
                continue
            dt = (time.perf_counter() - t0) * 1000
            s.rollback()
            st.times.append(dt)
            st.slowest.append((dt, case))
            st.found += count
            if case.expect is not None:
                st.counted += 1
                st.hit1 += bool(ids[:1] == [case.expect])
                st.hit5 += case.expect in ids[:5]
                few = case.matches is not None and case.matches <= 5
                if few:
                    st.few += 1
                    st.few5 += case.expect in ids[:5]
                if case.expect not in ids[:5]:
                    st.misses.append(f"{case.q}{'*' if few else ''}")
    for st in out.values():
        st.slowest.sort(key=lambda x: -x[0])
        st.slowest = st.slowest[: max(1, len(st.slowest) // 20 + 1)]  # the top 5 %
    return out


@dataclass
class Brute:
    """All names in memory for the brute-force baseline: characters, pinyin, initials."""

    ids: list[str]
    chars: list[str]
    pinyin: list[str]
    initials: list[str]
    at: dict[str, int] = field(default_factory=dict)
    lengths: Any = None  # numpy array of the names' lengths

    @classmethod
    def of(cls, reg: Register) -> Brute:
        """Every place name of the register (current and historical)."""
        terms = [entry_terms(r.name) for r in reg.names]
        ids = [str(r.id) for r in reg.names]
        return cls(ids, [r.name for r in reg.names], [t.pinyin for t in terms],
                   [t.initials for t in terms], {i: k for k, i in enumerate(ids)},
                   numpy.array([len(r.name) for r in reg.names]))

    def matches(self, kind: str, q: str) -> int | None:
        """How many names the query matches as typed: the names it equals, starts or is
        contained in, by characters, pinyin or initials; for a homophone, the names with its
        reading; for a typo, the names one substituted character away. None otherwise."""
        if kind == "exact":
            return self.chars.count(q)
        if kind in ("prefix", "ac_chars"):
            return sum(1 for n in self.chars if n.startswith(q))
        if kind == "substring":
            return sum(1 for n in self.chars if q in n)
        if kind == "pinyin":
            return self.pinyin.count(q)
        if kind == "ac_pinyin":
            return sum(1 for n in self.pinyin if n.startswith(q))
        if kind == "initials":
            return self.initials.count(q)
        if kind == "homophone":  # names that read as the query does
            return self.pinyin.count(entry_terms(q).pinyin)
        if kind == "typo":  # names one substituted character away
            dist = process.cdist([q], self.chars, scorer=Hamming.distance)[0]
            return int(((dist == 1) & (self.lengths == len(q))).sum())
        return None

    def choices(self, kind: str, q: str) -> list[str]:
        """What to compare the query with: pinyin for a Latin query, characters otherwise."""
        if kind == "initials":
            return self.initials
        if kind == "pinyin" or q.isascii():
            return self.pinyin
        return self.chars


def measure_brute(brute: Brute, cases: list[Case], limit_per_kind: int,
                  always: set[str]) -> dict[str, Stats]:
    """rapidfuzz ``process.extract`` (``fuzz.ratio``) of each name query over every name:
    the recall ceiling. Kinds in ``always`` run every case (the recall sets)."""
    out: dict[str, Stats] = {}
    for case in cases:
        if case.kind not in NAME_KINDS:
            continue
        st = out.setdefault(case.kind, Stats())
        if case.kind not in always and len(st.times) >= limit_per_kind:
            continue
        choices = brute.choices(case.kind, case.q)
        t0 = time.perf_counter()
        top = process.extract(case.q, choices, scorer=fuzz.ratio, limit=8)
        st.times.append((time.perf_counter() - t0) * 1000)
        ids = [brute.ids[i] for _c, _score, i in top]
        st.counted += 1
        st.hit1 += ids[:1] == [case.expect]
        st.hit5 += case.expect in ids[:5]
        if case.expect is not None:  # the ceiling: ties broken in the expected name's favour
            scores = process.cdist([case.q], choices, scorer=fuzz.ratio)[0]
            st.ceiling5 += int((scores > scores[brute.at[case.expect]]).sum()) < 5
    return out


def measure_brute_pinyin(brute: Brute, cases: list[Case]) -> Stats:
    """Brute force over the names' pinyin for homophone queries (the sound ceiling)."""
    st = Stats()
    for case in cases:
        if case.kind != "homophone":
            continue
        q = entry_terms(case.q).pinyin
        t0 = time.perf_counter()
        top = process.extract(q, brute.pinyin, scorer=fuzz.ratio, limit=5)
        st.times.append((time.perf_counter() - t0) * 1000)
        st.counted += 1
        st.hit5 += case.expect in [brute.ids[i] for _c, _s, i in top]
    return st


def measure_like(engine: Engine, cases: list[Case], limit_per_kind: int) -> dict[str, Stats]:
    """A plain ``LIKE '%q%'`` scan: on ``places.name`` for character name queries, on
    ``addresses.full_text`` (``code`` for a code) for address queries; every match fetched
    (a ranking needs them all)."""
    out: dict[str, Stats] = {}
    names = select(Place.id).where(Place.name.like(bindparam("p"), escape="\\"))
    addrs = select(Address.id).where(Address.full_text.like(bindparam("p"), escape="\\"))
    codes = select(Address.id).where(Address.code.like(bindparam("p"), escape="\\"))
    with engine.connect() as conn:
        for case in cases:
            if case.kind not in CHAR_KINDS and case.kind not in ADDRESS_KINDS \
                    and case.kind != "ac_chars":
                continue
            st = out.setdefault(case.kind, Stats())
            if len(st.times) >= limit_per_kind:
                continue
            esc = case.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            t0 = time.perf_counter()
            stmt = codes if case.kind == "addr_code" else \
                addrs if case.kind in ADDRESS_KINDS else names
            rows = conn.execute(stmt, {"p": f"%{esc}%"}).scalars().all()
            st.times.append((time.perf_counter() - t0) * 1000)
            ids = [str(r) for r in rows]
            st.counted += 1
            st.found += len(ids)
            st.hit5 += case.expect in ids  # unranked: "found at all"
        conn.rollback()
    return out


def where_time_goes(engine: Engine, log: SqlLog, case: Case) -> list[str]:
    """Run ``case`` again with every statement timed; the plan of the slowest statement."""
    lines = []
    log.rows.clear()
    log.on = True
    t0 = time.perf_counter()
    with Session(spatial.read_only(engine)) as s:
        try:
            run_ours(s, case)
        except Exception as exc:  # noqa: BLE001
            lines.append(f"    (raised {exc!r})")
        s.rollback()
    total = (time.perf_counter() - t0) * 1000
    log.on = False
    sql = sum(r[0] for r in log.rows) * 1000
    lines.append(f"  {case.kind} {case.q!r}: {total:.1f} ms, {len(log.rows)} statements, "
                 f"{sql:.1f} ms in the database, {total - sql:.1f} ms in Python")
    if not log.rows:
        return lines
    worst = sorted(log.rows, key=lambda r: -r[0])[:3]
    for dt, stmt, _p in worst:
        lines.append(f"    {dt * 1000:7.1f} ms  {' '.join(stmt.split())[:300]}")
    lines += _profile(engine, case)
    dt, stmt, params = worst[0]
    backend = spatial.backend_name(engine)
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if backend == "postgis" else "EXPLAIN QUERY PLAN "
    try:
        with engine.connect() as conn:
            plan = conn.exec_driver_sql(prefix + stmt, params).fetchall()
            conn.rollback()
        lines.append("    plan of the slowest statement:")
        lines += [f"      {row[-1]}" for row in plan[:40]]
    except Exception as exc:  # noqa: BLE001
        lines.append(f"    (no plan: {exc!r})")
    return lines


def _profile(engine: Engine, case: Case, runs: int = 10) -> list[str]:
    """The product's functions where ``runs`` runs of ``case`` spend their time (cProfile)."""
    prof = cProfile.Profile()
    with Session(spatial.read_only(engine)) as s:
        prof.enable()
        for _ in range(runs):
            with contextlib.suppress(Exception):
                run_ours(s, case)
            s.rollback()
        prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats("placenames/", 10)
    rows = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next((i for i, line in enumerate(rows) if "tottime" in line), len(rows))
    return ([f"    python, {runs} runs, the product's functions by cumulative time:"]
            + [f"      {r}" for r in rows[start:]])


# ---------------------------------------------------------------------------------------------
# reporting


def _ms(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}" if v < 1000 else f"{v:.0f}"


def _pc(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.1f}%"


def memory() -> dict[str, float]:
    """This process's memory in MiB: ``peak_rss`` (ru_maxrss, the whole run) and, from
    /proc/self/status, the peak since the last :func:`reset_peak` (VmHWM), the current RSS
    and its anonymous and file-backed parts (SQLite's mmap of the database is file-backed)."""
    out = {"peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return out


_PEAKS: list[float] = []  # VmHWM before each reset: the whole run's peak is their maximum


def reset_peak() -> None:
    """Start a new peak (VmHWM) at the current RSS (Linux: clear_refs 5)."""
    _PEAKS.append(memory().get("VmHWM", 0))
    gc.collect()
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


class Sampler:
    """The highest anonymous and file-backed RSS seen (sampled every 20 ms) while in use."""

    def __init__(self) -> None:
        self.anon = self.file = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        m = memory()
        self.anon = max(self.anon, m.get("RssAnon", 0))
        self.file = max(self.file, m.get("RssFile", 0))

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self._sample()

    def __enter__(self) -> Sampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def text(self) -> str:
        """Peak RSS since the last reset, and the highest anonymous/file-backed parts."""
        return (f"{memory().get('VmHWM', 0):.0f} MiB (anon ≤ {self.anon:.0f}, "
                f"file ≤ {self.file:.0f})")


def _ratio(baseline: float | None, ours: float | None) -> str:
    if not baseline or not ours:
        return "—"
    r = baseline / ours
    return f"{r:.0f}" if r >= 10 else f"{r:.2g}"


def group_of(kind: str) -> str:
    """The latency target a kind is held to."""
    if kind in NAME_KINDS or kind in ADDRESS_KINDS:
        return "search"
    if kind in AC_KINDS:
        return "autocomplete"
    return "reverse" if kind == "reverse" else "geocode"


def _engine(url: str, mmap_mib: int | None) -> Engine:
    """The product's engine; with ``mmap_mib``, SQLite maps at most that much of the file
    (set after the product's own pragmas, to measure what the setting costs and saves)."""
    engine = make_engine(url)
    if mmap_mib is not None and engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _mmap(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute(f"PRAGMA mmap_size = {int(mmap_mib) << 20}")
    return engine


def run_backend(label: str, url: str, a: argparse.Namespace, work: Path) -> int:
    """Load, index and measure one backend; print its tables; write its summary (JSON)."""
    engine = _engine(url, a.sqlite_mmap)
    if label == "postgis":
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
    t0 = time.perf_counter()
    migrate.upgrade(engine)
    print(f"{label}: schema in {time.perf_counter() - t0:.0f} s; generating and loading "
          f"{a.names:,} names and {a.addresses:,} addresses (seed {a.seed})", flush=True)
    reg, load_times = load(engine, a.shared, a.names, a.addresses, a.seed)
    # each phase on a fresh engine: SQLite's mmap of pages the load touched goes with it
    engine.dispose()
    print("building the index", flush=True)
    engine = _engine(url, a.sqlite_mmap)
    parts, info = build_index(engine)
    engine.dispose()
    index_total = sum(t for _n, t, _note, _m in parts)
    index_peak = max(m for _n, _t, _note, m in parts)
    cases = make_cases(reg, a.queries, a.recall, a.seed + 1)
    brute = Brute.of(reg)
    for case in cases:
        case.matches = brute.matches(case.kind, case.q)
    print(f"measuring {len(cases):,} queries (ours), then the baselines", flush=True)
    load_avg = os.getloadavg()
    reset_peak()
    engine = _engine(url, a.sqlite_mmap)
    log = SqlLog(engine)
    with Sampler() as mem_sampler:
        ours = measure_ours(engine, cases)
    mem_ours = mem_sampler.text()
    ours_peak = memory().get("VmHWM", 0)
    load_avg = tuple(max(x, y) for x, y in zip(load_avg, os.getloadavg(), strict=True))
    bf = measure_brute(brute, cases, a.baseline, {"homophone", "typo"})
    bf_py = measure_brute_pinyin(brute, cases)
    like = measure_like(engine, cases, a.baseline)

    kinds = NAME_KINDS + ADDRESS_KINDS + AC_KINDS + GEO_KINDS + ["reverse"]
    n_alias = sum(1 for _p, _a, k in reg.aliases if k == "alias")
    mmap = f", SQLite mmap_size {a.sqlite_mmap} MiB" if a.sqlite_mmap is not None else ""
    print(f"\n== {label}: {a.names:,} names ({n_alias:,} aliases, "
          f"{len(reg.aliases) - n_alias:,} former names), {reg.n_addresses:,} addresses, "
          f"seed {a.seed}{mmap}")
    print("load (bulk inserts, indexes in place): " + ", ".join(
        f"{k} {v:.0f} s" for k, v in load_times.items()))
    print("index build after the load (counted in the target):")
    for name, t, note, _m in parts:
        print(f"  {name:<60} {t:7.1f} s  {note}")
    print(f"  {'total':<60} {index_total:7.1f} s")
    for name, t in info.items():
        print(f"  (not counted) {name:<46} {t:7.1f} s")
    print(f"\n{'kind':<18}{'n':>5}{'p50':>8}{'p95':>8}{'p99':>8}{'hit@1':>8}{'hit@5':>8}"
          f"{'≤5 hit@5':>14}{'err':>5} |{'bf p50':>8}{'bf hit5':>8}{'ceil5':>8}{'×':>6} |"
          f"{'LIKE p50':>9}{'found':>7}{'×':>6}")
    for kind in kinds:
        st = ours.get(kind, Stats())
        b = bf.get(kind)
        lk = like.get(kind)
        p50 = st.p(50)
        few = f"{_pc(st.few5 / st.few)} ({st.few})" if st.few else "—"
        print(f"{kind:<18}{len(st.times):>5}{_ms(p50):>8}{_ms(st.p(95)):>8}{_ms(st.p(99)):>8}"
              f"{_pc(st.rate(st.hit1)):>8}{_pc(st.rate(st.hit5)):>8}{few:>14}"
              f"{st.refused + st.failed:>5} |"
              f"{_ms(b.p(50) if b else None):>8}{_pc(b.rate(b.hit5) if b else None):>8}"
              f"{_pc(b.rate(b.ceiling5) if b else None):>8}"
              f"{_ratio(b.p(50) if b else None, p50):>6} |{_ms(lk.p(50) if lk else None):>9}"
              f"{_pc(lk.rate(lk.hit5) if lk else None):>7}"
              f"{_ratio(lk.p(50) if lk else None, p50):>6}")
    print("ms. hit@k: the expected name/address among our first k (autocomplete: of its 8 "
          "suggestions; geo: among the matches better than 'none'). ≤5 hit@5: hit@5 over the "
          "queries that match at most 5 names as typed (their number in brackets). err: "
          "refused + failed. bf: rapidfuzz process.extract(scorer=fuzz.ratio) over all names' "
          "characters (their pinyin or initials for Latin queries), ties in register order; "
          "ceil5: the same scores with ties broken in the expected name's favour (the "
          "ceiling). LIKE: WHERE name LIKE '%q%' (addresses: full_text or code), every row "
          "fetched; found: the expected row among them. ×: baseline p50 / ours p50.")
    misses = [(k, ours[k].misses) for k in kinds if ours.get(k) and ours[k].misses]
    if misses:
        print("misses: queries whose expected result was not in our first 5 (up to 4 a kind; "
              "* = it matches at most 5 names, those first)")
        for kind, qs in misses:
            qs = sorted(qs, key=lambda q: not q.endswith("*"))
            print(f"  {kind:<18} {len(qs):>4}  " + "  ".join(qs[:4]))
    print(f"load average while measuring (1/5/15 min, highest seen): "
          f"{' '.join(f'{x:.1f}' for x in load_avg)} on {os.cpu_count()} CPUs")

    # targets
    verdicts: list[tuple[str, str, bool | None]] = []
    for group, limit in TARGETS.items():
        ks = [k for k in kinds if group_of(k) == group and ours.get(k) and ours[k].times]
        if not ks:
            verdicts.append((f"{group} p95 ≤ {limit:.0f} ms", "not measured", None))
            continue
        worst = max(ks, key=lambda k: ours[k].p(95) or 0)
        every = [t for k in ks for t in ours[k].times]
        verdicts.append((f"{group} p95 ≤ {limit:.0f} ms (every kind)",
                         f"all {pct(every, 95):.1f} ms; worst {worst} {ours[worst].p(95):.1f} ms",
                         all((ours[k].p(95) or 0) <= limit for k in ks)))
    for kind in ("homophone", "typo"):
        st, b = ours.get(kind, Stats()), bf.get(kind)
        if not st.counted or not b or not b.counted:
            verdicts.append((f"recall {kind} ≥ 99% of brute force", "not measured", None))
            continue
        r_ours, r_bf = st.rate(st.hit5) or 0, b.rate(b.hit5) or 0
        ceil = b.rate(b.ceiling5) or 0
        extra = f"; bf pinyin {_pc(bf_py.rate(bf_py.hit5))}" if kind == "homophone" else ""
        verdicts.append((f"recall {kind} hit@5 ≥ 99% of brute force",
                         f"ours {_pc(r_ours)} / bf {_pc(r_bf)} = "
                         f"{_pc(r_ours / r_bf if r_bf else None)} (n={st.counted}); "
                         f"ceiling {_pc(ceil)}{extra}",
                         r_bf == 0 or r_ours / r_bf >= RECALL_TARGET))
    verdicts.append((f"index build ≤ {INDEX_TARGET_S / 60:.0f} min", f"{index_total:.0f} s",
                     index_total <= INDEX_TARGET_S))
    whole = max(_PEAKS + [memory().get("VmHWM", 0)])
    verdicts.append(("memory < 1 GiB (peak RSS: index build; queries)",
                     f"{index_peak:.0f} MiB; {mem_ours}; whole run {whole:.0f} MiB",
                     max(index_peak, ours_peak) * 1024 * 1024 < MEMORY_TARGET))
    geo = [ours[k] for k in GEO_KINDS if ours.get(k) and ours[k].times]
    if geo:
        times = [t for g in geo for t in g.times]
        verdicts.append(("geocode (no target)", f"p50 {pct(times, 50):.1f} ms, p95 "
                         f"{pct(times, 95):.1f} ms, p99 {pct(times, 99):.1f} ms", None))
    print(f"\n{'target':<50} {'measured':<74} result")
    for what, measured, ok in verdicts:
        print(f"{what:<50} {measured:<74} "
              f"{'—' if ok is None else 'PASS' if ok else 'FAIL'}")
    print("(memory: this process, with the bench's own copy of the register's names; the "
          "PostgreSQL server's memory is not counted; SQLite runs in this process, its page "
          "cache and mmap of the file included. Whole run: with generating and loading the "
          "data and the baselines.)")

    # where the time goes, for each kind over its target
    slow = [k for k in kinds if ours.get(k) and ours[k].times and (
        k in a.explain or group_of(k) in TARGETS and (ours[k].p(95) or 0) > TARGETS[group_of(k)])]
    if slow:
        print("\nwhere the time goes (the query at the kind's p95, run again with its SQL timed):")
    for kind in slow:
        st = ours[kind]
        case = st.slowest[-1][1]
        for line in where_time_goes(engine, log, case):
            print(line)
    engine.dispose()
    summary = {"backend": label, "names": a.names, "addresses": reg.n_addresses,
               "index_s": index_total, "peak_rss_mib": max(index_peak, ours_peak),
               "verdicts": [[w, m, ok] for w, m, ok in verdicts],
               "kinds": {k: {"p50": ours[k].p(50), "p95": ours[k].p(95), "p99": ours[k].p(99),
                             "hit1": ours[k].rate(ours[k].hit1),
                             "hit5": ours[k].rate(ours[k].hit5)}
                         for k in kinds if ours.get(k) and ours[k].times}}
    (work / f"summary-{label}.json").write_text(json.dumps(summary, ensure_ascii=False,
                                                           indent=1))
    return 0 if all(ok is not False for _w, _m, ok in verdicts) else 1


def main() -> None:
    """Run each backend in its own process (its own peak memory), then the combined verdicts."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--names", type=int, default=100_000)
    ap.add_argument("--addresses", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200, help="queries of each kind")
    ap.add_argument("--recall", type=int, default=300,
                    help="names made into a homophone and a mistyped query each")
    ap.add_argument("--baseline", type=int, default=100,
                    help="queries of each kind run through the baselines")
    ap.add_argument("--small", action="store_true",
                    help="2,000 names, 20,000 addresses, 30 queries a kind: a smoke run")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--explain", type=lambda v: v.split(","), default=[],
                    help="kinds (comma-separated) to explain even when within their target")
    ap.add_argument("--sqlite-mmap", type=int, metavar="MiB",
                    help="SQLite: map at most this much of the file (the product maps 1 GiB)")
    ap.add_argument("--pg-url")
    ap.add_argument("--pg-only", action="store_true")
    ap.add_argument("--sqlite-only", action="store_true")
    ap.add_argument("--workdir")
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder")
    ap.add_argument("--backend", help=argparse.SUPPRESS)  # set for the child processes
    a = ap.parse_args()
    if a.small:
        a.names, a.addresses, a.queries, a.recall, a.baseline = 2000, 20_000, 30, 60, 30
    work = Path(a.workdir or tempfile.mkdtemp(prefix="bench-search-"))
    work.mkdir(parents=True, exist_ok=True)
    if a.backend:
        url = f"sqlite:///{work / 'search.db'}" if a.backend == "spatialite" else a.pg_url
        if a.backend == "spatialite":
            (work / "search.db").unlink(missing_ok=True)
        raise SystemExit(run_backend(a.backend, url, a, work))
    backends = [] if a.pg_only else ["spatialite"]
    if a.pg_url and not a.sqlite_only:
        backends.append("postgis")
    status = 0
    argv = [x for x in sys.argv[1:] if x != "--small"]
    if a.small:
        argv += ["--names", str(a.names), "--addresses", str(a.addresses), "--queries",
                 str(a.queries), "--recall", str(a.recall), "--baseline", str(a.baseline)]
    for backend in backends:
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, __file__, *argv, "--workdir", str(work),
                              "--backend", backend])
        print(f"({backend}: {time.perf_counter() - t0:.0f} s in all, exit {rc})", flush=True)
        status = status or rc
    print("\n== verdicts")
    for backend in backends:
        path = work / f"summary-{backend}.json"
        if not path.exists():
            print(f"{backend}: no summary (the run failed)")
            status = status or 1
            continue
        for what, measured, ok in json.loads(path.read_text())["verdicts"]:
            print(f"{backend:<11} {what:<50} {measured:<74} "
                  f"{'—' if ok is None else 'PASS' if ok else 'FAIL'}")
    if not a.workdir:  # a temp dir of ours (a full run leaves a 1 GB database in it)
        shutil.rmtree(work, ignore_errors=True)
    raise SystemExit(status)


if __name__ == "__main__":
    main()
