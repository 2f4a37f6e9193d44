"""Naming applications: who may see them, the one guard of every state change, drafts.

Every state change of an application goes through :func:`transition`: it checks that the
caller's form was rendered from the current version (else :class:`Conflict`, 409), asks the
pure guard (:func:`placenames.workflow.guard.decide`) with the actor's roles, ownership, the
facts of :func:`context` and the clock, applies the change, bumps the version (a conditional
``UPDATE … WHERE version = old``, so a concurrent writer loses with 409 too), and writes one
:class:`AuditEvent` (actor, time, from, to, note) and one history snapshot of the application
in the same transaction. Operations take the acting :class:`User` and ``now``; they flush,
the web, API or CLI boundary commits.

The steps themselves (survey, panel, comments, decision, filing, in force) are in
:mod:`placenames.ops.procedure.steps`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from ...errors import BadInput, Conflict, NotFound, PlacenamesError
from ...models import AuditEvent, HistoryRow, Jurisdiction, Place, PlaceStatus, User
from ...models.audit import snapshot
from ...models.people import Expert
from ...models.workflow import Application, CandidateName, PanelMember, PublicComment, StepRecord
from ...naming.errors import NamingError
from ...naming.generics import CLASSES
from ...naming.normalize import clean_name
from ...spatial import SRID
from ...storage import Shelf, Storage
from ...workflow import (
    EDITABLE_STATES,
    Action,
    Context,
    Kind,
    NotPermitted,
    State,
    Transition,
    WorkflowError,
    available_actions,
    decide,
)
from ..registry import geometry
from . import reserved_link

VIEW_ALL_ROLES = frozenset({"clerk", "surveyor", "committee", "approver", "auditor"})
"""Roles that see every application; applicants see their own, experts those on their panel."""

STALE_MSG = "此申请已被他人修改，请刷新后重试。/ This application was changed by someone else; " \
            "reload and retry."
MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Settings:
    """The office's procedure settings (from the app config at the boundary)."""

    notice_days: int = 10
    filing_days: int = 15
    announcement_days: int = 15
    panel_min_size: int = 3
    panel_rule: str = "majority"
    upload_dir: Path | None = None  # a folder of this machine (the CLI, tests)
    files: Storage | None = None  # the app's store: uploads under its "procedure" prefix
    holidays: frozenset[date] = frozenset()
    sign_days: int = 60  # days to set up (replace, remove) a road's signs

    def upload_shelf(self) -> Shelf | None:
        """Where the procedure's uploads are kept (:meth:`shelf` ``procedure``)."""
        return self.shelf("procedure")

    def shelf(self, kind: str) -> Shelf | None:
        """Where uploads of ``kind`` (``procedure``, ``stories``…) are kept: under that prefix
        of the store, else in the folder ``upload_dir`` (the procedure's) or the one of that
        name beside it; None when neither is set."""
        if self.files is not None:
            return Shelf(self.files, kind)
        if self.upload_dir is None:
            return None
        return Shelf.local(self.upload_dir if kind == "procedure"
                           else self.upload_dir.parent / kind)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], instance_path: str | Path,
                    files: Storage | None = None) -> Settings:
        """The settings of an app: its config, and uploads in its store (``files``), else
        under ``instance/procedure``."""
        return cls(
            notice_days=int(config.get("NOTICE_DAYS", 10)),
            filing_days=int(config.get("FILING_DAYS", 15)),
            announcement_days=int(config.get("ANNOUNCEMENT_DAYS", 15)),
            panel_min_size=int(config.get("PANEL_MIN_SIZE", 3)),
            panel_rule=str(config.get("PANEL_RULE", "majority")),
            sign_days=int(config.get("SIGN_DAYS", 60)),
            upload_dir=Path(instance_path) / "procedure", files=files)


class ProcedureError(PlacenamesError):
    """A refusal of the workflow guard, carrying its code, both messages and HTTP status."""

    def __init__(self, err: WorkflowError) -> None:
        super().__init__(f"{err.message_zh} / {err.message_en}", detail=str(err))
        self.http_status = err.http_status
        self.exit_code = 77 if err.http_status == 403 else 75
        self.code = err.code
        self.message_zh = err.message_zh
        self.message_en = err.message_en


@dataclass
class CandidateInput:
    """One proposed name and why."""

    name: str
    reason: str | None = None


