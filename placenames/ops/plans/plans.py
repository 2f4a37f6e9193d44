"""Naming plans (地名规划): create, edit, approve, retire, find.

Every change goes through the one guard of plans (:func:`placenames.workflow.plans.decide`)
with the actor's roles, and writes one :class:`AuditEvent` (``entity_type`` ``naming_plan``)
in the same transaction. Operations flush; the web, API or CLI boundary commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ...errors import BadInput, Conflict, NotFound
from ...models import AuditEvent, Jurisdiction, User
from ...models.plans import NamingPlan, ReservedName
from ...workflow import china_date
from ...workflow.errors import WorkflowError
from ...workflow.plans import PlanAction, PlanState, decide, validate_plan
from .errors import plan_error

STALE_MSG = ("此规划已被他人修改，请刷新后重试 / this plan was changed by someone else; "
             "reload and retry")


@dataclass
class PlanInput:
    """What a person fills in for a plan (text as typed; checked by the operations)."""

    code: str
    title: str
    area_code: str
    period_start: int | str
    period_end: int | str
    themes: str | list[str]
    description: str | None = None


def _area(session: Session, code: str | None) -> Jurisdiction:
    text = (code or "").strip()
    if not text:
        raise BadInput("请选择规划范围（行政区域或管理区）/ choose the plan's area")
    area = session.scalar(select(Jurisdiction).where(Jurisdiction.code == text))
    if area is None:
        raise BadInput(f"未找到区域代码 {text} / unknown area code {text!r}")
    return area


def _values(session: Session, data: PlanInput) -> dict[str, object]:
    try:
        checked = validate_plan(code=data.code, title=data.title,
                                period_start=data.period_start, period_end=data.period_end,
                                themes=data.themes, description=data.description)
    except WorkflowError as exc:
        raise plan_error(exc) from None
    return {"code": checked.code, "title": checked.title,
            "area_id": _area(session, data.area_code).id,
            "period_start": checked.period_start, "period_end": checked.period_end,
            "themes": "\n".join(checked.themes), "description": checked.description}


def _guard(plan_state: str, action: PlanAction, actor: User) -> PlanState:
    try:
        return PlanState(decide(plan_state, action, roles=actor.role_set(), kind="plan"))
    except WorkflowError as exc:
        raise plan_error(exc) from None


def _audit(session: Session, plan: NamingPlan, action: str, from_state: str | None,
           to_state: str | None, *, actor: User, now: datetime, note: str | None = None) -> None:
    session.add(AuditEvent(at=now, actor_id=actor.id, entity_type="naming_plan",
                           entity_id=str(plan.id), action=action, from_state=from_state,
                           to_state=to_state, note=note))


def _flush(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError:  # another writer took the code meanwhile
        raise Conflict("规划编号已被使用 / that plan code is already in use") from None
    except StaleDataError:
        raise Conflict(STALE_MSG) from None


def _code_free(session: Session, code: object, plan_id: uuid.UUID | None = None) -> None:
    other = session.scalar(select(NamingPlan.id).where(NamingPlan.code == code))
    if other is not None and other != plan_id:
        raise Conflict(f"规划编号 {code} 已被使用 / the plan code {code} is already in use")


def create_plan(session: Session, data: PlanInput, *, actor: User,
                now: datetime | None = None) -> NamingPlan:
    """A new draft plan (office staff)."""
    now = now or _now()
    _guard(PlanState.DRAFT, PlanAction.EDIT, actor)
    values = _values(session, data)
    _code_free(session, values["code"])
    plan = NamingPlan(status=PlanState.DRAFT, created_at=now, updated_at=now, **values)
    session.add(plan)
    _flush(session)
    _audit(session, plan, "create", None, PlanState.DRAFT, actor=actor, now=now,
           note=f"{plan.code} {plan.title}")
    session.flush()
    return plan


def update_plan(session: Session, plan: NamingPlan, data: PlanInput, *, actor: User,
                now: datetime | None = None, expected_version: int | None = None) -> NamingPlan:
    """Edit a draft plan (an approved plan is changed by a new plan, not edited). A theme
    still used by a reserved name cannot be dropped."""
    now = now or _now()
    if expected_version is not None and expected_version != plan.version:
        raise Conflict(STALE_MSG)
    _guard(plan.status, PlanAction.EDIT, actor)
    values = _values(session, data)
    _code_free(session, values["code"], plan.id)
    used = set(session.scalars(select(ReservedName.theme).where(ReservedName.plan_id == plan.id)))
    dropped = sorted(t for t in used - set(str(values["themes"]).split("\n")) if t)
    if dropped:
        raise BadInput(f"主题“{'、'.join(dropped)}”下已有备用地名，不能删除 / the theme(s) "
                       f"{', '.join(dropped)} still hold reserved names")
    for key, value in values.items():
        setattr(plan, key, value)
    plan.updated_at = now
    _flush(session)
    _audit(session, plan, "edit", plan.status, plan.status, actor=actor, now=now)
    session.flush()
    return plan


def approve_plan(session: Session, plan: NamingPlan, *, actor: User, approving_body: str | None,
                 approval_doc_no: str | None, approval_date: date | None,
                 now: datetime | None = None) -> NamingPlan:
    """Record the plan's approval (committee or approving body): body, document, date (not in
    the future). Its names are then public as "planned"."""
    now = now or _now()
    target = _guard(plan.status, PlanAction.APPROVE, actor)
    body = (approving_body or "").strip()
    doc_no = (approval_doc_no or "").strip()
    if not body or len(body) > 120:
        raise BadInput("请填写批准机关（最多 120 字）/ give the approving body (≤120 characters)")
    if not doc_no or len(doc_no) > 80:
        raise BadInput("请填写批准文号（最多 80 字）/ give the approval document number "
                       "(≤80 characters)")
    if approval_date is None:
        raise BadInput("请填写批准日期 / give the approval date")
    if approval_date > china_date(now):
        raise BadInput("批准日期不能晚于今天 / the approval date cannot be in the future")
    before = plan.status
    plan.approving_body, plan.approval_doc_no, plan.approval_date = body, doc_no, approval_date
    plan.status, plan.updated_at = target, now
    _flush(session)
    _audit(session, plan, "approve", before, target, actor=actor, now=now,
           note=f"{body} {doc_no} {approval_date.isoformat()}")
    session.flush()
    return plan


def retire_plan(session: Session, plan: NamingPlan, *, actor: User, reason: str | None = None,
                now: datetime | None = None) -> NamingPlan:
    """Retire an approved plan (its period is over or a new plan replaces it). Its names still
    reserved stay reserved, and screened, until each is released."""
    now = now or _now()
    target = _guard(plan.status, PlanAction.RETIRE, actor)
    text = (reason or "").strip() or None
    if text and len(text) > 2000:
        raise BadInput("说明最多 2000 字 / the reason is at most 2000 characters")
    before = plan.status
    plan.status, plan.updated_at = target, now
    _flush(session)
    _audit(session, plan, "retire", before, target, actor=actor, now=now, note=text)
    session.flush()
    return plan


def get_plan(session: Session, code_or_id: str | uuid.UUID) -> NamingPlan:
    """The plan with this code or id, else :class:`NotFound`."""
    text = str(code_or_id).strip()
    plan = session.scalar(select(NamingPlan).where(NamingPlan.code == text))
    if plan is None:
        try:
            plan = session.get(NamingPlan, uuid.UUID(text))
        except ValueError:
            plan = None
    if plan is None:
        raise NotFound(f"未找到地名规划 {text} / no naming plan {text!r}")
    return plan


def list_plans(session: Session, *, status: str | None = None) -> list[NamingPlan]:
    """Plans, newest period first, optionally of one status."""
    stmt = select(NamingPlan)
    if status:
        if status not in {s.value for s in PlanState}:
            raise BadInput(f"未知的规划状态 / unknown plan status {status!r}")
        stmt = stmt.where(NamingPlan.status == status)
    return list(session.scalars(stmt.order_by(NamingPlan.period_start.desc(), NamingPlan.code)))


def guard_plan(plan: NamingPlan, action: PlanAction, actor: User) -> None:
    """Ask the plan guard whether ``actor`` may take ``action`` on ``plan`` (raises)."""
    _guard(plan.status, action, actor)


def _now() -> datetime:
    from ...models.base import utcnow

    return utcnow()
