"""The scale-out arrangement on one machine and its checks (run by ``scripts/test-cluster``).

Builds, in ``--work``: a streaming replica of the primary at ``--pg-url``, redis-server,
moto's S3 server (the stand-in object store), two app instances (``placenames serve``, one
worker process each, own instance folders) behind a local nginx, and one job worker. Then:

1. a rate limit of N a minute lets exactly N requests through across both instances;
2. a 2,000-plate batch started through instance A shows its progress on B, survives kill -9 of
   A and of the worker in the middle, and completes (worker started again) with every plate
   once, its PDF and manifest in the object store, served through a signed URL; an open-data
   release published through A by the worker is listed on B and served from the bucket;
3. public scan pages read from the replica while the primary takes writes, and staff read
   their own writes at once;
4. with the replica stopped, scan pages still answer (from the primary);
5. scan-page throughput through nginx over both instances (with the replica), beside one
   instance reached directly, measured with wrk in the same run.

Prints each check with what it measured; exit 1 when one fails.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin"
RATE = 5
PLATES = 2000
results: list[tuple[str, bool, str]] = []


def free_port() -> int:
    """A free TCP port on the loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def check(name: str, ok: bool, detail: str) -> None:
    """Record and print one check."""
    results.append((name, ok, detail))
    print(f"[{'PASS' if ok else 'FAIL'}] {name}: {detail}", flush=True)


def as_postgres(*args: str) -> list[str]:
    """A command run as the postgres user when this is root."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


def wait_http(url: str, timeout: float = 60) -> None:
    """Wait until ``url`` answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


class Cluster:
    """The processes of the arrangement, stopped together."""

    def __init__(self, work: Path, pg_url: str, pg_bin: str) -> None:
        self.work, self.pg_url, self.pg_bin = work, pg_url, Path(pg_bin)
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.ports = {k: free_port() for k in ("replica", "redis", "s3", "a", "b", "nginx")}
        self.replica_dir = work / "replica"

    # --- components ------------------------------------------------------------------------
    def start_replica(self) -> str:
        """A hot standby of the primary (pg_basebackup -R); its URL."""
        from sqlalchemy.engine import make_url

        primary = make_url(self.pg_url)
        self.replica_dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.replica_dir, "postgres")
        subprocess.run(as_postgres(str(self.pg_bin / "pg_basebackup"), "-h", "127.0.0.1", "-p",
                                   str(primary.port), "-U", "postgres", "-D",
                                   str(self.replica_dir / "data"), "-R", "-X", "stream",
                                   "--checkpoint=fast"),
                       check=True, capture_output=True)
        subprocess.run(as_postgres(str(self.pg_bin / "pg_ctl"), "-D",
                                   str(self.replica_dir / "data"), "-l",
                                   str(self.replica_dir / "server.log"), "-w", "-o",
                                   f"-p {self.ports['replica']} -k {self.replica_dir} "
                                   "-c listen_addresses=127.0.0.1 -c hot_standby=on", "start"),
                       check=True, capture_output=True)
        return primary.set(port=self.ports["replica"]).render_as_string(hide_password=False)

    def stop_replica(self) -> None:
        """Stop the standby."""
        subprocess.run(as_postgres(str(self.pg_bin / "pg_ctl"), "-D",
                                   str(self.replica_dir / "data"), "-m", "fast", "stop"),
                       capture_output=True)

    def spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        """Start a process in its own group, its output in ``<work>/<name>.log``."""
        log = open(self.work / f"{name}.log", "ab")  # noqa: SIM115 - the process keeps it
        self.procs[name] = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        log.close()

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal a process's whole group and wait for it."""
        proc = self.procs.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        """Stop every process and the standby."""
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)
        if (self.replica_dir / "data").exists():
            subprocess.run(as_postgres(str(self.pg_bin / "pg_ctl"), "-D",
                                       str(self.replica_dir / "data"), "-m", "immediate",
                                       "stop"), capture_output=True)

    def nginx_conf(self) -> Path:
        """nginx in front of both instances (round robin, keep-alive, request ids)."""
        conf = self.work / "nginx.conf"
        conf.write_text(f"""
worker_processes 1;
daemon off;
pid {self.work}/nginx.pid;
error_log {self.work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {self.work}/nginx-body;
  proxy_temp_path {self.work}/nginx-proxy;
  fastcgi_temp_path {self.work}/nginx-fastcgi;
  uwsgi_temp_path {self.work}/nginx-uwsgi;
  scgi_temp_path {self.work}/nginx-scgi;
  upstream placenames {{
    server 127.0.0.1:{self.ports['a']} max_fails=1 fail_timeout=2s;
    server 127.0.0.1:{self.ports['b']} max_fails=1 fail_timeout=2s;
    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{self.ports['nginx']};
    location / {{
      proxy_pass http://placenames;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Request-ID $request_id;
      proxy_next_upstream error timeout http_502;
    }}
  }}
}}
""")
        return conf


