"""Pure core of road-name signs (地名标志): their states and the one guard of every change.

No Flask, no SQLAlchemy::

    required ─order→ ordered ─install→ installed
    required ─install→ installed                (a unit that set it up without an order)
    installed ─report_damaged→ damaged ─repair→ installed
    installed | damaged ─report_missing→ missing
    installed | damaged | missing ─replace→ replaced   (a successor sign is required)
    any live state ─remove→ removed
    required | ordered ─move→ itself            (its position or facing corrected)
    any live state ─assign→ itself              (another responsible unit)

``replaced`` and ``removed`` are final: a sign's id (printed in its QR code) is never reused.
A renamed road's signs are marked for replacement and a cancelled road's for removal; the mark
(``pending``) does not change the state, it is the office's reminder, cleared by the
replacement or the removal.

Office staff (clerks) take every action. :func:`decide` checks the role first
(``NotPermitted``, 403) and then the table (``IllegalTransition``, 409, naming the actions
possible now).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from ..plates.signs import SignKind
from .errors import IllegalTransition, NotPermitted, PreconditionFailed


class SignState(StrEnum):
    """Where a sign stands; the value is what ``signs.status`` stores."""

    REQUIRED = "required"
    ORDERED = "ordered"
    INSTALLED = "installed"
    DAMAGED = "damaged"
    MISSING = "missing"
    REPLACED = "replaced"
    REMOVED = "removed"


class SignAction(StrEnum):
    """Something done to a sign."""

    ORDER = "order"
    INSTALL = "install"
    REPORT_DAMAGED = "report_damaged"
    REPORT_MISSING = "report_missing"
    REPAIR = "repair"
    REPLACE = "replace"
    REMOVE = "remove"
    MOVE = "move"
    ASSIGN = "assign"


class Pending(StrEnum):
    """What the office must still have done to a sign after a change of its road's name."""

    REPLACE = "replace"  # the road was renamed: the sign shows the old name
    REMOVE = "remove"  # the road's name was cancelled


S, A = SignState, SignAction
LIVE = frozenset({S.REQUIRED, S.ORDERED, S.INSTALLED, S.DAMAGED, S.MISSING})
"""States of a sign that still stands for its road (or should)."""
FINAL = frozenset({S.REPLACED, S.REMOVED})

TRANSITIONS: Mapping[tuple[SignState, SignAction], SignState] = MappingProxyType({
    (S.REQUIRED, A.ORDER): S.ORDERED,
    (S.REQUIRED, A.INSTALL): S.INSTALLED,
    (S.ORDERED, A.INSTALL): S.INSTALLED,
    (S.INSTALLED, A.REPORT_DAMAGED): S.DAMAGED,
    (S.INSTALLED, A.REPORT_MISSING): S.MISSING,
    (S.DAMAGED, A.REPORT_MISSING): S.MISSING,
    (S.DAMAGED, A.REPAIR): S.INSTALLED,
    (S.INSTALLED, A.REPLACE): S.REPLACED,
    (S.DAMAGED, A.REPLACE): S.REPLACED,
    (S.MISSING, A.REPLACE): S.REPLACED,
    **{(s, A.REMOVE): S.REMOVED for s in LIVE},
    (S.REQUIRED, A.MOVE): S.REQUIRED,
    (S.ORDERED, A.MOVE): S.ORDERED,
    **{(s, A.ASSIGN): s for s in LIVE},
})

CLERK = "clerk"
ALLOWED_ROLES = frozenset({CLERK})

STATE_LABELS_ZH: Mapping[SignState, str] = MappingProxyType({
    S.REQUIRED: "待设置", S.ORDERED: "已下单", S.INSTALLED: "已设置", S.DAMAGED: "已损坏",
    S.MISSING: "缺失", S.REPLACED: "已更换", S.REMOVED: "已拆除"})
