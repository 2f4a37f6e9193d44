"""Plate sizes and kinds as data, and the plate layout in millimetres.

GB 17733-style door plate: blue ground with a white inner border line, white 黑体-style text;
road name over its pinyin (3/5 : 2/5 of the height, i.e. pinyin at 2/3 of the Chinese size) on
the left, the number large on the right of the text area, and the QR code (black on white, with
its quiet zone) on the right of the plate, the official host and the plate id printed under it.
The notice line runs along the bottom of the text area.

Sizes follow the Tianjin QR plate spec (2021): large 570x370 mm with a 120 mm code, medium
270x170 mm with 75 mm, small 150x90 mm with 40 mm.  The code size is the symbol itself; the
white panel adds a quiet zone of 16 % of the code on each side (at least the 4 modules of
ISO/IEC 18004 for every QR version of 25 modules or more).

Colour: GB 17733 asks for a blue ground without a digital value.  We use Pantone 286 C
(sRGB ``#0033A0``), the blue of many municipal signs; white text on it has a contrast ratio
of about 11:1.  Sign makers match it to their reflective film.

Everything here is pure: :func:`layout_plate` takes the spec, the QR module count and a text
measuring function and returns boxes; renderers only draw them.  Coordinates are millimetres
from the plate's top-left corner, y down.  Text that would not fit shrinks (long road names
wrap onto two lines first), so no run ever leaves its slot.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from .art import BLACK as BLACK  # re-exported: plates and signs share the art's parts
from .art import PLATE_BLUE as PLATE_BLUE
from .art import WHITE as WHITE
from .art import ArtLayout
from .art import Box as Box
from .art import TextRun as TextRun
from .errors import LayoutError
from .fonts import CjkFont, find_cjk_font, text_width
from .ids import display_plate_id

NOTICE = "扫码仅显示标准地址，不收费、不需登录"
"""Fixed notice line printed on every plate (anti-phishing)."""

QUIET_FRACTION = 0.16
"""Quiet zone on each side of the code, as a fraction of the code size."""

TextMeasure = Callable[[str, float], float]
"""``measure(text, size) -> advance width`` in the unit of ``size`` (here millimetres)."""


class PlateSize(StrEnum):
    """Plate sizes of the QR plate spec."""

    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"


class PlateKind(StrEnum):
    """What the plate names: door (门牌), building (楼牌), unit (单元牌), household (户牌)."""

    DOOR = "door"
    BUILDING = "building"
    UNIT = "unit"
    HOUSEHOLD = "household"

    @property
    def label(self) -> str:
        """Return the Chinese name of the kind."""
        return {"door": "门牌", "building": "楼牌", "unit": "单元牌", "household": "户牌"}[self]


@dataclass(frozen=True, slots=True)
class SizeSpec:
    """Physical size of a plate and of its QR code, in millimetres."""

    width: float
    height: float
    code: float


SIZES: dict[PlateSize, SizeSpec] = {
    PlateSize.LARGE: SizeSpec(570, 370, 120),
    PlateSize.MEDIUM: SizeSpec(270, 170, 75),
    PlateSize.SMALL: SizeSpec(150, 90, 40),
}


@dataclass(frozen=True, slots=True)
class PlateSpec:
    """Everything printed on one plate, as plain values.

    ``number_text`` is the door number as printed ("12号", "12-1号").  The large text on the
    right is ``number_text`` for a door plate, ``building`` for 楼牌, ``unit`` for 单元牌 and
    ``room`` for 户牌; the parts above it go on a smaller line under the pinyin.  ``host_line``
    defaults to the URL's host.  ``address`` is the full address for the manifest; by default
    it is composed from the parts.
    """

    plate_id: str
    url: str
    road_name: str
    number_text: str
    road_pinyin: str = ""
    kind: PlateKind = PlateKind.DOOR
    size: PlateSize = PlateSize.SMALL
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    host_line: str = ""
    notice: str = NOTICE
    address: str = ""

    @property
    def host(self) -> str:
        """Return the host line printed under the code."""
        return self.host_line or urlsplit(self.url).netloc

    def parts(self) -> list[str]:
        """Return the address parts after the road, down to this plate's kind.

        Door: number; building: number, building; unit: + unit; household: + room.  Only the
        last (the big text) is required: a 户牌 of a bungalow has no building or unit.
        """
        depth = list(PlateKind).index(self.kind) + 1
        values = [self.number_text, self.building, self.unit, self.room][:depth]
        if not values[-1]:
            raise LayoutError(f"{self.kind.label}缺少主要编号。", detail=self.plate_id)
        return [v for v in values if v]

    @property
    def big_text(self) -> str:
        """Return the large text on the right (number, building, unit or room)."""
        return self.parts()[-1]

    @property
    def sub_text(self) -> str:
        """Return the parts of the address between the road and the big text."""
        return " ".join(self.parts()[:-1])

    def address_text(self) -> str:
        """Return the full address as one string (for manifests)."""
        return self.address or self.road_name + "".join(self.parts())


PlateLayout = ArtLayout
"""A laid-out plate: ground, border, QR panel and code, and text runs (all in mm)."""


def font_measure(font: CjkFont | None = None) -> TextMeasure:
    """Return a :data:`TextMeasure` using the advance widths of ``font`` (default lookup)."""
    f = font or find_cjk_font()
    return lambda text, size: text_width(f, text, size)


def fit_size(measure: TextMeasure, text: str, width: float, nominal: float) -> float:
    """Return the largest size <= ``nominal`` at which ``text`` is at most ``width`` wide."""
    w = measure(text, 1.0)
    return nominal if w <= 0 else min(nominal, width / w)


def _split_two(text: str) -> tuple[str, str]:
    """Split text in two balanced lines: at a space for Latin text, else mid-string."""
    if " " in text:
        cuts = [i for i, c in enumerate(text) if c == " "]
        cut = min(cuts, key=lambda i: abs(2 * i - len(text)))
        return text[:cut], text[cut + 1 :]
    cut = math.ceil(len(text) / 2)
    return text[:cut], text[cut:]


def fit_lines(
    measure: TextMeasure, text: str, width: float, height: float, nominal: float
) -> tuple[list[str], float]:
    """Return the lines (one or two) and size that show ``text`` largest in width x height.

    Lines are spaced at 1.15 x size.  Text is wrapped onto two lines only when it is long
    (8 characters or more) and one line would be under 70 % of ``nominal``.
    """
    best = ([text], min(fit_size(measure, text, width, nominal), height))
    if len(text.replace(" ", "")) >= 8 and best[1] < 0.7 * nominal:
        lines = list(_split_two(text))
        size = min(min(fit_size(measure, ln, width, nominal) for ln in lines), height / 2.15)
        if size > best[1] * 1.15:  # wrapping must win clearly to be worth it
            best = (lines, size)
    return best


def _run(role: str, text: str, size: float, x: float, top: float, measure: TextMeasure,
         *, color: str = WHITE, fixed: bool = False) -> TextRun:
    """Build a text run with its measured em box."""
    return TextRun(role, text, size, Box(x, top, measure(text, size), size), color, fixed)


def _centered(role: str, text: str, slot: Box, nominal: float, measure: TextMeasure,
              fixed: bool = False) -> TextRun:
    """Build a one-line run centred horizontally in ``slot`` (top aligned), shrunk to fit."""
    size = min(fit_size(measure, text, slot.w, nominal), slot.h)
    w = measure(text, size)
    return _run(role, text, size, slot.x + (slot.w - w) / 2, slot.y, measure, fixed=fixed)


def layout_plate(spec: PlateSpec, modules: int, measure: TextMeasure | None = None) -> PlateLayout:
    """Lay out ``spec`` for a QR symbol of ``modules`` x ``modules``; return boxes in mm.

    Raises :class:`LayoutError` if the plate has no big text or the quiet zone would be
    narrower than 4 modules.
    """
    meas = measure or font_measure()
    s = SIZES[spec.size]
    H, W = s.height, s.width
    margin, inset, stroke = 0.05 * H, 0.022 * H, 0.008 * H
    quiet = QUIET_FRACTION * s.code
    if quiet * modules < 4 * s.code - 1e-9:
        raise LayoutError("二维码版本过大，静区不足。", detail=f"{modules} modules")
    side = s.code + 2 * quiet
    host_size, id_size, gap = 0.05 * H, 0.035 * H, 0.02 * H
    column = side + gap + host_size + gap / 2 + id_size
    panel = Box(W - margin - side, (H - column) / 2, side, side)
    code = Box(panel.x + quiet, panel.y + quiet, s.code, s.code)
    host_slot = Box(panel.x, panel.bottom + gap, side, host_size)
    id_slot = Box(panel.x, host_slot.bottom + gap / 2, side, id_size)
    texts = [
        _centered("host", spec.host, host_slot, host_size, meas, fixed=True),
        _centered("plate_id", display_plate_id(spec.plate_id), id_slot, id_size, meas),
    ]
    area = Box(margin, margin, panel.x - 2 * margin, H - 2 * margin)
    notice_size = min(fit_size(meas, spec.notice, area.w, 0.06 * H), 0.06 * H)
    texts.append(_run("notice", spec.notice, notice_size, area.x, area.bottom - notice_size,
                      meas, fixed=True))
    main = Box(area.x, area.y, area.w, area.h - 0.06 * H - 0.04 * H)
    texts += _main_texts(spec, main, H, meas)
    border = Box(inset, inset, W - 2 * inset, H - 2 * inset)
    return PlateLayout(W, H, border, stroke, panel, code, modules, tuple(texts))


def _main_texts(spec: PlateSpec, area: Box, H: float, meas: TextMeasure) -> list[TextRun]:
    """Lay out the big text (right) and the road name, pinyin and sub-line (left) in ``area``."""
    big = spec.big_text
    big_size = min(fit_size(meas, big, 0.45 * area.w, 0.36 * H), area.h)
    big_w = meas(big, big_size)
    runs = [_run("big", big, big_size, area.right - big_w, area.y + (area.h - big_size) / 2,
                 meas)]
    left = Box(area.x, area.y, area.w - big_w - 0.05 * H, area.h)
    road_nominal = min(0.2 * H, 0.85 * big_size)  # the number stays the largest text
    rows: list[tuple[str, list[str], float]] = []
    road_lines, road_size = fit_lines(meas, spec.road_name, left.w, 0.55 * left.h, road_nominal)
    rows.append(("road", road_lines, road_size))
    if spec.road_pinyin:
        py_lines, py_size = fit_lines(meas, spec.road_pinyin, left.w, 0.25 * left.h,
                                      road_size * 2 / 3)  # GB 17733: 3/5 : 2/5
        rows.append(("pinyin", py_lines, py_size))
    if spec.sub_text:
        sub_size = min(fit_size(meas, spec.sub_text, left.w, road_nominal / 2), 0.18 * left.h)
        rows.append(("sub", [spec.sub_text], sub_size))
    total = sum(len(lines) * 1.15 * size for _, lines, size in rows)
    top = left.y + max(0.0, (left.h - total) / 2)
    for role, lines, size in rows:
        for line in lines:
            runs.append(_run(role, line, size, left.x, top, meas))
            top += 1.15 * size
    return runs
