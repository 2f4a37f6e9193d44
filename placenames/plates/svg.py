"""One plate or sign as SVG (millimetre user units), with the QR code as one vector path.

Text is SVG ``<text>`` in the plate font family with common CJK fallbacks: the file stays
small and editable for sign makers, who must have a 黑体 font installed.  For print use the
PDF, which embeds the font.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

from .art import BLACK, WHITE, ComposedArt
from .compose import ComposedPlate, compose_plate
from .fonts import CjkFont, find_cjk_font
from .layout import PlateSpec
from .qr import DEFAULT_EC, EcLevel, dark_rects
from .signs import SignSpec, compose_sign

FONT_FAMILY = "'WenQuanYi Micro Hei', 'Microsoft YaHei', SimHei, 'Heiti SC', sans-serif"


def _n(v: float) -> str:
    """Format a number compactly (3 decimals, no trailing zeros)."""
    return f"{v:.3f}".rstrip("0").rstrip(".")


def qr_path_data(art: ComposedArt[Any]) -> str:
    """Return SVG path data of the dark modules, in module units (one rectangle per run)."""
    if art.matrix is None:
        return ""
    return "".join(f"M{x} {y}h{w}v{h}h-{w}z" for x, y, w, h in dark_rects(art.matrix))


def art_svg(art: ComposedArt[Any], title: str) -> str:
    """Return the SVG document of composed plate or sign art as text."""
    lay = art.layout
    b, p, c = lay.border, lay.panel, lay.code
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(lay.width)}mm" '
        f'height="{_n(lay.height)}mm" viewBox="0 0 {_n(lay.width)} {_n(lay.height)}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{_n(lay.width)}" height="{_n(lay.height)}" fill="{lay.background}"/>',
        f'<rect x="{_n(b.x)}" y="{_n(b.y)}" width="{_n(b.w)}" height="{_n(b.h)}" fill="none" '
        f'stroke="{WHITE}" stroke-width="{_n(lay.border_width)}"/>',
    ]
    if p is not None:
        parts.append(f'<rect x="{_n(p.x)}" y="{_n(p.y)}" width="{_n(p.w)}" height="{_n(p.h)}" '
                     f'fill="{WHITE}"/>')
    if c is not None and art.matrix is not None:
        parts.append(f'<path id="qr" fill="{BLACK}" shape-rendering="crispEdges" '
                     f'transform="translate({_n(c.x)} {_n(c.y)}) scale({_n(lay.module_mm)})" '
                     f'd="{qr_path_data(art)}"/>')
    for shape in lay.shapes:
        points = " ".join(f"{_n(x)},{_n(y)}" for x, y in shape.points)
        parts.append(f'<polygon class="{shape.role}" points="{points}" fill="{shape.color}"/>')
    parts.append(f"<g font-family={quoteattr(FONT_FAMILY)}>")
    for run in lay.texts:
        parts.append(
            f'<text class="{run.role}" x="{_n(run.x)}" y="{_n(run.baseline)}" '
            f'font-size="{_n(run.size)}" fill="{run.color}">{escape(run.text)}</text>'
        )
    parts += ["</g>", "</svg>", ""]
    return "\n".join(parts)


def plate_svg(plate: ComposedPlate) -> str:
    """Return the SVG document of a composed plate as text."""
    return art_svg(plate, plate.spec.address_text())


def render_svg(spec: PlateSpec, *, font: CjkFont | None = None,
               ec_level: EcLevel = DEFAULT_EC) -> bytes:
    """Return one plate as UTF-8 SVG bytes; ``font`` is used for measuring and glyph checks."""
    f = font or find_cjk_font()
    return plate_svg(compose_plate(spec, f, ec_level)).encode("utf-8")


def render_sign_svg(spec: SignSpec, *, font: CjkFont | None = None,
                    ec_level: EcLevel = DEFAULT_EC) -> bytes:
    """Return one street sign as UTF-8 SVG bytes; ``font`` measures and checks glyphs."""
    f = font or find_cjk_font()
    return art_svg(compose_sign(spec, f, ec_level), spec.text_line()).encode("utf-8")
