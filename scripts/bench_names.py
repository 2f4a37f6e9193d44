#!/usr/bin/env python3
"""Benchmark of the duplicate and homophone screen on synthetic national-size registers.

For each size (default 10k, 100k, 1M names) and each backend (SpatiaLite; PostGIS when a URL is
given), it loads a register through the product's bulk loader (same keys, syllable index and
history as every write), then runs a thousand checks of proposals with known injected
conflicts (exact duplicates, homophones, near-homophones, directional variants) and prints:
- p50/p95/p99 of the indexed exact/homophone lookup, beside a Python dict lookup;
- p50/p95/p99 of the full screen (rules, scope, keys, syllable index, rapidfuzz scoring),
  beside rapidfuzz brute force over every name of the register in memory (same run);
- recall of the injected conflicts, and recall against brute force over the legal scope of
  every name with a similarity at or above the threshold (on a sample);
- peak memory (ru_maxrss).
Latencies leave out the first checks of each run (a warm-up); recall counts every check.

    python scripts/bench_names.py [--sizes 10000,100000,1000000] [--checks 1000]
                                  [--pg-url postgresql+psycopg://…] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from placenames import migrate  # noqa: E402
from placenames.db import make_engine  # noqa: E402
from placenames.models import Base, Jurisdiction, Place, PlaceKeys, Scope  # noqa: E402
from placenames.models.jurisdictions import scope_members  # noqa: E402
from placenames.models.name_keys import jurisdiction_derived  # noqa: E402
from placenames.naming.generics import split_name  # noqa: E402
from placenames.naming.keys import NameKeys, fold_syllable, name_keys  # noqa: E402
from placenames.naming.readings import reading_of  # noqa: E402
from placenames.ops.names import screen as screen_ops  # noqa: E402
from placenames.ops.registry.places import PlaceRow, bulk_insert  # noqa: E402

CHARS = ("长安东西南北中新华光明和平建设人民解放胜利友谊文化幸福兴隆永安康宁泰和"
         "丰庆吉祥瑞福昌盛荣丽景秀春秋朝阳红星金银玉宝珠翠青松柏林桃李杏花梅兰竹"
         "菊莲荷湖海河江溪泉湾桥港塘池山岭峰岗坡原川田园苑庄村堡寨营屯铺店集市"
         "城关门楼台阁殿宫庙寺塔亭廊坊里巷街路道桥渠堤坝闸仓库场站厂矿窑园圃林"
         "秦汉唐周宋明清渭泾沣灞浐潏滈涝丰镐咸阳雍岐扶凤翔宝鸡汉中延安榆林商洛"
         "安康铜川渭南杨凌韩城华阴潼关蓝田户县周至高陵临潼阎良未央雁塔碑林莲湖"
         "兴庆曲江大雁小雁钟鼓含元太液昆明上林甘泉龙首凤栖鹤鸣鹿苑麒麟锦绣云霞")
GENERICS = [("路", "road", 40), ("街", "street", 15), ("大道", "avenue", 8), ("巷", "lane", 7),
            ("小区", "residential", 12), ("苑", "residential", 5), ("大厦", "building", 8),
            ("桥", "bridge", 5)]
SIMILARITY = screen_ops.SIMILARITY_THRESHOLD
WARM_UP = 20  # checks run before the timings are kept (recall counts every check)


def vocabulary() -> list[str]:
    """Characters common in place names, no repeats."""
    return sorted(set(CHARS))


def sound_groups(chars: list[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Characters by toneless syllable and by folded syllable."""
    exact, folded = defaultdict(list), defaultdict(list)
    for ch in chars:
        syl = lazy_pinyin(ch)[0]
        exact[syl].append(ch)
        folded[fold_syllable(syl, *_default_fold())].append(ch)
    return exact, folded


def _default_fold() -> tuple[dict[str, str], dict[str, str]]:
    from placenames.naming.keys import _DEFAULT_FOLD

    return _DEFAULT_FOLD


