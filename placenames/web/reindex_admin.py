"""``/admin/reindex``: the system administrator recomputes every name's derived fields (专名/通名,
romanization, matching keys, syllable rows) as a background job, after the names engine was
upgraded or the office's lexicons changed (``PLACENAMES_LEXICON_DIR``); the same work as
``placenames reindex``, whose ``--job`` queues the same job. A dry run counts what would change.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from .. import db
from ..jobs.handlers import REINDEX
from ..jobs.queue import start_job
from ..ops.jobs import records as job_records
from . import auth, observe

bp = Blueprint("reindex_admin", __name__, url_prefix="/admin/reindex")

sysadmin_only = auth.roles_required(
    ("sysadmin",), _l("Only the system administrator recomputes the names' keys."))


@bp.get("")
@sysadmin_only
def index() -> str:
    """What a reindex does, the one under way, and the latest ones."""
    jobs = job_records.recent(db.session(), REINDEX, 10)
    return render_template("admin/reindex.html", jobs=jobs, job=jobs[0] if jobs else None)


@bp.post("")
@sysadmin_only
def start() -> Response:
    """Queue a reindex (one at a time), or a dry run of it."""
    start_job(current_app._get_current_object(), db.session(),  # type: ignore[attr-defined]
              REINDEX, {"dry_run": request.form.get("dry_run") == "1", "workers": 1},
              subject=REINDEX, actor_id=auth.actor_id(), request_id=observe.request_id())
    return redirect(url_for(".index"), 303)


@bp.post("/cancel")
@sysadmin_only
def cancel() -> Response:
    """Stop the reindex under way after its current batch (what was written stays)."""
    if job_records.cancel_open(db.session(), REINDEX, REINDEX):
        db.session().commit()
    return redirect(url_for(".index"), 303)
