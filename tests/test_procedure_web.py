"""The procedure's pages and API: roles × routes, 404 for others' applications, stale forms,
the public comment form (CSRF, rate limit, script injection), documents as PDF, tokens."""

import html
import re
import subprocess

import account_builders
import procedure_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest
from cli_builders import run_cli
from sqlalchemy import func, select

from placenames.models import AuditEvent
from placenames.models.workflow import PublicComment
from placenames.ops.accounts import tokens
from placenames.ops.accounts.users import ensure_user
from placenames.workflow import State

NOW = b.NOW
ROLES = ["applicant", "clerk", "surveyor", "expert", "committee", "approver", "sysadmin",
         "auditor"]


def _token(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def login(client, username, password="demo1234"):
    r = account_builders.sign_in(client.application, client, username, password)
    assert r.status_code in (200, 302), r.get_data(True)


def post(client, url, data, page=None):
    page = page or url
    html = client.get(page).get_data(True)
    return client.post(url, data={**data, "csrf_token": _token(html)})


@pytest.fixture
def world(app, session, tmp_path):
    users = b.world(session)
    app.config["CLOCK"] = lambda: NOW
    session.commit()
    return users


@pytest.fixture
def draft(session, world):
    a = b.draft(session, world)
    session.commit()
    return a


def _page(app_id):
    return f"/committee/applications/{app_id}"


# --- permissions: role × route -----------------------------------------------------------------

ROUTES = {  # route → roles that get 200 (others: 403)
    "/committee/": set(ROLES) - {"sysadmin"},
    "/committee/applications": set(ROLES) - {"sysadmin"},
    "/committee/applications/new": {"applicant", "clerk"},
    "/committee/experts": {"clerk"},  # the pool is business data: not the 三员's
}


@pytest.mark.parametrize("role", ROLES)
def test_permission_table_role_by_route(client, world, draft, role):
    login(client, role)
    for route, allowed in ROUTES.items():
        r = client.get(route)
        assert r.status_code == (200 if role in allowed else 403), (role, route)
    # the application page: staff who follow every application see it; the applicant owns
    # it; an expert not on its panel gets 404, never 403 (the system administrator has no
    # part in the procedure: 403 for every application, existing or not)
    sees = {"applicant", "clerk", "surveyor", "committee", "approver", "auditor"}
    expected = 200 if role in sees else 403 if role == "sysadmin" else 404
    assert client.get(_page(draft.id)).status_code == expected
    missing = client.get(_page("00000000-0000-0000-0000-000000000000")).status_code
    assert missing == (403 if role == "sysadmin" else 404)


def test_signed_out_users_are_sent_to_sign_in(client, world, draft):
    for route in ("/committee/", _page(draft.id), "/committee/experts"):
        r = client.get(route)
        assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_another_applicants_application_is_404_not_403(client, session, world, draft):
    ensure_user(session, "other", "别人", "demo1234", ["applicant"], "别的单位")
    session.commit()
    login(client, "other")
    assert client.get(_page(draft.id)).status_code == 404
    login(client, "applicant")
    html = client.get(_page(draft.id)).get_data(True)
    r = client.post(f"{_page(draft.id)}/actions/submit",
                    data={"version": draft.version, "csrf_token": _token(html)})
    assert r.status_code == 302
    login(client, "other")
    r = client.post(f"{_page(draft.id)}/actions/withdraw",
                    data={"version": 99, "csrf_token": _token(client.get("/login")
                                                              .get_data(True))})
    assert r.status_code == 404


def test_wrong_role_gets_403_and_an_illegal_step_409_with_the_reason(client, world, draft):
    login(client, "applicant")
    assert post(client, f"{_page(draft.id)}/actions/submit", {"version": 1},
                _page(draft.id)).status_code == 302
    login(client, "surveyor")
    r = post(client, f"{_page(draft.id)}/actions/accept", {"version": 2}, _page(draft.id))
    assert r.status_code == 403 and "地名办工作人员" in r.get_data(True)
    login(client, "approver")
    r = post(client, f"{_page(draft.id)}/actions/approve",
             {"version": 2, "approving_body": "x", "doc_no": "1", "decided_on": "2026-03-01"},
             _page(draft.id))
    assert r.status_code == 409 and "不能批准" in r.get_data(True)


def test_a_stale_form_gets_409_changed_by_someone_else(client, session, world, draft):
    login(client, "applicant")
    html = client.get(_page(draft.id)).get_data(True)
    token = _token(html)
    assert 'name="version" value="1"' in html
    assert client.post(f"{_page(draft.id)}/actions/submit",
                       data={"version": 1, "csrf_token": token}).status_code == 302
    login(client, "clerk")
    r = post(client, f"{_page(draft.id)}/actions/accept", {"version": 1}, _page(draft.id))
    assert r.status_code == 409 and "已被他人修改" in r.get_data(True)
    r = client.post(f"{_page(draft.id)}/actions/accept", data={"version": 1},
                    headers={"Accept": "application/json"})
    assert r.status_code == 400  # no CSRF token: refused before anything else


# --- the whole path through the pages --------------------------------------------------------

def test_full_path_through_the_pages_in_chinese(client, app, session, world, tmp_path):
    login(client, "applicant")
    r = post(client, "/committee/applications/new", {
        "kind": "new", "cls": "road", "jurisdiction": "610112012", "name1": "丰邑路",
        "name1_reason": "取周文王丰京之意", "reason": "新建道路", "applicant_org": "沣东新城建设局",
        "location_desc": "建章路以东", "length_m": "1500", "width_m": "30"})
    assert r.status_code == 302
    page = r.headers["Location"]
    app_id = page.rsplit("/", 1)[-1]

    def act(user, action, **fields):
        login(client, user)
        html = client.get(page).get_data(True)
        assert f'id="act-{action}"' in html, (user, action, re.findall(r'id="act-(\w+)"', html))
        version = re.search(r'name="version" value="(\d+)"', html).group(1)
        resp = client.post(f"{page}/actions/{action}",
                           data={**fields, "version": version, "csrf_token": _token(html)},
                           content_type="multipart/form-data")
        assert resp.status_code == 302, resp.get_data(True)[:2000]

    act("applicant", "submit")
    act("clerk", "accept")
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    img = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    img.save(buf, "JPEG", exif=exif)
    act("surveyor", "record_survey", surveyed_on="2026-03-01", findings="已建成",
        length_m="1480", width_m="30",
        geojson_file=(BytesIO(b.LINE.encode()), "road.geojson"),
        photos=(BytesIO(buf.getvalue()), "site.jpg"))
    act("clerk", "open_review", size="3", rule="majority")
    for expert in ("expert", "expert2", "expert3"):
        login(client, expert)
        html = client.get(page).get_data(True)
        if 'id="act-record_opinion"' in html:
            act(expert, "record_opinion", opinion="agree", reasons="寓意好")
    act("clerk", "close_review")
    act("clerk", "open_comment")
    # the public comments through the public page
    public = app.test_client()
    html = public.get(f"/notices/{app_id}").get_data(True)
    assert "丰邑路" in html and 'id="comment-form"' in html
    r = public.post(f"/notices/{app_id}/comments", data={
        "body": "<script>alert(1)</script>好名字", "author": "张三", "phone": "13812345678",
        "csrf_token": _token(html)})
    assert r.status_code == 302
    html = public.get(f"/notices/{app_id}").get_data(True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "张*" in html and "138****5678" in html and "13812345678" not in html
    later = b.NOW.replace(day=20)
    app.config["CLOCK"] = lambda: later
    assert 'id="closed"' in public.get(f"/notices/{app_id}").get_data(True)
    login(client, "clerk")
    comment_id = session.scalar(select(PublicComment.id))
    session.rollback()  # release the SQLite write lock the test's session took
    assert post(client, f"{page}/comments/{comment_id}/disposition",
                {"disposition": "采纳"}, page).status_code == 302
    act("clerk", "close_comment")
    act("committee", "record_assessment", legality="符合条例", conclusion="建议批准")
    act("approver", "approve", name="丰邑路", approving_body="西咸新区管委会",
        doc_no="陕西咸发〔2026〕12号", decided_on="2026-03-20")
    login(client, "clerk")
    html = client.get("/committee/").get_data(True)
    assert 'id="deadlines"' in html and "2026-04-04" in html
    act("clerk", "announce")
    act("clerk", "file", registration_no="BA-1", filed_on="2026-03-20")
    act("clerk", "put_in_force")
    html = client.get(page).get_data(True)
    assert 'data-state="in_force"' in html and "已生效" in html and "Fengyi Lu" in html
    english = client.get(page + "?lang=en").get_data(True)
    assert "in force" in english and "Timeline" in english and "已生效" not in english
    client.get(page + "?lang=zh")
    assert "SecretCam" not in html
    photo = re.search(r'src="(/committee/applications/[^"]+/photos/[^"]+)"', html).group(1)
    body = client.get(photo).data
    assert body[:2] == b"\xff\xd8" and b"SecretCam" not in body
    assert Image.open(BytesIO(body)).getexif().get(0x010F) is None
    ann = public.get(f"/announcements/{app_id}").get_data(True)
    for field in ("丰邑路", "Fengyi Lu", "建章路街道", "建章路以东", "西咸新区管委会",
                  "2026年03月20日"):
        assert field in ann
    events = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity_type == "application", AuditEvent.entity_id == app_id))
    assert events == 1 + 15  # created, then every transition once (3 opinions)


