"""The expert pool's accounts: a clerk links an account holding the expert role (and linked to
no other expert) to a pool expert, or unlinks it; wrong choices are clear 4xx; the pool is the
clerk's alone (the 三员 handle no business data)."""

import re

import account_builders
import procedure_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest
from sqlalchemy import select

from placenames.errors import BadInput, Conflict, Forbidden, NotFound
from placenames.models import AuditEvent, Expert
from placenames.ops.accounts.users import ensure_user, set_active
from placenames.ops.procedure import applications as apps
from placenames.ops.procedure import experts as expert_ops
from placenames.ops.procedure import steps
from placenames.workflow import State

NOW = b.NOW


@pytest.fixture
def world(session):
    b.world(session)
    ensure_user(session, "expert5", "专家五", "demo1234", ["expert"], "西北农林科技大学")
    ensure_user(session, "disabled", "停用专家", "demo1234", ["expert"], "西北大学")
    set_active(session, b.user(session, "disabled"), False)
    session.flush()
    return {u.username: u for u in session.scalars(select(b.User))}


def _expert(session, name):
    return session.scalar(select(Expert).where(Expert.name == name))


def test_a_clerk_links_and_unlinks_an_account_with_an_audit_event_each(session, world):
    qian = b.expert_without_account(session, world)
    assert "expert5" in {u.username for u in expert_ops.linkable_accounts(session)}
    expert_ops.link_account(session, qian, "expert5", actor=world["clerk"], now=NOW)
    assert qian.user.username == "expert5"
    assert "expert5" not in {u.username for u in expert_ops.linkable_accounts(session)}
    expert_ops.unlink_account(session, qian, actor=world["clerk"], now=NOW)
    assert qian.user_id is None
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "expert", AuditEvent.entity_id == str(qian.id))
        .order_by(AuditEvent.action)).all()
    assert [(e.action, e.actor_id, e.note) for e in events] == [
        ("link_account", world["clerk"].id, "钱专家 ↔ expert5"),
        ("unlink_account", world["clerk"].id, "钱专家 ↔ expert5")]


def test_wrong_choices_are_clear_4xx_and_change_nothing(session, world):
    qian = b.expert_without_account(session, world)
    linked = _expert(session, "专家二（演示）")
    clerk = world["clerk"]
    cases = [  # (expert, username, error, status, words)
        (qian, "applicant", BadInput, 400, "expert role"),  # no expert role
        (qian, "nobody", BadInput, 400, "no account"),
        (qian, "", BadInput, 400, "choose the account"),
        (qian, "disabled", Conflict, 409, "disabled"),
        (qian, "expert", Conflict, 409, "already linked to the expert 专家（演示）"),
        (linked, "expert5", Conflict, 409, "unlink it first"),
    ]
    for expert, username, error, status, words in cases:
        with pytest.raises(error) as err:
            expert_ops.link_account(session, expert, username, actor=clerk, now=NOW)
        assert err.value.http_status == status and words in err.value.user_msg, username
        assert " / " in err.value.user_msg  # Chinese, then English
    with pytest.raises(Conflict):
        expert_ops.unlink_account(session, qian, actor=clerk, now=NOW)
    for admin in ("sysadmin", "auditor", "approver"):
        with pytest.raises(Forbidden):
            expert_ops.link_account(session, qian, "expert5", actor=world[admin], now=NOW)
        with pytest.raises(Forbidden):
            expert_ops.add_expert(session, expert_ops.ExpertInput(name="孙专家"),
                                  actor=world[admin])
    assert qian.user_id is None and linked.user.username == "expert2"
    assert session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "expert")) is None
    # adding an expert with an account checks the account the same way
    with pytest.raises(Conflict):
        expert_ops.add_expert(session, expert_ops.ExpertInput(name="孙专家",
                                                              username="disabled"), actor=clerk)


