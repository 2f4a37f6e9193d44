"""Staff pages of road-name signs (地名标志): ``/staff/signs``.

- the dashboard: responsible units with their outstanding and late signs, each unit's notice
  letter (督办通知) as a PDF, and a box to find a road;
- a road's page: its signs on the map and in a table, the proposed signs (ends and crossings)
  to accept, and a form to add a sign by clicking the map;
- a sign's page: what it is, its history and the actions open now (order, install…, move by
  clicking the map);
- a unit's page: its outstanding signs, its contact for the letter.

Office clerks keep signs; the other staff roles see them. Each action goes through the sign
guard, so a button shown by mistake still answers 403. A refused form is shown again with the
message and what was typed.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response as WResponse

from .. import db, spatial
from ..addressing.sign_sites import sign_kind_for
from ..errors import BadInput, NotFound, PlacenamesError
from ..jobs.handlers import SIGN_BATCH, sign_batch_keys
from ..jobs.queue import start_job
from ..models import AuditEvent, Place, PlaceStatus, ResponsibleUnit, Sign, SignPhoto
from ..ops.jobs import records as job_records
from ..ops.procedure.uploads import CONTENT_TYPES
from ..ops.signs import letter, lifecycle, printing, register, supervision
from ..plates.ids import display_plate_id
from ..plates.pdf import write_manifest_csv
from ..plates.signs import SignKind
from ..storage import Shelf
from ..workflow.deadlines import china_date
from ..workflow.plans import VIEW_ROLES
from ..workflow.sign_duties import DUTY_LABELS_ZH, duty_of, is_late
from ..workflow.signs import (
    ACTION_LABELS_ZH,
    KIND_LABELS_EN,
    KIND_LABELS_ZH,
    PENDING_LABELS_ZH,
    STATE_LABELS_ZH,
    Pending,
    SignAction,
    SignState,
    allowed,
)
from . import observe
from .auth import actor_id, roles_required
from .committee import actor, now, zh
from .labels import code_label, enum_label
from .maps import panel_config
from .stored import send_stored

bp = Blueprint("signs_staff", __name__, url_prefix="/staff/signs")

signed_in = roles_required(VIEW_ROLES, _l("Your roles do not give access to this page."))
#: What each action's form asks for, besides a note.
ACTION_FIELDS: dict[SignAction, tuple[str, ...]] = {
    SignAction.ORDER: ("on",), SignAction.INSTALL: ("on", "installer"),
    SignAction.REPAIR: ("on", "installer"), SignAction.REPLACE: ("on",),
    SignAction.REMOVE: ("on",), SignAction.MOVE: ("lon", "lat", "bearing"),
    SignAction.ASSIGN: ("unit",), SignAction.REPORT_DAMAGED: (),
    SignAction.REPORT_MISSING: (),
}


BARE_LIMIT = 50
"""Roads without signs listed on the dashboard (the CLI's ``propose --all`` takes them all)."""


def sign_state_label(state: str) -> str:
    """A sign state in the page's language."""
    return enum_label(state, SignState, STATE_LABELS_ZH)


def sign_action_label(action: str) -> str:
    """A sign action in the page's language; an event of the audit log (``sign_add``…) by the
    audit log's own label."""
    if str(action).removeprefix("sign_") in SignAction.__members__.values():
        return enum_label(str(action), SignAction, ACTION_LABELS_ZH, strip="sign_",
                          capitalize=True)
    return code_label("audit_action", str(action))


def sign_kind_label(kind: str) -> str:
    """A sign kind in the page's language."""
    return enum_label(kind, SignKind, KIND_LABELS_ZH, KIND_LABELS_EN)


def sign_pending_label(pending: str | None) -> str:
    """A sign's pending mark (renamed or cancelled road) in the page's language."""
    return enum_label(pending, Pending, PENDING_LABELS_ZH) if pending else ""


def duty_label(duty: str) -> str:
    """What a sign still asks of its unit, in the page's language."""
    en = {"install": _("to set up"), "replace": _("to replace"), "remove": _("to remove")}
    return DUTY_LABELS_ZH.get(duty, duty) if zh() else str(en.get(duty, duty))


def sign_size_label(size: str) -> str:
    """A sign size in the page's language."""
    zh_ = {"large": "大型", "medium": "中型", "small": "小型"}
    en = {"large": _("large"), "medium": _("medium"), "small": _("small")}
    return zh_.get(size, size) if zh() else str(en.get(size, size))


@bp.app_context_processor
def _helpers() -> dict[str, object]:
    return {"sign_size_label": sign_size_label, "sign_state_label": sign_state_label,
            "sign_action_label": sign_action_label, "sign_kind_label": sign_kind_label,
            "sign_pending_label": sign_pending_label,
            "duty_label": duty_label, "display_sign_id": display_plate_id}


def _today() -> date:
    return china_date(now())


def _days() -> int:
    return int(current_app.config.get("SIGN_DAYS", 60))


def _may_write() -> bool:
    return "clerk" in actor().role_set()


@bp.get("")
@signed_in
def index() -> str:
    """The dashboard of units, and a box to find a road."""
    s = db.session()
    q = (request.args.get("q") or "").strip()[:60]
    found: list[Place] = []
    if q:
        found = list(s.scalars(select(Place).where(
            Place.name.startswith(q), Place.status == PlaceStatus.IN_FORCE,
            Place.cls.in_(register.SIGN_CLASSES)).order_by(Place.name).limit(30)))
    today = _today()
    return render_template("signs/index.html", board=supervision.dashboard(s, today), q=q,
                           found=found, today=today, days=_days(),
                           bare=register.roads_without_signs(s, limit=BARE_LIMIT + 1),
                           bare_limit=BARE_LIMIT)


def _sign_features(s: Any, signs: list[Sign]) -> list[dict[str, Any]]:
    features = []
    for sign in signs:
        pos = register.sign_position(s, sign)
        if pos is None:
            continue
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": pos},
                         "properties": {"id": display_plate_id(sign.sign_id),
                                        "status": sign.status, "pending": sign.pending or "",
                                        "label": sign_kind_label(sign.kind),
                                        "url": url_for(".show", sign_id=sign.sign_id)}})
    return features


