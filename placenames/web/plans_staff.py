"""Staff pages of the naming plan (地名规划) and its reserved names (备用地名库): ``/staff/plans``.

Office staff (clerks) draft and edit plans, enter reserved names (drawn on the map, screened
on entry), release them, screen them again and start the naming procedure for one; the
committee or the approving body approves a plan. Every page is for the roles that see the
procedure (:data:`placenames.workflow.plans.VIEW_ROLES`); the operations check each actor's
roles through the plan guard, so a button shown by mistake still answers 403. A refused form
is shown again with the message and everything that was typed.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from .. import db
from ..errors import Conflict, PlacenamesError
from ..models.plans import NamingPlan
from ..naming.generics import CLASSES
from ..ops import plans
from ..ops.plans.errors import PlanError, ScreenBlocked
from ..ops.plans.plans import STALE_MSG
from ..workflow.errors import WorkflowError
from ..workflow.plans import (
    ACTION_LABELS_ZH,
    PLAN_STATE_LABELS_ZH,
    RESERVED_STATE_LABELS_ZH,
    VIEW_ROLES,
    PlanAction,
    PlanState,
    ReservedAction,
    ReservedState,
    allowed,
    decide,
    label_en,
)
from .auth import roles_required
from .committee import _date, actor, now, zh
from .forms import form_version
from .labels import enum_label

bp = Blueprint("plans_staff", __name__, url_prefix="/staff/plans")

signed_in = roles_required(VIEW_ROLES, _l("Your roles do not give access to this page."))

PLAN_FIELDS = ("code", "title", "area", "period_start", "period_end", "themes", "description")
NAME_FIELDS = ("name", "cls", "meaning", "theme", "jurisdiction", "geojson", "location_desc",
               "override_reason")


def plan_state_label(state: str) -> str:
    """A plan state in the page's language."""
    return enum_label(state, PlanState, PLAN_STATE_LABELS_ZH)


def reserved_state_label(state: str) -> str:
    """A reserved name's state in the page's language."""
    return enum_label(state, ReservedState, RESERVED_STATE_LABELS_ZH)


def plan_action_label(action: PlanAction | ReservedAction) -> str:
    """An action's label in the page's language."""
    return ACTION_LABELS_ZH[action] if zh() else label_en(action)


@bp.app_context_processor
def _helpers() -> dict[str, object]:
    return {"plan_state_label": plan_state_label, "reserved_state_label": reserved_state_label,
            "plan_action_label": plan_action_label}


def _may(state: str, action: PlanAction | ReservedAction, kind: str = "plan") -> bool:
    return allowed(state, action, roles=actor().role_set(), kind=kind)


def guard_plan_state(state: str, action: PlanAction) -> None:
    """A form is shown only to whom the guard lets act on the plan as it stands (403/409)."""
    try:
        decide(state, action, roles=actor().role_set(), kind="plan")
    except WorkflowError as exc:
        raise PlanError(exc) from None


def _areas() -> list[tuple[str, str]]:
    """Areas a plan may cover: management areas, then counties and townships, by code."""
    from sqlalchemy import select

    from ..models import Jurisdiction

    rows = db.session().execute(
        select(Jurisdiction.code, Jurisdiction.name, Jurisdiction.level)
        .where(Jurisdiction.level.in_(["management", "city", "county", "township"]))
        .order_by(Jurisdiction.level != "management", Jurisdiction.code)).all()
    return [(code, f"{name}（{code}）") for code, name, _level in rows]


# --- plans -------------------------------------------------------------------------------------

@bp.get("")
@signed_in
def index() -> str:
    """Every plan with its period, area, status and names by state."""
    status = request.args.get("status") or None
    if status not in {None, *(s.value for s in PlanState)}:
        status = None
    rows = plans.list_plans(db.session(), status=status)
    return render_template("plans/index.html", rows=rows, counts=plans.counts, status=status,
                           may_create=_may(PlanState.DRAFT, PlanAction.EDIT))


def _plan_form(plan: NamingPlan | None, v: dict[str, str], error: str | None,
               status: int = 200) -> tuple[str, int]:
    return render_template("plans/form.html", plan=plan, v=v, areas=_areas(),
                           error=error), status


def _plan_input(form: Any) -> plans.PlanInput:
    return plans.PlanInput(code=form.get("code", ""), title=form.get("title", ""),
                           area_code=form.get("area", ""),
                           period_start=form.get("period_start", ""),
                           period_end=form.get("period_end", ""),
                           themes=form.get("themes", ""),
                           description=form.get("description") or None)


