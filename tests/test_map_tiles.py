"""Vector tiles of the register on both backends: decoded features and attributes, the same
ids from ST_AsMVT as from the Python encoder, ETags that move with every write, 400s."""

import mapbox_vector_tile
import pytest
from sqlalchemy import func, select

from placenames import spatial
from placenames.maps.layers import feature_id
from placenames.maps.tiles import Tile, tile_for
from placenames.models import Address, Place, Plate
from placenames.models.versions import map_version
from placenames.ops.demo import loader as demo
from placenames.ops.maps import tiles

JIANZHANG = (108.8365, 34.278)  # a point on 建章路 of the demo


@pytest.fixture
def demo_db(session):
    demo.load(session)
    session.commit()
    return session


def decode(data):
    return mapbox_vector_tile.decode(data) if data else {}


def test_names_layer_carries_the_demo_roads_with_their_attributes(demo_db):
    t = tile_for(*JIANZHANG, 12)
    layers = decode(tiles.render(demo_db, "names", t))
    by_name = {f["properties"]["name"]: f for f in layers["names"]["features"]}
    road = demo_db.scalar(select(Place).where(Place.name == "建章路"))
    f = by_name["建章路"]
    assert f["id"] == feature_id(road.id)
    assert f["properties"]["id"] == str(road.id)
    assert f["properties"]["cls"] == "road" and f["properties"]["group"] == "in_force"
    assert "pinyin" not in f["properties"]  # details from zoom 15 on
    detail = decode(tiles.render(demo_db, "names", tile_for(*JIANZHANG, 15)))
    f15 = next(x for x in detail["names"]["features"] if x["properties"]["name"] == "建章路")
    assert f15["properties"]["pinyin"] == "Jianzhang Lu"
    assert f15["properties"]["status"] == "in_force"
    assert f["geometry"]["type"] == "LineString"
    # every name with geometry in the tile's box is there, and no other
    west, south, east, north = t.bounds_lonlat(64)
    expected = set(demo_db.scalars(select(Place.name).where(
        Place.geom.is_not(None),
        spatial.intersects_box(Place.geom, (west, south, east, north), demo_db.connection()))))
    assert set(by_name) <= expected and "世纪大道" in by_name


def test_addresses_and_plates_appear_from_zoom_15_only(demo_db):
    addr = demo_db.execute(select(Address, *spatial.point_lon_lat(Address.entrance))
                           .join(Plate, Plate.address_id == Address.id).limit(1)).first()
    a, lon, lat = addr
    assert "addresses" not in decode(tiles.render(demo_db, "all", tile_for(lon, lat, 14)))
    layers = decode(tiles.render(demo_db, "all", tile_for(lon, lat, 16)))
    codes = {f["properties"]["code"]: f for f in layers["addresses"]["features"]}
    assert a.code in codes and codes[a.code]["id"] == feature_id(a.id)
    assert codes[a.code]["properties"]["label"].endswith("号")
    plates = {f["properties"]["address_code"] for f in layers["plates"]["features"]}
    assert a.code in plates


def test_historical_names_are_in_the_tile_marked_as_such(demo_db):
    road = demo_db.scalar(select(Place).where(Place.name == "建章路"))
    road.status = "renamed"
    demo_db.commit()
    layers = decode(tiles.render(demo_db, "names", tile_for(*JIANZHANG, 14)))
    f = next(f for f in layers["names"]["features"] if f["properties"]["name"] == "建章路")
    assert f["properties"]["group"] == "historical"


def test_postgis_st_asmvt_gives_the_same_features_as_the_python_encoder(demo_db):
    if spatial.backend_name(demo_db.connection()) != "postgis":
        pytest.skip("ST_AsMVT is PostGIS's; the SpatiaLite run uses the Python encoder itself")
    for z in (12, 14, 16):
        t = tile_for(108.8358, 34.2569, z)
        for layer in tiles.layer_names():
            stmt = tiles.layer_select(layer, t, demo_db.connection())
            if stmt is None:
                continue
            db_tile = decode(tiles.render(demo_db, layer, t)).get(layer, {"features": []})
            tolerance = t.unit_m() if layer in ("names", "jurisdictions") else 0
            py_tile = decode(tiles.encode_rows(demo_db, layer, stmt, t, tolerance)).get(
                layer, {"features": []})
            ids = sorted(f["id"] for f in db_tile["features"])
            assert ids == sorted(f["id"] for f in py_tile["features"]), (layer, z)
            props = {f["id"]: f["properties"] for f in db_tile["features"]}
            for f in py_tile["features"]:
                assert props[f["id"]] == f["properties"], (layer, z)


