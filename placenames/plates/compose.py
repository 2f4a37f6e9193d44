"""One plate ready to draw: its QR matrix and its layout, with every glyph checked."""

from __future__ import annotations

from dataclasses import dataclass

from .fonts import CjkFont, require_glyphs
from .layout import PlateLayout, PlateSpec, font_measure, layout_plate
from .qr import DEFAULT_EC, EcLevel, QrMatrix, qr_matrix


@dataclass(frozen=True, slots=True)
class ComposedPlate:
    """A plate spec with its QR matrix and its layout in millimetres."""

    spec: PlateSpec
    matrix: QrMatrix
    layout: PlateLayout


def compose_plate(spec: PlateSpec, font: CjkFont, ec_level: EcLevel = DEFAULT_EC) -> ComposedPlate:
    """Encode the URL, lay out the plate and make sure ``font`` has every glyph printed.

    Raises :class:`~placenames.plates.errors.FontError` for a character the font lacks (it
    would print as a tofu box) and :class:`~placenames.plates.errors.LayoutError` for a plate
    that cannot be laid out.
    """
    matrix = qr_matrix(spec.url, ec_level)
    layout = layout_plate(spec, matrix.size, font_measure(font))
    require_glyphs(font, "".join(t.text for t in layout.texts))
    return ComposedPlate(spec, matrix, layout)