def make_frame(session: Session, rng: random.Random) -> list[tuple[str, uuid.UUID, str]]:
    """31 provinces × 10 cities × 10 counties × 10 townships; one built-up scope per city.

    Returns the townships as (code, id, city code)."""
    rows, scopes, members, towns = [], [], [], []
    for p in range(11, 42):
        pid = uuid.uuid4()
        rows.append({"id": pid, "code": f"{p}", "name": f"省{p}", "level": "province",
                     "parent_id": None})
        for c in range(1, 11):
            cid, ccode = uuid.uuid4(), f"{p}{c:02d}"
            rows.append({"id": cid, "code": ccode, "name": f"市{ccode}", "level": "city",
                         "parent_id": pid})
            sid = uuid.uuid4()
            scopes.append({"id": sid, "name": f"建成区{ccode}", "kind": "built_up_area",
                           "classes": "", "radius_m": 0})
            members.append({"scope_id": sid, "jurisdiction_id": cid})
            for k in range(1, 11):
                kid, kcode = uuid.uuid4(), f"{ccode}{k:02d}"
                rows.append({"id": kid, "code": kcode, "name": f"县{kcode}", "level": "county",
                             "parent_id": cid})
                for t in range(1, 11):
                    tid, tcode = uuid.uuid4(), f"{kcode}{t:03d}"
                    rows.append({"id": tid, "code": tcode, "name": f"镇{tcode}",
                                 "level": "township", "parent_id": kid})
                    towns.append((tcode, tid, ccode))
    for r in rows:  # the keys the ORM hook would store (a Core insert bypasses it)
        r.update(jurisdiction_derived(r["name"], r["level"], None))
    session.execute(insert(Jurisdiction), rows)
    session.execute(insert(Scope), scopes)
    session.execute(insert(scope_members), members)
    return towns


def synthetic_names(n: int, rng: random.Random, chars: list[str]) -> list[tuple[str, str]]:
    """``n`` (name, class) pairs: a 2- or 3-character specific and a weighted generic."""
    weights = [w for _g, _c, w in GENERICS]
    out = []
    for _ in range(n):
        generic, cls, _w = rng.choices(GENERICS, weights)[0]
        k = 2 if rng.random() < 0.7 else 3
        out.append(("".join(rng.choice(chars) for _ in range(k)) + generic, cls))
    return out


def load(engine, size: int, rng: random.Random) -> tuple[list, list]:
    """Build the frame and bulk-load ``size`` names through the product's loader."""
    chars = vocabulary()
    with Session(engine) as s:
        towns = make_frame(s, rng)
        names = synthetic_names(size, rng, chars)
        placed = [(name, cls, *rng.choice(towns)) for name, cls in names]
        t0 = time.perf_counter()
        bulk_insert(s, (PlaceRow(name, cls, tid, tcode) for name, cls, tcode, tid, _c in placed),
                    on_progress=lambda d: print(f"\r    loaded {d:,}", end="", file=sys.stderr))
        s.commit()
        print(f"\r    loaded {size:,} names in {time.perf_counter() - t0:.0f} s",
              file=sys.stderr)
    return towns, placed


def proposals(session: Session, count: int, rng: random.Random, towns: list):
    """Checks with a known conflicting target: (name, cls, area code, target id, kind)."""
    chars = vocabulary()
    exact, folded = sound_groups(chars)
    by_city = defaultdict(list)
    for tcode, _tid, ccode in towns:
        by_city[ccode].append(tcode)
    targets = session.execute(select(Place.id, Place.name, Place.cls, Place.specific,
                                     Place.generic, Place.division_code)
                              .order_by(Place.id).limit(count * 20)).all()
    rng.shuffle(targets)
    checks = []
    kinds = ["exact", "homophone", "near_homophone", "directional", "same_specific"]
    for pid, _name, cls, spec, gen, code in targets:
        kind = kinds[len(checks) % len(kinds)]
        new = _variant(kind, spec, gen, cls, rng, exact, folded)
        if new is None:
            continue
        area = rng.choice(by_city[code[:4]])
        checks.append((new, cls, area, pid, kind))
        if len(checks) == count:
            break
    return checks


