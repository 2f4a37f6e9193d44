"""The steps of the naming procedure, each one state change through the guard.

Every operation takes the session, the application, the acting user and the clock (and the
office's :class:`~placenames.ops.procedure.applications.Settings`), checks its input
(:class:`BadInput`),
asks the guard before doing any work, records what the step produced (a ``StepRecord``,
panel rows, the register entry) and applies the transition with
:func:`placenames.ops.procedure.applications.transition`. They flush; the caller commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from shapely import wkt as shapely_wkt
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...addressing.geometry import geodesic_length_m
from ...errors import BadInput, Conflict, Forbidden, NotFound
from ...models import Jurisdiction, NameStory, Place, PlaceStatus, User
from ...models.places import Alias
from ...models.workflow import Application, PanelMember, PublicComment
from ...naming.errors import NamingError
from ...naming.romanize import romanize
from ...workflow import (
    Action,
    Context,
    Kind,
    PanelError,
    State,
    Transition,
    approval_deadlines,
    china_date,
    comment_period,
    comment_window_open,
    draw_panel,
    mask_phone,
    new_seed,
    panel_result,
)
from ...workflow.panel import OPINIONS, RULES
from ..audit import records as audit_records
from ..names import screen as screen_ops
from ..privacy import contacts
from ..registry import geometry
from ..registry.places import PlaceInput, create_place
from ..signs import lifecycle as sign_lifecycle
from . import experts as expert_ops
from . import reserved_link, uploads
from .applications import ProcedureError, Settings, add_step, check, latest, transition

NOTE_REQUIRED = {Action.RETURN_INCOMPLETE, Action.REFUSE, Action.REJECT,
                 Action.RETURN_FOR_CHANGES}
SIMPLE_ACTIONS = {Action.ACCEPT, Action.RETURN_INCOMPLETE, Action.REFUSE, Action.CLOSE_COMMENT,
                  Action.WITHDRAW}
MAX_TEXT = 4000


def _text(value: str | None, what: str, *, required: bool = False,
          limit: int = MAX_TEXT) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise BadInput(f"请填写{what} / {what} is required")
    if len(text) > limit:
        raise BadInput(f"{what}过长（最多 {limit} 字）/ {what}: at most {limit} characters")
    return text or None


def _past_date(value: date | None, now: datetime, what: str) -> date:
    if value is None:
        raise BadInput(f"请填写{what} / {what} is required")
    if value > china_date(now):
        raise BadInput(f"{what}不能晚于今天 / {what} cannot be in the future")
    return value


# --- simple steps ------------------------------------------------------------------------------

def simple(session: Session, app: Application, action: Action | str, *, actor: User,
           now: datetime, settings: Settings, expected_version: int | None,
           note: str | None = None) -> Transition:
    """accept, return for correction, refuse, close the comment period, withdraw."""
    act = Action(action) if action in {a.value for a in Action} else action
    if act not in SIMPLE_ACTIONS:
        raise BadInput("此操作需要专门的表单 / this action has its own form")
    text = _text(note, "说明", required=act in NOTE_REQUIRED)
    return transition(session, app, act, actor=actor, now=now, settings=settings,
                      expected_version=expected_version, note=text)


# --- the name screen ---------------------------------------------------------------------------

def run_screen(session: Session, app: Application, stage: str, *, actor: User | None,
               now: datetime, override_reason: str | None = None) -> dict[str, Any]:
    """Screen every proposed name (duplicates, homophones, rules) and store the results."""
    area = session.get(Jurisdiction, app.jurisdiction_id) if app.jurisdiction_id else None
    survey = latest(session, app, "survey") or {}
    near = tuple(survey["centroid"]) if survey.get("centroid") else None
    exclude = reserved_link.excluded_place_ids(session, app)
    heritage = _heritage_finding(session, app)
    results = []
    for cand in app.candidates:
        result = screen_ops.screen(session, cand.name, app.cls, area_code=area.code if area
                                   else None, near=near, exclude_ids=exclude)
        answer = screen_ops.as_dict(result)
        if heritage is not None:
            answer["findings"].append(heritage)
            if answer["verdict"] == "clear":
                answer["verdict"] = "warn"
        results.append(answer)
    data: dict[str, Any] = {"stage": stage, "results": results}
    if override_reason and any(r["verdict"] == "block" for r in results):
        data["override_reason"] = override_reason  # why a blocked name goes on
    add_step(session, app, "screen", data, actor=actor, now=now)
    session.flush()
    return data


def _heritage_finding(session: Session, app: Application) -> dict[str, Any] | None:
    """A warning when the application renames a name marked as place-name cultural heritage
    (地名文化遗产): such names are kept unless there is a strong reason."""
    target = app.target_place_id
    if app.kind != "rename" or target is None or not session.scalar(
            select(NameStory.heritage).where(NameStory.place_id == target)):
        return None
    name = app.target_place.name if app.target_place is not None else ""
    return {"code": "heritage_rename", "severity": "warn",
            "message_zh": f"“{name}”已列为地名文化遗产，原则上不予更名；"
                          "如确需更名，请充分说明理由。",
            "message_en": f"{name} is marked as place-name cultural heritage: it is kept unless "
                          "there is a strong reason to rename it; give that reason."}


MIN_OVERRIDE_REASON = 4


def submit(session: Session, app: Application, *, actor: User, now: datetime,
           settings: Settings, expected_version: int | None,
           screen_reason: str | None = None) -> Transition:
    """Submit a draft or returned application; the names are screened and the result kept.

    A name the screen blocks (a duplicate or homophone in scope, a forbidden word…) may still
    be submitted, but only with a written reason, which is kept with the screen's result.
    """
    check(session, app, Action.SUBMIT, actor=actor, now=now, settings=settings,
          expected_version=expected_version)
    reason = (screen_reason or "").strip()
    data = run_screen(session, app, "submission", actor=actor, now=now,
                      override_reason=reason or None)
    blocked = [r["name"] for r in data["results"] if r["verdict"] == "block"]
    if blocked and len(reason) < MIN_OVERRIDE_REASON:
        raise BadInput(f"名称“{'、'.join(blocked)}”未通过重名同音审查；如仍要申报，请写明理由。 "
                       f"The screen blocks {', '.join(blocked)}: give your reason to submit it.")
    return transition(session, app, Action.SUBMIT, actor=actor, now=now, settings=settings,
                      expected_version=expected_version)


# --- site survey -------------------------------------------------------------------------------

@dataclass
class SurveyInput:
    """What the surveyor records on site."""

    surveyed_on: date | None
    findings: str | None
    start_desc: str | None = None
    end_desc: str | None = None
    length_m: float | None = None
    width_m: float | None = None
    extent_desc: str | None = None
    geojson: str | None = None
    photos: list[tuple[str, bytes]] = field(default_factory=list)


def record_survey(session: Session, app: Application, data: SurveyInput, *, actor: User,
                  now: datetime, settings: Settings, expected_version: int | None
                  ) -> Transition:
    """Record the site survey: date, findings, measured extent, geometry and photos."""
    check(session, app, Action.RECORD_SURVEY, actor=actor, now=now, settings=settings,
          expected_version=expected_version)
    record: dict[str, Any] = {
        "surveyed_on": _past_date(data.surveyed_on, now, "踏勘日期").isoformat(),
        "findings": _text(data.findings, "踏勘情况", required=True),
        "start_desc": _text(data.start_desc, "起点", limit=200),
        "end_desc": _text(data.end_desc, "止点", limit=200),
        "extent_desc": _text(data.extent_desc, "范围"),
    }
    for key, what in (("length_m", "长度"), ("width_m", "宽度")):
        value = getattr(data, key)
        if value is not None and not 0 < value < 1_000_000:
            raise BadInput(f"{what}须为正数 / {key} must be a positive number")
        record[key] = value
    wkt = geometry.geometry_wkt(data.geojson) if (data.geojson or "").strip() else None
    if wkt:
        shp = shapely_wkt.loads(wkt)
        centroid = shp.centroid
        record.update(geom_wkt=wkt, centroid=[round(centroid.x, 7), round(centroid.y, 7)])
        if record["length_m"] is None and shp.geom_type == "LineString":  # measured on the map
            record["length_m"] = round(geodesic_length_m(list(shp.coords)), 1)
    if len(data.photos) > uploads.MAX_PHOTOS:
        raise BadInput(f"照片最多 {uploads.MAX_PHOTOS} 张 / at most {uploads.MAX_PHOTOS} photos")
    photos = [uploads.clean_photo(name, raw) for name, raw in data.photos]
    shelf = settings.upload_shelf()
    if photos and shelf is None:
        raise BadInput("未配置照片存放目录 / no folder is configured for photos")

    def apply() -> None:
        stored = (uploads.store_photos(photos, shelf.sub(str(app.id)))
                  if photos and shelf is not None else [])
        record["photos"] = stored
        if wkt:
            from ...spatial import SRID

            app.geom = f"SRID={SRID};{wkt}"
        add_step(session, app, "survey", record, actor=actor, now=now)

    return transition(session, app, Action.RECORD_SURVEY, actor=actor, now=now,
                      settings=settings, expected_version=expected_version, apply=apply)


# --- expert review -----------------------------------------------------------------------------

def open_review(session: Session, app: Application, *, size: int, rule: str | None = None,
                seed: int | None = None, actor: User, now: datetime, settings: Settings,
                expected_version: int | None) -> Transition:
    """Draw the panel from the active pool with a stored seed and open the review."""
    rule = rule or settings.panel_rule
    if rule not in RULES:
        raise BadInput(f"未知的表决规则 / unknown rule {rule!r}")
    if not 1 <= size <= 15:
        raise BadInput("专家人数须在 1 到 15 之间 / the panel has 1 to 15 experts")
    check(session, app, Action.OPEN_REVIEW, actor=actor, now=now, settings=settings,
          expected_version=expected_version, panel_size=size)
    pool = {str(e.id): e for e in expert_ops.pool(session, active_only=True)}
    applicant = session.get(User, app.applicant_id) if app.applicant_id else None
    exclude_orgs = [o for o in (app.applicant_org, applicant.organization if applicant else None)
                    if o]
    exclude_ids = [k for k, e in pool.items() if applicant and e.user_id == applicant.id]
    seed = new_seed() if seed is None else seed
    try:
        drawn = draw_panel([expert_ops.as_ref(e) for e in pool.values()], size, seed,
                           exclude_affiliations=exclude_orgs, exclude_ids=exclude_ids)
    except PanelError as exc:
        raise ProcedureError(exc) from None
    for old in list(app.panel):  # a resubmitted application is reviewed again by a new draw
        audit_records.removal_event(session, "panel_member", old.id, actor_id=actor.id,
                                    now=now)
        session.delete(old)
    session.flush()
    session.expire(app, ["panel"])
    seats = []
    for i, ref in enumerate(drawn, start=1):
        seat = PanelMember(application_id=app.id, expert_id=pool[ref.id].id, position=i)
        session.add(seat)
        seats.append((seat, ref))
    session.flush()
    for seat, ref in seats:  # each drawn seat is audited with its digest (expert, position)
        audit_records.record_event(session, "panel_member", seat.id, "draw", actor_id=actor.id,
                                   now=now, note=f"{seat.position}. {ref.name}")
    session.flush()
    session.expire(app, ["panel"])
    def apply() -> None:
        app.panel_seed, app.panel_rule = seed, rule

    return transition(session, app, Action.OPEN_REVIEW, actor=actor, now=now, settings=settings,
                      expected_version=expected_version, apply=apply,
                      note=f"seed={seed}; rule={rule}; " + ", ".join(r.name for r in drawn))


def record_opinion(session: Session, app: Application, *, opinion: str, reasons: str | None,
                   actor: User, now: datetime, settings: Settings,
                   expected_version: int | None) -> Transition:
    """An expert of the panel gives an opinion with reasons (once)."""
    if opinion not in OPINIONS:
        raise BadInput("意见须为同意、修改后同意或不同意 / opinion must be agree, "
                       "agree_with_changes or disagree")
    text = _text(reasons, "理由", required=True)

    def apply() -> None:
        member = next(m for m in app.panel if m.expert.user_id == actor.id)
        member.opinion, member.reasons, member.opinion_at = opinion, text, now
        member.entered_by_id = actor.id

    decided = transition(session, app, Action.RECORD_OPINION, actor=actor, now=now,
                         settings=settings, expected_version=expected_version, apply=apply,
                         note=opinion)
    member = next(m for m in app.panel if m.expert.user_id == actor.id)
    # the opinion as stored, digested: verify tells when the seat's row is edited or deleted
    audit_records.record_event(session, "panel_member", member.id, "record_opinion",
                               actor_id=actor.id, now=now, note=opinion)
    session.flush()
    return decided


def panel_summary(app: Application, settings: Settings) -> dict[str, Any]:
    """The panel, its opinions and (when all are in) the result by the application's rule.

    An opinion entered by a clerk from an offline meeting carries ``meeting_on`` and the
    clerk's name in ``entered_by``.
    """
    rule = app.panel_rule or settings.panel_rule
    opinions = [m.opinion for m in app.panel if m.opinion]
    done = bool(app.panel) and len(opinions) == len(app.panel)
    return {
        "seed": app.panel_seed, "rule": rule,
        "result": panel_result(opinions, rule) if done else None,
        "members": [{"expert": m.expert.name, "affiliation": m.expert.affiliation,
                     "opinion": m.opinion, "reasons": m.reasons,
                     "at": m.opinion_at.isoformat() if m.opinion_at else None,
                     "meeting_on": m.meeting_on.isoformat() if m.meeting_on else None,
                     "entered_by": (m.entered_by.display_name
                                    if m.meeting_on and m.entered_by else None)}
                    for m in app.panel],
    }


def close_review(session: Session, app: Application, *, actor: User, now: datetime,
                 settings: Settings, expected_version: int | None) -> Transition:
    """Close the review once every expert has spoken; the result is kept as the review record."""

    def apply() -> None:
        add_step(session, app, "review", panel_summary(app, settings), actor=actor, now=now)

    return transition(session, app, Action.CLOSE_REVIEW, actor=actor, now=now,
                      settings=settings, expected_version=expected_version, apply=apply)


# --- public comment ----------------------------------------------------------------------------

def open_comment(session: Session, app: Application, *, actor: User, now: datetime,
                 settings: Settings, expected_version: int | None) -> Transition:
    """Put the name under public notice for ``settings.notice_days`` days from ``now``."""
    opens, closes = comment_period(now, settings.notice_days, holidays=settings.holidays)

    def apply() -> None:
        app.comment_opens, app.comment_closes = opens, closes

    return transition(session, app, Action.OPEN_COMMENT, actor=actor, now=now,
                      settings=settings, expected_version=expected_version, apply=apply,
                      comment_closes_at=closes)


def comments_open(app: Application, now: datetime) -> bool:
    """True while the public may comment on ``app``."""
    return comment_window_open(app.state, Context(comment_closes_at=app.comment_closes), now)


def add_comment(session: Session, app: Application, *, body: str, author: str | None,
                phone: str | None, now: datetime) -> PublicComment:
    """A comment from the public while the notice runs (name and phone optional, stored
    encrypted: see :mod:`placenames.ops.privacy.contacts`)."""
    if not comments_open(app, now):
        raise Conflict("公示期已结束，不再接受意见 / the comment period is closed")
    text = _text(body, "意见内容", required=True, limit=2000)
    name = _text(author, "姓名", limit=60)
    tel = _text(phone, "电话", limit=20)
    if tel and mask_phone(tel) == "***":
        raise BadInput("电话号码格式无效 / the phone number is not valid")
    comment = PublicComment(id=uuid.uuid4(), application_id=app.id, body=text, received_at=now)
    contacts.set_contact(session, comment, author=name, phone=tel)
    session.add(comment)
    session.flush()
    audit_records.record_event(session, "public_comment", comment.id, "receive", actor_id=None,
                               now=now)
    session.flush()
    return comment


def dispose_comment(session: Session, app: Application, comment_id: Any, disposition: str, *,
                    actor: User, now: datetime) -> PublicComment:
    """Record how the office handled one comment (clerks and committee members)."""
    if not actor.role_set() & {"clerk", "committee"}:
        raise Forbidden("只有地名办工作人员或委员可以处理公示意见 / only clerks and committee "
                        "members record dispositions")
    if app.state not in {State.IN_COMMENT, State.COMMENT_CLOSED}:
        raise Conflict("此时不能处理公示意见 / dispositions are recorded during or right after "
                       "the notice")
    comment = session.scalar(select(PublicComment).where(
        PublicComment.id == comment_id, PublicComment.application_id == app.id))
    if comment is None:
        raise NotFound("未找到该意见 / no such comment")
    comment.disposition = _text(disposition, "处理情况", required=True, limit=2000)
    comment.disposed_at, comment.disposed_by_id = now, actor.id
    audit_records.record_event(session, "public_comment", comment.id, "dispose",
                               actor_id=actor.id, now=now, note=comment.disposition)
    session.flush()
    return comment


# --- assessment and decision -------------------------------------------------------------------

ASSESSMENT_FIELDS = ("legality", "feasibility", "controllability", "social_impact", "risks",
                     "mitigations", "conclusion")


def record_assessment(session: Session, app: Application, data: dict[str, str | None], *,
                      actor: User, now: datetime, settings: Settings,
                      expected_version: int | None) -> Transition:
    """The comprehensive assessment (综合评估); the names are screened again before decision."""
    check(session, app, Action.RECORD_ASSESSMENT, actor=actor, now=now, settings=settings,
          expected_version=expected_version)
    record = {k: _text(data.get(k), k, required=k in {"legality", "conclusion"})
              for k in ASSESSMENT_FIELDS}
    if app.kind != Kind.CANCEL:
        run_screen(session, app, "assessment", actor=actor, now=now)
    return transition(session, app, Action.RECORD_ASSESSMENT, actor=actor, now=now,
                      settings=settings, expected_version=expected_version,
                      apply=lambda: add_step(session, app, "assessment", record, actor=actor,
                                             now=now))


@dataclass
class DecisionInput:
    """The approving body's decision."""

    approving_body: str | None
    doc_no: str | None
    decided_on: date | None
    name: str | None = None  # the approved name, one of the candidates
    note: str | None = None


