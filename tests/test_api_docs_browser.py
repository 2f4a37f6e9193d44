"""The API documentation page (``/api/v1/docs``) in headless chromium: Swagger UI, vendored
under static/vendor/, draws every operation of the OpenAPI document, started by a static
script under the site's Content-Security-Policy; no console error, and no request leaves the
site (no CDN, no validator badge). Screenshots go under ``test-artifacts/api-docs/``."""

from __future__ import annotations

import browser_builders as bb  # tests/ is on sys.path (pyproject.toml)
import pytest

ARTIFACTS = bb.artifacts("api-docs")

pytestmark = bb.NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def browser():
    with bb.chromium() as b:
        yield b


def test_the_docs_page_draws_every_operation_from_this_site_alone(app, browser):
    from playwright.sync_api import expect

    client = app.test_client()
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/", "/notices", "/search"):  # the footer of every page links it
        assert 'href="/api/v1/docs" id="footer-api"' in client.get(path).get_data(True), path
    operations = sum(1 for ops in doc["paths"].values() for m in ops if m != "parameters")
    with bb.served(app) as base, bb.page_maker(browser) as make:
        page = make(viewport={"width": 1280, "height": 900})
        console, requests = [], []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text} {m.location}")
                if m.type in ("error", "warning") else None)
        page.on("request", lambda r: requests.append(r.url))
        page.on("requestfailed", lambda r: console.append(f"failed: {r.url}"))
        page.on("response", lambda r: console.append(f"{r.status}: {r.url}")
                if r.status >= 400 else None)
        page.goto(f"{base}/api/v1/docs")
        expect(page.locator("#api-title")).to_have_text("数据交换接口")
        expect(page.locator("#api-scopes")).to_contain_text("read:names")
        blocks = page.locator("#swagger-ui .opblock")
        expect(blocks).to_have_count(operations, timeout=bb.TIMEOUT)
        expect(page.locator("#swagger-ui")).to_contain_text("/api/v1/names/{name_id}")
        # open one operation: its parameters and responses are drawn from the document
        names = page.locator("#swagger-ui .opblock-get", has_text="/api/v1/names").first
        names.locator(".opblock-summary").click()
        expect(names.locator(".parameters")).to_contain_text("bbox")
        expect(names.locator(".responses-table")).to_contain_text("304")
        page.screenshot(path=str(ARTIFACTS / "docs.png"), full_page=False)
        page.goto(f"{base}/api/v1/docs?lang=en")
        expect(page.locator("#api-title")).to_have_text("Data exchange API")
        expect(page.locator("#api-intro")).to_contain_text("If-None-Match")
        expect(blocks).to_have_count(operations, timeout=bb.TIMEOUT)
        assert page.errors == [], page.errors
        assert console == [], console
        outside = [u for u in requests if not u.startswith(base)]
        assert outside == [], outside
        assert any(u.endswith("swagger-ui-bundle.js") for u in requests)
        assert any(u.endswith("/api/v1/openapi.json") for u in requests)
