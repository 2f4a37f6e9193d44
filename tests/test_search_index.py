"""The search index keeps step with the register, and the search API's contract.

Both backends: the index rows are rebuilt before each flush (SQLite's FTS5 table by triggers in
the same transaction; PostgreSQL's trigram index by itself), ``reindex`` rebuilds the same rows,
and the API answers bad input with a 400 and a message.
"""

from __future__ import annotations

import pytest
from plate_builders import frame, registry
from pyproj import Geod
from sqlalchemy import func, select

from placenames.models import Address, Alias, PlaceStatus, SearchEntry
from placenames.ops import search as search_ops
from placenames.ops.addresses import AddressInput, create_address
from placenames.ops.registry.places import PlaceInput, PlaceRow, bulk_insert, create_place


def _entries(session):
    return sorted((str(e.place_id), e.kind, e.text, e.pinyin, e.initials, e.fuzzy)
                  for e in session.scalars(select(SearchEntry)))


def _labels(result):
    return [h.label for h in result.names]


def test_index_follows_creation_rename_aliases_and_deletion_in_the_same_transaction(session):
    j = frame(session)
    place = create_place(session, PlaceInput(name="建章路", cls="road", jurisdiction=j["township"]))
    session.flush()
    assert _labels(search_ops.search(session, "jianzhang"))[:1] == ["建章路"]

    place.name = "建章东路"
    session.flush()
    assert "建章路" not in [e.text for e in session.scalars(select(SearchEntry))]
    assert _labels(search_ops.search(session, "章东"))[:1] == ["建章东路"]  # substring index
    assert "建章路" not in _labels(search_ops.search(session, "jianzhanglu"))

    alias = Alias(place=place, name="章城路", kind="former")
    session.add(alias)
    session.flush()
    hit = search_ops.search(session, "章城路").names[0]
    assert (hit.label, hit.via_kind, hit.historical, hit.current_name) == \
        ("章城路", "former", True, "建章东路")

    session.delete(alias)
    session.flush()
    assert "章城路" not in _labels(search_ops.search(session, "章城路"))

    session.delete(place)
    session.flush()
    assert session.scalar(select(func.count()).select_from(SearchEntry)) == 0
    assert search_ops.search(session, "章东").names == []


def test_reindex_writes_the_rows_the_hooks_write_and_bulk_loads_are_indexed(session):
    j = frame(session)
    for name in ("建章路", "世纪大道", "三桥新街"):
        create_place(session, PlaceInput(name=name, cls="road", jurisdiction=j["township"]))
    session.flush()
    bulk_insert(session, [PlaceRow(name="沣泾大道", cls="avenue", status=PlaceStatus.IN_FORCE,
                                   jurisdiction_id=j["township"].id, division_code="610112012")])
    session.flush()
    by_hooks = _entries(session)
    assert "沣泾大道" in [e[2] for e in by_hooks]
    written = search_ops.reindex(session)
    assert written == len(by_hooks) == 4
    assert _entries(session) == by_hooks
    assert _labels(search_ops.search(session, "泾大"))[:1] == ["沣泾大道"]


def test_historical_name_is_labelled_and_points_to_the_current_name(session):
    j = frame(session)
    old = create_place(session, PlaceInput(name="红旗路", cls="road", jurisdiction=j["township"]))
    new = create_place(session, PlaceInput(name="建章路", cls="road", jurisdiction=j["township"]))
    session.flush()
    old.status, old.renamed_to_id = PlaceStatus.RENAMED, new.id
    session.flush()
    assert {e.status for e in session.scalars(select(SearchEntry)
                                              .where(SearchEntry.place_id == old.id))} == \
        {"renamed"}  # the copy that ranks names without a join follows the place
    hit = search_ops.search(session, "红旗路").names[0]
    assert (hit.label, hit.historical, hit.current_id, hit.current_name) == \
        ("红旗路", True, str(new.id), "建章路")


