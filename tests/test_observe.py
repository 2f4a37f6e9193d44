"""Operations on both backends: the request id from the proxy or made, on the response and in
every JSON log line; Prometheus metrics by route; /readyz with the database, a real Redis
(up, then stopped) and the instance folder; bad settings refused; and `placenames serve` with
two workers adding up both workers' metrics."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
import urllib.request

import pytest
import redis_server

from placenames import config as config_mod
from placenames.errors import BadInput


def _histogram_count(text: str, route: str, status: str = "2xx") -> float:
    pattern = (r'placenames_http_request_duration_seconds_count\{[^}]*method="GET"[^}]*'
               rf'route="{re.escape(route)}"[^}}]*status="{status}"[^}}]*\}} ([\d.e+]+)')
    found = [float(m) for m in re.findall(pattern, text)]
    return sum(found)


def test_a_request_keeps_its_proxys_id_or_gets_one_and_logs_it_as_json(app, client, caplog):
    from placenames.web.observe import JsonFormatter

    app.config["LOG_REQUESTS"] = True
    with caplog.at_level(logging.INFO, logger="placenames.request"):
        given = client.get("/healthz", headers={"X-Request-ID": "nginx-42:abc"})
        made = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert given.headers["X-Request-ID"] == "nginx-42:abc"
    new = made.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", new)
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records
             if r.name == "placenames.request"]
    assert [(x["request_id"], x["route"], x["status"]) for x in lines] == [
        ("nginx-42:abc", "/healthz", 200), (new, "/healthz", 200)]
    assert all(x["ms"] >= 0 and x["level"] == "info" for x in lines)


def test_metrics_count_requests_by_route_and_ask_for_the_token_when_set(app, client):
    before = _histogram_count(client.get("/metrics").get_data(True), "/healthz")
    for _ in range(3):
        client.get("/healthz")
    client.get("/no/such/page")
    text = client.get("/metrics").get_data(True)
    assert _histogram_count(text, "/healthz") == before + 3
    assert _histogram_count(text, "<unmatched>", "4xx") >= 1
    assert "placenames_build_info{" in text
    assert re.search(r'placenames_jobs\{status="queued"\} 0\.0', text)  # the queue's depth
    app.config["METRICS_TOKEN"] = "s3cret"
    assert client.get("/metrics").status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200 and "placenames_http_request_duration_seconds" in ok.text


def test_readyz_checks_the_database_redis_and_storage(app, client, tmp_path):
    app.instance_path = str(tmp_path)
    body = client.get("/readyz").get_json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"]
    assert body["checks"]["redis"] == {"configured": False, "ok": True,
                                       "ms": body["checks"]["redis"]["ms"]}
    if redis_server.BINARY is None:
        pytest.skip("redis-server is not installed")
    server = redis_server.RedisServer(tmp_path / "redis").start()
    try:
        app.config["REDIS_URL"] = server.url
        assert client.get("/readyz").status_code == 200
        server.stop()
        down = client.get("/readyz")
        assert down.status_code == 503
        checks = down.get_json()["checks"]
        assert not checks["redis"]["ok"] and "Connection" in checks["redis"]["error"]
        assert checks["database"]["ok"]  # the others still answer
    finally:
        server.stop()


def test_bad_log_settings_are_refused_with_a_message(monkeypatch):
    monkeypatch.setenv("PLACENAMES_LOG_FORMAT", "xml")
    with pytest.raises(BadInput, match="LOG_FORMAT"):
        config_mod.from_environment()
    monkeypatch.setenv("PLACENAMES_LOG_FORMAT", "json")
    monkeypatch.setenv("PLACENAMES_LOG_REQUESTS", "maybe")
    with pytest.raises(BadInput, match="LOG_REQUESTS"):
        config_mod.from_environment()
    monkeypatch.setenv("PLACENAMES_LOG_REQUESTS", "yes")
    assert config_mod.from_environment()["LOG_REQUESTS"] is True


def test_serve_with_two_workers_adds_up_both_workers_metrics_and_logs_json(cli_env, tmp_path):
    """`placenames serve --workers 2`: 40 requests over fresh connections land on both
    workers; /metrics, asked a few times (any worker answers), counts all 40."""
    port = redis_server.free_port()
    env = {**cli_env, "PLACENAMES_LOG_FORMAT": "json", "PLACENAMES_LOG_REQUESTS": "1",
           "PLACENAMES_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "placenames.cli", "serve", "--port",
                             str(port), "--workers", "2", "--no-access-log"], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError((tmp_path / "serve.log").read_text()[-3000:]) from None
                time.sleep(0.2)
        for _ in range(40):
            urllib.request.urlopen(f"{base}/healthz", timeout=5).read()
        counts = []
        for _ in range(4):
            text = urllib.request.urlopen(f"{base}/metrics", timeout=5).read().decode()
            counts.append(_histogram_count(text, "/healthz"))
        assert min(counts) >= 41  # every worker's requests, whichever worker answered
        assert os.listdir(tmp_path / "instance" / "prometheus")
        lines = [json.loads(x) for x in (tmp_path / "serve.log").read_text().splitlines()
                 if x.startswith("{") and '"placenames.request"' in x]
        assert len(lines) >= 41 and all(len(x["request_id"]) == 32 for x in lines)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
