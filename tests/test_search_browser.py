"""The header's search box in headless chromium on a phone (390×844), on the demo register:
typing pinyin shows suggestions under the box (an ARIA combobox), the keyboard or a tap opens
the name's page, a late answer to an older query does not replace the list, and without
JavaScript the box is a plain form to the search page. Screenshots go under
``test-artifacts/search/<backend>/``."""

from __future__ import annotations

import contextlib
import os
import re

import browser_builders as bb  # tests/ is on sys.path (pyproject.toml)
import pytest
from sqlalchemy import select

from placenames.models import Place
from placenames.ops.demo import loader as demo

ARTIFACTS = bb.artifacts("search")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
START = "/notices"  # a light page with the header's box (the start page has its own box)

pytestmark = bb.NEEDS_CHROMIUM


@pytest.fixture
def served(app, session):
    """The app on the demo register, served in a thread; yields (base URL, {name: id})."""
    demo.load(session)
    session.commit()
    ids = {name: str(pid) for name, pid in session.execute(select(Place.name, Place.id))}
    session.close()
    with bb.served(app) as base:
        yield base, ids


@pytest.fixture(scope="module")
def browser():
    with bb.chromium() as b:
        yield b


@pytest.fixture
def new_page(browser):
    """A page in a new Chinese-locale context, with its script errors and CSP reports."""
    with bb.page_maker(browser, csp_reports=True) as make:
        yield make


