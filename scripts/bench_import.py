#!/usr/bin/env python3
"""Benchmark of importing an office's register (issue 11): 1M addresses from CSV, and 100k names
with the duplicate/homophone screen on, through the product's import (``import_file``).

The register's frame is real: the 314 townships of Xi'an and Xianyang (NBS 2022) and the Xixian
New Area's management areas; names are made from real specifics (``bench_search.NameMaker``:
roads, streets, lanes, bridges, residential areas, buildings…, a few renamed or cancelled);
addresses run along the in-force roads with numbers, buildings and units
(``bench_search.address_rows``). Files are written as an office would bring them: CSV in UTF-8
with the national database's headers (标准名称, 地名类别, 行政区划代码, 几何; 标准地址, 地址代码,
行政区划代码, 道路名称, 门牌号, 楼栋, 单元, 经度, 纬度).

Each backend (SpatiaLite in a temp dir; PostGIS when ``--pg-url`` is given) runs in its own
process. Measured, each from an empty register:
- names: import N names (screen on), then re-import the same file (every row unchanged, every
  name screened against a register of N); baseline in the same run: the per-name screen
  (``screen.screen``) of a sample, extrapolated to N;
- addresses: import M addresses (target ≤ 5 min for 1M), then re-import the same file (every
  row unchanged); baselines in the same run: reading the CSV alone (the floor), and the ORM's
  per-row path (one ``Address`` object a row, flushed by thousands) on a sample, extrapolated.

    scripts/bench import [--names 100000 --addresses 1000000 | --small]
    python scripts/bench_import.py [--pg-url postgresql+psycopg://…] [--workdir DIR] [--seed 7]
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import os
import pstats
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_search import (  # scripts/ is sys.path[0] when run as a script
    SHARED,
    NameMaker,
    Register,
    address_rows,
    make_frame,
    make_names,
)
from bench_tiles import _insert
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from placenames import migrate  # noqa: E402
from placenames.db import make_engine  # noqa: E402
from placenames.models import Address, Base, HistoryRow, Jurisdiction, Place  # noqa: E402
from placenames.models.changes import Change  # noqa: E402
from placenames.models.jurisdictions import ManagementMembership  # noqa: E402
from placenames.ops.exchange.imports import import_file  # noqa: E402
from placenames.ops.names import screen  # noqa: E402

ADDRESS_TARGET_S = 300.0
NAME_HEADER = ["标识码", "标准名称", "地名类别", "行政区划代码", "状态", "几何"]
ADDRESS_HEADER = ["标准地址", "地址代码", "行政区划代码", "道路名称", "门牌号", "楼栋", "单元",
                  "经度", "纬度"]


Files = tuple[list[dict[str, Any]], list[dict[str, Any]], Path, Path, dict[str, float]]


def write_files(work: Path, n_names: int, n_addresses: int, seed: int, shared: Path) -> Files:
    """Generate the frame, the names file and the addresses file."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    towns, juris, members = make_frame(shared, now, rng)
    names, _aliases = make_names(n_names, towns, NameMaker(shared, rng), rng)
    reg = Register(towns, names, [], [])
    names_csv = work / "names.csv"
    with names_csv.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(NAME_HEADER)
        for r in names:
            if r.line:
                wkt = "LINESTRING (" + ", ".join(f"{a:.7f} {b:.7f}" for a, b in r.line) + ")"
            else:
                assert r.point is not None
                wkt = f"POINT ({r.point[0]:.7f} {r.point[1]:.7f})"
            w.writerow([r.id, r.name, r.cls, towns[r.township].code, r.status, wkt])
    t_names = time.perf_counter() - t0
    t0 = time.perf_counter()
    road_names = {r.id: r.name for r in names}
    town_codes = {t.id: t.code for t in towns}
    addresses_csv = work / "addresses.csv"
    with addresses_csv.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(ADDRESS_HEADER)
        for a in address_rows(reg, n_addresses, rng, now, 0.0):
            lon, lat = a["entrance"].split("(", 1)[1].rstrip(")").split()
            w.writerow([a["full_text"], a["code"], town_codes[a["jurisdiction_id"]],
                        road_names[a["road_id"]], a["number"], a["building"] or "",
                        a["unit"] or "", lon, lat])
    return juris, members, names_csv, addresses_csv, {
        "generate names file": t_names, "generate addresses file": time.perf_counter() - t0}