# --- public comment form -----------------------------------------------------------------------

@pytest.fixture
def in_comment(session, world):
    a = b.draft(session, world)
    b.advance(session, a, world, b.settings(), State.IN_COMMENT)
    session.commit()
    return a


def test_comment_form_needs_csrf_and_is_rate_limited(client, in_comment):
    url = f"/notices/{in_comment.id}/comments"
    assert client.post(url, data={"body": "无令牌"}).status_code == 400
    token = _token(client.get(f"/notices/{in_comment.id}").get_data(True))
    codes = [client.post(url, data={"body": f"意见{i}", "csrf_token": token}).status_code
             for i in range(7)]
    assert codes[:5] == [302] * 5 and codes[5:] == [429, 429]


def test_comment_bad_input_is_a_clear_400(client, in_comment):
    url = f"/notices/{in_comment.id}/comments"
    token = _token(client.get(f"/notices/{in_comment.id}").get_data(True))
    r = client.post(url, data={"body": "", "csrf_token": token})
    assert r.status_code == 400 and "意见内容" in r.get_data(True)
    r = client.post(url, data={"body": "好", "phone": "abc", "csrf_token": token})
    assert r.status_code == 400 and "电话" in r.get_data(True)


def test_a_refused_comment_comes_back_with_what_was_typed(client, session, in_comment):
    """A citizen who mistypes the phone number gets the notice again with the reason at the
    top and the comment, name and phone as typed: nothing to write again."""
    url = f"/notices/{in_comment.id}/comments"
    token = _token(client.get(f"/notices/{in_comment.id}").get_data(True))
    body = "建议保留老地名“丰邑”，\n并在路口设置说明牌。"
    r = client.post(url, data={"body": body, "author": "张三", "phone": "138-abc",
                               "csrf_token": token})
    page = r.get_data(True)
    assert r.status_code == 400 and 'id="error-summary"' in page and "电话号码格式无效" in page
    assert f">{html.escape(body)}</textarea>" in page
    assert 'value="张三"' in page and 'value="138-abc"' in page
    assert session.scalar(select(func.count()).select_from(PublicComment)) == 0


