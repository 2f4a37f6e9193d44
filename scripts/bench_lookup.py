"""Benchmark: the public scan page and its JSON under a bounded local load.

Usage: ``python scripts/bench_lookup.py [--duration 10] [--connections 16] [--database-url URL]``

Builds a throwaway registry (the demo New Area, one plate per address; SpatiaLite in a temp
folder unless ``--database-url`` names a PostGIS database to use — it is emptied first), starts
gunicorn on 127.0.0.1 with 2 workers (the ``placenames serve`` settings), and drives it with
``wrk`` for a bounded time per case, on loopback only:

- ``static``: a static file served by the same app (the baseline of the machine);
- ``page``: ``/p/<id>`` HTML, ids drawn at random from all plates (every request reads the DB);
- ``json``: ``/api/v1/plates/<id>``;
- ``revalidate``: ``/p/<id>`` with ``If-None-Match`` (the 304 a cache or a reverse proxy gets).

Prints requests per second and the p50/p99 latency of each case. Target from the issue:
>= 2,000 req/s with p99 <= 25 ms reading from the database. wrk shares the machine's cores
with the server, so the figures are a lower bound of what the server does alone.

``--cluster --pg-url URL --pg-bin BIN`` (``scripts/bench lookup --cluster``) measures, in the
same run on the PostGIS at URL: the single instance as above, reading the primary; then the
scale-out arrangement of ``scripts/test-cluster`` (:mod:`cluster_check`): a streaming replica
made by ``pg_basebackup``, redis-server, two instances of one worker each reading the replica,
and nginx in front of them, driven through nginx by the same wrk cases. On one machine every
process shares the same cores, so the ratio shows the cost of the extra hops, not the gain of
a second machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

MAX_DURATION_S = 60
LUA = r"""
local paths, etags = {}, {}
local file = io.open(os.getenv("BENCH_PATHS"))
for line in file:lines() do
  local path, etag = line:match("^(%S+)%s*(%S*)$")
  table.insert(paths, path); table.insert(etags, etag)
end
file:close()
local conditional = os.getenv("BENCH_CONDITIONAL") == "1"
local n = 0
request = function()
  n = n + 1
  local i = math.random(#paths)
  local headers = {}
  if conditional and etags[i] ~= "" then headers["If-None-Match"] = etags[i] end
  return wrk.format("GET", paths[i], headers)
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_registry(url: str, instance: Path) -> list[str]:
    """Migrate, load the demo, issue one plate per address; returns the plate ids."""
    from sqlalchemy import select

    from placenames import create_app, db, migrate
    from placenames.models import Address
    from placenames.models.plates import Plate
    from placenames.ops.demo import loader as demo
    from placenames.ops.plates import batches as plate_ops

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(instance)})
    with app.app_context():
        engine = db.engine()
        migrate.upgrade(engine)
        s = db.session()
        demo.load(s)
        now = datetime.now(UTC)
        have = set(s.scalars(select(Plate.address_id)))
        for address in s.scalars(select(Address).where(Address.number.is_not(None))):
            if address.id not in have:
                plate_ops.issue_plate(s, address, size="small", actor_id=None, now=now)
        s.commit()
        ids = list(s.scalars(select(Plate.plate_id)))
    app.extensions["placenames.engine"].dispose()
    return ids


def _reset_postgis(url: str) -> None:
    from sqlalchemy import text

    from placenames.db import make_engine
    from placenames.models import Base

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
    engine.dispose()


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    """gunicorn on 127.0.0.1 with the settings of ``placenames serve`` (no access log)."""
    from placenames.serve import command_line, options

    cmd = [sys.executable, "-m", "gunicorn", "--log-level", "warning",
           *command_line(options("127.0.0.1", port, workers, access_log=False))]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return proc
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise SystemExit("gunicorn did not start")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server we started (its process group only)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    if not m:
        return float("nan")
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def run_wrk(port: int, paths_file: Path, lua: Path, duration: int, connections: int,
            conditional: bool = False) -> dict[str, float]:
    """One wrk run on loopback; returns req/s, p50 and p99 (ms), non-2xx/3xx count."""
    env = {**os.environ, "BENCH_PATHS": str(paths_file),
           "BENCH_CONDITIONAL": "1" if conditional else "0"}
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency",
                          "-s", str(lua), f"http://127.0.0.1:{port}"], env=env,
                         capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    # the latency distribution lines only ("75.50%" in the thread stats also ends in "50%")
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": rps, "p50": _ms(p50), "p99": _ms(p99), "errors": float(bad.group(1))
            if bad else 0.0}


