"""States, actions and the transition table of the naming procedure, as data.

The procedure (地名管理条例 arts. 11-14; 实施办法 arts. 5-6) for naming, renaming (更名) and
cancelling (销名) alike::

    draft ─submit→ submitted ─accept→ accepted ─record_survey→ surveyed ─open_review→
    under_review (─record_opinion→ itself, ─record_meeting→ itself) ─close_review→ reviewed
    ─open_comment→ in_comment ─close_comment→ comment_closed ─record_assessment→ assessed
    ─approve→ approved
    approved ─announce→ announced ─file→ announced_and_filed ─put_in_force→ in_force
    approved ─file→ filed ─announce→ announced_and_filed

Side exits:

- at acceptance the office may return an incomplete application for correction
  (``return_incomplete``, 补正 → ``returned``) or refuse it (``refuse``, 不予受理 → ``refused``);
- the approving body decides ``approve``, ``reject`` (→ ``rejected``) or
  ``return_for_changes`` (→ ``returned``);
- the applicant edits a ``returned`` application and submits it again; it then goes through
  the **whole** procedure again (a changed name needs a new survey, review and notice);
- the applicant may ``withdraw`` at any time before the decision.

Expert opinions reach the panel in one of two ways while the review is open: each expert with
an account gives an opinion online (``record_opinion``), or the panel meets offline and a clerk
enters the opinions of the experts present from the signed minutes (``record_meeting``, 线下
论证会); an expert needs no account to sit on a panel.

Announcement (公告) and filing (备案) may happen in either order; ``announced`` and ``filed``
each record that one of the two is done and ``announced_and_filed`` that both are, so the
table itself says that both are needed before ``in_force``.

``TRANSITIONS`` and ``ALLOWED_ROLES`` are the only source of truth; :mod:`.guard` reads them.
Roles are the string values of ``placenames.models.people.Role``. Actions in
``OWNER_ACTIONS`` are allowed only to the owner of the application (its applicant of record;
for a paper application entered at the counter, the clerk who entered it), whatever the role.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class State(StrEnum):
    """Where an application stands; the value is what the database stores."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # back with the applicant for changes (补正 / 退回修改)
    ACCEPTED = "accepted"  # 受理
    REFUSED = "refused"  # 不予受理 (terminal)
    SURVEYED = "surveyed"  # 实地踏勘 recorded
    UNDER_REVIEW = "under_review"  # expert panel (专家论证) open
    REVIEWED = "reviewed"
    IN_COMMENT = "in_comment"  # public notice (公示 / 征求意见) running
    COMMENT_CLOSED = "comment_closed"
    ASSESSED = "assessed"  # 综合评估 recorded
    APPROVED = "approved"
    REJECTED = "rejected"  # 不予批准 (terminal)
    ANNOUNCED = "announced"  # 公告 done, filing pending
    FILED = "filed"  # 备案 done, announcement pending
    ANNOUNCED_AND_FILED = "announced_and_filed"
    IN_FORCE = "in_force"  # terminal
    WITHDRAWN = "withdrawn"  # terminal


class Action(StrEnum):
    """Something an actor does to an application."""

    SUBMIT = "submit"
    ACCEPT = "accept"
    RETURN_INCOMPLETE = "return_incomplete"
    REFUSE = "refuse"
    RECORD_SURVEY = "record_survey"
    OPEN_REVIEW = "open_review"
    RECORD_OPINION = "record_opinion"
    RECORD_MEETING = "record_meeting"  # a clerk enters the opinions of an offline meeting
    CLOSE_REVIEW = "close_review"
    OPEN_COMMENT = "open_comment"
    CLOSE_COMMENT = "close_comment"
    RECORD_ASSESSMENT = "record_assessment"
    APPROVE = "approve"
    REJECT = "reject"
    RETURN_FOR_CHANGES = "return_for_changes"
    ANNOUNCE = "announce"
    FILE = "file"
    PUT_IN_FORCE = "put_in_force"
    WITHDRAW = "withdraw"


class Kind(StrEnum):
    """What an application asks for; all three go through the same procedure."""

    NEW = "new"
    RENAME = "rename"
    CANCEL = "cancel"


S, A = State, Action

#: States in which the applicant may still withdraw (everything before the decision).
BEFORE_DECISION: frozenset[State] = frozenset({
    S.DRAFT, S.SUBMITTED, S.RETURNED, S.ACCEPTED, S.SURVEYED, S.UNDER_REVIEW, S.REVIEWED,
    S.IN_COMMENT, S.COMMENT_CLOSED, S.ASSESSED,
})

_EDGES: dict[tuple[State, Action], State] = {
    (S.DRAFT, A.SUBMIT): S.SUBMITTED,
    (S.RETURNED, A.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, A.ACCEPT): S.ACCEPTED,
    (S.SUBMITTED, A.RETURN_INCOMPLETE): S.RETURNED,
    (S.SUBMITTED, A.REFUSE): S.REFUSED,
    (S.ACCEPTED, A.RECORD_SURVEY): S.SURVEYED,
    (S.SURVEYED, A.OPEN_REVIEW): S.UNDER_REVIEW,
    (S.UNDER_REVIEW, A.RECORD_OPINION): S.UNDER_REVIEW,
    (S.UNDER_REVIEW, A.RECORD_MEETING): S.UNDER_REVIEW,
    (S.UNDER_REVIEW, A.CLOSE_REVIEW): S.REVIEWED,
    (S.REVIEWED, A.OPEN_COMMENT): S.IN_COMMENT,
    (S.IN_COMMENT, A.CLOSE_COMMENT): S.COMMENT_CLOSED,
    (S.COMMENT_CLOSED, A.RECORD_ASSESSMENT): S.ASSESSED,
    (S.ASSESSED, A.APPROVE): S.APPROVED,
    (S.ASSESSED, A.REJECT): S.REJECTED,
    (S.ASSESSED, A.RETURN_FOR_CHANGES): S.RETURNED,
    (S.APPROVED, A.ANNOUNCE): S.ANNOUNCED,
    (S.APPROVED, A.FILE): S.FILED,
    (S.ANNOUNCED, A.FILE): S.ANNOUNCED_AND_FILED,
    (S.FILED, A.ANNOUNCE): S.ANNOUNCED_AND_FILED,
    (S.ANNOUNCED_AND_FILED, A.PUT_IN_FORCE): S.IN_FORCE,
}
_EDGES.update({(s, A.WITHDRAW): S.WITHDRAWN for s in BEFORE_DECISION})