def _road_geometry(s: Any, place: Place) -> dict[str, Any] | None:
    text = s.scalar(select(spatial.as_geojson(Place.geom)).where(Place.id == place.id))
    return json.loads(text) if text else None


def _road_page(place: Place, *, error: str | None = None, v: dict[str, str] | None = None,
               status: int = 200) -> tuple[str, int]:
    s = db.session()
    signs = register.live_signs(s, place.id)
    try:
        sites = register.propose(s, place)
    except BadInput:
        sites = []
    panel = panel_config(_road_geometry(s, place), place.name)
    if panel is not None:
        panel["signs"] = {"type": "FeatureCollection", "features": _sign_features(s, signs)}
        panel["proposed"] = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x.lon, x.lat]},
             "properties": {"n": i + 1, "label": x.description()}}
            for i, x in enumerate(sites)]}
    today = _today()
    rows = [(sign, duty_of(sign.status, sign.pending)) for sign in signs]
    return render_template(
        "signs/road.html", place=place, rows=rows, sites=sites, panel=panel, today=today,
        is_late=is_late, units=register.units(s), kinds=list(SignKind),
        sizes=register.SIZES, may_write=_may_write(), error=error, v=v or {},
        default_kind=sign_kind_for(place.generic)), status


@bp.get("/road/<uuid:place_id>")
@signed_in
def road(place_id: uuid.UUID) -> tuple[str, int]:
    """A road's signs, its proposed signs and the form to add one."""
    return _road_page(register.road(db.session(), place_id))


def _float(form: Any, key: str, label: str, *, required: bool = True) -> float | None:
    raw = (form.get(key) or "").strip()
    if not raw:
        if required:
            raise BadInput(_("Give the %(what)s.", what=label))
        return None
    try:
        return float(raw)
    except ValueError:
        raise BadInput(_("%(what)s must be a number.", what=label)) from None


def _unit(form: Any) -> ResponsibleUnit | None:
    name = (form.get("unit") or "").strip()
    return register.unit_by_name(db.session(), name) if name else None


