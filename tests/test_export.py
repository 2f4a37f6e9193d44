"""Open-data files: every format holds the register's records (read back with the format's own
reader: csv, openpyxl, json, GDAL), the manifest tells the truth about them, formula cells are
neutralised, no personal data leaks, a failed export writes nothing and publishing swaps the
published folder in one step."""

import codecs
import csv
import hashlib
import io
import json
import re
import sqlite3
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import cli_builders  # tests/ is on sys.path (pyproject.toml)
import openpyxl
import pyogrio
import pytest
from sqlalchemy import select

from placenames.models import Expert, Place, PlaceStatus, User
from placenames.models.workflow import PublicComment
from placenames.ops.demo import loader as demo
from placenames.ops.exchange import export, records
from placenames.ops.privacy import contacts
from placenames.ops.procedure import applications as apps

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
LICENCE = export.Licence("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/")
ROOT = Path(__file__).resolve().parents[1]


def load_demo(app, session, *, with_applications=False):
    cfg = apps.Settings.from_config(app.config, app.instance_path) if with_applications else None
    demo.load(session, now=NOW, procedure=cfg)
    session.commit()


def register(session, kind, historical=False):
    """The register's records of ``kind`` by id, through the shared representation."""
    spec = export.KINDS[kind]
    out = {}
    for row in session.execute(spec.select(historical)).mappings():
        rec = spec.record(row)
        out[rec["id"]] = json.loads(json.dumps(rec))
    session.rollback()
    return out


def run_export(engine, out, formats=(), **kwargs):
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("licence", LICENCE)
    return export.export_to(engine, out, list(formats), **kwargs)


def read_csv(path):
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def test_every_format_holds_the_register_and_the_manifest_tells_the_truth(
        app, session, engine, tmp_path):
    load_demo(app, session)
    names, addresses = register(session, "names"), register(session, "addresses")
    assert len(names) > 20 and len(addresses) > 100
    out = tmp_path / "out"
    manifest = run_export(engine, out, chunk=50)  # several chunks of each kind

    listed = {f.name: f for f in manifest.files}
    assert set(listed) == {"names.geojson", "addresses.geojson", "names.csv", "addresses.csv",
                           "placenames.gpkg", "names.xlsx", "addresses.xlsx"}
    assert sorted(p.name for p in out.iterdir()) == sorted([*listed, "manifest.json"])
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == manifest.as_json()
    assert export.read_manifest(out) == manifest
    for f in manifest.files:
        data = (out / f.name).read_bytes()
        assert f.bytes == len(data) and f.sha256 == hashlib.sha256(data).hexdigest()
        assert f.licence == LICENCE and f.historical is False
        assert f.generated_at == "2026-11-30T02:00:00Z"
    counts = {"names": len(names), "addresses": len(addresses)}
    for f in manifest.files:
        expected = sum(counts.values()) if f.kind == "all" else counts[f.kind]
        assert f.records == expected, f.name
    assert listed["placenames.gpkg"].layers == counts

    # CSV: BOM, national headers, one row per record, the people's row of each record
    for kind, fields, source in (("names", records.NAME_FIELDS, names),
                                 ("addresses", records.ADDRESS_FIELDS, addresses)):
        rows = read_csv(out / f"{kind}.csv")
        assert rows[0] == [f.header for f in fields]
        by_id = {r[rows[0].index("标识码")]: r for r in rows[1:]}
        assert len(rows) - 1 == len(source) and set(by_id) == set(source)
        for rid, rec in source.items():
            want = records.people_row(rec, fields)
            assert by_id[rid] == ["" if v is None else str(v) for v in want.values()], rid

        # XLSX: the same columns and values
        book = openpyxl.load_workbook(out / f"{kind}.xlsx", read_only=True)
        sheet_rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
        assert sheet_rows[0] == [f.header for f in fields]
        assert len(sheet_rows) - 1 == len(source)
        xlsx_by_id = {r[sheet_rows[0].index("标识码")]: r for r in sheet_rows[1:]}
        for rid, rec in source.items():
            want = list(records.people_row(rec, fields).values())
            assert xlsx_by_id[rid] == want, rid

        # GeoJSON: a FeatureCollection of the records, id and properties as in the API
        doc = json.loads((out / f"{kind}.geojson").read_text(encoding="utf-8"))
        assert doc["type"] == "FeatureCollection" and doc["licence"]["name"] == "CC BY 4.0"
        assert {f["key"] for f in doc["fields"]} <= set(export.KINDS[kind].keys())
        assert len(doc["features"]) == len(source)
        for feature in doc["features"]:
            rec = source[feature["id"]]
            assert feature["geometry"] == rec["geometry"]
            assert feature["properties"] == {k: v for k, v in rec.items() if k != "geometry"}

        # GeoPackage: the layer read back with GDAL
        info = pyogrio.read_info(out / "placenames.gpkg", layer=kind)
        assert info["features"] == len(source) and info["crs"] == "EPSG:4490"
        assert list(info["fields"]) == export.KINDS[kind].keys()


