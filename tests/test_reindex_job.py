"""The reindex as a background job: the system administrator starts it (or a dry run) from
/admin/reindex and the stale rows are repaired, with an audit event; `placenames reindex --job`
queues the same job for a real worker, which runs it with two processes and repairs the row;
other roles may not start it."""

from __future__ import annotations

import os
import signal
import time

import job_builders as jb  # tests/ is on sys.path (pyproject.toml)
from account_builders import csrf, sign_in
from cli_builders import run_cli
from sqlalchemy import select, update

from placenames.jobs.handlers import REINDEX
from placenames.models import AuditEvent, Job, Place
from placenames.ops.demo import loader as demo

ROAD = "世纪大道"


def _spoil(session):
    """The romanization an older engine might have left."""
    session.execute(update(Place).where(Place.name == ROAD).values(romanization="Shiji Da Dao"))
    session.commit()


def _romanization(session):
    session.expire_all()
    value = session.scalar(select(Place.romanization).where(Place.name == ROAD))
    session.rollback()
    return value


def _start(client, **extra):
    token = csrf(client.get("/admin/reindex").get_data(True))
    return client.post("/admin/reindex", data={"csrf_token": token, **extra})


def test_the_sysadmin_runs_a_dry_run_then_the_reindex_from_the_page(app, client, session):
    demo.load(session)
    session.commit()
    _spoil(session)
    session.close()
    sign_in(app, client, "sysadmin")
    page = client.get("/admin/reindex").get_data(True)
    assert 'id="reindex-button"' in page and 'id="nav-reindex"' in page
    assert _start(client, dry_run="1").status_code == 303
    dry = session.scalar(select(Job).where(Job.kind == REINDEX))
    assert dry.status == "done" and "dry run" in dry.message and "names 地名: " in dry.message
    assert " 1 changed, 0 written" in dry.message
    session.rollback()
    assert _romanization(session) == "Shiji Da Dao"
    assert _start(client).status_code == 303
    assert _romanization(session) == "Shiji Dadao"
    done = session.scalars(select(Job).where(Job.kind == REINDEX)
                           .order_by(Job.created_at.desc())).first()
    assert done.status == "done" and " 1 changed, 1 written" in done.message
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "reindex"))
    assert event is not None and event.actor_id == done.created_by_id is not None
    session.rollback()
    listed = client.get("/admin/reindex?lang=en").get_data(True)
    assert listed.count('<tr data-status="done">') == 2 and "Latest runs" in listed


def test_other_roles_may_not_start_it(app, client, session):
    demo.load(session)
    session.commit()
    session.close()
    sign_in(app, client, "clerk")
    assert client.get("/admin/reindex").status_code == 403
    token = csrf(client.get("/").get_data(True))
    assert client.post("/admin/reindex", data={"csrf_token": token}).status_code == 403
    assert session.scalar(select(Job).where(Job.kind == REINDEX)) is None


def test_the_command_queues_it_and_a_worker_runs_it(session, cli_env, tmp_path):
    demo.load(session)
    session.commit()
    _spoil(session)
    session.close()
    env = {**cli_env, "PLACENAMES_JOBS_QUEUE": "sqlite"}
    queued = run_cli(env, "reindex", "--job")
    assert queued.returncode == 0, queued.stderr
    assert "queued as job" in queued.stdout
    assert _romanization(session) == "Shiji Da Dao"  # nothing run yet
    worker = jb.worker(cli_env, tmp_path, "worker")
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            session.expire_all()
            job = session.scalar(select(Job).where(Job.kind == REINDEX))
            status, message = job.status, job.message
            session.rollback()
            if status in ("done", "failed"):
                break
            time.sleep(0.2)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    log = (tmp_path / "worker.log").read_text(errors="replace")[-2000:]
    assert status == "done", f"{status}: {message}\n{log}"
    assert _romanization(session) == "Shiji Dadao"
