"""Record pages: a page per name and per address, in HTML and JSON; historical names say what
replaced them; every code on them is shown as a word."""

import re

import pytest
from sqlalchemy import select

from placenames.models import Address, Place, Plate
from placenames.ops.demo import loader as demo


@pytest.fixture
def demo_db(session):
    demo.load(session)
    session.commit()
    return session


def road(session, name="建章路"):
    return session.scalar(select(Place).where(Place.name == name))


def test_a_name_page_shows_the_record_its_addresses_and_lineage(client, demo_db):
    p = road(demo_db)
    r = client.get(f"/names/{p.id}?lang=zh")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "<h1>建章路" in html and "Jianzhang Lu" in html
    assert p.meaning in html
    n_addresses = len(demo_db.scalars(select(Address).where(Address.road_id == p.id)).all())
    assert n_addresses > 0
    assert html.count('data-label="门牌号"') == n_addresses
    assert "status-in_force\">已生效" in html and "<span class=\"tag\">路" in html  # words
    assert 'id="record-map"' in html and "登记入册" in html
    assert "uri.amap.com" in html and "api.map.baidu.com" in html


def test_a_name_answers_json_to_accept_json(client, demo_db):
    p = road(demo_db)
    r = client.get(f"/names/{p.id}", headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.is_json
    rec = r.json
    assert rec["name"] == "建章路" and rec["status"] == "in_force"
    assert rec["geometry"]["type"] == "LineString"
    assert [j["level"] for j in rec["jurisdiction"]][-1] == "township"
    codes = [a["code"] for a in rec["addresses"]]
    assert codes and len(codes) == len(set(codes))
    assert rec["timeline"][0]["action"] == "create"


def test_a_renamed_name_stays_reachable_and_points_to_its_successor(client, demo_db):
    old = road(demo_db)
    new = Place(name="建章大道", specific="建章", generic="大道", cls="road", status="in_force",
                renamed_from_id=old.id, jurisdiction_id=old.jurisdiction_id)
    demo_db.add(new)
    demo_db.flush()
    old.status = "renamed"
    old.renamed_to_id = new.id
    demo_db.commit()
    html = client.get(f"/names/{old.id}?lang=zh").get_data(as_text=True)
    assert 'id="renamed-to"' in html and f"/names/{new.id}" in html and "建章大道" in html
    rec = client.get(f"/names/{old.id}", headers={"Accept": "application/json"}).json
    assert rec["group"] == "historical"
    assert rec["lineage"]["renamed_to"]["name"] == "建章大道"
    assert [t["status"] for t in rec["timeline"]][-1] == "renamed"
    back = client.get(f"/names/{new.id}", headers={"Accept": "application/json"}).json
    assert back["lineage"]["renamed_from"]["id"] == str(old.id)


def test_an_address_page_in_chinese_and_pinyin_with_its_plates(client, demo_db):
    a, plate = demo_db.execute(select(Address, Plate).join(Plate, Plate.address_id == Address.id)
                               .limit(1)).first()
    r = client.get(f"/addresses/{a.code}?lang=zh")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert f"<h1>{a.full_text}</h1>" in html
    assert plate.plate_id in html and f"/names/{a.road_id}" in html
    rec = client.get(f"/addresses/{a.code}", headers={"Accept": "application/json"}).json
    assert rec["pinyin"].startswith(f"{a.number} ") and "Shaanxi Sheng" in rec["pinyin"]
    assert rec["plates"][0]["plate_id"] == plate.plate_id
    assert rec["road"]["id"] == str(a.road_id)


@pytest.mark.parametrize("url", ["/names/not-a-uuid", "/names/00000000-0000-0000-0000-000000000000",
                                 "/addresses/nope", "/addresses/" + "9" * 300])
def test_unknown_records_are_404_with_a_message(client, url):
    r = client.get(url, headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.json["error"]


def test_the_map_search_finds_names_by_characters(client, demo_db):
    hits = client.get("/map/search?q=建章").json
    assert [h["name"] for h in hits] == ["建章路"]
    assert hits[0]["bbox"][0] <= 108.837 <= hits[0]["bbox"][2]
    assert client.get("/map/search?q=%25").json == []  # a LIKE wildcard is a character here
    assert client.get("/map/search?q=").json == []


def test_the_map_page_carries_its_configuration(client, demo_db):
    html = client.get("/map?lang=zh").get_data(as_text=True)
    assert "/tiles/all/{z}/{x}/{y}.mvt?v=" in html
    assert "maplibre-gl.mjs" not in html or "cdn" not in html.lower()
    assert "vendor/maplibre-gl/maplibre-gl.css" in html and "地名地址一张图" in html
    assert '"basemap": null' in html  # offline default: no base layer


def test_the_map_uses_a_configured_tianditu_key(app, client):
    app.config["TIANDITU_KEY"] = "k123"
    html = client.get("/map").get_data(as_text=True)
    assert "tianditu.gov.cn/vec_w/wmts" in html and "tk=k123" in html


CODES_SHOWN = re.compile(r">\s*(in_force|in_procedure|installed|ordered|left|right|active)\s*<")


def test_no_raw_code_shows_as_text_on_chinese_record_pages(client, demo_db):
    p = road(demo_db)
    a = demo_db.scalar(select(Address).join(Plate, Plate.address_id == Address.id).limit(1))
    for url in (f"/names/{p.id}?lang=zh", f"/addresses/{a.code}?lang=zh", "/map?lang=zh"):
        html = client.get(url).get_data(as_text=True)
        # codes may appear only in the small code tag beside their word
        bare = CODES_SHOWN.findall(re.sub(r'<small class="code">[^<]*</small>', "", html))
        assert bare == [], (url, bare)
