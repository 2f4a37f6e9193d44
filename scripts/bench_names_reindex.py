"""``scripts/bench names --reindex 1000000,10000000``: the reindex of every name's derived fields.

For each size, on PostGIS (every size) and SpatiaLite (sizes up to 1M), a register of
synthetic names (``bench_names.synthetic_names`` over the 31,000 townships of
``bench_names.make_frame``) is written straight into the tables (COPY on PostgreSQL, secondary
indexes built after the load) as a register looks after its matching keys were invalidated:
专名/通名 and romanization as the current engine gives them, the matching keys empty and the
syllable-index rows stale (their 专名 pinyin empty). Then, each timed, the reindex choosing its
way as it does by default (``--mode auto``: a rebuild of the keys and syllable index when a
sample says most names' keys change, else row by row):

1. ``full``: every name's keys and every syllable-index row rewritten (a rebuild): what a
   lexicon change that alters every name's reading costs;
2. ``verify``: a second run, which finds nothing to write (the cost of checking a register);
3. ``keys``: every name's keys cleared (the syllable rows left right), then a run: every
   name's keys rewritten (a rebuild; what a change in the keys' definition costs);
4. ``keys (rows)``, up to 1M: the same, forced row by row (``--mode rows``): the baseline of
   the rebuild, in the same run;
5. ``published``: every 10th name's romanization and reading made stale, so those rows get a
   version, history and change-feed rows and their search entries rebuilt (row by row).

Target at 10M: ≤ 8 min on 2 cores (printed for each run).

Baselines in the same run: the names engine alone (``derived`` of each name, one process, no
cache, no database) and the ORM per row (load the places, ``name_keys.refresh`` each, flush by
thousands: what the write hooks do) on a sample, extrapolated to the size. The load average is
printed with each figure: the machine may be shared.

The generated register has no search entries, history or feed rows of its own (the reindex
reads none of them); the database is emptied before the next size.
"""

from __future__ import annotations

import os
import random
import resource
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_names import fresh_engine, make_frame, synthetic_names, vocabulary
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from placenames import spatial
from placenames.models import Place, PlaceKeys, PlaceSyllable
from placenames.models.name_keys import KEY_COLUMNS, derived, refresh
from placenames.ops.names import reindex as rx

TARGET_10M_S = 480.0
CHUNK = 250_000  # names generated, computed and copied at a time
SAMPLE = 20_000  # names of each baseline
LARGE = 1_000_000
"""Above this size the row-by-row baseline of a keys rewrite is not run."""


