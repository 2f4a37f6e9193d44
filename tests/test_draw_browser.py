"""Drawing on the map in headless chromium: the applicant's sketch, the surveyor's adjustment,
and the entrances a clerk places on a road before making their plate batch.

The app is served in a thread on the test database (demo registry and expert accounts from
``procedure_builders.world``); MapLibre draws on SwiftShader (software WebGL) and terra-draw
takes real mouse clicks and drags at the pixels ``map.project`` gives for known coordinates.
Every test checks what reached the database. Screenshots go under
``test-artifacts/draw/<backend>/``.
"""

import json
import re
import uuid

import browser_builders as bb  # tests/ is on sys.path (pyproject.toml)
import procedure_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest
from sqlalchemy import select

from placenames import spatial
from placenames.addressing.geometry import geodesic_length_m
from placenames.models import Address, Application, Place, Plate, PrintBatch
from placenames.ops.procedure import applications as apps
from placenames.workflow import State

ARTIFACTS = bb.artifacts("draw")
TIMEOUT = bb.TIMEOUT
# the line the applicant draws (west of 建章路 … 三桥新街, in 建章路街道)
DRAWN = [[108.8400, 34.2620], [108.8430, 34.2680], [108.8460, 34.2750]]
# the sketch the surveyor starts from
SKETCH = [[108.8420, 34.2600], [108.8440, 34.2640], [108.8460, 34.2680]]
# 三桥新街 of the demo runs west → east from (108.850, 34.268) to (108.872, 34.269)
ROAD = "三桥新街"
ENTRANCES = [[108.8600, 34.2690], [108.8605, 34.2682], [108.8650, 34.2695]]
BOWTIE = ('{"type": "Polygon", "coordinates": [[[108.840, 34.262], [108.846, 34.270], '
          '[108.846, 34.262], [108.840, 34.270], [108.840, 34.262]]]}')

pytestmark = bb.NEEDS_CHROMIUM


@pytest.fixture
def served(app, session):
    """The app on the demo registry with expert accounts, served in a thread, its clock at
    ``procedure_builders.NOW``; yields the base URL."""
    b.world(session)
    session.commit()
    session.close()
    app.config["CLOCK"] = lambda: b.NOW
    with bb.served(app) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with bb.chromium() as chromium:
        yield chromium


