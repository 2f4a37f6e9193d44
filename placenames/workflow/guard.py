"""The one guard every state change of an application goes through.

:func:`decide` takes the current state, the action, the actor (roles and whether the actor owns
the application), the facts it needs (:class:`Context`) and the clock ``now``; it returns the
:class:`Transition` to apply or raises a typed error. It changes nothing: the database layer
applies the transition, bumps the version and writes the audit row in one transaction.

Checks run in this order, so that an actor who may not act learns nothing about the state:

1. roles (:class:`NotPermitted`, 403) — the actor holds none of ``ALLOWED_ROLES[action]``;
2. ownership (:class:`NotPermitted`, 403) — ``OWNER_ACTIONS`` need ``is_owner``;
3. the table (:class:`IllegalTransition`, 409) — no edge for (state, action); the message
   lists the actions possible from the current state;
4. preconditions (:class:`PreconditionFailed`, 409; a seat on the panel is 403) — facts
   such as the end of the comment period by the clock ``now``.

All datetimes must be timezone-aware; a naive one is a programming error (``ValueError``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from .deadlines import CHINA_TZ
from .errors import IllegalTransition, NotPermitted, PreconditionFailed, WorkflowError
from .states import (
    ACTION_LABELS_ZH,
    ALLOWED_ROLES,
    OWNER_ACTIONS,
    STATE_LABELS_ZH,
    TRANSITIONS,
    Action,
    Kind,
    State,
    actions_from,
    label_en,
)

#: Smallest expert panel the office may open a review with (configurable per call via Context).
MIN_PANEL_SIZE = 3

ROLE_LABELS_ZH: Mapping[str, str] = MappingProxyType({
    "applicant": "申请人", "clerk": "地名办工作人员", "surveyor": "踏勘人员", "expert": "专家",
    "committee": "地名委员会委员", "approver": "审批机关", "sysadmin": "系统管理员",
    "secadmin": "安全管理员", "auditor": "审计管理员",
})


@dataclass(frozen=True)
class Context:
    """The facts about an application that the guard needs; the database layer fills them.

    Defaults describe an application about which nothing is known yet, so a forgotten fact
    makes a precondition fail rather than pass.

    Attributes:
        kind: new name, rename or cancel.
        has_reason: the application states its reasons (for a rename: why).
        candidate_count: proposed names (needed for new and rename).
        has_target: the existing place is named (needed for rename and cancel).
        panel_size: experts drawn onto the panel.
        min_panel_size: smallest panel a review may open with.
        opinions_count: panel experts who have given their opinion.
        actor_on_panel: the acting expert sits on this application's panel.
        actor_has_opinion: the acting expert has already given an opinion.
        comment_closes_at: end of the public comment period (exclusive, aware).
        undisposed_comments: public comments without a recorded disposition.
        screen_blocked: the latest name screen has blocking findings; ``None`` if never run.
        has_announcement_fields: the six announcement fields are all filled.
        has_filing_record: the filing (备案) record is there.
    """

    kind: Kind = Kind.NEW
    has_reason: bool = False
    candidate_count: int = 0
    has_target: bool = False
    panel_size: int = 0
    min_panel_size: int = MIN_PANEL_SIZE
    opinions_count: int = 0
    actor_on_panel: bool = False
    actor_has_opinion: bool = False
    comment_closes_at: datetime | None = None
    undisposed_comments: int = 0
    screen_blocked: bool | None = None
    has_announcement_fields: bool = False
    has_filing_record: bool = False


@dataclass(frozen=True)
class Transition:
    """One state change to apply (and to log as old → new)."""

    from_state: State
    to_state: State
    action: Action


def decide(
    state: State | str,
    action: Action | str,
    *,
    roles: Iterable[str],
    is_owner: bool,
    ctx: Context,
    now: datetime,
) -> Transition:
    """Check one state change and return it, or raise why it may not happen.

    Args:
        state: the application's current state (a ``State`` or its stored string).
        action: the action asked for (an ``Action`` or its string, e.g. from a form).
        roles: the actor's role values (``Role`` members or strings).
        is_owner: the actor is the application's owner (its applicant of record).
        ctx: the facts the preconditions look at.
        now: the clock, timezone-aware.

    Returns:
        ``Transition(from_state=state, to_state=TRANSITIONS[state, action], action)``.

    Raises:
        NotPermitted: wrong role, not the owner, or (record_opinion) not on the panel.
        IllegalTransition: unknown action, or the table has no such edge.
        PreconditionFailed: the edge exists but a required fact is missing.
        ValueError: ``state`` is not a known state, or a datetime is naive.
    """
    _require_aware(now, "now")
    current = State(state)
    act = _as_action(action)
    held = {str(r) for r in roles}
    if not held & ALLOWED_ROLES[act]:
        raise _role_error(act)
    if act in OWNER_ACTIONS and not is_owner:
        raise NotPermitted("not_owner", "只有申请人本人可以" + ACTION_LABELS_ZH[act] + "。",
                           f"Only the applicant of record may {label_en(act)}.")
    target = TRANSITIONS.get((current, act))
    if target is None:
        raise _illegal(current, act)
    check = _PRECONDITIONS.get(act)
    if check is not None:
        check(ctx, now)
    return Transition(current, target, act)


def available_actions(
    state: State | str,
    roles: Iterable[str],
    is_owner: bool,
    ctx: Context,
    now: datetime,
) -> list[Action]:
    """The actions :func:`decide` would allow right now, in declaration order (for the UI)."""
    held = frozenset(str(r) for r in roles)
    out = []
    for act in actions_from(State(state)):
        try:
            decide(state, act, roles=held, is_owner=is_owner, ctx=ctx, now=now)
        except WorkflowError:
            continue
        out.append(act)
    return out


def comment_window_open(state: State | str, ctx: Context, now: datetime) -> bool:
    """True while the public may still comment: in comment and before the period's end."""
    _require_aware(now, "now")
    closes = ctx.comment_closes_at
    if State(state) is not State.IN_COMMENT or closes is None:
        return False
    _require_aware(closes, "comment_closes_at")
    return now < closes


