"""Staff pages: import an office's existing register of names or addresses from a file.

``/staff/imports``: upload a file (names or addresses; CSV, XLSX, GeoJSON, GeoPackage or a
zipped shapefile); it is kept in the store (:mod:`placenames.ops.exchange.uploads`) and checked
by a job (a dry run). ``/staff/imports/<sha256>`` follows the check, then shows the report
(row, field, problem in the page's language; new/updated/unchanged, errors, warnings), the
report as CSV, and — only when the check found no error — the button that imports exactly the
checked file, again as a job the page follows. Clerks only.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from werkzeug.wrappers import Response

from .. import db
from ..errors import PlacenamesError
from ..jobs.handlers import IMPORT_CHECK, IMPORT_RUN
from ..jobs.queue import start_job
from ..ops.exchange import report as reports
from ..ops.exchange import uploads
from ..ops.jobs import records as job_records
from . import observe
from .auth import actor_id
from .plates_staff import staff_required
from .stored import store

bp = Blueprint("imports_staff", __name__, url_prefix="/staff")

SHOWN = 500
"""Problems listed on the page; all of them are in the CSV."""


def _start(kind: str, sha256: str) -> None:
    """Queue the check or the import of an upload (unless one is queued or running)."""
    start_job(current_app._get_current_object(), db.session(), kind,  # type: ignore[attr-defined]
              {"sha256": sha256, "actor_id": str(actor_id() or "")}, subject=sha256[:40],
              actor_id=actor_id(), request_id=observe.request_id())


def _job(kind: str, sha256: str) -> Any:
    return job_records.latest(db.session(), kind, sha256[:40])


def _max_mb() -> int:
    return uploads.MAX_UPLOAD_BYTES // 1024 // 1024


def _lang() -> str:
    return "en" if str(get_locale()) == "en" else "zh"


@bp.get("/imports")
@staff_required
def index() -> str:
    """The upload form and the latest checks."""
    return render_template("imports/index.html", recent=uploads.recent(store(), 20),
                           form={}, error=None, max_mb=_max_mb())


@bp.post("/imports")
@staff_required
def upload() -> Response | tuple[str, int]:
    """Keep the uploaded file and start its check; its page follows the check."""
    form = request.form
    file = request.files.get("file")
    try:
        data = file.read(uploads.MAX_UPLOAD_BYTES + 1) if file else b""
        kept = uploads.keep(store(), data, file.filename or "" if file else "",
                            form.get("kind", ""), sheet=form.get("sheet", "").strip(),
                            layer=form.get("layer", "").strip(), actor_id=actor_id(),
                            now=datetime.now(UTC))
    except PlacenamesError as exc:
        return render_template("imports/index.html", recent=uploads.recent(store(), 20),
                               form=form, error=exc.user_msg, max_mb=_max_mb()), exc.http_status
    _start(IMPORT_CHECK, kept.sha256)
    return redirect(url_for("imports_staff.check", sha256=kept.sha256), 303)


@bp.get("/imports/<sha256>")
@staff_required
def check(sha256: str) -> str:
    """The check or the import under way, then the report of the check (and of the import,
    once confirmed)."""
    kept = uploads.load(store(), sha256)
    shown = kept.result if kept.result is not None else kept.check
    problems = shown.sorted_problems() if shown else []
    job = _job(IMPORT_RUN, sha256) if kept.check is not None else _job(IMPORT_CHECK, sha256)
    return render_template("imports/check.html", upload=kept, report=shown, job=job,
                           problems=problems[:SHOWN], more=max(len(problems) - SHOWN, 0),
                           lang=_lang())


@bp.post("/imports/<sha256>/check")
@staff_required
def check_again(sha256: str) -> Response:
    """Check the kept file again (after a check that failed or was stopped)."""
    kept = uploads.load(store(), sha256)
    if kept.result is None or not kept.result.imported:
        _start(IMPORT_CHECK, kept.sha256)
    return redirect(url_for("imports_staff.check", sha256=kept.sha256), 303)


@bp.post("/imports/<sha256>/cancel")
@staff_required
def cancel(sha256: str) -> Response:
    """Stop the check or import under way (an import stopped mid-way stores nothing)."""
    for kind in (IMPORT_RUN, IMPORT_CHECK):
        job_records.cancel_open(db.session(), kind, sha256[:40])
    db.session().commit()
    return redirect(url_for("imports_staff.check", sha256=sha256), 303)


@bp.get("/imports/<sha256>/report.csv")
@staff_required
def report_csv(sha256: str) -> Response:
    """The report as CSV (UTF-8 with a byte-order mark), every problem."""
    kept = uploads.load(store(), sha256)
    shown = kept.result if kept.result is not None else kept.check
    data = io.BytesIO(reports.csv_bytes(shown.sorted_problems() if shown else []))
    stem = Path(kept.file_name).stem
    return send_file(data, mimetype="text/csv; charset=utf-8", as_attachment=True,
                     download_name=f"{stem}-report.csv")


@bp.post("/imports/<sha256>/confirm")
@staff_required
def confirm(sha256: str) -> Response:
    """Start importing the checked file; back to its page, which follows the import."""
    try:
        uploads.ready_to_import(store(), sha256)
    except PlacenamesError as exc:
        flash(exc.user_msg, "error")
        return redirect(url_for("imports_staff.check", sha256=sha256), 303)
    _start(IMPORT_RUN, sha256)
    return redirect(url_for("imports_staff.check", sha256=sha256), 303)