def _variant(kind, spec, gen, cls, rng, exact, folded):
    if kind == "exact":
        return spec + gen
    if kind == "directional":  # where the prefix stays on a specific of 2+ characters
        new = "新" + spec + gen
        return new if len(spec) >= 2 and split_name(new, cls)[0] == "新" + spec else None
    if kind == "same_specific":
        other = next(g for g, c, _w in GENERICS if c != cls and g != gen)
        return spec + other
    i = rng.randrange(len(spec))
    syl = reading_of(spec + gen)[i]  # the character's reading in this name
    if kind == "homophone":
        pool = [c for c in exact[syl] if c != spec[i]]
    else:
        f = fold_syllable(syl, *_default_fold())
        pool = [c for c in folded[f] if lazy_pinyin(c)[0] != syl]
    if not pool:
        return None
    new = spec[:i] + rng.choice(pool) + spec[i + 1:] + gen
    # keep only variants that really are what they claim, read in context
    a, b = name_keys(new, cls), name_keys(spec + gen, cls)
    same = a.specific_pinyin == b.specific_pinyin if kind == "homophone" else a.fuzzy == b.fuzzy
    return new if same else None


def pct(values: list[float], q: float) -> float:
    """The ``q``-th percentile."""
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if \
        len(values) > 1 else values[0]


def fmt(values_ms: list[float]) -> str:
    """p50/p95/p99 of a list of milliseconds."""
    return (f"p50 {pct(values_ms, 50):7.3f} ms  p95 {pct(values_ms, 95):7.3f} ms  "
            f"p99 {pct(values_ms, 99):7.3f} ms")


def run_checks(engine, checks, sample_bf: int):
    """Time the lookups and the screen for every check; measure recall."""
    key_ms, full_ms, found, missed = [], [], 0, []
    bf_total = bf_found = 0
    bf_missed: list[tuple[str, str]] = []
    with Session(screen_ops_bind(engine)) as s:
        all_rows = s.execute(select(PlaceKeys.place_id, PlaceKeys.key_pinyin,
                                    PlaceKeys.key_specific_pinyin, PlaceKeys.division_code)).all()
        register = [r[2] for r in all_rows]  # 专名 pinyin, what "similar" compares
        gc.freeze()  # the harness's own big lists are not the screen's garbage
        by_sp = defaultdict(list)
        for pid, _p, sp, _c in all_rows:
            by_sp[sp].append(pid)
        dict_ms, brute_ms = [], []
        for i, (name, cls, area, target, kind) in enumerate(checks):
            keys = name_keys(name, cls)
            t0 = time.perf_counter()
            by_sp.get(keys.specific_pinyin)
            dict_ms.append((time.perf_counter() - t0) * 1000)
            scope = screen_ops.resolve_scope(s, cls, s.scalar(
                select(Jurisdiction).where(Jurisdiction.code == area)))
            with Session(s.get_bind()) as check:  # a session per check, as per request
                check.connection()  # the request's pool checkout is not part of the lookup
                t0 = time.perf_counter()
                screen_ops.duplicate_ids(check, name, keys, scope)
                t1 = time.perf_counter()
                result = screen_ops.screen(check, name, cls, area_code=area)
                t2 = time.perf_counter()
            if i >= WARM_UP:  # a running service, not its first queries after a start
                key_ms.append((t1 - t0) * 1000)
                full_ms.append((t2 - t1) * 1000)
            hit_ids = {h.id for h in result.hits}
            found += str(target) in hit_ids
            if str(target) not in hit_ids:
                missed.append((kind, name, s.get(Place, target).name))
            if i < sample_bf:
                t0 = time.perf_counter()
                process.extract(keys.specific_pinyin, register, scorer=fuzz.ratio,
                                score_cutoff=SIMILARITY, limit=None)
                brute_ms.append((time.perf_counter() - t0) * 1000)
                city = area[:4]
                scope_rows = [(pid, sp) for pid, _p, sp, c in all_rows if c and c[:4] == city]
                pins = [p for _pid, p in scope_rows]
                expected = {str(scope_rows[j][0]) for _c, _sc, j in process.extract(
                    keys.specific_pinyin, pins, scorer=fuzz.ratio, score_cutoff=SIMILARITY,
                    limit=None)}
                bf_total += len(expected)
                bf_found += len(expected & hit_ids)
                bf_missed.extend((name, p) for pid, p in scope_rows
                                 if str(pid) in expected - hit_ids)
        s.rollback()
    return {"key_ms": key_ms, "dict_ms": dict_ms, "full_ms": full_ms, "brute_ms": brute_ms,
            "found": found, "missed": missed, "bf_total": bf_total, "bf_found": bf_found,
            "bf_missed": bf_missed}


def screen_ops_bind(engine):
    """The engine as the app's GET requests see it (deferred reads on SQLite)."""
    from placenames import spatial

    return spatial.read_only(engine)


