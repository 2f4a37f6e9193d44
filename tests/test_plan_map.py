"""The planned layer of the map on both backends: the public tiles carry the reserved names of
approved plans only, the staff tiles those of every plan (private, signed in); reserved and
released names are never on the names layer; a plan's approval moves the map version."""

import json
import re

import mapbox_vector_tile
import planout_builders as pb  # tests/ is on sys.path (pyproject.toml)
import pytest
from plate_builders import clerk, login
from sqlalchemy import select

from placenames import spatial
from placenames.maps.layers import feature_id
from placenames.maps.tiles import tile_for
from placenames.models import NamingPlan
from placenames.models.versions import map_version
from placenames.ops.maps import tiles

CENTRE = (108.842, 34.275)  # on 章台路, the approved plan's road
APPROVED_PLANNED = {"章台路", "丰京广场", "灵台桥"}


@pytest.fixture
def world(session):
    return pb.plan_world(session)


def decode(data):
    return mapbox_vector_tile.decode(data) if data else {}


def _names(layers, layer):
    return {f["properties"]["name"]: f for f in layers.get(layer, {"features": []})["features"]}


def test_public_tiles_carry_approved_plans_only_and_never_as_standard_names(session, world):
    t = tile_for(*CENTRE, 12)
    layers = decode(tiles.render(session, "all", t))
    planned = _names(layers, "planned")
    assert set(planned) == APPROVED_PLANNED  # not the draft's 阿房宫路, the released or used
    road = planned["章台路"]
    assert road["id"] == feature_id(world.places["章台路"].id)
    assert road["properties"] == {
        "id": str(world.places["章台路"].id), "name": "章台路", "cls": "road",
        "pinyin": "Zhangtai Lu", "plan_code": pb.APPROVED_CODE, "plan": world.approved.title,
        "theme": "秦汉文化"}
    assert road["geometry"]["type"] == "LineString"
    assert planned["丰京广场"]["geometry"]["type"] == "Polygon"
    assert planned["灵台桥"]["geometry"]["type"] == "Point"
    names = _names(layers, "names")
    assert {"建章路", "太液路"} <= set(names)  # in force, the used reserved name among them
    assert not set(names) & {"章台路", "丰京广场", "灵台桥", "未央宫路", "阿房宫路"}


def test_staff_tiles_carry_every_plan_with_its_status(session, world):
    layers = decode(tiles.render(session, "planned", tile_for(*CENTRE, 13), staff=True))
    planned = _names(layers, "planned")
    assert set(planned) == APPROVED_PLANNED | {"阿房宫路"}
    assert planned["阿房宫路"]["properties"]["plan_status"] == "draft"
    assert planned["阿房宫路"]["properties"]["plan_code"] == pb.DRAFT_CODE
    assert planned["章台路"]["properties"]["plan_status"] == "approved"
    assert planned["章台路"]["properties"]["taken"] == 0
    assert planned["灵台桥"]["properties"]["taken"] == 1  # an application holds it


def test_postgis_st_asmvt_gives_the_planned_layer_the_python_encoder_gives(session, world):
    if spatial.backend_name(session.connection()) != "postgis":
        pytest.skip("ST_AsMVT is PostGIS's; the SpatiaLite run uses the Python encoder itself")
    for z in (11, 14):
        t = tile_for(*CENTRE, z)
        for staff in (False, True):
            stmt = tiles.layer_select("planned", t, session.connection(), staff=staff)
            db_tile = decode(tiles.render(session, "planned", t, staff=staff))["planned"]
            py_tile = decode(tiles.encode_rows(session, "planned", stmt, t, t.unit_m()))[
                "planned"]
            assert sorted(f["id"] for f in db_tile["features"]) == sorted(
                f["id"] for f in py_tile["features"])
            props = {f["id"]: f["properties"] for f in db_tile["features"]}
            for f in py_tile["features"]:
                assert props[f["id"]] == f["properties"], (z, staff)


def test_the_staff_tile_endpoint_is_signed_in_and_private(client, session, world):
    t = tile_for(*CENTRE, 13)
    public = client.get(f"/tiles/planned/{t.z}/{t.x}/{t.y}.mvt")
    assert public.status_code == 200 and "public" in public.headers["Cache-Control"]
    assert set(_names(decode(public.data), "planned")) == APPROVED_PLANNED
    url = f"/staff/tiles/planned/{t.z}/{t.x}/{t.y}.mvt"
    r = client.get(url)
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    login(client, clerk(session, "sysadmin1", roles=("sysadmin",)))
    assert client.get(url).status_code == 403  # 三员: the system administrator sees no plans
    login(client, clerk(session))
    version = map_version(session)
    r = client.get(f"{url}?v={version}")
    assert r.status_code == 200 and r.mimetype == "application/vnd.mapbox-vector-tile"
    assert r.headers["Cache-Control"] == "private, max-age=86400"
    assert "Access-Control-Allow-Origin" not in r.headers
    assert r.headers["ETag"].strip('"') == f"staff-planned-{version}"
    assert "阿房宫路" in _names(decode(r.data), "planned")
    assert client.get(url, headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    assert client.get("/staff/tiles/planned/3/8/0.mvt").status_code == 400


def test_approving_a_plan_moves_the_map_version_and_shows_its_names(client, session, world):
    t = tile_for(*CENTRE, 13)
    url = f"/tiles/all/{t.z}/{t.x}/{t.y}.mvt"
    before = client.get(url)
    assert "阿房宫路" not in _names(decode(before.data), "planned")
    version = map_version(session)
    plan = session.scalar(select(NamingPlan).where(NamingPlan.code == pb.DRAFT_CODE))
    plan.status = "approved"  # only the plan's row changes, no place
    session.commit()
    assert map_version(session) == version + 1
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert "阿房宫路" in _names(decode(after.data), "planned")


def _map_config(client, url="/map"):
    html = client.get(url).get_data(True)
    return json.loads(re.search(r'id="map-config">(.*?)</script>', html, re.S).group(1))


def test_the_map_page_gives_staff_their_planned_tiles_and_frames_a_plan(client, session,
                                                                        world):
    cfg = _map_config(client)
    assert cfg["planned_tiles"] is None
    assert cfg["labels"]["planned_suffix"] == "（规划）"
    assert cfg["plan_url"] == "/plans/{code}"
    focus = _map_config(client, f"/map?plan={pb.APPROVED_CODE}")["focus"]
    assert focus["name"] == world.approved.title
    west, south, east, north = focus["bbox"]
    assert west == pytest.approx(108.8395) and east == pytest.approx(108.850)  # planned only
    assert south == pytest.approx(34.262) and north == pytest.approx(34.295)
    assert _map_config(client, f"/map?plan={pb.DRAFT_CODE}")["focus"] is None
    html = client.get("/map").get_data(True)
    assert 'data-layer="planned"' in html and 'href="/plans"' in html
    assert _map_config(client, "/map?lang=en")["labels"]["planned_suffix"] == " (planned)"
    login(client, clerk(session))
    cfg = _map_config(client, "/map?lang=zh")
    assert cfg["planned_tiles"].endswith(f"/staff/tiles/planned/{{z}}/{{x}}/{{y}}.mvt"
                                         f"?v={map_version(session)}")
    assert cfg["plan_url"] == "/staff/plans/{code}"  # staff: the plan's staff page
    assert cfg["labels"]["plan_statuses"]["draft"] == "草案"
