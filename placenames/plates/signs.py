"""Street signs (地名标志, GB 17733): kinds, sizes, the sign spec and the sign layout.

A sign is drawn by the same renderers as a door plate (see :mod:`.art`): this module only
turns a :class:`SignSpec` into an :class:`~placenames.plates.art.ArtLayout`.  The renderers are
:func:`placenames.plates.png.render_sign_png`, :func:`placenames.plates.svg.render_sign_svg`
and :func:`placenames.plates.pdf.render_sign_batch_pdf`.

The layout, after GB 17733:

- blue ground (:data:`~placenames.plates.art.PLATE_BLUE`), white text, a white border line
  inside the edge;
- the name block: the Chinese name in the upper 3/5, the pinyin in the lower 2/5, each centred.
  The pinyin is printed as signs print it (:func:`~placenames.naming.romanize.sign_caps`:
  ``CHANG'AN LU``).  *What the 3 : 2 is, precisely*: the **ink height of the Chinese
  characters** (top of the highest stroke to the bottom of the lowest, measured on the
  reference characters :data:`CJK_REFERENCE`, 0.90 em in WenQuanYi Micro Hei) is 3/2 of the
  **cap height of the pinyin** (ink height of ``H``, 0.71 em), i.e. the pinyin cap height is
  2/3 of the Chinese character height, the slots' 3/5 : 2/5.  Both are sized to fill the same
  share of their slot.  A name or pinyin too long for its slot wraps onto two lines or
  shrinks, and the other shrinks with it: the 3 : 2 holds on every sign (per line).
  Nothing leaves its slot: every run's em box stays inside its slot, inside the border;
- an optional QR panel on the right (always on a :attr:`SignKind.QR` sign, on the others when
  the spec has a URL): black on white with a quiet zone of 16 % of the code (at least the 4
  modules of ISO/IEC 18004), the official host and the sign id under it, as on door plates;
- a directional sign (指位牌) gives the upper part to the name block and the lower band to an
  arrow with the door numbers at its two ends (see :class:`SignSpec`).

Sizes (:data:`SIGN_SIZES`) are **the office's defaults, not figures from the standard**: the
text of GB 17733-2008 was not at hand when they were chosen, so they must be checked against
it (and the Tianjin-style QR panel against the office's QR sign specification) before an
order goes out. An office sets its own table (:func:`parse_sign_sizes`, the setting
``PLACENAMES_SIGN_SIZES``); a spec then carries its size (:attr:`SignSpec.dims`).  They
keep the 3 : 1 proportion of common street signs, and every size's code
(half the sign's height) leaves modules of 2 mm or more for the URLs printed here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from ..naming.romanize import sign_caps
from .art import PLATE_BLUE, ArtLayout, Box, ComposedArt, Polygon, TextRun
from .compose import check_glyphs
from .errors import LayoutError
from .fonts import ASCENT, CjkFont, find_cjk_font, ink_extent
from .ids import display_plate_id, normalize_plate_id
from .layout import (
    QUIET_FRACTION,
    PlateSize,
    SizeSpec,
    TextMeasure,
    _centered,
    _run,
    fit_lines,
    fit_size,
    font_measure,
)
from .qr import DEFAULT_EC, EcLevel, qr_matrix

InkMeasure = Callable[[str], tuple[float, float]]
"""``ink(text) -> (above, below)``: how far the ink reaches from the baseline, per font size."""

SignSize = PlateSize
"""Size codes of signs: ``large``, ``medium``, ``small`` (the codes of plates)."""

CJK_REFERENCE = "国路"
"""Characters whose ink height is the Chinese character height (full-height glyphs)."""
CAP_REFERENCE = "H"
"""The letter whose ink height is the pinyin cap height."""
NAME_SHARE = 3 / 5
"""Share of the name block given to the Chinese name (GB 17733: 3/5 : 2/5)."""
PINYIN_RATIO = (1 - NAME_SHARE) / NAME_SHARE
"""Pinyin cap height over Chinese character height: 2/3."""
FILL = 0.9
"""Largest share of its slot a line's em box takes."""
LINE = 1.15
"""Line spacing of wrapped lines, in font sizes."""


