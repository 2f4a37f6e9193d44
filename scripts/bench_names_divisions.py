"""``scripts/bench names --divisions``: the screen with division names in the register.

The register: every province, city, county (2,978) and township (41,352) of the NBS 2022 lists
in ``../shared/data/admin_divisions``, imported through the product (``import_csv``: their
专名/通名, romanization and keys), one built-up scope per city, and 1M synthetic names
(``bench_names.synthetic_names``) spread over the real townships through the product's bulk
loader. Proposals, each with a known conflicting target:
- road-like names (the checks of ``bench_names.proposals``) proposed in the target's city;
- township names: a real township's name, a homophone or near-homophone of it, proposed in
  another county of its province (the legal scope of a township is the province);
- county names: the same, proposed under another city (county level: nationwide).

Each class is timed twice on the same register in the same run: with the divisions' keys,
then with them cleared (the divisions then match nothing: the screen as it was before
division names were screened, plus the empty lookups). p50/p95/p99 of the full screen
(``screen.screen``), recall of the injected targets.
"""

from __future__ import annotations

import random
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench_names import (
    WARM_UP,
    fmt,
    fresh_engine,
    proposals,
    reset_stats,
    screen_ops_bind,
    synthetic_names,
    vocabulary,
)
from pypinyin import lazy_pinyin
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from placenames.models import Jurisdiction, Scope
from placenames.models.jurisdictions import scope_members
from placenames.naming import rules
from placenames.naming.keys import _DEFAULT_FOLD, fold_syllable, name_keys
from placenames.naming.readings import reading_of
from placenames.ops.names import screen as screen_ops
from placenames.ops.registry import divisions
from placenames.ops.registry.places import PlaceRow, bulk_insert

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "admin_divisions"
FILES = ("nbs2022_provinces.csv", "nbs2022_cities.csv", "nbs2022_areas.csv",
         "nbs2022_streets.csv")
KEYS = ("key_pinyin", "key_specific_pinyin", "key_fuzzy", "key_specific", "key_initials",
        "key_core")


def load(engine: Any, size: int, rng: random.Random) -> tuple[list[tuple[str, Any, str]],
                                                                dict[str, list[Any]]]:
    """Import the real divisions, one built-up scope per city, ``size`` names over the
    townships. Returns the townships as (code, id, city code) and the divisions by level."""
    t0 = time.perf_counter()
    with Session(engine) as s:
        for name in FILES:
            divisions.import_csv(s, SHARED / name)
        s.commit()
        rows = s.execute(select(Jurisdiction.id, Jurisdiction.code, Jurisdiction.name,
                                Jurisdiction.level, Jurisdiction.key_specific)).all()
        by_level: dict[str, list[Any]] = defaultdict(list)
        for r in rows:
            by_level[r.level].append(r)
        scopes, members = [], []
        for city in by_level["city"]:
            sid = uuid.uuid4()
            scopes.append({"id": sid, "name": f"建成区{city.code}", "kind": "built_up_area",
                           "classes": "", "radius_m": 0})
            members.append({"scope_id": sid, "jurisdiction_id": city.id})
        s.execute(insert(Scope), scopes)
        s.execute(insert(scope_members), members)
        s.commit()
        towns = [(t.code, t.id, t.code[:4]) for t in by_level["township"]]
        print(f"    divisions imported in {time.perf_counter() - t0:.0f} s: "
              + ", ".join(f"{len(v):,} {k}" for k, v in sorted(by_level.items())),
              file=sys.stderr)
        t0 = time.perf_counter()
        names = synthetic_names(size, rng, vocabulary())
        bulk_insert(s, (PlaceRow(name, cls, tid, tcode)
                        for (name, cls), (tcode, tid, _c) in
                        zip(names, (rng.choice(towns) for _ in names), strict=True)),
                    on_progress=lambda d: print(f"\r    loaded {d:,}", end="", file=sys.stderr))
        s.commit()
        print(f"\r    loaded {size:,} names in {time.perf_counter() - t0:.0f} s",
              file=sys.stderr)
    return towns, by_level


