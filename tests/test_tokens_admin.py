"""The department tokens page: administrators only; the security administrator issues (the
secret shown once, on the answer to the form), either administrator revokes; a refused form
keeps what was typed; Chinese by default with every scope and state in words."""

from __future__ import annotations

import re

import pytest
import token_builders as tb  # tests/ is on sys.path (pyproject.toml)
from account_builders import csrf, sign_in
from sqlalchemy import func, select

from placenames.models import ApiToken, AuditEvent, User
from placenames.ops.accounts.users import ensure_user

PAGE = "/admin/tokens/"


@pytest.fixture
def people(session):
    for name, role in (("sysadmin", "sysadmin"), ("secadmin", "secadmin"), ("wangwu", "clerk")):
        ensure_user(session, name, name, "demo1234", [role])
    session.commit()


def issue_form(page: str, **fields) -> dict:
    data = {"csrf_token": csrf(page), "holder": "", "expires": "365d", "note": "",
            "rate_limit": "", "scopes": []}
    data.update(fields)
    return data


def test_only_administrators_see_the_page(app, client, session, people):
    assert "/login" in client.get(PAGE).headers["Location"]
    sign_in(app, client, "wangwu")
    assert client.get(PAGE).status_code == 403
    assert 'id="nav-tokens"' not in client.get("/").get_data(True)
    sign_in(app, client, "sysadmin")
    page = client.get(PAGE).get_data(True)
    assert "部门令牌" in page and 'id="nav-tokens"' in page
    assert 'id="issue-token"' not in page  # issuing is the security administrator's
    r = client.post(PAGE, data=issue_form(page, holder="住建局", scopes=["read:names"]))
    assert r.status_code == 403
    assert session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_a_refused_form_keeps_what_was_typed_and_issues_nothing(app, client, session, people):
    sign_in(app, client, "secadmin")
    page = client.get(PAGE).get_data(True)
    assert page.count('name="scopes"') == 5 and "读取地址" in page and "read:addresses" in page
    r = client.post(PAGE, data=issue_form(page, holder="公安西咸分局", expires="someday",
                                          note="户籍核对", rate_limit="very fast",
                                          scopes=["read:addresses", "write:reports"]))
    assert r.status_code == 400
    again = r.get_data(True)
    assert 'value="公安西咸分局"' in again and 'value="someday"' in again
    assert 'value="户籍核对"' in again and 'value="very fast"' in again
    checked = re.findall(r'name="scopes" value="([a-z:]+)" checked', again)
    assert checked == ["read:addresses", "write:reports"]
    assert "someday" in again.split('id="error-summary"')[1].split("</div>")[0]
    assert 'href="#f-expires"' in again and 'href="#f-rate_limit"' in again
    r = client.post(PAGE, data=issue_form(page, holder="公安西咸分局"))  # no scope
    assert r.status_code == 400 and 'href="#f-scopes"' in r.get_data(True)
    assert session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_the_secret_is_shown_once_and_works_until_revoked(app, client, session, people):
    sign_in(app, client, "secadmin")
    page = client.get(PAGE).get_data(True)
    r = client.post(PAGE, data=issue_form(page, holder="公安西咸分局", expires="30d",
                                          scopes=["read:addresses", "read:names"],
                                          rate_limit="100 per minute"))
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    shown = r.get_data(True)
    secret = re.search(r'id="token-secret"[^>]*>(pnd_[A-Za-z0-9_-]+)<', shown).group(1)
    assert "只在此显示一次" in shown and "读取地名" in shown
    token = session.scalar(select(ApiToken))
    admin = session.scalar(select(User.id).where(User.username == "secadmin"))
    assert token.created_by_id == admin and token.rate_limit == "100 per minute"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "token_issued"))
    assert event.actor_id == admin and event.token_id is None
    token_id, prefix = token.id, token.prefix
    session.rollback()  # and no more reads: on SQLite the session would hold the write lock

    assert client.get("/api/v1/changes", headers=tb.auth(secret)).status_code == 200
    listing = client.get(PAGE).get_data(True)
    assert secret not in listing and secret[12:] not in listing
    assert prefix in listing and "使用中" in listing and "从未使用" not in listing

    r = client.post(f"{PAGE}{token_id}/revoke", data={})  # no CSRF token: refused
    assert r.status_code == 400
    assert client.get("/api/v1/changes", headers=tb.auth(secret)).status_code == 200
    sign_in(app, client, "sysadmin")  # either administrator may revoke
    listing = client.get(PAGE).get_data(True)
    r = client.post(f"{PAGE}{token_id}/revoke", data={"csrf_token": csrf(listing)})
    assert r.status_code == 302
    listing = client.get(PAGE).get_data(True)
    row = listing.split(f'data-prefix="{prefix}"')[1].split("</tr>")[0]
    assert 'data-state="revoked"' in row and "已吊销" in row and "/revoke" not in row
    assert client.get("/api/v1/changes", headers=tb.auth(secret)).status_code == 401
    english = client.get(PAGE + "?lang=en").get_data(True)
    assert "Department tokens" in english and "read names" in english
    assert "revoked by the office" in english


def test_an_unknown_token_is_a_404_page(app, client, session, people):
    sign_in(app, client, "secadmin")
    page = client.get(PAGE).get_data(True)
    r = client.post(f"{PAGE}00000000-0000-0000-0000-000000000000/revoke",
                    data={"csrf_token": csrf(page)})
    assert r.status_code == 404 and "no token" in r.get_data(True)
