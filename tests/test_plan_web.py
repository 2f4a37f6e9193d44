"""The plan's staff pages: roles, forms that keep what was typed, the blocking screen with the
reason field, release/rescreen/take, the public record page of a reserved name."""

import re

import account_builders
import plan_builders as pb
import procedure_builders as b
import pytest
from sqlalchemy import select

from placenames.models import AuditEvent
from placenames.ops import plans

NOW = b.NOW


def _token(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def login(client, username):
    r = account_builders.sign_in(client.application, client, username, "demo1234")
    assert r.status_code in (200, 302), r.get_data(True)


def post(client, url, data, page):
    html = client.get(page).get_data(True)
    return client.post(url, data={**data, "csrf_token": _token(html)})


@pytest.fixture
def world(app, session):
    users = b.world(session)
    app.config["CLOCK"] = lambda: NOW
    plan = pb.approved_plan(session, users)
    plans.reserve(session, plan, pb.reserve_input(), actor=users["clerk"], now=NOW)
    session.commit()
    return users


NAME = {"name": "丰京路", "cls": "road", "theme": "周文化", "meaning": "西周丰京故地",
        "jurisdiction": pb.WEICHENG, "geojson": pb.LINE, "location_desc": "渭城街道北部"}


def test_roles_and_pages(client, world):
    for role, code in (("applicant", 403), ("expert", 403), ("sysadmin", 403),
                       ("auditor", 200), ("committee", 200), ("clerk", 200)):
        login(client, role)
        assert client.get("/staff/plans").status_code == code, role
        assert client.get("/staff/plans/QH-T").status_code == code, role
        if code == 200:
            page = client.get("/staff/plans/QH-T").get_data(True)
            assert "长杨路" in page and "汉长杨宫故地" in page
            assert ('id="add-name"' in page) == (role == "clerk")
        client.get("/logout")
    login(client, "clerk")
    assert client.get("/staff/plans/NOPE").status_code == 404
    assert 'id="nav-plans"' in client.get("/staff/plans").get_data(True)
    en = client.get("/staff/plans/QH-T?lang=en").get_data(True)
    assert "Reserved names" in en and "reserved" in en
    zh = client.get("/staff/plans/QH-T?lang=zh").get_data(True)
    assert "备用" in zh and "秦汉文化" in zh


def test_create_plan_form_keeps_input(client, world, session):
    login(client, "clerk")
    bad = {"code": "QH-2031", "title": "下一期规划", "area": "xixian-qinhan",
           "period_start": "2035", "period_end": "2031", "themes": "秦汉文化\n周文化",
           "description": "说明文字"}
    r = post(client, "/staff/plans/new", bad, "/staff/plans/new")
    html = r.get_data(True)
    assert r.status_code == 400 and "终止年不能早于起始年" in html
    assert "下一期规划" in html and "说明文字" in html and 'value="2035"' in html
    r = post(client, "/staff/plans/new", {**bad, "period_end": "2040"}, "/staff/plans/new")
    assert r.status_code == 302 and r.headers["Location"].endswith("/staff/plans/QH-2031")
    assert plans.get_plan(session, "QH-2031").status == "draft"
    session.rollback()  # a SQLite transaction holds the write lock (BEGIN IMMEDIATE)
    dup = post(client, "/staff/plans/new", {**bad, "period_end": "2040"}, "/staff/plans/new")
    assert dup.status_code == 409


def test_reserve_form_block_then_reason(client, world, session):
    login(client, "clerk")
    page = "/staff/plans/QH-T/names/new"
    assert client.get(page).status_code == 200
    r = post(client, page, {**NAME, "meaning": ""}, page)
    html = r.get_data(True)
    assert r.status_code == 400 and "含义" in html and "丰京路" in html and "渭城街道北部" in html
    blocked = {**NAME, "name": "渭城路"}  # a demo road in force: the screen blocks it
    r = post(client, page, blocked, page)
    html = r.get_data(True)
    assert r.status_code == 400 and 'id="screen-result"' in html
    assert 'id="f-override_reason"' in html
    assert "108.79" in html  # the drawn geometry is kept
    r = post(client, page, {**blocked, "override_reason": "原渭城路将更名，名称留用"}, page)
    assert r.status_code == 302
    r = post(client, page, NAME, page)
    assert r.status_code == 302
    plan = plans.get_plan(session, pb.CODE)
    names = {x.place.name for x in plan.reserved}
    assert names == {"长杨路", "渭城路", "丰京路"}


def test_release_rescreen_take(client, world, session):
    login(client, "clerk")
    plan_page = "/staff/plans/QH-T"
    r = plans.get_plan(session, pb.CODE).reserved[0]
    base = f"/staff/plans/QH-T/names/{r.id}"
    session.rollback()
    assert post(client, f"{base}/rescreen", {}, plan_page).status_code == 302
    # release without a reason: the page again, 400, with the form open
    resp = post(client, f"{base}/release", {"reason": ""}, plan_page)
    assert resp.status_code == 400 and "释放理由" in resp.get_data(True)
    resp = post(client, f"{base}/take", {}, plan_page)
    assert resp.status_code == 302 and "/committee/applications/" in resp.headers["Location"]
    app_page = client.get(resp.headers["Location"]).get_data(True)
    assert "长杨路" in app_page and "地名规划" in app_page  # the carried screen, by its stage
    page = client.get(plan_page).get_data(True)
    assert "to-application" in page
    assert post(client, f"{base}/take", {}, plan_page).status_code == 409  # already taken
    assert post(client, f"{base}/release", {"reason": "规划调整"}, plan_page).status_code == 409
    session.expire_all()
    actions = set(session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity_type == "reserved_name")))
    assert {"reserve", "rescreen", "take"} <= actions


def test_approve_is_for_the_committee(client, world, session):
    login(client, "clerk")
    post(client, "/staff/plans/new", {"code": "QH-2031", "title": "下一期", "area":
                                      "xixian-qinhan", "period_start": "2031",
                                      "period_end": "2035", "themes": "秦汉文化"},
         "/staff/plans/new")
    page = "/staff/plans/QH-2031"
    assert 'id="approve-form"' not in client.get(page).get_data(True)
    client.get("/logout")
    login(client, "committee")
    version = str(plans.get_plan(session, "QH-2031").version)
    session.rollback()
    data = {"approving_body": "西咸新区管委会", "approval_doc_no": "陕西咸发〔2031〕1号",
            "approval_date": "2099-01-01", "version": version}
    r = post(client, f"{page}/approve", data, page)
    assert r.status_code == 400 and "陕西咸发〔2031〕1号" in r.get_data(True)
    r = post(client, f"{page}/approve", {**data, "approval_date": "2026-02-01"}, page)
    assert r.status_code == 302
    session.expire_all()
    assert plans.get_plan(session, "QH-2031").status == "approved"


def test_reserved_record_page_is_not_public(client, world, session):
    place_id = plans.get_plan(session, pb.CODE).reserved[0].place_id
    session.rollback()
    assert client.get(f"/names/{place_id}").status_code == 404
    assert "长杨路" not in client.get("/").get_data(True)
    login(client, "clerk")
    assert client.get(f"/names/{place_id}").status_code == 200
