"""The search commands through the real CLI: ``geocode`` on CSV (UTF-8 with BOM, GBK) and xlsx,
``reverse`` against a distance computed on the ellipsoid, ``search reindex`` after the index
was emptied; and the spreadsheet reader on its own."""

import codecs
import csv
import json

import openpyxl
import plate_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest
from cli_builders import run_cli as run  # tests/ is on sys.path (pyproject.toml)
from click.testing import CliRunner
from pyproj import Geod
from sqlalchemy import delete, func, select

from placenames import tables
from placenames.cli import main
from placenames.errors import BadInput, NotFound
from placenames.models import Address, Base, Place, SearchEntry
from placenames.ops import search as search_ops
from placenames.search.query import QueryError, parse_query
from placenames.spatial import point_lon_lat

GEOD = Geod(ellps="GRS80")  # CGCS2000's ellipsoid (to well under a millimetre)
HEADER = ["编号", "地址", "备注"]
CELLS = [  # (id, address cell, the quality expected)
    ("1", "世纪大道7号", "exact"),
    ("2", "沣东新城世纪大道7号", "exact"),
    ("3", "三桥街道世纪大道7号2单元", "partial"),  # no unit 2 is stored: 7号 itself, partial
    ("4", "幸福不存在路88号", "none"),
    ("5", "", "none"),
    ("6", "😀😀\x07\x01", "none"),
    ("7", "建章路3号", "exact"),
    ("8", "世纪大道" * 30 + "7号", "none"),  # over the query length cap
]
XLSX_CELLS = [(i, a.replace("\x07", "").replace("\x01", ""), q) for i, a, q in CELLS]



def invoke(app, *args):
    """The command in this process (for the quick error paths); no traceback allowed."""
    result = CliRunner().invoke(main, list(args), obj=app)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def register(session):
    """建章路 and 世纪大道 with twelve numbered addresses each, committed."""
    _, built = b.registry(session, per_road=12)
    session.commit()
    return built


def address_row(session, road, number):
    """(code, lon, lat) of the stored address ``road`` ``number``号."""
    lon, lat = point_lon_lat(Address.entrance)
    return session.execute(
        select(Address.code, lon, lat).join(Place, Address.road_id == Place.id)
        .where(Place.name == road, Address.number == number)).one()


def row_counts(session):
    counts = {t.name: session.scalar(select(func.count()).select_from(t))
              for t in Base.metadata.sorted_tables}
    session.rollback()
    return counts


def write_csv(path, rows, encoding):
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i, address, _ in rows:
            w.writerow([i, address, f"备注{i}"])
    return path


def write_xlsx(path, rows):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "地址表"
    book.create_sheet("其他")
    ws.append(HEADER)
    for i, address, _ in rows:
        ws.append([int(i), address or None, f"备注{i}"])  # numbers as numbers, blanks as blanks
    book.save(path)
    return path


def read_output(path):
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)  # Excel reads it as UTF-8 only with the BOM
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def check_output(session, out, cells):
    rows = read_output(out)
    assert rows[0] == [*HEADER, *(c for c in _out_columns())]
    body = rows[1:]
    assert [r[0] for r in body] == [i for i, _, _ in cells]  # one row per input row, in order
    for row, (i, address, quality) in zip(body, cells, strict=True):
        got = dict(zip(rows[0], row, strict=True))
        assert got["地址"] == address and got["备注"] == f"备注{i}"
        assert got["匹配程度 quality"].endswith(quality), (address, got)
        assert got["原因 reason"] == expected_reason(session, address)
        if quality == "none":
            assert got["地址代码 address_code"] == "" and got["经度 lon"] == ""
            assert got["原因 reason"]
            continue
        road, number = ("建章路", 3) if "建章路" in address else ("世纪大道", 7)
        code, lon, lat = address_row(session, road, number)
        assert got["地址代码 address_code"] == code, (address, got)
        assert float(got["经度 lon"]) == pytest.approx(lon, abs=1e-6)
        assert float(got["纬度 lat"]) == pytest.approx(lat, abs=1e-6)
        assert f"{road}{number}号" in got["标准地址 standard_address"]
        assert float(got["得分 score"]) > 0
    session.rollback()
    return [dict(zip(rows[0], r, strict=True)) for r in body]


