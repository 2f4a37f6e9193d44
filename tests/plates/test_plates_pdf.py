import csv
import io
import random
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image

from placenames.plates.ids import new_plate_id
from placenames.plates.layout import PlateKind, PlateSize, PlateSpec
from placenames.plates.payload import plate_url
from placenames.plates.pdf import render_batch_pdf, write_manifest_csv
from placenames.plates.sheets import choose_grid

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")

BASE = "https://dmb.xixian.gov.cn"
DPI = 150
ROADS = ["沣东大道", "统一路", "西咸新区沣东新城王寺街道西围墙路", "镐京大道"]


def batch(n=100):
    rng = random.Random(4)
    specs = []
    for i in range(n):
        pid = new_plate_id(rng)
        size = PlateSize.SMALL if i < 88 else (PlateSize.MEDIUM if i < 96 else PlateSize.LARGE)
        specs.append(PlateSpec(plate_id=pid, url=plate_url(BASE, pid), road_name=ROADS[i % 4],
                               road_pinyin="Fengdong Dadao", number_text=f"{i + 1}号",
                               kind=list(PlateKind)[i % 4], size=size, building="3号楼",
                               unit="2单元", room="301室"))
    return specs


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pdf")
    specs = batch()
    seen = []
    buf = io.BytesIO()
    rows = render_batch_pdf(iter(specs), buf, sheet="A4", on_progress=seen.append)
    pdf = tmp / "plates.pdf"
    pdf.write_bytes(buf.getvalue())
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(tmp / "page")], check=True)
    return specs, rows, seen, pdf, sorted(tmp.glob("page-*.png"))


def test_every_qr_on_every_page_decodes_and_matches_the_manifest(rendered):
    specs, rows, _, _, pages = rendered
    assert len(pages) == rows[-1].sheet
    by_id = {r.plate_id: r for r in rows}
    decoded = []
    for page_no, page in enumerate(pages, start=1):
        with Image.open(page) as img:
            for code in zxingcpp.read_barcodes(img):
                decoded.append(code.text)
                row = by_id[urlsplit(code.text).path.rsplit("/", 1)[1]]
                assert row.sheet == page_no
                cx = (code.position.top_left.x + code.position.bottom_right.x) / 2 * 25.4 / DPI
                cy = (code.position.top_left.y + code.position.bottom_right.y) / 2 * 25.4 / DPI
                assert row.x_mm < cx < row.x_mm + row.width_mm
                assert row.y_mm < cy < row.y_mm + row.height_mm
                assert cx > row.x_mm + row.width_mm / 2  # the code is on the right
    assert sorted(decoded) == sorted(s.url for s in specs)


def test_manifest_follows_input_order_and_grids(rendered):
    specs, rows, seen, _, _ = rendered
    assert [r.plate_id for r in rows] == [s.plate_id for s in specs]
    assert seen == list(range(1, len(specs) + 1))
    small = choose_grid(150, 90, "A4")
    assert small.per_sheet == 3
    assert [r.position for r in rows[:4]] == [1, 2, 3, 1]
    assert [r.sheet for r in rows[:4]] == [1, 1, 1, 2]
    large = [r for r in rows if r.size == "large"]
    assert all(r.position == 1 and r.scale < 1 for r in large)
    assert len({r.sheet for r in large}) == len(large)
    assert rows[0].address == "沣东大道1号"
    out = io.StringIO()
    write_manifest_csv(rows, out)
    parsed = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(parsed) == len(rows) and parsed[1]["sheet"] == "1" and parsed[1]["position"] == "2"


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="needs poppler-utils")
def test_cjk_font_is_embedded_as_subset(rendered):
    pdf = rendered[3]
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    fonts = out.splitlines()[2:]
    assert fonts, out
    for line in fonts:
        name, *_rest = line.split()
        cols = line.split()
        assert "+" in name and "WenQuanYi" in name, line
        assert cols[-5:-2] == ["yes", "yes", "yes"], line  # emb, sub, uni


def test_bytes_per_plate_is_small(rendered):
    specs, _, _, pdf, _ = rendered
    assert pdf.stat().st_size / len(specs) < 2500  # font subset amortised over only 100


def test_a3_holds_six_small_plates():
    buf = io.BytesIO()
    rows = render_batch_pdf(batch(7)[:7], buf, sheet="A3")
    assert [r.sheet for r in rows] == [1] * 6 + [2]
    assert buf.getvalue().startswith(b"%PDF")
