"""Staff pages of the naming procedure: dashboard, applications, each step's form, experts.

Each handler parses the request, calls one operation of
:mod:`placenames.ops.procedure.applications` /
:mod:`placenames.ops.procedure.steps` with the signed-in user and the clock, commits once and
redirects. Another user's application answers 404 (never 403); every action form carries the
version it was rendered from, so a stale form gets 409.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from .. import db
from ..errors import BadInput, NotFound, PlacenamesError
from ..models import Jurisdiction, Level, User
from ..models.workflow import Application
from ..naming.generics import CLASSES
from ..ops.privacy import contacts
from ..ops.procedure import applications as apps
from ..ops.procedure import documents, meetings, reserved_link, uploads
from ..ops.procedure import experts as expert_ops
from ..ops.procedure import steps as steps
from ..ops.registry.geometry import stored_geojson
from ..workflow import (
    ACTION_LABELS_ZH,
    CHINA_TZ,
    STATE_LABELS_ZH,
    TERMINAL_STATES,
    Action,
    State,
    china_date,
    due_status,
    label_en,
    mask_phone,
)
from ..workflow.panel import OPINIONS, RULES
from .auth import actor_id, record_download, roles_required
from .errors import render_error, wants_json
from .forms import form_version
from .maps import panel_config

bp = Blueprint("committee", __name__, url_prefix="/committee")

PROCEDURE_ROLES = frozenset({"applicant", "clerk", "surveyor", "expert", "committee",
                             "approver", "auditor"})
DEADLINE_ROLES = frozenset({"clerk", "committee", "approver", "auditor"})
PHOTO_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
#: Who may download the signed minutes of an offline expert meeting: the office and the
#: bodies that decide (not the applicant, not the administrators of the system).
MINUTES_ROLES = frozenset({"clerk", "surveyor", "committee", "approver"})
FILING_STATES = {State.APPROVED, State.ANNOUNCED, State.FILED}
DOC_LABELS = {"announcement": _l("Announcement"), "filing": _l("Filing form"),
              "assessment": _l("Comprehensive assessment report"),
              "review": _l("Expert review report"), "comments": _l("Public comment report")}
STAGE_LABELS = {"submission": _l("At submission"), "assessment": _l("Before the decision"),
                "plan": _l("In the naming plan (reserved name)")}
OTHER_ACTIONS = {"create": _l("created"), "edit": _l("edited"), "dispose": _l("disposition"),
                 "link_account": _l("account linked"),
                 "unlink_account": _l("account unlinked")}
ASSESSMENT_LABELS = {"legality": _l("Legality"), "feasibility": _l("Feasibility"),
                     "controllability": _l("Controllability"),
                     "social_impact": _l("Social impact"), "risks": _l("Risks"),
                     "mitigations": _l("Mitigations"), "conclusion": _l("Conclusion")}
LABELS = {
    "kind": {"new": _l("new name"), "rename": _l("rename"), "cancel": _l("cancellation")},
    "due": {"ok": _l("on time"), "due_soon": _l("due soon"), "overdue": _l("overdue"),
            "done": _l("done")},
    "verdict": {"block": _l("blocked"), "warn": _l("passes with warnings"),
                "clear": _l("passes")},
    "opinion": {"agree": _l("agree"), "agree_with_changes": _l("agree with changes"),
                "disagree": _l("disagree")},
    "rule": {"majority": _l("majority"), "two_thirds": _l("two thirds"),
             "unanimous": _l("unanimous")},
}


# --- the boundary: actor, clock, settings ------------------------------------------------------

def now() -> datetime:
    """The clock: ``CLOCK`` from the config (a callable, for tests) or the wall clock."""
    clock = current_app.config.get("CLOCK")
    return clock() if callable(clock) else datetime.now(UTC)


def settings() -> apps.Settings:
    """The procedure settings from the app config."""
    return apps.Settings.from_config(current_app.config, current_app.instance_path,
                                     files=current_app.extensions["placenames.storage"])


def actor() -> User:
    """The signed-in user's row."""
    uid = actor_id()
    user = db.session().get(User, uid) if uid is not None else None
    if user is None or not user.active:
        abort(401)
    return user