class SignKind(StrEnum):
    """What kind of sign: street 街牌, lane 巷牌, directional 指位牌, the New Area's QR sign."""

    STREET = "street"
    LANE = "lane"
    DIRECTIONAL = "directional"
    QR = "qr"

    @property
    def label(self) -> str:
        """Return the Chinese name of the kind."""
        return {"street": "街牌", "lane": "巷牌", "directional": "指位牌",
                "qr": "二维码街牌"}[self]


class ArrowDirection(StrEnum):
    """Where a directional sign's arrow points: left, right, or both ways."""

    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"

    @property
    def label(self) -> str:
        """Return the Chinese name of the direction."""
        return {"left": "向左", "right": "向右", "both": "双向"}[self]


SIGN_SIZES: dict[SignKind, dict[SignSize, SizeSpec]] = {
    SignKind.STREET: {
        SignSize.LARGE: SizeSpec(1200, 400, 200),
        SignSize.MEDIUM: SizeSpec(900, 300, 150),
        SignSize.SMALL: SizeSpec(600, 200, 100),
    },
    SignKind.LANE: {
        SignSize.LARGE: SizeSpec(750, 250, 125),
        SignSize.MEDIUM: SizeSpec(600, 200, 100),
        SignSize.SMALL: SizeSpec(450, 150, 75),
    },
    SignKind.DIRECTIONAL: {
        SignSize.LARGE: SizeSpec(900, 300, 150),
        SignSize.MEDIUM: SizeSpec(750, 250, 125),
        SignSize.SMALL: SizeSpec(600, 200, 100),
    },
    SignKind.QR: {
        SignSize.LARGE: SizeSpec(1200, 400, 200),
        SignSize.MEDIUM: SizeSpec(900, 300, 150),
        SignSize.SMALL: SizeSpec(600, 200, 100),
    },
}
"""Sign and QR code sizes in mm per kind and size code: the office's defaults (see above).

``code`` is the QR symbol's side when the sign carries one (the white panel adds the quiet
zone).  Not verified against the text of GB 17733-2008.
"""


def parse_sign_sizes(text: str) -> dict[SignKind, dict[SignSize, SizeSpec]]:
    """The office's table of sign sizes, from JSON such as ``{"street": {"large": [1200, 400,
    200]}}`` (width, height and code side in mm, by kind and size code), over the defaults.

    Raises :class:`LayoutError` naming what is wrong: an unknown kind or size, a size that is
    not three positive numbers, or a code that does not fit the sign's height."""
    import json

    table = {k: dict(v) for k, v in SIGN_SIZES.items()}
    try:
        given = json.loads(text)
    except ValueError as exc:
        raise LayoutError("标志规格表不是有效的 JSON。", detail=str(exc)) from None
    if not isinstance(given, dict):
        raise LayoutError("标志规格表应为 {类型: {规格: [宽, 高, 码]}}。", detail=text[:80])
    for kind, sizes in given.items():
        if kind not in SignKind.__members__.values() or not isinstance(sizes, dict):
            raise LayoutError("标志规格表中有未知类型。", detail=str(kind))
        for size, dims in sizes.items():
            if size not in SignSize.__members__.values():
                raise LayoutError("标志规格表中有未知规格。", detail=f"{kind}.{size}")
            ok = (isinstance(dims, list) and len(dims) == 3
                  and all(isinstance(v, int | float) and v > 0 for v in dims))
            if not ok or dims[2] > 0.9 * dims[1]:
                raise LayoutError("标志规格应为 [宽, 高, 二维码边长]（毫米），二维码小于牌高。",
                                  detail=f"{kind}.{size}: {dims}")
            table[SignKind(kind)][SignSize(size)] = SizeSpec(*(float(v) for v in dims))
    return table


def _numbered(text: str) -> str:
    """Return a door number as printed: ``1`` -> ``1号`` (``1号`` stays)."""
    t = text.strip()
    return t if t.endswith("号") else f"{t}号"


