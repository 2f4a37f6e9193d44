"""Rate limits shared by every worker through Redis (issue 12), against a real redis-server.

The issue's failure: with 2 gunicorn workers, a 5-per-minute comment limit let 10 of 15
comments through, each worker counting alone. Two app instances built by the factory are two
workers here (each has its own limiter and its own memory); one Redis makes them count
together. When Redis is down the limits fall back to each worker's memory, and come back to
Redis by themselves once it answers.
"""

from __future__ import annotations

import http.client
import logging
import re
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from itertools import cycle

import procedure_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest
import redis_server
from sqlalchemy import func, select

from placenames import create_app
from placenames.models.workflow import PublicComment
from placenames.web.limits import KEY_PREFIX, storage_uri
from placenames.workflow import State

NOW = b.NOW


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture
def redis(tmp_path):
    if redis_server.BINARY is None:
        pytest.skip("redis-server is not installed (scripts/test installs it: TEST_PACKAGES)")
    server = redis_server.RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def in_comment(app, session):
    users = b.world(session)
    application = b.draft(session, users)
    b.advance(session, application, users, b.settings(), State.IN_COMMENT)
    session.commit()
    return application.id


@pytest.fixture
def workers(db_url, tmp_path):
    """Builds app instances ("workers") on the test database; disposes of them at the end."""
    built = []

    def make(name: str, **config):
        worker = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test-secret",
                             "TESTING": True, "INSTANCE_PATH": str(tmp_path / name), **config})
        worker.config["CLOCK"] = lambda: NOW
        built.append(worker)
        return worker

    yield make
    for worker in built:
        worker.extensions["placenames.engine"].dispose()


class Commenter:
    """One client of one worker, from one address, with its own CSRF token."""

    def __init__(self, worker, app_id, address: str) -> None:
        self.client = worker.test_client()
        self.url = f"/notices/{app_id}/comments"
        self.address = address
        page = self.client.get(f"/notices/{app_id}", environ_base={"REMOTE_ADDR": address})
        self.token = _token(page.get_data(True))

    def post(self, text: str):
        return self.client.post(self.url, data={"body": text, "csrf_token": self.token},
                                environ_base={"REMOTE_ADDR": self.address})


def _fifteen(commenters, tag: str) -> list[int]:
    codes, turns = [], cycle(commenters)
    for i in range(15):
        r = next(turns).post(f"{tag} 意见{i}")
        if r.status_code == 429:
            assert int(r.headers["Retry-After"]) > 0, "every 429 says when to retry"
        codes.append(r.status_code)
    return codes


def _stored(session, tag: str) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(PublicComment)
                          .where(PublicComment.body.startswith(tag)))


def test_the_store_is_redis_when_configured_and_an_explicit_uri_wins():
    assert storage_uri({}) == "memory://"
    assert storage_uri({"REDIS_URL": "redis://r:6379/0"}) == "redis://r:6379/0"
    assert storage_uri({"REDIS_URL": "redis://r:6379/0",
                        "RATELIMIT_STORAGE_URI": "memory://"}) == "memory://"
    assert storage_uri({"RATELIMIT_STORAGE_URI": "redis://other:6379/1"}) \
        == "redis://other:6379/1"


def test_two_workers_sharing_redis_let_exactly_the_limit_through(workers, in_comment, redis,
                                                                session):
    one, two = workers("w1", REDIS_URL=redis.url), workers("w2", REDIS_URL=redis.url)
    assert one.extensions["placenames.limiter"] is not two.extensions["placenames.limiter"]
    codes = _fifteen([Commenter(one, in_comment, "203.0.113.7"),
                      Commenter(two, in_comment, "203.0.113.7")], "共享")
    assert sorted(codes) == [302] * 5 + [429] * 10, codes
    assert codes[:5] == [302] * 5  # the first five, whichever worker took them
    assert _stored(session, "共享") == 5
    assert redis.client().keys(f"{KEY_PREFIX}:*"), "the counters live in Redis"


def test_without_redis_each_worker_counts_alone(workers, in_comment, session):
    """What the README says of the default store: the limit is per worker (the issue's 10
    of 15 with two workers)."""
    one, two = workers("m1"), workers("m2")
    codes = _fifteen([Commenter(one, in_comment, "203.0.113.8"),
                      Commenter(two, in_comment, "203.0.113.8")], "各自")
    assert codes.count(302) == 10 and codes.count(429) == 5, codes
    assert _stored(session, "各自") == 10