def signed_in(roles: frozenset[str] = PROCEDURE_ROLES) -> Callable[..., Any]:
    """Signed in with one of ``roles`` (else a redirect to sign in, or 403)."""
    return roles_required(roles, _l("Your roles do not give access to this page."))


def zh() -> bool:
    """True when the page is shown in Chinese."""
    return str(get_locale() or "zh").startswith("zh")


def state_label(state: str) -> str:
    """A state's label in the page's language."""
    try:
        s = State(state)
    except ValueError:
        return state
    return STATE_LABELS_ZH[s] if zh() else label_en(s)


def action_label(action: str) -> str:
    """An action's label in the page's language."""
    try:
        a = Action(action)
    except ValueError:
        return str(OTHER_ACTIONS.get(action, action))
    return ACTION_LABELS_ZH[a] if zh() else label_en(a)


def china_time(moment: datetime | None) -> str:
    """An instant as China time, for pages."""
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if moment else "—"


def audit_note(action: str, note: str | None, who: User | None = None) -> str:
    """An audit note in words: opinions and panel rules are stored as codes; an opinion
    entered from an offline meeting names the clerk who entered it (``who``) and the expert."""
    if not note:
        return ""
    if action == "record_opinion":
        offline = meetings.read_offline_note(note)
        if offline is None:
            return str(LABELS["opinion"].get(note, note))
        return _("%(opinion)s, entered by %(clerk)s on behalf of %(expert)s, offline meeting "
                 "on %(date)s", opinion=str(LABELS["opinion"].get(offline["opinion"],
                                                                   offline["opinion"])),
                 clerk=who.display_name if who else "—", expert=offline["expert"],
                 date=offline["meeting_on"])
    if action == "record_meeting" and note.startswith("meeting="):
        fields = dict(p.strip().split("=", 1) for p in note.split(";") if "=" in p)
        return _("offline meeting on %(date)s, %(count)s opinion(s) entered",
                 date=fields.get("meeting", ""), count=fields.get("opinions", ""))
    if action == "open_review" and note.startswith("seed="):
        parts = [p.strip() for p in note.split(";", 2)]
        seed = parts[0].removeprefix("seed=")
        rule = parts[1].removeprefix("rule=") if len(parts) > 1 else ""
        names = parts[2] if len(parts) > 2 else ""
        return _("draw seed %(seed)s · rule: %(rule)s · %(names)s", seed=seed,
                 rule=str(LABELS["rule"].get(rule, rule)), names=names)
    return note


@bp.app_context_processor
def _helpers() -> dict[str, object]:
    roles = set(getattr(current_user, "roles", ()) or ())
    return {"state_label": state_label, "action_label": action_label, "china_time": china_time,
            "has_any": lambda *wanted: bool(roles & set(wanted)),
            "doc_label": lambda k: str(DOC_LABELS.get(k, k)),
            "stage_label": lambda k: str(STAGE_LABELS.get(k, k)),
            "lbl": lambda group, value: str(LABELS[group].get(value, value or "")),
            "audit_note": audit_note}


@bp.errorhandler(apps.ProcedureError)
def _procedure_error(exc: apps.ProcedureError) -> Any:
    """The guard's refusal in the page's language, with its code for API clients."""
    return render_error(exc.http_status, exc.message_zh if zh() else exc.message_en,
                        {"code": exc.code})


def _float(value: str | None) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):  # also refuses "nan" and "inf", which float() accepts
        raise BadInput(_("Enter a number.") + f" ({value[:20]})")
    return number


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(_("Enter a date as YYYY-MM-DD.")) from None


# --- dashboard and list ------------------------------------------------------------------------