@dataclass
class ApplicationInput:
    """What an applicant fills in; validated by :func:`validate_input`."""

    kind: str
    cls: str
    candidates: list[CandidateInput] = field(default_factory=list)
    reason: str | None = None
    location_desc: str | None = None
    jurisdiction_code: str | None = None
    applicant_org: str | None = None
    old_name: str | None = None
    extent_desc: str | None = None
    start_desc: str | None = None
    end_desc: str | None = None
    length_m: float | None = None
    width_m: float | None = None
    geojson: str | None = None  # the applicant's sketch of the location


# --- visibility ------------------------------------------------------------------------------

def sees_all(actor: User) -> bool:
    """True if the actor's roles let them see every application."""
    return bool(actor.role_set() & VIEW_ALL_ROLES)


def visible_filter(actor: User) -> Any:
    """A WHERE clause selecting the applications ``actor`` may see."""
    if sees_all(actor):
        return Application.id.is_not(None)
    clauses = [Application.applicant_id == actor.id]
    if "expert" in actor.role_set():
        clauses.append(exists().where(
            PanelMember.application_id == Application.id, PanelMember.expert_id == Expert.id,
            Expert.user_id == actor.id))
    return or_(*clauses)


def get_for(session: Session, app_id: uuid.UUID | str, actor: User, *,
            for_update: bool = False) -> Application:
    """The application if ``actor`` may see it, else :class:`NotFound` (never 403).

    ``for_update`` locks the row (PostgreSQL; SQLite writers already hold the database lock)
    and reloads it, so two writers are serialized and the second sees the first's change.
    """
    try:
        key = app_id if isinstance(app_id, uuid.UUID) else uuid.UUID(str(app_id))
    except ValueError:
        raise NotFound("未找到该申请 / no such application") from None
    stmt = select(Application).where(Application.id == key, visible_filter(actor))
    if for_update:
        stmt = stmt.with_for_update(of=Application).execution_options(populate_existing=True)
    found = session.scalar(stmt)
    if found is None:
        raise NotFound("未找到该申请 / no such application")
    return found


def list_for(session: Session, actor: User, *, state: str | None = None, cls: str | None = None,
             kind: str | None = None, q: str | None = None, mine: bool = False,
             limit: int = 200) -> list[Application]:
    """Applications visible to ``actor``, newest first, with optional filters."""
    stmt: Select[tuple[Application]] = select(Application).where(visible_filter(actor))
    if mine:
        stmt = stmt.where(Application.applicant_id == actor.id)
    if state:
        stmt = stmt.where(Application.state == state)
    if cls:
        stmt = stmt.where(Application.cls == cls)
    if kind:
        stmt = stmt.where(Application.kind == kind)
    if q:
        stmt = stmt.where(or_(Application.old_name.contains(q), Application.approved_name
                              .contains(q), exists().where(
                                  CandidateName.application_id == Application.id,
                                  CandidateName.name.contains(q))))
    return list(session.scalars(stmt.order_by(Application.created_at.desc()).limit(limit)))


def is_owner(app: Application, actor: User) -> bool:
    """The actor is the application's owner (its applicant of record)."""
    return app.applicant_id is not None and app.applicant_id == actor.id


# --- facts for the guard -----------------------------------------------------------------------

def step_data(session: Session, app: Application, step: str) -> list[dict[str, Any]]:
    """The JSON payloads of ``step`` records of ``app``, oldest first."""
    rows = session.scalars(select(StepRecord).where(
        StepRecord.application_id == app.id, StepRecord.step == step)).all()
    out = [(r.recorded_at, json.loads(r.data)) for r in rows]
    out.sort(key=lambda pair: (pair[0], pair[1].get("round", 0)))
    return [d for _at, d in out]


def latest(session: Session, app: Application, step: str) -> dict[str, Any] | None:
    """The newest ``step`` record's payload, or None."""
    found = step_data(session, app, step)
    return found[-1] if found else None


def add_step(session: Session, app: Application, step: str, data: dict[str, Any], *,
             actor: User | None, now: datetime) -> StepRecord:
    """Store what a step recorded (with a running ``round`` number per step)."""
    count = session.scalar(select(func.count()).select_from(StepRecord).where(
        StepRecord.application_id == app.id, StepRecord.step == step)) or 0
    record = StepRecord(application_id=app.id, step=step, actor_id=actor.id if actor else None,
                        recorded_at=now, data=json.dumps({**data, "round": count + 1},
                                                         ensure_ascii=False, default=str))
    session.add(record)
    return record


