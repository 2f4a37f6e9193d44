"""Street-sign art (GB 17733) drawn by the plate renderers, measured on rasters.

The batch PDF is rasterised with pdftoppm at DPI; on the raster, the Chinese name's and the
pinyin's ink heights are the number of pixel rows holding white ink (red channel > 128: the
blue ground has red 0) in each text slot.
"""

import csv
import io
import itertools
import random
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image

from placenames.naming.romanize import romanize, sign_caps
from placenames.plates.art import PLATE_BLUE, Box
from placenames.plates.errors import FontError, LayoutError, PlateIdError
from placenames.plates.fonts import find_cjk_font, ink_extent
from placenames.plates.ids import display_plate_id, new_plate_id
from placenames.plates.pdf import render_sign_batch_pdf, write_manifest_csv
from placenames.plates.png import art_image, render_sign_png
from placenames.plates.signs import (
    CAP_REFERENCE,
    CJK_REFERENCE,
    SIGN_SIZES,
    ArrowDirection,
    SignKind,
    SignSize,
    SignSpec,
    compose_sign,
)
from placenames.plates.svg import render_sign_svg

FONT = find_cjk_font()
BASE = "https://dmb.xixian.gov.cn"
DPI = 150
RATIO_TOLERANCE = 0.04
"""Measured Chinese/pinyin ink ratio must be 1.5 within 4 %: round capitals and A overshoot
the flat ``H`` by about 1.5 %, 长安路's ink is 1 % taller than the reference 国路's, and one
raster row is under 1 % of the pinyin's height at DPI."""
LONG = ("西咸新区沣东新城王寺街道西围墙路",
        "Xixian Xinqu Fengdong Xincheng Wangsi Jiedao Xiweiqiang Lu")
BLUE = tuple(int(PLATE_BLUE[i : i + 2], 16) for i in (1, 3, 5))


def sid(seed):
    return new_plate_id(random.Random(seed))


def url(seed):
    return f"{BASE}/s/{sid(seed)}"


# --- sign caps -------------------------------------------------------------------------------

@pytest.mark.parametrize(("stored", "caps"), [
    ("Chang'an Lu", "CHANG'AN LU"),
    ("Jing 5 Lu", "JING 5 LU"),
    ("Xi'an", "XI'AN"),
    ("Wei 26 Jie", "WEI 26 JIE"),
    ("Lüyuan Lu", "LÜYUAN LU"),
    ("Lücun", "LÜCUN"),
    ("Cháng’ān  Lù", "CHANG'AN LU"),  # tones, a typographic apostrophe, a double space
    ("Lǜyuan Lu", "LÜYUAN LU"),  # ü with a tone mark keeps its diaeresis only
])
def test_sign_caps(stored, caps):
    assert sign_caps(stored) == caps


def test_the_romanizer_sign_style_is_the_caps_of_the_standard_form():
    for name in ("长安路", "经五路", "绿园路", "西安市"):
        assert romanize(name, style="sign") == sign_caps(romanize(name))
    assert romanize("经五路", style="sign") == "JING 5 LU"
    assert romanize("绿园路", style="sign") == "LÜYUAN LU"


# --- data and layout -------------------------------------------------------------------------

def test_every_kind_has_three_sizes_and_a_chinese_label():
    assert {k.label for k in SignKind} == {"街牌", "巷牌", "指位牌", "二维码街牌"}
    for kind in SignKind:
        sizes = SIGN_SIZES[kind]
        assert set(sizes) == set(SignSize)
        dims = [sizes[s] for s in (SignSize.LARGE, SignSize.MEDIUM, SignSize.SMALL)]
        assert dims[0].width > dims[1].width > dims[2].width
        for d in dims:
            assert d.width == 3 * d.height and 0 < d.code <= d.height / 2


def make(kind=SignKind.STREET, size=SignSize.SMALL, name="长安路", pinyin="Chang'an Lu", **kw):
    if kind is SignKind.DIRECTIONAL:
        kw = {"arrow": ArrowDirection.RIGHT, "near": "1", "far": "99"} | kw
    if kind is SignKind.QR:
        kw = {"url": url(1)} | kw
    return SignSpec(name, pinyin, kind, size, **kw)


