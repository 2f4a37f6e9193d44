#!/usr/bin/env python3
"""Benchmark of the map's vector tiles on a synthetic register (default 1M addresses, 100k names).

The register is spread over a 40 × 40 km box around the Xixian New Area, as dense as a large
city: roads and bridges as lines of 2–6 vertices, buildings, residential areas, squares and
parks as points, addresses as door points. For each backend (SpatiaLite; PostGIS when a URL is
given) and each zoom (12, 14, 16) it renders tiles at random places of the box through the
product's tile code (``/tiles/all``) and prints p50/p95/max of the time and the size of a tile,
beside the same features fetched as GeoJSON (ST_AsGeoJSON of the tile's box plus the same
attributes, serialised) in the same run. Targets: p95 ≤ 50 ms and ≤ 500 KB at every zoom.

    python scripts/bench_tiles.py [--addresses 1000000] [--names 100000] [--tiles 200]
                                  [--pg-url postgresql+psycopg://…] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import mapbox_vector_tile
from sqlalchemy import select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from placenames import migrate, spatial  # noqa: E402
from placenames.db import make_engine  # noqa: E402
from placenames.maps.tiles import BUFFER, tile_for  # noqa: E402
from placenames.models import Address, Base, Jurisdiction, Place  # noqa: E402
from placenames.ops.maps import tiles  # noqa: E402
from placenames.serve import freeze_heap  # noqa: E402

BOX = (108.60, 34.10, 109.05, 34.46)  # west, south, east, north: about 40 × 40 km
LINE_CLASSES = [("road", 50), ("street", 20), ("avenue", 6), ("lane", 15), ("bridge", 2)]
POINT_CLASSES = [("building", 60), ("residential", 30), ("square", 3), ("park", 7)]
CHUNK = 20_000


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in weighted], [w for _, w in weighted])[0]


def _insert(engine, table, rows, label: str) -> None:
    """Insert ``rows`` (an iterable of dicts) in chunks of CHUNK, in one transaction."""
    t0 = time.perf_counter()
    n = 0
    with engine.begin() as conn:
        while chunk := list(itertools.islice(rows, CHUNK)):
            conn.execute(table.insert(), chunk)
            n += len(chunk)
    print(f"  {label}: {n:,} in {time.perf_counter() - t0:.0f} s", flush=True)


def load(engine, n_names: int, n_addresses: int, seed: int = 1) -> None:
    """Fill an empty, migrated database with the synthetic register (direct inserts)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    west, south, east, north = BOX
    with Session(engine) as s:
        j = Jurisdiction(code="610112002", name="三桥街道", level="township")
        s.add(j)
        s.commit()
        jid = j.id
    road_ids: list[uuid.UUID] = []

    def names():
        for i in range(n_names):
            pid = uuid.uuid4()
            x, y = rng.uniform(west, east), rng.uniform(south, north)
            if i % 2 == 0:  # half lines, half points
                cls = _pick(rng, LINE_CLASSES)
                n = rng.randint(2, 6)
                step = rng.uniform(0.002, 0.012) / n
                horiz = rng.random() < 0.5
                pts = [(x + k * step if horiz else x + rng.uniform(-2e-4, 2e-4),
                        y + rng.uniform(-2e-4, 2e-4) if horiz else y + k * step)
                       for k in range(n)]
                wkt = "LINESTRING(" + ", ".join(f"{a:.6f} {b:.6f}" for a, b in pts) + ")"
                road_ids.append(pid)
            else:
                cls = _pick(rng, POINT_CLASSES)
                wkt = f"POINT({x:.6f} {y:.6f})"
            yield {"id": pid, "name": f"名{i}路", "specific": f"名{i}", "generic": "路",
                   "cls": cls, "status": "in_force" if i % 10 else "in_procedure",
                   "romanization": f"Ming{i} Lu", "jurisdiction_id": jid,
                   "geom": f"SRID=4490;{wkt}", "version": 1, "created_at": now,
                   "updated_at": now}

    def addresses():
        for i in range(n_addresses):
            x, y = rng.uniform(west, east), rng.uniform(south, north)
            yield {"id": uuid.uuid4(), "code": f"6101120021{i:09d}", "jurisdiction_id": jid,
                   "road_id": road_ids[i % len(road_ids)] if road_ids else None,
                   "number": i % 400 + 1,
                   "full_text": f"陕西省西咸新区沣东新城三桥街道名{i % 997}路{i % 400 + 1}号",
                   "status": "active", "entrance": f"SRID=4490;POINT({x:.6f} {y:.6f})",
                   "version": 1, "created_at": now, "updated_at": now}

    _insert(engine, Place.__table__, names(), "names")
    _insert(engine, Address.__table__, addresses(), "addresses")
    with engine.connect() as conn:
        if spatial.backend_name(conn) == "postgis":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
            conn.commit()


