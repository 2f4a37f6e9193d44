"""Faults under load (issue 12): simultaneous approvals, SpatiaLite writers killed with
SIGKILL, PostgreSQL stopped under concurrent submissions.

Shared by ``scripts/bench_faults.py`` (full scale: figures and PASS/FAIL) and
``tests/test_faults.py`` (small scale). Imported as ``fault_harness`` (tests/ is on sys.path);
run as a script it is one writer of the kill test (``fault_harness.py writer …``).

Everything is real: the app is served by gunicorn with the settings of ``placenames serve``
(sync workers; gthread for the approvals so that 50 requests are truly in flight at once), the
registry is built with the builders the tests use (``procedure_builders``), writers go through
the product's operations and its engine (WAL, synchronous=FULL, BEGIN IMMEDIATE), and
PostgreSQL is a throwaway cluster of our own made by ``scripts/lib/pg.sh`` and stopped with
``pg_ctl stop -m immediate`` (every backend killed, no checkpoint: a crash of the server).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
sys.path[:0] = [p for p in (str(REPO), str(TESTS)) if p not in sys.path]


@dataclass
class Result:
    """One check's figures and the problems found (none: PASS)."""

    name: str
    figures: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems

    def report(self) -> str:
        lines = [f"{'PASS' if self.passed else 'FAIL'}  {self.name}"]
        lines += [f"      {key}: {value}" for key, value in self.figures.items()]
        lines += [f"      problem: {p}" for p in self.problems]
        return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    """The environment of our child processes: this checkout first on the path."""
    path = os.pathsep.join([str(REPO), str(TESTS), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path.rstrip(os.pathsep)}
    env.setdefault("PLACENAMES_ARGON2_PROFILE", "CHEAPEST")
    env.update(extra)
    return env


# --- the database and the app ------------------------------------------------------------------

def fresh_database(url: str) -> None:
    """Empty a PostGIS database (drop every table of ours), then migrate; SQLite: migrate."""
    from sqlalchemy import text

    from placenames import migrate
    from placenames.db import make_engine
    from placenames.models import Base

    engine = make_engine(url)
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
    migrate.upgrade(engine)
    engine.dispose()


def build(url: str, folder: Path, fn: Any, world: bool = True) -> Any:
    """Run ``fn(session, users)`` on the demo registry with the procedure's users and experts
    (``procedure_builders.world``; ``world=False``: on an empty register, users None), commit,
    return what it returned."""
    import procedure_builders as b

    from placenames import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "faults",
                      "INSTANCE_PATH": str(folder / "instance")})
    try:
        with app.app_context():
            s = app.extensions["placenames.sessionmaker"]()
            out = fn(s, b.world(s) if world else None)
            s.commit()
            s.close()
    finally:
        app.extensions["placenames.engine"].dispose()
    return out