def load_avg() -> str:
    """The load averages (1, 5, 15 min)."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _derived(items: list[tuple[str, str]]) -> list[tuple[dict[str, str], tuple[str, ...]]]:
    """The derived values and syllable-index terms of each (name, class)."""
    with rx.cycles_paused():  # as a reindex batch
        return [derived(name, cls, None) for name, cls in items]


def _secondary_indexes(conn: Any, tables: tuple[str, ...]) -> list[str]:
    """The CREATE statements of the B-tree indexes of ``tables`` other than the keys."""
    if conn.dialect.name == "postgresql":
        rows = conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(:t) "
            "AND indexdef NOT LIKE '%UNIQUE%' AND indexdef NOT LIKE '%USING gist%'"),
            {"t": list(tables)}).all()
    else:
        rows = conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN (" + ", ".join(f"'{t}'" for t in tables) + ")")).all()
    return [f"{name}\t{sql}" for name, sql in rows]


def generate(engine: Any, size: int, seed: int, workers: int, stale: bool = True
             ) -> dict[str, float]:
    """Write ``size`` names, with stale keys and syllable rows (``stale``) or as the engine
    leaves them; seconds of each step."""
    rng = random.Random(seed)
    chars = vocabulary()
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    with Session(engine) as s:
        towns = make_frame(s, rng)
        s.commit()
    with engine.begin() as conn:
        indexes = _secondary_indexes(conn, ("places", "place_keys", "place_syllables"))
        for entry in indexes:
            conn.execute(text(f'DROP INDEX "{entry.split(chr(9))[0]}"'))
    computed = 0.0
    copied = 0.0
    now = datetime.now(UTC)
    with rx.cycles_paused(), ProcessPoolExecutor(workers, mp_context=_spawn()) as pool:
        for start in range(0, size, CHUNK):
            n = min(CHUNK, size - start)
            names = synthetic_names(n, rng, chars)
            t1 = time.perf_counter()
            distinct = list(dict.fromkeys(names))
            parts = [distinct[i:i + 2000] for i in range(0, len(distinct), 2000)]
            values = dict(zip(distinct, (v for part in pool.map(_derived, parts) for v in part),
                              strict=True))
            t2 = time.perf_counter()
            computed += t2 - t1
            places, keys, syllables = [], [], []
            for name, cls in names:
                tcode, tid, _city = rng.choice(towns)
                got, terms = values[(name, cls)]
                pid = uuid.uuid4()
                keys.append({"place_id": pid, "division_code": tcode,
                             **(dict.fromkeys(KEY_COLUMNS) if stale else
                                {k: got[k] for k in KEY_COLUMNS})})
                places.append({"id": pid, "version": 1, "created_at": now, "updated_at": now,
                               "name": name, "specific": got["specific"],
                               "generic": got["generic"], "romanization": got["romanization"],
                               "cls": cls, "status": "in_force",
                               "jurisdiction_id": tid, "division_code": tcode})
                sp = None if stale else got["key_specific_pinyin"]
                syllables.extend({"place_id": pid, "syllable": t, "division_code": tcode,
                                  "specific_pinyin": sp} for t in terms)
            with engine.begin() as conn:
                spatial.bulk_insert_rows(conn, Place.__table__, places)  # type: ignore[arg-type]
                spatial.bulk_insert_rows(conn, PlaceKeys.__table__, keys)  # type: ignore[arg-type]
                spatial.bulk_insert_rows(conn, PlaceSyllable.__table__,  # type: ignore[arg-type]
                                         syllables)
            copied += time.perf_counter() - t2
            print(f"\r    generated {start + n:,}", end="", flush=True)
    print()
    times["names engine (generator, distinct names per chunk)"] = computed
    times["write rows"] = copied
    t1 = time.perf_counter()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # sorts in memory, as a restore would
            conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
        for entry in indexes:
            conn.execute(text(entry.split("\t", 1)[1]))
    times["build indexes"] = time.perf_counter() - t1
    times["vacuum/analyze"] = vacuum(engine)
    times["all"] = time.perf_counter() - t0
    return times


def _spawn() -> Any:
    import multiprocessing

    return multiprocessing.get_context("spawn")


def vacuum(engine: Any) -> float:
    """VACUUM ANALYZE (PostgreSQL) or ANALYZE (SQLite): what autovacuum does after a load."""
    t0 = time.perf_counter()
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM (ANALYZE) places, place_keys, place_syllables"))
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    return time.perf_counter() - t0


def disk_mib(engine: Any, path: Path | None) -> float:
    """The database's size on disk, MiB."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT pg_database_size(current_database())"))
                       .scalar()) / 2**20
    assert path is not None
    return sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal")
               if Path(f"{path}{s}").exists()) / 2**20


def own_cpu() -> float:
    """CPU seconds of this process and of its children that have ended (the workers)."""
    return sum(r.ru_utime + r.ru_stime for r in (
        resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))


def server_cpu(engine: Any) -> float:
    """CPU seconds of the PostgreSQL cluster serving ``engine`` (its postmaster, the backends
    it has reaped and those alive), from /proc; 0 for SQLite (its work is in ours)."""
    if engine.dialect.name != "postgresql":
        return 0.0
    port = f"-p {engine.url.port} "
    tick = os.sysconf("SC_CLK_TCK")
    master = None
    stats = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry.name)] = (int(fields[1]), fields)  # ppid, fields after the name
        if "postgres -D" in cmd and port in cmd + " ":
            master = int(entry.name)
    if master is None:
        return 0.0
    total = sum(int(x) for x in stats[master][1][11:15])  # utime stime cutime cstime
    total += sum(int(f[11]) + int(f[12]) for ppid, f in stats.values() if ppid == master)
    return total / tick


def timed_reindex(engine: Any, workers: int, batch: int, settings: dict[str, Any],
                  mode: str = "auto") -> tuple[rx.Report, str, float, float]:
    """One ``reindex`` run; the report, the load average at its end, the CPU seconds of ours
    (this process and the workers) and of the database server."""
    ours, theirs = own_cpu(), server_cpu(engine)
    report = rx.reindex(engine, workers=workers, batch=batch, engine_settings=settings,
                        mode=mode)
    return report, load_avg(), own_cpu() - ours, server_cpu(engine) - theirs


