"""The public page of a street sign's QR code ``/s/<id>`` and its "report a problem" form.

A scanned sign lands here: the road's standard name, its romanization and jurisdiction, where
the sign stands, the road's meaning and history (its story when published), and a link to
report a damaged, missing or wrong sign. Nothing is asked of the reader. The report form is
CSRF-protected and rate-limited like the plates' (:mod:`placenames.web.limits`); reports go
to the staff's queue with the plates' reports.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .. import db
from ..errors import NotFound
from ..models.plates import ReportKind
from ..ops.signs import public
from .forms import PostedForm
from .scan import map_figure, map_links

bp = Blueprint("signs_public", __name__)
MAX_AGE = 300


class SignReportForm(PostedForm):
    """What is wrong with the sign, and an optional text; no name, no phone."""

    kind = RadioField(_l("What is wrong?"), validators=[DataRequired()], choices=[
        SelectChoice(ReportKind.DAMAGED.value, _l("The sign is damaged")),
        SelectChoice(ReportKind.MISSING.value, _l("The sign is missing")),
        SelectChoice(ReportKind.WRONG_SIGN.value, _l("The sign shows a wrong name or spelling")),
    ])
    note = TextAreaField(_l("Details (optional)"), validators=[Optional(), Length(max=500)])


def _missing() -> NotFound:
    return NotFound(_("No such sign. Check the code, or report it to the naming office."))


@bp.get("/s/<sign_id>")
def page(sign_id: str) -> Response:
    """The sign's public page."""
    view = public.sign_view(db.session(), sign_id)
    if view is None:
        raise _missing()
    if view.sign_id != sign_id:  # typed or display form: the canonical URL
        return redirect(url_for("signs_public.page", sign_id=view.sign_id), 301)
    resp = make_response(render_template("scan/sign.html", v=view, map=map_figure(view),
                                         links=map_links(view)))
    resp.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    resp.vary.add("Cookie")
    return resp


@bp.route("/s/<sign_id>/report", methods=["GET", "POST"])
def report(sign_id: str) -> Response:
    """Report a damaged, missing or wrong sign (rate-limited, CSRF-protected)."""
    s = db.session()
    view = public.sign_view(s, sign_id)
    if view is None:
        raise _missing()
    form = SignReportForm()
    back = url_for("signs_public.page", sign_id=view.sign_id)
    if form.validate_on_submit():
        public.report_problem(s, view.sign_id, form.kind.data or "", form.note.data,
                              now=datetime.now(UTC))
        s.commit()
        resp = make_response(render_template("scan/report_done.html",
                                             plate_id=view.display_id, back_url=back))
    else:
        status = 400 if request.method == "POST" else 200
        resp = make_response(render_template("scan/report.html", form=form,
                                             plate_id=view.display_id, what=_("Sign")),
                             status)
    resp.headers["Cache-Control"] = "no-store"
    return resp