def preferred_name(app: Application) -> str | None:
    """The approved name, else the first candidate."""
    if app.approved_name:
        return app.approved_name
    return app.candidates[0].name if app.candidates else None


def screen_blocked(session: Session, app: Application, name: str | None) -> bool | None:
    """Whether the latest screen blocks ``name``; None if it was never screened."""
    last = latest(session, app, "screen")
    if last is None or name is None:
        return None
    for result in last.get("results", []):
        if result.get("name") == name:
            return bool(result.get("verdict") == "block")
    return None


def context(session: Session, app: Application, actor: User, settings: Settings, *,
            name: str | None = None, **overrides: Any) -> Context:
    """The facts the guard needs about ``app``, as the database holds them now.

    ``name`` is the name a decision is about (default: :func:`preferred_name`); ``overrides``
    replace single facts an operation is about to make true (``comment_closes_at``…).
    """
    members = list(app.panel)
    mine = [m for m in members if m.expert is not None and m.expert.user_id == actor.id]
    undisposed = session.scalar(select(func.count()).select_from(PublicComment).where(
        PublicComment.application_id == app.id, PublicComment.disposition.is_(None))) or 0
    has_filing = session.scalar(select(func.count()).select_from(StepRecord).where(
        StepRecord.application_id == app.id, StepRecord.step == "filing")) or 0
    ctx = Context(
        kind=Kind(app.kind), has_reason=bool((app.reason or "").strip()),
        candidate_count=len(app.candidates), has_target=app.target_place_id is not None,
        panel_size=len(members), min_panel_size=settings.panel_min_size,
        opinions_count=sum(1 for m in members if m.opinion),
        actor_on_panel=bool(mine), actor_has_opinion=any(m.opinion for m in mine),
        comment_closes_at=app.comment_closes,
        undisposed_comments=undisposed,
        screen_blocked=screen_blocked(session, app, name or preferred_name(app)),
        has_announcement_fields=announcement_complete(app),
        has_filing_record=has_filing > 0,
    )
    return replace(ctx, **overrides) if overrides else ctx


def announcement_complete(app: Application) -> bool:
    """The six fields of an announcement are all known (cancellations announce the old name)."""
    name = app.approved_name or (app.old_name if app.kind == Kind.CANCEL else None)
    return all([name, app.kind == Kind.CANCEL or app.romanization, app.jurisdiction_id,
                (app.location_desc or "").strip(), app.approving_body, app.approval_date])


def actions_for(session: Session, app: Application, actor: User, settings: Settings,
                now: datetime) -> list[Action]:
    """The actions the guard would allow ``actor`` right now (for the UI).

    ``open_review``, ``open_comment`` and ``file`` are offered when the rest of their
    conditions hold, since their operation draws the panel / sets the period / records the
    filing form itself.
    """
    ctx = context(session, app, actor, settings)
    roles, owner = actor.role_set(), is_owner(app, actor)
    out = available_actions(app.state, roles, owner, ctx, now)
    extra = replace(ctx, panel_size=max(ctx.panel_size, ctx.min_panel_size),
                    comment_closes_at=_far_future(now), has_filing_record=True)
    for act in available_actions(app.state, roles, owner, extra, now):
        if act in SELF_FULFILLING and act not in out:
            out.append(act)
    return out


SELF_FULFILLING = frozenset({Action.OPEN_REVIEW, Action.OPEN_COMMENT, Action.FILE})


def _far_future(now: datetime) -> datetime:
    return now.replace(year=now.year + 1)


# --- the one guard -----------------------------------------------------------------------------

def check_version(app: Application, expected_version: int | None) -> None:
    """Refuse a change made from a form rendered from another version (409)."""
    if expected_version is not None and expected_version != app.version:
        raise Conflict(STALE_MSG, detail=f"form version {expected_version}, "
                                         f"stored {app.version}")


def check(session: Session, app: Application, action: Action | str, *, actor: User,
          now: datetime, settings: Settings, expected_version: int | None,
          **facts: Any) -> Transition:
    """Ask the guard whether ``actor`` may take ``action`` now; changes nothing."""
    check_version(app, expected_version)
    ctx = context(session, app, actor, settings, **facts)
    try:
        return decide(app.state, action, roles=actor.role_set(), is_owner=is_owner(app, actor),
                      ctx=ctx, now=now)
    except WorkflowError as exc:
        raise ProcedureError(exc) from None


