"""Pure core of name stories (地名故事): their states and the one guard of every change.

No Flask, no SQLAlchemy::

    draft ─edit→ draft ─submit→ submitted ─publish→ published
    submitted ─return→ draft          (the reviewer says what to change)
    published ─revise→ draft          (off the public pages until published again)
    any state ─mark_heritage→ itself  (the 地名文化遗产 mark, an office decision)

Office staff (clerks) write, submit and revise; a clerk, the committee or the approving body
reviews, but never the author of the submitted text (four eyes): :func:`decide` checks roles
first (``NotPermitted``, 403), then the author (403), then the table (``IllegalTransition``,
409, naming the actions possible now).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType

from .errors import IllegalTransition, NotPermitted, PreconditionFailed


class StoryState(StrEnum):
    """Where a story stands; the value is what ``name_stories.status`` stores."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"


class StoryAction(StrEnum):
    """Something done to a story."""

    EDIT = "edit"
    SUBMIT = "submit"
    PUBLISH = "publish"
    RETURN = "return"
    REVISE = "revise"
    MARK_HERITAGE = "mark_heritage"


S, A = StoryState, StoryAction

TRANSITIONS: Mapping[tuple[StoryState, StoryAction], StoryState] = MappingProxyType({
    (S.DRAFT, A.EDIT): S.DRAFT,
    (S.DRAFT, A.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, A.PUBLISH): S.PUBLISHED,
    (S.SUBMITTED, A.RETURN): S.DRAFT,
    (S.PUBLISHED, A.REVISE): S.DRAFT,
    (S.DRAFT, A.MARK_HERITAGE): S.DRAFT,
    (S.SUBMITTED, A.MARK_HERITAGE): S.SUBMITTED,
    (S.PUBLISHED, A.MARK_HERITAGE): S.PUBLISHED,
})

CLERK, COMMITTEE, APPROVER = "clerk", "committee", "approver"
REVIEWERS = frozenset({CLERK, COMMITTEE, APPROVER})

ALLOWED_ROLES: Mapping[StoryAction, frozenset[str]] = MappingProxyType({
    A.EDIT: frozenset({CLERK}), A.SUBMIT: frozenset({CLERK}), A.REVISE: frozenset({CLERK}),
    A.PUBLISH: REVIEWERS, A.RETURN: REVIEWERS, A.MARK_HERITAGE: frozenset({CLERK}),
})
#: Actions the author of the submitted text may not take (someone else reviews).
REVIEW_ACTIONS = frozenset({A.PUBLISH, A.RETURN})

STATE_LABELS_ZH: Mapping[StoryState, str] = MappingProxyType({
    S.DRAFT: "草稿", S.SUBMITTED: "待审核", S.PUBLISHED: "已发布"})
ACTION_LABELS_ZH: Mapping[StoryAction, str] = MappingProxyType({
    A.EDIT: "修改", A.SUBMIT: "提交审核", A.PUBLISH: "审核发布", A.RETURN: "退回修改",
    A.REVISE: "撤回修订", A.MARK_HERITAGE: "标记地名文化遗产"})
ROLE_LABELS_ZH = {CLERK: "地名办工作人员", COMMITTEE: "地名委员会委员", APPROVER: "审批机关"}


def label_en(value: StrEnum) -> str:
    """An English label for a state or action: its value with spaces."""
    return str(value).replace("_", " ")


def decide(state: StoryState | str, action: StoryAction | str, *, roles: Iterable[str],
           actor_is_author: bool = False) -> StoryState:
    """The one guard of every change to a story: the state the action leads to, or raises.

    ``actor_is_author``: the actor wrote the text under review (:data:`REVIEW_ACTIONS` are
    then refused)."""
    try:
        current, act = StoryState(str(state)), StoryAction(str(action))
    except ValueError:
        raise ValueError(f"unknown story state or action: {state!r}, {action!r}") from None
    allowed = ALLOWED_ROLES[act]
    if not {str(r) for r in roles} & allowed:
        who = "、".join(ROLE_LABELS_ZH[r] for r in sorted(allowed))
        raise NotPermitted("role_not_allowed", f"只有{who}可以{ACTION_LABELS_ZH[act]}地名故事。",
                           f"Only {', '.join(sorted(allowed))} may {label_en(act)} a story.")
    if act in REVIEW_ACTIONS and actor_is_author:
        raise NotPermitted("own_story", "地名故事须由撰写人以外的人员审核。",
                           "A story is reviewed by someone other than its author.")
    target = TRANSITIONS.get((current, act))
    if target is None:
        possible = [a for (s, a) in TRANSITIONS if s == current]
        raise IllegalTransition(
            "illegal_transition",
            f"地名故事处于“{STATE_LABELS_ZH[current]}”状态，不能{ACTION_LABELS_ZH[act]}。"
            f"当前可执行的操作：{'、'.join(ACTION_LABELS_ZH[a] for a in possible)}。",
            f"Cannot {label_en(act)} a story that is {label_en(current)}. Possible actions: "
            f"{', '.join(label_en(a) for a in possible)}.")
    return target


def allowed(state: StoryState | str, action: StoryAction | str, *, roles: Iterable[str],
            actor_is_author: bool = False) -> bool:
    """True if :func:`decide` would let the action happen (for the pages' buttons)."""
    try:
        decide(state, action, roles=roles, actor_is_author=actor_is_author)
    except (NotPermitted, IllegalTransition, PreconditionFailed):
        return False
    return True


class StoryInputError(PreconditionFailed):
    """What a person typed for a story is not acceptable (the web answers 400)."""

    http_status = 400


def validate(meaning: str, origin: str, sources: str) -> dict[str, str]:
    """What a person typed for a story, cleaned; :class:`StoryInputError` says what is
    missing. A story says what the name means or where it comes from, and
    on what it rests."""
    values = {"meaning": (meaning or "").strip(), "origin": (origin or "").strip(),
              "sources": (sources or "").strip()}
    if not values["meaning"] and not values["origin"]:
        raise StoryInputError("story_empty", "请填写名称的含义或来历沿革。",
                                 "Say what the name means or where it comes from.")
    if len(values["meaning"]) > 2000 or len(values["origin"]) > 20000 or \
            len(values["sources"]) > 4000:
        raise StoryInputError("story_too_long",
                                 "内容过长（含义至多 2000 字，来历沿革至多 20000 字，"
                                 "资料来源至多 4000 字）。",
                                 "Too long (meaning at most 2,000 characters, origin 20,000, "
                                 "sources 4,000).")
    return values
