"""How plates are placed on A4/A3 sheets for printing, with room for cut marks.

Pure geometry in millimetres, origin at the sheet's top-left corner, y down.  Both
orientations of the sheet are tried and the one holding more plates wins.  A plate larger than
the sheet (the 570x370 mm plate on A3) is scaled down to fit one per sheet: such a sheet is a
proof, not a production print, and the manifest says the scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SheetName = Literal["A4", "A3", "fit"]

SHEETS: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
"""Portrait sheet sizes in millimetres."""

MARGIN = 6.0
"""Sheet margin in mm (cut marks reach 3.5 mm beyond a plate)."""
GAP = 6.0
"""Gap between plates in mm."""


@dataclass(frozen=True, slots=True)
class SheetGrid:
    """A grid of plate slots on one sheet: sheet size, scale and slot corners (mm)."""

    sheet_width: float
    sheet_height: float
    cols: int
    rows: int
    scale: float
    plate_width: float
    plate_height: float
    slots: tuple[tuple[float, float], ...]
    """Top-left corner of each slot, row by row."""

    @property
    def per_sheet(self) -> int:
        """Return the number of plates per sheet."""
        return len(self.slots)


def _fit(avail_w: float, avail_h: float, w: float, h: float) -> tuple[int, int]:
    """Return columns and rows of ``w`` x ``h`` boxes with gaps inside the available area."""
    return int((avail_w + GAP) // (w + GAP)), int((avail_h + GAP) // (h + GAP))


def choose_grid(plate_width: float, plate_height: float, sheet: SheetName = "A4") -> SheetGrid:
    """Return the grid holding the most plates of this size, centred on the sheet.

    ``fit``: one piece a page, at full size, on a page as large as the piece and its cut
    marks (print-ready artwork of a street sign, for a sign maker's wide-format printer)."""
    if sheet == "fit":
        sw, sh = plate_width + 2 * MARGIN, plate_height + 2 * MARGIN
        return SheetGrid(sw, sh, 1, 1, 1.0, plate_width, plate_height, ((MARGIN, MARGIN),))
    if sheet not in SHEETS:
        raise ValueError(f"unknown sheet {sheet!r}; use A4, A3 or fit")
    short, long_ = SHEETS[sheet]
    best: tuple[int, float, float, float, int, int] | None = None
    for sw, sh in ((short, long_), (long_, short)):
        cols, rows = _fit(sw - 2 * MARGIN, sh - 2 * MARGIN, plate_width, plate_height)
        if best is None or cols * rows > best[0]:
            best = (cols * rows, 1.0, sw, sh, cols, rows)
    assert best is not None
    if best[0] == 0:  # too large: scale to one per sheet, in the better orientation
        options = [(min((sw - 2 * MARGIN) / plate_width, (sh - 2 * MARGIN) / plate_height), sw, sh)
                   for sw, sh in ((short, long_), (long_, short))]
        scale, sw, sh = max(options)
        best = (1, scale, sw, sh, 1, 1)
    _, scale, sw, sh, cols, rows = best
    w, h = plate_width * scale, plate_height * scale
    x0 = (sw - (cols * w + (cols - 1) * GAP)) / 2
    y0 = (sh - (rows * h + (rows - 1) * GAP)) / 2
    slots = tuple(
        (x0 + c * (w + GAP), y0 + r * (h + GAP)) for r in range(rows) for c in range(cols)
    )
    return SheetGrid(sw, sh, cols, rows, scale, w, h, slots)