class Browser:
    """A signed-in (or anonymous) HTTP client with cookies and the forms' CSRF tokens."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def get(self, path: str) -> tuple[int, str, dict[str, str]]:
        """GET: status, body, headers (redirects not followed)."""
        try:
            with self.opener.open(self.base + path, timeout=30) as r:
                return r.status, r.read().decode("utf-8", "replace"), dict(r.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace"), dict(exc.headers)

    def post(self, path: str, data: dict[str, str], token_from: str
             ) -> tuple[int, dict[str, str]]:
        """POST a form with the CSRF token of the page ``token_from``."""
        _, page, _ = self.get(token_from)
        field = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page)
        found = re.search(r'value="([^"]+)"', field.group(0)) if field else None
        body = urllib.parse.urlencode({**data, "csrf_token": found.group(1) if found else ""})
        req = urllib.request.Request(self.base + path, data=body.encode(), method="POST")
        try:
            with self.opener.open(req, timeout=60) as r:
                return r.status, dict(r.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers)

    def login(self, username: str) -> None:
        """Sign in with the demo password."""
        status, _ = self.post("/login", {"username": username, "password": "demo1234"}, "/login")
        if status not in (302, 303):
            raise RuntimeError(f"sign-in of {username} answered {status}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def add_addresses(env: dict[str, str], count: int) -> None:
    """``count`` numbered addresses along the demo's 建章路 (a community of new doors)."""
    code = f"""
import os
from placenames import create_app
from placenames.models import Place
from placenames.ops.addresses import AddressInput, create_address
from placenames.ops.demo.loader import demo_entrances
from placenames.ops.demo import data
from sqlalchemy import select
app = create_app()
with app.app_context():
    s = app.extensions["placenames.sessionmaker"]()
    road = s.scalar(select(Place).where(Place.name == "建章路", Place.status == "in_force"))
    line = next(r[3] for r in data.ROADS if r[0] == "建章路")
    for e in demo_entrances(line, {count} + 40)[40:]:
        create_address(s, AddressInput(jurisdiction=road.jurisdiction, road=road,
                                       number=e.number.number, lon=e.point[0], lat=e.point[1],
                                       road_point=e.road_point, side=e.side,
                                       distance_m=round(e.chainage_m, 1)))
    s.commit()
"""
    subprocess.run([str(VENV / "python"), "-c", code], env=env, check=True)