def approve(session: Session, app: Application, data: DecisionInput, *, actor: User,
            now: datetime, settings: Settings, expected_version: int | None) -> Transition:
    """Approve: the standard name, body, document and date; both 15-day deadlines start."""
    body = _text(data.approving_body, "批准机关", required=True, limit=120)
    doc_no = _text(data.doc_no, "批准文号", required=True, limit=80)
    decided = _past_date(data.decided_on, now, "批准日期")
    names = [c.name for c in app.candidates]
    name = (data.name or "").strip() or (names[0] if names else None)
    if app.kind != Kind.CANCEL and name not in names:
        raise BadInput("批准的名称须为拟用名称之一 / the approved name must be one of the proposed")
    announce_due, _ = approval_deadlines(decided, settings.announcement_days,
                                         holidays=settings.holidays)
    _, filing_due = approval_deadlines(decided, settings.filing_days, holidays=settings.holidays)

    def apply() -> None:
        if app.kind == Kind.CANCEL:
            target = session.get(Place, app.target_place_id)
            app.approved_name, app.romanization = None, target.romanization if target else None
        else:
            assert name is not None
            app.approved_name = name
            try:
                app.romanization = romanize(name, app.cls)
            except NamingError as exc:
                raise BadInput(f"{exc.message_zh} / {exc.message_en}") from exc
        app.approving_body, app.approval_doc_no, app.approval_date = body, doc_no, decided
        app.announce_due, app.filing_due = announce_due, filing_due
        add_step(session, app, "decision", {
            "decision": "approve", "name": app.approved_name, "approving_body": body,
            "doc_no": doc_no, "date": decided.isoformat(), "note": _text(data.note, "说明")},
            actor=actor, now=now)

    return transition(session, app, Action.APPROVE, actor=actor, now=now, settings=settings,
                      expected_version=expected_version, apply=apply, name=name,
                      note=f"{body} {doc_no}")


