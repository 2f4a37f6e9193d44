"""Read replicas against a real PostgreSQL streaming replica (PostGIS pass only): made from
the test cluster with pg_basebackup and started beside it. Public reads go to the replica
while the primary takes writes; staff read the primary (their own writes at once); a replica
whose replay is held back past the limit is skipped and /readyz says its lag; with the
replica stopped the scan page answers from the primary."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import redis_server  # free_port
from flask import g, request
from flask import session as cookie_session
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from placenames import create_app, db

URL = os.environ.get("PLACENAMES_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not URL.startswith("postgresql"),
                                reason="streaming replicas are PostgreSQL's")


def _bin() -> Path:
    return Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1])


def _as_postgres(*args: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


@pytest.fixture
def replica():
    primary = make_url(URL)
    # outside pytest's folders, which the postgres user cannot enter
    folder = Path(tempfile.mkdtemp(prefix="placenames-replica-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", redis_server.free_port()
    subprocess.run(_as_postgres(str(_bin() / "pg_basebackup"), "-h", primary.host or "127.0.0.1",
                                "-p", str(primary.port or 5432), "-U", "postgres", "-D",
                                str(data), "-R", "-X", "stream", "--checkpoint=fast"),
                   check=True, capture_output=True)
    subprocess.run(_as_postgres(str(_bin() / "pg_ctl"), "-D", str(data), "-l",
                                str(folder / "server.log"), "-w", "-o",
                                f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 "
                                "-c hot_standby=on", "start"), check=True, capture_output=True)
    url = primary.set(port=port).render_as_string(hide_password=False)
    try:
        yield url, lambda: subprocess.run(_as_postgres(
            str(_bin() / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"), capture_output=True)
    finally:
        subprocess.run(_as_postgres(str(_bin() / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                    "stop"), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def served(app, replica, tmp_path):
    url, stop = replica
    app2 = create_app({"DATABASE_URL": URL, "SECRET_KEY": "test-secret",
                       "INSTANCE_PATH": str(tmp_path / "instance2"), "JOBS_QUEUE": "immediate",
                       "DATABASE_REPLICA_URLS": url, "DATABASE_REPLICA_MAX_LAG_SECONDS": 1})
    yield app2, url, stop
    app2.extensions["placenames.replicas"].dispose()
    app2.extensions["placenames.engine"].dispose()


def _replica_sees(url: str, sql: str, expected, timeout: float = 20.0) -> None:
    engine = create_engine(url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if conn.execute(text(sql)).scalar() == expected:
                    return
            time.sleep(0.1)
        raise AssertionError(f"the replica did not catch up: {sql}")
    finally:
        engine.dispose()


def _reads_from(app2, *, signed_in: bool = False) -> str | None:
    with app2.test_request_context("/names"):
        if signed_in:
            cookie_session["_user_id"] = "a staff session"
        db.session()
        return g.get("db_replica")


def test_public_reads_go_to_the_replica_until_it_lags_or_stops_staff_read_the_primary(
        served, session):
    app2, url, stop = served
    from sqlalchemy import select

    from placenames.models import Place, Plate
    from placenames.ops.demo import loader as demo

    demo.load(session)
    session.commit()
    plate_id = session.scalar(select(Plate.plate_id).order_by(Plate.plate_id).limit(1))
    session.rollback()
    _replica_sees(url, f"SELECT count(*) FROM plates WHERE plate_id = '{plate_id}'", 1)
    assert _reads_from(app2).startswith("replica1")
    assert _reads_from(app2, signed_in=True) is None  # staff: the primary
    client = app2.test_client()
    served_by: dict[str, str | None] = {}

    @app2.after_request
    def _note(response):
        served_by[request.path] = g.get("db_replica")
        return response

    place_id = session.scalar(select(Place.id).where(Place.name == "世纪大道"))
    session.rollback()
    public = [f"/p/{plate_id}", f"/names/{place_id}", "/search?q=世纪大道",
              "/api/v1/search?q=世纪大道", "/tiles/names/12/3294/1626.mvt",
              "/ogc/collections/names/items?limit=2"]
    for path in public:
        assert client.get(path).status_code == 200, path
        assert (served_by[path.split("?")[0]] or "").startswith("replica1"), path
    writer = create_engine(URL)
    try:  # the primary takes writes while the replica serves the scan page
        for _ in range(20):
            with writer.begin() as conn:
                conn.execute(text("UPDATE register_counters SET value = value WHERE key = 'map'"))
            assert client.get(f"/p/{plate_id}").status_code == 200
        (state,) = client.get("/readyz").get_json()["checks"]["replicas"]["replicas"]
        assert state["ok"] and state["lag_seconds"] is not None and state["lag_seconds"] <= 1
        assert "placenames_replica_lag_seconds{replica=" in client.get("/metrics").get_data(True)

        paused = create_engine(url, isolation_level="AUTOCOMMIT")
        with paused.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_pause()"))
        with writer.begin() as conn:  # a write the replica does not replay
            conn.execute(text("UPDATE register_counters SET value = value + 1 WHERE key = 'map'"))
        time.sleep(2.5)  # past the 1-second limit, and past the replica's last check
        assert _reads_from(app2) is None  # lagging: the primary answers
        state = client.get("/readyz").get_json()["checks"]["replicas"]["replicas"][0]
        assert not state["ok"] and state["lag_seconds"] > 1
        with paused.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_resume()"))
        paused.dispose()
    finally:
        writer.dispose()
    time.sleep(2.5)
    assert _reads_from(app2).startswith("replica1")
    stop()  # the replica goes away
    assert client.get(f"/p/{plate_id}").status_code == 200  # from the primary
    assert _reads_from(app2) is None
    ready = client.get("/readyz")
    assert ready.status_code == 200  # the primary serves: still ready
    assert not ready.get_json()["checks"]["replicas"]["replicas"][0]["ok"]