@bp.get("/")
@signed_in()
def dashboard() -> str:
    """My tasks (applications where I can act now) and the deadlines after approval."""
    s, user, clock, cfg = db.session(), actor(), now(), settings()
    tasks = []
    for app in apps.list_for(s, user):
        if State(app.state) in TERMINAL_STATES:
            continue
        acts = apps.actions_for(s, app, user, cfg, clock)
        if acts:
            tasks.append((app, acts))
    deadlines = []
    if user.role_set() & DEADLINE_ROLES:
        today = china_date(clock)
        for app in apps.list_for(s, user):
            if State(app.state) in FILING_STATES and app.announce_due and app.filing_due:
                deadlines.append((app, due_status(app.announce_due, today,
                                                  done=app.announced_on is not None),
                                  due_status(app.filing_due, today,
                                             done=app.filed_on is not None)))
    mine = apps.list_for(s, user, mine=True)
    return render_template("committee/dashboard.html", tasks=tasks, deadlines=deadlines,
                           mine=mine, user=user)


@bp.get("/applications")
@signed_in()
def applications() -> str:
    """Applications visible to me, with filters (state, class, kind, name)."""
    args = request.args
    state = args.get("state") or None
    cls = args.get("cls") or None
    kind = args.get("kind") or None
    q = (args.get("q") or "").strip()[:40] or None
    rows = apps.list_for(db.session(), actor(), state=state, cls=cls, kind=kind, q=q)
    return render_template("committee/list.html", rows=rows, states=list(State),
                           classes=sorted(CLASSES), f={"state": state, "cls": cls,
                                                       "kind": kind, "q": q or ""})


# --- new and edit ------------------------------------------------------------------------------

def _jurisdictions() -> list[Jurisdiction]:
    return list(db.session().scalars(select(Jurisdiction).where(
        Jurisdiction.level.in_([Level.TOWNSHIP, Level.COUNTY, Level.VILLAGE]))
        .order_by(Jurisdiction.code).limit(500)))


def _input(form: MultiDict[str, str]) -> apps.ApplicationInput:
    cands = [apps.CandidateInput(form.get(f"name{i}", ""), form.get(f"name{i}_reason"))
             for i in range(1, apps.MAX_CANDIDATES + 1)]
    return apps.ApplicationInput(
        kind=form.get("kind", "new"), cls=form.get("cls", ""), candidates=cands,
        reason=form.get("reason"), location_desc=form.get("location_desc"),
        jurisdiction_code=form.get("jurisdiction") or None,
        applicant_org=form.get("applicant_org"), old_name=form.get("old_name"),
        extent_desc=form.get("extent_desc"), start_desc=form.get("start_desc"),
        end_desc=form.get("end_desc"), length_m=_float(form.get("length_m")),
        width_m=_float(form.get("width_m")), geojson=form.get("geojson"))


def _form_page(app: Application | None, values: dict[str, Any], error: str | None = None,
               status: int = 200) -> tuple[str, int]:
    return render_template("committee/form.html", app=app, v=values, error=error,
                           jurisdictions=_jurisdictions(), classes=sorted(CLASSES),
                           slots=range(1, 4)), status


def _form_error(app: Application | None, exc: PlacenamesError) -> tuple[str, int]:
    """The form again, with the message at the top and everything that was typed."""
    db.session().rollback()
    return _form_page(app, request.form.to_dict(), exc.user_msg, exc.http_status)


def geometry_geojson(app: Application) -> str | None:
    """The application's geometry (sketch or survey) as GeoJSON text, for a drawing field."""
    return stored_geojson(db.session(), Application.geom, Application.id, app.id)


@bp.route("/applications/new", methods=["GET", "POST"])
@signed_in(frozenset({"applicant", "clerk"}))
def new_application() -> Any:
    """File a new application (saved as a draft; submitted from its page)."""
    if request.method == "GET":
        return _form_page(None, {"applicant_org": actor().organization, "kind": "new"})
    s = db.session()
    try:
        app = apps.create_application(s, _input(request.form), actor=actor(), now=now())
    except PlacenamesError as exc:
        return _form_error(None, exc)
    s.commit()
    flash(_("Draft saved. Check it and submit it."), "ok")
    return redirect(url_for(".application", app_id=app.id))