def decide_against(session: Session, app: Application, action: Action | str,
                   data: DecisionInput, *, actor: User, now: datetime, settings: Settings,
                   expected_version: int | None) -> Transition:
    """Reject, or return the application for changes; the reasons are required."""
    act = Action(action)
    if act not in {Action.REJECT, Action.RETURN_FOR_CHANGES}:
        raise BadInput("无效的决定 / not a decision")
    note = _text(data.note, "理由", required=True)
    record = {"decision": str(act), "approving_body": _text(data.approving_body, "批准机关",
                                                             limit=120),
              "doc_no": _text(data.doc_no, "文号", limit=80),
              "date": data.decided_on.isoformat() if data.decided_on else None, "note": note}
    return transition(session, app, act, actor=actor, now=now, settings=settings,
                      expected_version=expected_version, note=note,
                      apply=lambda: add_step(session, app, "decision", record, actor=actor,
                                             now=now))


# --- announcement, filing, in force ------------------------------------------------------------

def announce(session: Session, app: Application, *, actor: User, now: datetime,
             settings: Settings, expected_version: int | None,
             announced_on: date | None = None) -> Transition:
    """Publish the announcement (公告) with its six fields."""
    day = _past_date(announced_on or china_date(now), now, "公告日期")

    def apply() -> None:
        app.announced_on = day

    return transition(session, app, Action.ANNOUNCE, actor=actor, now=now, settings=settings,
                      expected_version=expected_version, apply=apply)


