"""Background jobs on both backends: the claim (one worker at a time, a lapsed lease taken
again, given up after three attempts, a cancellation before the start), and real workers
(`placenames worker` processes on the SQLite queue file): a plate batch queued through one web
app shows its progress in another, survives `kill -9` of its worker mid-drawing and completes
after a restart with every plate exactly once; a queued batch cancelled from the other app is
never drawn."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta

import job_builders as jb  # tests/ is on sys.path (pyproject.toml)
import plate_builders as b
import pytest
from sqlalchemy import select

from placenames.jobs.handlers import PLATE_BATCH, batch_keys
from placenames.models import Job, Plate
from placenames.ops.jobs import records
from placenames.ops.plates import batches as plate_ops

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_a_job_is_claimed_once_taken_again_after_its_lease_and_given_up_after_three(session):
    job = records.create(session, PLATE_BATCH, {"batch_id": "x"}, subject="x", actor_id=None,
                         now=NOW)
    session.commit()
    with pytest.raises(Exception, match="already"):
        records.create(session, PLATE_BATCH, {}, subject="x", actor_id=None, now=NOW)
    session.rollback()
    assert records.claim(session, job.id, NOW, 60) is not None
    assert records.claim(session, job.id, NOW + timedelta(seconds=30), 60) is None  # leased
    assert records.to_recover(session, NOW + timedelta(seconds=30), 60) == []
    later = NOW + timedelta(seconds=61)
    assert records.to_recover(session, later, 60) == [job.id]
    assert records.claim(session, job.id, later, 60).attempts == 2
    assert records.claim(session, job.id, later + timedelta(seconds=61), 60).attempts == 3
    assert records.claim(session, job.id, later + timedelta(seconds=200), 60) is None
    session.refresh(job)
    assert job.status == "failed" and "3 attempts" in job.message
    other = records.create(session, PLATE_BATCH, {}, subject="y", actor_id=None, now=NOW)
    records.request_cancel(session, other)
    session.commit()
    assert records.claim(session, other.id, NOW, 60) is None
    session.refresh(other)
    assert other.status == "cancelled"


def test_a_heartbeat_leaves_no_transaction_open(app, session, engine):
    """A job's heartbeat stores its progress and reads the cancel flag, then commits: no
    transaction stays open after it (on SQLite one would hold the write lock, and the job's
    own next write, on another connection, would wait for it and fail as locked)."""
    job = records.create(session, PLATE_BATCH, {}, subject="x", actor_id=None, now=NOW)
    session.commit()
    records.beat(session, job, NOW, done=1, total=2)
    assert not session.in_transaction()
    with engine.begin() as conn:  # another connection writes at once
        conn.execute(Job.__table__.update().where(Job.id == job.id).values(done=2))
    records.request_cancel(session, job)
    session.commit()
    with pytest.raises(records.Cancelled):
        records.beat(session, job, NOW, done=2)
    assert not session.in_transaction()


def _batch(session, count):
    j, built = b.registry(session, per_road=count // 2, roads=("建章路", "世纪大道"))
    clerk = b.clerk(session)
    batch = plate_ops.create_batch(session, plate_ops.make_selection("area", "610112"),
                                   size="small", sheet="A4", actor_id=clerk.id, now=NOW)
    session.commit()
    batch_id = batch.id
    session.refresh(clerk)
    session.expunge(clerk)  # a detached, loaded user: logging it in reads nothing (SQLite)
    session.rollback()
    return batch_id, clerk


def _job(session, batch_id):
    session.expire_all()
    job = session.scalar(select(Job).where(Job.subject == str(batch_id)))
    if job is not None:
        session.expunge(job)  # loaded and detached: reading it later starts no transaction
    session.rollback()  # no read transaction left open while the others write (SQLite)
    return job


def _wait(session, batch_id, ok, what, tmp_path, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _job(session, batch_id)
        if job is not None and ok(job):
            return job
        time.sleep(0.1)
    logs = "".join(p.read_text(errors="replace")[-2000:] for p in tmp_path.glob("*.log"))
    raise AssertionError(f"{what}: {job and records.as_dict(job)}\n{logs}")


@pytest.fixture
def second_app(app):
    """Another web app on the same database and instance folder (another web process)."""
    other = jb.second_app(app)
    yield other
    other.extensions["placenames.engine"].dispose()


def test_a_batch_survives_its_worker_killed_and_completes_with_each_plate_once(
        app, client, session, cli_env, tmp_path, second_app):
    app.config.update(JOBS_QUEUE="sqlite", WTF_CSRF_ENABLED=False)
    batch_id, clerk = _batch(session, 2000)
    b.login(client, clerk)
    assert client.post(f"/staff/plates/batches/{batch_id}/render").status_code == 302
    assert _job(session, batch_id).status == "queued"  # no worker yet: it waits
    watcher = second_app.test_client()
    b.login(watcher, clerk)
    first = jb.worker(cli_env, tmp_path, "worker1")
    try:
        running = _wait(session, batch_id, lambda j: j.status == "running" and j.done >= 100,
                        "the worker did not start drawing", tmp_path)
        seen = watcher.get(f"/staff/plates/batches/{batch_id}/progress").get_json()
        assert seen["running"] and seen["job"]["total"] == 2000  # from the other web app
        assert 0 < seen["rendered"] < 2000
        os.killpg(first.pid, signal.SIGKILL)  # the worker dies mid-drawing
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert running.attempts == 1
    assert _job(session, batch_id).status == "running"  # its lease has not lapsed yet
    store = app.extensions["placenames.storage"]
    pdf, manifest = (store.local_path(k) for k in batch_keys(batch_id))
    assert not pdf.exists()  # nothing half-written is served
    time.sleep(3.5)  # the lease lapses
    second = jb.worker(cli_env, tmp_path, "worker2")
    try:
        done = _wait(session, batch_id, lambda j: j.status == "done", "not completed",
                     tmp_path)
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=30)
    assert done.attempts == 2 and done.done == done.total == 2000
    with manifest.open(encoding="utf-8") as f:
        ids = [row["plate_id"] for row in csv.DictReader(f)]
    stored = set(session.scalars(select(Plate.plate_id).where(Plate.batch_id == batch_id)))
    session.rollback()
    assert len(ids) == 2000 and set(ids) == stored  # no duplicate, no gap
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout.replace("-", "")
    assert all(text.count(pid) == 1 for pid in list(stored)[:50])
    page = watcher.get(f"/staff/plates/batches/{batch_id}?lang=en").get_data(True)
    assert 'data-status="done"' in page and "attempt 2" in page


def test_a_queued_batch_cancelled_from_another_web_app_is_never_drawn(
        app, client, session, cli_env, tmp_path, second_app):
    app.config.update(JOBS_QUEUE="sqlite", WTF_CSRF_ENABLED=False)
    batch_id, clerk = _batch(session, 40)
    b.login(client, clerk)
    client.post(f"/staff/plates/batches/{batch_id}/render")
    watcher = second_app.test_client()
    b.login(watcher, clerk)
    assert watcher.post(f"/staff/plates/batches/{batch_id}/cancel").status_code == 302
    proc = jb.worker(cli_env, tmp_path, "worker")
    try:
        job = _wait(session, batch_id, lambda j: j.status == "cancelled", "not cancelled",
                    tmp_path)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    assert job.attempts == 0
    assert not app.extensions["placenames.storage"].exists(batch_keys(batch_id)[0])
    assert plate_ops.find_batch(session, batch_id).status == "issued"
