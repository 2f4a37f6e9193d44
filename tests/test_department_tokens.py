"""Department tokens on the API: scopes, expiry and revocation take effect on the very next
request, only the SHA-256 of a secret is ever stored, every write made with a token is
audited under it (and the audit chain still verifies), and each token has its own rate limit
across every API endpoint, in memory and in Redis."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis_server
import token_builders as tb  # tests/ is on sys.path (pyproject.toml)
from cli_builders import run_cli
from flask_smorest import Blueprint
from sqlalchemy import String, Text, func, select, update

from placenames import create_app
from placenames.errors import BadInput, NotFound
from placenames.models import ApiToken, AuditEvent
from placenames.models.plates import PlateReport
from placenames.ops.accounts import department_tokens as dt
from placenames.ops.audit import verify as audit_verify
from placenames.ops.demo import loader as demo
from placenames.web import api
from placenames.web.limits import DEPARTMENT_SCOPE, KEY_PREFIX

CHANGES = "/api/v1/changes"


@pytest.fixture
def demo_data(session):
    demo.load(session)
    session.commit()


def report_body(session, kind="damaged"):
    return {"address_code": tb.an_address(session).code, "kind": kind}


# --- the operations ---------------------------------------------------------------------------

def test_a_secret_opens_its_token_until_it_expires_and_never_after(session):
    token, secret = tb.issue(session, expires="2d")
    assert dt.authenticate(session, secret).id == token.id
    assert dt.authenticate(session, secret, now=token.expires_at - timedelta(seconds=1))
    assert dt.authenticate(session, secret, now=token.expires_at) is None
    assert dt.authenticate(session, secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert dt.authenticate(session, "pn_" + secret[4:]) is None  # a personal token's form
    assert dt.state(token, token.expires_at) == "expired"


def test_issue_refuses_what_it_cannot_understand(session):
    for kw, word in [({"scopes": "read:names,write:everything"}, "write:everything"),
                     ({"scopes": " , "}, "scope"), ({"expires": "forever"}, "forever"),
                     ({"expires": "2001-01-01"}, "future"), ({"expires": "5y"}, "three years"),
                     ({"holder": "  "}, "holder"), ({"rate_limit": "lots"}, "lots"),
                     ({"note": "长" * 501}, "500")]:
        args = {"holder": "住建局", "scopes": "read:names", "expires": "30d", **kw}
        with pytest.raises(BadInput) as caught:
            dt.issue(session, **args)
        assert word in caught.value.user_msg, (kw, caught.value.user_msg)
        assert set(dt.problems(**args)) == {next(iter(kw))}
    assert session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_a_date_expiry_means_through_that_day_in_beijing(session):
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert dt.parse_expiry("2026-12-31", now) == datetime(2026, 12, 31, 16, tzinfo=UTC)
    assert dt.parse_expiry("52w", now) == now + timedelta(weeks=52)
    assert dt.parse_rate_limit(" 10/second;1000/hour ") == "10/second;1000/hour"
    assert dt.parse_rate_limit("") is None


def test_find_takes_the_id_or_the_listed_prefix_and_says_when_it_cannot(session):
    token, secret = tb.issue(session)
    assert dt.find(session, str(token.id)) is token
    assert dt.find(session, token.prefix) is token
    assert dt.find(session, secret) is token  # the whole secret starts with the prefix
    for ref in ("pnd_", "pnd_zzzzzzzz", "nonsense"):
        with pytest.raises(NotFound):
            dt.find(session, ref)


def test_revoking_records_the_state_it_left(session):
    token, _ = tb.issue(session, expires="1d")
    dt.revoke(session, token.prefix, now=token.expires_at + timedelta(days=1))
    dt.revoke(session, token.prefix)  # again: nothing more
    session.commit()
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "token_revoked")).all()
    assert [(e.from_state, e.to_state) for e in events] == [("expired", "revoked")]


# --- on the API ------------------------------------------------------------------------------

def test_no_or_a_bad_token_is_401_with_the_challenge(client, session):
    _, secret = tb.issue(session)
    for headers in ({}, tb.auth("pnd_" + "x" * 43), tb.auth("nonsense"),
                    {"Authorization": f"Basic {secret}"}):
        r = client.get(CHANGES, headers=headers)
        assert r.status_code == 401, headers
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        body = r.get_json()
        assert body["status"] == 401 and "部门令牌" in body["error"] and "token" in body["error"]
    assert client.get(CHANGES, headers=tb.auth(secret)).status_code == 200


def test_a_missing_scope_is_403_and_stores_nothing(client, session, demo_data):
    _, reader = tb.issue(session, scopes=tb.READ_ALL)
    body = report_body(session)
    session.rollback()
    r = client.post("/api/v1/reports", json=body, headers=tb.auth(reader))
    assert r.status_code == 403 and "write:reports" in r.get_json()["error"]
    r = client.post("/api/v1/standardize", json={"addresses": ["世纪大道7号"]},
                    headers=tb.auth(reader))
    assert r.status_code == 403 and "write:standardize" in r.get_json()["error"]
    _, reporter = tb.issue(session, scopes="write:reports")
    assert client.post("/api/v1/reports", json=body, headers=tb.auth(reporter)).status_code \
        == 201
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(PlateReport)) == 1


def test_an_expired_token_is_refused_at_once(client, session):
    token, secret = tb.issue(session)
    assert client.get(CHANGES, headers=tb.auth(secret)).status_code == 200
    session.execute(update(ApiToken).where(ApiToken.id == token.id)
                    .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    session.commit()
    r = client.get(CHANGES, headers=tb.auth(secret))
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused_on_the_very_next_request(client, session):
    token, secret = tb.issue(session)
    assert client.get(CHANGES, headers=tb.auth(secret)).status_code == 200
    dt.revoke(session, str(token.id))
    session.commit()
    assert client.get(CHANGES, headers=tb.auth(secret)).status_code == 401
    assert client.post("/api/v1/standardize", json={"addresses": ["世纪大道7号"]},
                       headers=tb.auth(secret)).status_code == 401


def _text_columns(table):
    return [c for c in table.c if isinstance(c.type, String | Text)]


def test_the_database_holds_only_the_hash_of_a_secret(client, session, demo_data, db_url):
    token, secret = tb.issue(session)
    body = report_body(session)
    session.rollback()
    assert client.post("/api/v1/reports", json=body, headers=tb.auth(secret)).status_code == 201
    assert client.post("/api/v1/standardize", json={"addresses": [secret, "世纪大道7号"]},
                       headers=tb.auth(secret)).status_code == 200
    dt.revoke(session, token.prefix)
    session.commit()
    secret_part = secret[len(token.prefix):]  # the prefix is listed; the rest never is
    searched = 0
    for table in (ApiToken.__table__, AuditEvent.__table__):
        for column in _text_columns(table):
            values = [v for v in session.scalars(select(column)) if v]
            searched += len(values)
            assert not [v for v in values if secret_part in v], column
    assert searched >= 5
    assert session.scalar(select(ApiToken.token_hash)) == dt.digest(secret)
    if db_url.startswith("sqlite:///"):  # not even in a page of the file or its WAL
        session.close()
        path = Path(db_url.removeprefix("sqlite:///"))
        for f in (path, Path(f"{path}-wal")):
            if f.exists():
                assert secret_part.encode() not in f.read_bytes(), f


def test_every_write_with_a_token_is_audited_under_it_and_the_chain_verifies(
        client, session, engine, demo_data, cli_env):
    token, secret = tb.issue(session)
    body = report_body(session)
    session.rollback()
    r = client.post("/api/v1/reports", json=body, headers=tb.auth(secret))
    assert r.status_code == 201
    report_id = r.get_json()["id"]
    r = client.post("/api/v1/standardize", json={"addresses": ["世纪大道7号", "无此路1号"]},
                    headers=tb.auth(secret))
    assert r.status_code == 200
    session.expire_all()
    events = session.scalars(select(AuditEvent).where(AuditEvent.token_id == token.id)
                             .order_by(AuditEvent.at)).all()
    assert [(e.entity_type, e.action, e.actor_id) for e in events] == [
        ("plate_report", "report", None), ("api_token", "standardize", None)]
    assert events[0].entity_id == report_id
    assert events[1].note.startswith("2 addresses")
    assert session.get(PlateReport, uuid.UUID(report_id)).token_id == token.id
    assert audit_verify.verify(engine).ok
    session.close()
    done = run_cli(cli_env, "audit", "verify")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: ")


def test_a_request_that_fails_leaves_no_event_under_the_token(client, session, demo_data):
    token, secret = tb.issue(session)
    session.rollback()
    r = client.post("/api/v1/reports", json={"address_code": "NO-SUCH", "kind": "missing"},
                    headers=tb.auth(secret))
    assert r.status_code == 404
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.token_id == token.id)) == 0


def test_the_audit_log_page_names_the_department(app, client, session, demo_data):
    from account_builders import sign_in

    from placenames.ops.accounts.users import ensure_user

    token, secret = tb.issue(session)
    body = report_body(session)
    ensure_user(session, "auditor", "审计员", "demo1234", ["auditor"])
    session.commit()
    client.post("/api/v1/reports", json=body, headers=tb.auth(secret))
    sign_in(app, client, "auditor")
    page = client.get("/staff/audit/?action=report").get_data(True)
    assert "部门令牌：公安西咸分局" in page and token.prefix in page


# --- rate limits ------------------------------------------------------------------------------

@pytest.fixture
def make_app(db_url, tmp_path):
    """App instances ("workers") on the test database with their own settings."""
    built = []

    def make(name: str, **config):
        worker = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test-secret",
                             "TESTING": True, "INSTANCE_PATH": str(tmp_path / name), **config})
        built.append(worker)
        return worker

    yield make
    for worker in built:
        worker.extensions["placenames.engine"].dispose()


def test_a_token_gets_its_own_limit_and_another_token_is_unaffected(make_app, session):
    app = make_app("w", RATELIMIT_DEFAULT="2 per minute", DEPARTMENT_RATELIMIT="5 per minute")
    _, three = tb.issue(session, rate_limit="3 per minute")
    _, default = tb.issue(session, holder="住建局")
    client = app.test_client()
    codes = [client.get(CHANGES, headers=tb.auth(three)).status_code for _ in range(5)]
    assert codes == [200] * 3 + [429] * 2
    r = client.get(CHANGES, headers=tb.auth(three))
    body = r.get_json()
    assert body["status"] == 429 and body["code"] == "rate_limited"
    assert "3 per 1 minute" in body["error"] and "请求过于频繁" in body["error"]
    assert int(r.headers["Retry-After"]) > 0
    # the second token: the setting's 5, from the same address, more than the address's 2
    codes = [client.get(CHANGES, headers=tb.auth(default)).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    # without a token the address's own limit, which the tokens' requests did not use up
    codes = [client.get("/api/v1/search?q=世纪").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_an_unknown_token_counts_against_the_address(make_app, session):
    app = make_app("w", RATELIMIT_DEFAULT="2 per minute")
    client = app.test_client()
    bad = tb.auth("pnd_" + "y" * 43)
    assert [client.get(CHANGES, headers=bad).status_code for _ in range(3)] == [401, 401, 429]


def test_the_token_limit_spans_every_api_blueprint_even_one_added_later(make_app, session,
                                                                       demo_data):
    app = make_app("w")
    extra = Blueprint("api_test_extra", __name__, url_prefix="/api/v1")

    @extra.get("/test-extra")
    def ping():
        return {"ok": True}

    api.register(extra)  # as another helper's blueprint would be
    _, secret = tb.issue(session, rate_limit="4 per minute")
    body = report_body(session)
    session.rollback()
    client = app.test_client()
    codes = [client.get(CHANGES, headers=tb.auth(secret)).status_code,
             client.get("/api/v1/test-extra", headers=tb.auth(secret)).status_code,
             client.post("/api/v1/reports", json=body, headers=tb.auth(secret)).status_code,
             client.post("/api/v1/standardize", json={"addresses": ["世纪大道7号"]},
                         headers=tb.auth(secret)).status_code,
             client.get("/api/v1/test-extra", headers=tb.auth(secret)).status_code,
             client.post("/api/v1/reports", json=body, headers=tb.auth(secret)).status_code]
    assert codes == [200, 200, 201, 200, 429, 429]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(PlateReport)) == 1


def test_a_bad_department_limit_setting_stops_the_app(db_url, tmp_path):
    with pytest.raises(BadInput):
        create_app({"DATABASE_URL": db_url, "SECRET_KEY": "x", "TESTING": True,
                    "INSTANCE_PATH": str(tmp_path / "i"), "DEPARTMENT_RATELIMIT": "lots"})


@pytest.fixture
def redis(tmp_path):
    if redis_server.BINARY is None:
        pytest.skip("redis-server is not installed (scripts/test installs it: TEST_PACKAGES)")
    server = redis_server.RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


def test_two_workers_sharing_redis_count_a_token_together(make_app, session, redis):
    one = make_app("w1", REDIS_URL=redis.url)
    two = make_app("w2", REDIS_URL=redis.url)
    token, secret = tb.issue(session, rate_limit="3 per minute")
    _, other = tb.issue(session, holder="住建局", rate_limit="3 per minute")
    clients = [one.test_client(), two.test_client()]
    codes = [clients[i % 2].get(CHANGES, headers=tb.auth(secret)).status_code
             for i in range(6)]
    assert codes == [200] * 3 + [429] * 3
    assert [clients[i % 2].get(CHANGES, headers=tb.auth(other)).status_code
            for i in range(3)] == [200] * 3
    keys = [k.decode() for k in redis.client().keys(f"{KEY_PREFIX}:*")]
    assert any(f"token:{token.id}" in k and DEPARTMENT_SCOPE in k for k in keys), keys


def test_a_token_request_to_an_unreachable_database_is_503_not_401(tmp_path, caplog):
    """The limiter looks the token up first; an outage there is neither "no token" for the
    handler (401) nor a rate-limit store failure: the answer is the outage's 503."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{redis_server.free_port()}/none"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path)})
    client = app.test_client()
    for method, path in (("get", CHANGES), ("post", "/api/v1/standardize")):
        r = getattr(client, method)(path, json={"addresses": ["世纪大道7号"]},
                                    headers=tb.auth("pnd_" + "z" * 43))
        assert r.status_code == 503 and int(r.headers["Retry-After"]) > 0, r.get_json()
    assert "falling back to in-memory storage" not in caplog.text
