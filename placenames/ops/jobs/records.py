"""The records of background jobs: made, claimed by one worker at a time, kept alive by its
heartbeat, advanced, finished, cancelled, and recovered after a worker died.

Claiming is one conditional UPDATE: a worker takes a job only if it is queued, or running with
a heartbeat older than :data:`LEASE_SECONDS` (the worker that held it is gone). So the queue
may deliver a job twice (a recovery re-enqueues what looks lost) and it still runs once at a
time; a job taken :data:`MAX_ATTEMPTS` times fails with a message. The caller commits, except
in :func:`claim`, :func:`beat` and :func:`finish`, which are the worker's own short
transactions.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from ...errors import Conflict, NotFound
from ...models import Job, JobStatus
from ...models.jobs import OPEN

LEASE_SECONDS = 60
"""A running job whose heartbeat is older than this is taken to have lost its worker."""
MAX_ATTEMPTS = 3
"""Times a job is taken before it is given up as failed."""
LOST_QUEUED_SECONDS = 300
"""A job queued this long without a worker taking it is enqueued again (a lost message)."""


class Cancelled(Exception):
    """Raised inside a job when staff asked to cancel it."""


def create(session: Session, kind: str, params: dict[str, Any], *, subject: str | None,
           actor_id: uuid.UUID | None, now: datetime, request_id: str | None = None) -> Job:
    """A new queued job; :class:`Conflict` when the subject has an open job of this kind."""
    if subject is not None and open_job(session, kind, subject) is not None:
        raise Conflict("这项工作已在队列中或正在进行 / this job is already queued or running")
    job = Job(kind=kind, subject=subject, params=json.dumps(params, ensure_ascii=False),
              status=JobStatus.QUEUED, created_by_id=actor_id, created_at=now,
              request_id=request_id, done=0, total=0, attempts=0, cancel_requested=False)
    session.add(job)
    session.flush()
    return job


def open_job(session: Session, kind: str, subject: str) -> Job | None:
    """The subject's queued or running job of this kind, if any."""
    return session.scalar(select(Job).where(Job.kind == kind, Job.subject == subject,
                                            Job.status.in_([str(s) for s in OPEN])))


def latest(session: Session, kind: str, subject: str) -> Job | None:
    """The subject's newest job of this kind."""
    return session.scalar(select(Job).where(Job.kind == kind, Job.subject == subject)
                          .order_by(Job.created_at.desc()).limit(1))


def recent(session: Session, kind: str, limit: int = 10) -> list[Job]:
    """The newest jobs of this kind, newest first."""
    return list(session.scalars(select(Job).where(Job.kind == kind)
                                .order_by(Job.created_at.desc()).limit(limit)))


def get(session: Session, job_id: uuid.UUID | str, kind: str | None = None) -> Job:
    """A job by id (of ``kind``, when given), or :class:`NotFound`."""
    try:
        jid = job_id if isinstance(job_id, uuid.UUID) else uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound("没有这项工作 / no such job") from None
    job = session.get(Job, jid)
    if job is None or kind is not None and job.kind != kind:
        raise NotFound("没有这项工作 / no such job")
    return job


def cancel_open(session: Session, kind: str, subject: str) -> bool:
    """Ask the subject's open job of this kind to stop (flushed), if there is one."""
    job = open_job(session, kind, subject)
    if job is None:
        return False
    request_cancel(session, job)
    return True


def claim(session: Session, job_id: uuid.UUID, now: datetime,
          lease_seconds: float = LEASE_SECONDS) -> Job | None:
    """Take the job for this worker (committed), or None when it is not to be run now: done,
    cancelled, failed, or running under a live lease. A job asked to stop before it started
    is cancelled here; one taken too often fails."""
    stale = now - timedelta(seconds=lease_seconds)
    takeable = or_(Job.status == JobStatus.QUEUED,
                   and_(Job.status == JobStatus.RUNNING, Job.heartbeat_at < stale))
    cancelled = session.execute(
        update(Job).where(Job.id == job_id, takeable, Job.cancel_requested.is_(True))
        .values(status=JobStatus.CANCELLED, finished_at=now, message="cancelled"))
    given_up = session.execute(
        update(Job).where(Job.id == job_id, takeable, Job.attempts >= MAX_ATTEMPTS)
        .values(status=JobStatus.FAILED, finished_at=now,
                message=f"given up after {MAX_ATTEMPTS} attempts (its worker stopped)"))
    taken = session.execute(
        update(Job).where(Job.id == job_id, takeable)
        .values(status=JobStatus.RUNNING, attempts=Job.attempts + 1, started_at=now,
                heartbeat_at=now))
    session.commit()
    if cancelled.rowcount or given_up.rowcount or not taken.rowcount:  # type: ignore[attr-defined]
        return None
    return session.get(Job, job_id)


def beat(session: Session, job: Job, now: datetime, *, done: int | None = None,
         total: int | None = None) -> None:
    """Renew the lease and store the progress (committed); :class:`Cancelled` when staff
    asked to stop."""
    values: dict[str, Any] = {"heartbeat_at": now}
    if done is not None:
        values["done"] = done
    if total is not None:
        values["total"] = total
    session.execute(update(Job).where(Job.id == job.id).values(**values))
    cancel = session.scalar(select(Job.cancel_requested).where(Job.id == job.id))
    # read before the commit: a read after it would open a transaction (on SQLite one that
    # holds the write lock) that the handler's own writes would then wait for
    session.commit()
    if cancel:
        raise Cancelled()


def finish(session: Session, job: Job, status: JobStatus, now: datetime,
           message: str | None = None) -> None:
    """Close the job (committed)."""
    values: dict[str, Any] = {"status": status, "finished_at": now, "heartbeat_at": now,
                              "message": (message or "")[:2000]}
    if status == JobStatus.DONE:
        values["done"] = Job.total
    session.execute(update(Job).where(Job.id == job.id).values(**values))
    session.commit()


def request_cancel(session: Session, job: Job) -> None:
    """Ask the job to stop: a queued job stops before it starts, a running one at its next
    heartbeat. :class:`Conflict` for a job already over."""
    if job.status not in OPEN:
        raise Conflict("这项工作已结束 / this job is over")
    job.cancel_requested = True
    session.flush()


def to_recover(session: Session, now: datetime, lease_seconds: float = LEASE_SECONDS
               ) -> list[uuid.UUID]:
    """Jobs to enqueue again: running under a lapsed lease, or queued so long that their
    message may be lost."""
    stale = now - timedelta(seconds=lease_seconds)
    forgotten = now - timedelta(seconds=LOST_QUEUED_SECONDS)
    return list(session.scalars(select(Job.id).where(or_(
        and_(Job.status == JobStatus.RUNNING, Job.heartbeat_at < stale),
        and_(Job.status == JobStatus.QUEUED, Job.created_at < forgotten)))))


def params_of(job: Job) -> dict[str, Any]:
    """The job's parameters."""
    value = json.loads(job.params or "{}")
    return value if isinstance(value, dict) else {}


def as_dict(job: Job) -> dict[str, Any]:
    """What the progress endpoints answer."""
    return {"id": str(job.id), "kind": job.kind, "status": job.status, "done": job.done,
            "total": job.total, "message": job.message, "attempts": job.attempts,
            "cancel_requested": job.cancel_requested,
            "created_at": job.created_at.isoformat() if job.created_at else None,
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}