def test_a_write_moves_the_map_version_and_a_rollback_does_not(demo_db):
    before = map_version(demo_db)
    assert before >= 1
    road = demo_db.scalar(select(Place).where(Place.name == "建章路"))
    road.meaning = "改过的含义"
    demo_db.flush()
    demo_db.rollback()
    assert map_version(demo_db) == before
    road = demo_db.scalar(select(Place).where(Place.name == "建章路"))
    road.meaning = "改过的含义"
    demo_db.commit()
    assert map_version(demo_db) == before + 1
    demo_db.execute(Place.__table__.update().where(Place.id == road.id).values(width_m=41))
    demo_db.commit()
    assert map_version(demo_db) == before + 2


def test_tile_endpoint_etag_cache_and_304(client, demo_db):
    t = tile_for(*JIANZHANG, 15)
    url = f"/tiles/all/{t.z}/{t.x}/{t.y}.mvt"
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == "application/vnd.mapbox-vector-tile"
    assert "names" in decode(r.data)
    assert r.headers["Cache-Control"] == "public, no-cache"
    etag = r.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    version = map_version(demo_db)
    assert "max-age=86400" in client.get(f"{url}?v={version}").headers["Cache-Control"]
    assert "no-cache" in client.get(f"{url}?v={version - 1}").headers["Cache-Control"]
    # a write: the same URL now has a new ETag and the old one gets the new tile, not a 304
    road = demo_db.scalar(select(Place).where(Place.name == "建章路"))
    road.romanization = "Jianzhang Lu (changed)"
    demo_db.commit()
    r2 = client.get(url, headers={"If-None-Match": etag})
    assert r2.status_code == 200 and r2.headers["ETag"] != etag
    names = {f["properties"]["name"]: f for f in decode(r2.data)["names"]["features"]}
    assert names["建章路"]["properties"]["pinyin"] == "Jianzhang Lu (changed)"


@pytest.mark.parametrize("path", ["names/23/0/0", "names/3/8/0", "names/3/0/-1", "all/a/b/c",
                                  "names/99999999999999999999/0/0"])
def test_out_of_range_or_malformed_tiles_are_400(client, path):
    r = client.get(f"/tiles/{path}.mvt", headers={"Accept": "application/json"})
    assert r.status_code == 400
    assert "tile" in r.json["error"] or "瓦片" in r.json["error"]


def test_an_unknown_layer_is_404(client):
    assert client.get("/tiles/roads/1/0/0.mvt").status_code == 404


def test_an_empty_area_gives_an_empty_tile(client, demo_db):
    t = Tile.parse(12, 0, 0)
    r = client.get(f"/tiles/all/{t.z}/{t.x}/{t.y}.mvt")
    assert r.status_code == 200 and r.data == b""


def test_jurisdiction_outlines_are_served_where_they_have_geometry(demo_db):
    from placenames.models import Jurisdiction

    j = demo_db.scalar(select(Jurisdiction).where(Jurisdiction.code == "610112002"))
    j.geom = func.ST_GeomFromText(
        "MULTIPOLYGON(((108.80 34.26, 108.88 34.26, 108.88 34.30, 108.80 34.30, 108.80 34.26)))",
        4490)
    demo_db.commit()
    layers = decode(tiles.render(demo_db, "jurisdictions", tile_for(108.84, 34.28, 12)))
    (f,) = layers["jurisdictions"]["features"]
    assert f["properties"]["name"] == "三桥街道" and f["id"] == feature_id(j.id)
    assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_a_crowded_tile_keeps_the_most_important_names(demo_db, monkeypatch):
    monkeypatch.setattr(tiles, "MAX_FEATURES", 3)
    t = tile_for(108.80, 34.28, 11)
    names = decode(tiles.render(demo_db, "names", t))["names"]["features"]
    assert len(names) == 3
    # avenues come before roads, and among avenues the longest first
    assert {f["properties"]["cls"] for f in names} == {"avenue"}
    stmt = select(Place.name, func.ST_Length(Place.geom)).where(Place.cls == "avenue",
                                                                  Place.geom.is_not(None))
    west, south, east, north = t.bounds_lonlat(64)
    lengths = sorted(((length, name) for name, length in demo_db.execute(stmt.where(
        spatial.intersects_box(Place.geom, (west, south, east, north),
                               demo_db.connection())))), reverse=True)
    assert [f["properties"]["name"] for f in names] == [n for _, n in lengths[:3]]
