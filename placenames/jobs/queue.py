"""The queue (huey) of an app, and the running of one job by a worker.

:func:`queue_for` builds the app's huey instance from its settings (once per app) and
registers two tasks on it: ``run_job`` (one job id) and ``recover`` (every minute on a worker:
jobs whose worker died, or whose message was lost, are enqueued again). :func:`enqueue` puts a
job on the queue after its record is committed.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

from ..models import JobStatus
from ..ops.jobs import records

log = logging.getLogger("placenames.jobs")
KINDS = ("sqlite", "redis", "immediate")
_WORKER_APP: list[Flask] = []
"""The app of a worker process (``placenames worker``), for tasks run outside a request."""


def _now() -> datetime:
    return datetime.now(UTC)


def queue_kind(config: Any) -> str:
    """``JOBS_QUEUE``, or ``redis`` when ``REDIS_URL`` is set, else ``sqlite``."""
    kind = config.get("JOBS_QUEUE") or ("redis" if config.get("REDIS_URL") else "sqlite")
    if kind not in KINDS:
        raise ValueError(f"JOBS_QUEUE must be one of {', '.join(KINDS)}, not {kind!r}")
    return str(kind)


def queue_for(app: Flask) -> Huey:
    """The app's queue, made on first use."""
    huey = app.extensions.get("placenames.huey")
    if huey is not None:
        return huey
    kind = queue_kind(app.config)
    if kind == "immediate":
        huey = MemoryHuey("placenames", immediate=True, results=False)
    elif kind == "redis":
        huey = RedisHuey("placenames", url=app.config["REDIS_URL"], results=False)
    else:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey("placenames", results=False,
                          filename=str(Path(app.instance_path) / "jobs-queue.sqlite3"))
    app.extensions["placenames.run_job"] = huey.task(name="run_job")(run_job)
    huey.periodic_task(crontab(minute="*"), name="recover")(recover)
    huey.periodic_task(crontab(minute="17"), name="purge")(purge)
    app.extensions["placenames.huey"] = huey
    return huey


def start_job(app: Flask, session: Any, kind: str, params: dict[str, Any], *, subject: str,
              actor_id: uuid.UUID | None, request_id: str | None = None) -> Any:
    """The subject's open job of this kind, or a new one made, committed and enqueued."""
    job = records.open_job(session, kind, subject)
    if job is not None:
        return job
    job = records.create(session, kind, params, subject=subject, actor_id=actor_id,
                         now=_now(), request_id=request_id)
    session.commit()
    enqueue(app, job.id)
    session.refresh(job)  # an immediate queue has run it already
    return job


def enqueue(app: Flask, job_id: uuid.UUID) -> None:
    """Put the (committed) job on the app's queue."""
    queue_for(app)
    app.extensions["placenames.run_job"](str(job_id))


def _lease(app: Flask) -> float:
    """Seconds a running job's heartbeat holds it (``JOBS_LEASE_SECONDS``)."""
    return float(app.config.get("JOBS_LEASE_SECONDS") or records.LEASE_SECONDS)


def _app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]
    if not _WORKER_APP:
        raise RuntimeError("no app: run jobs with `placenames worker`")
    return _WORKER_APP[0]


Handler = Callable[[Flask, Any, Any, "Progress"], str | None]


class Progress:
    """What a running job reports: its total and how far it got (each call renews the lease
    and checks for a cancellation, no more than every ``every`` seconds)."""

    def __init__(self, session: Any, job: Any, every: float = 1.0) -> None:
        self.session, self.job, self.every = session, job, every
        self._last = 0.0

    def __call__(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        """Store ``done`` (and ``total``); :class:`records.Cancelled` when asked to stop."""
        now = time.monotonic()
        if force or total is not None or now - self._last >= self.every:
            self._last = now
            records.beat(self.session, self.job, _now(), done=done, total=total)


def run_job(job_id: str) -> None:
    """Run one job if this worker can take it (see :func:`records.claim`)."""
    from .handlers import HANDLERS

    app = _app()
    with app.app_context():
        session = app.extensions["placenames.sessionmaker"]()
        try:
            lease = _lease(app)
            job = records.claim(session, uuid.UUID(job_id), _now(), lease)
            if job is None:
                return
            handler = HANDLERS.get(job.kind)
            if handler is None:
                records.finish(session, job, JobStatus.FAILED, _now(), f"unknown kind {job.kind}")
                return
            log.info("job %s (%s) started, attempt %d", job.id, job.kind, job.attempts,
                     extra={"request_id": job.request_id})
            try:
                message = handler(app, session, job, Progress(session, job, every=lease / 4))
            except records.Cancelled:
                session.rollback()
                records.finish(session, job, JobStatus.CANCELLED, _now(), "cancelled")
                log.info("job %s cancelled", job.id, extra={"request_id": job.request_id})
                return
            except Exception as exc:
                session.rollback()
                log.exception("job %s failed", job.id, extra={"request_id": job.request_id})
                records.finish(session, job, JobStatus.FAILED, _now(),
                               f"{type(exc).__name__}: {exc}")
                return
            records.finish(session, job, JobStatus.DONE, _now(), message)
            log.info("job %s done", job.id, extra={"request_id": job.request_id})
        finally:
            session.close()


def recover() -> None:
    """Enqueue again the jobs whose worker died or whose message was lost."""
    app = _app()
    with app.app_context():
        session = app.extensions["placenames.sessionmaker"]()
        try:
            ids = records.to_recover(session, _now(), _lease(app))
        finally:
            session.close()
        for job_id in ids:
            log.warning("job %s recovered: enqueued again", job_id)
            enqueue(app, job_id)


def purge() -> None:
    """Delete the matched address lists and results older than ``GEOCODE_KEEP_DAYS``."""
    from .handlers import purge_geocode_files

    app = _app()
    days = int(app.config.get("GEOCODE_KEEP_DAYS") or 7)
    gone = purge_geocode_files(app.extensions["placenames.storage"], days, time.time())
    if gone:
        log.info("purge: %d matched address file(s) older than %d days deleted", gone, days)


def _sweep_scratch(folder: Path, older_than: float) -> None:
    """Remove what killed jobs left in the scratch folder (drawings never stored)."""
    import shutil

    if not folder.is_dir():
        return
    limit = time.time() - older_than
    for entry in folder.iterdir():
        if entry.stat().st_mtime >= limit:
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def run_worker(app: Flask, workers: int = 1) -> None:
    """Run the queue's consumer in this process (``placenames worker``): it recovers the jobs
    left by a killed worker first, then takes jobs as they come."""
    from huey.consumer import Consumer

    _WORKER_APP[:] = [app]
    huey = queue_for(app)
    _sweep_scratch(Path(app.instance_path) / "tmp", older_than=3600)
    recover()
    purge()
    Consumer(huey, workers=workers, worker_type="thread", periodic=True,
             initial_delay=0.1, max_delay=1.0).run()