def test_redis_down_falls_back_to_per_worker_limits_and_comes_back(workers, in_comment, redis,
                                                                  session, caplog):
    worker = workers("w1", REDIS_URL=redis.url)
    phone = Commenter(worker, in_comment, "198.51.100.1")
    assert [phone.post(f"前{i}").status_code for i in range(2)] == [302, 302]

    redis.stop()
    with caplog.at_level(logging.WARNING, logger="flask-limiter"):
        t0 = time.perf_counter()
        down = [phone.post(f"断{i}") for i in range(7)]
        elapsed = time.perf_counter() - t0
    codes = [r.status_code for r in down]
    # fail open would accept all 7, fail closed would answer 503: counted in memory instead,
    # from zero (the worker cannot know Redis's count), so 5 more and then 429
    assert codes == [302] * 5 + [429] * 2, codes
    assert all(int(r.headers["Retry-After"]) > 0 for r in down[5:])
    assert elapsed < 5, "a Redis that refuses costs no waiting"
    assert any("falling back to in-memory storage" in r.getMessage() for r in caplog.records)

    redis.start()  # empty again (no persistence): any key means the limiter is back on Redis
    probe = Commenter(worker, in_comment, "198.51.100.2")
    deadline = time.monotonic() + 40  # probes after 1, 2, 4 … 32 s
    while not redis.client().keys(f"{KEY_PREFIX}:*"):
        assert time.monotonic() < deadline, "the limiter never went back to Redis"
        probe.client.get("/notices", environ_base={"REMOTE_ADDR": probe.address})
        time.sleep(0.2)
    other = workers("w2", REDIS_URL=redis.url)
    codes = _fifteen([Commenter(worker, in_comment, "198.51.100.3"),
                      Commenter(other, in_comment, "198.51.100.3")], "恢复")
    assert sorted(codes) == [302] * 5 + [429] * 10, codes


def test_a_redis_down_at_start_up_does_not_stop_the_app(workers, in_comment, tmp_path):
    dead = f"redis://127.0.0.1:{redis_server.free_port()}/0"  # nothing listens there
    worker = workers("w1", REDIS_URL=dead)
    assert worker.test_client().get("/notices").status_code == 200
    phone = Commenter(worker, in_comment, "192.0.2.1")
    assert [phone.post(f"无{i}").status_code for i in range(6)] == [302] * 5 + [429]


def test_two_gunicorn_workers_share_the_limit_through_redis(cli_env, session, redis):
    """``placenames serve --workers 2`` with PLACENAMES_REDIS_URL: 15 comments sent at once
    (so both workers answer), exactly 5 accepted."""
    users = b.world(session)
    application = b.draft(session, users)
    clock = datetime.now(UTC) - timedelta(minutes=1)  # the server runs on the wall clock
    b.advance(session, application, users, b.settings(), State.IN_COMMENT, now=clock)
    session.commit()
    port = redis_server.free_port()
    # the world's accounts have the demo password: serve them as a demo
    env = {**cli_env, "PLACENAMES_REDIS_URL": redis.url, "PLACENAMES_DEMO": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "placenames.cli", "serve", "--port", str(port),
                             "--workers", "2", "--no-access-log"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        page = _get_when_up(port, f"/notices/{application.id}")
        cookie = page.getheader("Set-Cookie").split(";", 1)[0]
        token = _token(page.read().decode())
        body = f"body=%E6%84%8F%E8%A7%81&csrf_token={token}"
        _until_both_workers_use_redis(port, f"/notices/{application.id}", redis)
        barrier, codes, lock = threading.Barrier(15), [], threading.Lock()

        def send() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            barrier.wait(timeout=30)
            conn.request("POST", f"/notices/{application.id}/comments", body=body, headers={
                "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
            r = conn.getresponse()
            with lock:
                codes.append((r.status, r.getheader("Retry-After")))
            conn.close()

        threads = [threading.Thread(target=send) for _ in range(15)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        connections = _redis_clients(redis)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    statuses = sorted(status for status, _ in codes)
    assert statuses == [302] * 5 + [429] * 10, (codes, err.decode()[-2000:])
    assert all(int(after) > 0 for status, after in codes if status == 429)
    assert len(connections) >= 2, "both workers counted in Redis"
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(PublicComment).where(
        PublicComment.application_id == application.id)) == 5


def _redis_clients(redis) -> list[dict]:
    return [c for c in redis.client().client_list() if c["cmd"] != "client|list"]


def _until_both_workers_use_redis(port: int, path: str, redis) -> None:
    """Concurrent GETs (counted by the default limit, not the comment limit) until each of the
    two workers has opened its connection to Redis: on a loaded machine one worker may
    otherwise take the whole burst, and the test would prove nothing about sharing."""
    def get() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path)
        conn.getresponse().read()
        conn.close()

    for _ in range(20):
        if len(_redis_clients(redis)) >= 2:
            return
        threads = [threading.Thread(target=get) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)


def _get_when_up(port: int, path: str) -> http.client.HTTPResponse:
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            r = conn.getresponse()
            assert r.status == 200, r.status
            return r
        except OSError:
            assert time.monotonic() < deadline, "the server did not answer"
            time.sleep(0.1)