@dataclass
class FilingInput:
    """The filing (备案) with the national place-name database."""

    registration_no: str | None
    filed_on: date | None
    note: str | None = None


def file(session: Session, app: Application, data: FilingInput, *, actor: User, now: datetime,
         settings: Settings, expected_version: int | None) -> Transition:
    """Record the filing form (备案登记表) and mark the name filed."""
    check(session, app, Action.FILE, actor=actor, now=now, settings=settings,
          expected_version=expected_version, has_filing_record=True)
    record = {"registration_no": _text(data.registration_no, "备案编号", required=True,
                                       limit=80),
              "filed_on": _past_date(data.filed_on, now, "备案日期").isoformat(),
              "note": _text(data.note, "说明")}
    add_step(session, app, "filing", record, actor=actor, now=now)
    session.flush()

    def apply() -> None:
        app.filed_on = data.filed_on

    return transition(session, app, Action.FILE, actor=actor, now=now, settings=settings,
                      expected_version=expected_version, apply=apply)


def put_in_force(session: Session, app: Application, *, actor: User, now: datetime,
                 settings: Settings, expected_version: int | None) -> Transition:
    """Enter the name in the register (new, rename) or cancel it; the name is in force."""
    return transition(session, app, Action.PUT_IN_FORCE, actor=actor, now=now,
                      settings=settings, expected_version=expected_version,
                      apply=lambda: _enact(session, app, now, actor, settings.sign_days))