def test_ranking_exact_then_prefix_then_in_force_then_nearer_then_shorter(session):
    j = frame(session)

    def add(name, status=PlaceStatus.IN_FORCE, lon=108.8):
        return create_place(session, PlaceInput(
            name=name, cls="road", status=status, jurisdiction=j["township"],
            geom_wkt=f"LINESTRING({lon} 34.28, {lon + 0.001} 34.29)"))

    add("光华路")
    add("光华大道", lon=108.9)
    add("光华北路", status=PlaceStatus.CANCELLED, lon=108.7)
    add("光华西路", lon=108.7)
    add("光华东二路", lon=108.95)
    session.flush()
    assert _labels(search_ops.search(session, "光华路"))[0] == "光华路"  # exact first
    prefix = _labels(search_ops.search(session, "光华"))
    assert prefix[0] == "光华路" and set(prefix[1:3]) == {"光华大道", "光华西路"}
    assert prefix[3:] == ["光华东二路", "光华北路"]  # longer, then the cancelled one
    near_east = _labels(search_ops.search(session, "光华", near=(108.9, 34.28)))
    near_west = _labels(search_ops.search(session, "光华", near=(108.7, 34.28)))
    assert near_east.index("光华大道") < near_east.index("光华西路")
    assert near_west.index("光华西路") < near_west.index("光华大道")


def test_addresses_by_parts_code_and_reverse_with_true_distances(session):
    _j, built = registry(session, per_road=6)
    session.flush()
    road, addrs = built["世纪大道"]
    target = addrs[3]
    found = search_ops.search(session, f"世纪大道{target.number}号").addresses
    assert found[0].code == target.code and found[0].spans
    assert search_ops.search(session, target.code).addresses[0].id == str(target.id)
    match = search_ops.geocode_one(session, f"沣东新城世纪大道{target.number}号")
    assert (match.quality, match.code) == ("exact", target.code)
    missing = search_ops.geocode_one(session, "世纪大道999号")
    assert missing.quality == "partial" and missing.reason_code == "number_not_found"
    assert search_ops.geocode_one(session, "不存在路1号").quality == "none"

    x, y = session.execute(select(func.ST_X(Address.entrance), func.ST_Y(Address.entrance))
                           .where(Address.id == target.id)).one()
    lon, lat = x + 0.0003, y + 0.0002
    result = search_ops.reverse(session, lon, lat, radius_m=150)
    expected = Geod(ellps="GRS80").inv(lon, lat, x, y)[2]
    nearest = result.addresses[0]
    assert nearest.id == str(target.id)
    assert nearest.distance_m == pytest.approx(expected, abs=1.0)
    assert all(a.distance_m <= 150 for a in result.addresses)
    distances = [a.distance_m for a in result.addresses]
    assert distances == sorted(distances)


@pytest.mark.parametrize("url", [
    "/api/v1/search?q=", "/api/v1/search?q=%20%20", "/api/v1/search?q=" + "长" * 101,
    "/api/v1/search?q=%21%21%3F", "/api/v1/search?q=%F0%9F%98%80", "/api/v1/search?q=a%00b",
    "/api/v1/search?q=x&near=abc", "/api/v1/search?q=x&near=200,1", "/api/v1/search?q=x&limit=0",
    "/api/v1/search?q=x&near=nan,1", "/api/v1/autocomplete?q=", "/api/v1/geocode?q=",
    "/api/v1/reverse?lon=x&lat=1", "/api/v1/reverse?lon=108&lat=95",
    "/api/v1/reverse?lon=108&lat=34&radius=0", "/api/v1/reverse?lon=108&lat=34&radius=1e9",
    "/api/v1/reverse?lat=34",
])
def test_bad_input_is_a_400_with_a_message(client, url):
    response = client.get(url)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"]


