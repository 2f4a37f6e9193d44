"""The gazetteer (地名录·地名图册) for staff: ``/staff/gazetteer`` and its PDF download.

The page offers the management areas (the New Area and its new cities) and a date; the
download ``/staff/gazetteer.pdf?area=CODE&as_of=YYYY-MM-DD`` is the book as the register stood
at the end of that date (:mod:`placenames.ops.gazetteer`), for the roles that see the records'
staff views. Each download is written to the audit log. An unknown area answers 404, a bad or
future date 400, each with a readable message.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import db
from ..gazetteer.pdf import render_pdf
from ..models import Jurisdiction, Level
from ..ops.gazetteer.build import build, parse_as_of
from ..workflow import CHINA_TZ
from ..workflow.plans import VIEW_ROLES
from .auth import record_download, roles_required

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