def assert_fits(lay):
    inner = lay.inner
    assert lay.border.contains(inner) and Box(0, 0, lay.width, lay.height).contains(lay.border)
    for item in (*lay.texts, *lay.shapes):
        assert inner.contains(item.box), (item.role, item.box, inner)
        if lay.panel is not None:
            assert not item.box.overlaps(lay.panel), item.role
    for a, b in itertools.combinations((*lay.texts, *lay.shapes), 2):
        assert not a.box.overlaps(b.box), (a.role, b.role)
    if lay.panel is not None:
        assert lay.panel.contains(lay.code) and inner.contains(lay.panel)
        assert lay.code.x - lay.panel.x >= 4 * lay.module_mm - 1e-9
        assert lay.panel.x > lay.width / 2  # the code is on the right


@pytest.mark.parametrize("kind", list(SignKind))
@pytest.mark.parametrize("size", list(SignSize))
@pytest.mark.parametrize(("name", "pinyin"), [("路", "Lu"), ("长安路", "Chang'an Lu"), LONG])
@pytest.mark.parametrize("extras", [{}, {"sign_id": sid(2)}, {"sign_id": sid(2), "url": url(2)}])
def test_nothing_leaves_its_slot(kind, size, name, pinyin, extras):
    kw = dict(extras)
    if kind is SignKind.DIRECTIONAL:
        kw |= {"arrow": ArrowDirection.BOTH, "near": "1288", "far": "2468-12",
               "toward": "往世纪大道"}
    art = compose_sign(make(kind, size, name, pinyin, **kw), FONT)
    assert_fits(art.layout)
    roles = [t.role for t in art.layout.texts]
    assert "name" in roles and "pinyin" in roles
    assert ("host" in roles) == (art.matrix is not None) == (art.layout.code is not None)
    assert ("sign_id" in roles) == ("sign_id" in extras)


def test_pinyin_cap_height_is_two_thirds_of_the_chinese_height_in_the_layout():
    lay = compose_sign(make(size=SignSize.MEDIUM), FONT).layout
    name = next(t for t in lay.texts if t.role == "name")
    pinyin = next(t for t in lay.texts if t.role == "pinyin")
    cjk = sum(ink_extent(FONT, CJK_REFERENCE))
    cap = ink_extent(FONT, CAP_REFERENCE)[0]
    assert name.size * cjk / (pinyin.size * cap) == pytest.approx(1.5, rel=1e-9)
    assert pinyin.text == "CHANG'AN LU" and pinyin.box.y >= name.box.bottom


def test_a_long_name_shrinks_and_wraps_keeping_three_to_two():
    short = compose_sign(make(kind=SignKind.LANE), FONT).layout
    long_ = compose_sign(make(SignKind.LANE, SignSize.SMALL, *LONG), FONT).layout
    size = {r.role: r.size for r in short.texts}
    names = [t for t in long_.texts if t.role == "name"]
    pinyins = [t for t in long_.texts if t.role == "pinyin"]
    assert names[0].size < size["name"] and pinyins[0].size < size["pinyin"]
    assert "".join(t.text for t in names) == LONG[0]
    assert " ".join(t.text for t in pinyins) == sign_caps(LONG[1])
    assert len(pinyins) == 2
    cjk, cap = sum(ink_extent(FONT, CJK_REFERENCE)), ink_extent(FONT, CAP_REFERENCE)[0]
    assert names[0].size * cjk / (pinyins[0].size * cap) == pytest.approx(1.5, rel=1e-9)


def test_specs_that_cannot_make_a_sign_are_refused():
    with pytest.raises(LayoutError):
        SignSpec("长安路", "Chang'an Lu", SignKind.QR)  # a QR sign needs its URL
    with pytest.raises(LayoutError):
        SignSpec("长安路", "Chang'an Lu", SignKind.DIRECTIONAL, near="1", far="9")  # no arrow
    with pytest.raises(LayoutError):
        SignSpec("长安路", "Chang'an Lu", arrow=ArrowDirection.LEFT)  # arrow on a street sign
    with pytest.raises(LayoutError):
        SignSpec("长安路", "")
    with pytest.raises(PlateIdError):
        SignSpec("长安路", "Chang'an Lu", sign_id="not-an-id")
    pid = sid(5)
    assert SignSpec("长安路", "Chang'an Lu", sign_id=display_plate_id(pid).lower()).sign_id == pid


def test_character_missing_from_the_font_is_refused():
    with pytest.raises(FontError) as info:
        render_sign_png(make(name="\U0002a6d6路"), dpi=20)
    assert "\U0002a6d6" in info.value.user_msg


