"""One plate ready to draw: its QR matrix and its layout, with every glyph checked."""

from __future__ import annotations

from .art import ArtLayout, ComposedArt
from .fonts import CjkFont, require_glyphs
from .layout import PlateSpec, font_measure, layout_plate
from .qr import DEFAULT_EC, EcLevel, qr_matrix

ComposedPlate = ComposedArt[PlateSpec]
"""A plate spec with its QR matrix and its layout in millimetres."""


def check_glyphs(font: CjkFont, layout: ArtLayout) -> None:
    """Raise :class:`~placenames.plates.errors.FontError` if ``font`` lacks a printed glyph.

    Every text run of the layout is checked: a missing glyph would print as a tofu box.
    """
    require_glyphs(font, "".join(t.text for t in layout.texts))


def compose_plate(spec: PlateSpec, font: CjkFont, ec_level: EcLevel = DEFAULT_EC) -> ComposedPlate:
    """Encode the URL, lay out the plate and make sure ``font`` has every glyph printed.

    Raises :class:`~placenames.plates.errors.FontError` for a character the font lacks (it
    would print as a tofu box) and :class:`~placenames.plates.errors.LayoutError` for a plate
    that cannot be laid out.
    """
    matrix = qr_matrix(spec.url, ec_level)
    layout = layout_plate(spec, matrix.size, font_measure(font))
    check_glyphs(font, layout)
    return ComposedArt(spec, matrix, layout, "plate")
