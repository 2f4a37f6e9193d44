"""The map (/map) and the record pages' map panel in headless chromium, on the demo registry.

MapLibre draws with WebGL, here on SwiftShader (software GL): the tests read what the map has
actually rendered (``queryRenderedFeatures`` on ``window.placenamesMap``), click the road where it
is drawn, follow the pop-up to the record, use the search on a phone and check the record page's
stacked layout and highlighted road. Screenshots go under ``test-artifacts/map/<backend>/``.
"""


import browser_builders as bb  # tests/ is on sys.path (pyproject.toml)
import pytest
from sqlalchemy import select

from placenames.models import Place
from placenames.ops.demo import loader as demo

ARTIFACTS = bb.artifacts("map")
TIMEOUT = bb.TIMEOUT
MAP_READY = ("() => window.placenamesMap && window.placenamesMap.loaded()"
             " && window.placenamesMap.areTilesLoaded()")
# the demo's 建章路 runs (108.836, 34.255) → (108.837, 34.278) → (108.836, 34.300)
JIANZHANG = "建章路"
JIANZHANG_VERTEX = [108.837, 34.278]
JIANZHANG_LINE = [[108.836, 34.255], [108.837, 34.278], [108.836, 34.300]]

pytestmark = bb.NEEDS_CHROMIUM


@pytest.fixture
def served(app, session):
    """The app on the demo registry, served in a thread; yields (base URL, {name: id})."""
    demo.load(session)
    session.commit()
    ids = {name: str(pid) for name, pid in session.execute(
        select(Place.name, Place.id).where(Place.geom.is_not(None)))}
    session.close()
    with bb.served(app) as base:
        yield base, ids


@pytest.fixture(scope="module")
def browser():
    with bb.chromium() as b:
        yield b


@pytest.fixture
def new_page(browser):
    """A page in a new Chinese-locale context (closed after the test), with its script errors."""
    with bb.page_maker(browser) as make:
        yield make


def wait_for_map(page):
    page.wait_for_function(MAP_READY, timeout=TIMEOUT)


def rendered_names(page, layer, point=None, radius=6):
    """properties.name of what ``layer`` has drawn (near ``point``, a [lon, lat], if given)."""
    return page.evaluate("""([layer, point, r]) => {
        const map = window.placenamesMap;
        let where;
        if (point) {
          const p = map.project(point);
          where = [[p.x - r, p.y - r], [p.x + r, p.y + r]];
        }
        const features = where ? map.queryRenderedFeatures(where, { layers: [layer] })
                               : map.queryRenderedFeatures({ layers: [layer] });
        return features.map((f) => [f.properties.name, f.properties.id]);
    }""", [layer, point, radius])


def wait_until_drawn(page, layer, names, point=None):
    """Poll until ``layer`` has drawn every name in ``names`` (near ``point``)."""
    page.wait_for_function("""([layer, names, point]) => {
        const map = window.placenamesMap;
        if (!(map && map.loaded() && map.areTilesLoaded())) return false;
        let where;
        if (point) {
          const p = map.project(point);
          where = [[p.x - 4, p.y - 4], [p.x + 4, p.y + 4]];
        }
        const features = where ? map.queryRenderedFeatures(where, { layers: [layer] })
                               : map.queryRenderedFeatures({ layers: [layer] });
        const drawn = new Set(features.map((f) => f.properties.name));
        return names.every((n) => drawn.has(n));
    }""", arg=[layer, names, point], timeout=TIMEOUT)


def test_the_map_draws_the_demo_roads_and_a_click_on_one_opens_its_record(served, new_page):
    from playwright.sync_api import expect

    base, ids = served
    page = new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{base}/map?lang=zh")
    expect(page.locator("#map-panel h1")).to_have_text("地名地址一张图")
    wait_for_map(page)
    wait_until_drawn(page, "names-line", [JIANZHANG, "世纪大道"])
    drawn = rendered_names(page, "names-line")
    names = {name for name, _ in drawn}
    assert {JIANZHANG, "世纪大道"} <= names
    assert names <= set(ids), f"drawn names not in the register: {names - set(ids)}"
    for name, pid in drawn:  # each drawn line carries its record's id
        assert pid == ids[name], name
    page.screenshot(path=str(ARTIFACTS / "01-map-desktop.png"))

    # jump to 建章路 and click where the road is drawn
    page.evaluate("() => window.placenamesMap.jumpTo({center: [108.8365, 34.278], zoom: 15})")
    wait_until_drawn(page, "names-casing", [JIANZHANG], point=JIANZHANG_VERTEX)
    assert page.evaluate("() => window.placenamesMap.getZoom()") == pytest.approx(15)
    canvas = page.locator("#map canvas.maplibregl-canvas").bounding_box()
    p = page.evaluate("(lnglat) => window.placenamesMap.project(lnglat)", JIANZHANG_VERTEX)
    assert 0 < p["x"] < canvas["width"] and 0 < p["y"] < canvas["height"]
    assert page.locator(".maplibregl-popup").count() == 0
    page.mouse.click(canvas["x"] + p["x"], canvas["y"] + p["y"])
    popup = page.locator(".maplibregl-popup")
    expect(popup).to_be_visible()
    expect(popup.locator("strong")).to_have_text(JIANZHANG)
    expect(popup).to_contain_text("Jianzhang Lu")
    link = popup.locator("a.open-record")
    expect(link).to_have_attribute("href", f"/names/{ids[JIANZHANG]}")
    page.screenshot(path=str(ARTIFACTS / "02-map-popup-jianzhang.png"))

    link.click()
    expect(page).to_have_url(f"{base}/names/{ids[JIANZHANG]}")
    expect(page.locator("#name-record")).to_have_attribute("data-id", ids[JIANZHANG])
    expect(page.locator("#name-record h1")).to_contain_text(JIANZHANG)
    wait_for_map(page)
    page.screenshot(path=str(ARTIFACTS / "03-record-desktop.png"), full_page=True)
    assert page.errors == []


