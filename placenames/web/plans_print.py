"""The printed naming plan for staff: ``/staff/plans/<code>/plan.pdf``.

Any plan (draft, approved or retired) prints, for the staff who see the plans; each download
is written to the audit log. The document itself is :mod:`placenames.ops.plans.report`.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, current_app
from flask_babel import lazy_gettext as _l

from .. import db
from ..ops.plans import report
from ..workflow import CHINA_TZ
from .auth import record_download, roles_required
from .maps import PLAN_VIEW_ROLES

bp = Blueprint("plans_print", __name__)


@bp.get("/staff/plans/<code>/plan.pdf")
@roles_required(PLAN_VIEW_ROLES, _l("Your roles do not give access to the naming plans."))
def plan_pdf(code: str) -> Response:
    """The plan as a PDF: title page, reserved names by area and by theme, its map."""
    rep = report.build(db.session(), code, today=datetime.now(CHINA_TZ).date(),
                       office=current_app.config["OFFICE_NAME"])
    pdf = report.render_pdf(rep)
    record_download("naming_plan", rep.code, "plan pdf")
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="plan-{rep.code}.pdf"'})
