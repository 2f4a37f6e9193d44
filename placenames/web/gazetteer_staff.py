"""The gazetteer (地名录·地名图册) for staff: ``/staff/gazetteer`` and its PDF download.

The page offers the management areas (the New Area and its new cities) and a date; the
download ``/staff/gazetteer.pdf?area=CODE&as_of=YYYY-MM-DD`` is the book as the register stood
at the end of that date (:mod:`placenames.ops.gazetteer`), for the roles that see the records'
staff views. Each download is written to the audit log. An unknown area answers 404, a bad or
future date 400, each with a readable message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response as WResponse

from .. import db
from ..errors import NotFound
from ..gazetteer.pdf import render_pdf
from ..jobs.handlers import GAZETTEER, gazetteer_key
from ..jobs.queue import start_job
from ..models import Jurisdiction, Level
from ..ops.gazetteer.area import find_area
from ..ops.gazetteer.build import build, parse_as_of
from ..ops.jobs import records as job_records
from ..workflow import CHINA_TZ
from ..workflow.plans import VIEW_ROLES
from . import observe
from .auth import actor_id, record_download, roles_required
from .stored import send_stored

bp = Blueprint("gazetteer_staff", __name__, url_prefix="/staff")

signed_in = roles_required(VIEW_ROLES, _l("Your roles do not give access to this page."))


@bp.get("/gazetteer")
@signed_in
def index() -> str:
    """The areas that have a gazetteer, and the form that downloads one as of a date."""
    areas = db.session().execute(
        select(Jurisdiction.code, Jurisdiction.name, Jurisdiction.parent_id)
        .where(Jurisdiction.level == Level.MANAGEMENT).order_by(Jurisdiction.code)).all()
    return render_template("gazetteer/index.html", areas=areas,
                           today=datetime.now(CHINA_TZ).date().isoformat())


@bp.post("/gazetteer")
@signed_in
def start() -> WResponse:
    """Make the book as a background job (a large area takes a while); its page follows it."""
    s = db.session()
    today = datetime.now(CHINA_TZ).date()
    day = parse_as_of(request.form.get("as_of"), today)
    area = find_area(s, request.form.get("area", "")).code
    subject = f"{area}:{day.isoformat()}"[:40]
    job = start_job(current_app._get_current_object(), s,  # type: ignore[attr-defined]
                    GAZETTEER, {"area": area, "as_of": day.isoformat()}, subject=subject,
                    actor_id=actor_id(), request_id=observe.request_id())
    return redirect(url_for(".job", job_id=job.id))


def _gazetteer_job(job_id: str) -> Any:
    return job_records.get(db.session(), job_id, GAZETTEER)


@bp.get("/gazetteer/jobs/<job_id>")
@signed_in
def job(job_id: str) -> str:
    """A gazetteer being made: its progress, then its download."""
    job = _gazetteer_job(job_id)
    params = job_records.params_of(job)
    return render_template("gazetteer/job.html", job=job, area=params.get("area"),
                           as_of=params.get("as_of"))


@bp.get("/gazetteer/jobs/<job_id>/book.pdf")
@signed_in
def job_pdf(job_id: str) -> WResponse:
    """The book a gazetteer job made (from the store: a signed URL when it is S3)."""
    job = _gazetteer_job(job_id)
    missing = _("The gazetteer is not made yet.")
    if job.status != "done":
        raise NotFound(missing)
    params = job_records.params_of(job)
    name = f"gazetteer-{params.get('area')}-{params.get('as_of')}.pdf"
    answer = send_stored(gazetteer_key(job.id), name, "application/pdf", missing)
    record_download("gazetteer", str(params.get("area")), f"gazetteer pdf job {job.id}")
    return answer


@bp.get("/gazetteer.pdf")
@signed_in
def download() -> Response:
    """The gazetteer of ``area`` as of ``as_of`` (default today) as a PDF."""
    today = datetime.now(CHINA_TZ).date()
    day = parse_as_of(request.args.get("as_of"), today)
    book = build(db.session(), request.args.get("area", ""), as_of=day, today=today,
                 office=current_app.config["OFFICE_NAME"])
    pdf = render_pdf(book)
    record_download("gazetteer", book.area_code, f"gazetteer pdf as of {day.isoformat()}")
    name = f"gazetteer-{book.area_code}-{day.isoformat()}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
