"""Issue 12's hostile-input findings that no other test pins at the level where they were found,
and the 500s the endpoint fuzz (``test_fuzz_endpoints.py``) found.

Already pinned elsewhere, not repeated here: ``/login?next=/%09/evil.example/phish`` and
``next=`` with CR/LF (``test_security_limits``: the sign-in never leaves the site, never fails);
``frame-ancestors 'none'`` and ``X-Frame-Options: DENY`` on ``/login``; a 30 MB anonymous POST to
``/login`` refused with 413 before it is read; ``[`` × 100,000 as the API's whole body and to the
GeoJSON parser; a panel size ``nan``/``inf`` on the web form (``test_procedure_web``); another
applicant's application page and API status answering 404.
"""

import re

import procedure_builders as b
import pytest
from plate_builders import login  # tests/ is on sys.path (pyproject.toml)
from sqlalchemy import func, select

from placenames.models.workflow import Application, PublicComment
from placenames.ops.accounts import tokens
from placenames.ops.accounts.users import ensure_user
from placenames.workflow import State

DEEP = "[" * 100_000


@pytest.fixture
def world(app, session):
    users = b.world(session)
    app.config["CLOCK"] = lambda: b.NOW
    session.commit()
    return users


def _csrf(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _login(app, client, user):
    app.config["WTF_CSRF_ENABLED"] = False
    login(client, user)


def _count(session, model):
    n = session.scalar(select(func.count()).select_from(model))
    session.commit()  # SQLite: an open transaction of the test would hold the write lock
    return n


def _bearer(session, username):
    token = tokens.issue(session, username)
    session.commit()
    return {"Authorization": f"Bearer {token}"}


# --- findings of the issue, at the web and API level --------------------------------------------

def test_next_with_line_breaks_on_the_sign_in_page_is_not_a_500(client):
    for nxt in ("%0d%0aSet-Cookie:%20x=1", "/%0aevil", "%E5%90%8D%00"):
        r = client.get(f"/login?next={nxt}")
        assert 200 <= r.status_code < 500, nxt
        assert "Set-Cookie: x=1" not in str(r.headers)


def test_survey_geojson_nested_100k_deep_is_a_4xx_on_the_form_and_the_api(
        app, client, session, world):
    a = b.draft(session, world)
    b.advance(session, a, world, b.settings(), State.ACCEPTED)
    session.commit()
    _login(app, client, world["surveyor"])
    form = {"version": a.version, "surveyed_on": "2026-03-01", "findings": "已踏勘"}
    url = f"/committee/applications/{a.id}/actions/record_survey"
    r = client.post(url, data={**form, "geojson": DEEP})
    assert 400 <= r.status_code < 500 and "嵌套" in r.get_data(True)
    from io import BytesIO

    r = client.post(url, data={**form, "geojson_file": (BytesIO(DEEP.encode()), "deep.geojson")},
                    content_type="multipart/form-data")
    assert 400 <= r.status_code < 500
    r = client.post(f"/api/v1/applications/{a.id}/actions/record_survey",
                    headers=_bearer(session, "surveyor"), json={**form, "geojson": DEEP})
    assert 400 <= r.status_code < 500 and r.is_json
    session.expire_all()
    assert session.get(Application, a.id).state == State.ACCEPTED  # nothing half-stored


def test_open_review_with_a_panel_size_of_nan_or_inf_is_a_4xx_on_the_api(client, session,
                                                                          world):
    a = b.draft(session, world)
    b.advance(session, a, world, b.settings(), State.SURVEYED)
    session.commit()
    headers = _bearer(session, "clerk")
    url = f"/api/v1/applications/{a.id}/actions/open_review"
    for size in ("nan", "inf", "-inf", "1e999"):
        r = client.post(url, headers=headers, json={"version": a.version, "size": size})
        assert r.status_code == 400 and "数字" in r.get_json()["error"], size
    for constant in ("NaN", "Infinity", "-Infinity"):
        raw = f'{{"version": {a.version}, "size": {constant}}}'
        r = client.post(url, headers=headers, data=raw, content_type="application/json")
        assert r.status_code == 400, constant
    session.expire_all()
    assert session.get(Application, a.id).state == State.SURVEYED


def test_another_applicants_records_are_404_on_every_route(app, client, session, world):
    """IDOR: an applicant who guesses another's application id learns nothing, on any route."""
    a = b.draft(session, world)
    b.advance(session, a, world, b.settings(), State.IN_COMMENT)
    comment = PublicComment(application_id=a.id, body="意见", received_at=b.NOW)
    session.add(comment)
    other = ensure_user(session, "other", "别人", "demo1234", ["applicant"], "别的单位")
    session.commit()
    _login(app, client, other)
    base = f"/committee/applications/{a.id}"
    for url in (base, f"{base}/edit", f"{base}/photos/x.jpg", f"{base}/documents/review.pdf"):
        assert client.get(url).status_code == 404, url
    for url, data in ((f"{base}/edit", {"version": a.version, "reason": "改"}),
                      (f"{base}/actions/withdraw", {"version": a.version}),
                      (f"{base}/comments/{comment.id}/disposition", {"disposition": "x"})):
        assert client.post(url, data=data).status_code in (403, 404), url
    headers = _bearer(session, "other")
    assert client.get(f"/api/v1/applications/{a.id}", headers=headers).status_code == 404
    r = client.post(f"/api/v1/applications/{a.id}/actions/withdraw", headers=headers,
                    json={"version": a.version})
    assert r.status_code == 404
    # staff pages are not an applicant's at all
    for url in ("/staff/plates/batches", "/staff/plates/reports", "/committee/experts"):
        assert client.get(url).status_code == 403, url
    session.expire_all()
    assert session.get(Application, a.id).state == State.IN_COMMENT
    assert session.get(PublicComment, comment.id).disposition is None


# --- 500s the endpoint fuzz found ---------------------------------------------------------------

def test_a_json_body_on_a_page_form_is_not_a_500(client, session, world):
    """Flask-WTF read a JSON body as form fields, and one that is not an object failed inside
    it. With CSRF on (a token from the page, sent as a header, as an attacker can)."""
    from placenames.models.plates import Plate

    plate_id = session.scalar(select(Plate.plate_id).limit(1))
    session.commit()  # SQLite: the test's own transaction would hold the write lock
    for body in ("true", "[1, 2]", '"x"', "1", '{"username": {"a": 1}, "kind": ["damaged"]}'):
        for page in ("/login", f"/p/{plate_id}/report"):
            token = _csrf(client.get(page).get_data(True))
            r = client.post(page, data=body, content_type="application/json",
                            headers={"X-CSRFToken": token})
            assert 200 <= r.status_code < 500, (page, body, r.status_code)
    assert client.get("/committee/").status_code == 302  # and nobody was signed in


def test_nul_in_a_field_or_the_query_is_a_400_on_both_backends(app, client, session, world):
    """PostgreSQL refuses NUL in text: a comment, a search or a form with one was a 500 there."""
    a = b.draft(session, world)
    b.advance(session, a, world, b.settings(), State.IN_COMMENT)
    session.commit()
    app.config["WTF_CSRF_ENABLED"] = False
    text = "a\x00b"
    r = client.post(f"/notices/{a.id}/comments", data={"body": text, "author": "张三"})
    assert r.status_code == 400 and "不允许的字符" in r.get_data(True)
    assert _count(session, PublicComment) == 0
    for url in ("/", "/map/search", "/committee/applications", "/api/v1/names/check"):
        r = client.get(url, query_string={"q": text, "name": text, "class": "road"})
        assert r.status_code == 400, url
    assert client.get("/p/A%00B").status_code == 400
    _login(app, client, world["clerk"])
    r = client.post("/committee/experts", data={"name": text, "specialties": "地名"})
    assert r.status_code == 400


def test_a_lone_surrogate_in_api_json_is_a_400(client, session, world):
    headers = _bearer(session, "applicant")
    r = client.post("/api/v1/applications", headers=headers, data='{"reason": "\\ud800"}',
                    content_type="application/json")
    assert r.status_code == 400 and r.is_json
    r = client.post("/api/v1/applications", headers=headers, data='{"\\udfff": 1}',
                    content_type="application/json")
    assert r.status_code == 400
    assert _count(session, Application) == 0