@bp.route("/applications/<uuid:app_id>/edit", methods=["GET", "POST"])
@signed_in(frozenset({"applicant", "clerk"}))
def edit_application(app_id: uuid.UUID) -> Any:
    """Edit a draft or returned application."""
    s, user = db.session(), actor()
    app = apps.get_for(s, app_id, user, for_update=request.method == "POST")
    if request.method == "GET":
        values: dict[str, Any] = {k: getattr(app, k) for k in (
            "kind", "cls", "reason", "location_desc", "applicant_org", "old_name",
            "extent_desc", "start_desc", "end_desc", "length_m", "width_m")}
        values["jurisdiction"] = s.get(Jurisdiction, app.jurisdiction_id).code \
            if app.jurisdiction_id else None
        for c in app.candidates:
            values[f"name{c.rank}"], values[f"name{c.rank}_reason"] = c.name, c.reason
        values["geojson"] = geometry_geojson(app)
        return _form_page(app, values)
    try:
        apps.update_application(s, app, _input(request.form), actor=user, now=now(),
                                expected_version=form_version(request.form))
    except PlacenamesError as exc:
        return _form_error(app, exc)
    s.commit()
    flash(_("Changes saved."), "ok")
    return redirect(url_for(".application", app_id=app.id))


# --- the application page ----------------------------------------------------------------------

@bp.get("/applications/<uuid:app_id>")
@signed_in()
def application(app_id: uuid.UUID) -> str:
    """Everything about one application, its timeline and the actions I can take now."""
    return _application_page(app_id)


def title_of(app: Application) -> str:
    """The names an application is about, for titles."""
    return app.approved_name or "、".join(c.name for c in app.candidates) or app.old_name or ""


def _application_page(app_id: uuid.UUID, *, error: str | None = None,
                      failed: str | None = None, posted: dict[str, str] | None = None) -> str:
    """The application page; after a refused action, its message and the typed values of the
    action's form (``failed``, ``posted``) are shown again."""
    s, user, clock, cfg = db.session(), actor(), now(), settings()
    app = apps.get_for(s, app_id, user)
    sketch = geometry_geojson(app)
    comments = contacts.comments_of(s, app.id)  # contacts masked
    acts = apps.actions_for(s, app, user, cfg, clock)
    today = china_date(clock)
    due = {}
    if app.announce_due and app.filing_due:
        due = {"announce": due_status(app.announce_due, today,
                                      done=app.announced_on is not None),
               "filing": due_status(app.filing_due, today, done=app.filed_on is not None)}
    return render_template(
        "committee/application.html", app=app, user=user, actions=acts,
        screens=apps.step_data(s, app, "screen"), survey=apps.latest(s, app, "survey"),
        assessment=apps.latest(s, app, "assessment"), review=apps.latest(s, app, "review"),
        decision=apps.latest(s, app, "decision"), filing=apps.latest(s, app, "filing"),
        panel=steps.panel_summary(app, cfg) if app.panel else None, comments=comments,
        timeline=apps.timeline(s, app), documents=documents.available(s, app),
        jurisdiction=steps.jurisdiction_path(s, app), due=due,
        can_dispose=bool(user.role_set() & {"clerk", "committee"}) and app.state in
        (State.IN_COMMENT, State.COMMENT_CLOSED),
        can_lookup=bool(user.role_set() & contacts.LOOKUP_ROLES),
        place=steps.place_of(s, app), opinions=OPINIONS, rules=RULES,
        meetings=apps.step_data(s, app, "meeting"),
        can_download_minutes=bool(user.role_set() & MINUTES_ROLES),
        sketch=sketch, reserved=reserved_link.holding(s, app),
        map_panel=panel_config(json.loads(sketch) if sketch else None, title_of(app)),
        assessment_labels=ASSESSMENT_LABELS, today=today.isoformat(), cfg=cfg,
        can_edit=apps.is_owner(app, user) and app.state in (State.DRAFT, State.RETURNED),
        error=error, failed=failed, posted=posted or {},
        comments_open=steps.comments_open(app, clock))


def _photos(files: Any) -> list[tuple[str, bytes]]:
    out = []
    for f in files.getlist("photos"):
        if f and f.filename:
            out.append((f.filename, f.read(8 * 1024 * 1024 + 1)))
    return out