def _as_action(action: Action | str) -> Action:
    """The Action for a value, or IllegalTransition for an unknown one (e.g. a forged form)."""
    try:
        return Action(action)
    except ValueError:
        raise IllegalTransition(
            "unknown_action", f"未知操作：{str(action)[:40]!r}。",
            f"Unknown action: {str(action)[:40]!r}.") from None


def _require_aware(moment: datetime, name: str) -> None:
    """Refuse naive datetimes: comparing wall clocks of unknown zones is a silent bug."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _role_error(act: Action) -> NotPermitted:
    """NotPermitted naming who may take the action."""
    allowed = sorted(ALLOWED_ROLES[act])
    zh = "、".join(ROLE_LABELS_ZH.get(r, r) for r in allowed)
    return NotPermitted(
        "role_not_allowed", f"您的角色不能{ACTION_LABELS_ZH[act]}；可执行此操作的角色：{zh}。",
        f"Your roles may not {label_en(act)}; roles that may: {', '.join(allowed)}.")


def _illegal(current: State, act: Action) -> IllegalTransition:
    """IllegalTransition saying which actions the current state allows."""
    possible = actions_from(current)
    zh = "、".join(ACTION_LABELS_ZH[a] for a in possible) or "无（申请已办结）"
    en = ", ".join(str(a) for a in possible) or "none (the application is closed)"
    return IllegalTransition(
        "illegal_transition",
        f"申请处于“{STATE_LABELS_ZH[current]}”状态，不能{ACTION_LABELS_ZH[act]}。"
        f"当前可执行的操作：{zh}。",
        f"Cannot {label_en(act)} an application in state '{current}'. "
        f"Possible actions: {en}.")


def _fail(code: str, zh: str, en: str) -> PreconditionFailed:
    return PreconditionFailed(code, zh, en)


def _check_submit(ctx: Context, now: datetime) -> None:
    """Reasons given; a name proposed (new, rename); the place named (rename, cancel)."""
    if not ctx.has_reason:
        raise _fail("reason_missing", "请填写申请理由。", "State the reasons for the application.")
    if ctx.kind is not Kind.CANCEL and ctx.candidate_count < 1:
        raise _fail("candidate_missing", "请至少提出一个拟用名称。", "Propose at least one name.")
    if ctx.kind is not Kind.NEW and not ctx.has_target:
        raise _fail("target_missing", "更名或销名须指明现有地名。",
                    "A rename or cancellation must name the existing place.")


def _check_open_review(ctx: Context, now: datetime) -> None:
    """A review opens only with a panel of at least ``min_panel_size`` experts."""
    if ctx.panel_size < max(ctx.min_panel_size, 1):
        raise _fail("panel_too_small",
                    f"论证专家不足 {ctx.min_panel_size} 人（现有 {ctx.panel_size} 人）。",
                    f"The panel needs at least {ctx.min_panel_size} experts "
                    f"(has {ctx.panel_size}).")


def _check_record_opinion(ctx: Context, now: datetime) -> None:
    """Only a panel member gives an opinion, and only once."""
    if not ctx.actor_on_panel:
        raise NotPermitted("not_on_panel", "您不是本申请的论证专家。",
                           "You are not on this application's expert panel.")
    if ctx.actor_has_opinion:
        raise _fail("opinion_already_recorded", "您已提交过论证意见。",
                    "You have already given your opinion.")


def _check_record_meeting(ctx: Context, now: datetime) -> None:
    """A clerk enters offline opinions only while some panel expert has not given one."""
    if ctx.panel_size < 1 or ctx.opinions_count >= ctx.panel_size:
        raise _fail("opinions_complete",
                    "专家组成员均已提交意见，无需录入线下论证会意见。",
                    "Every panel expert has already given an opinion; there is nothing left "
                    "to enter from a meeting.")


def _check_close_review(ctx: Context, now: datetime) -> None:
    """Every panel expert has given an opinion."""
    if ctx.panel_size < 1 or ctx.opinions_count < ctx.panel_size:
        raise _fail("opinions_missing",
                    f"尚有专家未提交意见（{ctx.opinions_count}/{ctx.panel_size}）。",
                    f"Not every panel expert has given an opinion "
                    f"({ctx.opinions_count}/{ctx.panel_size}).")


def _check_open_comment(ctx: Context, now: datetime) -> None:
    """The comment period is set and ends in the future."""
    closes = ctx.comment_closes_at
    if closes is None:
        raise _fail("comment_period_missing", "请先设定公示期。", "Set the comment period first.")
    _require_aware(closes, "comment_closes_at")
    if closes <= now:
        raise _fail("comment_period_past", "公示期的结束时间已过。",
                    "The comment period would already be over.")


def _check_close_comment(ctx: Context, now: datetime) -> None:
    """The comment period has ended by the clock."""
    closes = ctx.comment_closes_at
    if closes is None:
        raise _fail("comment_period_missing", "公示期未设定。", "No comment period is set.")
    _require_aware(closes, "comment_closes_at")
    if now < closes:
        shown = closes.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        raise _fail("comment_period_running", f"公示期尚未结束（{shown} 北京时间结束）。",
                    f"The comment period is still running (ends {shown} China time).")


def _check_record_assessment(ctx: Context, now: datetime) -> None:
    """Every public comment has a recorded disposition (the report lists how each was handled)."""
    if ctx.undisposed_comments > 0:
        raise _fail("comments_undisposed",
                    f"尚有 {ctx.undisposed_comments} 条公示意见未作处理说明。",
                    f"{ctx.undisposed_comments} public comment(s) have no disposition yet.")


def _check_approve(ctx: Context, now: datetime) -> None:
    """The latest name screen ran and has no blocking findings (not needed to cancel a name)."""
    if ctx.kind is Kind.CANCEL:
        return
    if ctx.screen_blocked is None:
        raise _fail("screen_missing", "拟用名称尚未审查。",
                    "The proposed name has not been screened.")
    if ctx.screen_blocked:
        raise _fail("screen_blocked", "最近一次名称审查有阻断性问题，不能批准。",
                    "The latest name screen has blocking findings; it cannot be approved.")


def _check_announce(ctx: Context, now: datetime) -> None:
    """The six announcement fields are filled."""
    if not ctx.has_announcement_fields:
        raise _fail("announcement_fields_missing",
                    "公告须载明标准名称、罗马字母拼写、所属行政区域、位置描述、批准机关和批准时间。",
                    "An announcement needs the standard name, romanization, jurisdiction, "
                    "location description, approving body and approval date.")


def _check_file(ctx: Context, now: datetime) -> None:
    """The filing record (备案登记表) is there."""
    if not ctx.has_filing_record:
        raise _fail("filing_record_missing", "请先填写备案登记信息。",
                    "Fill in the filing record first.")


_PRECONDITIONS: Mapping[Action, Callable[[Context, datetime], None]] = MappingProxyType({
    Action.SUBMIT: _check_submit,
    Action.OPEN_REVIEW: _check_open_review,
    Action.RECORD_OPINION: _check_record_opinion,
    Action.RECORD_MEETING: _check_record_meeting,
    Action.CLOSE_REVIEW: _check_close_review,
    Action.OPEN_COMMENT: _check_open_comment,
    Action.CLOSE_COMMENT: _check_close_comment,
    Action.RECORD_ASSESSMENT: _check_record_assessment,
    Action.APPROVE: _check_approve,
    Action.ANNOUNCE: _check_announce,
    Action.FILE: _check_file,
})
