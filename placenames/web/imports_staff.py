"""Staff pages: import an office's existing register of names or addresses from a file.

``/staff/imports``: upload a file (names or addresses; CSV, XLSX, GeoJSON, GeoPackage or a
zipped shapefile) and it is checked at once (a dry run); ``/staff/imports/<sha256>`` shows the
report (row, field, problem in the page's language; new/updated/unchanged, errors, warnings),
the report as CSV, and — only when the check found no error — the button that imports exactly
the checked file (kept under the instance folder by its SHA-256, see
:mod:`placenames.ops.exchange.uploads`). Clerks only.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

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
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import db
from ..errors import PlacenamesError
from ..ops.exchange import report as reports
from ..ops.exchange import uploads
from .auth import actor_id
from .plates_staff import staff_required

bp = Blueprint("imports_staff", __name__, url_prefix="/staff")

SHOWN = 500
"""Problems listed on the page; all of them are in the CSV."""


def _folder() -> Path:
    return uploads.folder_of(current_app.instance_path)


def _max_mb() -> int:
    return uploads.MAX_UPLOAD_BYTES // 1024 // 1024


def _lang() -> str:
    return "en" if str(get_locale()) == "en" else "zh"


@bp.get("/imports")
@staff_required
def index() -> str:
    """The upload form and the latest checks."""
    return render_template("imports/index.html", recent=uploads.recent(_folder(), 20),
                           form={}, error=None, max_mb=_max_mb())


@bp.post("/imports")
@staff_required
def upload() -> Response | tuple[str, int]:
    """Keep the uploaded file and check it; then show the report."""
    s = db.session()
    form = request.form
    file = request.files.get("file")
    try:
        data = file.read(uploads.MAX_UPLOAD_BYTES + 1) if file else b""
        kept = uploads.keep(_folder(), data, file.filename or "" if file else "",
                            form.get("kind", ""), sheet=form.get("sheet", "").strip(),
                            layer=form.get("layer", "").strip(), actor_id=actor_id(),
                            now=datetime.now(UTC))
        uploads.check(s, _folder(), kept)
    except PlacenamesError as exc:
        s.rollback()
        return render_template("imports/index.html", recent=uploads.recent(_folder(), 20),
                               form=form, error=exc.user_msg, max_mb=_max_mb()), exc.http_status
    return redirect(url_for("imports_staff.check", sha256=kept.sha256), 303)


@bp.get("/imports/<sha256>")
@staff_required
def check(sha256: str) -> str:
    """The report of a check (and of the import, once confirmed)."""
    kept = uploads.load(_folder(), sha256)
    shown = kept.result if kept.result is not None else kept.check
    problems = shown.sorted_problems() if shown else []
    return render_template("imports/check.html", upload=kept, report=shown,
                           problems=problems[:SHOWN], more=max(len(problems) - SHOWN, 0),
                           lang=_lang())


@bp.get("/imports/<sha256>/report.csv")
@staff_required
def report_csv(sha256: str) -> Response:
    """The report as CSV (UTF-8 with a byte-order mark), every problem."""
    kept = uploads.load(_folder(), sha256)
    shown = kept.result if kept.result is not None else kept.check
    data = io.BytesIO(reports.csv_bytes(shown.sorted_problems() if shown else []))
    stem = Path(kept.file_name).stem
    return send_file(data, mimetype="text/csv; charset=utf-8", as_attachment=True,
                     download_name=f"{stem}-report.csv")


@bp.post("/imports/<sha256>/confirm")
@staff_required
def confirm(sha256: str) -> Response | tuple[str, int]:
    """Import the checked file; back to its page with the result."""
    s = db.session()
    folder = _folder()
    try:
        kept, result = uploads.confirm(s, folder, sha256, actor_id=actor_id())
    except PlacenamesError as exc:
        s.rollback()
        flash(exc.user_msg, "error")
        return redirect(url_for("imports_staff.check", sha256=sha256), 303)
    if result.imported:
        s.commit()
        flash(_("Imported: %(new)d new, %(updated)d updated, %(unchanged)d unchanged.",
                new=result.counts["new"], updated=result.counts["updated"],
                unchanged=result.counts["unchanged"]), "ok")
    else:
        flash(_("The file was not imported: the register has changed since the check. See the "
                "report."), "error")
    uploads.save(folder, kept)
    return redirect(url_for("imports_staff.check", sha256=sha256), 303)