def rss_mib() -> float:
    """Peak RSS of this process so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_import(engine: Any, path: Path, kind: str, profile: bool = False
                 ) -> tuple[float, Any, list[str]]:
    """Import ``path`` through the product (committed); seconds, the report, a profile."""
    prof = cProfile.Profile() if profile else None
    with Session(engine) as s:
        t0 = time.perf_counter()
        if prof:
            prof.enable()
        report = import_file(s, path, kind)
        if report.imported:
            s.commit()
        if prof:
            prof.disable()
        seconds = time.perf_counter() - t0
    lines: list[str] = []
    if prof:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(18)
        lines = [ln for ln in out.getvalue().splitlines() if ln.strip()][-20:]
    return seconds, report, lines


def per_name_screen(engine: Any, names_csv: Path, sample: int) -> tuple[float, int]:
    """Seconds a name of the per-name screen (``screen.screen``) over a sample."""
    with names_csv.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    picked = random.Random(1).sample(rows, min(sample, len(rows)))
    with Session(engine) as s:
        t0 = time.perf_counter()
        for r in picked:
            screen.screen(s, r["标准名称"], r["地名类别"], area_code=r["行政区划代码"])
        return (time.perf_counter() - t0) / len(picked), len(picked)


def csv_floor(path: Path) -> float:
    """Seconds to read the CSV and split it into cells, nothing else."""
    t0 = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as f:
        for _row in csv.reader(f):
            pass
    return time.perf_counter() - t0


def orm_rate(engine: Any, addresses_csv: Path, sample: int) -> float:
    """Seconds a row of the ORM's per-row path (an ``Address`` object a row, its road and
    jurisdiction looked up, flushed by thousands, rolled back) over a sample."""
    with addresses_csv.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = [next(reader) for _ in range(sample)]
    with Session(engine) as s:
        t0 = time.perf_counter()
        for i, r in enumerate(rows, 1):
            j = s.scalar(select(Jurisdiction).where(Jurisdiction.code == r["行政区划代码"]))
            road = s.scalar(select(Place).where(Place.name == r["道路名称"]))
            s.add(Address(code="X" + r["地址代码"], jurisdiction=j, road=road,
                          number=int(r["门牌号"]), building=r["楼栋"] or None,
                          unit=r["单元"] or None, full_text=r["标准地址"],
                          entrance=f"SRID=4490;POINT({r['经度']} {r['纬度']})"))
            if i % 1000 == 0:
                s.flush()
        s.flush()
        seconds = time.perf_counter() - t0
        s.rollback()
    return seconds / len(rows)


def count(engine: Any, model: Any) -> int:
    """Rows of ``model``'s table."""
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def run_backend(label: str, url: str, a: argparse.Namespace, work: Path) -> int:
    """Build the files, import them, print the figures; write the summary (JSON)."""
    engine = make_engine(url)
    if label == "postgis":
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
    migrate.upgrade(engine)
    juris, members, names_csv, addresses_csv, gen = write_files(
        work, a.names, a.addresses, a.seed, a.shared)
    _insert(engine, Jurisdiction.__table__, iter(juris), "jurisdictions (the frame)")
    _insert(engine, ManagementMembership.__table__, iter(members), "management areas")
    print(f"{label}: files written ({', '.join(f'{k} {v:.0f} s' for k, v in gen.items())}); "
          f"names.csv {names_csv.stat().st_size / 1e6:.1f} MB, addresses.csv "
          f"{addresses_csv.stat().st_size / 1e6:.1f} MB", flush=True)

    figures: dict[str, Any] = {}
    t, rep, _ = timed_import(engine, names_csv, "names")
    assert rep.imported, rep.sorted_problems()[:5]
    figures["names"] = {"rows": rep.rows, "seconds": t, "warnings": rep.warnings,
                        "counts": dict(rep.counts)}
    print(f"  names import: {rep.rows:,} rows in {t:.1f} s = {rep.rows / t:,.0f} rows/s "
          f"({rep.warnings:,} screen/rule warnings)", flush=True)
    t, rep, _ = timed_import(engine, names_csv, "names")
    figures["names_again"] = {"seconds": t, "counts": dict(rep.counts)}
    print(f"  names re-import (all unchanged, screened against {a.names:,}): {t:.1f} s = "
          f"{rep.rows / t:,.0f} rows/s; {dict(rep.counts)}", flush=True)
    per, n = per_name_screen(engine, names_csv, a.screen_sample)
    figures["per_name_screen_s"] = per
    print(f"  baseline, per-name screen (screen.screen, {n} names): {per * 1000:.1f} ms a name "
          f"→ {per * a.names:,.0f} s for {a.names:,}", flush=True)

    floor = csv_floor(addresses_csv)
    print(f"  baseline, reading the addresses CSV alone: {floor:.1f} s", flush=True)
    orm = orm_rate(engine, addresses_csv, min(a.orm_sample, a.addresses))
    print(f"  baseline, ORM per row ({min(a.orm_sample, a.addresses):,} rows): "
          f"{orm * 1e6:.0f} µs a row → {orm * a.addresses:,.0f} s for {a.addresses:,}",
          flush=True)
    load_before = os.getloadavg()
    t, rep, prof = timed_import(engine, addresses_csv, "addresses", profile=a.profile)
    load = tuple(max(x, y) for x, y in zip(load_before, os.getloadavg(), strict=True))
    assert rep.imported, rep.sorted_problems()[:5]
    figures["addresses"] = {"rows": rep.rows, "seconds": t, "warnings": rep.warnings}
    print(f"  addresses import: {rep.rows:,} rows in {t:.1f} s = {rep.rows / t:,.0f} rows/s "
          f"({rep.warnings:,} warnings); peak RSS {rss_mib():.0f} MiB; load average "
          f"{' '.join(f'{x:.1f}' for x in load)} on {os.cpu_count()} CPUs", flush=True)
    for line in prof:
        print("    " + line)
    stored = count(engine, Address)
    history = count(engine, HistoryRow)
    feed = count(engine, Change)
    t2, rep2, _ = timed_import(engine, addresses_csv, "addresses")
    figures["addresses_again"] = {"seconds": t2, "counts": dict(rep2.counts)}
    print(f"  addresses re-import (all unchanged): {t2:.1f} s = {rep2.rows / t2:,.0f} rows/s; "
          f"{dict(rep2.counts)}", flush=True)
    same = (count(engine, Address), count(engine, HistoryRow), count(engine, Change)) == \
        (stored, history, feed)
    print(f"  after the re-import: {stored:,} addresses, {history:,} history rows, {feed:,} feed "
          f"rows {'(unchanged)' if same else '(CHANGED!)'}")
    engine.dispose()
    scaled = t * 1_000_000 / max(rep.rows, 1)
    verdicts = [
        ("addresses: 1M rows ≤ 5 min" if a.addresses >= 1_000_000 else
         f"addresses: {a.addresses:,} rows, scaled to 1M ≤ 5 min",
         f"{t:.0f} s ({scaled:.0f} s for 1M), {rep.rows / t:,.0f} rows/s",
         scaled <= ADDRESS_TARGET_S),
        ("names with the screen (no target)",
         f"{a.names / figures['names']['seconds']:,.0f} rows/s; re-import "
         f"{a.names / figures['names_again']['seconds']:,.0f} rows/s; per-name screen "
         f"{1 / per:,.0f} names/s", None),
        ("re-import writes nothing", "same counts" if same else "counts changed", same),
    ]
    (work / f"summary-{label}.json").write_text(json.dumps(
        {"backend": label, "figures": figures, "verdicts": verdicts}, ensure_ascii=False))
    return 0 if all(ok is not False for _w, _m, ok in verdicts) else 1


