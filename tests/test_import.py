"""Importing an office's register of names and addresses: real XLSX, GBK CSV, GeoJSON and
GeoPackage files; every bad input reported row by row with nothing written; re-imports that
update instead of duplicating; dry runs that write nothing."""

import csv
import json
import uuid

import import_builders as ib  # tests/ is on sys.path (pyproject.toml)
import pytest
import shapely
from geoalchemy2.shape import to_shape
from pyproj import Transformer
from sqlalchemy import select

from placenames.models import Address, HistoryRow, Place
from placenames.models.changes import Change
from placenames.ops.demo import loader as demo
from placenames.ops.exchange import report as reports
from placenames.ops.exchange.imports import import_file


@pytest.fixture
def register(session):
    demo.load(session)
    session.commit()
    return session


def place(session, name):
    return session.scalar(select(Place).where(Place.name == name))


def outcome(report):
    return {k: report.counts[k] for k in reports.OUTCOMES}


def problems(report, code=None):
    return [(p.row, p.field, p.code) for p in report.sorted_problems()
            if code is None or p.code == code]


# --- names ---------------------------------------------------------------------------------------


def test_an_xlsx_with_chinese_headers_imports_romanized_names_with_history_and_feed(
        register, tmp_path):
    s = register
    before = ib.counts(s)
    path = ib.xlsx(tmp_path / "地名.xlsx", ib.NAME_HEADER, ib.NEW_NAMES)
    report = import_file(s, path, "names")
    assert report.imported and report.errors == 0, report.sorted_problems()
    s.commit()
    assert (report.rows, report.counts["new"]) == (4, 4)
    assert report.source["format"] == "xlsx" and report.source["sheet"] == "地名"
    after = ib.counts(s)
    assert after["places"] == before["places"] + 4
    assert after["history"] == before["history"] + 4
    assert after["changes"] == before["changes"] + 4
    assert after["syllables"] > before["syllables"] and after["search"] > before["search"]
    feng = place(s, "凤鸣路")
    assert (feng.cls, feng.status, feng.division_code) == ("road", "in_force", "610112002")
    assert feng.romanization == "Fengming Lu" and feng.specific == "凤鸣"
    assert feng.jurisdiction.name == "三桥街道" and feng.meaning == "取凤鸣岐山之意"
    assert str(feng.approval_date) == "2021-05-01" and feng.version == 1
    assert to_shape(feng.geom).equals_exact(shapely.Point(108.8401, 34.2712),
                                                              1e-9)
    assert place(s, "鼎盛大厦").approval_date.isoformat() == "2020-03-15"
    assert place(s, "翠微苑").cls == "residential" and place(s, "槐荫巷").cls == "lane"
    feed = s.scalars(select(Change.action).where(Change.entity_id == feng.id)).all()
    assert feed == ["insert"]
    history = s.scalars(select(HistoryRow.snapshot).where(HistoryRow.entity_id == feng.id)).all()
    assert len(history) == 1 and json.loads(history[0])["name"] == "凤鸣路"


def test_reimport_updates_instead_of_duplicating_and_unchanged_rows_write_nothing(
        register, tmp_path):
    s = register
    path = ib.xlsx(tmp_path / "a.xlsx", ib.NAME_HEADER, ib.NEW_NAMES)
    import_file(s, path, "names")
    s.commit()
    before = ib.counts(s)
    again = import_file(s, path, "names")
    s.commit()
    assert again.imported and outcome(again) == {"new": 0, "updated": 0, "unchanged": 4}
    assert ib.counts(s) == before  # no version bump, no history, no feed row
    assert place(s, "凤鸣路").version == 1
    rows = [list(r) for r in ib.NEW_NAMES]
    rows[0][6] = "新的含义"  # 含义 of 凤鸣路
    changed = import_file(s, ib.xlsx(tmp_path / "b.xlsx", ib.NAME_HEADER, rows), "names")
    s.commit()
    assert outcome(changed) == {"new": 0, "updated": 1, "unchanged": 3}
    after = ib.counts(s)
    assert after["places"] == before["places"]
    assert after["history"] == before["history"] + 1
    assert after["changes"] == before["changes"] + 1
    feng = place(s, "凤鸣路")
    assert (feng.meaning, feng.version) == ("新的含义", 2)
    assert s.scalars(select(Change.action).where(Change.entity_id == feng.id)
                     .order_by(Change.seq)).all() == ["insert", "update"]