def test_notice_list_shows_the_period(client, in_comment):
    html = client.get("/notices").get_data(True)
    assert "丰邑路" in html and "2026-03-02 10:00" in html and "2026-03-13 00:00" in html


# --- documents ---------------------------------------------------------------------------------

def _pdf_text(tmp_path, data, name):
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True).stdout
    return fonts, text


def test_documents_are_pdfs_with_embedded_chinese_glyphs(client, session, world, tmp_path):
    a = b.draft(session, world)
    b.advance(session, a, world, b.settings(), State.IN_FORCE)
    session.commit()
    login(client, "clerk")
    expect = {"announcement": ["地名命名公告", "丰邑路", "Fengyi Lu", "西咸新区管委会"],
              "filing": ["地名备案登记表", "BA-2026-001", "丰邑路"],
              "assessment": ["综合评估报告", "合法", "可行"],
              "review": ["专家论证报告", "名称寓意清楚", "同意"],
              "comments": ["征求意见报告", "公示期"]}
    for kind, words in expect.items():
        r = client.get(f"{_page(a.id)}/documents/{kind}.pdf")
        assert r.status_code == 200 and r.mimetype == "application/pdf", kind
        fonts, text = _pdf_text(tmp_path, r.data, kind)
        line = [ln for ln in fonts.splitlines() if "TrueType" in ln]
        assert line and all(ln.split()[-5:-3] == ["yes", "yes"] for ln in line), fonts
        for w in words:
            assert w.replace(" ", "") in text.replace(" ", "").replace("\n", ""), (kind, w)
    r = client.get(f"/announcements/{a.id}.pdf")
    assert r.status_code == 200 and "丰邑路" in _pdf_text(tmp_path, r.data, "pub")[1]
    assert client.get(f"{_page(a.id)}/documents/nonsense.pdf").status_code == 404
    # each document taken away is in the audit log, under the clerk who took it
    session.rollback()
    taken = session.scalars(select(AuditEvent).where(AuditEvent.action == "download",
                                                     AuditEvent.entity_id == str(a.id))).all()
    assert sorted(e.note for e in taken) == sorted(f"document {k}" for k in expect)
    assert {e.actor_id for e in taken} == {world["clerk"].id}