@pytest.fixture
def page(browser):
    """A page in a new Chinese-locale context, with its uncaught script errors in ``.errors``."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 900})
    p = context.new_page()
    p.set_default_timeout(TIMEOUT)
    p.errors = []
    p.on("pageerror", lambda exc: p.errors.append(str(exc)))
    yield p
    context.close()


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page, base, username):
    from playwright.sync_api import expect

    page.goto("about:blank")  # a late request of the last page must not set a new cookie
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo1234")
    page.click("button[type=submit]")
    expect(page.locator("header .who")).to_be_visible()


def wait_for_draw(page, box):
    """Wait until the drawing field ``box`` (a CSS selector) has loaded its map."""
    page.wait_for_function(
        "(sel) => { const b = document.querySelector(sel);"
        " return b && b.dataset.ready === '1' && b.map.loaded(); }", arg=box, timeout=TIMEOUT)


def pixels(page, box, coords, view=None):
    """Viewport pixels of ``coords`` on the map of ``box`` (scrolled into view; ``view`` is a
    ``jumpTo`` camera applied first)."""
    page.locator(f"{box} .draw-map").scroll_into_view_if_needed()
    canvas = page.locator(f"{box} .draw-map canvas.maplibregl-canvas").bounding_box()
    xy = page.evaluate("""([sel, coords, view]) => {
        const map = document.querySelector(sel).map;
        if (view) map.jumpTo(view);
        return coords.map((c) => { const p = map.project(c); return [p.x, p.y]; });
    }""", [box, coords, view])
    out = [(canvas["x"] + x, canvas["y"] + y) for x, y in xy]
    for x, y in out:  # every point is on the visible canvas
        assert canvas["x"] < x < canvas["x"] + canvas["width"], (x, canvas)
        assert canvas["y"] < y < canvas["y"] + canvas["height"], (y, canvas)
    return out


def geometry_of(page, selector="#f-geojson"):
    text = page.input_value(selector)
    return json.loads(text) if text.strip() else None


def stored_geometry(session, app_id):
    """The application's geometry (Application.geom) as GeoJSON; the read is ended at once
    (on SQLite an open read transaction would block the app's writes)."""
    session.rollback()
    text = session.scalar(select(spatial.as_geojson(Application.geom))
                          .where(Application.id == app_id))
    session.rollback()
    return json.loads(text) if text else None


def assert_same_line(a, b_, tol=1e-6):
    assert len(a) == len(b_), (a, b_)
    for p, q in zip(a, b_, strict=True):
        assert p == pytest.approx(q, abs=tol), (a, b_)


def app_id_of(url):
    found = re.search(r"/committee/applications/([0-9a-f-]{36})$", url)
    assert found, url
    return uuid.UUID(found.group(1))


def fill_application(page, name):
    page.select_option("#kind", "new")
    page.select_option("#cls", "road")
    page.select_option("#jurisdiction", "610112012")
    page.fill("#name1", name)
    page.fill("#name1_reason", "取周文王丰京之意")
    page.fill("#reason", "新建城市支路，需要命名")
    page.fill("#location_desc", "沣东新城建章路街道，建章路以西")


def test_the_applicant_draws_a_line_and_the_sketch_is_saved(served, page, session):
    from playwright.sync_api import expect

    base = served
    login(page, base, "applicant")
    page.goto(f"{base}/committee/applications/new")
    expect(page.locator("h1")).to_have_text("新建申请")
    fill_application(page, "丰邑路")
    box = "#draw-geojson"
    wait_for_draw(page, box)
    assert page.input_value("#f-geojson") == "" and page.input_value("#length_m") == ""
    page.click(f"{box} button[data-mode=linestring]")
    expect(page.locator(f"{box} button[data-mode=linestring]")).to_have_attribute(
        "aria-pressed", "true")
    points = pixels(page, box, DRAWN, {"center": DRAWN[1], "zoom": 13})
    for x, y in points:
        page.mouse.click(x, y)
    page.mouse.click(*points[-1])  # the last point again finishes the line
    # finished: the geometry is in the textarea and the widget is in select mode
    page.wait_for_function("() => document.getElementById('f-geojson').value !== ''")
    expect(page.locator(f"{box} button[data-mode=select]")).to_have_attribute(
        "aria-pressed", "true")
    drawn = geometry_of(page)
    assert drawn["type"] == "LineString" and len(drawn["coordinates"]) == 3, drawn
    # within a pixel or two (~8 m each at zoom 13) of where the clicks were aimed
    assert_same_line(drawn["coordinates"], DRAWN, tol=2e-4)
    length = float(page.input_value("#length_m"))
    assert length == pytest.approx(geodesic_length_m(drawn["coordinates"]), rel=0.01)
    assert 1000 < length < 2000
    expect(page.locator(f"{box} .draw-measure")).to_have_text(f"量算长度： {length:.0f} m")
    snapshot = page.evaluate(f"() => document.querySelector('{box}').draw.getSnapshot()"
                             ".filter((f) => !f.properties.currentlyDrawing)"
                             ".map((f) => f.geometry.type)")
    assert "LineString" in snapshot
    shot(page, "01-application-line-drawn")

    page.click("#save")
    expect(page.locator("#state")).to_have_attribute("data-state", "draft")
    expect(page.locator("p.flash.ok")).to_be_visible()
    app_id = app_id_of(page.url)
    shot(page, "02-application-saved")
    stored = stored_geometry(session, app_id)
    assert stored["type"] == "LineString"
    assert_same_line(stored["coordinates"], drawn["coordinates"])
    saved = session.get(Application, app_id)
    assert saved.state == State.DRAFT and saved.length_m == pytest.approx(length)
    session.rollback()

    # the edit form starts from the stored sketch
    page.click("#edit")
    wait_for_draw(page, box)
    assert_same_line(geometry_of(page)["coordinates"], drawn["coordinates"])
    features = page.evaluate(f"() => document.querySelector('{box}').draw.getSnapshot()"
                             ".map((f) => f.geometry.type)")
    assert features == ["LineString"]
    shot(page, "03-application-edit-form")
    assert page.errors == []


def test_a_refused_save_keeps_the_form_and_what_was_pasted(served, page, session):
    from playwright.sync_api import expect

    base = served
    login(page, base, "applicant")
    page.goto(f"{base}/committee/applications/new")
    fill_application(page, "沣惠路")
    page.fill("#width_m", "24")
    box = "#draw-geojson"
    wait_for_draw(page, box)
    page.click(f"{box} > details > summary")
    page.fill("#f-geojson", BOWTIE)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("#save")
    assert 400 <= answer.value.status < 500, answer.value.status
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("GeoJSON")
    expect(page.locator("h1")).to_have_text("新建申请")
    # everything typed is still there
    assert page.input_value("#name1") == "沣惠路"
    assert page.input_value("#width_m") == "24"
    assert page.input_value("#jurisdiction") == "610112012"
    assert page.input_value("#f-geojson") == BOWTIE
    wait_for_draw(page, box)
    expect(page.locator(f"{box} .draw-error")).to_be_visible()
    shot(page, "04-application-refused")
    session.rollback()
    assert session.scalars(select(Application)).all() == []
    session.rollback()
    assert page.errors == []


def test_the_surveyor_drags_a_vertex_of_the_sketch(served, page, session, tmp_path):
    from playwright.sync_api import expect

    base = served
    users = {u: b.user(session, u) for u in ("applicant", "clerk", "surveyor")}
    data = apps.ApplicationInput(
        kind="new", cls="road", candidates=[apps.CandidateInput("丰邑路", "取周文王丰京之意")],
        reason="新建城市支路，需要命名", location_desc="沣东新城建章路街道，建章路以西",
        jurisdiction_code="610112012", applicant_org="沣东新城建设局",
        geojson=json.dumps({"type": "LineString", "coordinates": SKETCH}))
    application = apps.create_application(session, data, actor=users["applicant"], now=b.NOW)
    b.advance(session, application, users, b.settings(tmp_path), until=State.ACCEPTED)
    session.commit()
    app_id = application.id
    session.close()

    login(page, base, "surveyor")
    page.goto(f"{base}/committee/applications/{app_id}")
    form = page.locator("#act-record_survey")
    expect(form).to_be_visible()
    box = "#act-record_survey .draw-field"
    wait_for_draw(page, box)
    snapshot = page.evaluate(f"() => document.querySelector('{box}').draw.getSnapshot()")
    assert [f["geometry"]["type"] for f in snapshot] == ["LineString"], snapshot
    assert_same_line(snapshot[0]["geometry"]["coordinates"], SKETCH)
    assert_same_line(geometry_of(page)["coordinates"], SKETCH)
    # the sketch's length is shown, but not entered as the measured length: a surveyor who
    # uploads a file instead must not record the sketch's length
    assert page.input_value("#survey-length") == ""
    shown = page.inner_text(f"{box} .draw-measure")
    before = float(shown.split()[-2])
    assert before == pytest.approx(geodesic_length_m(SKETCH), rel=0.01)
    expect(page.locator(f"{box} button[data-mode=select]")).to_have_attribute(
        "aria-pressed", "true")
    shot(page, "05-survey-sketch")

    # select the line (a click on it), then drag its middle vertex 80 px east
    points = pixels(page, box, SKETCH)
    mid = points[1]
    page.mouse.click(*mid)
    page.wait_for_function(f"""() => document.querySelector('{box}').draw.getSnapshot()
        .some((f) => f.properties.selected)""")
    page.mouse.move(*mid)
    page.mouse.down()
    page.mouse.move(mid[0] + 40, mid[1], steps=5)
    page.mouse.move(mid[0] + 80, mid[1], steps=5)
    page.mouse.up()
    page.wait_for_function(
        "(old) => { const t = document.getElementById('f-geojson').value;"
        " return t && JSON.parse(t).coordinates[1][0] > old + 1e-4; }", arg=SKETCH[1][0])
    adjusted = geometry_of(page)
    assert adjusted["type"] == "LineString" and len(adjusted["coordinates"]) == 3
    assert_same_line([adjusted["coordinates"][0], adjusted["coordinates"][2]],
                     [SKETCH[0], SKETCH[2]])  # the ends stayed
    assert adjusted["coordinates"][1][1] == pytest.approx(SKETCH[1][1], abs=2e-4)
    after = float(page.input_value("#survey-length"))
    assert after > before  # the bent line is longer, and the length field follows it
    assert after == pytest.approx(geodesic_length_m(adjusted["coordinates"]), rel=0.01)
    shot(page, "06-survey-adjusted")

    form.locator("textarea[name=findings]").fill("道路已建成，中段较草图偏东")
    form.locator("input[name=width_m]").fill("30")
    form.locator("#do-record_survey").click()
    expect(page.locator("p.flash.ok")).to_be_visible()
    expect(page.locator("#state")).to_have_attribute("data-state", State.SURVEYED.value)
    shot(page, "07-surveyed")
    stored = stored_geometry(session, app_id)
    assert stored["type"] == "LineString"
    assert_same_line(stored["coordinates"], adjusted["coordinates"])
    survey = apps.latest(session, session.get(Application, app_id), "survey")
    session.rollback()
    assert survey["length_m"] > 0
    assert survey["length_m"] == pytest.approx(after)
    assert page.errors == []


def test_the_clerk_places_three_entrances_and_makes_their_plate_batch(served, page, session):
    from playwright.sync_api import expect

    base = served
    road = session.scalar(select(Place).where(Place.name == ROAD))
    road_id = road.id
    existing = set(session.scalars(select(Address.code).where(Address.road_id == road_id)))
    session.rollback()
    assert existing  # the demo numbers the road already

    login(page, base, "clerk")
    page.goto(f"{base}/names/{road_id}")
    page.click("#place-entrances")
    expect(page).to_have_url(f"{base}/staff/roads/{road_id}/entrances")
    page.wait_for_function("() => window.placenamesMap && window.placenamesMap.loaded()"
                           " && window.placenamesMap.getLayer('entrances-point')")
    page.locator("#record-map").scroll_into_view_if_needed()
    canvas = page.locator("#record-map canvas.maplibregl-canvas").bounding_box()
    xy = page.evaluate("""(coords) => {
        const map = window.placenamesMap;
        map.jumpTo({ center: [108.8625, 34.2688], zoom: 16 });
        return coords.map((c) => { const p = map.project(c); return [p.x, p.y]; });
    }""", ENTRANCES)
    for x, y in xy:
        assert 0 < x < canvas["width"] and 0 < y < canvas["height"], (x, y, canvas)
        page.mouse.click(canvas["x"] + x, canvas["y"] + y)
    lines = page.input_value("#f-points").strip().split("\n")
    assert len(lines) == 3, lines
    clicked = [[float(v) for v in line.split(",")] for line in lines]
    assert_same_line(clicked, ENTRANCES, tol=5e-5)  # within a few metres of the aim
    page.wait_for_function("""() => {
        const map = window.placenamesMap;  // the three orange points, labelled 1, 2, 3
        if (!(map.getSource('entrances') && map.loaded() && map.areTilesLoaded())) return false;
        const got = new Set(map.querySourceFeatures('entrances').map((f) => f.properties.label));
        return [...got].sort().join() === '1,2,3';
    }""")
    shot(page, "08-entrances-placed")

    page.click("#preview")
    rows = page.locator("#proposals-table tbody tr")
    expect(rows).to_have_count(3)
    numbers = [t.strip() for t in rows.locator("strong").all_inner_texts()]
    for number in numbers:
        assert re.fullmatch(rf"{ROAD}\d+(-\d+)?号", number), numbers
    assert len(set(numbers)) == 3
    assert page.input_value("#f-points").strip().split("\n") == lines  # the list is kept
    # the map labels each entrance with its proposed number
    labels = sorted(n.removeprefix(ROAD) for n in numbers)
    page.wait_for_function("""(labels) => {
        const map = window.placenamesMap;
        if (!(map && map.loaded() && map.getSource('entrances') && map.areTilesLoaded())) {
          return false;
        }
        const got = new Set(map.querySourceFeatures('entrances').map((f) => f.properties.label));
        return JSON.stringify([...got].sort()) === JSON.stringify(labels);
    }""", arg=labels)
    shot(page, "09-entrances-preview")

    page.click("#accept")
    created = page.locator("#created li")
    expect(created).to_have_count(3)
    codes = [c.strip() for c in page.locator("#created small.code").all_inner_texts()]
    assert len(set(codes)) == 3 and not set(codes) & existing, codes
    shot(page, "10-entrances-registered")

    page.locator("#plate-new button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/plates/batches/[0-9a-f-]{36}$"))
    batch_id = uuid.UUID(page.url.rsplit("/", 1)[1])
    shot(page, "11-plate-batch")

    session.rollback()
    new = set(session.scalars(select(Address.code).where(Address.road_id == road_id))) - existing
    lon, lat = spatial.point_lon_lat(Address.entrance)
    entrances = session.execute(select(lon, lat).where(Address.code.in_(codes))).all()
    batch = session.get(PrintBatch, batch_id)
    plated = session.scalars(select(Address.code).join(Plate, Plate.address_id == Address.id)
                             .where(Plate.batch_id == batch_id)).all()
    plate_count = batch.plate_count
    session.rollback()
    assert new == set(codes)
    assert_same_line(sorted([x, y] for x, y in entrances), sorted(clicked))  # where clicked
    assert sorted(plated) == sorted(codes)  # exactly one plate for each new address
    assert plate_count == 3
    assert page.errors == []