@bp.route("/new", methods=["GET", "POST"])
@signed_in
def new() -> tuple[str, int] | Response:
    """Draft a new plan (clerks)."""
    if request.method == "GET":
        guard_plan_state(PlanState.DRAFT, PlanAction.EDIT)
        return _plan_form(None, {"period_start": "", "period_end": ""}, None)
    v = {k: request.form.get(k, "") for k in PLAN_FIELDS}
    s = db.session()
    try:
        plan = plans.create_plan(s, _plan_input(request.form), actor=actor(), now=now())
    except PlacenamesError as exc:
        s.rollback()
        return _plan_form(None, v, exc.user_msg, exc.http_status)
    s.commit()
    flash(_("Plan %(code)s created as a draft.", code=plan.code), "ok")
    return redirect(url_for(".show", code=plan.code))


@bp.route("/<code>/edit", methods=["GET", "POST"])
@signed_in
def edit(code: str) -> tuple[str, int] | Response:
    """Edit a draft plan (clerks)."""
    s = db.session()
    plan = plans.get_plan(s, code)
    if request.method == "GET":
        guard_plan_state(plan.status, PlanAction.EDIT)
        v = {"code": plan.code, "title": plan.title, "area": plan.area.code,
             "period_start": str(plan.period_start), "period_end": str(plan.period_end),
             "themes": plan.themes, "description": plan.description or ""}
        return _plan_form(plan, v, None)
    v = {k: request.form.get(k, "") for k in PLAN_FIELDS}
    try:
        plans.update_plan(s, plan, _plan_input(request.form), actor=actor(), now=now(),
                          expected_version=form_version(request.form))
    except PlacenamesError as exc:
        s.rollback()
        return _plan_form(plans.get_plan(s, code), v, exc.user_msg, exc.http_status)
    s.commit()
    flash(_("Plan saved."), "ok")
    return redirect(url_for(".show", code=plan.code))


def _plan_page(plan: NamingPlan, *, error: str | None = None, v: dict[str, str] | None = None,
               status: int = 200, focus: str | None = None) -> tuple[str, int]:
    """The plan page; ``v`` keeps what was typed in its small forms (approval, release…),
    ``focus`` the id of the reserved name a refused form was about."""
    roles = actor().role_set()
    return render_template(
        "plans/show.html", plan=plan, groups=plans.by_theme(plan), counts=plans.counts(plan),
        state_of=plans.state_of, last_screen=plans.last_screen, error=error, v=v or {},
        focus=focus,
        may={"edit": allowed(plan.status, PlanAction.EDIT, roles=roles),
             "approve": allowed(plan.status, PlanAction.APPROVE, roles=roles),
             "retire": allowed(plan.status, PlanAction.RETIRE, roles=roles),
             "reserve": allowed(plan.status, PlanAction.RESERVE, roles=roles),
             "take": allowed(plan.status, PlanAction.TAKE, roles=roles)},
        may_name=lambda r, a: allowed(plans.state_of(r), a, roles=roles, kind="reserved"),
        actions=ReservedAction), status


@bp.get("/<code>")
@signed_in
def show(code: str) -> tuple[str, int]:
    """The plan: its reserved names by theme, with state, meaning, screen and actions."""
    return _plan_page(plans.get_plan(db.session(), code))


@bp.post("/<code>/approve")
@signed_in
def approve(code: str) -> tuple[str, int] | Response:
    """Record the plan's approval (committee or approving body)."""
    s = db.session()
    plan = plans.get_plan(s, code)
    form = request.form
    v = {k: form.get(k, "") for k in ("approving_body", "approval_doc_no", "approval_date")}
    try:
        if form_version(form) != plan.version:
            raise Conflict(STALE_MSG)
        plans.approve_plan(s, plan, actor=actor(), approving_body=v["approving_body"],
                           approval_doc_no=v["approval_doc_no"],
                           approval_date=_date(v["approval_date"]), now=now())
    except PlacenamesError as exc:
        s.rollback()
        return _plan_page(plans.get_plan(s, code), error=exc.user_msg, v=v,
                          status=exc.http_status, focus="approve")
    s.commit()
    flash(_("Plan approved: its names are now public as planned names."), "ok")
    return redirect(url_for(".show", code=plan.code))


@bp.post("/<code>/retire")
@signed_in
def retire(code: str) -> tuple[str, int] | Response:
    """Retire an approved plan."""
    s = db.session()
    plan = plans.get_plan(s, code)
    v = {"retire_reason": request.form.get("reason", "")}
    try:
        plans.retire_plan(s, plan, actor=actor(), reason=v["retire_reason"], now=now())
    except PlacenamesError as exc:
        s.rollback()
        return _plan_page(plans.get_plan(s, code), error=exc.user_msg, v=v,
                          status=exc.http_status, focus="retire")
    s.commit()
    flash(_("Plan retired."), "ok")
    return redirect(url_for(".show", code=plan.code))