def transition(session: Session, app: Application, action: Action | str, *, actor: User,
               now: datetime, settings: Settings, expected_version: int | None,
               note: str | None = None, apply: Callable[[], None] | None = None,
               **facts: Any) -> Transition:
    """Apply one state change through the guard; see the module docstring.

    ``facts`` override what :func:`context` reads from the database (``name`` the decision is
    about, ``comment_closes_at`` about to be set); ``apply`` makes the step's own changes
    after the guard said yes. Raises :class:`ProcedureError` (403/409), :class:`Conflict`
    (stale version, 409).
    """
    decided = check(session, app, action, actor=actor, now=now, settings=settings,
                    expected_version=expected_version, **facts)
    if apply is not None:
        with session.no_autoflush:  # the step's changes and the state change: one UPDATE
            apply()
    app.state = decided.to_state
    app.updated_at = now
    flag_modified(app, "state")  # always an UPDATE, so the version moves even on a self-loop
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(STALE_MSG, detail="version changed during the transaction") from None
    session.add(AuditEvent(at=now, actor_id=actor.id, entity_type="application",
                           entity_id=str(app.id), action=str(decided.action),
                           from_state=str(decided.from_state), to_state=str(decided.to_state),
                           note=(note or None)))
    _history(session, app, now)
    reserved_link.after_transition(session, app, decided, actor=actor, now=now)
    session.flush()
    return decided


def _history(session: Session, app: Application, now: datetime, action: str = "update") -> None:
    session.add(HistoryRow(entity_type="application", entity_id=app.id, version=app.version,
                           changed_at=now, action=action, snapshot=snapshot(app)))


def timeline(session: Session, app: Application) -> list[tuple[AuditEvent, User | None]]:
    """The audit events of ``app`` with their actors, oldest first."""
    rows = session.execute(
        select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.entity_type == "application", AuditEvent.entity_id == str(app.id))
        .order_by(AuditEvent.at, AuditEvent.id)).all()
    events = [(e, u) for e, u in rows]
    order = {s: i for i, s in enumerate(State)}
    # at one instant: by state, then a meeting before the opinions it entered (by expert)
    events.sort(key=lambda pair: (pair[0].at, order.get(pair[0].from_state or "", -1),
                                  order.get(pair[0].to_state or "", -1),
                                  pair[0].action != Action.RECORD_MEETING, pair[0].note or ""))
    return events


# --- drafts ------------------------------------------------------------------------------------

def _text(value: str | None, limit: int, what: str) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise BadInput(f"{what}过长（最多 {limit} 字）/ {what}: at most {limit} characters")
    return text or None


def _positive(value: float | None, what: str) -> float | None:
    if value is None:
        return None
    if not 0 < value < 1_000_000:
        raise BadInput(f"{what}须为正数 / {what} must be a positive number")
    return float(value)


def _candidates(raw: Sequence[CandidateInput], kind: str) -> list[CandidateInput]:
    out: list[CandidateInput] = []
    for c in raw:
        if not (c.name or "").strip():
            continue
        try:
            name = clean_name(c.name)
        except NamingError as exc:
            raise BadInput(f"{exc.message_zh} / {exc.message_en}") from exc
        if len(name) > 60:
            raise BadInput("拟用名称过长 / proposed name too long")
        if any(o.name == name for o in out):
            raise BadInput(f"拟用名称重复：{name} / the name {name} is proposed twice")
        out.append(CandidateInput(name, _text(c.reason, 2000, "命名理由")))
    if kind != Kind.CANCEL and not out:
        raise BadInput("请至少提出一个拟用名称 / propose at least one name")
    if len(out) > MAX_CANDIDATES:
        raise BadInput(f"拟用名称最多 {MAX_CANDIDATES} 个 / at most {MAX_CANDIDATES} names")
    return out


def _target(session: Session, data: ApplicationInput, area: Jurisdiction | None) -> Place | None:
    if data.kind == Kind.NEW:
        return None
    old = (data.old_name or "").strip()
    if not old:
        raise BadInput("更名或销名须填写现用名称 / a rename or cancellation needs the current name")
    stmt = select(Place).where(Place.name == old, Place.cls == data.cls,
                               Place.status == PlaceStatus.IN_FORCE)
    found = list(session.scalars(stmt))
    if area is not None and len(found) > 1:
        found = [p for p in found if p.division_code == area.code] or found
    if not found:
        raise BadInput(f"登记簿中没有现行有效的“{old}” / no name {old!r} in force in the register")
    if len(found) > 1:
        raise BadInput(f"有 {len(found)} 处“{old}”，请选择所属区域 / {len(found)} places are "
                       f"named {old!r}; choose the jurisdiction")
    return found[0]


