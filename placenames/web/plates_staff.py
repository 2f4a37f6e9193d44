"""Staff pages for door plates and house numbers (clerks and system administrators).

Batches: list, create (by area, road, community or an uploaded CSV of address codes), render in
the background with progress, download the PDF and manifest, mark printed. Plates: detail with
their audit trail and the lifecycle actions. Roads: numbering with a preview and the
validator's findings. Reports from the scan page. Each handler parses, calls an operation,
commits once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import db
from ..errors import BadInput, PlacenamesError
from ..jobs.handlers import PLATE_BATCH, batch_keys
from ..jobs.queue import enqueue
from ..models import AuditEvent
from ..models.jobs import OPEN as OPEN_JOBS
from ..models.plates import Plate, PlateStatus, PrintBatch
from ..ops.addresses import numbering
from ..ops.jobs import records as job_records
from ..ops.plates import batches as plate_ops
from ..ops.plates import reports as plate_reports
from ..ops.plates.lifecycle import TRANSITIONS, Change, parse_status, transition
from . import observe
from .auth import actor_id, roles_required
from .stored import send_stored, store

bp = Blueprint("plates_staff", __name__, url_prefix="/staff")
log = logging.getLogger(__name__)

STAFF_ROLES = {"clerk"}  # business, not the administrators' (三员)
PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png"}
MAX_CSV_BYTES = 2_000_000


staff_required = roles_required(STAFF_ROLES,
                                _l("Only the naming office's clerks may do this."))
"""Signed in, with the clerk role; else a redirect to sign in, or 403."""


def _now() -> datetime:
    return datetime.now(UTC)


# --- batches ---------------------------------------------------------------------------------

@bp.get("/plates/batches")
@staff_required
def batches() -> str:
    """The batches, newest first, and the form to create one."""
    rows = db.session().scalars(select(PrintBatch).order_by(PrintBatch.created_at.desc())
                                .limit(100)).all()
    return render_template("plates/batches.html", batches=rows)


@bp.post("/plates/batches")
@staff_required
def create_batch() -> Response | tuple[str, int]:
    """Create a batch: ids and positions are stored (committed) before any rendering.

    A selection an unprinted batch already covers leads to that batch; an unusable one shows
    the form again with the message and what was typed.
    """
    s = db.session()
    try:
        sel = plate_ops.make_selection(request.form.get("kind", ""),
                                       request.form.get("value", ""), _codes_text())
        batch = plate_ops.create_batch(s, sel, size=request.form.get("size", "small"),
                                       sheet=request.form.get("sheet", "A4"), actor_id=actor_id(),
                                       now=_now(), name=request.form.get("name") or None)
    except plate_ops.BatchExists as exc:
        s.rollback()
        flash(_("A batch for this selection is not printed yet: here it is. Resume it instead "
                "of issuing the same plates again."), "info")
        return redirect(url_for("plates_staff.batch", batch_id=exc.batch_id), 303)
    except PlacenamesError as exc:
        s.rollback()
        rows = s.scalars(select(PrintBatch).order_by(PrintBatch.created_at.desc())
                         .limit(100)).all()
        return render_template("plates/batches.html", batches=rows, error=exc.user_msg,
                               form=request.form), exc.http_status
    s.commit()
    flash(_("Batch created with %(n)d plates.", n=batch.plate_count), "info")
    return redirect(url_for("plates_staff.batch", batch_id=batch.id))


def _codes_text() -> str | None:
    """The address codes of a ``csv`` selection: the uploaded file, else the ``codes`` field."""
    if request.form.get("kind") != "csv":
        return None
    upload = request.files.get("csv")
    data = upload.read(MAX_CSV_BYTES + 1) if upload else b""
    if not data:
        return request.form.get("codes", "")[:MAX_CSV_BYTES]
    if len(data) > MAX_CSV_BYTES:
        raise BadInput(_("The CSV file is too large."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(_("The CSV file must be UTF-8 text.")) from None


@bp.get("/plates/batches/<batch_id>")
@staff_required
def batch(batch_id: str) -> str:
    """A batch: progress, its plates, downloads and actions."""
    s = db.session()
    b = plate_ops.find_batch(s, batch_id)
    pdf, manifest = batch_keys(b.id)
    job = job_records.latest(s, PLATE_BATCH, str(b.id))
    return render_template("plates/batch.html", b=b, plates=plate_ops.batch_plates(s, b)[:500],
                           has_files=store().exists(pdf) and store().exists(manifest),
                           running=job is not None and job.status in OPEN_JOBS, job=job)


@bp.get("/plates/batches/<batch_id>/progress")
@staff_required
def progress(batch_id: str) -> Response:
    """Rendering progress as JSON."""
    s = db.session()
    b = plate_ops.find_batch(s, batch_id)
    pdf, _m = batch_keys(b.id)
    job = job_records.latest(s, PLATE_BATCH, str(b.id))
    return jsonify({"status": b.status, "rendered": b.rendered_count, "total": b.plate_count,
                    "running": job is not None and job.status in OPEN_JOBS,
                    "ready": store().exists(pdf),
                    "job": job_records.as_dict(job) if job else None})


@bp.post("/plates/batches/<batch_id>/render")
@staff_required
def render(batch_id: str) -> Response:
    """Queue the batch's drawing as a job (the page shows its progress); a batch already
    queued or being drawn is left to its job."""
    s = db.session()
    b = plate_ops.find_batch(s, batch_id)
    if job_records.open_job(s, PLATE_BATCH, str(b.id)) is None:
        job = job_records.create(s, PLATE_BATCH, {"batch_id": str(b.id),
                                                  "actor_id": str(actor_id() or "") or None},
                                 subject=str(b.id), actor_id=actor_id(), now=_now(),
                                 request_id=observe.request_id())
        s.commit()
        enqueue(current_app._get_current_object(), job.id)  # type: ignore[attr-defined]
    return redirect(url_for("plates_staff.batch", batch_id=b.id))


@bp.post("/plates/batches/<batch_id>/cancel")
@staff_required
def cancel_render(batch_id: str) -> Response:
    """Stop the batch's drawing: a queued job before it starts, a running one at its next
    progress report (the batch stays issued; drawing it again gives the same plates)."""
    s = db.session()
    b = plate_ops.find_batch(s, batch_id)
    job = job_records.open_job(s, PLATE_BATCH, str(b.id))
    if job is not None:
        job_records.request_cancel(s, job)
        s.commit()
    return redirect(url_for("plates_staff.batch", batch_id=b.id))


@bp.get("/plates/batches/<batch_id>/pdf")
@staff_required
def download_pdf(batch_id: str) -> Response:
    """The batch PDF."""
    b = plate_ops.find_batch(db.session(), batch_id)
    return send_stored(batch_keys(b.id)[0], f"plates-{b.id}.pdf", "application/pdf",
                     _("The PDF has not been rendered yet."))


@bp.get("/plates/batches/<batch_id>/manifest.csv")
@staff_required
def download_manifest(batch_id: str) -> Response:
    """The batch manifest (which plate went on which sheet and slot)."""
    b = plate_ops.find_batch(db.session(), batch_id)
    return send_stored(batch_keys(b.id)[1], f"plates-{b.id}.manifest.csv", "text/csv",
                     _("The manifest has not been rendered yet."))


@bp.post("/plates/batches/<batch_id>/printed")
@staff_required
def batch_printed(batch_id: str) -> Response:
    """Mark the batch printed: its ordered plates become printed."""
    s = db.session()
    b = plate_ops.find_batch(s, batch_id)
    n = plate_ops.mark_batch_printed(s, b, actor_id=actor_id(), now=_now())
    s.commit()
    flash(_("%(n)d plates marked printed.", n=n), "info")
    return redirect(url_for("plates_staff.batch", batch_id=b.id))


# --- plates ----------------------------------------------------------------------------------

@bp.get("/plates/<plate_id>")
@staff_required
def plate(plate_id: str) -> str:
    """A plate, its address, its history and the actions its status allows."""
    s = db.session()
    return _plate_page(s, plate_ops.find_plate(s, plate_id))


def _plate_page(s: Any, p: Plate, form: Any = None, error: str | None = None) -> str:
    """The plate's page; after a refused change, with the form as it was sent and the
    reason."""
    events = s.scalars(select(AuditEvent).where(AuditEvent.entity_type == "plate",
                                                AuditEvent.entity_id == str(p.id))
                       .order_by(AuditEvent.at)).all()
    return render_template("plates/plate.html", p=p, events=events,
                           next_states=sorted(TRANSITIONS[PlateStatus(p.status)]),
                           today=date.today(), form=form or {}, error=error)


@bp.post("/plates/<plate_id>/status")
@staff_required
def plate_status(plate_id: str) -> Response | tuple[str, int]:
    """Change a plate's status through the one guard; a refused change shows the page again
    with what was typed."""
    s = db.session()
    p = plate_ops.find_plate(s, plate_id)
    form = request.form
    try:
        change = Change(to=parse_status(form.get("status", "")), note=form.get("note") or None,
                        installed_on=_date(form.get("installed_on")),
                        installer=form.get("installer") or None,
                        photo_path=_save_photo(p),
                        expected_version=_int(form.get("version")))
        new = transition(s, p, change, actor_id=actor_id(), now=_now())
    except PlacenamesError as exc:
        s.rollback()  # ``p`` is read again as stored
        return _plate_page(s, p, form, exc.user_msg), exc.http_status
    s.commit()
    if new is not None:
        flash(_("Replacement plate %(pid)s issued.", pid=new.plate_id), "info")
    return redirect(url_for("plates_staff.plate", plate_id=p.plate_id))


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(_("Give the date as YYYY-MM-DD.")) from None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        raise BadInput(_("Invalid version.")) from None


def _save_photo(p: Plate) -> str | None:
    """Keep an uploaded JPEG/PNG installation photo in the store; its key."""
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return None
    suffix = PHOTO_TYPES.get(upload.mimetype or "")
    data = upload.read(5_000_001)
    if suffix is None or len(data) > 5_000_000:
        raise BadInput(_("The photo must be a JPEG or PNG of at most 5 MB."))
    name = f"{p.plate_id}-{uuid.uuid4().hex[:8]}{suffix}"
    current_app.extensions["placenames.storage"].put_bytes(f"plate_photos/{name}", data)
    return f"plate_photos/{name}"


@bp.get("/plates/reports")
@staff_required
def reports() -> str:
    """Problems reported from the scan page and by departments, newest first."""
    return render_template("plates/reports.html",
                           reports=plate_reports.open_reports(db.session(), 200))


# --- numbering -------------------------------------------------------------------------------

_POLICY_FIELDS = ("origin", "odd_side", "mode", "interval_m", "skip", "dead_end")


def _policy_from(args: Any) -> tuple[str, dict[str, Any]]:
    options: dict[str, Any] = {k: args.get(k) for k in _POLICY_FIELDS}
    if args.get("skip_containing_4"):
        options["skip_containing_4"] = True
    return args.get("preset") or "default", options


@bp.route("/roads/numbering", methods=["GET", "POST"])
@staff_required
def road_numbering() -> str:
    """Number a road's addresses (preview, then apply) and show the validator's findings."""
    s = db.session()
    args = request.form if request.method == "POST" else request.args
    name = (args.get("road") or "").strip()
    preset, options = _policy_from(args)
    context: dict[str, Any] = {"road_name": name, "preset": preset, "options": options,
                               "presets": list(numbering.PRESETS), "report": None,
                               "findings": None, "road": None}
    if not name:
        return render_template("plates/numbering.html", **context)
    road = numbering.find_road(s, name)
    policy = numbering.parse_policy(preset, options)
    renumber = bool(args.get("renumber"))
    apply = request.method == "POST" and args.get("action") == "apply"
    report = numbering.number_addresses(s, road, policy, renumber=renumber, dry_run=not apply)
    if apply:
        s.commit()
        flash(_("Numbers stored for %(n)d addresses.", n=len(report.changes)), "info")
    context.update(road=road, report=report, renumber=renumber, applied=apply,
                   findings=numbering.validate_addresses(s, road, policy))
    return render_template("plates/numbering.html", **context)
