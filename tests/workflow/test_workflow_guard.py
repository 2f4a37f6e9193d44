"""The guard: whole procedures by hand, every precondition, messages and the UI's action list."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from placenames.models.people import Role
from placenames.workflow import (
    Action,
    Context,
    IllegalTransition,
    Kind,
    NotPermitted,
    PreconditionFailed,
    State,
    Transition,
    available_actions,
    comment_period,
    comment_window_open,
    decide,
)

T0 = datetime(2024, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in China


def ready(**kw: object) -> Context:
    base: dict[str, object] = dict(
        kind=Kind.NEW, has_reason=True, candidate_count=1, has_target=False, panel_size=3,
        opinions_count=3, actor_on_panel=True, comment_closes_at=T0 + timedelta(days=30),
        screen_blocked=False, has_announcement_fields=True, has_filing_record=True)
    base.update(kw)
    return Context(**base)  # type: ignore[arg-type]


# (action, role, owner?, state after) — the whole procedure, written by hand.
HAPPY_PATH = [
    ("submit", "applicant", True, "submitted"),
    ("accept", "clerk", False, "accepted"),
    ("record_survey", "surveyor", False, "surveyed"),
    ("open_review", "clerk", False, "under_review"),
    ("record_opinion", "expert", False, "under_review"),
    ("record_opinion", "expert", False, "under_review"),
    ("record_opinion", "expert", False, "under_review"),
    ("close_review", "clerk", False, "reviewed"),
    ("open_comment", "clerk", False, "in_comment"),
    ("close_comment", "clerk", False, "comment_closed"),
    ("record_assessment", "committee", False, "assessed"),
    ("approve", "approver", False, "approved"),
    ("announce", "clerk", False, "announced"),
    ("file", "clerk", False, "announced_and_filed"),
    ("put_in_force", "clerk", False, "in_force"),
]


def run(steps: list[tuple[str, str, bool, str]], ctx: Context, start: str = "draft") -> str:
    """Walk ``steps``; the comment period closes after 10 days and the clock follows."""
    state, now = start, T0
    for action, role, owner, expected in steps:
        if action == "open_comment":
            _, closes = comment_period(now)
            ctx = replace(ctx, comment_closes_at=closes)
        if action == "close_comment":
            now = ctx.comment_closes_at or now
        t = decide(state, action, roles=[role], is_owner=owner, ctx=ctx, now=now)
        assert t == Transition(State(state), State(expected), Action(action))
        state = t.to_state
    return state


@pytest.mark.parametrize(("kind", "ctx_kw"), [
    (Kind.NEW, {"candidate_count": 1}),
    (Kind.RENAME, {"candidate_count": 1, "has_target": True}),
    (Kind.CANCEL, {"candidate_count": 0, "has_target": True, "screen_blocked": None}),
])
def test_whole_procedure_for_every_kind(kind: Kind, ctx_kw: dict[str, object]) -> None:
    assert run(HAPPY_PATH, ready(kind=kind, **ctx_kw)) == "in_force"


def test_filing_before_announcement() -> None:
    steps = [("file", "clerk", False, "filed"), ("announce", "clerk", False,
             "announced_and_filed"), ("put_in_force", "clerk", False, "in_force")]
    assert run(steps, ready(), start="approved") == "in_force"


@pytest.mark.parametrize("state", ["approved", "announced", "filed"])
def test_not_in_force_before_both_announced_and_filed(state: str) -> None:
    with pytest.raises(IllegalTransition):
        decide(state, "put_in_force", roles=["clerk"], is_owner=False, ctx=ready(), now=T0)


def test_return_for_changes_restarts_the_whole_procedure() -> None:
    back = run([("return_for_changes", "approver", False, "returned"),
                ("submit", "applicant", True, "submitted")], ready(), start="assessed")
    assert back == "submitted"
    assert run(HAPPY_PATH[1:], ready(), start=back) == "in_force"


def test_return_incomplete_and_refuse_at_acceptance() -> None:
    assert run([("return_incomplete", "clerk", False, "returned")], ready(), "submitted") \
        == "returned"
    assert run([("refuse", "clerk", False, "refused")], ready(), "submitted") == "refused"


@pytest.mark.parametrize(("kind", "ctx_kw", "code"), [
    (Kind.NEW, {"has_reason": False}, "reason_missing"),
    (Kind.NEW, {"candidate_count": 0}, "candidate_missing"),
    (Kind.RENAME, {"candidate_count": 0, "has_target": True}, "candidate_missing"),
    (Kind.RENAME, {"has_target": False}, "target_missing"),
    (Kind.CANCEL, {"has_target": False, "candidate_count": 0}, "target_missing"),
])
def test_submit_preconditions(kind: Kind, ctx_kw: dict[str, object], code: str) -> None:
    with pytest.raises(PreconditionFailed) as err:
        decide("draft", "submit", roles=["applicant"], is_owner=True,
               ctx=ready(kind=kind, **ctx_kw), now=T0)
    assert err.value.code == code and err.value.http_status == 409


def test_cancel_needs_no_candidate_name() -> None:
    ctx = ready(kind=Kind.CANCEL, candidate_count=0, has_target=True)
    assert decide("draft", "submit", roles=["applicant"], is_owner=True, ctx=ctx, now=T0)


PRECONDITIONS = [
    ("surveyed", "open_review", "clerk", {"panel_size": 2}, "panel_too_small"),
    ("surveyed", "open_review", "clerk", {"panel_size": 0, "min_panel_size": 0},
     "panel_too_small"),
    ("under_review", "record_opinion", "expert", {"actor_has_opinion": True},
     "opinion_already_recorded"),
    ("under_review", "record_meeting", "clerk", {"opinions_count": 3}, "opinions_complete"),
    ("under_review", "record_meeting", "clerk", {"panel_size": 0, "opinions_count": 0},
     "opinions_complete"),
    ("under_review", "close_review", "clerk", {"opinions_count": 2}, "opinions_missing"),
    ("under_review", "close_review", "clerk", {"panel_size": 0, "opinions_count": 0},
     "opinions_missing"),
    ("reviewed", "open_comment", "clerk", {"comment_closes_at": None},
     "comment_period_missing"),
    ("reviewed", "open_comment", "clerk", {"comment_closes_at": T0}, "comment_period_past"),
    ("in_comment", "close_comment", "clerk", {"comment_closes_at": None},
     "comment_period_missing"),
    ("in_comment", "close_comment", "clerk", {"comment_closes_at": T0 + timedelta(seconds=1)},
     "comment_period_running"),
    ("comment_closed", "record_assessment", "clerk", {"undisposed_comments": 1},
     "comments_undisposed"),
    ("assessed", "approve", "approver", {"screen_blocked": True}, "screen_blocked"),
    ("assessed", "approve", "approver", {"screen_blocked": None}, "screen_missing"),
    ("approved", "announce", "clerk", {"has_announcement_fields": False},
     "announcement_fields_missing"),
    ("filed", "announce", "clerk", {"has_announcement_fields": False},
     "announcement_fields_missing"),
    ("approved", "file", "clerk", {"has_filing_record": False}, "filing_record_missing"),
]


@pytest.mark.parametrize(("state", "action", "role", "ctx_kw", "code"), PRECONDITIONS)
def test_preconditions(state: str, action: str, role: str, ctx_kw: dict[str, object],
                       code: str) -> None:
    ctx = ready(**ctx_kw)
    with pytest.raises(PreconditionFailed) as err:
        decide(state, action, roles=[role], is_owner=False, ctx=ctx, now=T0)
    assert err.value.code == code and err.value.http_status == 409
    assert err.value.message_zh and err.value.message_en
    assert action not in available_actions(state, [role], False, ctx, T0)


def test_comment_closes_exactly_at_the_end_by_the_clock() -> None:
    _, closes = comment_period(T0)
    ctx = ready(comment_closes_at=closes)
    with pytest.raises(PreconditionFailed) as err:
        decide("in_comment", "close_comment", roles=["clerk"], is_owner=False, ctx=ctx,
               now=closes - timedelta(microseconds=1))
    assert "2024-06-12 00:00" in err.value.message_zh
    t = decide("in_comment", "close_comment", roles=["clerk"], is_owner=False, ctx=ctx,
               now=closes)
    assert t.to_state is State.COMMENT_CLOSED
    assert comment_window_open("in_comment", ctx, closes - timedelta(seconds=1))
    assert not comment_window_open("in_comment", ctx, closes)
    assert not comment_window_open("reviewed", ctx, T0)
    assert not comment_window_open("in_comment", ready(comment_closes_at=None), T0)


def test_cancel_approval_needs_no_screen() -> None:
    ctx = ready(kind=Kind.CANCEL, screen_blocked=None)
    assert decide("assessed", "approve", roles=["approver"], is_owner=False, ctx=ctx, now=T0)
    with pytest.raises(PreconditionFailed):
        decide("assessed", "approve", roles=["approver"], is_owner=False,
               ctx=ready(kind=Kind.RENAME, screen_blocked=True), now=T0)


def test_expert_off_the_panel_is_not_permitted() -> None:
    with pytest.raises(NotPermitted) as err:
        decide("under_review", "record_opinion", roles=["expert"], is_owner=False,
               ctx=ready(actor_on_panel=False), now=T0)
    assert err.value.code == "not_on_panel" and err.value.http_status == 403


def test_illegal_transition_lists_possible_actions_in_both_languages() -> None:
    with pytest.raises(IllegalTransition) as err:
        decide("accepted", "approve", roles=["approver"], is_owner=False, ctx=ready(), now=T0)
    e = err.value
    assert "已受理" in e.message_zh and "批准" in e.message_zh
    assert "记录实地踏勘" in e.message_zh and "撤回申请" in e.message_zh
    assert "'accepted'" in e.message_en and "record_survey, withdraw" in e.message_en
    with pytest.raises(IllegalTransition) as err:
        decide("in_force", "file", roles=["clerk"], is_owner=False, ctx=ready(), now=T0)
    assert "已办结" in err.value.message_zh and "none" in err.value.message_en


def test_role_error_names_the_roles_that_may() -> None:
    with pytest.raises(NotPermitted) as err:
        decide("assessed", "approve", roles=["clerk", "committee"], is_owner=False,
               ctx=ready(), now=T0)
    assert "审批机关" in err.value.message_zh and "approver" in err.value.message_en


def test_role_is_checked_before_the_table() -> None:
    """Someone who may never approve learns nothing about the state."""
    with pytest.raises(NotPermitted):
        decide("draft", "approve", roles=["applicant"], is_owner=True, ctx=ready(), now=T0)


def test_inputs_as_strings_enums_and_roles() -> None:
    t = decide(State.ASSESSED, Action.APPROVE, roles={Role.APPROVER}, is_owner=False,
               ctx=ready(), now=T0)
    assert t.from_state is State.ASSESSED and t.to_state is State.APPROVED
    with pytest.raises(IllegalTransition) as err:
        decide("assessed", "delete_everything", roles=["clerk"], is_owner=False, ctx=ready(),
               now=T0)
    assert err.value.code == "unknown_action"
    with pytest.raises(ValueError):
        decide("limbo", "approve", roles=["approver"], is_owner=False, ctx=ready(), now=T0)
    with pytest.raises(ValueError):
        decide("assessed", "approve", roles=["approver"], is_owner=False, ctx=ready(),
               now=datetime(2024, 6, 1))
    with pytest.raises(ValueError):
        decide("in_comment", "close_comment", roles=["clerk"], is_owner=False,
               ctx=ready(comment_closes_at=datetime(2024, 6, 1)), now=T0)


def test_available_actions() -> None:
    assert available_actions("draft", ["applicant"], True, ready(), T0) == ["submit", "withdraw"]
    assert available_actions("draft", ["applicant"], False, ready(), T0) == []
    assert available_actions("submitted", ["clerk"], False, ready(), T0) == [
        "accept", "return_incomplete", "refuse"]
    assert available_actions("assessed", ["approver"], False, ready(), T0) == [
        "approve", "reject", "return_for_changes"]
    assert available_actions("assessed", ["approver"], False, ready(screen_blocked=True),
                             T0) == ["reject", "return_for_changes"]
    assert available_actions("approved", ["clerk"], False, ready(), T0) == ["announce", "file"]
    assert available_actions("in_force", ["clerk", "approver", "applicant"], True, ready(),
                             T0) == []
    for role in ("sysadmin", "auditor"):
        for state in State:
            assert available_actions(state, [role], True, ready(), T0) == []


def test_a_clerk_enters_an_offline_meeting_only_while_opinions_are_missing() -> None:
    """No account needed on the panel: the clerk enters the meeting's opinions, not an
    expert (who gives an opinion online), and only while the review is open."""
    pending = ready(opinions_count=1, actor_on_panel=False)
    t = decide("under_review", "record_meeting", roles=["clerk"], is_owner=False, ctx=pending,
               now=T0)
    assert (t.from_state, t.to_state) == (State.UNDER_REVIEW, State.UNDER_REVIEW)
    assert "record_meeting" in available_actions("under_review", ["clerk"], False, pending, T0)
    with pytest.raises(NotPermitted) as err:
        decide("under_review", "record_meeting", roles=["expert"], is_owner=False,
               ctx=pending, now=T0)
    assert err.value.code == "role_not_allowed"
    with pytest.raises(IllegalTransition):
        decide("reviewed", "record_meeting", roles=["clerk"], is_owner=False, ctx=pending,
               now=T0)
