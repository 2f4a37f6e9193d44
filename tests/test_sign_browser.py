"""Road-name signs in the browser (headless chromium): the clerk opens the signs' dashboard of
the demo, sees the late bureau first and opens its letter, goes to 丰镐大道 (no signs yet),
accepts its proposed signs, adds one more by clicking the map, installs it, and a phone user
scans a QR sign and reports it damaged. The pages' SQL is tested on both backends by
test_signs_web.py; this runs on SpatiaLite only, to keep the CI budget."""

import os

import browser_builders as bb  # tests/ is on sys.path (pyproject.toml)
import procedure_builders as b
import pytest
from sqlalchemy import select
from test_draw_browser import login

from placenames.models import Place, Sign

pytestmark = [*bb.NEEDS_CHROMIUM, pytest.mark.skipif(
    bool(os.environ.get("PLACENAMES_TEST_DATABASE_URL")), reason="UI only: SpatiaLite pass")]
ARTIFACTS = bb.artifacts("signs")


@pytest.fixture
def served(app, session, tmp_path):
    b.world(session)
    road = session.scalar(select(Place).where(Place.name == "丰镐大道"))
    qr_sign = session.scalar(select(Sign).where(Sign.kind == "qr", Sign.status == "installed"))
    session.commit()
    ids = (str(road.id), qr_sign.sign_id)
    session.close()
    app.instance_path = str(tmp_path)
    with bb.served(app) as base:
        yield base, ids


def test_a_clerk_supervises_and_records_signs_and_the_public_reports_one(served):
    from playwright.sync_api import expect

    base, (road_id, qr_id) = served
    with bb.chromium() as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.set_default_timeout(bb.TIMEOUT)
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, base, "clerk")
        page.click("#menu-data > summary")
        page.click("#nav-signs")
        first = page.locator("#unit-table tbody tr").first
        expect(first).to_have_attribute("data-unit", "沣东新城城市建设局")
        expect(first).to_have_class("late")
        page.screenshot(path=str(ARTIFACTS / "01-dashboard.png"), full_page=True)
        with page.expect_response(lambda r: "letter.pdf" in r.url) as letter:
            page.evaluate("url => fetch(url)", first.locator("a.letter").get_attribute("href"))
        assert letter.value.status == 200
        assert letter.value.headers["content-type"] == "application/pdf"

        page.fill("#f-q", "丰镐")
        page.click("#find")
        page.click("#found a:text('丰镐大道')")
        expect(page.locator("#accept-form input[name=site]")).not_to_have_count(0)
        proposed = page.locator("#accept-form input[name=site]").count()
        page.fill("#f-accept-unit", "沣东新城城市建设局")
        page.click("#accept")
        expect(page.locator("#sign-table tbody tr")).to_have_count(proposed)
        page.wait_for_function("() => window.placenamesMap && window.placenamesMap.loaded()"
                               " && window.placenamesMap.getLayer('signs-dot')")
        page.screenshot(path=str(ARTIFACTS / "02-road.png"), full_page=True)

        page.click("#add summary")
        page.locator("#record-map").scroll_into_view_if_needed()
        box = page.locator("#record-map canvas.maplibregl-canvas").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        expect(page.locator("#f-lon")).not_to_have_value("")
        lon = float(page.input_value("#f-lon"))
        assert 108.7 < lon < 108.9  # the map was framed on the road
        page.fill("#f-description", "小学门口")
        page.click("#add-sign")
        expect(page.locator("#sign-status")).to_have_attribute("data-state", "required")
        page.click("#do-install summary")
        page.fill("#f-install-installer", "西咸标牌厂")
        page.click("#action-install")
        expect(page.locator("#sign-status")).to_have_attribute("data-state", "installed")
        expect(page.locator("#sign-history")).to_contain_text("登记设置")
        page.screenshot(path=str(ARTIFACTS / "03-sign.png"), full_page=True)

        phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        public = phone.new_page()
        public.set_default_timeout(bb.TIMEOUT)
        public.goto(f"{base}/s/{qr_id}")
        expect(public.locator("#road-name")).to_have_text("世纪大道")
        public.screenshot(path=str(ARTIFACTS / "04-scan-phone.png"), full_page=True)
        public.click("#report-link")
        public.check("input[value=damaged]")
        public.fill("textarea", "牌子歪了")
        public.click("button[type=submit]")
        expect(public.locator("#report-done")).to_be_visible()

        page.goto(f"{base}/staff/plates/reports")
        expect(page.locator("#reports")).to_contain_text("牌子歪了")
        assert errors == []
