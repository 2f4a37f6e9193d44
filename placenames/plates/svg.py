"""One plate as SVG (millimetre user units), with the QR code as one vector path.

Text is SVG ``<text>`` in the plate font family with common CJK fallbacks: the file stays
small and editable for sign makers, who must have a 黑体 font installed.  For print use the
PDF, which embeds the font.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from .compose import ComposedPlate, compose_plate
from .fonts import CjkFont, find_cjk_font
from .layout import BLACK, WHITE, PlateSpec
from .qr import DEFAULT_EC, EcLevel, dark_rects

FONT_FAMILY = "'WenQuanYi Micro Hei', 'Microsoft YaHei', SimHei, 'Heiti SC', sans-serif"


def _n(v: float) -> str:
    """Format a number compactly (3 decimals, no trailing zeros)."""
    return f"{v:.3f}".rstrip("0").rstrip(".")


def qr_path_data(plate: ComposedPlate) -> str:
    """Return SVG path data of the dark modules, in module units (one rectangle per run)."""
    return "".join(f"M{x} {y}h{w}v{h}h-{w}z" for x, y, w, h in dark_rects(plate.matrix))


def plate_svg(plate: ComposedPlate) -> str:
    """Return the SVG document of a composed plate as text."""
    lay = plate.layout
    b, p, c = lay.border, lay.panel, lay.code
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(lay.width)}mm" '
        f'height="{_n(lay.height)}mm" viewBox="0 0 {_n(lay.width)} {_n(lay.height)}">',
        f"<title>{escape(plate.spec.address_text())}</title>",
        f'<rect width="{_n(lay.width)}" height="{_n(lay.height)}" fill="{lay.background}"/>',
        f'<rect x="{_n(b.x)}" y="{_n(b.y)}" width="{_n(b.w)}" height="{_n(b.h)}" fill="none" '
        f'stroke="{WHITE}" stroke-width="{_n(lay.border_width)}"/>',
        f'<rect x="{_n(p.x)}" y="{_n(p.y)}" width="{_n(p.w)}" height="{_n(p.h)}" fill="{WHITE}"/>',
        f'<path id="qr" fill="{BLACK}" shape-rendering="crispEdges" transform="translate('
        f'{_n(c.x)} {_n(c.y)}) scale({_n(lay.module_mm)})" d="{qr_path_data(plate)}"/>',
        f"<g font-family={quoteattr(FONT_FAMILY)}>",
    ]
    for run in lay.texts:
        parts.append(
            f'<text class="{run.role}" x="{_n(run.x)}" y="{_n(run.baseline)}" '
            f'font-size="{_n(run.size)}" fill="{run.color}">{escape(run.text)}</text>'
        )
    parts += ["</g>", "</svg>", ""]
    return "\n".join(parts)


def render_svg(spec: PlateSpec, *, font: CjkFont | None = None,
               ec_level: EcLevel = DEFAULT_EC) -> bytes:
    """Return one plate as UTF-8 SVG bytes; ``font`` is used for measuring and glyph checks."""
    f = font or find_cjk_font()
    return plate_svg(compose_plate(spec, f, ec_level)).encode("utf-8")