def _geojson(form: MultiDict[str, str], files: Any) -> str | None:
    upload = files.get("geojson_file")
    if upload and upload.filename:
        raw = upload.read(1_000_001)
        try:
            return str(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise BadInput(_("The GeoJSON file must be UTF-8 text.")) from None
    return form.get("geojson") or None


def meeting_input(app: Application, form: MultiDict[str, str], files: Any
                  ) -> meetings.MeetingInput:
    """The offline meeting form: ``held_on``, ``minutes`` (a file) and, per panel expert,
    ``opinion-<expert id>`` and ``reasons-<expert id>``."""
    upload = files.get("minutes") if files else None
    minutes = None
    if upload and upload.filename:
        minutes = (upload.filename, upload.read(uploads.MAX_DOCUMENT_BYTES + 1))
    return meetings.MeetingInput(
        held_on=_date(form.get("held_on")), minutes=minutes,
        opinions=[meetings.MeetingOpinion(str(m.expert_id), form.get(f"opinion-{m.expert_id}"),
                                       form.get(f"reasons-{m.expert_id}"))
                  for m in app.panel])


def perform(app: Application, action: str, form: MultiDict[str, str], files: Any,
            user: User) -> None:
    """Run the operation of ``action`` with the form's fields (web and API share this)."""
    s, clock, cfg = db.session(), now(), settings()
    common: dict[str, Any] = {"actor": user, "now": clock, "settings": cfg,
                              "expected_version": form_version(form)}
    decision = steps.DecisionInput(
        approving_body=form.get("approving_body"), doc_no=form.get("doc_no"),
        decided_on=_date(form.get("decided_on")), name=form.get("name"), note=form.get("note"))
    if action == Action.SUBMIT:
        steps.submit(s, app, screen_reason=form.get("screen_reason"), **common)
    elif action in steps.SIMPLE_ACTIONS:
        steps.simple(s, app, action, note=form.get("note"), **common)
    elif action == Action.RECORD_SURVEY:
        steps.record_survey(s, app, steps.SurveyInput(
            surveyed_on=_date(form.get("surveyed_on")), findings=form.get("findings"),
            start_desc=form.get("start_desc"), end_desc=form.get("end_desc"),
            length_m=_float(form.get("length_m")), width_m=_float(form.get("width_m")),
            extent_desc=form.get("extent_desc"), geojson=_geojson(form, files),
            photos=_photos(files)), **common)
    elif action == Action.OPEN_REVIEW:
        size = _float(form.get("size")) or cfg.panel_min_size
        steps.open_review(s, app, size=int(size), rule=form.get("rule") or None, **common)
    elif action == Action.RECORD_OPINION:
        steps.record_opinion(s, app, opinion=form.get("opinion", ""),
                             reasons=form.get("reasons"), **common)
    elif action == Action.RECORD_MEETING:
        meetings.record_meeting(s, app, meeting_input(app, form, files), **common)
    elif action == Action.CLOSE_REVIEW:
        steps.close_review(s, app, **common)
    elif action == Action.OPEN_COMMENT:
        steps.open_comment(s, app, **common)
    elif action == Action.RECORD_ASSESSMENT:
        steps.record_assessment(s, app, {k: form.get(k) for k in steps.ASSESSMENT_FIELDS},
                                **common)
    elif action == Action.APPROVE:
        steps.approve(s, app, decision, **common)
    elif action in (Action.REJECT, Action.RETURN_FOR_CHANGES):
        steps.decide_against(s, app, action, decision, **common)
    elif action == Action.ANNOUNCE:
        steps.announce(s, app, announced_on=_date(form.get("announced_on")), **common)
    elif action == Action.FILE:
        steps.file(s, app, steps.FilingInput(form.get("registration_no"),
                                             _date(form.get("filed_on")), form.get("note")),
                   **common)
    elif action == Action.PUT_IN_FORCE:
        steps.put_in_force(s, app, **common)
    else:  # unknown: the guard answers with the reason (409)
        apps.check(s, app, action, **common)


@bp.post("/applications/<uuid:app_id>/actions/<action>")
@signed_in()
def act(app_id: uuid.UUID, action: str) -> Response | tuple[str, int]:
    """Take one procedure action on the application."""
    s, user = db.session(), actor()
    app = apps.get_for(s, app_id, user, for_update=True)
    try:
        perform(app, action, request.form, request.files, user)
    except PlacenamesError as exc:  # a stale version, a refused step, bad input: no dead end
        if wants_json():
            raise
        s.rollback()
        message = (exc.message_zh if zh() else exc.message_en) \
            if isinstance(exc, apps.ProcedureError) else exc.user_msg
        posted = {k: v for k, v in request.form.items() if k not in ("csrf_token", "version")}
        return _application_page(app_id, error=message, failed=action,
                                 posted=posted), exc.http_status
    s.commit()
    flash(_("Done: %(action)s.", action=action_label(action)), "ok")
    return redirect(url_for(".application", app_id=app.id))


@bp.post("/applications/<uuid:app_id>/comments/<uuid:comment_id>/disposition")
@signed_in(frozenset({"clerk", "committee"}))
def dispose(app_id: uuid.UUID, comment_id: uuid.UUID) -> Response:
    """Record how a public comment was handled."""
    s, user = db.session(), actor()
    app = apps.get_for(s, app_id, user)
    steps.dispose_comment(s, app, comment_id, request.form.get("disposition", ""), actor=user,
                          now=now())
    s.commit()
    flash(_("Disposition saved."), "ok")
    return redirect(url_for(".application", app_id=app.id) + "#comments")


@bp.route("/comments/lookup", methods=["GET", "POST"])
@signed_in(contacts.LOOKUP_ROLES)
def comment_lookup() -> Any:
    """Public comments from one phone number, on every application I see or on one.

    The number travels in a POST body, never in a URL (URLs end up in access logs); the page
    shows it masked and the search is audited (:func:`contacts.find_by_phone`).
    """
    s, user = db.session(), actor()
    app_id = request.values.get("application") or None
    application = apps.get_for(s, app_id, user) if app_id else None
    if request.method == "GET":
        return render_template("committee/comments.html", application=application,
                               matches=None, masked="", error=None)
    phone = request.form.get("phone", "")
    try:
        matches = contacts.find_by_phone(s, phone, actor=user, now=now(),
                                         application_id=application.id if application else None)
    except BadInput as exc:
        s.rollback()
        if wants_json():
            return render_error(exc.http_status, exc.user_msg)
        return render_template("committee/comments.html", application=application,
                               matches=None, masked="", error=exc.user_msg), exc.http_status
    s.commit()
    if wants_json():
        return jsonify({"phone": mask_phone(phone), "comments": [
            {**m.comment.as_dict(), "application": str(m.application.id)} for m in matches]})
    return render_template("committee/comments.html", application=application,
                           matches=matches, masked=mask_phone(phone), error=None)


@bp.get("/applications/<uuid:app_id>/photos/<name>")
@signed_in()
def photo(app_id: uuid.UUID, name: str) -> Response:
    """A survey photo (visible to whoever sees the application)."""
    s = db.session()
    app = apps.get_for(s, app_id, actor())
    known = {p["file"] for rec in apps.step_data(s, app, "survey") for p in rec.get("photos", [])}
    if name not in known:
        raise NotFound(_("No such photo."))
    shelf = settings().upload_shelf()
    assert shelf is not None
    rel = f"{app.id}/{name}"
    if not shelf.exists(rel):
        raise NotFound(_("No such photo."))
    return Response(shelf.read(rel), mimetype=PHOTO_TYPES.get(Path(name).suffix, "image/jpeg"),
                    headers={"X-Content-Type-Options": "nosniff",
                             "Cache-Control": "private, max-age=3600"})


@bp.get("/applications/<uuid:app_id>/minutes/<name>")
@signed_in(MINUTES_ROLES)
def minutes(app_id: uuid.UUID, name: str) -> Response:
    """The signed minutes of an offline expert meeting, as a download (office staff)."""
    s = db.session()
    app = apps.get_for(s, app_id, actor())
    found = {rec["minutes"]["file"] for rec in apps.step_data(s, app, "meeting")
             if rec.get("minutes")}
    shelf = settings().upload_shelf()
    assert shelf is not None
    rel = f"{app.id}/{name}"
    if name not in found or not shelf.exists(rel):
        raise NotFound(_("No such file."))
    suffix = Path(name).suffix
    filename = f"minutes-{app.id}{suffix}"
    record_download("application", str(app.id), f"minutes {name}")
    return Response(shelf.read(rel), mimetype=uploads.CONTENT_TYPES.get(
        suffix, "application/octet-stream"), headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox",
        "Cache-Control": "private, no-store"})