def _enact(session: Session, app: Application, now: datetime, actor: User | None = None,
           sign_days: int = 60) -> None:
    today = china_date(now)
    target = session.get(Place, app.target_place_id) if app.target_place_id else None
    when = f"{app.approval_date:%Y年%m月%d日}" if app.approval_date else ""
    if app.kind == Kind.CANCEL:
        if target is None:
            raise Conflict("找不到要销名的地名 / the name to cancel is missing")
        target.status, target.status_changed_on = PlaceStatus.CANCELLED, today
        target.history = _append(target.history, f"{when}经{app.approving_body}批准销名"
                                                 f"（{app.approval_doc_no}）。")
        sign_lifecycle.on_cancel(session, target, now=now, today=today, days=sign_days,
                                 actor=actor)
        return
    survey = latest(session, app, "survey") or {}
    cand = next((c for c in app.candidates if c.name == app.approved_name), None)
    verb = f"由“{target.name}”更名为“{app.approved_name}”" if target else "命名"
    fields = PlaceInput(
        name=app.approved_name or "", cls=app.cls, status=PlaceStatus.IN_FORCE,
        jurisdiction=session.get(Jurisdiction, app.jurisdiction_id) if app.jurisdiction_id
        else None,
        geom_wkt=survey.get("geom_wkt"), location_desc=app.location_desc,
        start_desc=survey.get("start_desc") or app.start_desc,
        end_desc=survey.get("end_desc") or app.end_desc,
        length_m=survey.get("length_m") or app.length_m,
        width_m=survey.get("width_m") or app.width_m,
        meaning=cand.reason if cand else None,
        history=f"{when}经{app.approving_body}批准{verb}（{app.approval_doc_no}）。",
        approving_body=app.approving_body, approval_doc_no=app.approval_doc_no,
        approval_date=app.approval_date)
    reserved = reserved_link.holding(session, app)
    held = session.get(Place, reserved.place_id) if reserved is not None else None
    if reserved is not None and held is not None and held.name == fields.name \
            and held.cls == fields.cls:
        # the plan's reserved place becomes the register entry (the plan shows it as used)
        place = reserved_link.use(session, reserved, app, _register_values(fields),
                                  actor=actor, now=now)
    else:
        if reserved is not None:  # another name was approved: the reserved one is free
            reserved_link.give_back(session, reserved, actor=actor, now=now,
                                    note=f"批准名称为“{fields.name}” / approved {fields.name}")
        place = create_place(session, fields)
    app.place_id = place.id
    if target is not None:
        place.renamed_from_id = target.id
        session.add(Alias(place_id=place.id, name=target.name, kind="former",
                          used_until=today))
        target.status, target.status_changed_on = PlaceStatus.RENAMED, today
        target.renamed_to_id = place.id
        target.history = _append(target.history, f"{when}经{app.approving_body}批准更名为"
                                                 f"“{place.name}”（{app.approval_doc_no}）。")
        sign_lifecycle.on_rename(session, target, place, now=now, today=today, days=sign_days,
                                 actor=actor)