def fresh_engine(url: str, size: int):
    """A migrated, empty database for one size: a new SQLite file, or emptied PostGIS tables."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1].replace(".db", f"-{size}.db"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        return engine
    engine = make_engine(url)
    migrate.upgrade(engine)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} CASCADE"))
    return engine


def bench_backend(label: str, url: str, sizes: list[int], n_checks: int, sample_bf: int) -> None:
    """Load, check and print the figures of every size on one backend."""
    for size in sizes:
        rng = random.Random(size)
        engine = fresh_engine(url, size)
        print(f"\n== {label}: {size:,} names", flush=True)
        towns, _placed = load(engine, size, rng)
        reset_stats(engine)
        with Session(engine) as s:
            checks = proposals(s, n_checks, rng, towns)
        r = run_checks(engine, checks, sample_bf)
        print(f"  exact/homophone lookup  {fmt(r['key_ms'])}")
        print(f"    baseline dict lookup  {fmt(r['dict_ms'])}")
        print(f"  full screen             {fmt(r['full_ms'])}")
        print(f"    baseline brute force  {fmt(r['brute_ms'])}  (rapidfuzz over the 专名 "
              f"pinyin of all {size:,} names in memory)")
        print(f"    speed-up at p50       {pct(r['brute_ms'], 50) / pct(r['full_ms'], 50):.1f}×")
        print(f"  recall, injected        {r['found']}/{len(checks)} "
              f"({100 * r['found'] / len(checks):.1f}%)")
        for kind, name, target in r["missed"][:5]:
            print(f"    missed {kind}: {name} (target {target})")
        share = 100 * r["bf_found"] / r["bf_total"] if r["bf_total"] else 100.0
        print(f"  recall vs brute force   {r['bf_found']}/{r['bf_total']} ({share:.2f}%) of names "
              f"with similarity ≥ {SIMILARITY:.0f} in the legal scope ({sample_bf} checks)")
        for name, pinyin in r["bf_missed"][:5]:
            print(f"    not found: {pinyin} for {name}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak memory (ru_maxrss) {peak:.0f} MiB", flush=True)
        engine.dispose()


def reset_stats(engine) -> None:
    """Refresh the planner's statistics after a load.

    On PostgreSQL also VACUUM, as autovacuum does within minutes of a bulk load: it sets the
    visibility map that index-only scans need, and it keeps autovacuum from starting on the
    new rows in the middle of the measurement.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM (ANALYZE)"))
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


KEY_INDEXES = ["ix_places_name_division", "ix_place_keys_specific_division",
               "ix_place_keys_specific_pinyin_division"]


def keys_only(label: str, url: str, size: int, n_checks: int) -> None:
    """The duplicate/homophone lookup alone on a register of ``size`` rows made in SQL.

    The rows carry only what that query reads (name, 专名, 专名 pinyin, division code), with
    realistic selectivity: three names share each 专名 and four each 专名 pinyin nationally.
    """
    engine = fresh_engine(url, size)
    rng = random.Random(size)
    with Session(engine) as s:
        towns = make_frame(s, rng)
        s.commit()
    pg = engine.dialect.name == "postgresql"
    uid = "gen_random_uuid()" if pg else "lower(hex(randomblob(16)))"
    t0 = time.perf_counter()
    with engine.begin() as conn:
        for name in KEY_INDEXES:
            conn.execute(text(f"DROP INDEX {name}"))
        conn.execute(text("CREATE TEMPORARY TABLE towns (n INTEGER PRIMARY KEY, code TEXT)"))
        conn.execute(text("INSERT INTO towns VALUES (:n, :code)"),
                     [{"n": i, "code": c} for i, (c, _t, _city) in enumerate(towns)])
        series = ("generate_series(1, :size) AS i" if pg else
                  "(WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g "
                  "WHERE i < :size) SELECT i FROM g) AS s")
        conn.execute(text(
            f"INSERT INTO places (id, version, created_at, updated_at, name, specific, generic, "
            f"cls, status, division_code) "
            f"SELECT {uid}, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'n' || i || '路', "
            f"'s' || (i % (:size / 3)), '路', 'road', 'in_force', towns.code "
            f"FROM {series} JOIN towns ON towns.n = i % :towns"),
            {"size": size, "towns": len(towns)})
        conn.execute(text(  # the keys of each name, from the 专名 it was given
            "INSERT INTO place_keys (place_id, division_code, key_specific, key_specific_pinyin) "
            "SELECT id, division_code, specific, "
            "'p' || (CAST(substr(name, 2, length(name) - 2) AS INTEGER) % (:size / 4)) "
            "FROM places WHERE cls = 'road' AND name LIKE 'n%路'"), {"size": size})
        for name, table, cols in (
                ("ix_places_name_division", "places", "name, division_code"),
                ("ix_place_keys_specific_division", "place_keys", "key_specific, division_code"),
                ("ix_place_keys_specific_pinyin_division", "place_keys",
                 "key_specific_pinyin, division_code")):
            conn.execute(text(f"CREATE INDEX {name} ON {table} ({cols})"))
    reset_stats(engine)
    print(f"\n== {label}: {size:,} rows (keys only, made in SQL in "
          f"{time.perf_counter() - t0:.0f} s)", flush=True)
    timings = []
    with Session(screen_ops_bind(engine)) as s:
        for _ in range(n_checks):
            i = rng.randrange(1, size)
            code = towns[i % len(towns)][0]
            keys = NameKeys(pinyin="", specific_pinyin=f"p{i % (size // 4)}", fuzzy="",
                            specific=f"s{i % (size // 3)}", initials="")
            scope = screen_ops.ScreenScope("", "", prefixes=(code[:4],))
            t = time.perf_counter()
            found = screen_ops.duplicate_ids(s, f"n{i}路", keys, scope)
            timings.append((time.perf_counter() - t) * 1000)
            assert found, "the probe's own row must be found"
        s.rollback()
    print(f"  exact/homophone lookup  {fmt(timings[WARM_UP:])}", flush=True)
    engine.dispose()