def expected_reason(session, cell):
    """The reason the geocoder (or the query parser) gives for ``cell``, both languages."""
    if not cell:
        return "地址为空。 / The address is empty."
    try:
        parse_query(cell)
    except QueryError as exc:
        return exc.message
    match = search_ops.geocode_one(session, cell)
    return f"{match.reason} / {match.reason_en}"


def _out_columns():
    from placenames.ops.search.batch import OUT_COLUMNS

    return OUT_COLUMNS


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_geocode_a_csv_in_excels_encodings(encoding, cli_env, session, register, tmp_path):
    cells = CELLS if encoding == "utf-8-sig" else [  # GBK has no emoji: a control char only
        (i, "\x07\x01" if i == "6" else a, q) for i, a, q in CELLS]
    source = write_csv(tmp_path / "地址.csv", cells, encoding)
    before = row_counts(session)
    out = tmp_path / "out.csv"
    done = run(cli_env, "geocode", str(source), "--column", "地址", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "geocoding" in done.stderr  # the progress bar
    assert ("utf-8-sig" if encoding == "utf-8-sig" else "gb18030") in done.stderr
    got = check_output(session, out, cells)
    assert "empty" in got[4]["原因 reason"] and "单元" in got[2]["原因 reason"]
    assert all("/" in g["原因 reason"] for g in got)  # Chinese / English
    summary = done.stdout
    assert "8 rows: exact 3, partial 1, none 4" in summary and "rows/s" in summary
    assert row_counts(session) == before  # the register was only read
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_geocode_a_workbook_sheet(cli_env, session, register, tmp_path):
    source = write_xlsx(tmp_path / "地址.xlsx", XLSX_CELLS)
    before = row_counts(session)
    out = tmp_path / "标准地址.csv"
    done = run(cli_env, "geocode", str(source), "--out", str(out), "--sheet", "地址表")
    assert done.returncode == 0, done.stderr
    assert "geocoding" in done.stderr and "sheet 地址表" in done.stderr
    check_output(session, out, XLSX_CELLS)
    assert row_counts(session) == before

    other = run(cli_env, "geocode", str(source), "--out", str(out), "--sheet", "没有")
    assert other.returncode == 64 and "地址表, 其他" in other.stderr
    assert "Traceback" not in other.stderr


def test_geocode_refuses_bad_files_with_a_message(app, register, tmp_path):
    source = write_csv(tmp_path / "in.csv", CELLS[:2], "utf-8")
    out = tmp_path / "out.csv"

    missing_column = invoke(app, "geocode", str(source), "--column", "住址", "--out", str(out))
    assert missing_column.exit_code == 64
    assert "住址" in missing_column.output and "编号, 地址, 备注" in missing_column.output

    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    old = invoke(app, "geocode", str(tmp_path / "old.xls"), "--out", str(out))
    assert old.exit_code == 64 and ".xlsx" in old.output

    nothing = invoke(app, "geocode", str(tmp_path / "nothing.csv"), "--out", str(out))
    assert nothing.exit_code == 66 and "nothing.csv" in nothing.output

    (tmp_path / "broken.xlsx").write_bytes(b"not a zip at all")
    broken = invoke(app, "geocode", str(tmp_path / "broken.xlsx"), "--out", str(out))
    assert broken.exit_code == 65 and "broken.xlsx" in broken.output

    nowhere = invoke(app, "geocode", str(source), "--out", str(tmp_path / "no" / "out.csv"))
    assert nowhere.exit_code == 73 and str(tmp_path / "no") in nowhere.output

    itself = invoke(app, "geocode", str(source), "--out", str(source))
    assert itself.exit_code == 64

    sheet_of_csv = invoke(app, "geocode", str(source), "--out", str(out), "--sheet", "x")
    assert sheet_of_csv.exit_code == 64
    assert not out.exists()  # nothing written by a refused run


def test_reverse_finds_the_address_beside_the_point(cli_env, session, register):
    code, lon, lat = address_row(session, "世纪大道", 7)
    session.rollback()
    here_lon, here_lat, _ = GEOD.fwd(lon, lat, 30.0, 12.0)  # 12 m to the north-north-east
    expected = GEOD.inv(here_lon, here_lat, lon, lat)[2]
    done = run(cli_env, "reverse", f"{here_lon:.8f}", f"{here_lat:.8f}", "--json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    first = found["addresses"][0]
    assert first["code"] == code
    assert first["distance_m"] == pytest.approx(expected, rel=0.01, abs=0.1)
    distances = [a["distance_m"] for a in found["addresses"]]
    assert distances == sorted(distances)
    assert "世纪大道" in [n["label"] for n in found["names"]]

    table = run(cli_env, "reverse", f"{here_lon:.8f}", f"{here_lat:.8f}", "--radius", "500")
    assert table.returncode == 0, table.stderr
    assert code in table.stdout and f"{first['distance_m']:.1f} m" in table.stdout


@pytest.mark.parametrize("args", [("200", "34"), ("108.8", "95"), ("-200", "34"),
                                  ("abc", "34"), ("nan", "34"), ("108.8", "inf"),
                                  ("108.8", "34.28", "--radius", "-5"),
                                  ("108.8", "34.28", "--radius", "99999"),
                                  ("108.8", "34.28", "--limit", "0")])
def test_reverse_refuses_bad_coordinates(app, args):
    result = invoke(app, "reverse", *args)
    assert result.exit_code == 64, result.output
    assert "/" in result.output  # the bilingual message


def test_reindex_rebuilds_an_emptied_index(cli_env, session, register):
    stored = session.scalar(select(func.count()).select_from(SearchEntry))
    assert stored > 0
    session.execute(delete(SearchEntry))
    session.commit()
    assert search_ops.search(session, "世纪大道").names == []
    session.rollback()

    done = run(cli_env, "search", "reindex")
    assert done.returncode == 0, done.stderr
    assert "indexing" in done.stderr  # the progress bar
    count = session.scalar(select(func.count()).select_from(SearchEntry))
    assert count == stored and f"{count} entries" in done.stdout
    assert search_ops.search(session, "世纪大道").names[0].label == "世纪大道"
    session.rollback()

    query = run(cli_env, "search", "query", "sjdd", "--json")
    assert query.returncode == 0, query.stderr
    assert json.loads(query.stdout)["names"][0]["label"] == "世纪大道"
    refused = run(cli_env, "search", "query", "!!!")
    assert refused.returncode == 64 and "Traceback" not in refused.stderr


# ---- the spreadsheet reader, without a database ------------------------------------------


def test_reader_detects_the_encodings_excel_writes(tmp_path):
    rows = [["地址", "备注"], ["世纪大道7号", "甲"]]
    for encoding, found in (("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                            ("gbk", "gb18030"), ("gb18030", "gb18030"), ("utf-16", "utf-16")):
        path = tmp_path / f"{encoding}.csv"
        delimiter = "\t" if encoding == "utf-16" else ","
        with open(path, "w", encoding=encoding, newline="") as f:
            csv.writer(f, delimiter=delimiter).writerows(rows)
        table = tables.read_table(path)
        assert (table.header, table.rows, table.encoding) == (rows[0], rows[1:], found)


def test_reader_keeps_inner_blank_rows_and_drops_trailing_ones(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("地址,x\n世纪大道7号\n\n,\n建章路3号,1,extra\n,\n\n", encoding="utf-8")
    table = tables.read_table(path)
    assert table.header == ["地址", "x", "column_3"]
    assert table.rows == [["世纪大道7号", "", ""], ["", "", ""], ["", "", ""],
                          ["建章路3号", "1", "extra"]]
    assert table.column(" 地址 ") == 0


def test_reader_refusals(tmp_path):
    with pytest.raises(NotFound):
        tables.read_table(tmp_path / "none.csv")
    with pytest.raises(BadInput, match="xls"):
        tables.read_table(tmp_path / "a.xls")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\n\n")
    with pytest.raises(tables.UnreadableFile, match="empty"):
        tables.read_table(empty)
    bad = tmp_path / "bad.csv"
    bad.write_bytes("地址\n".encode() + b"\xff\xff\xff\n")
    with pytest.raises(tables.UnreadableFile, match="line 2"):
        tables.read_table(bad)
    with pytest.raises(BadInput, match="地址, 备注"):
        tables.Table(header=["地址", "备注"], rows=[]).column("住址")
