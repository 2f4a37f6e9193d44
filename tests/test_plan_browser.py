"""Adding a reserved name by drawing its planned line on the map (headless chromium).

The clerk opens the demo plan's form, draws the line with real clicks, saves, and the
reserved place holds the drawn line. The pages' SQL is the ORM's, tested on both backends by
test_plan_web.py; this test runs on SpatiaLite only, to keep the CI budget.
"""

import json
import os

import browser_builders as bb  # tests/ is on sys.path (pyproject.toml)
import procedure_builders as b
import pytest
from sqlalchemy import select
from test_draw_browser import assert_same_line, login, pixels, wait_for_draw

from placenames import spatial
from placenames.models import Place

pytestmark = [*bb.NEEDS_CHROMIUM, pytest.mark.skipif(
    bool(os.environ.get("PLACENAMES_TEST_DATABASE_URL")), reason="UI only: SpatiaLite pass")]
ARTIFACTS = bb.artifacts("plans")
LINE = [[108.7800, 34.4050], [108.7900, 34.4060], [108.8000, 34.4080]]  # 窑店街道, 秦汉新城


@pytest.fixture
def served(app, session):
    b.world(session)
    session.commit()
    session.close()
    app.config["CLOCK"] = lambda: b.NOW
    with bb.served(app) as base:
        yield base


def test_the_clerk_draws_a_reserved_name(served, session):
    from playwright.sync_api import expect

    with bb.chromium() as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.set_default_timeout(bb.TIMEOUT)
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, served, "clerk")
        page.goto(f"{served}/staff/plans/QH-2026")
        page.click("#add-name")
        expect(page.locator("h1")).to_have_text("新增备用地名")
        page.fill("#f-name", "长信路")
        page.select_option("#f-theme", "秦汉文化")
        page.fill("#f-meaning", "汉长信宫为太后所居，取其名寓诚信")
        page.select_option("#f-jurisdiction", "610404006")
        box = "#draw-geojson"
        wait_for_draw(page, box)
        page.click(f"{box} button[data-mode=linestring]")
        points = pixels(page, box, LINE, {"center": LINE[1], "zoom": 13})
        for x, y in points:
            page.mouse.click(x, y)
        page.mouse.click(*points[-1])
        page.wait_for_function("() => document.getElementById('f-geojson').value !== ''")
        page.screenshot(path=str(ARTIFACTS / "01-reserved-name-drawn.png"), full_page=True)
        page.click("#save-name")
        expect(page.locator("p.flash.ok")).to_be_visible()
        row = page.locator("tr", has_text="长信路")
        expect(row).to_have_attribute("data-state", "reserved")
        page.screenshot(path=str(ARTIFACTS / "02-plan-with-the-name.png"), full_page=True)
        assert errors == []
        context.close()
    session.rollback()
    text = session.scalar(select(spatial.as_geojson(Place.geom)).where(Place.name == "长信路"))
    status = session.scalar(select(Place.status).where(Place.name == "长信路"))
    session.rollback()
    assert status == "reserved"
    stored = json.loads(text)
    assert stored["type"] == "LineString"
    assert_same_line(stored["coordinates"], LINE, tol=3e-4)