def show(label: str, run: tuple[rx.Report, str, float, float]) -> None:
    """Print one run's counts, time, load and CPU."""
    report, load, ours, theirs = run
    c = report.counts["name"]
    rate = c.read / report.seconds if report.seconds else 0.0
    print(f"  {label:<10} {report.seconds:8.1f} s  {rate:>9,.0f} names/s  read {c.read:,}  "
          f"changed {c.changed:,}  written {c.written:,}  (published {c.published:,}, "
          f"syllables {c.syllables:,}, search {c.search:,}, failed {c.failed:,})", flush=True)
    print(f"    load {load}; CPU: ours {ours:.0f} s, database server {theirs:.0f} s "
          f"(at least {(ours + theirs) / (os.cpu_count() or 1):.0f} s of wall time on "
          f"{os.cpu_count()} free cores)", flush=True)
    r = report.rebuilt
    print("    written row by row" if r is None else
          f"    rebuilt: shadows settled, indexed and compared in {r.index_seconds:.1f} s, "
          f"swap (writers waiting) {r.locked_seconds:.2f} s, names taken from the live tables: "
          f"{r.settled:,} before indexing, {r.taken:,} at the swap",
          flush=True)


def stale_keys(engine: Any) -> None:
    """Clear every name's matching keys (as a change of their definition would leave them),
    leaving the syllable-index rows as they are; then vacuum, as autovacuum would."""
    with engine.begin() as conn:
        conn.execute(update(PlaceKeys).values(dict.fromkeys(KEY_COLUMNS)))
    vacuum(engine)


def stale_published(engine: Any, every: int) -> int:
    """Make every ``every``-th name's romanization and reading stale; the rows touched."""
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(select(Place.id).order_by(Place.id))]
        chosen = ids[::every]
        for start in range(0, len(chosen), 5000):
            part = chosen[start:start + 5000]
            conn.execute(update(Place).where(Place.id.in_(part)).values(romanization="Stale"))
            conn.execute(update(PlaceKeys).where(PlaceKeys.place_id.in_(part))
                         .values(key_pinyin="stale"))
    return len(chosen)


