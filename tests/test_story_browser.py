"""A name's story in the browser (headless chromium, a phone's viewport): the clerk writes the
story of 建章路 from its record page and adds a photo; the committee member publishes it; the
public then reads it, with the photo, on the record page and on the scan page of a plate on
建章路. The pages' SQL is tested on both backends by test_stories.py; this runs on SpatiaLite
only, to keep the CI budget."""

import os

import browser_builders as bb  # tests/ is on sys.path (pyproject.toml)
import procedure_builders as b
import pytest
from PIL import Image
from sqlalchemy import select
from test_draw_browser import login

from placenames.models import Address, Place
from placenames.ops.plates import batches as plate_ops

pytestmark = [*bb.NEEDS_CHROMIUM, pytest.mark.skipif(
    bool(os.environ.get("PLACENAMES_TEST_DATABASE_URL")), reason="UI only: SpatiaLite pass")]
ARTIFACTS = bb.artifacts("stories")
ORIGIN = "汉武帝太初元年建建章宫，宫阙遗址在今路旁。"


@pytest.fixture
def served(app, session, tmp_path):
    b.world(session)
    road = session.scalar(select(Place).where(Place.name == "建章路"))
    address = session.scalar(select(Address).where(Address.road_id == road.id,
                                                   Address.number.is_not(None)).limit(1))
    plate = plate_ops.issue_plate(session, address, size="small", actor_id=None, now=b.NOW)
    session.commit()
    ids = (str(road.id), plate.plate_id)
    session.close()
    app.instance_path = str(tmp_path)
    app.config["CLOCK"] = lambda: b.NOW
    with bb.served(app) as base:
        yield base, ids


def test_a_story_written_by_staff_reaches_the_record_and_the_scan_page(served, tmp_path):
    from playwright.sync_api import expect

    base, (road_id, plate_id) = served
    picture = tmp_path / "gate.jpg"
    Image.new("RGB", (320, 200), (150, 90, 60)).save(picture, "JPEG")
    with bb.chromium() as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.set_default_timeout(bb.TIMEOUT)
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, base, "clerk")
        page.goto(f"{base}/names/{road_id}")
        page.click("#write-story")
        expect(page.locator("#f-meaning")).to_have_value("因汉代建章宫遗址在其附近而得名")
        page.fill("#f-origin", ORIGIN)
        page.fill("#f-sources", "《三辅黄图》")
        page.click("#save-story")
        expect(page.locator("#story-status")).to_have_attribute("data-state", "draft")
        page.set_input_files("#f-photo", str(picture))
        page.fill("#f-caption", "建章宫遗址")
        page.fill("#f-source", "地名办摄")
        page.click("#add-photo")
        expect(page.locator("#photos figure img")).to_have_count(1)
        page.click("#action-submit")
        expect(page.locator("#story-status")).to_have_attribute("data-state", "submitted")
        expect(page.locator("#action-publish")).to_have_count(0)  # not the author's to publish
        page.screenshot(path=str(ARTIFACTS / "01-submitted.png"), full_page=True)

        login(page, base, "committee")
        page.goto(f"{base}/staff/stories?status=submitted")
        page.click("#story-table a:text('建章路')")
        page.click("#action-publish")
        expect(page.locator("#story-status")).to_have_attribute("data-state", "published")

        page.context.clear_cookies()  # the public
        page.goto(f"{base}/names/{road_id}")
        story = page.locator("#story")
        expect(story).to_contain_text(ORIGIN)
        expect(story.locator("figcaption")).to_contain_text("建章宫遗址")
        assert story.locator("img").evaluate("i => i.complete && i.naturalWidth === 320")
        page.screenshot(path=str(ARTIFACTS / "02-record-page.png"), full_page=True)
        page.goto(f"{base}/p/{plate_id}")
        expect(page.locator("#story")).to_contain_text(ORIGIN)
        assert page.locator("#story img").evaluate("i => i.complete && i.naturalWidth === 320")
        page.screenshot(path=str(ARTIFACTS / "03-scan-page.png"), full_page=True)
        page.goto(f"{base}/stories")
        expect(page.locator("#stories")).to_contain_text("建章路")
        assert errors == []
        context.close()