# --- the batch PDF, rasterised ---------------------------------------------------------------

def batch():
    return [
        make(SignKind.STREET, SignSize.MEDIUM, sign_id=sid(10)),
        make(SignKind.QR, SignSize.SMALL, "昆明池路", "Kunmingchi Lu", sign_id=sid(11),
             url=url(11)),
        make(SignKind.LANE, SignSize.SMALL, *LONG, sign_id=sid(12), url=url(12)),
        make(SignKind.LANE, SignSize.SMALL, "西安巷", "Xi'an Xiang"),
        make(SignKind.STREET, SignSize.SMALL, "经五路", "Jing 5 Lu"),
        make(SignKind.DIRECTIONAL, SignSize.SMALL, "沣东大道", "Fengdong Dadao",
             arrow=ArrowDirection.RIGHT, near="1", far="99", toward="往世纪大道"),
        make(SignKind.DIRECTIONAL, SignSize.SMALL, "天章大道", "Tianzhang Dadao",
             arrow=ArrowDirection.LEFT, near="2", far="1288"),
    ]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        pytest.skip("needs poppler-utils")
    tmp = tmp_path_factory.mktemp("signs")
    specs = batch()
    seen = []
    buf = io.BytesIO()
    rows = render_sign_batch_pdf(specs, buf, sheet="A4", on_progress=seen.append)
    pdf = tmp / "signs.pdf"
    pdf.write_bytes(buf.getvalue())
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(tmp / "page")], check=True)
    pages = [Image.open(p).convert("RGB") for p in sorted(tmp.glob("page-*.png"))]
    return specs, rows, seen, pdf, pages


def px(mm):
    return round(mm * DPI / 25.4)


def sign_crop(pages, row):
    """The sign's own pixels, cut from its page by its manifest box."""
    page = pages[row.sheet - 1]
    return page.crop((px(row.x_mm), px(row.y_mm), px(row.x_mm + row.width_mm),
                      px(row.y_mm + row.height_mm)))


def white_rows(img, x0, y0, x1, y1):
    """Rows (absolute) in the box holding a pixel with red > 128 (white ink on the blue)."""
    r = img.getchannel("R")
    rows = []
    for y in range(max(0, y0), min(img.height, y1)):
        if r.crop((x0, y, x1, y + 1)).getextrema()[1] > 128:
            rows.append(y)
    return rows


def ink_height(img, k, run, top, bottom):
    """Pixel rows of white ink of ``run`` between ``top`` and ``bottom`` (sign mm, scale k)."""
    rows = white_rows(img, px(run.box.x * k) - 2, px(top * k), px(run.box.right * k) + 2,
                      px(bottom * k))
    assert rows, run.text
    return rows[-1] - rows[0] + 1


def test_manifest_and_progress(rendered):
    specs, rows, seen, _, pages = rendered
    assert seen == list(range(1, len(specs) + 1))
    assert [r.name for r in rows] == [s.name for s in specs]
    assert len(pages) == rows[-1].sheet == len(specs)  # each sign is larger than A4: one a sheet
    assert all(r.scale < 1 and r.position == 1 for r in rows)
    assert rows[0].sign_id == sid(10) and rows[3].sign_id == "" and rows[3].url == ""
    assert rows[5].text == "沣东大道 FENGDONG DADAO 1号→99号（向右） 往世纪大道"
    out = io.StringIO()
    write_manifest_csv(rows, out)
    parsed = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(parsed[0])[:4] == ["sign_id", "name", "kind", "text"]
    assert parsed[1]["kind"] == "qr" and parsed[1]["size"] == "small"
    assert float(parsed[1]["scale"]) == pytest.approx(rows[1].scale, abs=0.01)