@bp.post("/road/<uuid:place_id>/accept")
@signed_in
def accept(place_id: uuid.UUID) -> tuple[str, int] | WResponse:
    """Record the proposed signs ticked on the road's page."""
    s = db.session()
    place = register.road(s, place_id)
    v = {k: request.form.get(k, "") for k in ("unit", "kind", "size")}
    try:
        lifecycle.decide(SignState.REQUIRED, SignAction.ASSIGN, actor())  # clerks only
        sites = register.propose(s, place)
        chosen = {int(n) for n in request.form.getlist("site") if n.isdigit()}
        picked = [x for i, x in enumerate(sites, 1) if i in chosen]
        if not picked:
            raise BadInput(_("Tick at least one proposed sign."))
        made = register.accept(s, place, picked, unit=_unit(request.form), actor=actor(),
                               now=now(), today=_today(), kind=v["kind"],
                               size=v["size"] or "medium", days=_days())
    except PlacenamesError as exc:
        s.rollback()
        return _road_page(register.road(s, place_id), error=exc.user_msg, v=v,
                          status=exc.http_status)
    s.commit()
    flash(_("%(n)d sign(s) recorded for %(road)s.", n=len(made), road=place.name), "ok")
    return redirect(url_for(".road", place_id=place.id))


@bp.post("/road/<uuid:place_id>/add")
@signed_in
def add(place_id: uuid.UUID) -> tuple[str, int] | WResponse:
    """Add a sign where staff clicked the map (or typed the coordinates)."""
    s = db.session()
    place = register.road(s, place_id)
    f = request.form
    v = {k: f.get(k, "") for k in ("lon", "lat", "bearing", "kind", "size", "unit",
                                    "description", "arrow", "near_number", "far_number")}
    try:
        lifecycle.decide(SignState.REQUIRED, SignAction.ASSIGN, actor())
        data = register.NewSign(
            lon=_float(f, "lon", _("longitude")) or 0.0,
            lat=_float(f, "lat", _("latitude")) or 0.0,
            bearing=_float(f, "bearing", _("facing"), required=False),
            kind=v["kind"], size=v["size"] or "medium", description=v["description"].strip(),
            arrow=v["arrow"] or None, near_number=v["near_number"].strip() or None,
            far_number=v["far_number"].strip() or None)
        sign = register.add(s, place, data, unit=_unit(f), actor=actor(), now=now(),
                            today=_today(), days=_days())
    except PlacenamesError as exc:
        s.rollback()
        return _road_page(register.road(s, place_id), error=exc.user_msg, v=v,
                          status=exc.http_status)
    s.commit()
    flash(_("Sign %(id)s recorded.", id=display_plate_id(sign.sign_id)), "ok")
    return redirect(url_for(".show", sign_id=sign.sign_id))


def _sign_page(sign: Sign, *, error: str | None = None, v: dict[str, str] | None = None,
               status: int = 200) -> tuple[str, int]:
    s = db.session()
    roles = actor().role_set()
    events = list(s.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "sign", AuditEvent.entity_id == str(sign.id))
        .order_by(AuditEvent.at.desc()).limit(50)))
    may = [a for a in SignAction if allowed(sign.status, a, roles=roles)]
    pos = register.sign_position(s, sign)
    panel = panel_config({"type": "Point", "coordinates": list(pos)} if pos else
                         _road_geometry(s, sign.place), sign.place.name)
    if panel is not None:
        panel["signs"] = {"type": "FeatureCollection", "features": _sign_features(s, [sign])}
    duty = duty_of(sign.status, sign.pending)
    return render_template("signs/show.html", sign=sign, place=sign.place, may=may,
                           fields=ACTION_FIELDS, events=events, panel=panel, pos=pos,
                           duty=duty, late=is_late(duty, sign.due_on, _today()),
                           units=register.units(s), today=_today(), error=error, v=v or {},
                           successor=s.get(Sign, sign.replaced_by_id)
                           if sign.replaced_by_id else None), status


@bp.get("/<sign_id>")
@signed_in
def show(sign_id: str) -> tuple[str, int]:
    """A sign: what and where it is, its history and the actions open now."""
    return _sign_page(register.get(db.session(), sign_id))


def _date(raw: str) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadInput(_("A date is written YYYY-MM-DD.")) from None