def _etags(port: int, ids: list[str]) -> list[str]:
    lines = []
    for pid in ids:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/p/{pid}", timeout=10) as r:
            lines.append(f"/p/{pid} {r.headers['ETag']}")
    return lines


HEADER = f"{'case':<12}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}"


def run_cases(port: int, tmp: Path, names: list[str], lua: Path, duration: int,
              connections: int) -> dict[str, dict[str, float]]:
    """Each case once for a second (warm-up), then for ``duration``; prints and returns them."""
    out = {}
    for name in names:
        run_wrk(port, tmp / f"{name}.txt", lua, 1, connections, name == "revalidate")
        r = run_wrk(port, tmp / f"{name}.txt", lua, duration, connections,
                    name == "revalidate")
        print(f"{name:<12}{r['rps']:>10.0f}{r['p50']:>10.2f}{r['p99']:>10.2f}"
              f"{r['errors']:>8.0f}", flush=True)
        out[name] = r
    return out


def cluster_run(args: argparse.Namespace, duration: int, connections: int) -> int:
    """The single instance on the primary, then nginx over two instances on the replica."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import cluster_check

    tmp = Path(tempfile.mkdtemp(prefix="bench_lookup_cluster_"))
    tmp.chmod(0o755)  # the postgres user makes the replica in here
    _reset_postgis(args.pg_url)
    ids = build_registry(args.pg_url, tmp / "instance")
    base_env = {**os.environ, "PLACENAMES_DATABASE_URL": args.pg_url,
                "PLACENAMES_SECRET_KEY": "bench", "PLACENAMES_PUBLIC_BASE_URL": "http://127.0.0.1"}
    lua = tmp / "paths.lua"
    lua.write_text(LUA)
    names = ["page", "json", "revalidate"]
    c = cluster_check.Cluster(tmp, args.pg_url, args.pg_bin)
    try:
        single_port = _free_port()
        server = start_server({**base_env, "PLACENAMES_INSTANCE_PATH": str(tmp / "instance")},
                              single_port, 2)
        try:
            (tmp / "page.txt").write_text("".join(f"/p/{pid}\n" for pid in ids))
            (tmp / "json.txt").write_text("".join(f"/api/v1/plates/{pid}\n" for pid in ids))
            (tmp / "revalidate.txt").write_text("\n".join(_etags(single_port, ids)) + "\n")
            print(f"scan page, {len(ids)} plates, PostGIS over TCP, wrk -t2 -c{connections} "
                  f"-d{duration}s, {os.cpu_count()} CPUs shared by every process below")
            print("\n1. one instance (gunicorn, 2 workers) reached directly, reading the primary")
            print(HEADER)
            single = run_cases(single_port, tmp, names, lua, duration, connections)
        finally:
            stop_server(server)
        replica = c.start_replica()
        c.spawn("redis", ["redis-server", "--port", str(c.ports["redis"]), "--bind",
                          "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp)])
        env = {**base_env, "PLACENAMES_DATABASE_REPLICA_URLS": replica,
               "PLACENAMES_PROXY_HOPS": "1", "PLACENAMES_REDIS_URL": f"redis://127.0.0.1:{c.ports['redis']}/0"}
        servers = [start_server({**env, "PLACENAMES_INSTANCE_PATH": str(tmp / f"instance-{n}")},
                                c.ports[n], 1) for n in ("a", "b")]
        try:
            c.spawn("nginx", ["nginx", "-p", str(tmp), "-c", str(c.nginx_conf())])
            cluster_check.wait_http(f"http://127.0.0.1:{c.ports['nginx']}/healthz")
            ready = json.loads(urllib.request.urlopen(
                f"http://127.0.0.1:{c.ports['nginx']}/readyz", timeout=10).read())
            lag = ", ".join(f"{r['name'].split()[0]} ok={r['ok']} lag {r['lag_seconds']} s"
                            for r in ready["checks"]["replicas"]["replicas"])
            print(f"\n2. nginx over two instances (gunicorn, 1 worker each) reading the streaming "
                  f"replica (readyz: {lag})")
            print(HEADER)
            both = run_cases(c.ports["nginx"], tmp, names, lua, duration, connections)
        finally:
            for proc in servers:
                stop_server(proc)
        print("\nratio nginx+2 instances+replica / one instance: " + ", ".join(
            f"{n} {both[n]['rps'] / single[n]['rps']:.2f}" for n in names))
    finally:
        c.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=int, default=10, help="seconds per case (max 60)")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--database-url", default=None,
                    help="a PostGIS URL (emptied first); scripts/bench gives the local "
                         "throwaway server's Unix socket")
    ap.add_argument("--cluster", action="store_true",
                    help="also nginx over two instances and a streaming replica (with "
                         "--pg-url and --pg-bin; scripts/bench lookup --cluster)")
    ap.add_argument("--pg-url", default=None)
    ap.add_argument("--pg-bin", default=None)
    args = ap.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    duration = max(1, min(args.duration, MAX_DURATION_S))
    connections = max(1, min(args.connections, 256))
    if args.cluster:
        if not (args.pg_url and args.pg_bin):
            raise SystemExit("--cluster needs --pg-url and --pg-bin (scripts/bench lookup "
                             "--cluster gives them)")
        return cluster_run(args, duration, connections)
    tmp = Path(tempfile.mkdtemp(prefix="bench_lookup_"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    if args.database_url:
        _reset_postgis(url)
    ids = build_registry(url, tmp / "instance")
    env = {**os.environ, "PLACENAMES_DATABASE_URL": url, "PLACENAMES_SECRET_KEY": "bench",
           "PLACENAMES_INSTANCE_PATH": str(tmp / "instance"),
           "PLACENAMES_PUBLIC_BASE_URL": "http://127.0.0.1"}
    lua = tmp / "paths.lua"
    lua.write_text(LUA)
    port = _free_port()
    server = start_server(env, port, args.workers)
    try:
        files = {
            "static": ["/static/css/app.css"],
            "page": [f"/p/{pid}" for pid in ids],
            "json": [f"/api/v1/plates/{pid}" for pid in ids],
            "revalidate": _etags(port, ids),
        }
        for name, lines in files.items():
            (tmp / f"{name}.txt").write_text("\n".join(lines) + "\n")
        backend = "spatialite"
        if url.startswith("postgresql"):
            backend = "postgis via its Unix socket" if "host=/" in url else "postgis via TCP"
        print(f"scan page under load: {len(ids)} plates, {backend}, gunicorn {args.workers} "
              f"sync workers, wrk -t2 -c{connections} -d{duration}s, "
              f"{os.cpu_count()} CPUs shared with wrk")
        print(f"{'case':<12}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
        for name in files:
            run_wrk(port, tmp / f"{name}.txt", lua, 1, connections, name == "revalidate")
            r = run_wrk(port, tmp / f"{name}.txt", lua, duration, connections,
                        name == "revalidate")
            print(f"{name:<12}{r['rps']:>10.0f}{r['p50']:>10.2f}{r['p99']:>10.2f}"
                  f"{r['errors']:>8.0f}")
    finally:
        stop_server(server)
        shutil.rmtree(tmp, ignore_errors=True)
    print("target: >= 2000 req/s with p99 <= 25 ms for page and json (reading the database)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
