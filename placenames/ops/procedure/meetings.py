"""Expert meetings held offline (线下论证会): a clerk enters, from the signed minutes, the
opinions of the panel experts present, as one guarded state change (``record_meeting``; the
review stays open). Each entered opinion is digested into the audit chain as an online one is,
and an audit event names the clerk as actor and the expert on whose behalf it was entered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import BadInput, Conflict
from ...models import AuditEvent, User
from ...models.workflow import Application, PanelMember
from ...workflow import Action, Transition, china_date
from ...workflow.panel import OPINIONS
from ..audit import records as audit_records
from . import uploads
from .applications import Settings, add_step, check, transition
from .steps import MAX_TEXT, _past_date


@dataclass
class MeetingOpinion:
    """One panel expert's opinion as the signed minutes record it (blank: not entered)."""

    expert_id: str
    opinion: str | None
    reasons: str | None


@dataclass
class MeetingInput:
    """An expert meeting held offline: its date, the signed minutes and the opinions given."""

    held_on: date | None
    minutes: tuple[str, bytes] | None
    opinions: list[MeetingOpinion] = field(default_factory=list)


def offline_note(opinion: str, expert: Any, held_on: date) -> str:
    """The audit note of one opinion entered from an offline meeting (JSON naming the expert)."""
    return json.dumps({"opinion": opinion, "expert_id": str(expert.id), "expert": expert.name,
                       "meeting_on": held_on.isoformat()}, ensure_ascii=False, sort_keys=True)


def read_offline_note(note: str | None) -> dict[str, str] | None:
    """The fields of an :func:`offline_note`, or None for any other note."""
    if not note or not note.startswith("{"):
        return None
    try:
        data = json.loads(note)
    except ValueError:
        return None
    keys = {"opinion", "expert_id", "expert", "meeting_on"}
    if not isinstance(data, dict) or not keys <= set(data):
        return None
    return {k: str(data[k]) for k in keys}


def review_opened_on(session: Session, app: Application) -> date | None:
    """The China date on which the current review was opened (its latest ``open_review``)."""
    at = session.scalar(select(AuditEvent.at).where(
        AuditEvent.entity_type == "application", AuditEvent.entity_id == str(app.id),
        AuditEvent.action == str(Action.OPEN_REVIEW)).order_by(AuditEvent.at.desc()).limit(1))
    return china_date(at) if at is not None else None


def record_meeting(session: Session, app: Application, data: MeetingInput, *, actor: User,
                   now: datetime, settings: Settings, expected_version: int | None
                   ) -> Transition:
    """A clerk enters the opinions given at an expert meeting held offline (线下论证会).

    For each panel expert still without an opinion the minutes may give one (verdict and
    reasons; a blank verdict: absent, to give it online or at a later meeting). The meeting
    date (not in the future, not before the review opened) and the signed minutes (a PDF or
    a scan) are required. One state change through the guard (``record_meeting``, the review
    stays open), plus one audit event per opinion naming the clerk as actor and the expert.
    """
    check(session, app, Action.RECORD_MEETING, actor=actor, now=now, settings=settings,
          expected_version=expected_version)
    held_on = _past_date(data.held_on, now, "论证会日期")
    opened = review_opened_on(session, app)
    if opened is not None and held_on < opened:
        raise BadInput(f"论证会日期不能早于启动论证的日期（{opened.isoformat()}）/ the meeting "
                       f"cannot be before the review opened on {opened.isoformat()}")
    members = {str(m.expert_id): m for m in app.panel}
    entries: list[tuple[PanelMember, str, str]] = []
    for item in data.opinions:
        if not (item.opinion or "").strip():
            continue
        member = members.get(str(item.expert_id))
        if member is None:
            raise BadInput("所选专家不是本申请的论证专家 / that expert is not on this panel")
        name = member.expert.name
        if any(m is member for m, _o, _r in entries):
            raise BadInput(f"专家“{name}”的意见填写了两次 / {name}'s opinion is given twice")
        if member.opinion:
            raise Conflict(f"专家“{name}”已提交意见 / {name} has already given an opinion")
        if item.opinion not in OPINIONS:
            raise BadInput("意见须为同意、修改后同意或不同意 / opinion must be agree, "
                           "agree_with_changes or disagree")
        text = (item.reasons or "").strip()
        if not text:
            raise BadInput(f"请填写专家“{name}”的意见（以纪要为准）/ enter {name}'s opinion "
                           "as the minutes record it")
        if len(text) > MAX_TEXT:
            raise BadInput(f"专家“{name}”的意见过长（最多 {MAX_TEXT} 字）/ {name}'s opinion: at "
                           f"most {MAX_TEXT} characters")
        entries.append((member, str(item.opinion), text))
    if not entries:
        raise BadInput("请至少录入一位专家的意见 / enter the opinion of at least one expert")
    if data.minutes is None or not data.minutes[1]:
        raise BadInput("请上传签字的会议纪要（PDF 或扫描图片）/ upload the signed minutes "
                       "(a PDF or a scan)")
    minutes = uploads.clean_document(*data.minutes)
    shelf = settings.upload_shelf()
    if shelf is None:
        raise BadInput("未配置文件存放目录 / no folder is configured for uploads")

    def apply() -> None:
        stored = uploads.store_document(minutes, shelf.sub(str(app.id)))
        for member, opinion, text in entries:
            member.opinion, member.reasons, member.opinion_at = opinion, text, now
            member.entered_by_id, member.meeting_on = actor.id, held_on
        add_step(session, app, "meeting", {
            "held_on": held_on.isoformat(), "minutes": stored,
            "experts": [{"id": str(m.expert_id), "name": m.expert.name}
                        for m, _o, _t in entries]}, actor=actor, now=now)

    decided = transition(session, app, Action.RECORD_MEETING, actor=actor, now=now,
                         settings=settings, expected_version=expected_version, apply=apply,
                         note=f"meeting={held_on.isoformat()}; opinions={len(entries)}")
    for member, opinion, _reasons in entries:
        session.add(AuditEvent(at=now, actor_id=actor.id, entity_type="application",
                               entity_id=str(app.id), action=str(Action.RECORD_OPINION),
                               from_state=str(decided.to_state), to_state=str(decided.to_state),
                               note=offline_note(opinion, member.expert, held_on)))
        # the seat as stored, digested, as for an opinion given online
        audit_records.record_event(session, "panel_member", member.id, "record_opinion",
                                   actor_id=actor.id, now=now, note=opinion)
    session.flush()
    return decided