def _sound_groups(names: list[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    exact, folded = defaultdict(list), defaultdict(list)
    for ch in sorted(set("".join(names)) | set(vocabulary())):
        syl = lazy_pinyin(ch)[0]
        if syl.isascii() and syl.isalpha():
            exact[syl].append(ch)
            folded[fold_syllable(syl, *_DEFAULT_FOLD)].append(ch)
    return exact, folded


def division_checks(by_level: dict[str, list[Any]], level: str, count: int,
                    rng: random.Random) -> list[tuple[str, str, str, Any, str]]:
    """(name, class, area code, target id, kind) for ``count`` proposals against real
    divisions of ``level``: the same name, a homophone, a near-homophone."""
    rows = [r for r in by_level[level] if r.key_specific]
    parents = defaultdict(list)  # township: counties of the province; county: cities
    up = "county" if level == "township" else "city"
    for r in by_level[up]:
        parents[r.code[:2]].append(r.code)
    exact, folded = _sound_groups([r.name for r in rows])
    checks: list[tuple[str, str, str, Any, str]] = []
    rng.shuffle(rows)
    kinds = ("exact", "homophone", "near_homophone")
    for r in rows:
        if len(checks) == count:
            break
        kind = kinds[len(checks) % len(kinds)]
        cls = level
        name = r.name
        if kind != "exact":
            spec = r.key_specific
            i = rng.randrange(len(spec))
            syl = reading_of(name)[i]
            if syl is None:
                continue
            if kind == "homophone":
                pool = [c for c in exact[syl] if c != spec[i]]
            else:
                f = fold_syllable(syl, *_DEFAULT_FOLD)
                pool = [c for c in folded[f] if lazy_pinyin(c)[0] != syl]
            if not pool:
                continue
            name = name[:i] + rng.choice(pool) + name[i + 1:]
            try:
                a, b = name_keys(name, cls), name_keys(r.name, cls)
            except Exception:  # noqa: BLE001 - a variant the engine refuses is just skipped
                continue
            same = a.specific_pinyin == b.specific_pinyin if kind == "homophone" \
                else a.fuzzy == b.fuzzy
            if not same:
                continue
        others = [c for c in parents[r.code[:2]] if not r.code.startswith(c)]
        if not others:
            continue
        checks.append((name, cls, rng.choice(others), r.id, kind))
    return checks


def time_checks(engine: Any, checks: list[tuple[str, str, str, Any, str]]
                ) -> tuple[list[float], int]:
    """Milliseconds of each full screen (after the warm-up) and the targets found. The
    engine's tables are read first, as ``placenames serve`` reads them at start."""
    rules.warm_up()
    ms, found = [], 0
    bind = screen_ops_bind(engine)
    for i, (name, cls, area, target, _kind) in enumerate(checks):
        with Session(bind) as s:
            s.connection()
            t0 = time.perf_counter()
            result = screen_ops.screen(s, name, cls, area_code=area)
            elapsed = (time.perf_counter() - t0) * 1000
            s.rollback()
        if i >= WARM_UP:
            ms.append(elapsed)
        found += str(target) in {h.id for h in result.hits}
    return ms, found


def clear_division_keys(engine: Any) -> None:
    """Take the divisions' keys away: the screen then finds no division."""
    with engine.begin() as conn:
        conn.execute(update(Jurisdiction).values(dict.fromkeys(KEYS)))
    reset_stats(engine)


def bench(label: str, url: str, size: int, n_checks: int) -> None:
    """Load, then time each class with and without the divisions' keys."""
    if not SHARED.is_dir():
        print(f"\n({SHARED} is missing: the divisions screen is not measured)")
        return
    rng = random.Random(size + 13)
    engine = fresh_engine(url, size)
    print(f"\n== {label}: {size:,} names + the NBS 2022 divisions, screen", flush=True)
    towns, by_level = load(engine, size, rng)
    reset_stats(engine)
    with Session(engine) as s:
        classes = {"road-like": proposals(s, n_checks, rng, towns),
                   "township": division_checks(by_level, "township", n_checks, rng),
                   "county": division_checks(by_level, "county", min(n_checks, 1500), rng)}
    results: dict[str, dict[str, tuple[list[float], int]]] = {}
    for phase in ("with", "without"):
        if phase == "without":
            clear_division_keys(engine)
        for cls, checks in classes.items():
            results.setdefault(cls, {})[phase] = time_checks(engine, checks)
    for cls, checks in classes.items():
        for phase in ("with", "without"):
            ms, found = results[cls][phase]
            print(f"  {cls:<9} {phase:<7} divisions  {fmt(ms)}  recall {found}/{len(checks)}",
                  flush=True)
    engine.dispose()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1].replace(".db", f"-{size}.db")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
