"""Faults (issue 12): an unreachable database answers 503, never 500; writers killed with
SIGKILL lose no acknowledged write; a PostgreSQL crash under load leaves every request either
committed whole or answered 503.

The last two are small versions of ``scripts/bench faults`` (tests/fault_harness.py). They
start their own processes (writers; gunicorn; a PostgreSQL cluster of their own, which they
crash), so they use no database fixture and run once, in the SpatiaLite pass of scripts/test.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import fault_harness as faults
import plate_builders as pb
import pytest
import redis_server

from placenames import create_app
from placenames.web.errors import UNAVAILABLE_MSG

pytestmark = pytest.mark.faults


def _dead_app(tmp_path: Path, url: str, **config):
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "test-secret",
                       "INSTANCE_PATH": str(tmp_path / "dead"), **config})


def test_an_unreachable_postgresql_answers_503_with_a_message(tmp_path):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{redis_server.free_port()}/none"
    client = _dead_app(tmp_path, url).test_client()
    page = client.get("/")
    assert page.status_code == 503
    assert UNAVAILABLE_MSG in page.get_data(True) and "数据库暂时无法访问" in UNAVAILABLE_MSG
    assert int(page.headers["Retry-After"]) > 0
    api = client.post("/api/v1/applications", json={"kind": "new"},
                      headers={"Authorization": "Bearer pn_x"})
    assert api.status_code == 503 and api.get_json() == {"error": UNAVAILABLE_MSG, "status": 503}
    for path in ("/healthz", "/p/0000000000000000", "/notices", "/map"):
        assert client.get(path).status_code == 503, path
    assert client.get("/api/v1/plates/0000000000000000").status_code == 503


def test_an_sqlite_file_that_cannot_be_opened_answers_503(tmp_path):
    folder = tmp_path / "a-folder.db"
    folder.mkdir()  # a folder where the database file should be
    client = _dead_app(tmp_path, f"sqlite:///{folder}").test_client()
    r = client.get("/notices", headers={"Accept": "application/json"})
    assert r.status_code == 503 and r.get_json()["error"] == UNAVAILABLE_MSG


def test_a_signed_in_page_answers_503_when_the_database_is_gone(app, client, session, tmp_path):
    """The error page's frame names the signed-in user, which needs the database too."""
    app.config["WTF_CSRF_ENABLED"] = False
    pb.clerk(session)
    session.commit()
    assert client.post("/login", data={"username": "clerk1", "password": "pw-123456"}
                       ).status_code == 302
    dead = _dead_app(tmp_path, f"postgresql+psycopg://postgres@127.0.0.1:"
                               f"{redis_server.free_port()}/none").test_client()
    for cookie in ("session", "remember_token"):
        value = client.get_cookie(cookie)
        if value is not None:
            dead.set_cookie(cookie, value.value)
    r = dead.get("/staff/plates/batches")
    assert r.status_code == 503 and UNAVAILABLE_MSG in r.get_data(True)


def test_writers_killed_with_sigkill_lose_no_acknowledged_write(tmp_path):
    result = faults.killed_writers(tmp_path / "kill", processes=4, writes=100, kill_at=0.5)
    assert result.passed, result.report()


@pytest.fixture
def own_postgresql(tmp_path):
    if shutil.which("pg_ctl") is None and not list(Path("/usr/lib/postgresql").glob("*/bin")):
        pytest.skip("PostgreSQL is not installed (scripts/test installs it)")
    # in /tmp itself, as scripts/test does: the postgres user cannot enter pytest's folders
    folder = Path(tempfile.mkdtemp(prefix="placenames-faults-pg."))
    cluster = faults.PgCluster(folder, redis_server.free_port())
    try:
        yield cluster.create()
    finally:
        cluster.destroy()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_postgresql_crash_under_submissions_leaves_201_or_503_and_nothing_half_written(
        own_postgresql, tmp_path):
    result = faults.pg_outage(own_postgresql, tmp_path / "outage", clients=4, workers=2,
                              before=2.5, down=2.0, after=3.0)
    assert result.passed, result.report()


def test_a_connection_lost_under_the_scan_lookup_raises_sqlalchemys_error(engine, db_url):
    """The scan page's key lookup runs on the DB-API cursor; a PostgreSQL connection killed
    under it must surface as SQLAlchemy's OperationalError (the 503), not psycopg's own."""
    from sqlalchemy.exc import OperationalError

    from placenames.ops.plates.scan import _KEY_QUERY

    if not db_url.startswith("postgresql"):
        pytest.skip("a server-side connection kill is a PostgreSQL matter")
    with engine.connect() as conn:
        backend = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with engine.connect() as other:
            other.exec_driver_sql(f"SELECT pg_terminate_backend({int(backend)})")
        with pytest.raises(OperationalError) as lost:
            _KEY_QUERY.first(conn, {"pid": "0000000000000000"})
        assert lost.value.connection_invalidated


def test_a_connection_lost_after_the_answer_does_not_turn_it_into_a_500(app, engine, db_url):
    """PostgreSQL restarting between a view's answer and the end of the request: closing the
    session (its rollback) fails on the dead connection; the answer must stand."""
    from sqlalchemy import text

    from placenames import db

    if not db_url.startswith("postgresql"):
        pytest.skip("a server-side connection kill is a PostgreSQL matter")

    @app.post("/_fault/lose-connection")
    def lose_connection() -> str:
        s = db.session()
        backend = s.execute(text("SELECT pg_backend_pid()")).scalar()  # a transaction is open
        with engine.connect() as other:
            other.execute(text(f"SELECT pg_terminate_backend({int(backend)})"))
        return "answered"

    app.config["WTF_CSRF_ENABLED"] = False
    r = app.test_client().post("/_fault/lose-connection")
    assert (r.status_code, r.get_data(True)) == (200, "answered")