def test_on_a_phone_the_search_leads_to_a_record_that_fits_the_screen(served, new_page):
    from playwright.sync_api import expect

    base, ids = served
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True,
                    has_touch=True, device_scale_factor=2)
    page.goto(f"{base}/map")
    wait_for_map(page)
    page.fill("#map-q", "建章")
    page.locator("#map-search button[type=submit]").click()
    hit = page.locator("#map-results li a", has_text=JIANZHANG)
    expect(hit).to_have_attribute("href", f"/names/{ids[JIANZHANG]}")
    show = page.locator("#map-results li", has_text=JIANZHANG).locator("button.link")
    expect(show).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(ARTIFACTS / "04-map-phone-search.png"), full_page=True)

    hit.click()
    expect(page).to_have_url(f"{base}/names/{ids[JIANZHANG]}")
    expect(page.locator("#name-record h1")).to_contain_text(JIANZHANG)
    wait_for_map(page)
    assert page.evaluate("window.innerWidth") == 390
    layout = page.evaluate("""() => {
        const row = document.querySelector('#addresses tbody tr');
        const box = document.getElementById('record-map').getBoundingClientRect();
        const wide = [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
          .map((e) => e.tagName + (e.id ? '#' + e.id : '')
                      + (typeof e.className === 'string' && e.className ? '.' + e.className : ''));
        return {
          scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth,
          cells: [...row.cells].map((td) => getComputedStyle(td).display),
          head: getComputedStyle(document.querySelector('#addresses thead')).display,
          mapWidth: box.width, mapHeight: box.height,
          wide,
        };
    }""")
    assert layout["scrollWidth"] <= layout["innerWidth"] + 1, layout
    assert layout["wide"] == [], layout
    assert layout["cells"] and set(layout["cells"]) == {"block"}, layout
    assert layout["head"] == "none"
    assert 0 < layout["mapWidth"] <= 390 and layout["mapHeight"] > 100, layout
    assert page.evaluate("() => window.placenamesMap.getContainer().id") == "record-map"
    page.screenshot(path=str(ARTIFACTS / "05-record-phone.png"), full_page=True)
    assert page.errors == []


def test_the_record_map_panel_highlights_the_road(served, new_page):
    base, ids = served
    page = new_page(viewport={"width": 1100, "height": 900})
    page.goto(f"{base}/names/{ids[JIANZHANG]}")
    page.wait_for_function(
        "() => window.placenamesMap && window.placenamesMap.getLayer('record-line')"
        " && window.placenamesMap.loaded() && window.placenamesMap.areTilesLoaded()"
        " && window.placenamesMap.queryRenderedFeatures({layers: ['record-line']}).length > 0",
        timeout=TIMEOUT)
    panel = page.evaluate("""(line) => {
        const map = window.placenamesMap;
        const config = JSON.parse(document.getElementById('map-config').textContent);
        const canvas = map.getCanvas();
        const onRoad = (lnglat) => {
          const p = map.project(lnglat);
          return map.queryRenderedFeatures([[p.x - 4, p.y - 4], [p.x + 4, p.y + 4]],
                                           { layers: ['record-line'] }).length;
        };
        const ends = line.map((c) => map.project(c));
        return {
          container: map.getContainer().id,
          highlight: config.highlight,
          drawnAtVertex: onRoad(line[1]),
          drawnAway: onRoad([line[1][0] + 0.01, line[1][1]]),
          width: canvas.clientWidth, height: canvas.clientHeight,
          ends: ends.map((p) => [p.x, p.y]),
        };
    }""", JIANZHANG_LINE)
    assert panel["container"] == "record-map"
    assert panel["highlight"]["type"] == "LineString"
    assert [c for xy in panel["highlight"]["coordinates"] for c in xy] == pytest.approx(
        [c for xy in JIANZHANG_LINE for c in xy])
    assert panel["drawnAtVertex"] > 0  # the highlight is drawn on the road …
    assert panel["drawnAway"] == 0  # … and not beside it
    for x, y in panel["ends"]:  # the panel is framed on the whole road
        assert 0 <= x <= panel["width"] and 0 <= y <= panel["height"], panel
    page.locator("#record-map").screenshot(path=str(ARTIFACTS / "06-record-map-panel.png"))
    assert page.errors == []
