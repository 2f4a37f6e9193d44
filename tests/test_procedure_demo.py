"""The demo shows every stage of the procedure: an application in each state the transition
table reaches (derived from ``placenames.workflow``, not listed here), built through the real
operations; the demo users named as next to act can act; the demo clerk takes one application
through its next step over HTTP."""

import re
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from placenames.models import Expert, Place, User
from placenames.models.workflow import Application, PublicComment
from placenames.ops import plans
from placenames.ops.demo import applications as demo_apps
from placenames.ops.demo import loader
from placenames.ops.demo import plan as demo_plan
from placenames.ops.procedure import applications as apps
from placenames.ops.procedure import experts as expert_ops
from placenames.ops.procedure import steps
from placenames.workflow import TERMINAL_STATES, TRANSITIONS, Action, State

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
pytestmark = pytest.mark.real_demo_load  # the loader itself, not the tests' copy of its rows


def reachable_states() -> set[State]:
    """Every state the transition table reaches from a new application."""
    seen, frontier = {State.DRAFT}, [State.DRAFT]
    while frontier:
        here = frontier.pop()
        for (source, _action), target in TRANSITIONS.items():
            if source == here and target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen


@pytest.fixture
def demo(app, session):
    cfg = apps.Settings.from_config(app.config, app.instance_path)
    report = loader.load(session, now=NOW, procedure=cfg)
    session.commit()
    app.config["CLOCK"] = lambda: NOW
    return report, cfg


def _by_name(session):
    """The demo applications (the demo applicant's) by the name they propose; the demo naming
    plan's application, filed by the clerk, is tested with the plan (test_plan_ops.py)."""
    return {a.candidates[0].name: a for a in session.scalars(
        select(Application).join(User, User.id == Application.applicant_id)
        .where(User.username == "applicant"))}


def test_the_demo_has_an_application_in_every_reachable_state(session, demo):
    report, cfg = demo
    reachable = reachable_states()
    assert len(reachable) >= 15 and reachable >= TERMINAL_STATES  # the walk went everywhere
    apps_by_name = _by_name(session)
    states = {State(a.state) for a in apps_by_name.values()}
    assert reachable - states == set()
    assert report["applications"] == len(demo_apps.DEMO_APPLICATIONS) == len(apps_by_name)
    for spec in demo_apps.DEMO_APPLICATIONS:  # each stands where its listing says
        assert apps_by_name[spec.name].state == spec.state, spec.name
    # two notices: one still open to the public, one whose period is over (the clerk closes it)
    notices = [a for a in apps_by_name.values() if a.state == State.IN_COMMENT]
    assert sorted(steps.comments_open(a, NOW) for a in notices) == [False, True]
    # the one in force is in the register; every step was taken before now
    assert session.scalar(select(Place).where(Place.name == "长乐路")).status == "in_force"
    for a in apps_by_name.values():
        assert all(e.at <= NOW for e, _who in apps.timeline(session, a))
    # the demo naming plan: approved, one name taken by a submitted application, one released
    plan = plans.get_plan(session, demo_plan.CODE)
    assert plan.status == "approved" and len(plan.reserved) == len(demo_plan.RESERVED)
    assert plans.counts(plan) == {"reserved": 6, "taken": 1, "used": 0, "released": 1}
    taken_name, taken_id = demo_plan.taken_application(session)
    taken = session.get(Application, uuid.UUID(taken_id))
    assert taken_name == "安陵路" and taken.state == State.SUBMITTED
    assert [r["stage"] for r in apps.step_data(session, taken, "screen")] == ["plan",
                                                                             "submission"]
    # loading again changes nothing
    before = session.scalar(select(func.count()).select_from(Application))
    again = loader.load(session, now=NOW, procedure=cfg)
    assert again["applications"] == 0 and again["reserved_names"] == 0
    assert session.scalar(select(func.count()).select_from(Application)) == before


def test_the_demo_has_expert_accounts_linked_to_the_pool_and_one_to_link(session, demo):
    linked = session.scalars(select(Expert).where(Expert.user_id.is_not(None),
                                                  Expert.active.is_(True))).all()
    assert len(linked) >= 3 and all(e.user.has_role("expert") for e in linked)
    assert [u.username for u in expert_ops.linkable_accounts(session)] == ["expert4"]
    reviewed = _by_name(session)["汉韵路"]  # its opinions were entered from a meeting
    assert all(m.meeting_on is not None and m.entered_by.username == "clerk"
               for m in reviewed.panel)


def test_the_demo_users_named_next_can_take_the_next_step(session, demo):
    _report, cfg = demo
    users = {u.username: u for u in session.scalars(select(User))}
    for state, name, app_id, roles in demo_apps.overview(session):
        app = session.get(Application, uuid.UUID(app_id))
        if State(state) in TERMINAL_STATES:
            assert roles == [], name
            continue
        assert roles, name
        for role in roles:
            acts = [a for a in apps.actions_for(session, app, users[role], cfg, NOW)
                    if a is not Action.WITHDRAW]
            if State(state) is State.IN_COMMENT and steps.comments_open(app, NOW):
                assert acts == []  # the public comments; the clerk closes it when it is over
                continue
            assert acts, (name, state, role)


def _token(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_the_demo_clerk_closes_the_ended_notice_over_http(client, session, demo):
    ended = _by_name(session)["凤栖路"]
    app_id, version = ended.id, ended.version
    session.rollback()
    r = client.post("/login", data={"username": "clerk", "password": "demo1234",
                                    "csrf_token": _token(client.get("/login").get_data(True))})
    assert r.status_code == 302
    page = f"/committee/applications/{app_id}"
    html = client.get(page).get_data(True)
    assert 'id="act-close_comment"' in html and 'data-state="in_comment"' in html
    r = client.post(f"{page}/actions/close_comment",
                    data={"version": version, "csrf_token": _token(html)})
    assert r.status_code == 302
    html = client.get(page).get_data(True)
    assert 'data-state="comment_closed"' in html
    # its comment waits for a disposition, then the assessment can be recorded
    comment_id = session.scalar(select(PublicComment.id).where(
        PublicComment.application_id == app_id))
    session.rollback()
    r = client.post(f"{page}/comments/{comment_id}/disposition",
                    data={"disposition": "已采纳", "csrf_token": _token(html)})
    assert r.status_code == 302
    assert 'id="act-record_assessment"' in client.get(page).get_data(True)


def test_the_demo_meeting_is_on_the_timeline_with_its_minutes(client, session, demo):
    reviewed = _by_name(session)["汉韵路"]
    app_id = reviewed.id
    session.rollback()
    client.post("/login", data={"username": "clerk", "password": "demo1234",
                                "csrf_token": _token(client.get("/login").get_data(True))})
    html = client.get(f"/committee/applications/{app_id}").get_data(True)
    assert html.count("由地名办科员（演示）代为录入") == 3  # the panel, one per expert
    assert html.count("由地名办科员（演示）代专家") == 3  # the timeline names each expert
    link = re.search(r'href="([^"]+/minutes/[^"]+)"', html).group(1)
    r = client.get(link)
    assert r.status_code == 200 and r.data.startswith(b"%PDF-")