@bp.get("/applications/<uuid:app_id>/documents/<kind>.pdf")
@signed_in()
def document(app_id: uuid.UUID, kind: str) -> Response:
    """One of the procedure's documents as a printable PDF."""
    s = db.session()
    app = apps.get_for(s, app_id, actor())
    pdf = documents.render_pdf(documents.build(s, app, kind), current_app.config["OFFICE_NAME"])
    record_download("application", str(app.id), f"document {kind}")
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{kind}-{app.id}.pdf"'})


# --- the expert pool ---------------------------------------------------------------------------

def _experts_page(error: str | None = None, status: int = 200, *,
                  typed: dict[str, str] | None = None, failed: str | None = None
                  ) -> tuple[str, int]:
    """The pool with each expert's account; after a refusal, the message and what was typed
    (``typed``: the add form's fields; ``failed``: the id of the expert whose link failed)."""
    s = db.session()
    return render_template("committee/experts.html", experts=expert_ops.pool(s),
                           accounts=expert_ops.linkable_accounts(s), error=error,
                           v=typed or {}, failed=failed), status


def _expert_refused(exc: PlacenamesError, **kw: Any) -> tuple[str, int]:
    db.session().rollback()
    return _experts_page(exc.user_msg, exc.http_status, **kw)


@bp.route("/experts", methods=["GET", "POST"])
@signed_in(expert_ops.POOL_ROLES)
def experts() -> Any:
    """The expert pool: list, add, and each expert's linked account."""
    s = db.session()
    if request.method == "GET":
        return _experts_page()
    f = request.form
    try:
        expert_ops.add_expert(s, expert_ops.ExpertInput(
            name=f.get("name", ""), affiliation=f.get("affiliation"),
            specialties=f.get("specialties", ""), username=f.get("username") or None),
            actor=actor(), now=now())
    except PlacenamesError as exc:
        typed = {k: v for k, v in f.items() if k != "csrf_token"}
        return _expert_refused(exc, typed=typed, failed="add")
    s.commit()
    flash(_("Expert added."), "ok")
    return redirect(url_for(".experts"))