def test_a_record_id_keys_the_row_and_a_new_id_is_kept(register, tmp_path):
    s = register
    rid = uuid.uuid4()
    header = ["标识码", "名称", "类别", "区划代码", "WKT"]  # synonyms of the national headers
    row = [str(rid), "凤鸣路", "road", "610112002", "LINESTRING (108.84 34.27, 108.85 34.27)"]
    report = import_file(s, ib.csv_file(tmp_path / "a.csv", header, [row]), "names")
    s.commit()
    assert report.counts["new"] == 1
    assert s.get(Place, rid).name == "凤鸣路"
    row[1] = "凤翔路"  # the same record, renamed in the office's file
    report = import_file(s, ib.csv_file(tmp_path / "b.csv", header, [row]), "names")
    s.commit()
    assert outcome(report) == {"new": 0, "updated": 1, "unchanged": 0}
    assert problems(report, "name_changed") == [(2, "名称", "name_changed")]
    s.expire_all()
    assert s.get(Place, rid).name == "凤翔路" and s.get(Place, rid).romanization == "Fengxiang Lu"
    assert place(s, "凤鸣路") is None


def test_a_gbk_csv_of_addresses_imports_on_the_demo_roads(register, tmp_path):
    s = register
    before = ib.counts(s)
    path = ib.csv_file(tmp_path / "门牌.csv", ib.ADDRESS_HEADER, ib.NEW_ADDRESSES, "gbk")
    report = import_file(s, path, "addresses")
    assert report.imported, report.sorted_problems()
    s.commit()
    assert report.source["encoding"] == "gb18030" and report.counts["new"] == 3
    after = ib.counts(s)
    assert after["addresses"] == before["addresses"] + 3
    assert after["history"] == before["history"] + 3 and after["changes"] == before["changes"] + 3
    a = s.scalar(select(Address).where(Address.code == "610112002190002"))
    assert (a.number, a.building, a.unit, a.room) == (903, "3", "2", "501")
    assert a.road.name == "世纪大道" and a.jurisdiction.code == "610112002"
    assert a.full_text == "陕西省西咸新区沣东新城三桥街道世纪大道903号3号楼2单元501室"
    sub = s.scalar(select(Address).where(Address.code == "610112012190001"))
    assert (sub.number, sub.suffix, sub.full_text[-8:]) == (88, "1", "建章路88-1号")
    again = import_file(s, path, "addresses")
    s.commit()
    assert outcome(again) == {"new": 0, "updated": 0, "unchanged": 3}
    assert ib.counts(s) == after
    rows = [list(r) for r in ib.NEW_ADDRESSES]
    rows[0][3], rows[0][4] = "红光大道", "5"
    moved = import_file(s, ib.csv_file(tmp_path / "b.csv", ib.ADDRESS_HEADER, rows), "addresses")
    s.commit()
    assert outcome(moved) == {"new": 0, "updated": 1, "unchanged": 2}
    first = s.scalar(select(Address).where(Address.code == "610112002190001"))
    assert first.road.name == "红光大道" and first.version == 2
    assert first.full_text.endswith("红光大道5号")
    assert ib.counts(s)["changes"] == after["changes"] + 1


def test_a_geojson_layer_of_names_in_lon_lat(register, tmp_path):
    s = register
    path = ib.geojson(tmp_path / "names.geojson", [
        ({"name": "凤鸣路", "class": "road", "division_code": "610112002"},
         {"type": "LineString", "coordinates": [[108.84, 34.27], [108.85, 34.271]]}),
        ({"name": "翠微苑", "class": "residential", "division_code": "610402009"},
         {"type": "Point", "coordinates": [108.717, 34.318]}),
    ])
    report = import_file(s, path, "names")
    assert report.imported, report.sorted_problems()
    s.commit()
    assert report.source["format"] == "geojson" and report.source["crs"] == "EPSG:4326"
    line = to_shape(place(s, "凤鸣路").geom)
    assert line.geom_type == "LineString" and line.coords[1] == (108.85, 34.271)


