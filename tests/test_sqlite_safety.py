"""SpatiaLite connection settings and two concurrent writers."""

import threading

import pytest
from sqlalchemy import text

from placenames import spatial
from placenames.db import make_engine


@pytest.fixture
def sqlite_url(db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite-only behaviour")
    return db_url


def test_connections_use_wal_full_sync_foreign_keys_and_busy_timeout(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}
        assert conn.exec_driver_sql("SELECT spatialite_version()").scalar()
    engine.dispose()
    assert pragma == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1,
                      "busy_timeout": 30000}


def test_two_writers_doing_read_then_write_never_fail_with_database_locked(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))
    errors: list[Exception] = []

    def work() -> None:
        try:
            for _ in range(40):
                with engine.begin() as conn:  # BEGIN IMMEDIATE: the lock is taken up front
                    n = conn.execute(text("SELECT n FROM counter")).scalar()
                    conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with engine.connect() as conn:
        total = conn.execute(text("SELECT n FROM counter")).scalar()
    engine.dispose()
    assert errors == [] and total == 80


def test_readers_do_not_take_the_write_lock(sqlite_url):
    engine = make_engine(sqlite_url)
    reader = spatial.read_only(engine)
    with engine.begin() as writer:
        writer.execute(text("CREATE TABLE t (x INTEGER)"))
        # while a writer holds the lock, a reader still reads at once
        with reader.connect() as r:
            assert r.execute(text("SELECT count(*) FROM places")).scalar() == 0
    engine.dispose()