def test_a_geopackage_layer_reads_back_equal_to_the_register(app, session, engine, tmp_path):
    load_demo(app, session)
    session.execute(Place.__table__.update().where(Place.cls == "road")
                    .values(class_code="1201"))  # something to compare besides None
    session.commit()
    names = register(session, "names")
    run_export(engine, tmp_path, ["gpkg"])
    meta, _fids, geometry, columns = pyogrio.raw.read(tmp_path / "placenames.gpkg",
                                                      layer="names")
    import shapely

    got = dict(zip(meta["fields"], columns, strict=True))
    assert len(geometry) == len(names)
    for i, rid in enumerate(got["id"]):
        rec = names[rid]
        for key in ("name", "romanization", "class_code", "division_code", "version"):
            assert got[key][i] == rec[key], key
        length = got["length_m"][i]  # GDAL reads a null number as NaN
        assert length == rec["length_m"] or (rec["length_m"] is None and length != length)
        assert shapely.from_wkb(geometry[i]).equals_exact(
            shapely.geometry.shape(rec["geometry"]), 1e-9)
    db = sqlite3.connect(tmp_path / "placenames.gpkg")
    nulls = db.execute("SELECT count(*) FROM names WHERE length_m IS NULL").fetchone()[0]
    assert nulls == sum(r["length_m"] is None for r in names.values()) > 0
    titles = dict(db.execute(
        "SELECT column_name, title FROM gpkg_data_columns WHERE table_name = 'names'"))
    db.close()
    assert titles["name"] == "标准名称" and titles["romanization"] == "罗马字母拼写"


def test_formula_cells_are_neutralised_and_kept_as_text(app, session, engine, tmp_path):
    load_demo(app, session)
    place = session.scalar(select(Place).where(Place.name == "建章路"))
    place.meaning = '=HYPERLINK("http://evil.example","点我")'
    place.history = "+1+cmd|' /C calc'!A0"
    session.commit()
    run_export(engine, tmp_path, ["csv", "xlsx"])
    rows = read_csv(tmp_path / "names.csv")
    row = next(r for r in rows if r[0] == "建章路")
    assert row[rows[0].index("含义")] == "'" + place.meaning
    assert row[rows[0].index("历史沿革")] == "'" + place.history
    book = openpyxl.load_workbook(tmp_path / "names.xlsx")  # not read-only: styles are read
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    cell = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "建章路")[
        header.index("含义")]
    assert cell.value == place.meaning and cell.data_type == "s" and cell.quotePrefix
    assert "<f>" not in zipfile.ZipFile(tmp_path / "names.xlsx").read(
        "xl/worksheets/sheet1.xml").decode()