def test_a_geopackage_in_gauss_kruger_is_transformed_to_cgcs2000(register, tmp_path):
    s = register
    to_gk = Transformer.from_crs(4490, 4545, always_xy=True)
    points = [(108.8401, 34.2712), (108.7170, 34.3180)]
    wkts = ["POINT ({} {})".format(*to_gk.transform(*p)) for p in points]
    path = ib.geopackage(tmp_path / "普查.gpkg", ["标准名称", "地名类别", "行政区划代码"],
                         [["凤鸣路", "road", "610112002"], ["翠微苑", "居民区", "610402009"]],
                         wkts, "EPSG:4545")
    report = import_file(s, path, "names")
    assert report.imported, report.sorted_problems()
    s.commit()
    assert report.source["crs"] == "EPSG:4545" and report.source["layer"] == "names"
    got = to_shape(place(s, "翠微苑").geom)
    assert abs(got.x - 108.7170) < 1e-7 and abs(got.y - 34.3180) < 1e-7


def test_the_screen_reports_duplicates_and_homophones_in_the_file_and_in_the_register(
        register, tmp_path):
    s = register
    rows = [["凤鸣路", "road", "610112002"],
            ["建樟路", "road", "610112008"],  # sounds like the demo's 建章路, same built-up area
            ["凤鸣路", "road", "610116005"]]  # the same name in another township of the area
    path = ib.csv_file(tmp_path / "a.csv", ["标准名称", "地名类别", "行政区划代码"], rows)
    report = import_file(s, path, "names", dry_run=True)
    assert report.errors == 0 and report.counts["new"] == 3
    jianzhang = place(s, "建章路")
    hits = [p for p in report.problems if p.row == 3 and p.code.startswith("screen_")]
    assert hits and hits[0].severity == "warning" and str(jianzhang.id) in hits[0].zh
    assert "建章路" in hits[0].zh and "jianzhang" in hits[0].en
    in_file = [p for p in report.problems if p.row == 4 and p.code == "file_exact"]
    assert in_file and "第 2 行" in in_file[0].zh and "row 2" in in_file[0].en


def test_unchanged_rows_are_not_screened_again_but_count_for_the_rows_around_them(
        register, tmp_path):
    s = register
    header = ["标准名称", "地名类别", "行政区划代码"]
    import_file(s, ib.csv_file(tmp_path / "a.csv", header, [["凤鸣路", "road", "610112002"]]),
                "names")
    s.commit()
    feng = place(s, "凤鸣路")
    twin = ["凤鸣路", "road", "610116005"]  # the same name in another township of the area
    # the new row first: screened against the register (the record the next row keeps)
    first = import_file(s, ib.csv_file(tmp_path / "b.csv", header,
                                       [twin, ["凤鸣路", "road", "610112002"]]), "names",
                        dry_run=True)
    assert outcome(first) == {"new": 1, "updated": 0, "unchanged": 1}
    assert [(p.row, p.code) for p in first.problems if p.row > 1] == [(2, "screen_exact")]
    assert str(feng.id) in first.problems[-1].zh
    # the unchanged row first: the new row is screened against it in the file, once
    second = import_file(s, ib.csv_file(tmp_path / "c.csv", header,
                                        [["凤鸣路", "road", "610112002"], twin]), "names",
                         dry_run=True)
    assert [(p.row, p.code) for p in second.problems if p.row > 1] == [(3, "file_exact")]


def test_the_bulk_screen_finds_what_the_per_name_screen_finds(register):
    from placenames.naming.keys import name_keys
    from placenames.ops.names import screen

    s = register
    for name, cls, code in [("建樟路", "road", "610112008"), ("新世纪大道", "avenue", "610112002"),
                            ("沣泾路", "road", "610402007"), ("同德苑", "residential",
                                                               "610402008")]:
        one = screen.screen(s, name, cls, area_code=code)
        scope = one.scope
        many = screen.screen_many(s, [screen.Proposal(name, cls, name_keys(name, cls), code,
                                                      scope)])[0]
        expected = {(h.id, h.kind) for h in one.hits if h.severity in ("block", "warn")
                    and h.kind != "similar"}
        assert expected and {(h.id, h.kind) for h in many} >= expected, name


def test_a_dry_run_writes_nothing_and_reports_what_it_would_do(register, tmp_path):
    s = register
    before = ib.counts(s)
    out = tmp_path / "report.csv"
    report = import_file(s, ib.xlsx(tmp_path / "a.xlsx", ib.NAME_HEADER, ib.NEW_NAMES),
                         "names", dry_run=True)
    reports.write_csv(report, out)
    s.commit()
    assert not report.imported and report.counts["new"] == 4 and report.errors == 0
    assert ib.counts(s) == before
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