# --- the JSON API ------------------------------------------------------------------------------

def _api(client, token):
    return {"Authorization": f"Bearer {token}"}


def test_api_submit_read_list_and_act_with_a_token(client, session, world):
    token = tokens.issue(session, "applicant")
    clerk = tokens.issue(session, "clerk")
    session.commit()
    assert client.get("/api/v1/applications").status_code == 401
    assert client.get("/api/v1/applications", headers=_api(client, "wrong")).status_code == 401
    r = client.post("/api/v1/applications", headers=_api(client, token), json={
        "class": "road", "jurisdiction": "610112012", "reason": "新建道路",
        "candidates": [{"name": "丰邑路", "reason": "丰京"}], "location_desc": "建章路以东"})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["state"] == "submitted" and body["screen"]["results"][0]["verdict"] == "clear"
    listed = client.get("/api/v1/applications", headers=_api(client, token)).get_json()
    assert [a["id"] for a in listed["applications"]] == [body["id"]]
    assert client.get("/api/v1/applications", headers=_api(client, clerk)) \
        .get_json()["applications"] == []
    url = f"/api/v1/applications/{body['id']}"
    assert client.get(url, headers=_api(client, token)).get_json()["state_label_zh"] == "已提交"
    r = client.post(f"{url}/actions/accept", headers=_api(client, token),
                    json={"version": body["version"]})
    assert r.status_code == 403 and r.get_json()["code"] == "role_not_allowed"
    r = client.post(f"{url}/actions/accept", headers=_api(client, clerk), json={"version": 1})
    assert r.status_code == 409
    r = client.post(f"{url}/actions/accept", headers=_api(client, clerk),
                    json={"version": body["version"]})
    assert r.status_code == 200 and r.get_json()["state"] == "accepted"
    r = client.post("/api/v1/applications", headers=_api(client, token), json=["x"])
    assert r.status_code == 400
    r = client.post("/api/v1/applications", headers=_api(client, token),
                    json={"class": "road", "candidates": "丰邑路"})
    assert r.status_code == 400