def test_chinese_and_pinyin_ink_heights_are_three_to_two(rendered):
    """The Chinese name's ink height over the pinyin's, in raster rows, is 3 : 2.

    Sizes are set so that the reference ink heights (国路 and the flat cap height of H) are
    3 : 2; the ink of the printed text differs a little (round capitals overshoot H, some
    characters reach higher than 国路), so the raster is compared with the printed runs'
    own ink (2 %) and that with 3 : 2 (:data:`RATIO_TOLERANCE`).
    """
    specs, rows, _, _, pages = rendered
    measured = 0
    for spec, row in zip(specs, rows, strict=True):
        lay = compose_sign(spec, FONT).layout
        name = next(t for t in lay.texts if t.role == "name")  # the first line if wrapped
        pinyin = next(t for t in lay.texts if t.role == "pinyin")
        if set("JQÜ") & set(pinyin.text):
            continue  # J and Q descend below the caps line, Ü rises above it
        k = row.scale
        img = sign_crop(pages, row)
        split = (name.box.bottom + pinyin.box.y) / 2  # between the two slots
        cn = ink_height(img, k, name, name.box.y - 0.1 * name.size, split)
        py = ink_height(img, k, pinyin, split, pinyin.box.bottom)
        to_px = k * DPI / 25.4
        expect_cn = name.size * sum(ink_extent(FONT, name.text)) * to_px
        expect_py = pinyin.size * sum(ink_extent(FONT, pinyin.text)) * to_px
        assert cn == pytest.approx(expect_cn, rel=0.02), spec.name  # the raster is to scale
        assert py == pytest.approx(expect_py, rel=0.02), spec.name
        assert cn / py == pytest.approx(1.5, rel=RATIO_TOLERANCE), (spec.name, cn, py)
        measured += 1
    assert measured == len(specs) - 2  # all but JING 5 LU and XIXIAN XINQU…