@dataclass(frozen=True, slots=True)
class SignSpec:
    """Everything printed on one sign, as plain values.

    ``name`` is the standard Chinese name, ``pinyin`` its romanization as stored (``Chang'an
    Lu``, ``Jing 5 Lu``); the sign prints it in capitals (:attr:`caps`).  ``sign_id`` is an id
    of the plate scheme (:mod:`.ids`), stored in canonical form and printed in groups of four;
    ``url``, when given, is encoded in a QR code (required for :attr:`SignKind.QR`), and
    ``host_line`` (default: the URL's host) is printed under it.

    A directional sign (指位牌) needs ``arrow``, ``near`` and ``far``: the door numbers at the
    two ends of the arrow (``"1"`` or ``"1号"``; 号 is added when missing).  ``near`` is the
    number by the sign and ``far`` the last number reached in the arrow's direction: a right
    arrow reads ``1号 ━━▶ 99号``, a left one ``99号 ◀━━ 1号``.  With ``BOTH`` the arrow has a
    head at each end, ``near`` is printed at the left end and ``far`` at the right end.
    ``toward`` is an optional line over the arrow (the cross road or orientation: ``往世纪大道``,
    ``北 → 南``).

    Raises :class:`LayoutError` for a spec that cannot make a sign (empty name or pinyin, a QR
    sign without URL, a directional sign without arrow or numbers, an arrow on another kind)
    and :class:`~placenames.plates.errors.PlateIdError` for a malformed ``sign_id``.
    """

    name: str
    pinyin: str
    kind: SignKind = SignKind.STREET
    size: SignSize = SignSize.MEDIUM
    sign_id: str | None = None
    url: str | None = None
    arrow: ArrowDirection | None = None
    near: str = ""
    far: str = ""
    toward: str = ""
    host_line: str = ""
    dims: SizeSpec | None = None
    """The sign's and its code's size in mm from the office's table; else :data:`SIGN_SIZES`."""

    def __post_init__(self) -> None:
        if not self.name.strip() or not self.pinyin.strip():
            raise LayoutError("地名标志须有汉字名称和汉语拼音。", detail=repr(self.name))
        if self.kind is SignKind.QR and not self.url:
            raise LayoutError("二维码街牌须有二维码地址。", detail=self.name)
        directional = self.kind is SignKind.DIRECTIONAL
        if directional and (self.arrow is None or not self.near.strip() or not self.far.strip()):
            raise LayoutError("指位牌须有箭头方向和两端门牌号。", detail=self.name)
        if not directional and (self.arrow is not None or self.near or self.far):
            raise LayoutError("只有指位牌有箭头和门牌号。", detail=self.name)
        if self.sign_id is not None:
            object.__setattr__(self, "sign_id", normalize_plate_id(self.sign_id))

    @property
    def has_qr(self) -> bool:
        """Return whether the sign carries a QR code."""
        return bool(self.url)

    @property
    def host(self) -> str:
        """Return the host line printed under the code."""
        return self.host_line or urlsplit(self.url or "").netloc

    @property
    def caps(self) -> str:
        """Return the pinyin as the sign prints it (``CHANG'AN LU``)."""
        return sign_caps(self.pinyin)

    @property
    def near_text(self) -> str:
        """Return the near door number as printed (``1号``)."""
        return _numbered(self.near)

    @property
    def far_text(self) -> str:
        """Return the far door number as printed (``99号``)."""
        return _numbered(self.far)

    def text_line(self) -> str:
        """Return what the sign says, in one line (for manifests)."""
        text = f"{self.name} {self.caps}"
        if self.arrow is not None:
            text += f" {self.near_text}→{self.far_text}（{self.arrow.label}）"
        return text + (f" {self.toward}" if self.toward else "")


def font_ink(font: CjkFont | None = None) -> InkMeasure:
    """Return an :data:`InkMeasure` for ``font`` (default lookup)."""
    f = font or find_cjk_font()
    return lambda text: ink_extent(f, text)


def _block(role: str, lines: list[str], size: float, slot: Box, ink: tuple[float, float],
           measure: TextMeasure) -> list[TextRun]:
    """Return ``lines`` centred in ``slot``: each line horizontally, the ink of the block
    vertically (``ink`` per font size, from :data:`InkMeasure`), kept inside the slot."""
    up, down = ink
    total = (len(lines) - 1) * LINE * size + size
    top = slot.y + slot.h / 2 - ASCENT * size - ((len(lines) - 1) * LINE + down - up) * size / 2
    top = min(max(top, slot.y), slot.bottom - total)
    runs = []
    for line in lines:
        w = measure(line, size)
        runs.append(_run(role, line, size, slot.x + (slot.w - w) / 2, top, measure))
        top += LINE * size
    return runs


