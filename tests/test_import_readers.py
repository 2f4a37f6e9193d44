"""Reading an office's files, without a database: encodings (and the ones that cannot be told),
headers and their synonyms, layers and their CRS, coordinates and geometries."""

import codecs

import import_builders as ib  # tests/ is on sys.path (pyproject.toml)
import pytest
import shapely

from placenames import tables
from placenames.ops.exchange import coords, readers
from placenames.ops.exchange.imports import parse_date

HEADER = "标准名称,地名类别,行政区划代码\n"
ROWS = "凤鸣路,路,610112002\n灃東文化廣場,广场,610112002\n"


def rows_of(path, kind="names", **kw):
    with readers.open_source(path, kind, **kw) as source:
        return source, list(source.rows)


@pytest.mark.parametrize("data, encoding", [
    ((HEADER + ROWS).encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + (HEADER + ROWS).encode("utf-8"), "utf-8-sig"),
    ((HEADER + ROWS).encode("gbk"), "gb18030"),  # traditional characters too: GBK has them
    ((HEADER + ROWS).encode("utf-16"), "utf-16"),
    ((HEADER + ROWS).encode("utf-16-le"), "utf-16-le"),  # no byte-order mark
    ((HEADER + ROWS).encode("utf-16-be"), "utf-16-be"),
])
def test_the_encodings_offices_save_are_read(tmp_path, data, encoding):
    path = tmp_path / "a.csv"
    path.write_bytes(data)
    source, rows = rows_of(path)
    assert source.encoding == encoding
    assert [r.values["name"] for r in rows] == ["凤鸣路", "灃東文化廣場"]
    assert [r.row for r in rows] == [2, 3]


@pytest.mark.parametrize("codec", ["big5", "shift_jis"])
def test_an_encoding_that_only_looks_like_gbk_is_not_guessed(tmp_path, codec):
    path = tmp_path / "a.csv"
    text = "標準名稱,地名類別,行政區劃代碼\n鳳鳴路,路,610112002\n灃東文化廣場,廣場,610112002\n"
    path.write_bytes(text.encode(codec, errors="replace"))
    with pytest.raises(readers.FileProblem) as info:
        rows_of(path)
    problem = info.value.problem
    assert problem.row == 0 and "not UTF-8 (invalid at line 1)" in problem.en
    assert "GB18030" in problem.en and "CSV UTF-8" in problem.en and "另存为" in problem.zh


def test_bytes_that_are_not_text_are_refused(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"\x00\x01\x02\x03" * 100)
    with pytest.raises(readers.FileProblem, match="NUL"):
        rows_of(path)


def test_plausible_chinese_is_told_from_mojibake():
    assert tables.implausible_chinese("凤鸣路,灃東文化廣場,陕西省西安市") is None
    garbled = "标准名称,行政区划代码".encode().decode("gb18030", errors="replace")
    assert tables.implausible_chinese(garbled) is not None


def test_headers_match_by_national_name_english_key_or_synonym():
    cols = readers.match_columns(["名称 ", "Class", "区划代码", "几何（WKT）", "备注"], "names")
    assert cols.index == {"name": 0, "class": 1, "division_code": 2, "wkt": 3}
    both = readers.match_columns(["名称", "标准名称", "行政区划代码"], "names")
    assert both.index["name"] == 1  # the national header wins over the synonym
    assert [(w.row, w.field, w.code) for w in both.warnings if w.code == "duplicate_column"] == \
        [(1, "名称", "duplicate_column")]
    addr = readers.match_columns(["地址编码", "行政区划代码", "路名", "门牌号码"], "addresses")
    assert set(addr.index) == {"code", "jurisdiction_code", "road_name", "number"}


def test_a_missing_required_column_lists_found_and_expected():
    with pytest.raises(readers.FileProblem) as info:
        readers.match_columns(["地址", "门牌号"], "addresses")
    p = info.value.problem
    assert p.code == "missing_column" and "地址代码、行政区划代码" in p.zh
    assert "Columns found: 地址, 门牌号" in p.en and "地址代码*" in p.en and "户室" in p.en


def test_xlsx_rows_keep_their_sheet_row_numbers_and_skip_blank_rows(tmp_path):
    path = ib.xlsx(tmp_path / "a.xlsx", ["标准名称", "行政区划代码"],
                   [["凤鸣路", "610112002"], ["", ""], ["槐荫巷", "610112008"]], sheet="普查")
    source, rows = rows_of(path, sheet="普查")
    assert source.sheet == "普查" and [(r.row, r.values["name"]) for r in rows] == \
        [(2, "凤鸣路"), (4, "槐荫巷")]
    with pytest.raises(readers.FileProblem, match="no sheet"):
        rows_of(path, sheet="其他")


