"""The public map draws the planned names of approved plans, dashed and labelled as planned,
in headless chromium; a click opens a pop-up that calls the name planned and links its plan;
the plan's public page fits a phone. Screenshots under ``test-artifacts/plans/<backend>/``."""

import browser_builders as bb  # tests/ is on sys.path (pyproject.toml)
import planout_builders as pb
import pytest

ARTIFACTS = bb.artifacts("plans")
ZHANGTAI_VERTEX = [108.843, 34.280]

pytestmark = bb.NEEDS_CHROMIUM


@pytest.fixture
def served(app, session):
    pb.plan_world(session)
    session.close()
    with bb.served(app) as base:
        yield base


def test_the_public_map_draws_approved_planned_names_as_planned(served):
    from playwright.sync_api import expect

    with bb.chromium() as browser, bb.page_maker(browser) as make:
        page = make(viewport={"width": 1200, "height": 800})
        page.goto(f"{served}/map?plan={pb.APPROVED_CODE}")
        page.wait_for_function("""() => {
            const map = window.placenamesMap;
            if (!(map && map.loaded() && map.areTilesLoaded())) return false;
            const names = new Set(map.queryRenderedFeatures({ layers: ['planned-line'] })
                                  .map((f) => f.properties.name));
            return names.has('章台路');
        }""", timeout=bb.TIMEOUT)
        drawn = page.evaluate("""() => {
            const map = window.placenamesMap;
            const names = (layers) => [...new Set(map.queryRenderedFeatures({ layers })
                                                  .map((f) => f.properties.name))].sort();
            return {
              planned: names(['planned-line', 'planned-point', 'planned-fill']),
              standard: names(['names-line', 'names-point', 'names-fill']),
              dash: map.getPaintProperty('planned-line', 'line-dasharray'),
              label: map.getLayoutProperty('planned-label-line', 'text-field'),
            };
        }""")
        assert drawn["planned"] == ["丰京广场", "灵台桥", "章台路"]  # the approved plan's only
        assert not set(drawn["standard"]) & {"章台路", "丰京广场", "灵台桥", "阿房宫路", "未央宫路"}
        assert drawn["dash"] == [2, 1.5]
        assert "（规划）" in str(drawn["label"])
        page.screenshot(path=str(ARTIFACTS / "01-map-planned.png"))

        canvas = page.locator("#map canvas.maplibregl-canvas").bounding_box()
        p = page.evaluate("(ll) => window.placenamesMap.project(ll)", ZHANGTAI_VERTEX)
        page.mouse.click(canvas["x"] + p["x"], canvas["y"] + p["y"])
        popup = page.locator(".maplibregl-popup")
        expect(popup.locator("strong")).to_have_text("章台路")
        expect(popup.locator(".tag.planned")).to_have_text("规划地名")
        expect(popup.locator("a.open-record")).to_have_attribute(
            "href", f"/plans/{pb.APPROVED_CODE}")
        assert page.errors == []

        phone = make(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        phone.goto(f"{served}/plans/{pb.APPROVED_CODE}")
        expect(phone.locator("#planned-names")).to_contain_text("Zhangtai Lu")
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        phone.screenshot(path=str(ARTIFACTS / "02-plan-phone.png"), full_page=True)
        assert phone.errors == []