@bp.post("/experts/<uuid:expert_id>/account")
@signed_in(expert_ops.POOL_ROLES)
def link_expert_account(expert_id: uuid.UUID) -> Any:
    """Link an account holding the expert role to this expert of the pool."""
    s = db.session()
    expert = expert_ops.get_expert(s, expert_id)
    try:
        expert_ops.link_account(s, expert, request.form.get("username"), actor=actor(),
                                now=now())
    except PlacenamesError as exc:
        return _expert_refused(exc, typed={"username": request.form.get("username", "")},
                               failed=str(expert_id))
    s.commit()
    flash(_("Account linked."), "ok")
    return redirect(url_for(".experts") + f"#expert-{expert_id}")


@bp.post("/experts/<uuid:expert_id>/account/unlink")
@signed_in(expert_ops.POOL_ROLES)
def unlink_expert_account(expert_id: uuid.UUID) -> Any:
    """Remove the link between this expert and their account."""
    s = db.session()
    expert = expert_ops.get_expert(s, expert_id)
    try:
        expert_ops.unlink_account(s, expert, actor=actor(), now=now())
    except PlacenamesError as exc:
        return _expert_refused(exc, failed=str(expert_id))
    s.commit()
    flash(_("Account unlinked."), "ok")
    return redirect(url_for(".experts") + f"#expert-{expert_id}")