def test_api_hides_other_applicants_applications(client, session, world, draft):
    ensure_user(session, "other", "别人", "x", ["applicant"], "别的单位")
    token = tokens.issue(session, "other")
    session.commit()
    r = client.get(f"/api/v1/applications/{draft.id}", headers=_api(client, token))
    assert r.status_code == 404


def test_cli_prints_a_token_that_works(cli_env, client, session, world):
    done = run_cli(cli_env, "users", "token", "applicant")
    assert done.returncode == 0, done.stderr
    out = done.stdout.strip()
    assert out.startswith("pn_") and len(out) > 30
    session.expire_all()
    r = client.get("/api/v1/applications", headers=_api(client, out))
    assert r.status_code == 200
    bad = run_cli(cli_env, "users", "token", "nobody")
    assert bad.returncode == 66


def test_dashboard_flags_deadlines_due_soon_and_overdue(app, client, session, world):
    a = b.draft(session, world)
    now = b.advance(session, a, world, b.settings(), State.APPROVED)
    session.commit()
    login(client, "clerk")
    app.config["CLOCK"] = lambda: now
    assert "未到期" in client.get("/committee/").get_data(True)
    from datetime import timedelta

    app.config["CLOCK"] = lambda: now + timedelta(days=13)
    assert "即将到期" in client.get("/committee/").get_data(True)
    app.config["CLOCK"] = lambda: now + timedelta(days=17)
    html = client.get("/committee/").get_data(True)
    assert html.count('class="due overdue"') == 2 and "已逾期" in html


def test_experts_see_only_the_applications_on_their_panel(client, session, world):
    a = b.draft(session, world)
    b.advance(session, a, world, b.settings(), State.UNDER_REVIEW)
    session.commit()
    on_panel = {m.expert.user.username for m in a.panel}
    assert "expert4" not in on_panel  # the applicant's own organization
    login(client, "expert4")
    assert client.get(_page(a.id)).status_code == 404
    assert str(a.id) not in client.get("/committee/applications").get_data(True)
    login(client, sorted(on_panel)[0])
    html = client.get(_page(a.id)).get_data(True)
    assert 'id="act-record_opinion"' in html
    assert str(a.id) in client.get("/committee/applications").get_data(True)


def test_the_expert_pool_page_adds_an_expert(client, world):
    login(client, "clerk")
    r = post(client, "/committee/experts", {"name": "孙专家", "affiliation": "西安交通大学",
                                            "specialties": "历史, 地理"})
    assert r.status_code == 302
    assert "孙专家" in client.get("/committee/experts").get_data(True)
    r = post(client, "/committee/experts", {"name": ""})
    assert r.status_code == 400


def test_a_refused_action_shows_the_page_again_with_what_was_typed(client, session, world,
                                                                   draft):
    login(client, "applicant")
    assert post(client, f"{_page(draft.id)}/actions/submit", {"version": 1},
                _page(draft.id)).status_code == 302
    login(client, "clerk")
    r = post(client, f"{_page(draft.id)}/actions/return_incomplete",
             {"version": 1, "note": "请补充道路起止点的说明"}, _page(draft.id))
    html = r.get_data(True)
    assert r.status_code == 409 and 'id="error-summary"' in html and "已被他人修改" in html
    assert "请补充道路起止点的说明" in html  # the note is still in its form
    assert 'name="version" value="2"' in html  # and the form now carries the current version
    r = post(client, f"{_page(draft.id)}/actions/return_incomplete",
             {"version": 2, "note": "请补充道路起止点的说明"}, _page(draft.id))
    assert r.status_code == 302


@pytest.mark.parametrize("size", ["nan", "inf", "-inf", "1e999", "三"])
def test_a_panel_size_that_is_not_a_number_is_a_clear_400(client, session, world, draft, size):
    b.advance(session, draft, world, b.settings(), State.SURVEYED)
    session.commit()
    login(client, "clerk")
    r = post(client, f"{_page(draft.id)}/actions/open_review",
             {"version": draft.version, "size": size, "rule": "majority"}, _page(draft.id))
    assert r.status_code == 400 and "数字" in r.get_data(True)