def wrk(url: str, seconds: int = 10) -> float:
    """Requests a second that wrk gets from ``url`` (2 threads, 16 connections)."""
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", url], capture_output=True,
                         text=True, check=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> int:
    """Build the arrangement, run the checks, stop everything."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--pg-url", required=True)
    ap.add_argument("--pg-bin", required=True)
    args = ap.parse_args()
    c = Cluster(args.work, args.pg_url, args.pg_bin)
    try:
        return run(c)
    finally:
        c.stop_all()


def run(c: Cluster) -> int:
    """The checks; 0 when all pass."""
    import boto3

    replica_url = c.start_replica()
    c.spawn("redis", ["redis-server", "--port", str(c.ports["redis"]), "--bind", "127.0.0.1",
                      "--save", "", "--appendonly", "no", "--dir", str(c.work)])
    c.spawn("s3", [str(VENV / "python"), "-m", "moto.server", "-H", "127.0.0.1", "-p",
                   str(c.ports["s3"])])
    s3 = f"http://127.0.0.1:{c.ports['s3']}"
    wait_http(s3)
    os.environ.update(AWS_ACCESS_KEY_ID="cluster", AWS_SECRET_ACCESS_KEY="cluster-secret")
    boto3.client("s3", endpoint_url=s3, region_name="us-east-1").create_bucket(
        Bucket="placenames")
    base = f"http://127.0.0.1:{c.ports['nginx']}"
    env = {**os.environ, "PLACENAMES_DATABASE_URL": c.pg_url,
           "PLACENAMES_DATABASE_REPLICA_URLS": replica_url,
           "PLACENAMES_REDIS_URL": f"redis://127.0.0.1:{c.ports['redis']}/0",
           "PLACENAMES_STORAGE_URL": f"s3://placenames/cluster?endpoint={s3}",
           "PLACENAMES_SECRET_KEY": "cluster-secret-key", "PLACENAMES_PUBLIC_BASE_URL": base,
           "PLACENAMES_PROXY_HOPS": "1", "PLACENAMES_DEMO": "1",
           "PLACENAMES_JOBS_LEASE_SECONDS": "5", "PLACENAMES_LOG_FORMAT": "json",
           "PLACENAMES_INSTANCE_PATH": str(c.work / "setup")}
    placenames = str(VENV / "placenames")
    subprocess.run([placenames, "init"], env=env, check=True, capture_output=True)
    env["PLACENAMES_PII_KEY"] = (c.work / "setup" / "pii_key").read_text().strip()
    subprocess.run([placenames, "demo"], env=env, check=True, capture_output=True)
    add_addresses(env, PLATES)

    def serve(name: str) -> None:
        c.spawn(name, [placenames, "serve", "--port", str(c.ports[name]), "--workers", "1"],
                {**env, "PLACENAMES_INSTANCE_PATH": str(c.work / f"instance-{name}")})

    def worker() -> None:
        c.spawn("worker", [placenames, "worker"],
                {**env, "PLACENAMES_INSTANCE_PATH": str(c.work / "instance-worker")})

    serve("a")
    serve("b")
    worker()
    c.spawn("nginx", ["nginx", "-p", str(c.work), "-c", str(c.nginx_conf())])
    for name in ("a", "b"):
        wait_http(f"http://127.0.0.1:{c.ports[name]}/healthz")
    wait_http(base + "/healthz")

    from sqlalchemy import create_engine, text

    primary = create_engine(c.pg_url)
    with primary.connect() as conn:
        plate_id = conn.execute(text("SELECT plate_id FROM plates ORDER BY plate_id LIMIT 1")
                                ).scalar()

    # 1. one rate limit for both instances: the scan page's report form, 5 a minute
    reporter = Browser(base)
    statuses = [reporter.post(f"/p/{plate_id}/report", {"kind": "damaged"},
                              f"/p/{plate_id}/report")[0] for _ in range(RATE + 4)]
    passed = statuses.count(200)
    check("rate limit across both instances", passed == RATE and statuses.count(429) == 4,
          f"{RATE} a minute: {passed} accepted, {statuses.count(429)} refused (429), out of "
          f"{len(statuses)} reports alternating over 2 instances (nginx round robin)")

    # 3. staff read their own writes; the batch for 2.
    staff = Browser(base)
    staff.login("clerk")
    status, headers = staff.post("/staff/plates/batches",
                                 {"kind": "road", "value": "建章路", "size": "small",
                                  "sheet": "A4"}, "/staff/plates/batches")
    batch_id = headers.get("Location", "").rstrip("/").rsplit("/", 1)[-1]
    seen = staff.get(f"/staff/plates/batches/{batch_id}")
    check("staff read their own writes", status == 302 and seen[0] == 200 and
          "建章路" in seen[1], f"batch {batch_id[:8]} created and shown at once (primary)")

    # 2. a batch through A, watched on B, killed and finished
    on_a, on_b = Browser(f"http://127.0.0.1:{c.ports['a']}"), Browser(
        f"http://127.0.0.1:{c.ports['b']}")
    on_a.login("clerk")
    on_b.login("clerk")
    on_a.post(f"/staff/plates/batches/{batch_id}/render", {}, f"/staff/plates/batches/{batch_id}")
    def progress_on_b() -> dict[str, Any]:
        status, body, _ = on_b.get(f"/staff/plates/batches/{batch_id}/progress")
        return json.loads(body) if status == 200 else {}

    deadline, progress = time.monotonic() + 120, {}
    while time.monotonic() < deadline:
        progress = progress_on_b()
        if progress.get("job") and progress["job"]["status"] == "running" and \
                progress["rendered"] >= 200:
            break
        time.sleep(0.1)
    total = progress.get("total", 0)
    mid = progress.get("rendered", 0)
    c.kill("a")
    c.kill("worker")
    time.sleep(6)  # the lease lapses
    serve("a")
    worker()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        progress = progress_on_b()
        if progress.get("job") and progress["job"]["status"] in ("done", "failed"):
            break
        time.sleep(0.3)
    job = progress.get("job") or {}
    status, _, pdf_headers = on_b.get(f"/staff/plates/batches/{batch_id}/pdf")
    signed = pdf_headers.get("Location", "")
    body = urllib.request.urlopen(signed, timeout=30).read() if signed.startswith(s3) else b""
    _, _, m_headers = on_b.get(f"/staff/plates/batches/{batch_id}/manifest.csv")
    manifest = urllib.request.urlopen(m_headers.get("Location", ""), timeout=30).read().decode() \
        if m_headers.get("Location", "").startswith(s3) else ""
    ids = [line.split(",")[0] for line in manifest.splitlines()[1:]]
    check("a batch survives kill -9 of its web instance and worker",
          job.get("status") == "done" and job.get("attempts") == 2 and total >= PLATES and
          len(ids) == total and len(set(ids)) == total,
          f"{total} plates, progress {mid} seen on B when A and the worker were killed; "
          f"job {job.get('status')} after {job.get('attempts')} attempts; manifest: "
          f"{len(ids)} rows, {len(set(ids))} distinct")
    check("the PDF is stored in and served from the object store",
          status == 302 and body.startswith(b"%PDF") and "Signature=" in signed,
          f"download answers {status} to a signed URL of the bucket; {len(body):,} bytes")

    # 2b. open data published through A by the worker, listed and served through B
    on_a.post("/staff/open-data", {}, "/staff/open-data")
    deadline, listed = time.monotonic() + 180, {}
    while time.monotonic() < deadline:
        status, body, _ = Browser(f"http://127.0.0.1:{c.ports['b']}").get(
            "/open-data/manifest.json")
        if status == 200:
            listed = json.loads(body)
            break
        time.sleep(0.5)
    entry = next((f for f in listed.get("files", []) if f["name"] == "names.csv"), {})
    status, _, od_headers = Browser(f"http://127.0.0.1:{c.ports['b']}").get(
        "/open-data/files/names.csv")
    od_signed = od_headers.get("Location", "")
    od_body = urllib.request.urlopen(od_signed, timeout=30).read() \
        if od_signed.startswith(s3) else b""
    import hashlib

    check("open data published by the worker is served from the object store",
          bool(entry) and status == 302 and hashlib.sha256(od_body).hexdigest() ==
          entry.get("sha256"),
          f"published through A, listed on B with {len(listed.get('files', []))} files; "
          f"names.csv answers {status} to a signed URL; {len(od_body):,} bytes with the "
          "manifest's SHA-256")

    # 3. public reads from the replica while the primary takes writes
    replica = create_engine(replica_url, isolation_level="AUTOCOMMIT")

    def replica_reads() -> int:
        with replica.connect() as conn:
            return int(conn.execute(text(
                "SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database")).scalar() or 0)

    before = replica_reads()
    public = Browser(base)
    answers = []
    for _ in range(60):
        with primary.begin() as conn:
            conn.execute(text("UPDATE register_counters SET value = value WHERE key = 'map'"))
        answers.append(public.get(f"/p/{plate_id}")[0])
    time.sleep(11)  # a backend flushes its statistics when idle, within 10 s
    grew = replica_reads() - before
    with replica.connect() as conn:
        app_connections = int(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
            "AND pid <> pg_backend_pid()")).scalar() or 0)
    check("public scan pages read from the replica while the primary takes writes",
          answers.count(200) == 60 and grew >= 60 and app_connections >= 1,
          f"60 scan pages 200 while 60 writes went to the primary; the replica's transactions "
          f"grew by {grew}; the instances hold {app_connections} connection(s) to it")

    # 5. throughput through nginx over both instances, beside one instance directly
    one = wrk(f"http://127.0.0.1:{c.ports['b']}/p/{plate_id}")
    both = wrk(f"{base}/p/{plate_id}")
    check("scan page throughput", both > 0 and one > 0,
          f"one instance direct: {one:,.0f} req/s; nginx over two instances with the "
          f"replica: {both:,.0f} req/s (ratio {both / one:.2f}; 2 cores for everything)")

    # 4. the replica stops: scan pages answer from the primary
    c.stop_replica()
    answers = [public.get(f"/p/{plate_id}")[0] for _ in range(20)]
    ready = json.loads(Browser(base).get("/readyz")[1])
    check("with the replica stopped, scan pages answer from the primary",
          answers.count(200) == 20 and not ready["checks"]["replicas"]["replicas"][0]["ok"],
          f"20 of 20 scan pages 200; /readyz {ready['status']}, replica ok = "
          f"{ready['checks']['replicas']['replicas'][0]['ok']}")
    replica.dispose()
    primary.dispose()
    failed = [name for name, ok, _ in results if not ok]
    print(f"\n{len(results) - len(failed)} of {len(results)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