def main() -> None:
    """Run each backend in its own process, then print the verdicts."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--names", type=int, default=100_000)
    ap.add_argument("--addresses", type=int, default=1_000_000)
    ap.add_argument("--screen-sample", type=int, default=300)
    ap.add_argument("--orm-sample", type=int, default=5000)
    ap.add_argument("--small", action="store_true", help="5,000 names, 50,000 addresses")
    ap.add_argument("--profile", action="store_true", help="profile the addresses import")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pg-url")
    ap.add_argument("--sqlite-only", action="store_true")
    ap.add_argument("--pg-only", action="store_true")
    ap.add_argument("--workdir")
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder")
    ap.add_argument("--backend", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.small:
        a.names, a.addresses, a.screen_sample, a.orm_sample = 5000, 50_000, 100, 2000
    work = Path(a.workdir or tempfile.mkdtemp(prefix="bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    if a.backend:
        url = f"sqlite:///{work / 'import.db'}" if a.backend == "spatialite" else a.pg_url
        if a.backend == "spatialite":
            (work / "import.db").unlink(missing_ok=True)
        raise SystemExit(run_backend(a.backend, url, a, work))
    backends = [] if a.pg_only else ["spatialite"]
    if a.pg_url and not a.sqlite_only:
        backends.append("postgis")
    argv = [x for x in sys.argv[1:] if x != "--small"]
    if a.small:
        argv += ["--names", str(a.names), "--addresses", str(a.addresses), "--screen-sample",
                 str(a.screen_sample), "--orm-sample", str(a.orm_sample)]
    status = 0
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
            print(f"{backend:<11} {what:<44} {measured:<70} "
                  f"{'—' if ok is None else 'PASS' if ok else 'FAIL'}")
    if not a.workdir:
        shutil.rmtree(work, ignore_errors=True)
    raise SystemExit(status)


if __name__ == "__main__":
    main()
