"""Round trip: the demo register exported (GeoPackage and CSV) by `placenames export`, imported
into an empty register by `placenames import`, exported again: the same records."""

import csv
import math
import os
from pathlib import Path

import cli_builders  # tests/ is on sys.path (pyproject.toml)
import pyogrio.raw
import pytest
import shapely
from sqlalchemy import make_url, text
from sqlalchemy.orm import Session

from placenames import migrate
from placenames.db import make_engine
from placenames.ops.demo import loader as demo

CHANGING = {"version", "updated_at"}  # a record's edit count and time: not its content


def run_cli(env, *args):
    result = cli_builders.run_cli(env, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def empty_register(db_url, tmp_path, cli_env):
    """A second migrated database holding only the demo's frame (divisions, management areas,
    the built-up area): on PostGIS a database beside the test's, dropped afterwards."""
    if db_url.startswith("postgresql"):
        url = make_url(db_url)
        name = f"{url.database}_roundtrip"
        server = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
        with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        second = url.set(database=name).render_as_string(hide_password=False)
    else:
        server, second = None, f"sqlite:///{tmp_path / 'second.db'}"
    engine = make_engine(second)
    migrate.upgrade(engine)
    with Session(engine) as s:
        demo.load_frame(s)
        s.commit()
    engine.dispose()
    yield {**cli_env, "PLACENAMES_DATABASE_URL": second,
           "PLACENAMES_INSTANCE_PATH": str(tmp_path / "second-instance")}
    if server is not None:
        with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return [rows[0], *sorted(rows[1:])]


def plain(value):
    """A GeoPackage value as compared: a missing float (NaN) as None."""
    return None if isinstance(value, float) and math.isnan(value) else value


def gpkg_records(path: Path, layer: str) -> dict[str, dict[str, object]]:
    meta, _fids, wkb, data = pyogrio.raw.read(path, layer=layer, datetime_as_string=True)
    out = {}
    for i in range(len(data[0])):
        record = {str(f): plain(data[j][i]) for j, f in enumerate(meta["fields"])
                  if str(f) not in CHANGING}
        record["geometry"] = shapely.from_wkb(wkb[i]).wkt if wkb[i] is not None else None
        out[str(record["id"])] = record
    return out


def test_export_import_export_gives_the_same_records(session, cli_env, empty_register,
                                                     tmp_path):
    demo.load(session)
    session.commit()
    session.close()
    first, second = tmp_path / "first", tmp_path / "second"
    run_cli(cli_env, "export", "--format", "gpkg", "--format", "csv", "--out", str(first))
    package = first / "placenames.gpkg"
    names = run_cli(empty_register, "import", "names", str(package))
    addresses = run_cli(empty_register, "import", "addresses", str(package))
    n_names = len(gpkg_records(package, "names"))
    n_addresses = len(gpkg_records(package, "addresses"))
    assert n_names > 40 and n_addresses > 300
    assert f"{n_names} new, 0 updated, 0 unchanged; 0 errors" in names
    assert f"{n_addresses} new, 0 updated, 0 unchanged; 0 errors" in addresses
    # the CSV files of the same export hold the same records: nothing to change
    again = run_cli(empty_register, "import", "names", str(first / "names.csv"))
    assert f"0 new, 0 updated, {n_names} unchanged; 0 errors" in again
    again = run_cli(empty_register, "import", "addresses", str(first / "addresses.csv"))
    assert f"0 new, 0 updated, {n_addresses} unchanged; 0 errors" in again
    run_cli(empty_register, "export", "--format", "gpkg", "--format", "csv", "--out",
            str(second))
    for name in ("names.csv", "addresses.csv"):
        assert csv_rows(second / name) == csv_rows(first / name), name
    for layer in ("names", "addresses"):
        before = gpkg_records(package, layer)
        after = gpkg_records(second / "placenames.gpkg", layer)
        assert after == before, layer
    assert os.path.getsize(second / "names.csv") == os.path.getsize(first / "names.csv")