def main() -> None:
    """Parse the arguments and run the benchmark."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--checks", type=int, default=1000)
    ap.add_argument("--brute-sample", type=int, default=50)
    ap.add_argument("--pg-url", default=None)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--keys-only", type=int, default=0,
                    help="instead: the duplicate/homophone lookup on a register of N rows")
    ap.add_argument("--pg-only", action="store_true", help="PostGIS only")
    ap.add_argument("--reindex", default=None, metavar="SIZES",
                    help="instead: the reindex of every name at these sizes (1000000,10000000)")
    ap.add_argument("--runs", default=",".join(("full", "verify", "keys", "published")),
                    help="which reindex runs after the first, full one (verify,keys,published)")
    ap.add_argument("--workers", type=int, default=2, help="reindex worker processes")
    ap.add_argument("--batch", type=int, default=5000, help="reindex batch size")
    ap.add_argument("--divisions", type=int, default=0, metavar="N",
                    help="instead: the screen on N names plus the NBS townships and counties")
    args = ap.parse_args()
    if args.divisions:
        import bench_names_divisions

        work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-names-"))
        print(f"bench names: {args.divisions:,} names and the divisions, {args.checks} checks "
              "a class")
        if not args.pg_only:
            bench_names_divisions.bench("spatialite", f"sqlite:///{work / 'divisions.db'}",
                                        args.divisions, args.checks)
        if args.pg_url:
            bench_names_divisions.bench("postgis", args.pg_url, args.divisions, args.checks)
        return
    if args.reindex:
        import bench_names_reindex

        work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-names-"))
        bench_names_reindex.run(list(bench_names_reindex.sizes_of(args.reindex)), args.pg_url,
                                work, args.workers, args.batch, args.pg_only, seed=7,
                                runs=tuple(args.runs.split(",")))
        return
    if args.keys_only:
        work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-names-"))
        if not args.pg_only:
            keys_only("spatialite", f"sqlite:///{work / 'keys.db'}", args.keys_only, args.checks)
        if args.pg_url:
            keys_only("postgis", args.pg_url, args.keys_only, args.checks)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-names-"))
    print(f"bench names: sizes {sizes}, {args.checks} checks each, "
          f"brute force on {args.brute_sample}")
    if not args.pg_only:
        bench_backend("spatialite", f"sqlite:///{work / 'bench.db'}", sizes, args.checks,
                      args.brute_sample)
    if args.pg_url:
        bench_backend("postgis", args.pg_url, sizes, args.checks, args.brute_sample)
    else:
        print("\n(no --pg-url: PostGIS not measured)")


if __name__ == "__main__":
    main()