def test_query_syntax_is_data_not_sql_or_fts(client, session):
    j = frame(session)
    create_place(session, PlaceInput(name="建章路", cls="road", jurisdiction=j["township"]))
    session.commit()
    session.close()
    for q in ['" OR 1=1 --', "建章%", "%", "_", "*", 'NEAR("建章")', "建章路' OR '1'='1"]:
        response = client.get("/api/v1/search", query_string={"q": q})
        assert response.status_code in (200, 400), q
        if response.status_code == 200 and q in ("%", "_", "*"):
            assert response.get_json()["names"] == []  # a wildcard is not a wildcard here
    body = client.get("/api/v1/search", query_string={"q": "sjdd建章"}).get_json()
    assert body["q"] == "sjdd建章"


def test_api_answers_each_kind_of_query(client, session):
    _j, built = registry(session, per_road=4)
    session.commit()
    session.close()
    for q in ("世纪大道", "世纪", "shiji", "shi ji da dao", "Shìjì Dàdào", "sjdd", "世纪大到",
              "世纪dadao", "纪大道"):
        body = client.get("/api/v1/search", query_string={"q": q}).get_json()
        assert body["names"] and body["names"][0]["label"] == "世纪大道", q
    suggestions = client.get("/api/v1/autocomplete", query_string={"q": "sh"}).get_json()
    assert "世纪大道" in [s["label"] for s in suggestions["suggestions"]]
    geo = client.get("/api/v1/geocode", query_string={"q": "世纪大道2号"}).get_json()
    assert geo["matches"][0]["quality"] == "exact"
    assert geo["matches"][0]["address"].endswith("世纪大道2号")


def test_a_village_name_inside_a_road_name_is_read_as_the_road(session):
    _j, built = registry(session, per_road=3, roads=("六村堡路",))
    session.flush()
    target = built["六村堡路"][1][1]
    match = search_ops.geocode_one(session, f"六村堡路{target.number}号")
    assert (match.quality, match.code) == ("exact", target.code)


@pytest.mark.parametrize(("cell", "safe"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+2", "'+1+2"),
    ("@SUM(A1)", "'@SUM(A1)"), ("-cmd", "'-cmd"), ("-12", "-12"), ("世纪大道7号", "世纪大道7号"),
])
def test_output_cells_are_never_formulas(cell, safe):
    from placenames.tables import safe_cell

    assert safe_cell(cell) == safe


def test_an_alias_added_by_place_id_alone_is_indexed(session):
    j = frame(session)
    place = create_place(session, PlaceInput(name="建章路", cls="road", jurisdiction=j["township"]))
    session.flush()
    session.expire(place, ["aliases"])
    session.add(Alias(place_id=place.id, name="章城路", kind="alias"))
    session.flush()
    hit = search_ops.search(session, "章城路").names[0]
    assert (hit.via, hit.current_name) == ("章城路", "建章路")


@pytest.mark.parametrize(("road", "written"), [
    ("新市坝巷", "新市坝巷{n}号"),  # 新市 is not a city here
    ("县功北路", "峰阳镇县功北路{n}号"),  # nor 县 a county's
    ("新城铺路", "终南镇新城铺路{n}号"),  # nor 新城 a management area
])
def test_a_road_whose_name_holds_a_place_generic_is_found(session, road, written):
    j = frame(session)
    place = create_place(session, PlaceInput(name=road, cls="road", jurisdiction=j["township"]))
    session.flush()
    address = create_address(session, AddressInput(jurisdiction=j["township"], road=place,
                                                   number=5, lon=108.8, lat=34.28))
    session.flush()
    match = search_ops.geocode_one(session, written.format(n=5))
    assert match.code == address.code and {"road", "number"} <= set(match.matched), match
    # the place written before the road is read again: 峰阳镇 and 终南镇 are townships, which
    # this address (in 建章路街道) does not agree with; 新市坝巷 has none
    assert match.quality == ("exact" if road == "新市坝巷" else "partial")
    assert match.reason_code in ("exact", "jurisdiction_differs")
    result = search_ops.search(session, written.format(n=5))
    # the names group and the highlight follow the road as the register names it
    assert result.names[0].label == road
    label = result.addresses[0].label
    assert [label[a:b] for a, b in result.addresses[0].spans] == [f"{road}5号"]
