import io
import random
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image, ImageChops, ImageDraw, ImageFont

from placenames.plates.compose import compose_plate
from placenames.plates.errors import FontError
from placenames.plates.fonts import find_cjk_font
from placenames.plates.ids import new_plate_id
from placenames.plates.layout import PlateKind, PlateSize, PlateSpec
from placenames.plates.payload import plate_url
from placenames.plates.png import plate_image, render_png
from placenames.plates.svg import render_svg

FONT = find_cjk_font()
BASE = "https://dmb.xixian.gov.cn"
LONG = ("西咸新区沣东新城王寺街道西围墙路",
        "Xixian Xinqu Fengdong Xincheng Wangsi Jiedao Xiweiqiang Lu")


def make_spec(seed=1, **kw):
    pid = new_plate_id(random.Random(seed))
    base = dict(plate_id=pid, url=plate_url(BASE, pid), road_name="沣东大道",
                road_pinyin="Fengdong Dadao", number_text="12-1号")
    base.update(kw)
    return PlateSpec(**base)


@pytest.mark.parametrize("size", list(PlateSize))
def test_png_plate_decodes_to_its_url(size):
    spec = make_spec(size=size, road_name=LONG[0], road_pinyin=LONG[1])
    data = render_png(spec)
    img = Image.open(io.BytesIO(data))
    assert round(img.info["dpi"][0]) == 300
    results = zxingcpp.read_barcodes(img)
    assert [r.text for r in results] == [spec.url]


def test_png_with_tag_decodes_at_small_size():
    pid = new_plate_id(random.Random(9))
    spec = make_spec(url=plate_url(BASE, pid, key=b"k"), plate_id=pid, size=PlateSize.SMALL)
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(render_png(spec))))
    assert [r.text for r in results] == [spec.url]


def _region(img, box, dpi=300):
    k = dpi / 25.4
    return img.crop((int(box.x * k), int(box.y * k), int(box.right * k), int(box.bottom * k)))


def test_road_name_region_has_white_text_pixels():
    spec = make_spec(kind=PlateKind.DOOR)
    plate = compose_plate(spec, FONT)
    img = plate_image(plate, FONT, 300)
    road = next(r for r in plate.layout.texts if r.role == "road")
    region = _region(img, road.box).convert("L")
    hist = region.histogram()
    white = sum(hist[201:])
    assert 0.05 < white / (region.width * region.height) < 0.6  # strokes, not empty/filled
    blank = next(r for r in plate.layout.texts if r.role == "big")
    assert blank.box.x > road.box.right  # the region we looked at held only the road name


def test_different_characters_render_differently_no_tofu():
    font = ImageFont.truetype(FONT.path, 64, index=FONT.index)

    def glyph(ch):
        img = Image.new("L", (80, 80))
        ImageDraw.Draw(img).text((8, 70), ch, fill=255, font=font, anchor="ls")
        return img

    chars = "沣东西咸镐泾"
    images = [glyph(c) for c in chars]
    for i in range(len(images)):
        assert images[i].getbbox() is not None
        for j in range(i + 1, len(images)):
            assert ImageChops.difference(images[i], images[j]).getbbox() is not None


def test_character_missing_from_the_font_is_refused():
    with pytest.raises(FontError) as info:
        render_png(make_spec(road_name="\U0002a6d6路"))
    assert "\U0002a6d6" in info.value.user_msg


def test_missing_font_file_is_a_clear_error(tmp_path):
    with pytest.raises(FontError, match="字体"):
        find_cjk_font(tmp_path / "nope.ttf")


def test_svg_is_well_formed_and_holds_the_qr():
    spec = make_spec(size=PlateSize.MEDIUM)
    data = render_svg(spec)
    root = ET.fromstring(data)
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.get("width") == "270mm" and root.get("viewBox") == "0 0 270 170"
    texts = [t.text for t in root.iterfind(".//s:text", ns)]
    assert "沣东大道" in texts and "12-1号" in texts and "dmb.xixian.gov.cn" in texts
    path = root.find(".//s:path[@id='qr']", ns)
    assert path is not None
    size = 33
    img = Image.new("L", (size + 8, size + 8), 255)
    for x, y, w, h in re.findall(r"M(\d+) (\d+)h(\d+)v(\d+)", path.get("d")):
        for i in range(int(w)):
            for j in range(int(h)):
                img.putpixel((4 + int(x) + i, 4 + int(y) + j), 0)
    big = img.resize((img.width * 8, img.height * 8), Image.Resampling.NEAREST)
    assert [r.text for r in zxingcpp.read_barcodes(big)] == [spec.url]