#: The transition table: (state, action) → next state. A pair not in it is illegal.
TRANSITIONS: Mapping[tuple[State, Action], State] = MappingProxyType(_EDGES)

APPLICANT, CLERK, SURVEYOR, EXPERT = "applicant", "clerk", "surveyor", "expert"
COMMITTEE, APPROVER = "committee", "approver"

#: Who may take each action (role values as strings). sysadmin and auditor take none:
#: administration and audit stay apart from the procedure.
ALLOWED_ROLES: Mapping[Action, frozenset[str]] = MappingProxyType({
    A.SUBMIT: frozenset({APPLICANT, CLERK}),
    A.WITHDRAW: frozenset({APPLICANT, CLERK}),
    A.ACCEPT: frozenset({CLERK}),
    A.RETURN_INCOMPLETE: frozenset({CLERK}),
    A.REFUSE: frozenset({CLERK}),
    A.RECORD_SURVEY: frozenset({SURVEYOR}),
    A.OPEN_REVIEW: frozenset({CLERK}),
    A.RECORD_OPINION: frozenset({EXPERT}),
    A.RECORD_MEETING: frozenset({CLERK}),
    A.CLOSE_REVIEW: frozenset({CLERK}),
    A.OPEN_COMMENT: frozenset({CLERK}),
    A.CLOSE_COMMENT: frozenset({CLERK}),
    A.RECORD_ASSESSMENT: frozenset({CLERK, COMMITTEE}),
    A.APPROVE: frozenset({APPROVER}),
    A.REJECT: frozenset({APPROVER}),
    A.RETURN_FOR_CHANGES: frozenset({APPROVER}),
    A.ANNOUNCE: frozenset({CLERK}),
    A.FILE: frozenset({CLERK}),
    A.PUT_IN_FORCE: frozenset({CLERK}),
})

#: Actions only the owner of the application may take, whatever roles the actor holds.
OWNER_ACTIONS: frozenset[Action] = frozenset({A.SUBMIT, A.WITHDRAW})

#: States with no way out.
TERMINAL_STATES: frozenset[State] = frozenset(
    s for s in State if not any(src == s for src, _ in _EDGES))

#: States in which the applicant may edit the application (not a transition).
EDITABLE_STATES: frozenset[State] = frozenset({S.DRAFT, S.RETURNED})

STATE_LABELS_ZH: Mapping[State, str] = MappingProxyType({
    S.DRAFT: "草稿", S.SUBMITTED: "已提交", S.RETURNED: "退回修改", S.ACCEPTED: "已受理",
    S.REFUSED: "不予受理", S.SURVEYED: "已实地踏勘", S.UNDER_REVIEW: "专家论证中",
    S.REVIEWED: "专家论证完成", S.IN_COMMENT: "公示中", S.COMMENT_CLOSED: "公示结束",
    S.ASSESSED: "已综合评估", S.APPROVED: "已批准", S.REJECTED: "不予批准",
    S.ANNOUNCED: "已公告（待备案）", S.FILED: "已备案（待公告）",
    S.ANNOUNCED_AND_FILED: "已公告并备案", S.IN_FORCE: "已生效", S.WITHDRAWN: "已撤回",
})

ACTION_LABELS_ZH: Mapping[Action, str] = MappingProxyType({
    A.SUBMIT: "提交申请", A.ACCEPT: "受理", A.RETURN_INCOMPLETE: "退回补正",
    A.REFUSE: "不予受理", A.RECORD_SURVEY: "记录实地踏勘", A.OPEN_REVIEW: "启动专家论证",
    A.RECORD_OPINION: "提交专家意见", A.RECORD_MEETING: "录入线下论证会意见",
    A.CLOSE_REVIEW: "结束专家论证", A.OPEN_COMMENT: "开始公示",
    A.CLOSE_COMMENT: "结束公示", A.RECORD_ASSESSMENT: "记录综合评估", A.APPROVE: "批准",
    A.REJECT: "不予批准", A.RETURN_FOR_CHANGES: "退回修改", A.ANNOUNCE: "公告",
    A.FILE: "备案", A.PUT_IN_FORCE: "生效", A.WITHDRAW: "撤回申请",
})


def label_en(value: State | Action) -> str:
    """An English label for a state or action: its value with spaces (``"in comment"``)."""
    return str(value).replace("_", " ")


def next_state(state: State, action: Action) -> State | None:
    """The state ``action`` leads to from ``state``, or ``None`` if the table has no such edge."""
    return TRANSITIONS.get((state, action))


def actions_from(state: State) -> list[Action]:
    """Every action the table allows from ``state`` (regardless of role), in declaration order."""
    return [a for a in Action if (state, a) in TRANSITIONS]