def validate_input(session: Session, data: ApplicationInput) -> dict[str, Any]:
    """The checked column values of an application (raises :class:`BadInput`)."""
    if data.kind not in {k.value for k in Kind}:
        raise BadInput("申请类型无效 / kind must be new, rename or cancel")
    if data.cls not in CLASSES:
        raise BadInput(f"未知的地名类别 / unknown class: {data.cls!r}")
    area = None
    if data.jurisdiction_code:
        area = session.scalar(select(Jurisdiction).where(
            Jurisdiction.code == data.jurisdiction_code))
        if area is None:
            raise BadInput("所属区域无效 / unknown jurisdiction")
    target = _target(session, data, area)
    if area is None and target is not None:
        area = target.jurisdiction
    if area is None:
        raise BadInput("请选择所属区域 / choose the jurisdiction")
    return {
        "kind": data.kind, "cls": data.cls, "jurisdiction_id": area.id,
        "target_place_id": target.id if target else None,
        "old_name": target.name if target else None,
        "reason": _text(data.reason, 4000, "申请理由"),
        "location_desc": _text(data.location_desc, 2000, "位置描述"),
        "applicant_org": _text(data.applicant_org, 120, "申请单位"),
        "extent_desc": _text(data.extent_desc, 2000, "范围"),
        "start_desc": _text(data.start_desc, 200, "起点"),
        "end_desc": _text(data.end_desc, 200, "止点"),
        "length_m": _positive(data.length_m, "长度"),
        "width_m": _positive(data.width_m, "宽度"),
        "geom": _sketch(data.geojson),
        "candidates": _candidates(data.candidates, data.kind),
    }


def _sketch(text: str | None) -> str | None:
    """The applicant's sketch as EWKT (checked like a surveyed geometry), or None."""
    if not (text or "").strip():
        return None
    return f"SRID={SRID};{geometry.geometry_wkt(text or '')}"


def _set_candidates(session: Session, app: Application, cands: list[CandidateInput]) -> None:
    for old in list(app.candidates):
        session.delete(old)
    session.flush()
    app.candidates = [CandidateName(rank=i, name=c.name, reason=c.reason)
                      for i, c in enumerate(cands, start=1)]


def create_application(session: Session, data: ApplicationInput, *, actor: User,
                       now: datetime) -> Application:
    """A new draft owned by ``actor`` (an applicant, or a clerk entering a paper form)."""
    if not actor.role_set() & {"applicant", "clerk"}:
        raise ProcedureError(NotPermitted(
            "role_not_allowed", "只有申请人或地名办工作人员可以提出申请。",
            "Only applicants and clerks may file an application."))
    values = validate_input(session, data)
    cands = values.pop("candidates")
    app = Application(state=State.DRAFT, applicant_id=actor.id, created_at=now, updated_at=now,
                      **values)
    if not app.applicant_org:
        app.applicant_org = actor.organization
    app.candidates = [CandidateName(rank=i, name=c.name, reason=c.reason)
                      for i, c in enumerate(cands, start=1)]
    session.add(app)
    session.flush()
    session.add(AuditEvent(at=now, actor_id=actor.id, entity_type="application",
                           entity_id=str(app.id), action="create", from_state=None,
                           to_state=State.DRAFT))
    _history(session, app, now, "create")
    session.flush()
    return app


def update_application(session: Session, app: Application, data: ApplicationInput, *,
                       actor: User, now: datetime, expected_version: int | None) -> Application:
    """Edit a draft or returned application (its owner only)."""
    check_version(app, expected_version)
    if not is_owner(app, actor):
        raise ProcedureError(NotPermitted("not_owner", "只有申请人本人可以修改申请。",
                                           "Only the applicant of record may edit it."))
    if State(app.state) not in EDITABLE_STATES:
        raise Conflict("申请已提交，不能修改 / the application can only be edited as a draft "
                       "or when returned")
    values = validate_input(session, data)
    _set_candidates(session, app, values.pop("candidates"))
    for key, value in values.items():
        setattr(app, key, value)
    app.updated_at = now
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(STALE_MSG) from None
    session.add(AuditEvent(at=now, actor_id=actor.id, entity_type="application",
                           entity_id=str(app.id), action="edit", from_state=app.state,
                           to_state=app.state))
    _history(session, app, now)
    session.flush()
    return app