def clear_engine_caches() -> None:
    """Empty the names engine's own caches of recent names (not its lexicons)."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("placenames.naming"):
            continue
        for value in vars(module).values():
            info = getattr(value, "cache_info", None)
            if info is not None and info().maxsize is not None:
                value.cache_clear()


def engine_alone(engine: Any, sample: int) -> float:
    """Seconds a name of ``derived`` alone: one process, no cache, no database."""
    with engine.connect() as conn:
        rows = conn.execute(select(Place.name, Place.cls).limit(sample)).all()
    clear_engine_caches()
    t0 = time.perf_counter()
    for name, cls in rows:
        derived(name, cls, None)
    return (time.perf_counter() - t0) / max(len(rows), 1)


def orm_per_row(engine: Any, sample: int) -> float:
    """Seconds a name of the ORM path on ``sample`` names made stale first: load the places,
    ``refresh`` each (what the write hooks run), flush and commit by thousands."""
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(select(Place.id).limit(sample))]
        for start in range(0, len(ids), 5000):
            conn.execute(update(PlaceKeys).where(PlaceKeys.place_id.in_(ids[start:start + 5000]))
                         .values({c: None for c in KEY_COLUMNS}))
    t0 = time.perf_counter()
    with Session(engine) as s:
        for start in range(0, len(ids), 1000):
            for place in s.scalars(select(Place).where(Place.id.in_(ids[start:start + 1000]))):
                refresh(place, place.division_code)
            s.commit()
    return (time.perf_counter() - t0) / max(len(ids), 1)


RUNS = ("full", "verify", "keys", "published")


def bench_size(label: str, url: str, size: int, workers: int, batch: int, seed: int,
               published: bool, runs: tuple[str, ...] = RUNS) -> None:
    """Generate, reindex, the baselines; print everything.

    Up to 1M: a register with stale keys, then the runs full, verify, keys and published.
    Above 1M: a register as the engine leaves it (a full rewrite is measured at 1M and
    scales with the rows), then verify and published: what an engine upgrade or a lexicon
    change costs, every name recomputed and the changed ones written."""
    engine = fresh_engine(url, size)
    path = Path(url.split("///", 1)[1].replace(".db", f"-{size}.db")) \
        if url.startswith("sqlite") else None
    settings: dict[str, Any] = {}
    large = size > LARGE
    print(f"\n== {label}: reindex of {size:,} names, {workers} workers, batches of {batch:,} "
          f"(load {load_avg()}, {os.cpu_count()} cores)", flush=True)
    times = generate(engine, size, seed, workers)
    print("  generated (keys stale): " + ", ".join(f"{k} {v:.0f} s" for k, v in times.items())
          + f"; {disk_mib(engine, path):,.0f} MiB on disk", flush=True)
    first = timed_reindex(engine, workers, batch, settings)
    show("full", first)
    verdict(size, first[0])
    full_seconds = first[0].seconds
    if set(runs) - {"full"}:
        t_vac = vacuum(engine)
        print(f"  (vacuum/analyze after the rewrite {t_vac:.0f} s, not counted; "
              f"{disk_mib(engine, path):,.0f} MiB on disk)", flush=True)
    again = first[0]
    if "verify" in runs:
        second = timed_reindex(engine, workers, batch, settings)
        show("verify", second)
        verdict(size, second[0])
        again = second[0]
    keys_seconds: dict[str, float] = {}
    for mode in () if "keys" not in runs else ("auto",) if large else ("auto", "rows"):
        t0 = time.perf_counter()
        stale_keys(engine)
        print(f"  (every name's keys cleared, syllable rows left right: "
              f"{time.perf_counter() - t0:.0f} s with the vacuum, not counted)", flush=True)
        keys = timed_reindex(engine, workers, batch, settings, mode)
        show("keys" if mode == "auto" else "keys (rows)", keys)
        verdict(size, keys[0])
        keys_seconds[mode] = keys[0].seconds
    if "rows" in keys_seconds:
        print(f"    the rebuild against row by row, keys rewritten: "
              f"{keys_seconds['rows'] / keys_seconds['auto']:.2f}× faster", flush=True)
    if "published" in runs and (published or large):
        n = stale_published(engine, 10)
        changed = timed_reindex(engine, workers, batch, settings)
        show("published", changed)
        print(f"    ({n:,} names with a stale romanization and reading: a version, a history "
              "and a feed row each, their search entries rebuilt)")
        verdict(size, changed[0])
    per_engine = engine_alone(engine, SAMPLE)
    print(f"  baseline, names engine alone (one process, no cache): {per_engine * 1e6:.0f} µs "
          f"a name, {per_engine * size:,.0f} s for {size:,}; ratio to it: "
          f"{'verify' if 'verify' in runs else 'full'} {per_engine * size / again.seconds:.2f}×")
    if not large:
        vacuum(engine)
        per_orm = orm_per_row(engine, SAMPLE)
        print(f"  baseline, ORM per row (refresh + flush by thousands, {SAMPLE:,} names): "
              f"{per_orm * 1e6:.0f} µs a name, {per_orm * size:,.0f} s for {size:,}; "
              f"speed-up of the full run {per_orm * size / full_seconds:.1f}×")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"  peak memory: this process {own:.0f} MiB, largest worker {children:.0f} MiB",
          flush=True)
    engine.dispose()
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def verdict(size: int, report: rx.Report) -> None:
    """At 10M: whether the run met the target."""
    if size >= 10_000_000:
        met = "met" if report.seconds <= TARGET_10M_S else "MISSED"
        print(f"    target ≤ {TARGET_10M_S:.0f} s at 10M: {met}", flush=True)


def run(sizes: list[int], pg_url: str | None, work: Path, workers: int, batch: int,
        pg_only: bool, seed: int, runs: tuple[str, ...] = RUNS) -> None:
    """Every size on each backend: SpatiaLite up to 1M, PostGIS at every size."""
    for size in sizes:
        if not pg_only and size <= 1_000_000:
            bench_size("spatialite", f"sqlite:///{work / 'reindex.db'}", size, workers, batch,
                       seed, published=True, runs=runs)
        if pg_url:
            bench_size("postgis", pg_url, size, workers, batch, seed,
                       published=size <= 1_000_000, runs=runs)
    if not pg_url:
        print("\n(no --pg-url: PostGIS not measured)")


def sizes_of(value: str) -> Iterator[int]:
    """``1000000,10000000`` → sizes."""
    for part in value.split(","):
        yield int(part)