@bp.post("/<sign_id>/act")
@signed_in
def act(sign_id: str) -> tuple[str, int] | WResponse:
    """Take one action on a sign."""
    s = db.session()
    sign = register.get(s, sign_id)
    f = request.form
    v = {k: f.get(k, "") for k in ("action", "on", "installer", "unit", "note", "lon", "lat",
                                    "bearing")}
    try:
        version = int(f.get("version", ""))
    except ValueError:
        version = -1
    try:
        change = lifecycle.SignChange(
            on=_date(v["on"]), installer=v["installer"], note=v["note"], unit=v["unit"],
            lon=_float(f, "lon", _("longitude"), required=False),
            lat=_float(f, "lat", _("latitude"), required=False),
            bearing=_float(f, "bearing", _("facing"), required=False),
            expected_version=version)
        successor = lifecycle.act(s, sign, v["action"], change, actor=actor(), now=now(),
                                  today=_today(), days=_days())
    except PlacenamesError as exc:
        s.rollback()
        return _sign_page(register.get(s, sign_id), error=exc.user_msg, v=v,
                          status=exc.http_status)
    s.commit()
    flash(_("Sign %(id)s: %(state)s.", id=display_plate_id(sign.sign_id),
            state=sign_state_label(sign.status)), "ok")
    if successor is not None:
        flash(_("The replacement %(id)s is required.", id=display_plate_id(successor.sign_id)),
              "ok")
    return redirect(url_for(".show", sign_id=sign.sign_id))


def _unit_id(unit_ref: str) -> uuid.UUID | None:
    if unit_ref == "none":
        return None
    return register.parse_uuid(unit_ref, "unit")


@bp.route("/units/<unit_ref>", methods=["GET", "POST"])
@signed_in
def unit(unit_ref: str) -> tuple[str, int] | WResponse:
    """A unit's outstanding signs; clerks keep its contact and address for the letter."""
    s = db.session()
    unit_id = _unit_id(unit_ref)
    owner = s.get(ResponsibleUnit, unit_id) if unit_id else None
    if unit_id is not None and owner is None:
        raise BadInput(_("No such responsible unit."))
    error = None
    if request.method == "POST" and owner is not None:
        contact = (request.form.get("contact") or "").strip()
        address = (request.form.get("address") or "").strip()
        if not _may_write():
            error = _("Only office clerks keep the units.")
        elif len(contact) > 200 or len(address) > 200:
            error = _("At most 200 characters each.")
        else:
            owner.contact, owner.address = contact, address
            s.commit()
            flash(_("Saved."), "ok")
            return redirect(url_for(".unit", unit_ref=unit_ref))
    today = _today()
    items = supervision.outstanding(s, unit_id, today)
    return render_template("signs/unit.html", unit=owner, unit_ref=unit_ref, items=items,
                           today=today, error=error, may_write=_may_write(),
                           no_unit=supervision.NO_UNIT), 400 if error else 200


@bp.get("/units/<unit_ref>/letter.pdf")
@signed_in
def unit_letter(unit_ref: str) -> Response:
    """The notice letter (督办通知) to a unit as of today."""
    s = db.session()
    pdf = letter.render(s, _unit_id(unit_ref), _today(),
                        office=current_app.config.get("OFFICE_NAME", ""))
    name = f"sign-letter-{unit_ref[:8]}-{_today():%Y%m%d}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


def _print(pairs: list[Any], name: str) -> Response:
    """The signs as a PDF, or with ``?manifest=1`` the manifest of that PDF (CSV: which sign
    on which page, at what scale, with its URL) for the print shop."""
    sheet = request.args.get("sheet") or "fit"
    if sheet not in printing.SHEETS:
        raise BadInput(_("Unknown sheet: use fit, A4 or A3."))
    out = io.BytesIO()
    rows = printing.render(pairs, out, base_url=current_app.config["PUBLIC_BASE_URL"],
                           sheet=sheet, qr=request.args.get("qr") == "1",
                           sizes=printing.office_sizes(current_app.config))
    if request.args.get("manifest") == "1":
        text = io.StringIO(newline="")
        write_manifest_csv(rows, text)
        return Response(text.getvalue().encode("utf-8"), mimetype="text/csv",
                        headers={"Content-Disposition":
                                 f'attachment; filename="{name}.manifest.csv"'})
    return Response(out.getvalue(), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})


@bp.get("/road/<uuid:place_id>/signs.pdf")
@signed_in
def road_print(place_id: uuid.UUID) -> Response:
    """The road's signs still to be made, print-ready (``?sheet=fit|A4|A3``, ``?qr=1``)."""
    s = db.session()
    place = register.road(s, place_id)
    return _print(printing.signs_to_make(s, place_id=place.id), f"signs-{place.id.hex[:8]}")