def test_more_records_than_a_sheet_holds_go_on_to_a_second_sheet(
        app, session, engine, tmp_path, monkeypatch):
    load_demo(app, session)
    n = len(register(session, "addresses"))
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 100)
    run_export(engine, tmp_path, ["xlsx"])
    book = openpyxl.load_workbook(tmp_path / "addresses.xlsx", read_only=True)
    sizes = [sum(1 for _ in ws.iter_rows(values_only=True)) - 1 for ws in book.worksheets]
    assert book.sheetnames[:2] == ["addresses", "addresses (2)"]
    assert sizes[:-1] == [100] * (len(sizes) - 1) and sum(sizes) == n
    book.close()


def test_historical_records_only_when_asked_and_never_names_not_yet_in_force(
        app, session, engine, tmp_path):
    load_demo(app, session)
    places = session.scalars(select(Place).where(Place.status == PlaceStatus.IN_FORCE,
                                                 Place.cls != "road").limit(5)).all()
    cancelled, pending = places[0], places[1:]
    cancelled.status = PlaceStatus.CANCELLED
    for place, status in zip(pending, (PlaceStatus.PROPOSED, PlaceStatus.IN_PROCEDURE,
                                       PlaceStatus.APPROVED, PlaceStatus.RESERVED), strict=True):
        place.status = status
    session.commit()
    in_force = session.query(Place).filter(Place.status == PlaceStatus.IN_FORCE).count()
    current = run_export(engine, tmp_path / "a", ["geojson"])
    ids = {f["id"] for f in json.loads((tmp_path / "a/names.geojson").read_text())["features"]}
    assert len(ids) == in_force and current.historical is False
    assert str(cancelled.id) not in ids
    full = run_export(engine, tmp_path / "b", ["geojson"], historical=True)
    doc = json.loads((tmp_path / "b/names.geojson").read_text())
    assert {f["id"] for f in doc["features"]} == ids | {str(cancelled.id)}
    assert full.historical is True and doc["historical"] is True
    assert full.file("names.geojson").records == current.file("names.geojson").records + 1


# --- no personal data --------------------------------------------------------------------------

MOBILE = re.compile(r"(?<![\w.])1[3-9]\d{9}(?![\w.])")
LANDLINE = re.compile(r"(?<![\w.])(?:0\d{2,3}-\d{7,8}|0\d{9,11})(?![\w.])")


