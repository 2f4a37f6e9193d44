"""A real GIS client reads the register through OGC API – Features: GDAL's OAPIF driver (what
QGIS builds on) lists the collections, counts them, copies them into a GeoPackage record for
record, and passes bbox and attribute filters to the server."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import browser_builders as bb  # tests/ is on sys.path (pyproject.toml)
import pytest
from geoalchemy2.shape import to_shape
from shapely.geometry import box, shape
from sqlalchemy import select

from placenames.models import Address, Place, Plate
from placenames.ops.demo import loader as demo

pytestmark = pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="GDAL is not installed")


class Recorder:
    """WSGI middleware noting each request's path and query, to see what GDAL asks."""

    def __init__(self, app):  # type: ignore[no-untyped-def]
        self.app = app
        self.requests: list[str] = []

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        self.requests.append(f"{environ['PATH_INFO']}?{environ.get('QUERY_STRING', '')}")
        return self.app(environ, start_response)


@pytest.fixture
def served(app, session):
    demo.load(session)
    session.commit()
    recorder = Recorder(app)
    with bb.served(recorder) as base:
        yield f"OAPIF:{base}/ogc", recorder


def run(*args: str) -> str:
    out = subprocess.run(list(args), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def copy(source: str, layer: str, tmp_path: Path, *options: str) -> dict:
    """``ogr2ogr -f GPKG`` of a layer, read back as GeoJSON (through GDAL, from the file)."""
    gpkg = tmp_path / f"{layer}.gpkg"
    gpkg.unlink(missing_ok=True)
    run("ogr2ogr", "-f", "GPKG", str(gpkg), source, layer, *options)
    return json.loads(run("ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(gpkg), layer))


def current_names(session):
    return {str(p.id): p for p in session.scalars(select(Place).where(
        Place.status == "in_force"))}


def active_addresses(session):
    return {str(a.id): a for a in session.scalars(select(Address).where(
        Address.status == "active"))}


def test_ogrinfo_lists_the_collections_and_counts_them(served, session):
    source, _rec = served
    listing = run("ogrinfo", "-ro", "-so", source)
    assert re.findall(r"^\d+: (\w+)", listing, re.M) == ["names", "addresses", "plates"]
    plates = session.scalars(select(Plate)).all()
    counts = {"names": len(current_names(session)), "addresses": len(active_addresses(session)),
              "plates": len(plates)}
    session.rollback()
    for layer, n in counts.items():
        summary = run("ogrinfo", "-ro", "-so", source, layer)
        assert f"Feature Count: {n}\n" in summary, layer
        assert "plate_id" not in summary


def assert_same_geometry(feature: dict, geom) -> None:  # type: ignore[no-untyped-def]
    got = shape(feature["geometry"])
    assert got.geom_type == geom.geom_type
    assert got.equals_exact(geom, 1e-7), (feature["properties"]["id"], got.wkt, geom.wkt)


def test_ogr2ogr_copies_names_and_addresses_record_for_record(served, session, tmp_path):
    source, recorder = served
    names = current_names(session)
    addresses = active_addresses(session)
    expected_names = {i: (p.name, p.romanization, p.cls, to_shape(p.geom))
                      for i, p in names.items()}
    expected_addresses = {i: (a.code, a.full_text, to_shape(a.entrance))
                          for i, a in addresses.items()}
    session.rollback()

    got = copy(source, "names", tmp_path)["features"]
    assert len(got) == len(expected_names)
    assert {f["properties"]["id"] for f in got} == set(expected_names)
    for f in got:
        name, romanization, cls, geom = expected_names[f["properties"]["id"]]
        props = f["properties"]
        assert (props["name"], props["romanization"], props["class"]) == (
            name, romanization, cls)
        assert_same_geometry(f, geom)

    got = copy(source, "addresses", tmp_path)["features"]
    assert len(got) == len(expected_addresses)
    assert {f["properties"]["id"] for f in got} == set(expected_addresses)
    for f in got:
        code, full_text, geom = expected_addresses[f["properties"]["id"]]
        assert (f["properties"]["code"], f["properties"]["full_text"]) == (code, full_text)
        assert_same_geometry(f, geom)
    # GDAL walked the pages by the next links, their cursor included
    assert any("after=" in r for r in recorder.requests if "/addresses/items" in r)


def test_a_spatial_filter_returns_only_the_features_in_the_box(served, session, tmp_path):
    source, recorder = served
    area = (108.80, 34.25, 108.85, 34.30)
    names = {i: to_shape(p.geom) for i, p in current_names(session).items()}
    addresses = {i: to_shape(a.entrance) for i, a in active_addresses(session).items()}
    session.rollback()
    for layer, geoms in (("names", names), ("addresses", addresses)):
        got = copy(source, layer, tmp_path, "-spat", *map(str, area))["features"]
        want = {i for i, g in geoms.items() if g.intersects(box(*area))}
        assert want and len(want) < len(geoms)
        assert {f["properties"]["id"] for f in got} == want, layer
        assert len(got) == len(want)
        asked = [r for r in recorder.requests if f"/{layer}/items" in r and "bbox=" in r]
        assert asked, layer  # GDAL asked the server for the box, not for everything


def test_an_attribute_filter_is_passed_to_the_server(served, session, tmp_path):
    source, recorder = served
    roads = {i for i, p in current_names(session).items() if p.cls == "road"}
    road = session.scalars(select(Place).where(Place.name == "建章路")).one()
    on_road = {i for i, a in active_addresses(session).items() if a.road_id == road.id}
    session.rollback()
    got = copy(source, "names", tmp_path, "-where", "class = 'road'")["features"]
    assert {f["properties"]["id"] for f in got} == roads and len(got) == len(roads)
    assert any("class=road" in r for r in recorder.requests)
    got = copy(source, "addresses", tmp_path, "-where", "road_name = '建章路'")["features"]
    assert {f["properties"]["id"] for f in got} == on_road and on_road
    assert any("road_name=" in r for r in recorder.requests)
    # a filter the server cannot take is evaluated by GDAL, with the same answer
    got = copy(source, "names", tmp_path, "-where", "class LIKE 'roa%'")["features"]
    assert {f["properties"]["id"] for f in got} == roads