ACTION_LABELS_ZH: Mapping[SignAction, str] = MappingProxyType({
    A.ORDER: "下单制作", A.INSTALL: "登记设置", A.REPORT_DAMAGED: "登记损坏",
    A.REPORT_MISSING: "登记缺失", A.REPAIR: "登记修复", A.REPLACE: "更换",
    A.REMOVE: "拆除", A.MOVE: "调整位置", A.ASSIGN: "指定责任单位"})
KIND_LABELS_ZH: Mapping[SignKind, str] = MappingProxyType({k: k.label for k in SignKind})
KIND_LABELS_EN: Mapping[SignKind, str] = MappingProxyType({
    SignKind.STREET: "street sign", SignKind.LANE: "lane sign",
    SignKind.DIRECTIONAL: "directional sign", SignKind.QR: "QR street sign"})
PENDING_LABELS_ZH: Mapping[Pending, str] = MappingProxyType({
    Pending.REPLACE: "道路已更名，待更换", Pending.REMOVE: "地名已销名，待拆除"})

#: Actions that need a date (the day it was done), and what else each needs.
DATED = frozenset({A.ORDER, A.INSTALL, A.REPAIR, A.REPLACE, A.REMOVE})


def label_en(value: StrEnum) -> str:
    """An English label for a state, action or pending mark: its value with spaces."""
    return str(value).replace("_", " ")


def kind_label_zh(kind: str) -> str:
    """The Chinese name of a sign kind (an unknown value as it is)."""
    try:
        return KIND_LABELS_ZH[SignKind(kind)]
    except ValueError:
        return kind


def decide(state: SignState | str, action: SignAction | str, *,
           roles: Iterable[str]) -> SignState:
    """The one guard of every change to a sign: the state the action leads to, or raises."""
    try:
        current, act = SignState(str(state)), SignAction(str(action))
    except ValueError:
        raise ValueError(f"unknown sign state or action: {state!r}, {action!r}") from None
    if not {str(r) for r in roles} & ALLOWED_ROLES:
        raise NotPermitted("role_not_allowed",
                           f"只有地名办工作人员可以{ACTION_LABELS_ZH[act]}地名标志。",
                           f"Only office clerks may {label_en(act)} a sign.")
    target = TRANSITIONS.get((current, act))
    if target is None:
        possible = possible_actions(current)
        raise IllegalTransition(
            "illegal_transition",
            f"标志处于“{STATE_LABELS_ZH[current]}”状态，不能{ACTION_LABELS_ZH[act]}。"
            f"当前可执行的操作：{'、'.join(ACTION_LABELS_ZH[a] for a in possible) or '无'}。",
            f"Cannot {label_en(act)} a sign that is {label_en(current)}. Possible actions: "
            f"{', '.join(label_en(a) for a in possible) or 'none'}.")
    return target


def possible_actions(state: SignState | str) -> list[SignAction]:
    """The actions the table allows from ``state``, in the order of :class:`SignAction`."""
    current = SignState(str(state))
    return [a for a in SignAction if (current, a) in TRANSITIONS]


def allowed(state: SignState | str, action: SignAction | str, *, roles: Iterable[str]) -> bool:
    """True if :func:`decide` would let the action happen (for the pages' buttons)."""
    try:
        decide(state, action, roles=roles)
    except (NotPermitted, IllegalTransition):
        return False
    return True


class SignInputError(PreconditionFailed):
    """What a person typed for a sign change is not acceptable (the web answers 400)."""

    http_status = 400


def check_input(action: SignAction | str, *, on: date | None, today: date,
                installer: str | None = None) -> None:
    """What an action needs besides the state: the day it was done (not in the future) and,
    to install, who installed it. Raises :class:`SignInputError` saying what is missing."""
    act = SignAction(str(action))
    if act in DATED:
        if on is None:
            raise SignInputError("date_required", f"请填写{ACTION_LABELS_ZH[act]}的日期。",
                                 f"Give the date of the {label_en(act)}.")
        if on > today:
            raise SignInputError("date_in_future", "日期不能晚于今天。",
                                 "The date cannot be later than today.")
    if act is A.INSTALL and not (installer or "").strip():
        raise SignInputError("installer_required", "请填写设置（安装）单位或人员。",
                             "Say who installed the sign.")
