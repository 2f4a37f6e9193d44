#!/usr/bin/env python3
"""Benchmark of reading the change feed (issue 11) over a million changes.

The register is the export benchmark's (``bench_export.build``: the search benchmark's
synthetic register, 20,000 names and 1,000,000 addresses by default, with a feed row for every
record, as the product's bulk loads write them); ``--reuse`` keeps one of the right size.

For each backend (SpatiaLite in the work folder; PostGIS when ``--pg-url`` is given), in a
process of its own, a department reads the whole feed from ``after=0`` as a client would:
``GET /api/v1/changes?after=…&limit=5000`` with a department token holding every read scope,
through the Flask test client (the app, its token check, the feed, JSON; no network), each
page's JSON parsed, until ``has_more`` is false. It prints changes per second, the p50/p95/max
of a page, the peak RSS; beside, measured in the same run over the same pages: ``feed.read``
called directly (no HTTP, no JSON) and a keyset scan of ``register_changes`` alone (the
floor: no records). Target: ≥ 5,000 changes/s.

    scripts/bench feed [--addresses 1000000 --names 20000 | --small] [--limit 5000]
    python scripts/bench_feed.py [--pg-url postgresql+psycopg://…] [--workdir DIR] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_export import SHARED, Peak, _hwm, build  # noqa: E402 - scripts/ is sys.path[0]

from placenames import create_app  # noqa: E402
from placenames.models import Change  # noqa: E402
from placenames.ops.accounts import department_tokens  # noqa: E402
from placenames.ops.exchange import feed  # noqa: E402

TARGET = 5000.0  # changes a second
SCOPES = "read:names,read:addresses,read:plates"


def pct(values: list[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def measure(url: str, limit: int, work: Path) -> dict[str, Any]:
    """Read the whole feed three ways; the figures as a dict."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True,
                      "INSTANCE_PATH": str(work / "instance")})
    app.extensions["placenames.limiter"].enabled = False  # a reader of its own copy
    maker = app.extensions["placenames.sessionmaker"]
    with maker() as s:
        secret = department_tokens.issue(s, holder="性能测试部门", scopes=SCOPES,
                                         expires="30d").secret
        s.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}

    # the API, as a department's client reads it
    pages: list[float] = []
    after, changes, body_bytes = 0, 0, 0
    peak = Peak().__enter__()
    t0 = time.perf_counter()
    while True:
        p0 = time.perf_counter()
        resp = client.get(f"/api/v1/changes?after={after}&limit={limit}", headers=headers)
        if resp.status_code != 200:
            raise SystemExit(f"page after {after}: {resp.status_code} {resp.data[:300]!r}")
        body_bytes += len(resp.data)
        page = json.loads(resp.data)
        pages.append(time.perf_counter() - p0)
        changes += len(page["changes"])
        after = page["next_after"]
        if not page["has_more"]:
            break
    api_s = time.perf_counter() - t0
    peak.__exit__()
    api_hwm = _hwm("self")

    # feed.read directly: the same pages without HTTP and JSON
    entities = ("name", "address", "plate", "jurisdiction")
    t0 = time.perf_counter()
    after, direct = 0, 0
    with maker() as s:
        while True:
            fp = feed.read(s, after, entities=entities, limit=limit)
            direct += len(fp.changes)
            after = fp.next_after
            s.rollback()
            if not fp.has_more:
                break
    direct_s = time.perf_counter() - t0

    # the floor: the feed's own rows, keyset-paged, no records
    t0 = time.perf_counter()
    after, floor_n = 0, 0
    with maker() as s:
        while True:
            seqs = list(s.scalars(select(Change.seq).where(Change.seq > after)
                                  .order_by(Change.seq).limit(limit)))
            if not seqs:
                break
            floor_n += len(seqs)
            after = seqs[-1]
    floor_s = time.perf_counter() - t0
    app.extensions["placenames.engine"].dispose()
    return {"changes": changes, "pages": len(pages), "api_s": api_s, "bytes": body_bytes,
            "p50": pct(pages, 50), "p95": pct(pages, 95), "max": max(pages),
            "direct": direct, "direct_s": direct_s, "floor": floor_n, "floor_s": floor_s,
            "api_hwm_mib": api_hwm, "anon_mib": peak.anon, "file_mib": peak.file}