def test_linking_a_drawn_expert_lets_them_give_the_opinion_online(session, world, tmp_path):
    """A panel drawn with an expert without an account works; linking an account later lets
    that expert see the application and give the opinion online; unlinking hides it again."""
    cfg = b.settings(tmp_path)
    app = b.under_review_with_an_expert_without_account(session, world, cfg)
    qian = _expert(session, "钱专家")
    five = world["expert5"]
    with pytest.raises(NotFound):  # not on a panel yet: the application is not theirs to see
        apps.get_for(session, app.id, five)
    expert_ops.link_account(session, qian, "expert5", actor=world["clerk"], now=NOW)
    assert apps.get_for(session, app.id, five) is app
    steps.record_opinion(session, app, opinion="disagree", reasons="专名用字生僻", actor=five,
                         now=NOW, settings=cfg, expected_version=app.version)
    member = next(m for m in app.panel if m.expert_id == qian.id)
    assert (member.opinion, member.entered_by_id, member.meeting_on) == ("disagree", five.id,
                                                                         None)
    expert_ops.unlink_account(session, qian, actor=world["clerk"], now=NOW)
    with pytest.raises(NotFound):
        apps.get_for(session, app.id, five)
    assert app.state == State.UNDER_REVIEW


# --- the page --------------------------------------------------------------------------------

def _token(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def login(client, username):
    r = account_builders.sign_in(client.application, client, username)
    assert r.status_code in (200, 302), r.get_data(True)


def _post(client, url, data):
    html = client.get("/committee/experts").get_data(True)
    return client.post(url, data={**data, "csrf_token": _token(html)})


@pytest.fixture
def pool(app, session, world):
    app.config["CLOCK"] = lambda: NOW
    qian = b.expert_without_account(session, world)
    session.commit()
    return str(qian.id)


def _row(html, expert_id):
    return re.search(rf'<tr id="expert-{expert_id}".*?</tr>', html, re.S).group(0)


def test_the_experts_page_shows_accounts_and_links_one(client, session, pool):
    login(client, "clerk")
    html = client.get("/committee/experts").get_data(True)
    row = _row(html, pool)
    assert "无账号" in row and '<option value="expert5"' in row
    # only linkable accounts are offered: no linked expert, no disabled account, no applicant
    assert '<option value="expert"' not in row and '<option value="disabled"' not in row
    assert '<option value="applicant"' not in row
    linked = str(_expert(session, "专家（演示）").id)
    session.rollback()
    assert "expert (专家（演示）)" in _row(html, linked)

    r = _post(client, f"/committee/experts/{pool}/account", {"username": "expert5"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"#expert-{pool}")
    row = _row(client.get("/committee/experts").get_data(True), pool)
    assert "expert5 (专家五)" in row and "解除关联" in row

    r = _post(client, f"/committee/experts/{pool}/account/unlink", {})
    assert r.status_code == 302
    assert "无账号" in _row(client.get("/committee/experts").get_data(True), pool)


@pytest.mark.parametrize(("username", "status", "words"), [
    ("applicant", 400, "不是专家角色"), ("disabled", 409, "已停用"),
    ("expert", 409, "已关联专家“专家（演示）”"), ("", 400, "请选择要关联的账号")])
def test_a_wrong_choice_on_the_page_is_a_4xx_with_the_message_in_its_row(client, pool,
                                                                        username, status,
                                                                        words):
    login(client, "clerk")
    r = _post(client, f"/committee/experts/{pool}/account", {"username": username})
    html = r.get_data(True)
    assert r.status_code == status and 'id="error-summary"' in html
    assert words in _row(html, pool)


def test_a_refused_new_expert_keeps_what_was_typed(client, pool):
    login(client, "clerk")
    r = _post(client, "/committee/experts", {"name": "", "affiliation": "西安交通大学",
                                             "specialties": "历史, 地理"})
    html = r.get_data(True)
    assert r.status_code == 400 and "请填写专家姓名" in html
    assert 'value="西安交通大学"' in html and 'value="历史, 地理"' in html
    r = _post(client, "/committee/experts", {"name": "孙专家", "username": "disabled"})
    assert r.status_code == 409 and 'value="孙专家"' in r.get_data(True)


def test_the_pool_is_not_the_system_administrators_business(client, pool):
    for who in ("sysadmin", "auditor"):
        login(client, who)
        assert client.get("/committee/experts").status_code == 403
        html = client.get("/login").get_data(True)
        r = client.post(f"/committee/experts/{pool}/account",
                        data={"username": "expert5", "csrf_token": _token(html)})
        assert r.status_code == 403
    login(client, "clerk")
    r = _post(client, "/committee/experts/00000000-0000-0000-0000-000000000000/account",
              {"username": "expert5"})
    assert r.status_code == 404