@bp.post("/units/<unit_ref>/print")
@signed_in
def unit_print(unit_ref: str) -> WResponse:
    """Draw a unit's signs still to be made as a background job (a unit may have hundreds);
    its page follows it and gives the PDF and the manifest."""
    unit_id = _unit_id(unit_ref)
    if unit_id is None:
        raise BadInput(_("Give the signs a responsible unit first."))
    sheet = request.form.get("sheet") or "fit"
    if sheet not in printing.SHEETS:
        raise BadInput(_("Unknown sheet: use fit, A4 or A3."))
    if not printing.signs_to_make(db.session(), unit_id=unit_id):
        raise BadInput(_("The unit has no sign to be made."))
    qr = request.form.get("qr") == "1"
    job = start_job(current_app._get_current_object(), db.session(),  # type: ignore[attr-defined]
                    SIGN_BATCH, {"unit_id": str(unit_id), "unit_ref": unit_ref, "sheet": sheet,
                                 "qr": qr},
                    subject=f"{unit_id.hex[:24]}:{sheet}:{int(qr)}", actor_id=actor_id(),
                    request_id=observe.request_id())
    return redirect(url_for(".print_job", job_id=job.id), 303)


def _print_job(job_id: str) -> Any:
    return job_records.get(db.session(), job_id, SIGN_BATCH)


@bp.get("/print/<job_id>")
@signed_in
def print_job(job_id: str) -> str:
    """A unit's signs being drawn: progress, then the PDF and the manifest."""
    job = _print_job(job_id)
    params = job_records.params_of(job)
    unit = db.session().get(ResponsibleUnit, uuid.UUID(params["unit_id"]))
    return render_template("signs/print_job.html", job=job, params=params, unit=unit)


@bp.get("/print/<job_id>/<what>")
@signed_in
def print_file(job_id: str, what: str) -> WResponse:
    """The batch's ``signs.pdf`` or ``manifest.csv`` (from the store)."""
    job = _print_job(job_id)
    pdf_key, manifest_key = sign_batch_keys(job.id)
    missing = _("The signs are not drawn yet.")
    name = f"signs-{job_records.params_of(job).get('unit_ref', '')[:8]}"
    if what == "signs.pdf":
        return send_stored(pdf_key, f"{name}.pdf", "application/pdf", missing)
    if what == "manifest.csv":
        return send_stored(manifest_key, f"{name}.manifest.csv", "text/csv", missing)
    raise NotFound(_("No such file."))


def sign_folder() -> Shelf:
    """Where sign photos are kept: the store's ``signs`` prefix."""
    return Shelf(current_app.extensions["placenames.storage"], "signs")


@bp.post("/<sign_id>/photos")
@signed_in
def add_photo(sign_id: str) -> tuple[str, int] | WResponse:
    """Add a photo of the sign (clerks)."""
    s = db.session()
    sign = register.get(s, sign_id)
    upload = request.files.get("photo")
    caption = request.form.get("caption", "")
    try:
        if upload is None or not upload.filename:
            raise BadInput(_("Choose a photo to add."))
        lifecycle.add_photo(s, sign, sign_folder(), upload.filename,
                            upload.read(8 * 1024 * 1024 + 1), caption, actor=actor(),
                            now=now())
    except PlacenamesError as exc:
        s.rollback()
        return _sign_page(register.get(s, sign_id), error=exc.user_msg,
                          v={"caption": caption}, status=exc.http_status)
    s.commit()
    flash(_("Photo added."), "ok")
    return redirect(url_for(".show", sign_id=sign.sign_id))


@bp.get("/photos/<uuid:photo_id>")
@signed_in
def photo(photo_id: uuid.UUID) -> Response:
    """A sign photo (staff only; re-encoded on upload, so served as it is stored)."""
    row = db.session().get(SignPhoto, photo_id)
    kind = CONTENT_TYPES.get(Path(row.path).suffix) if row is not None else None
    if row is None or kind is None or not sign_folder().exists(row.path):
        raise NotFound(_("No such photo."))
    return Response(sign_folder().read(row.path), mimetype=kind,
                    headers={"X-Content-Type-Options": "nosniff",
                             "Cache-Control": "private, max-age=300"})
