"""Batch PDF of plates on A4/A3 sheets with cut marks, and the manifest of what went where.

Size per plate is kept small by drawing the fixed parts once: each plate size has a Form
XObject (blue ground, border, white QR panel, host line, notice line) and the three QR finder
patterns share one; a plate then adds only its variable text and the QR path (one ``re`` per
merged run, in module units).  Page streams are deflate-compressed.  The CJK TrueType font is
embedded as subsets (reportlab's default for TrueType).

Specs are consumed lazily, one at a time.  reportlab keeps the document in memory until it is
written at the end, so memory grows with the batch (about a few KB per plate).
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import astuple, dataclass, fields
from typing import BinaryIO, TextIO

from reportlab import rl_config
from reportlab.lib.colors import HexColor
from reportlab.pdfgen.canvas import Canvas

from .compose import ComposedPlate, compose_plate
from .fonts import CjkFont, find_cjk_font, tt_font
from .layout import SIZES, WHITE, PlateLayout, PlateSize, PlateSpec
from .qr import DEFAULT_EC, EcLevel, dark_rects, finder_origins, finder_rects
from .sheets import SheetGrid, SheetName, choose_grid

PT_PER_MM = 72 / 25.4
MARK_OFFSET, MARK_LENGTH = 1.0, 2.5  # cut marks: mm away from the plate corner, mm long

ProgressCallback = Callable[[int], None]
"""Called with the number of plates drawn so far."""


@dataclass(frozen=True, slots=True)
class ManifestRow:
    """Where one plate was printed: sheet (1-based), slot (1-based, row by row) and box in mm.

    ``x_mm``/``y_mm`` are the plate's top-left corner from the sheet's top-left corner;
    ``scale`` is below 1 only for plates too large for the sheet (proof prints).
    """

    plate_id: str
    address: str
    sheet: int
    position: int
    row: int
    col: int
    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    scale: float
    size: str
    url: str


def write_manifest_csv(rows: Iterable[ManifestRow], out: TextIO) -> None:
    """Write manifest rows as CSV with a header line."""
    writer = csv.writer(out)
    writer.writerow([f.name for f in fields(ManifestRow)])
    for row in rows:
        writer.writerow([round(v, 2) if isinstance(v, float) else v for v in astuple(row)])


def _n(v: float) -> str:
    """Format a number for a PDF stream (2 decimals, no trailing zeros)."""
    return f"{v:.2f}".rstrip("0").rstrip(".")


class _SheetWriter:
    """Draws plates onto sheets of one canvas; defines the shared forms on first use."""

    def __init__(self, canvas: Canvas, font: CjkFont, sheet: SheetName) -> None:
        self.c, self.font, self.sheet = canvas, font, sheet
        self.font_name = tt_font(font).fontName
        self.forms: dict[tuple[PlateSize, str, str], str] = {}
        self.grid: SheetGrid | None = None
        self.size: PlateSize | None = None
        self.page, self.slot = 0, 0
        self._define_finder()

    def _define_finder(self) -> None:
        """Define the finder-pattern form, in module units."""
        self.c.beginForm("qrfinder", 0, 0, 7, 7)
        self.c.addLiteral("0 g " + " ".join(f"{x} {y} {w} {h} re" for x, y, w, h in
                                             finder_rects()) + " f")
        self.c.endForm()

    def _fixed_form(self, plate: ComposedPlate) -> str:
        """Return the name of the form of the fixed parts of this plate, defining it once."""
        spec, lay = plate.spec, plate.layout
        key = (spec.size, spec.host, spec.notice)
        name = self.forms.get(key)
        if name is None:
            name = self.forms[key] = f"plate{len(self.forms)}"
            self.c.beginForm(name, 0, 0, lay.width, lay.height)
            self._draw_fixed(lay)
            self.c.endForm()
        return name

    def _draw_fixed(self, lay: PlateLayout) -> None:
        """Draw ground, border, panel and fixed text in plate mm, y up."""
        c, H = self.c, lay.height
        c.setFillColor(HexColor(lay.background))
        c.rect(0, 0, lay.width, H, stroke=0, fill=1)
        b = lay.border
        c.setStrokeColor(HexColor(WHITE))
        c.setLineWidth(lay.border_width)
        c.rect(b.x, H - b.bottom, b.w, b.h, stroke=1, fill=0)
        c.setFillColor(HexColor(WHITE))
        p = lay.panel
        c.rect(p.x, H - p.bottom, p.w, p.h, stroke=0, fill=1)
        self._draw_texts(lay, fixed=True)

    def _draw_texts(self, lay: PlateLayout, *, fixed: bool) -> None:
        """Draw the fixed or the variable text runs (fill colour set by the caller)."""
        for run in lay.texts:
            if run.fixed == fixed:
                self.c.setFont(self.font_name, run.size)
                self.c.drawString(run.x, lay.height - run.baseline, run.text)

    def _next_slot(self, size: PlateSize) -> tuple[float, float]:
        """Advance to the next free slot (new sheet when full or size changes)."""
        if self.grid is None or size != self.size or self.slot == self.grid.per_sheet:
            if self.page:
                self.c.showPage()
            s = SIZES[size]
            self.grid, self.size = choose_grid(s.width, s.height, self.sheet), size
            self.c.setPageSize((self.grid.sheet_width * PT_PER_MM,
                                self.grid.sheet_height * PT_PER_MM))
            self.page, self.slot = self.page + 1, 0
        self.slot += 1
        return self.grid.slots[self.slot - 1]

    def draw(self, plate: ComposedPlate) -> ManifestRow:
        """Draw one plate in the next slot and return its manifest row."""
        form = self._fixed_form(plate)
        x, y = self._next_slot(plate.spec.size)
        grid = self.grid
        assert grid is not None
        lay, c = plate.layout, self.c
        k = grid.scale * PT_PER_MM
        c.addLiteral(self._cut_marks(x, y, grid.plate_width, grid.plate_height, grid.sheet_height))
        c.saveState()
        c.transform(k, 0, 0, k, x * PT_PER_MM, (grid.sheet_height - y) * PT_PER_MM - lay.height * k)
        c.doForm(form)
        c.setFillColor(HexColor(WHITE))
        self._draw_texts(lay, fixed=False)
        self._draw_qr(plate)
        c.restoreState()
        r, col = divmod(self.slot - 1, grid.cols)
        return ManifestRow(plate.spec.plate_id, plate.spec.address_text(), self.page, self.slot,
                           r + 1, col + 1, x, y, grid.plate_width, grid.plate_height, grid.scale,
                           str(plate.spec.size), plate.spec.url)

    def _draw_qr(self, plate: ComposedPlate) -> None:
        """Draw the QR code as one filled path in module units, finders as forms."""
        lay, c = plate.layout, self.c
        rects = dark_rects(plate.matrix, skip_finders=True)
        body = " ".join(f"{x} {y} {w} {h} re" for x, y, w, h in rects)
        m = lay.module_mm
        c.addLiteral(f"q {_n(m)} 0 0 -{_n(m)} {_n(lay.code.x)} {_n(lay.height - lay.code.y)} cm "
                     f"0 g {body} f")
        for fx, fy in finder_origins(plate.matrix.size):
            c.addLiteral(f"q 1 0 0 1 {fx} {fy} cm")
            c.doForm("qrfinder")
            c.addLiteral("Q")
        c.addLiteral("Q")

    @staticmethod
    def _cut_marks(x: float, y: float, w: float, h: float, sheet_h: float) -> str:
        """Return PDF operators for corner cut marks around a plate (page coordinates)."""
        k, o, ln = PT_PER_MM, MARK_OFFSET, MARK_LENGTH
        segs = []
        for cx, dx in ((x, -1), (x + w, 1)):
            for cy, dy in ((y, -1), (y + h, 1)):
                segs.append((cx + dx * o, cy, cx + dx * (o + ln), cy))
                segs.append((cx, cy + dy * o, cx, cy + dy * (o + ln)))
        ops = " ".join(
            f"{_n(a * k)} {_n((sheet_h - b) * k)} m {_n(c * k)} {_n((sheet_h - d) * k)} l"
            for a, b, c, d in segs
        )
        return f"q 0.25 w 0 G {ops} S Q"


@contextlib.contextmanager
def _binary_streams() -> Iterator[None]:
    """Write streams deflated but not ASCII85-armoured (reportlab's default adds 25 %).

    ``rl_config.useA85`` is process-global in reportlab; it is restored on exit.
    """
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def render_batch_pdf(
    specs: Iterable[PlateSpec],
    out: BinaryIO,
    sheet: SheetName = "A4",
    on_progress: ProgressCallback | None = None,
    *,
    font: CjkFont | None = None,
    ec_level: EcLevel = DEFAULT_EC,
    title: str = "门牌印制批次",
) -> list[ManifestRow]:
    """Render plates onto ``sheet``-sized pages of one PDF written to ``out``.

    Each plate size gets the grid that fits the most plates (see :mod:`.sheets`); a change of
    size starts a new sheet.  Returns one :class:`ManifestRow` per plate, in input order.
    ``on_progress`` is called after each plate with the count so far.
    """
    f = font or find_cjk_font()
    rows: list[ManifestRow] = []
    with _binary_streams():
        canvas = Canvas(out, pageCompression=1, invariant=1,
                        initialFontName=tt_font(f).fontName)
        canvas.setTitle(title)
        canvas.setCreator("placenames")
        writer = _SheetWriter(canvas, f, sheet)
        for spec in specs:
            rows.append(writer.draw(compose_plate(spec, f, ec_level)))
            if on_progress is not None:
                on_progress(len(rows))
        canvas.save()
    return rows