# --- reserved names ----------------------------------------------------------------------------

def _name_form(plan: NamingPlan, v: dict[str, str], error: str | None,
               screen: dict[str, Any] | None = None, status: int = 200) -> tuple[str, int]:
    return render_template("plans/reserve.html", plan=plan, v=v, error=error, screen=screen,
                           classes=sorted(CLASSES),
                           divisions=plans.area_divisions(db.session(), plan)), status


@bp.route("/<code>/names/new", methods=["GET", "POST"])
@signed_in
def reserve(code: str) -> tuple[str, int] | Response:
    """Add a reserved name: drawn on the map, screened; a blocking screen is shown with the
    field for the reason to reserve the name all the same."""
    s = db.session()
    plan = plans.get_plan(s, code)
    if request.method == "GET":
        guard_plan_state(plan.status, PlanAction.RESERVE)
        divisions = plans.area_divisions(s, plan)
        return _name_form(plan, {"cls": "road", "theme": (plan.theme_list or [""])[0],
                                 "jurisdiction": divisions[0].code if len(divisions) == 1
                                 else ""}, None)
    v = {k: request.form.get(k, "") for k in NAME_FIELDS}
    data = plans.ReserveInput(name=v["name"], cls=v["cls"], meaning=v["meaning"],
                              theme=v["theme"], geojson=v["geojson"] or None,
                              jurisdiction_code=v["jurisdiction"] or None,
                              location_desc=v["location_desc"] or None)
    try:
        reserved = plans.reserve(s, plan, data, actor=actor(), now=now(),
                                 override_reason=v["override_reason"] or None)
    except ScreenBlocked as exc:
        s.rollback()
        return _name_form(plans.get_plan(s, code), v, exc.user_msg, exc.result, 400)
    except PlacenamesError as exc:
        s.rollback()
        return _name_form(plans.get_plan(s, code), v, exc.user_msg, None, exc.http_status)
    s.commit()
    flash(_("%(name)s reserved under %(theme)s.", name=reserved.place.name,
            theme=reserved.theme), "ok")
    return redirect(url_for(".show", code=plan.code) + f"#r-{reserved.id}")


@bp.post("/<code>/names/<rid>/release")
@signed_in
def release(code: str, rid: str) -> tuple[str, int] | Response:
    """Release a reserved name, with the reason."""
    s = db.session()
    plan = plans.get_plan(s, code)
    r = plans.get_reserved(s, rid, plan)
    v = {f"reason-{r.id}": request.form.get("reason", "")}
    try:
        plans.release(s, r, actor=actor(), now=now(), reason=request.form.get("reason"))
    except PlacenamesError as exc:
        s.rollback()
        return _plan_page(plans.get_plan(s, code), error=exc.user_msg, v=v,
                          status=exc.http_status, focus=str(r.id))
    s.commit()
    flash(_("%(name)s released: the name is free again.", name=r.place.name), "ok")
    return redirect(url_for(".show", code=plan.code) + f"#r-{r.id}")


@bp.post("/<code>/names/<rid>/rescreen")
@signed_in
def rescreen(code: str, rid: str) -> Response:
    """Screen a reserved name again against the register as it is now."""
    s = db.session()
    plan = plans.get_plan(s, code)
    r = plans.get_reserved(s, rid, plan)
    entry = plans.rescreen(s, r, actor=actor(), now=now())
    s.commit()
    flash(_("%(name)s screened again: %(verdict)s.", name=r.place.name,
            verdict=_verdict(entry["verdict"])), "ok")
    return redirect(url_for(".show", code=plan.code) + f"#r-{r.id}")


@bp.post("/<code>/names/<rid>/take")
@signed_in
def take(code: str, rid: str) -> Response:
    """Start the naming procedure for a reserved name: a draft application owned by the
    clerk, carrying the name's meaning and screens; opens the application."""
    s = db.session()
    plan = plans.get_plan(s, code)
    r = plans.get_reserved(s, rid, plan)
    app = plans.take(s, r, actor=actor(), now=now())
    s.commit()
    flash(_("Application drafted for %(name)s: check it and submit it.", name=r.place.name),
          "ok")
    return redirect(url_for("committee.application", app_id=app.id))


def _verdict(value: str) -> str:
    labels = {"block": _("does not pass"), "warn": _("needs attention"), "clear": _("passes")}
    return labels.get(value, value)
