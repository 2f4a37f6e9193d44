"""Benchmark: concurrency and faults, with figures and PASS/FAIL for each check.

Usage: ``scripts/bench faults [--approvals 50] [--processes 8] [--writes 1000] [--clients 8]
[--small]`` (``scripts/bench`` makes a throwaway PostgreSQL + PostGIS cluster and passes
``--pg-url --pg-dir --pg-bin``; run alone, this script makes its own).

1. ``--approvals`` simultaneous approvals of one application over HTTP (gunicorn, 4 gthread
   workers of 13 threads, so every request is in flight at once), on SpatiaLite and on
   PostGIS: exactly one 200, the rest 409, exactly one transition.
2. ``--processes`` writer processes × ``--writes`` register writes (a name with its history,
   syllables, spatial index entry and map version) on one SpatiaLite file, every writer
   killed with SIGKILL half-way: ``PRAGMA integrity_check`` ok and every acknowledged write
   present (a writer acknowledges an id by appending it to its file, fsynced, after the
   commit returned); then the writers finish and the file is checked again.
3. ``--clients`` threads submitting applications over HTTP (2 sync workers, the
   ``placenames serve`` settings) while the PostgreSQL server is crashed with ``pg_ctl stop
   -m immediate`` and restarted: every answer 201 (and the application stored whole) or 503,
   nothing half-written or orphaned.

The work lives in tests/fault_harness.py, shared with the small versions in
tests/test_faults.py. Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "tests"),
                str(Path(__file__).resolve().parents[1])]

import fault_harness as faults  # noqa: E402 - tests/ put on the path just above


def main(argv: list[str] | None = None) -> int:
    """Run the checks and print their figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--approvals", type=int, default=50)
    ap.add_argument("--processes", type=int, default=8)
    ap.add_argument("--writes", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--small", action="store_true",
                    help="20 approvals, 4 x 100 writes, 4 clients: a minute, for development")
    ap.add_argument("--only", choices=["approvals", "kill", "outage"], action="append",
                    help="run only these checks (repeatable)")
    ap.add_argument("--pg-url", help="a throwaway PostGIS database of ours (emptied)")
    ap.add_argument("--pg-dir", help="its cluster folder (as made by scripts/lib/pg.sh)")
    ap.add_argument("--pg-bin", help="its PostgreSQL bin folder")
    args = ap.parse_args(argv)
    if args.small:
        args.approvals, args.processes, args.writes, args.clients = 20, 4, 100, 4
    only = set(args.only or ["approvals", "kill", "outage"])
    tmp = Path(tempfile.mkdtemp(prefix="bench_faults_"))
    own = None
    if args.pg_url and args.pg_dir and args.pg_bin:
        cluster = faults.PgCluster.attach(Path(args.pg_dir), args.pg_bin, args.pg_url)
    else:  # a cluster of our own, in /tmp itself (the postgres user must reach it)
        own = cluster = faults.PgCluster(Path(tempfile.mkdtemp(prefix="bench-faults-pg.")),
                                         faults.free_port()).create()
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}, Python "
          f"{platform.python_version()}; work folder {tmp}")
    results = []
    t0 = time.perf_counter()
    try:
        if "approvals" in only:
            for url in (f"sqlite:///{tmp / 'approvals.db'}", cluster.url):
                folder = tmp / f"approvals-{faults.backend(url)}"
                folder.mkdir()
                results.append(faults.approvals(url, folder, n=args.approvals))
                print(results[-1].report(), flush=True)
        if "kill" in only:
            results.append(faults.killed_writers(tmp / "kill", processes=args.processes,
                                                 writes=args.writes))
            print(results[-1].report(), flush=True)
        if "outage" in only:
            folder = tmp / "outage"
            folder.mkdir()
            phases = (2.5, 2.0, 3.0) if args.small else (5.0, 5.0, 10.0)
            results.append(faults.pg_outage(cluster, folder, clients=args.clients, workers=2,
                                            before=phases[0], down=phases[1],
                                            after=phases[2]))
            print(results[-1].report(), flush=True)
    finally:
        if own is not None:
            own.destroy()
    failed = [r for r in results if not r.passed]
    print(f"{len(results) - len(failed)} of {len(results)} checks passed in "
          f"{time.perf_counter() - t0:.0f} s")
    if failed:
        print(f"kept for inspection (server logs, writers' files): {tmp}")
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
