"""Staff corrections of a name's record outside a procedure (geometry and descriptive text).

``/staff/names/<id>/correct``: the fields that may be corrected, the geometry drawn on the map,
and the reason, which is required and audited. The name itself changes only by a procedure.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import db
from ..errors import PlacenamesError
from ..ops.registry import corrections, records
from .auth import actor_id
from .forms import form_version
from .plates_staff import staff_required

bp = Blueprint("records_staff", __name__, url_prefix="/staff")

FIELDS = (*corrections.TEXT_FIELDS, *corrections.NUMBER_FIELDS)


@bp.route("/names/<place_id>/correct", methods=["GET", "POST"])
@staff_required
def correct(place_id: str) -> str | tuple[str, int] | Response:
    """Correct the record's geometry or descriptive fields, with a reason."""
    s = db.session()
    place = records.get_place(s, place_id)
    if request.method == "GET":
        values = {f: "" if getattr(place, f) is None else str(getattr(place, f)) for f in FIELDS}
        return render_template("records/correct.html", r=place, v=values,
                               geojson=corrections.current_geojson(s, place), reason="",
                               error=None)
    form = request.form
    values = {f: form.get(f, "") for f in FIELDS}
    try:
        data = corrections.Correction(values=values, geojson=form.get("geojson"),
                                      reason=form.get("reason", ""),
                                      expected_version=form_version(form))
        changed = corrections.correct_place(s, place, data, actor_id=actor_id(),
                                            now=datetime.now(UTC))
    except PlacenamesError as exc:
        s.rollback()  # the page shows the stored version again, with what was typed
        return render_template("records/correct.html", r=place, v=values,
                               geojson=form.get("geojson"), reason=form.get("reason", ""),
                               error=exc.user_msg), exc.http_status
    s.commit()
    flash(_("Correction saved: %(n)d field(s).", n=len(changed)), "ok")
    return redirect(url_for("records.name_page", place_id=place.id))