def geojson_baseline(s: Session, tile) -> bytes:
    """The same features as GeoJSON: every layer's rows in the tile's box, serialised."""
    features = []
    for name in tiles.layer_names():
        stmt = tiles.layer_select(name, tile, s.connection())
        if stmt is None:
            continue
        geom = stmt.selected_columns["geom"]
        stmt = stmt.with_only_columns(*[c for c in stmt.selected_columns if c.key != "geom"],
                                      spatial.as_geojson(geom).label("gj"))
        for row in s.execute(stmt).mappings():
            props = {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in row.items()
                     if k != "gj"}
            features.append({"type": "Feature", "properties": props,
                             "geometry": json.loads(row["gj"])})
    return json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False).encode()


def pct(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank)."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def measure(engine, label: str, n_tiles: int, seed: int = 2) -> None:
    """Render random tiles at zooms 12, 14 and 16 and print times and sizes beside GeoJSON."""
    freeze_heap()  # as each server worker does once the app is built
    rng = random.Random(seed)
    west, south, east, north = BOX
    print(f"\n{label}")
    print(f"{'zoom':>4} {'what':<8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
          f"{'p50 KB':>8} {'p95 KB':>8} {'max KB':>8} {'feat p50':>8}")
    for z in (12, 14, 16):
        places = [tile_for(rng.uniform(west, east), rng.uniform(south, north), z)
                  for _ in range(n_tiles)]
        for what in ("mvt", "geojson"):
            times, sizes, feats = [], [], []
            with Session(spatial.read_only(engine)) as s:
                for k, t in enumerate(places):
                    t0 = time.perf_counter()
                    body = tiles.render(s, "all", t) if what == "mvt" else geojson_baseline(s, t)
                    dt = time.perf_counter() - t0
                    if k >= 5:  # warm-up
                        times.append(dt * 1000)
                        sizes.append(len(body) / 1024)
                    if what == "mvt" and k < 30:
                        dec = mapbox_vector_tile.decode(body) if body else {}
                        feats.append(sum(len(v["features"]) for v in dec.values()))
                    s.rollback()
            print(f"{z:>4} {what:<8} {pct(times, 50):8.1f} {pct(times, 95):8.1f} "
                  f"{max(times):8.1f} {pct(sizes, 50):8.1f} {pct(sizes, 95):8.1f} "
                  f"{max(sizes):8.1f} {statistics.median(feats) if feats else '':>8}",
                  flush=True)
    print(f"(buffer {BUFFER} units; {n_tiles} random tiles a zoom, the first 5 not timed)")


def main() -> None:
    """Load (or reuse) the synthetic register on each backend and measure it."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--addresses", type=int, default=1_000_000)
    ap.add_argument("--names", type=int, default=100_000)
    ap.add_argument("--tiles", type=int, default=200)
    ap.add_argument("--pg-url")
    ap.add_argument("--pg-only", action="store_true")
    ap.add_argument("--workdir")
    ap.add_argument("--reuse", action="store_true",
                    help="measure the register already loaded in --workdir / --pg-url")
    a = ap.parse_args()
    work = Path(a.workdir or tempfile.mkdtemp(prefix="bench-tiles-"))
    runs = []
    if not a.pg_only:
        runs.append(("spatialite", f"sqlite:///{work / 'tiles.db'}"))
    if a.pg_url:
        runs.append(("postgis", a.pg_url))
    for label, url in runs:
        engine = make_engine(url)
        if a.reuse:
            measure(engine, f"{label}: the register already loaded", a.tiles)
            engine.dispose()
            continue
        if label == "postgis":
            with engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
                for table in reversed(Base.metadata.sorted_tables):
                    conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
        elif (work / "tiles.db").exists():
            (work / "tiles.db").unlink()
        migrate.upgrade(engine)
        print(f"{label}: loading {a.names:,} names and {a.addresses:,} addresses", flush=True)
        load(engine, a.names, a.addresses)
        with Session(engine) as s:
            n = s.scalar(select(Place.id).limit(1))
            assert n is not None
        measure(engine, f"{label}: {a.names:,} names, {a.addresses:,} addresses", a.tiles)
        engine.dispose()


if __name__ == "__main__":
    main()
