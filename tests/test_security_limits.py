"""Headers, body limits, JSON limits, the sign-in redirect and Retry-After: weaknesses found by
trying the running service as an attacker would (issue 12), kept from returning."""

import time

import pytest

from placenames.safejson import JSONRejected, depth, loads
from placenames.web.security import basemap_origins, safe_next


def test_pages_carry_the_security_headers(client):
    r = client.get("/login")
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in r.headers  # plain http: no HSTS
    https = client.get("/login", base_url="https://dm.example.gov.cn")
    assert https.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_page_has_inline_script_or_style(client):
    import re

    for url in ("/", "/map", "/login", "/notices"):
        html = client.get(url).get_data(as_text=True)
        scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
        assert all('type="application/json"' in attrs for attrs in scripts), (url, scripts)
        assert "<style" not in html and " style=" not in html, url


def test_the_configured_base_map_is_allowed_and_nothing_else(app):
    assert basemap_origins({"TIANDITU_KEY": "k"}) == ["https://*.tianditu.gov.cn"]
    assert basemap_origins({"BASEMAP_URL": "https://{s}.tiles.example.org/{z}/{x}/{y}.png"}) \
        == ["https://*.tiles.example.org"]
    assert basemap_origins({}) == []


@pytest.mark.parametrize("target, expected", [
    ("/committee/", "/committee/"), ("/names/x?lang=en", "/names/x?lang=en"),
    ("/\t/evil.example/phish", None), ("//evil.example", None), ("/\\evil.example", None),
    ("https://evil.example/", None), ("/ok\r\nSet-Cookie: x=1", None),
    ("javascript:alert(1)", None), ("", None), (None, None), ("relative/path", None),
])
def test_safe_next_keeps_only_paths_of_this_site(target, expected):
    assert safe_next(target) == expected


def test_sign_in_never_redirects_off_site_and_never_fails(app, client, session):
    import plate_builders as b

    app.config["WTF_CSRF_ENABLED"] = False
    b.clerk(session)
    session.commit()
    for nxt in ("/%09/evil.example/phish", "%0d%0aSet-Cookie:%20x", "//evil.example"):
        r = client.post(f"/login?next={nxt}", data={"username": "clerk1",
                                                    "password": "pw-123456"})
        assert r.status_code == 302, nxt
        location = r.headers["Location"]
        assert "evil" not in location and location.startswith("/"), (nxt, location)
        client.post("/logout")


def test_a_large_anonymous_body_is_refused_before_it_is_read(client):
    body = b"x" * (30 * 1024 * 1024)
    t0 = time.perf_counter()
    r = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 413
    assert time.perf_counter() - t0 < 2.0


def test_deep_or_non_standard_json_is_refused_with_a_message():
    assert depth('{"a": [1, {"b": "[[[["}]}') == 3
    for text in ("[" * 100_000, '{"x": NaN}', '[Infinity]', "{", "x" * 3_000_001):
        with pytest.raises(JSONRejected):
            loads(text)
    assert loads('{"a": [1, 2.5, "[["]}') == {"a": [1, 2.5, "[["]}


def test_an_api_body_nested_100k_deep_is_a_400_not_a_500(client):
    r = client.post("/api/v1/applications", data="[" * 100_000,
                    headers={"Authorization": "Bearer x", "Content-Type": "application/json"})
    assert 400 <= r.status_code < 500


def test_survey_geojson_nested_100k_deep_is_refused(session):
    from placenames.errors import BadInput
    from placenames.ops.registry.geometry import geometry_wkt

    with pytest.raises(BadInput, match="nested too deeply"):
        geometry_wkt("[" * 100_000)