def _name_runs(spec: SignSpec, box: Box, measure: TextMeasure, ink: InkMeasure) -> list[TextRun]:
    """Lay out the Chinese name (upper 3/5 of ``box``) and the pinyin caps (lower 2/5)."""
    cjk_up, cjk_down = ink(CJK_REFERENCE)
    cap = ink(CAP_REFERENCE)[0]
    k = PINYIN_RATIO * (cjk_up + cjk_down) / cap  # pinyin font size per Chinese font size
    cn_slot = Box(box.x, box.y, box.w, NAME_SHARE * box.h)
    py_slot = Box(box.x, cn_slot.bottom, box.w, box.h - cn_slot.h)
    nominal = FILL * min(cn_slot.h, py_slot.h / k)
    cn_lines, cn_size = fit_lines(measure, spec.name, box.w, FILL * cn_slot.h, nominal)
    py_lines, py_size = fit_lines(measure, spec.caps, box.w, FILL * py_slot.h, k * cn_size)
    cn_size = min(cn_size, py_size / k)  # a pinyin that had to shrink takes the name down too
    return (_block("name", cn_lines, cn_size, cn_slot, (cjk_up, cjk_down), measure)
            + _block("pinyin", py_lines, py_size, py_slot, (cap, 0.0), measure))


def arrow_points(x0: float, x1: float, cy: float, shaft: float, head: float, head_len: float,
                 direction: ArrowDirection) -> tuple[tuple[float, float], ...]:
    """Return the corners of a horizontal arrow from ``x0`` to ``x1`` on the line ``cy``.

    ``shaft`` and ``head`` are half-heights of the shaft and of the head, ``head_len`` the
    head's length; ``direction`` says which end has a head (both for ``BOTH``).
    """
    t, h, L = shaft, head, head_len
    right: list[tuple[float, float]] = [(x1 - L, cy - t), (x1 - L, cy - h), (x1, cy),
                                        (x1 - L, cy + h), (x1 - L, cy + t)]
    left: list[tuple[float, float]] = [(x0 + L, cy + t), (x0 + L, cy + h), (x0, cy),
                                       (x0 + L, cy - h), (x0 + L, cy - t)]
    if direction is ArrowDirection.RIGHT:
        return ((x0, cy - t), *right, (x0, cy + t))
    if direction is ArrowDirection.LEFT:
        return (*left, (x1, cy - t), (x1, cy + t))
    return (*left, *right)


def _arrow_band(spec: SignSpec, band: Box, measure: TextMeasure, ink: InkMeasure,
                name_size: float) -> tuple[list[TextRun], list[Polygon]]:
    """Lay out the arrow of a directional sign with the door numbers at its two ends.

    The numbers are at most 0.8 of the Chinese name's font size ``name_size``: the name
    stays the largest text of the sign.
    """
    assert spec.arrow is not None
    runs: list[TextRun] = []
    row = band
    if spec.toward:
        slot = Box(band.x, band.y, band.w, 0.34 * band.h)
        runs.append(_centered("toward", spec.toward, slot, FILL * slot.h, measure))
        row = Box(band.x, slot.bottom, band.w, band.h - slot.h)
    pairs = [("near", spec.near_text), ("far", spec.far_text)]
    if spec.arrow is ArrowDirection.LEFT:
        pairs.reverse()
    nominal = min(FILL * row.h, 0.8 * name_size)
    size = min(fit_size(measure, t, 0.3 * row.w, nominal) for _, t in pairs)
    up, down = ink("".join(t for _, t in pairs))
    (lrole, ltext), (rrole, rtext) = pairs
    lw, rw = measure(ltext, size), measure(rtext, size)
    left = _block(lrole, [ltext], size, Box(row.x, row.y, lw, row.h), (up, down), measure)[0]
    right = _block(rrole, [rtext], size, Box(row.right - rw, row.y, rw, row.h), (up, down),
                   measure)[0]
    runs += [left, right]
    gap, head_len = 0.4 * size, 0.45 * size
    x0, x1 = row.x + lw + gap, row.right - rw - gap
    heads = 2 if spec.arrow is ArrowDirection.BOTH else 1
    if x1 - x0 < (heads + 1) * head_len:
        raise LayoutError("指位牌的门牌号过长，箭头放不下。", detail=spec.text_line())
    cy = left.baseline - (up - down) * size / 2
    shaft, head = 0.09 * size, min(0.3 * size, row.bottom - cy, cy - row.y)
    points = arrow_points(x0, x1, cy, shaft, head, head_len, spec.arrow)
    return runs, [Polygon("arrow", points)]


