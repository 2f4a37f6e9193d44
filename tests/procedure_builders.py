"""Builders for the ``test_procedure_*`` modules: the demo frame, experts, an application
driven to any state. Imported as ``procedure_builders`` (tests/ is on sys.path)."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from placenames.models import Expert, User
from placenames.ops.accounts.users import ensure_user
from placenames.ops.demo import loader as demo
from placenames.ops.procedure import applications as apps
from placenames.ops.procedure import meetings
from placenames.ops.procedure import steps as steps
from placenames.ops.procedure.experts import ExpertInput, add_expert
from placenames.workflow import State

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in China
LINE = '{"type": "LineString", "coordinates": [[108.840, 34.262], [108.846, 34.275]]}'
EXPERTS = [("expert", "专家（演示）", "西北大学"), ("expert2", "李专家", "陕西师范大学"),
           ("expert3", "王专家", "长安大学"), ("expert4", "赵专家", "沣东新城建设局")]



def settings(tmp_path=None, **kw):
    return apps.Settings(upload_dir=Path(tmp_path) / "uploads" if tmp_path else None, **kw)


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


def world(session):
    """The demo registry, its users and its pool of three experts with accounts, and a fourth
    expert of the applicant's own organization, who must never be drawn."""
    demo.load(session)
    clerk = user(session, "clerk")
    linked = set(session.scalars(select(Expert.user_id)))
    for username, name, org in EXPERTS:
        u = ensure_user(session, username, name, "demo1234", ["expert"], org)
        if u.id not in linked:
            add_expert(session, ExpertInput(name=name, affiliation=org, specialties="地名",
                                            username=u.username), actor=clerk)
    session.flush()
    return {u.username: u for u in session.scalars(select(User))}


def draft(session, users, name="丰邑路", kind="new", old_name=None, cls="road"):
    data = apps.ApplicationInput(
        kind=kind, cls=cls, candidates=[apps.CandidateInput(name, "取周文王丰京之意")]
        if kind != "cancel" else [],
        reason="新建城市支路，需要命名", location_desc="沣东新城建章路街道，建章路以东",
        jurisdiction_code="610112012", applicant_org="沣东新城建设局", old_name=old_name,
        start_desc="建章路", end_desc="三桥新街", length_m=1500, width_m=30)
    return apps.create_application(session, data, actor=users["applicant"], now=NOW)


SCREEN_REASON = "申请人坚持此名：已征询街道意见"  # needed only when the screen blocks

ORDER = [State.SUBMITTED, State.ACCEPTED, State.SURVEYED, State.UNDER_REVIEW, State.REVIEWED,
         State.IN_COMMENT, State.COMMENT_CLOSED, State.ASSESSED, State.APPROVED,
         State.ANNOUNCED, State.ANNOUNCED_AND_FILED, State.IN_FORCE]


def advance(session, app, users, cfg, until, now=NOW, panel_seed=7):
    """Drive ``app`` through the procedure until it reaches ``until``; returns the clock."""
    u = users
    while app.state != until:
        v = app.version
        st = State(app.state)
        if st in (State.DRAFT, State.RETURNED):
            steps.submit(session, app, actor=u["applicant"], now=now, settings=cfg,
                         expected_version=v, screen_reason=SCREEN_REASON)
        elif st is State.SUBMITTED:
            steps.simple(session, app, "accept", actor=u["clerk"], now=now, settings=cfg,
                         expected_version=v)
        elif st is State.ACCEPTED:
            steps.record_survey(session, app, steps.SurveyInput(
                surveyed_on=date(2026, 3, 1), findings="道路已建成，路面宽 30 米", length_m=1480,
                width_m=30, geojson=LINE), actor=u["surveyor"], now=now, settings=cfg,
                expected_version=v)
        elif st is State.SURVEYED:
            steps.open_review(session, app, size=3, seed=panel_seed, actor=u["clerk"], now=now,
                              settings=cfg, expected_version=v)
        elif st is State.UNDER_REVIEW:
            member = next(m for m in app.panel if not m.opinion)
            expert_user = session.get(User, member.expert.user_id)
            steps.record_opinion(session, app, opinion="agree", reasons="名称寓意清楚",
                                 actor=expert_user, now=now, settings=cfg, expected_version=v)
            if all(m.opinion for m in app.panel) and until is not State.UNDER_REVIEW:
                steps.close_review(session, app, actor=u["clerk"], now=now, settings=cfg,
                                   expected_version=app.version)
        elif st is State.REVIEWED:
            steps.open_comment(session, app, actor=u["clerk"], now=now, settings=cfg,
                               expected_version=v)
        elif st is State.IN_COMMENT:
            now = app.comment_closes + timedelta(minutes=1)
            steps.simple(session, app, "close_comment", actor=u["clerk"], now=now, settings=cfg,
                         expected_version=v)
        elif st is State.COMMENT_CLOSED:
            steps.record_assessment(session, app, {"legality": "合法", "conclusion": "可行"},
                                    actor=u["committee"], now=now, settings=cfg,
                                    expected_version=v)
        elif st is State.ASSESSED:
            steps.approve(session, app, steps.DecisionInput(
                approving_body="西咸新区管委会", doc_no="陕西咸发〔2026〕12号",
                decided_on=now.date()), actor=u["approver"], now=now, settings=cfg,
                expected_version=v)
        elif st is State.APPROVED:
            steps.announce(session, app, actor=u["clerk"], now=now, settings=cfg,
                           expected_version=v)
        elif st is State.ANNOUNCED:
            steps.file(session, app, steps.FilingInput("BA-2026-001", now.date()),
                       actor=u["clerk"], now=now, settings=cfg, expected_version=v)
        elif st is State.ANNOUNCED_AND_FILED:
            steps.put_in_force(session, app, actor=u["clerk"], now=now, settings=cfg,
                               expected_version=v)
        else:
            raise AssertionError(f"cannot advance from {st}")
    return now


# a small, complete PDF: what the minutes check asks of a PDF (header and end-of-file marker)
PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n"
       b"<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
TODAY = date(2026, 3, 2)  # NOW's date in China


def expert_without_account(session, users, name="钱专家", org="西安建筑科技大学"):
    """An expert of the pool with no account: drawn like any other, heard at a meeting."""
    expert = add_expert(session, ExpertInput(name=name, affiliation=org, specialties="地名"),
                        actor=users["clerk"])
    session.flush()
    return expert


def under_review_with_an_expert_without_account(session, users, cfg):
    """An application under review whose panel of four is every eligible expert: the three
    demo experts with accounts and 钱专家, who has none."""
    expert_without_account(session, users)
    app = draft(session, users)
    advance(session, app, users, cfg, State.SURVEYED)
    steps.open_review(session, app, size=4, seed=7, actor=users["clerk"], now=NOW,
                      settings=cfg, expected_version=app.version)
    assert any(m.expert.user_id is None for m in app.panel)
    return app


def meeting(app, opinion="agree", held_on=TODAY, minutes=("纪要.pdf", PDF), only=None):
    """A meeting entering ``opinion`` for every panel expert still without one (or ``only``
    those named), with reasons naming the expert."""
    members = [m for m in app.panel if not m.opinion
               and (only is None or m.expert.name in only)]
    return meetings.MeetingInput(held_on=held_on, minutes=minutes, opinions=[
        meetings.MeetingOpinion(str(m.expert_id), opinion, f"{m.expert.name}：名称寓意清楚")
        for m in members])
