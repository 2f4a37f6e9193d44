"""Pure core of the naming plan (地名规划) and its reserved names (备用地名库).

No Flask, no SQLAlchemy. Two small state machines, as data, and one guard for both:

Plan::

    draft ─approve→ approved ─retire→ retired
    draft ─edit→ draft;  draft, approved ─reserve→ itself;  approved ─take→ approved

Reserved name (its state is derived from its place and the application holding it)::

    reserved ─take→ taken ─use→ used
    taken ─give_back→ reserved     (the application was withdrawn, refused or rejected)
    reserved ─release→ released
    reserved, taken ─rescreen→ itself

``use`` and ``give_back`` follow from a step of the naming procedure, whose own guard has
already checked the actor: they are ``PROCEDURE_ACTIONS`` and carry no role check here.

:func:`decide` is the only guard; it returns the target state or raises a
:class:`~placenames.workflow.errors.WorkflowError` (``NotPermitted`` 403,
``IllegalTransition`` 409) with both messages. :func:`validate_plan` checks what a person
typed for a plan (code, title, years, period order, themes) and returns the cleaned values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from .errors import IllegalTransition, NotPermitted, PreconditionFailed


class PlanState(StrEnum):
    """Where a naming plan stands; the value is what ``naming_plans.status`` stores."""

    DRAFT = "draft"
    APPROVED = "approved"
    RETIRED = "retired"


class PlanAction(StrEnum):
    """Something done to a plan."""

    EDIT = "edit"
    APPROVE = "approve"
    RETIRE = "retire"
    RESERVE = "reserve"  # add a reserved name
    TAKE = "take"  # an application takes one of its names


class ReservedState(StrEnum):
    """Where a reserved name stands (derived, never stored as such)."""

    RESERVED = "reserved"
    TAKEN = "taken"
    USED = "used"
    RELEASED = "released"


class ReservedAction(StrEnum):
    """Something done to a reserved name."""

    TAKE = "take"
    USE = "use"
    GIVE_BACK = "give_back"
    RELEASE = "release"
    RESCREEN = "rescreen"


P, PA, R, RA = PlanState, PlanAction, ReservedState, ReservedAction

PLAN_TRANSITIONS: Mapping[tuple[PlanState, PlanAction], PlanState] = MappingProxyType({
    (P.DRAFT, PA.EDIT): P.DRAFT,
    (P.DRAFT, PA.APPROVE): P.APPROVED,
    (P.APPROVED, PA.RETIRE): P.RETIRED,
    (P.DRAFT, PA.RESERVE): P.DRAFT,
    (P.APPROVED, PA.RESERVE): P.APPROVED,
    (P.APPROVED, PA.TAKE): P.APPROVED,
})

RESERVED_TRANSITIONS: Mapping[tuple[ReservedState, ReservedAction], ReservedState] = \
    MappingProxyType({
        (R.RESERVED, RA.TAKE): R.TAKEN,
        (R.TAKEN, RA.USE): R.USED,
        (R.TAKEN, RA.GIVE_BACK): R.RESERVED,
        (R.RESERVED, RA.RELEASE): R.RELEASED,
        (R.RESERVED, RA.RESCREEN): R.RESERVED,
        (R.TAKEN, RA.RESCREEN): R.TAKEN,
    })

CLERK, COMMITTEE, APPROVER = "clerk", "committee", "approver"

#: Who may take each action: office staff keep the plan, the committee or the approving
#: body approves it. ``None``: the action follows from the naming procedure (no role check).
ALLOWED_ROLES: Mapping[PlanAction | ReservedAction, frozenset[str] | None] = MappingProxyType({
    PA.EDIT: frozenset({CLERK}),
    PA.APPROVE: frozenset({COMMITTEE, APPROVER}),
    PA.RETIRE: frozenset({CLERK, COMMITTEE, APPROVER}),
    PA.RESERVE: frozenset({CLERK}),
    PA.TAKE: frozenset({CLERK}),
    RA.TAKE: frozenset({CLERK}),
    RA.RELEASE: frozenset({CLERK}),
    RA.RESCREEN: frozenset({CLERK}),
    RA.USE: None,
    RA.GIVE_BACK: None,
})

#: Roles that see the plans on the staff pages.
VIEW_ROLES = frozenset({CLERK, "surveyor", COMMITTEE, APPROVER, "auditor"})

PROCEDURE_ACTIONS = frozenset(a for a, roles in ALLOWED_ROLES.items() if roles is None)

PLAN_STATE_LABELS_ZH: Mapping[PlanState, str] = MappingProxyType({
    P.DRAFT: "草案", P.APPROVED: "已批准", P.RETIRED: "已废止"})
RESERVED_STATE_LABELS_ZH: Mapping[ReservedState, str] = MappingProxyType({
    R.RESERVED: "备用", R.TAKEN: "申报中", R.USED: "已启用", R.RELEASED: "已释放"})
ACTION_LABELS_ZH: Mapping[PlanAction | ReservedAction, str] = MappingProxyType({
    PA.EDIT: "修改规划", PA.APPROVE: "批准规划", PA.RETIRE: "废止规划", PA.RESERVE: "新增备用地名",
    PA.TAKE: "启用备用地名", RA.TAKE: "启动命名程序", RA.USE: "命名生效",
    RA.GIVE_BACK: "退回备用", RA.RELEASE: "释放", RA.RESCREEN: "重新审查",
})
ROLE_LABELS_ZH = {CLERK: "地名办工作人员", COMMITTEE: "地名委员会委员", APPROVER: "审批机关"}


def label_en(value: StrEnum) -> str:
    """An English label for a state or action: its value with spaces."""
    return str(value).replace("_", " ")


def decide(state: PlanState | ReservedState | str, action: PlanAction | ReservedAction | str,
           *, roles: Iterable[str] | None, kind: str = "plan") -> StrEnum:
    """The one guard of every change to a plan (``kind="plan"``) or a reserved name
    (``kind="reserved"``): returns the state the action leads to, or raises.

    Roles are checked first (``NotPermitted``, 403), so an actor who may not act learns
    nothing about the state; then the table (``IllegalTransition``, 409, naming the actions
    possible now). ``roles=None`` is for :data:`PROCEDURE_ACTIONS` only.
    """
    if kind == "plan":
        current: StrEnum = _member(PlanState, state)
        act: StrEnum = _action(PlanAction, action)
        table: Mapping = PLAN_TRANSITIONS  # type: ignore[type-arg]
        labels: Mapping = PLAN_STATE_LABELS_ZH  # type: ignore[type-arg]
        what_zh, what_en = "规划", "plan"
    elif kind == "reserved":
        current = _member(ReservedState, state)
        act = _action(ReservedAction, action)
        table, labels = RESERVED_TRANSITIONS, RESERVED_STATE_LABELS_ZH
        what_zh, what_en = "备用地名", "reserved name"
    else:
        raise ValueError(f"unknown kind {kind!r}")
    allowed = ALLOWED_ROLES[act]  # type: ignore[index]
    if allowed is not None:
        held = {str(r) for r in (roles or ())}
        if not held & allowed:
            who = "、".join(ROLE_LABELS_ZH.get(r, r) for r in sorted(allowed))
            raise NotPermitted("role_not_allowed",
                               f"只有{who}可以{ACTION_LABELS_ZH[act]}。",  # type: ignore[index]
                               f"Only {', '.join(sorted(allowed))} may {label_en(act)} "
                               f"a {what_en}.")
    elif roles is not None:
        raise ValueError(f"{act} follows from the procedure; pass roles=None")
    target = table.get((current, act))
    if target is None:
        possible = [a for (s, a) in table if s == current and a not in PROCEDURE_ACTIONS]
        zh = "、".join(ACTION_LABELS_ZH[a] for a in possible) or "无"
        en = ", ".join(label_en(a) for a in possible) or "none"
        raise IllegalTransition(
            "illegal_transition",
            f"{what_zh}处于“{labels[current]}”状态，不能{ACTION_LABELS_ZH[act]}"  # type: ignore[index]
            f"。当前可执行的操作：{zh}。"
            + ("须待其申请撤回、不予受理或不予批准后方可。" if current is R.TAKEN else ""),
            f"Cannot {label_en(act)} a {what_en} that is {label_en(current)}. "
            f"Possible actions: {en}."
            + (" Its application must end first (withdrawn, refused or rejected)."
               if current is R.TAKEN else ""))
    return target  # type: ignore[no-any-return]


def allowed(state: PlanState | ReservedState | str, action: PlanAction | ReservedAction | str,
            *, roles: Iterable[str] | None, kind: str = "plan") -> bool:
    """True if :func:`decide` would let the action happen (for the pages' buttons)."""
    try:
        decide(state, action, roles=roles, kind=kind)
    except (NotPermitted, IllegalTransition, PreconditionFailed):
        return False
    return True


def _member(enum: type[StrEnum], value: object) -> StrEnum:
    try:
        return enum(str(value))
    except ValueError:
        raise ValueError(f"unknown {enum.__name__}: {value!r}") from None


def _action(enum: type[StrEnum], value: object) -> StrEnum:
    try:
        return enum(str(value))
    except ValueError:
        raise IllegalTransition("unknown_action", f"未知的操作：{value}",
                                f"Unknown action: {value}") from None


def reserved_state(place_status: str, taken: bool) -> ReservedState:
    """The state of a reserved name from its place's status and whether an application
    holds it: ``released`` (place released), ``reserved``/``taken`` (place still reserved),
    else ``used`` (the place went through the procedure: in force, or later renamed or
    cancelled)."""
    if place_status == "released":
        return R.RELEASED
    if place_status == "reserved":
        return R.TAKEN if taken else R.RESERVED
    return R.USED


# --- plan input --------------------------------------------------------------------------------

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{1,39}$")
MIN_YEAR, MAX_YEAR = 1949, 2100
MAX_PERIOD_YEARS = 30
MAX_THEMES, MAX_THEME_LEN = 20, 60


@dataclass(frozen=True)
class PlanValues:
    """The checked values of a plan."""

    code: str
    title: str
    period_start: int
    period_end: int
    themes: tuple[str, ...]
    description: str | None


class PlanInputError(PreconditionFailed):
    """What a person typed for a plan is not acceptable (the web answers 400)."""

    http_status = 400


def _bad(code: str, zh: str, en: str) -> PlanInputError:
    return PlanInputError(code, zh, en)


def parse_year(value: object, what_zh: str, what_en: str) -> int:
    """A year between 1949 and 2100 from an int or its text."""
    text = str(value if value is not None else "").strip()
    if not text.isdigit():
        raise _bad("year_invalid", f"{what_zh}须为四位年份。", f"{what_en} must be a year.")
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _bad("year_out_of_range", f"{what_zh}须在 {MIN_YEAR}—{MAX_YEAR} 年之间。",
                   f"{what_en} must lie between {MIN_YEAR} and {MAX_YEAR}.")
    return year


def parse_themes(text: str | Iterable[str]) -> tuple[str, ...]:
    """Themes from text (one a line; commas and 、 also separate) or a list, in order, once
    each; at least one."""
    parts = re.split(r"[\n,，、;；]+", text) if isinstance(text, str) else list(text)
    out: list[str] = []
    for part in parts:
        theme = part.strip()
        if theme and theme not in out:
            if len(theme) > MAX_THEME_LEN:
                raise _bad("theme_too_long",
                           f"主题“{theme[:10]}…”过长（最多 {MAX_THEME_LEN} 字）。",
                           f"A theme is at most {MAX_THEME_LEN} characters.")
            out.append(theme)
    if not out:
        raise _bad("themes_missing", "请至少填写一个命名主题（如 秦汉文化）。",
                   "Give at least one naming theme (e.g. 秦汉文化).")
    if len(out) > MAX_THEMES:
        raise _bad("themes_too_many", f"命名主题最多 {MAX_THEMES} 个。",
                   f"At most {MAX_THEMES} themes.")
    return tuple(out)


def validate_plan(*, code: str | None, title: str | None, period_start: object,
                  period_end: object, themes: str | Iterable[str],
                  description: str | None = None) -> PlanValues:
    """Check a plan's input: code (letters, digits, ``-_.``, 2–40), title (≤160), the period
    (years 1949–2100, start ≤ end, at most 30 years), themes, description (≤4000)."""
    code_text = (code or "").strip()
    if not CODE_RE.match(code_text):
        raise _bad("code_invalid", "规划编号须为 2—40 位字母、数字或 - _ . 。",
                   "The plan code is 2 to 40 letters, digits, '-', '_' or '.'.")
    title_text = (title or "").strip()
    if not title_text:
        raise _bad("title_missing", "请填写规划名称。", "Give the plan's title.")
    if len(title_text) > 160:
        raise _bad("title_too_long", "规划名称最多 160 字。",
                   "The title is at most 160 characters.")
    start = parse_year(period_start, "规划期起始年", "The first year")
    end = parse_year(period_end, "规划期终止年", "The last year")
    if end < start:
        raise _bad("period_order", "规划期终止年不能早于起始年。",
                   "The last year cannot come before the first.")
    if end - start + 1 > MAX_PERIOD_YEARS:
        raise _bad("period_too_long", f"规划期最长 {MAX_PERIOD_YEARS} 年。",
                   f"A plan covers at most {MAX_PERIOD_YEARS} years.")
    desc = (description or "").strip() or None
    if desc and len(desc) > 4000:
        raise _bad("description_too_long", "规划说明最多 4000 字。",
                   "The description is at most 4000 characters.")
    return PlanValues(code_text, title_text, start, end, parse_themes(themes), desc)


def check_theme(theme: str | None, themes: Iterable[str]) -> str:
    """The theme of a reserved name: one of the plan's themes."""
    listed = list(themes)
    value = (theme or "").strip()
    if value not in listed:
        raise _bad("theme_unknown", f"命名主题须为本规划的主题之一：{'、'.join(listed)}。",
                   f"The theme must be one of the plan's: {', '.join(listed)}.")
    return value


__all__ = [
    "ACTION_LABELS_ZH", "ALLOWED_ROLES", "PLAN_STATE_LABELS_ZH", "PLAN_TRANSITIONS",
    "PROCEDURE_ACTIONS", "RESERVED_STATE_LABELS_ZH", "RESERVED_TRANSITIONS", "VIEW_ROLES",
    "PlanAction", "PlanInputError", "PlanState", "PlanValues", "ReservedAction",
    "ReservedState", "allowed", "check_theme", "decide", "label_en", "parse_themes",
    "parse_year", "reserved_state", "validate_plan",
]  # fmt: skip