def file_text(path: Path) -> str:
    """Every piece of text in an exported file, read by the format's own means."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    if path.suffix == ".gpkg":
        db = sqlite3.connect(path)
        parts = []
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for row in db.execute(f'SELECT * FROM "{table}"'):
                parts += [v if isinstance(v, str) else v.decode("utf-8", "replace")
                          if isinstance(v, bytes) else str(v) for v in row]
        db.close()
        return "\n".join(parts)
    return path.read_text(encoding="utf-8-sig")


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def leaks(text: str, people: set[str]) -> list[str]:
    """Phone numbers and people's names or contacts found in ``text`` (record ids, whose
    digit runs may look like a phone number, left out)."""
    text = UUID.sub("", text)
    found = MOBILE.findall(text) + LANDLINE.findall(text)
    return found + sorted(p for p in people if p in text)


def test_the_files_hold_no_personal_data(app, session, engine, tmp_path):
    load_demo(app, session, with_applications=True)
    keys = contacts.keyring(session)
    people: set[str] = set()
    phones = 0
    for comment in session.scalars(select(PublicComment)):
        contact = contacts.reveal(keys, comment)
        people |= {v for v in (contact.author, contact.phone) if v}
        phones += bool(contact.phone)
    people |= set(session.scalars(select(User.display_name)))
    people |= set(session.scalars(select(Expert.name)))
    session.rollback()
    assert phones and "张三" in people  # the demo's commenter, with a phone

    manifest = run_export(engine, tmp_path / "out")
    for f in manifest.files:
        text = file_text(tmp_path / "out" / f.name)
        assert len(text) > 1000, f.name  # the reader read the file
        assert leaks(text, people) == [], f.name

    # the search finds what it looks for, in every kind of file
    planted = tmp_path / "planted"
    planted.mkdir()
    session.execute(Place.__table__.update().where(Place.name == "建章路").values(
        meaning="联系张三 13800138000，029-88886666"))
    session.commit()
    run_export(engine, planted)
    for f in manifest.files:
        if f.kind != "addresses":
            assert sorted(leaks(file_text(planted / f.name), {"张三"})) == sorted(
                ["13800138000", "029-88886666", "张三"]), f.name


# --- failures and publishing -------------------------------------------------------------------

class Broken:
    """A writer whose disk fills up after the first chunk."""

    def __init__(self, path, kind, meta):
        self.path = path
        path.write_text("partial")
        self.chunks = 0

    def write(self, chunk):
        self.chunks += 1
        if self.chunks > 1:
            raise OSError(28, "No space left on device")

    def close(self):
        pass

    def abort(self):
        pass


def test_a_failed_export_leaves_the_folder_as_it_was(app, session, engine, tmp_path,
                                                      monkeypatch):
    load_demo(app, session)
    out = tmp_path / "files" / "out"
    first = run_export(engine, out, ["csv", "geojson"])
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setitem(export.WRITERS, "xlsx", Broken)
    with pytest.raises(export.ExportFailed) as err:
        run_export(engine, out, ["csv", "xlsx", "geojson"], chunk=50,
                   now=datetime(2026, 12, 1, tzinfo=UTC))
    assert "No space left" in err.value.user_msg
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in out.parent.iterdir()] == ["out"]  # no temporary folder left
    assert export.read_manifest(out) == first


def test_publishing_swaps_the_folder_in_one_step(app, session, engine, tmp_path, monkeypatch):
    load_demo(app, session)
    published = tmp_path / "instance" / "open-data"
    assert export.read_manifest(published) is None
    first = export.publish(engine, published, ["csv"], now=NOW, licence=LICENCE)
    assert published.is_symlink() and export.read_manifest(published) == first
    reader = (published / "names.csv").open("rb")  # a download under way
    second = export.publish(engine, published, ["csv", "gpkg"], now=datetime(
        2026, 12, 1, tzinfo=UTC), licence=LICENCE)
    assert export.read_manifest(published) == second
    assert sorted(p.name for p in published.iterdir()) == [
        "addresses.csv", "manifest.json", "names.csv", "placenames.gpkg"]
    assert hashlib.sha256(reader.read()).hexdigest() == first.file("names.csv").sha256
    reader.close()
    for f in second.files:
        assert oct((published / f.name).stat().st_mode & 0o777) == "0o644"
    assert oct(published.resolve().stat().st_mode & 0o777) == "0o755"

    # a failing publish changes nothing; a third one keeps the one before it only
    monkeypatch.setitem(export.WRITERS, "xlsx", Broken)
    with pytest.raises(export.ExportFailed):
        export.publish(engine, published, ["xlsx"], now=NOW, licence=LICENCE, chunk=50)
    assert export.read_manifest(published) == second
    monkeypatch.undo()
    third = export.publish(engine, published, ["geojson"], now=NOW, licence=LICENCE)
    releases = sorted(p.name for p in published.parent.glob(".open-data.releases/*")
                      if p.is_dir())
    assert len(releases) == 2 and published.resolve().name in releases
    assert export.read_manifest(published) == third


def test_a_folder_made_by_hand_is_replaced_by_the_published_link(app, session, engine,
                                                                 tmp_path):
    load_demo(app, session)
    published = tmp_path / "open-data"
    published.mkdir()
    (published / "old.txt").write_text("by hand")
    export.publish(engine, published, ["csv"], now=NOW, licence=LICENCE)
    assert published.is_symlink() and not (published / "old.txt").exists()
    assert (published / "names.csv").exists()


def test_licence_setting():
    assert export.parse_licence("CC BY 4.0 https://creativecommons.org/licenses/by/4.0/") \
        == LICENCE
    assert export.parse_licence("  政府数据开放许可  ") == export.Licence("政府数据开放许可")
    with pytest.raises(export.BadInput):
        export.parse_licence(" ")


def test_a_manifest_naming_other_files_is_not_trusted(tmp_path):
    good = export.Manifest("2026-11-30T02:00:00Z", LICENCE, False, (export.FileEntry(
        "names.csv", "csv", "names", 1, 10, "0" * 64, "2026-11-30T02:00:00Z", LICENCE,
        False),))
    (tmp_path / "manifest.json").write_text(json.dumps(good.as_json()))
    assert export.read_manifest(tmp_path) == good
    for bad in ("../secret_key", "names.gpkg", "addresses.csv"):
        doc = good.as_json()
        doc["files"][0]["name"] = bad
        (tmp_path / "manifest.json").write_text(json.dumps(doc))
        assert export.read_manifest(tmp_path) is None, bad
    (tmp_path / "manifest.json").write_text("{not json")
    assert export.read_manifest(tmp_path) is None


# --- the command -------------------------------------------------------------------------------

def cli(env, *args):
    return cli_builders.run_cli(env, *args, cwd=ROOT)


def test_the_command_exports_and_publishes(app, session, cli_env, tmp_path):
    load_demo(app, session)
    n_names = len(register(session, "names"))
    out = tmp_path / "files"
    done = cli(cli_env, "export", "--format", "csv", "--format", "GPKG", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "addresses.csv", "manifest.json", "names.csv", "placenames.gpkg"]
    line = next(x for x in done.stdout.splitlines() if x.startswith("names.csv"))
    assert f"{n_names:,} records" in line
    done = cli(cli_env, "export", "--format", "geojson", "--publish")
    assert done.returncode == 0, done.stderr
    published = Path(cli_env["PLACENAMES_INSTANCE_PATH"]) / "open-data"
    assert export.read_manifest(published).file("names.geojson").records == n_names
    # a licence of the office's own
    env = {**cli_env, "PLACENAMES_OPEN_DATA_LICENCE": "西咸开放数据许可 https://dm.example.gov.cn/l"}
    done = cli(env, "export", "--format", "csv", "--out", str(tmp_path / "own"))
    assert done.returncode == 0, done.stderr
    assert export.read_manifest(tmp_path / "own").licence == export.Licence(
        "西咸开放数据许可", "https://dm.example.gov.cn/l")


@pytest.mark.parametrize("args, code, message", [
    (["--format", "shp", "--out", "X"], 64, "unknown format shp"),
    (["--format", "csv"], 64, "give --out DIR or --publish"),
    (["--format", "csv", "--out", "X", "--publish"], 64, "give --out DIR or --publish"),
    (["--format", "csv", "--out", "FILE"], 73, "not a folder"),
])
def test_the_command_refuses_bad_input(app, session, cli_env, tmp_path, args, code, message):
    (tmp_path / "FILE").write_text("a file")
    args = [str(tmp_path / a) if a in ("X", "FILE") else a for a in args]
    done = cli(cli_env, "export", *args)
    assert done.returncode == code, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "X").exists()


def test_records_stream_in_chunks(app, session, engine):
    load_demo(app, session)
    with engine.connect() as conn:
        chunks = list(export.stream(conn, "addresses", chunk=50))
    assert len(chunks) > 2 and all(len(c) <= 50 for c in chunks)
    assert sum(map(len, chunks)) == len(register(session, "addresses"))


def test_reading_ahead_hands_on_errors_and_stops_when_the_reader_stops():
    closed = []

    def source(fail_at=None):
        try:
            for i in range(100):
                if i == fail_at:
                    raise RuntimeError("the database went away")
                yield i
        finally:
            closed.append(True)

    assert list(export._ahead(source())) == list(range(100)) and closed == [True]
    with pytest.raises(RuntimeError, match="went away"):
        list(export._ahead(source(fail_at=7)))
    assert closed == [True, True]
    reader = export._ahead(source(), depth=2)
    assert [next(reader), next(reader)] == [0, 1]
    reader.close()  # a writer failed: the thread stops and closes its source
    assert closed == [True, True, True]