def layout_sign(spec: SignSpec, modules: int, measure: TextMeasure | None = None,
                ink: InkMeasure | None = None) -> ArtLayout:
    """Lay out ``spec`` (with a QR symbol of ``modules`` x ``modules`` if it has a URL) in mm.

    Raises :class:`LayoutError` when the QR quiet zone would be narrower than 4 modules, or
    the numbers of a directional sign leave no room for its arrow.
    """
    meas, inkm = measure or font_measure(), ink or font_ink()
    s = spec.dims or SIGN_SIZES[spec.kind][spec.size]
    W, H = s.width, s.height
    inset, stroke, margin = 0.03 * H, 0.012 * H, 0.07 * H
    border = Box(inset, inset, W - 2 * inset, H - 2 * inset)
    texts: list[TextRun] = []
    shapes: list[Polygon] = []
    panel = code = None
    right, bottom = W - margin, H - margin
    if spec.has_qr:
        quiet = QUIET_FRACTION * s.code
        if quiet * modules < 4 * s.code - 1e-9:
            raise LayoutError("二维码版本过大，静区不足。", detail=f"{modules} modules")
        side = s.code + 2 * quiet
        host_size, id_size, gap = 0.05 * H, 0.035 * H, 0.02 * H
        column = side + gap + host_size + (gap / 2 + id_size if spec.sign_id else 0.0)
        panel = Box(W - margin - side, (H - column) / 2, side, side)
        code = Box(panel.x + quiet, panel.y + quiet, s.code, s.code)
        host_slot = Box(panel.x, panel.bottom + gap, side, host_size)
        texts.append(_centered("host", spec.host, host_slot, host_size, meas, fixed=True))
        if spec.sign_id:
            id_slot = Box(panel.x, host_slot.bottom + gap / 2, side, id_size)
            texts.append(_centered("sign_id", display_plate_id(spec.sign_id), id_slot, id_size,
                                   meas))
        right = panel.x - margin
    elif spec.sign_id:
        id_size = 0.04 * H
        shown = display_plate_id(spec.sign_id)
        size = min(fit_size(meas, shown, W - 2 * margin, id_size), id_size)
        texts.append(_run("sign_id", shown, size, right - meas(shown, size),
                          bottom - size, meas))
        bottom -= id_size + 0.01 * H
    area = Box(margin, margin, right - margin, bottom - margin)
    if spec.kind is SignKind.DIRECTIONAL:
        gap = 0.03 * H
        name_h = 0.6 * (area.h - gap)
        texts += _name_runs(spec, Box(area.x, area.y, area.w, name_h), meas, inkm)
        name_size = max(t.size for t in texts if t.role == "name")
        band_runs, shapes = _arrow_band(
            spec, Box(area.x, area.y + name_h + gap, area.w, area.h - name_h - gap), meas, inkm,
            name_size)
        texts += band_runs
    else:
        texts += _name_runs(spec, area, meas, inkm)
    return ArtLayout(W, H, border, stroke, panel, code, modules if spec.has_qr else 0,
                     tuple(texts), PLATE_BLUE, tuple(shapes))


def compose_sign(spec: SignSpec, font: CjkFont, ec_level: EcLevel = DEFAULT_EC
                 ) -> ComposedArt[SignSpec]:
    """Encode the URL (if any), lay out the sign and make sure ``font`` has every glyph.

    Raises :class:`~placenames.plates.errors.FontError` for a character the font lacks (it
    would print as a tofu box) and :class:`LayoutError` for a sign that cannot be laid out.
    """
    matrix = qr_matrix(spec.url, ec_level) if spec.url else None
    layout = layout_sign(spec, matrix.size if matrix else 0, font_measure(font), font_ink(font))
    check_glyphs(font, layout)
    return ComposedArt(spec, matrix, layout, "sign")

