"""A real GIS client reads the register's vector tiles: GDAL's MVT driver (what QGIS uses)
opens a served tile by its z/x/y URL and puts the features where the register has them."""

import json
import shutil
import subprocess

import browser_builders as bb  # tests/ is on sys.path (pyproject.toml)
import pytest
from sqlalchemy import select

from placenames import spatial
from placenames.maps.tiles import tile_for
from placenames.models import Address, Place
from placenames.ops.demo import loader as demo

pytestmark = pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="GDAL is not installed")


@pytest.fixture
def served(app, session):
    demo.load(session)
    session.commit()
    with bb.served(app) as base:
        yield base


def ogr_geojson(url: str, layer: str) -> dict:
    out = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", f"MVT:{url}", layer,
                          "-t_srs", "EPSG:4326"], capture_output=True, text=True, timeout=60,
                         check=True)
    return json.loads(out.stdout)


def test_gdal_reads_names_and_addresses_where_the_register_has_them(served, session):
    road = session.scalar(select(Place).where(Place.name == "建章路"))
    a, lon, lat = session.execute(select(Address, *spatial.point_lon_lat(Address.entrance))
                                  .where(Address.road_id == road.id).limit(1)).first()
    session.rollback()
    t = tile_for(lon, lat, 16)
    base = f"{served}/tiles/all/{t.z}/{t.x}/{t.y}.mvt"
    names = ogr_geojson(base, "names")
    (f,) = [f for f in names["features"] if f["properties"]["name"] == "建章路"]
    assert f["properties"]["id"] == str(road.id) and f["properties"]["cls"] == "road"
    assert f["geometry"]["type"] == "LineString"
    xs = [c[0] for c in f["geometry"]["coordinates"]]
    assert min(xs) == pytest.approx(108.836, abs=2e-3)  # on the road, not somewhere else
    addresses = ogr_geojson(base, "addresses")
    (door,) = [f for f in addresses["features"] if f["properties"]["code"] == a.code]
    x, y = door["geometry"]["coordinates"]
    # a tile unit at zoom 16 is about 0.15 m: the point comes back within a metre
    assert x == pytest.approx(lon, abs=1e-5) and y == pytest.approx(lat, abs=1e-5)
