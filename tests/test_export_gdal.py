"""The exported GeoPackage through Debian's GDAL command-line tools (not the GDAL bundled with
pyogrio that wrote it): ``ogrinfo`` lists both layers with the register's counts and CRS, and
``ogr2ogr`` turns the names layer into GeoJSON whose records equal the register's."""

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from placenames.models import Place
from placenames.ops.demo import loader as demo
from placenames.ops.exchange import export

pytestmark = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="gdal-bin is missing")
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TOLERANCE = 1e-7  # degrees


def tool(*args):
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ERROR" not in done.stderr and "Warning" not in done.stderr, done.stderr
    return done.stdout


def register(session, kind):
    spec = export.KINDS[kind]
    out = {}
    for row in session.execute(spec.select(False)).mappings():
        rec = spec.record(row)
        out[rec["id"]] = rec
    session.rollback()
    return out


def coordinates(geometry):
    """Every position of a GeoJSON geometry, flattened."""
    def walk(c):
        if isinstance(c[0], int | float):
            yield tuple(c[:2])
        else:
            for part in c:
                yield from walk(part)
    return list(walk(geometry["coordinates"]))


def test_gdal_reads_the_geopackage_as_the_register(session, engine, tmp_path):
    demo.load(session, now=NOW)
    for i, place in enumerate(session.scalars(select(Place).order_by(Place.name))):
        place.class_code = f"12{i % 7:02d}"  # the demo leaves it empty
    session.commit()
    names, addresses = register(session, "names"), register(session, "addresses")
    export.export_to(engine, tmp_path, ["gpkg"], now=NOW,
                     licence=export.Licence("CC BY 4.0"))
    gpkg = str(tmp_path / "placenames.gpkg")

    listing = tool("ogrinfo", "-ro", gpkg)
    assert re.findall(r"^\d+: (\w+)", listing, re.M) == ["names", "addresses"]
    for layer, source in (("names", names), ("addresses", addresses)):
        summary = tool("ogrinfo", "-ro", "-so", gpkg, layer)
        assert f"Feature Count: {len(source)}\n" in summary
        assert 'ID["EPSG",4490]' in summary
    assert "Geometry: Point" in tool("ogrinfo", "-ro", "-so", gpkg, "addresses")

    out = tmp_path / "names.json"
    tool("ogr2ogr", "-f", "GeoJSON", str(out), gpkg, "names")
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["features"]) == len(names)
    kinds = set()
    for feature in doc["features"]:
        props = feature["properties"]
        rec = names[props["id"]]
        for key in ("name", "romanization", "class_code", "division_code"):
            assert props[key] == rec[key], key
        assert props["class_code"]
        assert feature["geometry"]["type"] == rec["geometry"]["type"]
        kinds.add(rec["geometry"]["type"])
        got, want = coordinates(feature["geometry"]), coordinates(rec["geometry"])
        assert len(got) == len(want)
        assert all(abs(a - c) <= TOLERANCE and abs(b - d) <= TOLERANCE
                   for (a, b), (c, d) in zip(got, want, strict=True))
    assert kinds >= {"Point", "LineString"}  # one layer holds both kinds of geometry