def test_a_geopackage_with_several_layers_needs_one_named(tmp_path):
    path = tmp_path / "a.gpkg"
    ib.geopackage(path, ["标准名称", "行政区划代码"], [["凤鸣路", "610112002"]],
                  ["POINT (108.84 34.27)"], "EPSG:4490", layer="roads")
    ib.geopackage(path, ["标准名称", "行政区划代码"], [["翠微苑", "610402009"]],
                  ["POINT (108.71 34.31)"], "EPSG:4490", layer="buildings")
    with pytest.raises(readers.FileProblem, match="several layers"):
        rows_of(path)
    source, rows = rows_of(path, layer="buildings")
    assert source.layer == "buildings" and source.crs.label == "EPSG:4490"
    assert rows[0].values["name"] == "翠微苑" and rows[0].geom.equals(shapely.Point(108.71, 34.31))


def test_crs_plans_and_coordinate_checks():
    assert coords.layer_crs("EPSG:4326").transformer is None
    gk = coords.layer_crs("EPSG:4545")
    here = coords.to_stored(shapely.Point(577357.85, 3793930.47), gk)
    coords.check_lon_lat(here.x, here.y, gk)
    assert abs(here.x - 108.84) < 1e-6 and abs(here.y - 34.27) < 1e-6
    degrees = coords.to_stored(shapely.Point(108.84, 34.27), gk)  # declared GK, given degrees
    with pytest.raises(coords.CoordinateError, match="declared CRS"):
        coords.check_lon_lat(degrees.x, degrees.y, gk)
    for x, y, words in [(34.27, 108.84, "swapped"), (487500.0, 3792500.0, "projected metres"),
                        (2.35, 48.85, "not in China")]:
        with pytest.raises(coords.CoordinateError, match=words):
            coords.check_lon_lat(x, y)
    with pytest.raises(coords.CoordinateError, match="cannot be read"):
        coords.layer_crs("EPSG:999999")


@pytest.mark.parametrize("wkt, code", [
    ("POLYGON ((108.8 34.2, 108.9 34.3, 108.9 34.2, 108.8 34.3, 108.8 34.2))", "bad_geometry"),
    ("LINESTRING EMPTY", "empty_geometry"),
    ("GEOMETRYCOLLECTION (POINT (108.8 34.2))", "bad_geometry"),
])
def test_bad_geometries(wkt, code):
    with pytest.raises(coords.CoordinateError) as info:
        coords.check_geometry(coords.parse_wkt(wkt), coords.NAME_TYPES)
    assert info.value.code == code


def test_points_only_for_addresses_and_srid_prefixes_are_read():
    geom = coords.parse_wkt("SRID=4490;POINT (108.84 34.27)")
    coords.check_geometry(geom, coords.ADDRESS_TYPES)
    with pytest.raises(coords.CoordinateError, match="LineString"):
        coords.check_geometry(coords.parse_wkt("LINESTRING (108.8 34.2, 108.9 34.3)"),
                              coords.ADDRESS_TYPES)


@pytest.mark.parametrize("text, iso", [("2021-05-01", "2021-05-01"), ("2021/5/1", "2021-05-01"),
                                       ("2021.5.1", "2021-05-01"), ("2021年5月1日", "2021-05-01"),
                                       ("20210501", "2021-05-01"),
                                       ("2021-05-01T00:00:00", "2021-05-01"),
                                       ("2021-02-30", None), ("五月一日", None)])
def test_dates(text, iso):
    found = parse_date(text)
    assert (found.isoformat() if found else None) == iso


def test_a_zipped_shapefile_in_gbk(tmp_path):
    import zipfile

    import numpy as np
    import pyogrio.raw

    shp = tmp_path / "地名.shp"
    point = np.array([shapely.to_wkb(shapely.Point(108.8401, 34.2712))], dtype=object)
    pyogrio.raw.write(shp, point, [np.array(["凤鸣路"], dtype=object),
                                   np.array(["610112002"], dtype=object)],
                      ["name", "adcode"], driver="ESRI Shapefile", geometry_type="Point",
                      crs="EPSG:4490", encoding="GBK")
    assert "凤鸣路".encode("gbk") in shp.with_suffix(".dbf").read_bytes()
    bundle = tmp_path / "地名.zip"
    with zipfile.ZipFile(bundle, "w") as z:
        for part in tmp_path.glob("地名.*"):
            if part != bundle:
                z.write(part, part.name)
    source, rows = rows_of(bundle)
    assert source.format == "shp" and source.crs.label == "EPSG:4490"
    assert source.encoding is None  # GDAL decoded the text
    assert rows[0].values == {"name": "凤鸣路", "division_code": "610112002"}
    assert rows[0].geom.equals(shapely.Point(108.8401, 34.2712))
