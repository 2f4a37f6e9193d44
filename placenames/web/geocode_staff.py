"""Staff pages of batch geocoding (地址批量匹配): ``/staff/geocode`` takes a spreadsheet of
written addresses (a department's 一标三实 list, CSV or Excel), checks at once that it can be
read and has the address column, and matches every row as a background job
(:mod:`placenames.ops.search.batch`, as ``placenames geocode`` does); the job's page follows it
and gives the result CSV: every input column, then the standard address, its code, point,
quality and reason. The file and the result are kept in the store. Clerks only.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import db
from ..errors import PlacenamesError
from ..jobs.handlers import GEOCODE, geocode_key
from ..jobs.queue import start_job
from ..models import Job
from ..ops.jobs import records as job_records
from ..ops.search import batch, sample_list
from . import observe
from .auth import actor_id
from .plates_staff import staff_required
from .stored import send_stored, store

bp = Blueprint("geocode_staff", __name__, url_prefix="/staff/geocode")



def _page(form: dict[str, str], error: str | None = None, status: int = 200
          ) -> tuple[str, int]:
    jobs = [(j, job_records.params_of(j)) for j in job_records.recent(db.session(), GEOCODE, 20)]
    return render_template("geocode/index.html", form=form, error=error, jobs=jobs,
                           max_mb=batch.MAX_LIST_BYTES // 1024 // 1024,
                           keep_days=_keep_days()), status


@bp.get("")
@staff_required
def index() -> tuple[str, int]:
    """The upload form and the latest batches."""
    return _page({"column": "地址"})


@bp.post("")
@staff_required
def upload() -> Response | tuple[str, int]:
    """Check the spreadsheet, keep it and start matching it."""
    form = {k: request.form.get(k, "").strip() for k in ("column", "sheet")}
    file = request.files.get("file")
    column = form["column"] or "地址"
    try:
        data = b""
        if file:
            with file.stream:  # a large upload is spooled to a temporary file: closed here
                data = file.read(batch.MAX_LIST_BYTES + 1)
        key = batch.keep_list(store(), data, file.filename or "" if file else "", column,
                              form["sheet"] or None)
    except PlacenamesError as exc:
        return _page(form, exc.user_msg, exc.http_status)
    job = start_job(current_app._get_current_object(), db.session(),
                    GEOCODE, {"input_key": key, "column": column, "sheet": form["sheet"],
                              "file_name": Path((file.filename if file else "") or "")
                              .name[:120]},
                    subject=key.rsplit("/", 1)[1][:40], actor_id=actor_id(),
                    request_id=observe.request_id())
    return redirect(url_for(".job", job_id=job.id), 303)


@bp.get("/sample.csv")
@staff_required
def sample() -> Response:
    """A sample list made from the register's addresses, written as departments write them,
    each row with what the matching should give (to try the page with)."""
    return Response(sample_list.sample_csv(db.session()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=sample-addresses.csv"})


def _job(job_id: str) -> Job:
    return job_records.get(db.session(), job_id, GEOCODE)


@bp.get("/<job_id>")
@staff_required
def job(job_id: str) -> str:
    """A batch being matched: its progress, then its result."""
    found = _job(job_id)
    return render_template("geocode/job.html", job=found,
                           params=job_records.params_of(found))


@bp.get("/<job_id>/result.csv")
@staff_required
def result(job_id: str) -> Response:
    """The result CSV (from the store: a signed URL when it is S3)."""
    found = _job(job_id)
    params = job_records.params_of(found)
    stem = Path(params.get("file_name") or "addresses").stem
    missing = (_("The result has been deleted: lists and results are kept %(n)d days.",
                 n=_keep_days()) if found.status == "done" else _("The result is not ready yet."))
    return send_stored(geocode_key(found.id), f"{stem}-standard.csv", "text/csv", missing)


def _keep_days() -> int:
    return int(current_app.config.get("GEOCODE_KEEP_DAYS") or 7)


@bp.post("/<job_id>/cancel")
@staff_required
def cancel(job_id: str) -> Response:
    """Stop the matching (nothing is stored)."""
    found = _job(job_id)
    if found.status in ("queued", "running"):
        job_records.request_cancel(db.session(), found)
        db.session().commit()
    return redirect(url_for(".job", job_id=job_id), 303)