def overflowing(page):
    """Elements reaching past the right edge of the window."""
    return page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
        .map((e) => e.tagName + (e.id ? '#' + e.id : ''))""")


def test_on_a_phone_pinyin_suggests_the_name_and_enter_opens_it(served, new_page):
    from playwright.sync_api import expect

    base, ids = served
    page = new_page(**PHONE)
    page.goto(f"{base}{START}")
    box = page.locator("#site-q")
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.click()
    box.press_sequentially("shiji", delay=40)
    listbox = page.locator("#site-q-listbox")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", "site-q-listbox")
    option = listbox.locator("li[role=option]", has_text="世纪大道").first
    expect(option).to_be_visible()
    expect(option.locator("mark")).to_have_text("世纪")
    expect(option.locator("a")).to_have_attribute("href", f"/names/{ids['世纪大道']}")

    # it fits the phone: inside the window, tap targets at least 44 px high
    width = page.evaluate("window.innerWidth")
    assert width == 390
    lb = listbox.bounding_box()
    assert lb["x"] >= 0 and lb["x"] + lb["width"] <= width + 1
    assert option.bounding_box()["height"] >= 44
    assert box.bounding_box()["height"] >= 36
    assert overflowing(page) == []
    page.screenshot(path=str(ARTIFACTS / "01-phone-suggestions.png"))

    # the keyboard: down chooses the first suggestion, Escape closes, Enter opens
    box.press("ArrowDown")
    first_id = listbox.locator("li[role=option]").first.get_attribute("id")
    expect(box).to_have_attribute("aria-activedescendant", first_id)
    expect(listbox.locator("li[role=option]").first).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("ArrowDown")  # opens the list again, nothing chosen
    expect(listbox).to_be_visible()
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", first_id)
    # an Enter that confirms a pinyin input method's candidate is the IME's, not ours
    box.dispatch_event("keydown", {"key": "Enter", "isComposing": True, "bubbles": True,
                                   "cancelable": True})
    page.wait_for_timeout(200)
    assert page.url == f"{base}{START}" and listbox.is_visible()
    box.press("Enter")
    expect(page).to_have_url(f"{base}/names/{ids['世纪大道']}")
    expect(page.locator("#name-record h1")).to_contain_text("世纪大道")
    assert page.errors == []


def test_on_a_phone_a_tap_on_a_suggestion_opens_it(served, new_page):
    from playwright.sync_api import expect

    base, ids = served
    page = new_page(**PHONE)
    page.goto(f"{base}{START}")
    page.locator("#site-q").tap()
    page.locator("#site-q").press_sequentially("sjdd", delay=40)
    option = page.locator("#site-q-listbox li[role=option]", has_text="世纪大道").first
    option.tap()
    expect(page).to_have_url(f"{base}/names/{ids['世纪大道']}")
    assert page.errors == []


def test_enter_without_a_choice_searches_and_a_late_answer_is_dropped(served, new_page):
    from playwright.sync_api import expect

    base, ids = served
    page = new_page(**PHONE)
    held = []

    def hold_the_first(route):
        if "q=jian" in route.request.url and not held:
            held.append(route)  # answered late, after the newer query's answer is shown
        else:
            route.continue_()

    page.route("**/api/v1/autocomplete*", hold_the_first)
    page.goto(f"{base}{START}")
    box = page.locator("#site-q")
    box.click()
    box.press_sequentially("jian", delay=10)
    page.wait_for_timeout(300)  # the debounced request for "jian" is on its way, and held
    assert held, "the first request was not made"
    box.fill("shiji")
    listbox = page.locator("#site-q-listbox")
    expect(listbox.locator("li[role=option]", has_text="世纪大道").first).to_be_visible()
    # the older answer arrives now (its request may have been aborted: nothing to continue)
    with contextlib.suppress(Exception):
        held[0].continue_()
    page.wait_for_timeout(300)
    expect(listbox.locator("li[role=option]", has_text="建章路")).to_have_count(0)
    expect(listbox.locator("li[role=option]", has_text="世纪大道").first).to_be_visible()

    box.press("Enter")  # nothing chosen: the search page
    expect(page).to_have_url(f"{base}/search?q=shiji")
    expect(page.locator("#name-hits a.hit-label").first).to_have_attribute(
        "href", f"/names/{ids['世纪大道']}")
    assert overflowing(page) == []
    page.screenshot(path=str(ARTIFACTS / "02-phone-search-page.png"), full_page=True)
    assert page.errors == []


def test_without_javascript_the_box_is_a_form_to_the_search_page(served, new_page):
    from playwright.sync_api import expect

    base, _ids = served
    page = new_page(java_script_enabled=False, **PHONE)
    page.goto(f"{base}{START}")
    box = page.locator("#site-q")
    assert box.get_attribute("role") is None  # no combobox without its script
    box.fill("世纪大道7号")
    box.press("Enter")
    expect(page).to_have_url(f"{base}/search?q=%E4%B8%96%E7%BA%AA%E5%A4%A7%E9%81%937%E5%8F%B7")
    hit = page.locator("#address-hits li.hit").first
    expect(hit.locator("mark")).to_have_text("世纪大道7号")
    expect(hit.locator("a.hit-label")).to_have_attribute("href", "/addresses/"
                                                         + hit.get_attribute("data-code"))
    assert overflowing(page) == []


def test_the_map_search_finds_an_address_and_flies_to_its_point(served, new_page):
    from playwright.sync_api import expect

    base, ids = served
    page = new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{base}/map")
    page.wait_for_function("() => window.placenamesMap && window.placenamesMap.loaded()",
                           timeout=bb.TIMEOUT)
    expect(page.locator("footer")).to_be_hidden()  # the map fills the window
    page.fill("#map-q", "世纪大道7号")
    page.locator("#map-search button[type=submit]").click()
    item = page.locator("#map-results li").first  # an address query: addresses first
    expect(item).to_have_class("address")
    expect(item.locator("a")).to_have_text(re.compile("世纪大道7号$"))
    code = item.locator("small").inner_text().strip()
    expect(item.locator("a")).to_have_attribute("href", f"/addresses/{code}")
    expect(page.locator("#map-results li a", has_text="世纪大道").first).to_be_visible()
    item.locator("button.link").click()
    page.wait_for_function("() => !window.placenamesMap.isMoving()"
                           " && window.placenamesMap.getZoom() > 16.5", timeout=bb.TIMEOUT)
    lon, lat = page.evaluate("(() => { const c = window.placenamesMap.getCenter();"
                             " return [c.lng, c.lat]; })()")
    assert 108.76 < lon < 108.87 and abs(lat - 34.282) < 0.01  # on 世纪大道
    page.screenshot(path=str(ARTIFACTS / "03-map-address.png"))

    page.fill("#map-q", "shiji")  # pinyin, as the header's box
    page.locator("#map-search button[type=submit]").click()
    expect(page.locator("#map-results li a").first).to_have_attribute(
        "href", f"/names/{ids['世纪大道']}")
    assert page.errors == []


@pytest.mark.skipif(bool(os.environ.get("PLACENAMES_TEST_DATABASE_URL")),
                    reason="UI only: SpatiaLite pass")
def test_a_clerks_header_in_english_shows_the_whole_search_hint_on_a_laptop(served,
                                                                             new_page):
    """At 1366×900 a clerk's English menu is long: it wraps under the search box instead of
    squeezing it, so the box shows its whole hint, and nothing reaches past the window."""
    from playwright.sync_api import expect

    base, _ids = served
    page = new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{base}/login?lang=en")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", "demo1234")
    page.click("button[type=submit]")
    expect(page.locator("header .who")).to_be_visible()
    page.goto(f"{base}{START}?lang=en")
    box = page.locator("#site-q")
    hint = box.get_attribute("placeholder")
    assert hint == "Name, pinyin or address"
    # the hint's width in the box's own font, against the room inside the box
    need, room = page.evaluate("""(el) => {
        const s = getComputedStyle(el);
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
        const pad = parseFloat(s.paddingLeft) + parseFloat(s.paddingRight);
        return [ctx.measureText(el.placeholder).width, el.clientWidth - pad];
    }""", box.element_handle())
    assert need <= room, (need, room)
    assert overflowing(page) == []
    page.screenshot(path=str(ARTIFACTS / "header-clerk-en-1366.png"))