# --- bad input: reported row by row, nothing written -------------------------------------------


def _rejected(s, path, kind, before, **kwargs):
    report = import_file(s, path, kind, **kwargs)
    s.commit()  # whatever the import left would be committed now
    assert not report.imported and report.errors > 0
    assert ib.counts(s) == before
    return report


def test_one_bad_row_rejects_the_whole_file_even_after_chunks_were_written(register, tmp_path):
    s = register
    before = ib.counts(s)
    rows = [list(r) for r in ib.NEW_NAMES] + [["坏区划路", "", "路", "999999999", "", "", "", "",
                                               "", ""]]
    report = _rejected(s, ib.xlsx(tmp_path / "a.xlsx", ib.NAME_HEADER, rows), "names", before,
                       chunk=2)
    assert problems(report, "unknown_division") == [(6, "行政区划代码", "unknown_division")]
    assert report.counts["new"] == 4  # what it would have done


@pytest.mark.parametrize("row, field, code, words", [
    (["凤鸣路", "road", "610112002", "POLYGON ((108.80 34.20, 108.90 34.30, 108.90 34.20, "
      "108.80 34.30, 108.80 34.20))"], "几何(WKT)", "bad_geometry", "Self-intersection"),
    (["凤鸣路", "road", "610112002", "LINESTRING (108.8 34.2"], "几何(WKT)", "bad_wkt",
     "cannot be read"),
    (["凤鸣路", "road", "610112002", "POINT EMPTY"], "几何(WKT)", "empty_geometry", "empty"),
    (["凤鸣路", "road", "610112002", "POINT (34.27 108.84)"], "几何(WKT)", "wrong_crs",
     "swapped"),
    (["凤鸣路", "road", "610112002", "POINT (24587.4 3805818.4)"], "几何(WKT)", "wrong_crs",
     "x=24587.4, y=3805818.4"),
    (["Fengming Road", "road", "610112002", ""], "标准名称", "name_latin_only", "refuses"),
    (["凤鸣路", "castle", "610112002", ""], "地名类别", "bad_class", "unknown class"),
])
def test_bad_rows_are_reported_with_row_field_and_reason(register, tmp_path, row, field, code,
                                                         words):
    s = register
    before = ib.counts(s)
    header = ["标准名称", "地名类别", "行政区划代码", "几何(WKT)"]
    good = ["槐荫巷", "lane", "610112008", "POINT (108.8455 34.305)"]
    path = ib.csv_file(tmp_path / "a.csv", header, [good, row])
    report = _rejected(s, path, "names", before)
    errors = [p for p in report.problems if p.severity == "error"]
    assert [(p.row, p.field, p.code) for p in errors] == [(3, field, code)]
    assert words in errors[0].en and errors[0].zh


def test_coordinates_in_the_wrong_crs_are_reported_with_the_value_seen(register, tmp_path):
    s = register
    before = ib.counts(s)
    rows = [list(r) for r in ib.NEW_ADDRESSES]
    rows[0][8], rows[0][9] = "34.2830", "108.8300"  # swapped
    rows[1][8], rows[1][9] = "386512.4", "3791234.5"  # projected metres, no CRS said
    report = _rejected(s, ib.csv_file(tmp_path / "a.csv", ib.ADDRESS_HEADER, rows), "addresses",
                       before)
    wrong = [(p.row, p.field) for p in report.problems if p.code == "wrong_crs"]
    assert wrong == [(2, "经度"), (3, "经度")]
    texts = [p.en for p in report.sorted_problems() if p.code == "wrong_crs"]
    assert "swapped" in texts[0] and "x=34.283, y=108.83" in texts[0]
    assert "projected metres" in texts[1] and "x=386512.4, y=3791234.5" in texts[1]
    # a layer without a CRS in metres: GeoJSON says WGS84 by default
    layer = ib.geojson(tmp_path / "m.geojson", [
        ({"标准名称": "凤鸣路", "行政区划代码": "610112002"},
         {"type": "Point", "coordinates": [386512.4, 3791234.5]})])
    report = _rejected(s, layer, "names", before)
    assert [(p.row, p.field, p.code) for p in report.problems if p.severity == "error"] == \
        [(1, "geometry", "wrong_crs")]


