"""The transition table and the role matrix against expectations written out by hand."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from placenames.models.people import Role
from placenames.workflow import (
    ALLOWED_ROLES,
    TERMINAL_STATES,
    TRANSITIONS,
    Action,
    Context,
    IllegalTransition,
    Kind,
    NotPermitted,
    State,
    decide,
)
from placenames.workflow.states import ACTION_LABELS_ZH, EDITABLE_STATES, STATE_LABELS_ZH

NOW = datetime(2024, 6, 1, 2, 0, tzinfo=UTC)

# Every edge, written by hand. A change to the table must change this too.
BEFORE_DECISION = ["draft", "submitted", "returned", "accepted", "surveyed", "under_review",
                   "reviewed", "in_comment", "comment_closed", "assessed"]
EXPECTED_EDGES: dict[tuple[str, str], str] = {
    ("draft", "submit"): "submitted",
    ("returned", "submit"): "submitted",
    ("submitted", "accept"): "accepted",
    ("submitted", "return_incomplete"): "returned",
    ("submitted", "refuse"): "refused",
    ("accepted", "record_survey"): "surveyed",
    ("surveyed", "open_review"): "under_review",
    ("under_review", "record_opinion"): "under_review",
    ("under_review", "record_meeting"): "under_review",
    ("under_review", "close_review"): "reviewed",
    ("reviewed", "open_comment"): "in_comment",
    ("in_comment", "close_comment"): "comment_closed",
    ("comment_closed", "record_assessment"): "assessed",
    ("assessed", "approve"): "approved",
    ("assessed", "reject"): "rejected",
    ("assessed", "return_for_changes"): "returned",
    ("approved", "announce"): "announced",
    ("approved", "file"): "filed",
    ("announced", "file"): "announced_and_filed",
    ("filed", "announce"): "announced_and_filed",
    ("announced_and_filed", "put_in_force"): "in_force",
    **{(s, "withdraw"): "withdrawn" for s in BEFORE_DECISION},
}

# Who may do what, written by hand (the 三员, sysadmin, secadmin and auditor: nothing).
EXPECTED_ROLES: dict[str, set[str]] = {
    "applicant": {"submit", "withdraw"},
    "clerk": {"submit", "withdraw", "accept", "return_incomplete", "refuse", "open_review",
              "record_meeting", "close_review", "open_comment", "close_comment",
              "record_assessment", "announce", "file", "put_in_force"},
    "surveyor": {"record_survey"},
    "expert": {"record_opinion"},
    "committee": {"record_assessment"},
    "approver": {"approve", "reject", "return_for_changes"},
    "sysadmin": set(),
    "secadmin": set(),
    "auditor": set(),
}
ALL_ROLES = list(EXPECTED_ROLES)


def ready(**kw: object) -> Context:
    """A context in which every precondition holds."""
    base: dict[str, object] = dict(
        kind=Kind.NEW, has_reason=True, candidate_count=1, has_target=True, panel_size=3,
        opinions_count=3, actor_on_panel=True, actor_has_opinion=False,
        comment_closes_at=NOW - timedelta(seconds=1), undisposed_comments=0,
        screen_blocked=False, has_announcement_fields=True, has_filing_record=True)
    base.update(kw)
    return Context(**base)  # type: ignore[arg-type]


def ready_for(action: str) -> Context:
    """Every precondition of ``action`` holds (a comment period opens in the future)."""
    if action == "open_comment":
        return ready(comment_closes_at=NOW + timedelta(days=10))
    if action == "record_meeting":  # an offline meeting enters opinions still missing
        return ready(opinions_count=1)
    return ready()


def test_state_and_action_values_fit_the_column() -> None:
    assert {s.value for s in State} == {
        "draft", "submitted", "returned", "accepted", "refused", "surveyed", "under_review",
        "reviewed", "in_comment", "comment_closed", "assessed", "approved", "rejected",
        "announced", "filed", "announced_and_filed", "in_force", "withdrawn"}
    assert all(len(s.value) <= 24 for s in State)  # applications.state is String(24)
    assert set(STATE_LABELS_ZH) == set(State) and set(ACTION_LABELS_ZH) == set(Action)
    assert set(ALLOWED_ROLES) == set(Action)


def test_roles_are_the_stored_roles() -> None:
    assert {r.value for r in Role} == set(ALL_ROLES)
    assert set().union(*ALLOWED_ROLES.values()) <= {r.value for r in Role}


def test_table_equals_the_hand_written_edges() -> None:
    assert {(str(s), str(a)): str(t) for (s, a), t in TRANSITIONS.items()} == EXPECTED_EDGES
    assert {str(s) for s in TERMINAL_STATES} == {"refused", "rejected", "in_force", "withdrawn"}
    assert {str(s) for s in EDITABLE_STATES} == {"draft", "returned"}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(State, Action)))
def test_every_state_action_pair(state: State, action: Action) -> None:
    """The guard follows the table for every pair, with an actor who holds every role."""
    expected = EXPECTED_EDGES.get((state.value, action.value))
    call = dict(roles=ALL_ROLES, is_owner=True, ctx=ready_for(action), now=NOW)
    if expected is None:
        with pytest.raises(IllegalTransition) as err:
            decide(state, action, **call)  # type: ignore[arg-type]
        assert err.value.http_status == 409 and err.value.code == "illegal_transition"
    else:
        t = decide(state, action, **call)  # type: ignore[arg-type]
        assert (t.from_state, t.to_state, t.action) == (state, expected, action)


def _edge_from(action: str) -> str:
    return next(s for (s, a) in EXPECTED_EDGES if a == action)


@pytest.mark.parametrize(("role", "action"), list(itertools.product(ALL_ROLES, Action)))
def test_role_action_matrix(role: str, action: Action) -> None:
    """On a legal edge with every precondition met, only the hand-written roles pass."""
    state = _edge_from(action.value)
    allowed = action.value in EXPECTED_ROLES[role]
    assert (role in ALLOWED_ROLES[action]) == allowed
    call = dict(roles=[role], is_owner=True, ctx=ready_for(action), now=NOW)
    if allowed:
        assert decide(state, action, **call).action == action  # type: ignore[arg-type]
    else:
        with pytest.raises(NotPermitted) as err:
            decide(state, action, **call)  # type: ignore[arg-type]
        assert err.value.http_status == 403 and err.value.code == "role_not_allowed"


@pytest.mark.parametrize("role", ["applicant", "clerk"])
@pytest.mark.parametrize(("state", "action"), [
    ("draft", "submit"), ("returned", "submit"), ("submitted", "withdraw"),
    ("in_comment", "withdraw")])
def test_owner_actions_need_ownership(role: str, state: str, action: str) -> None:
    with pytest.raises(NotPermitted) as err:
        decide(state, action, roles=[role], is_owner=False, ctx=ready(), now=NOW)
    assert err.value.code == "not_owner"
    assert decide(state, action, roles=[role], is_owner=True, ctx=ready(), now=NOW)


def test_staff_actions_do_not_depend_on_ownership() -> None:
    t = decide("submitted", "accept", roles=["clerk"], is_owner=False, ctx=ready(), now=NOW)
    assert t.to_state is State.ACCEPTED
