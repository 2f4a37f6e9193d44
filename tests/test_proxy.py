"""Rate limits: per client behind a reverse proxy (PROXY_HOPS); the public scan page spared."""

import re
from datetime import UTC, datetime

import plate_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest

from placenames import create_app
from placenames.ops.plates import batches as plate_ops


def _app(db_url, tmp_path, hops):
    return create_app({"DATABASE_URL": db_url, "SECRET_KEY": "t", "TESTING": True,
                       "INSTANCE_PATH": str(tmp_path / f"instance{hops}"), "PROXY_HOPS": hops})


def _reports(app, plate_id, forwarded_for):
    """Six reports of the same plate, each through the proxy from ``forwarded_for``."""
    client = app.test_client()
    page = client.get(f"/p/{plate_id}/report", headers={"X-Forwarded-For": forwarded_for[0]})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    codes = []
    for addr in forwarded_for:
        codes.append(client.post(f"/p/{plate_id}/report", headers={"X-Forwarded-For": addr},
                                 data={"kind": "missing", "csrf_token": token.group(1)}
                                 ).status_code)
    return codes


@pytest.fixture
def plate_id(session):
    _j, built = b.registry(session, per_road=2, roads=("建章路",))
    p = plate_ops.issue_plate(session, built["建章路"][1][0], size="small", actor_id=None,
                              now=datetime.now(UTC))
    session.commit()
    return p.plate_id


def test_behind_one_proxy_each_forwarded_client_has_its_own_limit(app, db_url, tmp_path,
                                                                    plate_id):
    proxied = _app(db_url, tmp_path, 1)
    try:
        codes = _reports(proxied, plate_id, ["203.0.113.1"] * 5 + ["203.0.113.2"])
    finally:
        proxied.extensions["placenames.engine"].dispose()
    assert codes == [200] * 6  # five from one phone, the sixth from another: all accepted


def test_without_a_proxy_a_forged_forwarded_for_does_not_escape_the_limit(app, db_url, tmp_path,
                                                                          plate_id):
    direct = _app(db_url, tmp_path, 0)
    try:
        codes = _reports(direct, plate_id, [f"198.51.100.{i}" for i in range(6)])
    finally:
        direct.extensions["placenames.engine"].dispose()
    assert codes == [200] * 5 + [429]


def test_the_default_limit_spares_the_scan_page_its_json_and_the_health_check(db_url, tmp_path,
                                                                               plate_id):
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "t", "TESTING": True,
                      "INSTANCE_PATH": str(tmp_path / "limited"),
                      "RATELIMIT_DEFAULT": "3 per minute"})
    client = app.test_client()
    try:
        spared = [client.get(path).status_code for path in
                  [f"/p/{plate_id}", f"/api/v1/plates/{plate_id}", "/healthz"] * 3]
        limited = [client.get("/").status_code for _ in range(4)]
    finally:
        app.extensions["placenames.engine"].dispose()
    assert spared == [200] * 9
    assert limited == [200] * 3 + [429]