def _register_values(fields: PlaceInput) -> dict[str, Any]:
    """The fields of ``fields`` that a reserved place takes on when it is put in force."""
    from ...spatial import SRID

    return {"jurisdiction": fields.jurisdiction,
            "geom": f"SRID={SRID};{fields.geom_wkt}" if fields.geom_wkt else None,
            "location_desc": fields.location_desc, "start_desc": fields.start_desc,
            "end_desc": fields.end_desc, "length_m": fields.length_m,
            "width_m": fields.width_m, "meaning": fields.meaning, "history": fields.history,
            "approving_body": fields.approving_body, "approval_doc_no": fields.approval_doc_no,
            "approval_date": fields.approval_date}


def _append(text: str | None, line: str) -> str:
    return f"{text}\n{line}" if text else line


def place_of(session: Session, app: Application) -> Place | None:
    """The register entry the application created, if any."""
    return session.get(Place, app.place_id) if app.place_id else None


def jurisdiction_path(session: Session, app: Application) -> str:
    """The jurisdiction's name with its legal parents, top first (陕西省 西安市 …)."""
    j = session.get(Jurisdiction, app.jurisdiction_id) if app.jurisdiction_id else None
    names = []
    while j is not None and len(names) < 8:
        names.append(j.name)
        j = j.parent
    return "".join(reversed(names))


def find_comment(session: Session, comment_id: Any) -> PublicComment | None:
    """A comment by id."""
    return session.get(PublicComment, comment_id)


__all__ = ["ASSESSMENT_FIELDS", "DecisionInput", "FilingInput", "SurveyInput", "add_comment",
           "announce", "approve", "close_review", "comments_open", "decide_against",
           "dispose_comment", "file", "open_comment", "open_review", "panel_summary",
           "put_in_force", "record_assessment", "record_opinion", "record_survey", "run_screen",
           "simple", "submit"]
