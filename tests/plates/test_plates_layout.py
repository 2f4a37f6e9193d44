import itertools
import random

import pytest

from placenames.plates.errors import LayoutError
from placenames.plates.fonts import find_cjk_font, missing_glyphs
from placenames.plates.ids import new_plate_id
from placenames.plates.layout import (
    NOTICE,
    SIZES,
    PlateKind,
    PlateSize,
    PlateSpec,
    font_measure,
    layout_plate,
)
from placenames.plates.payload import plate_url
from placenames.plates.qr import qr_matrix

FONT = find_cjk_font()
MEASURE = font_measure(FONT)
PID = new_plate_id(random.Random(1))
URL = plate_url("https://dmb.xixian.gov.cn", PID)

NAMES = [
    ("路", "Lu"),
    ("沣东大道", "Fengdong Dadao"),
    ("西咸新区沣东新城王寺街道西围墙路",
     "Xixian Xinqu Fengdong Xincheng Wangsi Jiedao Xiweiqiang Lu"),
    ("能源金贸区科技创新园区东西向三号支路",
     "Nengyuan Jinmaoqu Keji Chuangxin Yuanqu Dongxixiang Sanhao Zhilu"),
]
NUMBERS = ["1号", "12-1号", "2468-12号"]


def make_spec(**kw):
    base = dict(plate_id=PID, url=URL, road_name="沣东大道", road_pinyin="Fengdong Dadao",
                number_text="12号", building="3号楼", unit="2单元", room="1502室")
    base.update(kw)
    return PlateSpec(**base)


def assert_fits(lay):
    inner = lay.inner
    for run in lay.texts:
        assert run.size > 0
        assert inner.contains(run.box), (run.role, run.text, run.box, inner)
        assert not run.box.overlaps(lay.panel), (run.role, run.text)
    for a, b in itertools.combinations(lay.texts, 2):
        assert not a.box.overlaps(b.box), (a.role, a.text, b.role, b.text)
    assert lay.panel.contains(lay.code)
    assert inner.contains(lay.panel)
    quiet = lay.code.x - lay.panel.x
    assert quiet >= 4 * lay.module_mm - 1e-9


@pytest.mark.parametrize("size", list(PlateSize))
@pytest.mark.parametrize("kind", list(PlateKind))
@pytest.mark.parametrize(("name", "pinyin"), NAMES)
@pytest.mark.parametrize("number", NUMBERS)
def test_nothing_overflows(size, kind, name, pinyin, number):
    spec = make_spec(size=size, kind=kind, road_name=name, road_pinyin=pinyin, number_text=number)
    assert_fits(layout_plate(spec, 33, MEASURE))


@pytest.mark.parametrize("size", list(PlateSize))
def test_code_size_and_plate_size_match_the_spec(size):
    lay = layout_plate(make_spec(size=size), 33, MEASURE)
    s = SIZES[size]
    assert (lay.width, lay.height, lay.code.w, lay.code.h) == (s.width, s.height, s.code, s.code)
    assert lay.code.right <= lay.width and lay.panel.x > lay.width / 2  # code on the right


def test_small_plate_module_is_large_enough_for_a_phone():
    modules = qr_matrix(plate_url("https://dmb.xixian.gov.cn", PID, key=b"k")).size
    lay = layout_plate(make_spec(size=PlateSize.SMALL), modules, MEASURE)
    # phones read 0.5 mm modules at ~15 cm; we want >= 1 mm for reading at arm's length+
    assert lay.module_mm >= 1.0, lay.module_mm
    plain = layout_plate(make_spec(size=PlateSize.SMALL), qr_matrix(URL).size, MEASURE)
    assert round(plain.module_mm, 2) == 1.21  # 40 mm / 33 modules (version 4, level Q)


def test_number_is_the_largest_text_and_road_is_left_of_it():
    lay = layout_plate(make_spec(size=PlateSize.MEDIUM), 33, MEASURE)
    by_role = {r.role: r for r in lay.texts}
    assert by_role["big"].size == max(r.size for r in lay.texts)
    assert by_role["road"].box.right < by_role["big"].box.x
    assert by_role["pinyin"].box.y > by_role["road"].box.y
    assert by_role["pinyin"].size <= by_role["road"].size * 2 / 3 + 1e-9  # 3/5 : 2/5 at most


def test_long_name_wraps_on_two_lines_and_shrinks():
    short = layout_plate(make_spec(), 33, MEASURE)
    long_ = layout_plate(make_spec(road_name=NAMES[2][0], road_pinyin=NAMES[2][1]), 33, MEASURE)
    roads = [r for r in long_.texts if r.role == "road"]
    assert len(roads) == 2 and "".join(r.text for r in roads) == NAMES[2][0]
    assert roads[0].size < next(r for r in short.texts if r.role == "road").size


def test_kinds_choose_the_big_text():
    sizes = {}
    for kind, expected in [(PlateKind.DOOR, "12号"), (PlateKind.BUILDING, "3号楼"),
                           (PlateKind.UNIT, "2单元"), (PlateKind.HOUSEHOLD, "1502室")]:
        lay = layout_plate(make_spec(kind=kind), 33, MEASURE)
        big = next(r for r in lay.texts if r.role == "big")
        assert big.text == expected
        sizes[kind] = big.size
    sub = next(r for r in layout_plate(make_spec(kind=PlateKind.UNIT), 33, MEASURE).texts
               if r.role == "sub")
    assert sub.text == "12号 3号楼"


def test_missing_big_text_is_a_layout_error():
    with pytest.raises(LayoutError):
        layout_plate(make_spec(kind=PlateKind.BUILDING, building=None), 33, MEASURE)


def test_fixed_runs_do_not_depend_on_the_content():
    a = layout_plate(make_spec(), 33, MEASURE)
    b = layout_plate(make_spec(road_name=NAMES[3][0], number_text="9999-99号"), 37, MEASURE)
    assert [r for r in a.texts if r.fixed] == [r for r in b.texts if r.fixed]
    assert a.panel == b.panel


def test_font_has_every_glyph_we_print():
    text = "".join(n + p for n, p in NAMES) + "".join(NUMBERS) + NOTICE
    assert missing_glyphs(FONT, text) == set()
    assert missing_glyphs(FONT, "\U0002a6d6") == {"\U0002a6d6"}  # CJK Ext. B: not in the font
