"""One plate or sign as a PNG image (300 dpi by default), for previews and sign makers."""

from __future__ import annotations

import functools
import io
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from .art import WHITE, ComposedArt
from .compose import compose_plate
from .fonts import CjkFont, find_cjk_font
from .layout import PlateSpec
from .qr import DEFAULT_EC, EcLevel
from .signs import SignSpec, compose_sign

MM_PER_INCH = 25.4


@functools.lru_cache(maxsize=64)
def _pil_font(font: CjkFont, px: int) -> ImageFont.FreeTypeFont:
    """Load ``font`` at ``px`` pixels (cached)."""
    return ImageFont.truetype(font.path, size=max(px, 1), index=font.index)


def art_image(art: ComposedArt[Any], font: CjkFont, dpi: int = 300) -> Image.Image:
    """Draw composed plate or sign art into an RGB Pillow image at ``dpi``."""
    lay = art.layout
    k = dpi / MM_PER_INCH

    def px(v: float) -> int:
        return round(v * k)

    img = Image.new("RGB", (px(lay.width), px(lay.height)), lay.background)
    draw = ImageDraw.Draw(img)
    b = lay.border
    draw.rectangle((px(b.x), px(b.y), px(b.right), px(b.bottom)), outline=WHITE,
                   width=max(1, px(lay.border_width)))
    p = lay.panel
    if p is not None:
        draw.rectangle((px(p.x), px(p.y), px(p.right) - 1, px(p.bottom) - 1), fill=WHITE)
    m = art.matrix
    if m is not None and lay.code is not None:
        side = px(lay.code.right) - px(lay.code.x)
        code = Image.frombytes("L", (m.size, m.size), m.to_gray()).resize(
            (side, side), Image.Resampling.NEAREST)
        img.paste(code, (px(lay.code.x), px(lay.code.y)))
    for shape in lay.shapes:
        draw.polygon([(x * k, y * k) for x, y in shape.points], fill=shape.color)
    for run in lay.texts:
        draw.text((run.x * k, run.baseline * k), run.text, fill=run.color,
                  font=_pil_font(font, px(run.size)), anchor="ls")
    return img


plate_image = art_image
"""Draw a composed plate (the same drawing as any art)."""


def png_bytes(img: Image.Image, dpi: int) -> bytes:
    """Return ``img`` as PNG bytes with ``dpi`` written into the file."""
    buf = io.BytesIO()
    img.save(buf, "PNG", dpi=(dpi, dpi))
    return buf.getvalue()


def render_png(spec: PlateSpec, *, font: CjkFont | None = None, dpi: int = 300,
               ec_level: EcLevel = DEFAULT_EC) -> bytes:
    """Return one plate as PNG bytes at ``dpi`` (the dpi is written into the file)."""
    f = font or find_cjk_font()
    return png_bytes(art_image(compose_plate(spec, f, ec_level), f, dpi), dpi)


def render_sign_png(spec: SignSpec, *, font: CjkFont | None = None, dpi: int = 300,
                    ec_level: EcLevel = DEFAULT_EC) -> bytes:
    """Return one street sign as PNG bytes at ``dpi`` (the dpi is written into the file).

    A large sign at 300 dpi is big (1200x400 mm is 14173x4724 pixels); previews use less.
    """
    f = font or find_cjk_font()
    return png_bytes(art_image(compose_sign(spec, f, ec_level), f, dpi), dpi)