class Served:
    """gunicorn serving the app (``placenames serve`` settings unless ``threads`` is given)."""

    def __init__(self, url: str, folder: Path, workers: int = 2, threads: int = 0) -> None:
        from placenames.serve import command_line, options

        self.port = free_port()
        opts = options("127.0.0.1", self.port, workers, access_log=False)
        if threads:
            opts.update(worker_class="gthread", threads=threads)
        self.log = folder / f"gunicorn-{self.port}.log"
        self.cmd = [sys.executable, "-m", "gunicorn", "--log-level", "warning",
                    *command_line(opts)]
        self.env = child_env(PLACENAMES_DATABASE_URL=url, PLACENAMES_SECRET_KEY="faults",
                             PLACENAMES_INSTANCE_PATH=str(folder / "instance"),
                             # these checks are about the database, not the rate limits
                             PLACENAMES_RATELIMIT_DEFAULT="1000000 per minute")
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Served:
        with open(self.log, "ab") as log:  # the workers' own stderr too (logged errors)
            self.proc = subprocess.Popen(self.cmd, env=self.env, start_new_session=True,
                                         stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if call(self.port, "GET", "/healthz", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not start: " + self.errors())

    def __exit__(self, *_: Any) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def errors(self) -> str:
        """What the server logged (gunicorn's warnings, the app's errors)."""
        return self.log.read_text() if self.log.exists() else ""

    def failures(self) -> list[str]:
        """Logged 500s and tracebacks: a fault must never end in one."""
        text = self.errors()
        return [chunk[:1500] for chunk in text.split("unexpected error")[1:]] + (
            [text[-1500:]] if "Traceback" in text and "unexpected error" not in text else [])


def call(port: int, method: str, path: str, body: Any = None, token: str | None = None,
         timeout: float = 60) -> tuple[int, Any]:
    """One HTTP request on a new connection; returns (status, JSON body or None)."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        raw = r.read()
    finally:
        conn.close()
    try:
        return r.status, json.loads(raw)
    except ValueError:
        return r.status, None


def backend(url: str) -> str:
    return "PostGIS" if url.startswith("postgresql") else "SpatiaLite"


# --- 1. simultaneous approvals ---------------------------------------------------------------

def approvals(url: str, folder: Path, n: int = 50, workers: int = 4, threads: int = 13
              ) -> Result:
    """``n`` simultaneous approvals of one assessed application over HTTP: exactly one 200
    and one transition (one audit event, one decision record, version + 1); n - 1 × 409."""
    import procedure_builders as b
    from sqlalchemy import func, select

    from placenames.db import make_engine
    from placenames.models import AuditEvent
    from placenames.models.workflow import Application, StepRecord
    from placenames.ops.accounts import tokens
    from placenames.workflow import State

    result = Result(f"{n} simultaneous approvals of one application ({backend(url)}, "
                    f"{workers} workers x {threads} threads)")
    fresh_database(url)
    start = datetime.now(UTC) - timedelta(days=40)  # the served app runs on the wall clock

    def assessed(s: Any, users: Any) -> tuple[uuid.UUID, int, str]:
        application = b.draft(s, users)
        b.advance(s, application, users, b.settings(), State.ASSESSED, now=start)
        return application.id, application.version, tokens.issue(s, "approver")

    app_id, version, token = build(url, folder, assessed)
    body = {"version": version, "approving_body": "西咸新区管委会",
            "doc_no": "陕西咸发〔2026〕12号", "decided_on": datetime.now(UTC).date().isoformat()}
    barrier = threading.Barrier(n)
    codes: list[int] = []
    latencies: list[float] = []
    lock = threading.Lock()

    def approve() -> None:
        barrier.wait(timeout=60)
        t0 = time.perf_counter()
        try:
            status, _ = call(port, "POST", f"/api/v1/applications/{app_id}/actions/approve",
                             body, token)
        except OSError as exc:
            status = -1
            result.problems.append(f"request failed: {exc}")
        with lock:
            codes.append(status)
            latencies.append(time.perf_counter() - t0)

    with Served(url, folder, workers=workers, threads=threads) as server:
        port = server.port
        pool = [threading.Thread(target=approve) for _ in range(n)]
        t0 = time.perf_counter()
        for t in pool:
            t.start()
        for t in pool:
            t.join(timeout=300)
        elapsed = time.perf_counter() - t0
        failures = server.failures()
    engine = make_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(select(Application.state, Application.version)
                              .where(Application.id == app_id)).one()
        audits = conn.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_id == str(app_id), AuditEvent.action == "approve"))
        decisions = conn.scalar(select(func.count()).select_from(StepRecord).where(
            StepRecord.application_id == app_id, StepRecord.step == "decision"))
    engine.dispose()
    tally = Counter(codes)
    latencies.sort()
    result.figures.update({
        "answers": dict(sorted(tally.items())),
        "transitions": f"state {stored.state}, version {version} -> {stored.version}, "
                       f"{audits} approve audit event(s), {decisions} decision record(s)",
        "time": f"{elapsed:.2f} s for all {n}; slowest answer {latencies[-1] * 1000:.0f} ms",
    })
    if tally != Counter({200: 1, 409: n - 1}):
        result.problems.append(f"expected one 200 and {n - 1} x 409, got {dict(tally)}")
    if (stored.state, stored.version, audits, decisions) != (State.APPROVED, version + 1, 1, 1):
        result.problems.append("not exactly one transition")
    if failures:
        result.problems.append(f"{len(failures)} error(s) in the server log: {failures[0]}")
    return result


# --- 2. SpatiaLite writers killed with SIGKILL --------------------------------------------------

NAME_CHARS = "丰镐沣渭泾秦汉唐兴安宁和顺康泰华昌盛文明德信新平永乐"


def _acked(path: Path) -> list[str]:
    """Ids a writer acknowledged: complete lines only (a torn last line is not an ack)."""
    if not path.exists():
        return []
    text = path.read_text()
    lines = text.split("\n")
    return [line for line in lines[:-1] if line]  # the part after the last newline is torn


def writer(url: str, ack: Path, count: int, jurisdiction_id: str, seed: int) -> int:
    """Add names to the register through the product's operation until ``ack`` lists
    ``count`` ids; each id is written and fsynced to ``ack`` only after its commit returned."""
    from sqlalchemy.orm import sessionmaker

    from placenames.db import make_engine
    from placenames.models import Jurisdiction
    from placenames.ops.registry.places import PlaceInput, create_place

    engine = make_engine(url)
    factory = sessionmaker(engine, expire_on_commit=False)
    rng = random.Random(seed)
    done = len(_acked(ack))
    with open(ack, "a") as out:
        while done < count:
            with factory() as s:
                name = rng.choice(NAME_CHARS) + rng.choice(NAME_CHARS) + "路"
                x, y = 108.80 + rng.random() * 0.1, 34.22 + rng.random() * 0.1
                place = create_place(s, PlaceInput(
                    name=name, cls="road", jurisdiction=s.get(Jurisdiction,
                                                              uuid.UUID(jurisdiction_id)),
                    geom_wkt=f"LINESTRING({x:.6f} {y:.6f}, {x + 0.004:.6f} {y + 0.003:.6f})",
                    meaning=f"故障测试 {seed}-{done}"))
                s.commit()
                place_id = place.id
            out.write(f"{place_id}\n")
            out.flush()
            os.fsync(out.fileno())
            done += 1
    engine.dispose()
    return 0


def _register_check(url: str, acked: set[str]) -> dict[str, Any]:
    """Integrity of the SQLite file and of the register's rows after a kill."""
    from sqlalchemy import text

    from placenames.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        integrity = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
        fks = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        index = conn.exec_driver_sql("SELECT CheckSpatialIndex('places', 'geom')").scalar()
        ids = {str(uuid.UUID(hex=r[0])) if len(r[0]) == 32 else r[0]
               for r in conn.execute(text("SELECT id FROM places WHERE meaning LIKE '故障测试%'"))}
        no_history = conn.execute(text(
            "SELECT count(*) FROM places p WHERE NOT EXISTS (SELECT 1 FROM record_history h"
            " WHERE h.entity_id = p.id)")).scalar()
        no_syllables = conn.execute(text(
            "SELECT count(*) FROM places p WHERE NOT EXISTS (SELECT 1 FROM place_syllables s"
            " WHERE s.place_id = p.id)")).scalar()
        no_keys = conn.execute(text(
            "SELECT count(*) FROM places p WHERE NOT EXISTS (SELECT 1 FROM place_keys k"
            " WHERE k.place_id = p.id)")).scalar()
    engine.dispose()
    return {"integrity": integrity, "foreign_keys": fks, "spatial_index": index, "ids": ids,
            "missing": acked - ids, "no_history": no_history, "no_syllables": no_syllables,
            "no_keys": no_keys}


def killed_writers(folder: Path, processes: int = 8, writes: int = 1000,
                   kill_at: float = 0.5) -> Result:
    """``processes`` writers of ``writes`` names each on one SpatiaLite file, all killed with
    SIGKILL once ``kill_at`` of the writes are acknowledged, checked, then run again to the
    end and checked again."""
    import plate_builders

    result = Result(f"{processes} processes x {writes:,} register writes on SpatiaLite, "
                    f"kill -9 of every writer at {kill_at:.0%}")
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'killed.db'}"
    fresh_database(url)
    township = build(url, folder, lambda s, _u: str(plate_builders.frame(s)["township"].id),
                     world=False)
    acks = [folder / f"writer-{i}.ack" for i in range(processes)]

    def launch() -> list[subprocess.Popen[bytes]]:
        return [subprocess.Popen([sys.executable, __file__, "writer", url, str(ack),
                                  str(writes), township, str(i)], env=child_env(),
                                 stderr=subprocess.PIPE)
                for i, ack in enumerate(acks)]

    def total() -> int:
        return sum(len(_acked(a)) for a in acks)

    t0 = time.perf_counter()
    procs = launch()
    first = None
    target = int(processes * writes * kill_at)
    try:
        while total() < target:
            if first is None and total() > 0:
                first = time.perf_counter()
            if all(p.poll() is not None for p in procs):
                result.problems.append("writers ended before the kill: "
                                       + procs[0].stderr.read().decode()[-1500:])  # type: ignore
                return result
            time.sleep(0.005)
    finally:
        # A writer that already met its quota has ended (and been reaped by poll): Popen.kill
        # leaves it be, where os.kill on its pid would fail. One that ended in error is a finding.
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()
            err = p.stderr.read().decode()  # type: ignore[union-attr]
            p.stderr.close()  # type: ignore[union-attr]
            if p.returncode not in (0, -signal.SIGKILL):
                result.problems.append(f"a writer failed before the kill: {err[-1500:]}")
    killed_after = time.perf_counter() - t0
    acked = {line for a in acks for line in _acked(a)}
    rate = len(acked) / (time.perf_counter() - (first or t0))
    check = _register_check(url, acked)
    result.figures.update({
        "kill": f"SIGKILL to {processes} writers after {killed_after:.1f} s, "
                f"{len(acked):,} writes acknowledged ({rate:,.0f} commits/s)",
        "after the kill": f"integrity_check {', '.join(check['integrity'])}; spatial index "
                          f"check {check['spatial_index']}; {len(check['missing'])} "
                          f"acknowledged row(s) missing; {len(check['ids']) - len(acked)} "
                          "committed but not yet acknowledged",
    })
    _register_problems(result, check, "after the kill")

    procs = launch()  # the same writers again: each goes on to its quota
    for p in procs:
        _, err = p.communicate(timeout=1800)
        if p.returncode != 0:
            result.problems.append(f"writer failed after the restart: {err.decode()[-1500:]}")
    acked = {line for a in acks for line in _acked(a)}
    check = _register_check(url, acked)
    result.figures["at the end"] = (
        f"{len(acked):,} acknowledged, {len(check['ids']):,} rows, "
        f"integrity_check {', '.join(check['integrity'])}, "
        f"{len(check['missing'])} missing, {check['no_history']} without history, "
        f"{check['no_syllables']} without syllables, {check['no_keys']} without keys")
    if len(acked) != processes * writes:
        result.problems.append(f"{len(acked)} acknowledged writes, not {processes * writes}")
    _register_problems(result, check, "at the end")
    return result


def _register_problems(result: Result, check: dict[str, Any], when: str) -> None:
    if check["integrity"] != ["ok"]:
        result.problems.append(f"{when}: integrity_check says {check['integrity'][:5]}")
    if check["foreign_keys"]:
        result.problems.append(f"{when}: foreign key violations {check['foreign_keys'][:5]}")
    if check["spatial_index"] != 1:
        result.problems.append(f"{when}: the spatial index does not match the table")
    if check["missing"]:
        result.problems.append(f"{when}: acknowledged rows missing: "
                               f"{sorted(check['missing'])[:5]}")
    if check["no_history"] or check["no_syllables"] or check["no_keys"]:
        result.problems.append(f"{when}: half-written names ({check['no_history']} without "
                               f"history, {check['no_syllables']} without syllables, "
                               f"{check['no_keys']} without keys)")


# --- 3. PostgreSQL stopped under concurrent submissions -------------------------------------

class PgCluster:
    """A throwaway PostgreSQL + PostGIS of our own (``scripts/lib/pg.sh``), which we may crash.

    ``PgCluster(folder, port).create()`` makes one; ``PgCluster.attach(folder, bin, url)`` takes
    the one ``scripts/bench`` made. Never point it at a server someone else uses.
    """

    def __init__(self, folder: Path, port: int, bin_dir: str = "", url: str = "") -> None:
        self.folder, self.port, self.bin, self.url = folder, port, bin_dir, url
        self.runas = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @classmethod
    def attach(cls, folder: Path, bin_dir: str, url: str) -> PgCluster:
        return cls(folder, 0, bin_dir, url)

    def create(self) -> PgCluster:
        out = subprocess.run(
            ["bash", "-c", 'source scripts/lib/pg.sh && start_pg "$1" "$2" >&2 && '
             'printf "%s\\n%s\\n" "$PG_URL" "$PG_BIN"', "_", str(self.folder), str(self.port)],
            cwd=REPO, capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            raise RuntimeError(f"start_pg failed: {out.stderr[-2000:]}")
        self.url, self.bin = out.stdout.split()[:2]
        return self

    def _ctl(self, *args: str) -> None:
        subprocess.run([*self.runas, f"{self.bin}/pg_ctl", "-D", str(self.folder / "data"),
                        *args], check=True, capture_output=True, timeout=120)

    def crash(self) -> None:
        """Every backend killed at once, no checkpoint (the server's own crash)."""
        self._ctl("-m", "immediate", "stop")

    def restart(self) -> None:
        """Start again with the options it last ran with (postmaster.opts); replays the WAL."""
        self._ctl("-w", "-l", str(self.folder / "server.log"), "restart")

    def destroy(self) -> None:
        subprocess.run(["bash", "-c", 'source scripts/lib/pg.sh && stop_pg "$1"', "_",
                        str(self.folder)], cwd=REPO, env={**os.environ, "PG_BIN": self.bin},
                       capture_output=True, timeout=120)


@dataclass
class Attempt:
    tag: str
    started: float
    ended: float = 0.0
    status: int = 0
    app_id: str | None = None
    error: str = ""


def submission(tag: str, rng: random.Random) -> dict[str, Any]:
    """An application to name a road, filed and submitted in one request."""
    name = "".join(rng.choice(NAME_CHARS) for _ in range(3)) + "路"
    return {"kind": "new", "class": "road",
            "candidates": [{"name": name, "reason": f"故障测试 {tag} 首选"},
                           {"name": name[::-1], "reason": f"故障测试 {tag} 备选"}],
            "reason": f"故障测试 {tag}", "location_desc": "沣东新城建章路街道",
            "jurisdiction": "610112012", "applicant_org": "沣东新城建设局",
            "start_desc": "建章路", "end_desc": "三桥新街", "length_m": 800, "width_m": 20}


def pg_outage(cluster: PgCluster, folder: Path, clients: int = 8, workers: int = 2,
              before: float = 4.0, down: float = 3.0, after: float = 6.0) -> Result:
    """``clients`` threads submit applications over HTTP without pause; after ``before`` s
    the PostgreSQL server is crashed (pg_ctl stop -m immediate), restarted ``down`` s later,
    and the clients go on for ``after`` s. Every answer must be 201 (and the application is
    stored whole) or 503; no application may be half-written, no row orphaned."""
    from sqlalchemy import func, select

    from placenames.db import make_engine
    from placenames.models import AuditEvent, HistoryRow
    from placenames.models.workflow import Application, CandidateName, StepRecord
    from placenames.ops.accounts import tokens
    from placenames.workflow import State

    result = Result(f"PostgreSQL crashed and restarted under {clients} clients submitting "
                    f"applications over HTTP ({workers} sync workers)")
    url = cluster.url
    fresh_database(url)
    token = build(url, folder, lambda s, _u: tokens.issue(s, "applicant"))
    attempts: list[Attempt] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(k: int) -> None:
        rng = random.Random(k)
        i = 0
        while not stop.is_set():
            a = Attempt(f"c{k}-{i}", time.monotonic())
            i += 1
            try:
                a.status, data = call(port, "POST", "/api/v1/applications",
                                      submission(a.tag, rng), token, timeout=60)
                if a.status == 201:
                    a.app_id = data["id"]
                elif data is not None:
                    a.error = str(data.get("error"))[:200]
            except (OSError, http.client.HTTPException) as exc:
                a.status, a.error = -1, f"{type(exc).__name__}: {exc}"
            a.ended = time.monotonic()
            with lock:
                attempts.append(a)

    with Served(url, folder, workers=workers) as server:
        port = server.port
        pool = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        t0 = time.monotonic()
        for t in pool:
            t.start()
        time.sleep(before)
        t_crash = time.monotonic()
        cluster.crash()
        time.sleep(down)
        t_restart = time.monotonic()
        cluster.restart()
        t_up = time.monotonic()
        time.sleep(after)
        stop.set()
        for t in pool:
            t.join(timeout=120)
        t_end = time.monotonic()
        failures = server.failures()
        logged_503 = server.errors().count("answered 503")

    engine = make_engine(url)
    with engine.connect() as conn:
        stored = {row.reason.split(" ", 1)[1]: row for row in conn.execute(
            select(Application.id, Application.state, Application.reason)
            .where(Application.reason.startswith("故障测试 ")))}
        ids = {row.id for row in stored.values()}
        candidates = Counter(conn.scalars(select(CandidateName.application_id)))
        audits = Counter((a.entity_id, a.action) for a in conn.execute(
            select(AuditEvent.entity_id, AuditEvent.action)
            .where(AuditEvent.entity_type == "application")))
        history = Counter(conn.scalars(select(HistoryRow.entity_id)
                                       .where(HistoryRow.entity_type == "application")))
        screens = Counter(conn.scalars(select(StepRecord.application_id)
                                       .where(StepRecord.step == "screen")))
        orphans = {
            "audit events": sum(1 for (eid, _a) in audits if uuid.UUID(eid) not in ids),
            "history rows": sum(1 for eid in history if eid not in ids),
            "candidate names": sum(1 for aid in candidates if aid not in ids),
            "step records": sum(1 for aid in screens if aid not in ids),
            "all applications": conn.scalar(select(func.count()).select_from(Application))
            - len(stored),
        }
    engine.dispose()

    half = [tag for tag, row in stored.items()
            if row.state != State.SUBMITTED or candidates[row.id] != 2
            or not audits[(str(row.id), "create")] or not audits[(str(row.id), "submit")]
            or history[row.id] < 2 or screens[row.id] != 1]
    tally = Counter(a.status for a in attempts)
    created = [a for a in attempts if a.status == 201]
    lost = [a.tag for a in created if a.tag not in stored or str(stored[a.tag].id) != a.app_id]
    refused = [a for a in attempts if a.status == 503]
    committed_503 = [a.tag for a in refused if a.tag in stored]
    others = [a for a in attempts if a.status not in (201, 503)]
    after_up = [a for a in created if a.started >= t_up]
    first_ok = min((a.ended for a in after_up), default=None)
    during = [a for a in attempts if a.started >= t_crash and a.ended <= t_restart]
    result.figures.update({
        "requests": f"{len(attempts):,} in {t_end - t0:.1f} s: " + ", ".join(
            f"{n:,} x {status}" for status, n in sorted(tally.items())),
        "outage": f"crash at {t_crash - t0:.1f} s, down {t_restart - t_crash:.1f} s, "
                  f"restart took {t_up - t_restart:.1f} s; answers while down: "
                  + ", ".join(f"{n} x {s}" for s, n in sorted(
                      Counter(a.status for a in during).items())),
        "recovery": "first 201 " + (f"{first_ok - t_up:.2f} s after the restart returned"
                                    if first_ok is not None else "never")
                    + f"; {sum(1 for a in refused if a.started >= t_up)} x 503 after it",
        "slowest answer": f"{max(a.ended - a.started for a in attempts) * 1000:.0f} ms",
        "stored": f"{len(stored):,} applications, {len(half)} half-written, orphans: "
                  + ", ".join(f"{k} {v}" for k, v in orphans.items()),
        "201 whose application is missing": len(lost),
        "503s logged by the server": logged_503,
        "503 whose application was committed anyway": len(committed_503),
    })
    if others:
        result.problems.append(f"{len(others)} answers neither 201 nor 503, e.g. "
                               f"{[(a.status, a.error) for a in others[:3]]}")
    if lost:
        result.problems.append(f"201 but not stored: {lost[:5]}")
    if half:
        result.problems.append(f"half-written applications: {half[:5]}")
    if any(orphans.values()):
        result.problems.append(f"orphan rows: {orphans}")
    if first_ok is None:
        result.problems.append("no submission succeeded after the restart")
    if not refused:
        result.problems.append("no request was answered 503 (did the outage meet any request?)")
    if not [a for a in created if a.ended <= t_crash]:
        result.problems.append("no submission succeeded before the crash")
    if failures:
        result.problems.append(f"{len(failures)} error(s) in the server log: {failures[0]}")
    return result


def main(argv: list[str]) -> int:
    """``writer URL ACK COUNT JURISDICTION_ID SEED``: one writer of :func:`killed_writers`."""
    if len(argv) == 6 and argv[0] == "writer":
        return writer(argv[1], Path(argv[2]), int(argv[3]), argv[4], int(argv[5]))
    print(main.__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
