"""Staff page of open data: ``/staff/open-data`` shows the release the public downloads and
publishes a new one as a background job (the same release as ``placenames export
--publish``: the folder ``OPEN_DATA_DIR``, or the object store). Clerks only; each publish is
in the audit log.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from .. import db
from ..jobs.handlers import OPEN_DATA
from ..jobs.queue import start_job
from ..ops.jobs import records as job_records
from . import observe
from .auth import actor_id
from .open_data import current_release
from .plates_staff import staff_required

bp = Blueprint("open_data_staff", __name__, url_prefix="/staff")
SUBJECT = "open-data"


@bp.get("/open-data")
@staff_required
def index() -> str:
    """The published release, the publish under way, and the latest publishes."""
    _where, manifest = current_release()
    s = db.session()
    jobs = job_records.recent(s, OPEN_DATA, 10)
    published_at = datetime.fromisoformat(manifest.generated_at) if manifest else None
    return render_template("open_data/staff.html", manifest=manifest, jobs=jobs,
                           job=jobs[0] if jobs else None, published_at=published_at)


@bp.post("/open-data")
@staff_required
def start() -> Response:
    """Publish a new release as a job (one at a time)."""
    start_job(current_app._get_current_object(), db.session(),  # type: ignore[attr-defined]
              OPEN_DATA, {"historical": request.form.get("historical") == "1",
                          "actor_id": str(actor_id() or "")},
              subject=SUBJECT, actor_id=actor_id(), request_id=observe.request_id())
    return redirect(url_for(".index"), 303)


@bp.post("/open-data/cancel")
@staff_required
def cancel() -> Response:
    """Stop the publish under way (the previous release stays published)."""
    if job_records.cancel_open(db.session(), OPEN_DATA, SUBJECT):
        db.session().commit()
    return redirect(url_for(".index"), 303)