def run_backend(label: str, url: str, a: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Build (or reuse) the register in a child, then read its feed in another."""
    print(f"\n== {label}: {a.names:,} names, {a.addresses:,} addresses (seed {a.seed})",
          flush=True)
    me = [sys.executable, __file__, "--url", url, "--names", str(a.names), "--addresses",
          str(a.addresses), "--seed", str(a.seed), "--shared", str(a.shared), "--limit",
          str(a.limit), "--workdir", str(work)]
    for step in ("build", "read"):
        t0 = time.perf_counter()
        done = subprocess.run(me + ["--child", step] + (["--reuse"] if a.reuse else []),
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{label} {step} failed:\n{done.stderr[-3000:]}")
        res = json.loads(done.stdout.strip().splitlines()[-1])
        if step == "build":
            print(f"{res['what']} ({time.perf_counter() - t0:.0f} s)", flush=True)
    rate = res["changes"] / res["api_s"]
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on "
          f"{os.cpu_count()} CPUs")
    print(f"{'read':<34}{'changes':>11}{'seconds':>9}{'changes/s':>11}{'×':>7}")
    rows = [("GET /api/v1/changes (test client)", res["changes"], res["api_s"]),
            ("feed.read (no HTTP, no JSON)", res["direct"], res["direct_s"]),
            ("register_changes alone (floor)", res["floor"], res["floor_s"])]
    for what, n, secs in rows:
        print(f"{what:<34}{n:>11,}{secs:>9.1f}{n / secs:>11,.0f}"
              f"{(n / secs) / rate:>7.2f}")
    print(f"{res['pages']} pages of ≤ {a.limit}: p50 {res['p50'] * 1000:.0f} ms, p95 "
          f"{res['p95'] * 1000:.0f} ms, max {res['max'] * 1000:.0f} ms; "
          f"{res['bytes'] / 1e6:.0f} MB of JSON; peak RSS {res['api_hwm_mib']:.0f} MiB (anon ≤ "
          f"{res['anon_mib']:.0f}, file ≤ {res['file_mib']:.0f}). "
          "×: that read's changes/s over the API's.")
    ok = rate >= TARGET
    verdict = [f"feed ≥ {TARGET:,.0f} changes/s", f"{rate:,.0f} changes/s", ok]
    print(f"{label:<11} {verdict[0]:<28} {verdict[1]:<18} {'PASS' if ok else 'FAIL'}")
    return {"backend": label, **res, "rate": rate, "verdict": verdict}


def main() -> None:
    """Each backend in turn; the verdicts together."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--names", type=int, default=20_000)
    ap.add_argument("--addresses", type=int, default=1_000_000)
    ap.add_argument("--limit", type=int, default=feed.MAX_PAGE)
    ap.add_argument("--small", action="store_true",
                    help="2,000 names, 50,000 addresses: a smoke run of about a minute")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pg-url")
    ap.add_argument("--pg-only", action="store_true")
    ap.add_argument("--sqlite-only", action="store_true")
    ap.add_argument("--reuse", action="store_true",
                    help="keep a register of this size already in the database")
    ap.add_argument("--workdir")
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.small:
        a.names, a.addresses = 2000, 50_000
    work = Path(a.workdir or tempfile.mkdtemp(prefix="bench-feed-"))
    work.mkdir(parents=True, exist_ok=True)
    if a.child == "build":
        print(json.dumps({"what": build(a.url, a.shared, a.names, a.addresses, a.seed,
                                        a.reuse)}))
        return
    if a.child == "read":
        print(json.dumps(measure(a.url, a.limit, work)))
        return
    backends = [] if a.pg_only else [("spatialite", f"sqlite:///{work / 'export.db'}")]
    if a.pg_url and not a.sqlite_only:
        backends.append(("postgis", a.pg_url))
    results = [run_backend(label, url, a, work) for label, url in backends]
    print("\n== verdicts")
    status = 0
    for res in results:
        what, measured, ok = res["verdict"]
        print(f"{res['backend']:<11} {what:<28} {measured:<18} {'PASS' if ok else 'FAIL'}")
        status = status or (0 if ok else 1)
    (work / "summary-feed.json").write_text(json.dumps(results, indent=1))
    if not a.workdir:
        shutil.rmtree(work, ignore_errors=True)
    raise SystemExit(status)


if __name__ == "__main__":
    main()