def test_text_stays_inside_the_border_and_the_ground_is_blue(rendered):
    specs, rows, _, _, pages = rendered
    for spec, row in zip(specs, rows, strict=True):
        lay = compose_sign(spec, FONT).layout
        k = row.scale
        img = sign_crop(pages, row)
        red = img.getchannel("R")
        b, half = lay.border, lay.border_width / 2
        outer = (px((b.x - half) * k) - 2, px((b.y - half) * k) - 2,
                 px((b.right + half) * k) + 2, px((b.bottom + half) * k) + 2)
        # between the sign's edge and the border line: nothing but the blue ground
        ring = [red.getpixel((x, y)) for x in range(2, img.width - 2)
                for y in (*range(2, outer[1]), *range(outer[3], img.height - 2))]
        ring += [red.getpixel((x, y)) for y in range(2, img.height - 2)
                 for x in (*range(2, outer[0]), *range(outer[2], img.width - 2))]
        assert ring and max(ring) < 20, spec.name
        edge = img.getpixel((1 + outer[0] // 2, img.height // 2))
        assert all(abs(a - e) <= 3 for a, e in zip(edge, BLUE, strict=True)), edge
        # just inside the border line (1.5 mm of the sign): no ink touches it
        inner_edge = px((b.x + half) * k) + 2
        gap = px(1.5 * k)
        w, h = img.width, img.height
        strips = [(inner_edge, inner_edge, w - inner_edge, inner_edge + gap),
                  (inner_edge, h - inner_edge - gap, w - inner_edge, h - inner_edge),
                  (inner_edge, inner_edge, inner_edge + gap, h - inner_edge),
                  (w - inner_edge - gap, inner_edge, w - inner_edge, h - inner_edge)]
        for box in strips:
            assert red.crop(box).getextrema()[1] < 60, (spec.name, box)


def test_qr_codes_decode_from_the_raster_at_the_smallest_sizes(rendered):
    specs, rows, _, _, pages = rendered
    with_qr = [(s, r) for s, r in zip(specs, rows, strict=True) if s.url]
    assert {(s.kind, s.size) for s, _ in with_qr} >= {(SignKind.QR, SignSize.SMALL),
                                                      (SignKind.LANE, SignSize.SMALL)}
    smallest = min(SIGN_SIZES[k][s].code for k in SignKind for s in SignSize)
    assert any(SIGN_SIZES[s.kind][s.size].code == smallest for s, _ in with_qr)
    for spec, row in with_qr:
        codes = zxingcpp.read_barcodes(sign_crop(pages, row))
        assert [c.text for c in codes] == [spec.url]
        cx = (codes[0].position.top_left.x + codes[0].position.bottom_right.x) / 2
        assert cx > px(row.width_mm) / 2  # on the right
    without = [(s, r) for s, r in zip(specs, rows, strict=True) if not s.url]
    for _spec, row in without:
        assert zxingcpp.read_barcodes(sign_crop(pages, row)) == []


def test_pdftotext_finds_names_caps_and_numbers(rendered):
    pdf = rendered[3]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    for needle in ("长安路", "CHANG'AN LU", "JING 5 LU", "XI'AN XIANG", "沣东大道", "1号", "99号",
                   "1288号", "往世纪大道", "dmb.xixian.gov.cn", display_plate_id(sid(11))):
        assert needle in text, needle


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="needs poppler-utils")
def test_cjk_font_is_embedded_as_subset(rendered):
    out = subprocess.run(["pdffonts", str(rendered[3])], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines()[2:]:
        assert "+" in line.split()[0] and line.split()[-5:-2] == ["yes", "yes", "yes"], line


# --- PNG and SVG ----------------------------------------------------------------------------

@pytest.mark.parametrize("spec", [
    make(SignKind.QR, SignSize.SMALL, sign_id=sid(20), url=url(20)),
    make(SignKind.LANE, SignSize.SMALL, url=url(21)),
])
def test_png_qr_decodes_to_the_exact_url(spec):
    img = Image.open(io.BytesIO(render_sign_png(spec, dpi=72)))
    assert round(img.info["dpi"][0]) == 72
    assert [r.text for r in zxingcpp.read_barcodes(img)] == [spec.url]


def arrow_profile(direction):
    """White-pixel column heights between the two numbers of a directional sign (PNG)."""
    dpi = 100
    spec = make(SignKind.DIRECTIONAL, arrow=direction, near="1", far="99")
    art = compose_sign(spec, FONT)
    img = Image.open(io.BytesIO(render_sign_png(spec, dpi=dpi))).getchannel("R")
    runs = {t.role: t for t in art.layout.texts}
    left, right = sorted((runs["near"], runs["far"]), key=lambda t: t.x)
    k = dpi / 25.4
    x0, x1 = round(left.box.right * k) + 1, round(right.box.x * k) - 1
    y0, y1 = round(left.box.y * k), round(left.box.bottom * k)
    heights = [sum(1 for y in range(y0, y1) if img.getpixel((x, y)) > 128)
               for x in range(x0, x1)]
    lit = [i for i, h in enumerate(heights) if h]
    return heights[lit[0] : lit[-1] + 1], (left.text, right.text)


@pytest.mark.parametrize("direction", list(ArrowDirection))
def test_directional_sign_draws_the_arrow_at_the_stated_side(direction):
    heights, (left_text, right_text) = arrow_profile(direction)
    n = len(heights)
    shaft = sorted(heights)[n // 2]  # the median column is the shaft
    assert n > 50 and shaft > 0
    assert all(h > 0 for h in heights)  # one unbroken white run from end to end
    head_cols = [i for i, h in enumerate(heights) if h >= 2.5 * shaft]
    assert head_cols, heights
    at_left = [i for i in head_cols if i < n / 4]
    at_right = [i for i in head_cols if i > 3 * n / 4]
    assert set(head_cols) == set(at_left + at_right)  # heads only at the ends
    if direction is ArrowDirection.RIGHT:
        assert at_right and not at_left and (left_text, right_text) == ("1号", "99号")
        assert heights[-1] < max(heights) / 2  # the head narrows to its tip at the right
    elif direction is ArrowDirection.LEFT:
        assert at_left and not at_right and (left_text, right_text) == ("99号", "1号")
        assert heights[0] < max(heights) / 2
    else:
        assert at_left and at_right and (left_text, right_text) == ("1号", "99号")


def test_render_sign_png_is_the_shared_art_image():
    spec = make(SignKind.DIRECTIONAL, url=url(30))
    art = compose_sign(spec, FONT)
    a = art_image(art, FONT, 40)
    b = Image.open(io.BytesIO(render_sign_png(spec, dpi=40))).convert("RGB")
    assert a.tobytes() == b.tobytes()


def test_svg_is_well_formed_with_the_arrow_and_the_qr():
    spec = make(SignKind.DIRECTIONAL, size=SignSize.MEDIUM, url=url(31), sign_id=sid(31))
    root = ET.fromstring(render_sign_svg(spec))
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.get("width") == "750mm" and root.get("viewBox") == "0 0 750 250"
    texts = [t.text for t in root.iterfind(".//s:text", ns)]
    assert {"长安路", "CHANG'AN LU", "1号", "99号", "dmb.xixian.gov.cn"} <= set(texts)
    assert root.find(".//s:polygon[@class='arrow']", ns) is not None
    assert root.find(".//s:path[@id='qr']", ns) is not None
    plain = ET.fromstring(render_sign_svg(make()))
    assert plain.find(".//s:path[@id='qr']", ns) is None
    assert plain.find(".//s:polygon", ns) is None