def test_a_missing_column_stops_the_file_listing_the_columns(register, tmp_path):
    s = register
    before = ib.counts(s)
    path = ib.xlsx(tmp_path / "a.xlsx", ["名称", "经度", "纬度"], [["凤鸣路", "108.8", "34.2"]])
    report = _rejected(s, path, "names", before)
    [p] = report.problems
    assert (p.row, p.code) == (0, "missing_column")
    assert "行政区划代码" in p.zh and "名称、经度、纬度" in p.zh
    assert "Columns found: 名称, 经度, 纬度" in p.en and "行政区划代码*" in p.en


def test_an_encoding_that_cannot_be_told_is_refused_with_what_was_tried(register, tmp_path):
    s = register
    before = ib.counts(s)
    path = tmp_path / "big5.csv"
    path.write_bytes("標準名稱,地名類別,行政區劃代碼\n鳳鳴路,路,610112002\n灃東文化廣場,廣場,"
                     "610112002\n".encode("big5"))
    report = _rejected(s, path, "names", before)
    [p] = report.problems
    assert p.row == 0 and p.code == "unreadable"
    assert "UTF-8" in p.en and "GB18030" in p.en and "Big5" in p.en
    assert "另存为" in p.zh and "CSV UTF-8" in p.zh


@pytest.mark.parametrize("name, data", [
    ("a.xlsx", b"PK\x03\x04 not really a workbook"),
    ("a.geojson", b'{"type": "FeatureCollection", "features": [{"type": '),
    ("a.gpkg", b"SQLite format 3\x00" + b"\x00" * 100),
    ("a.csv", "标准名称,行政区划代码\n\"凤鸣路,610112002\n".encode() + b"\x00\x00"),
])
def test_a_malformed_file_is_rejected_whole_with_a_message(register, tmp_path, name, data):
    s = register
    before = ib.counts(s)
    path = tmp_path / name
    path.write_bytes(data)
    report = _rejected(s, path, "names", before)
    assert [p.row for p in report.problems] == [0] and report.problems[0].zh


def test_addresses_need_their_jurisdiction_and_road(register, tmp_path):
    s = register
    before = ib.counts(s)
    rows = [list(r) for r in ib.NEW_ADDRESSES]
    rows[0][3] = "不存在路"
    rows[1][2] = "610112099"
    rows[2][3] = "世纪大道"  # in 三桥街道, not in 建章路街道: but in the same built-up area
    rows.append(["", "610423101190001", "610423101", "昆明池路", "1", "", "", "", "", "", ""])
    report = _rejected(s, ib.csv_file(tmp_path / "a.csv", ib.ADDRESS_HEADER, rows), "addresses",
                       before)
    errors = [(p.row, p.field, p.code) for p in report.sorted_problems() if p.severity == "error"]
    assert errors == [(2, "道路名称", "unknown_road"), (3, "行政区划代码", "unknown_division")]
    assert report.counts["new"] == 2  # 世纪大道 found from 建章路街道; 昆明池路 from 永乐镇


def test_duplicate_codes_in_the_file_are_errors(register, tmp_path):
    s = register
    before = ib.counts(s)
    rows = [list(r) for r in ib.NEW_ADDRESSES]
    rows[2][1] = rows[0][1]
    report = _rejected(s, ib.csv_file(tmp_path / "a.csv", ib.ADDRESS_HEADER, rows), "addresses",
                       before)
    assert problems(report, "duplicate_row") == [(4, "地址代码", "duplicate_row")]


def test_the_report_file_has_every_problem_with_both_languages(register, tmp_path):
    s = register
    rows = [["凤鸣路", "road", "999"], ["", "road", "610112002"]]
    path = ib.csv_file(tmp_path / "a.csv", ["标准名称", "地名类别", "行政区划代码"], rows)
    report = import_file(s, path, "names")
    out = tmp_path / "r.csv"
    reports.write_csv(report, out)
    with out.open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))
    assert lines[0] == list(reports.REPORT_HEADER)
    assert [(r[0], r[1], r[2], r[3]) for r in lines[1:]] == [
        ("1", "", "warning", "no_geometry"), ("2", "行政区划代码", "error", "unknown_division"),
        ("3", "标准名称", "error", "missing_value")]
    assert lines[3][4] == "标准名称为空" and lines[3][5] == "the standard name is empty"
