"""Batch PDF of plates and signs on A4/A3 sheets with cut marks, and the manifest of each item.

One writer draws every :class:`~placenames.plates.art.ArtLayout`: door plates
(:func:`render_batch_pdf`) and street signs (:func:`render_sign_batch_pdf`) go through
:func:`render_art_pdf` and the same sheet writer.

Size per plate is kept small by drawing the fixed parts once: each plate size has a Form
XObject (blue ground, border, white QR panel, host line, notice line) and the three QR finder
patterns share one; a plate then adds only its variable text and the QR path (one ``re`` per
merged run, in module units).  Signs do the same with their own fixed parts (ground, border,
panel, host line); their arrows are filled paths.  Page streams are deflate-compressed.  The
CJK TrueType font is embedded as subsets (reportlab's default for TrueType).

Specs are consumed lazily, one at a time.  reportlab keeps the document in memory until it is
written at the end, so memory grows with the batch (about a few KB per plate).
"""

from __future__ import annotations

import contextlib
import csv
import itertools
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import asdict, astuple, dataclass, fields
from typing import Any, BinaryIO, TextIO, TypeVar

from reportlab import rl_config
from reportlab.lib.colors import HexColor
from reportlab.pdfgen.canvas import Canvas

from .art import WHITE, ArtLayout, Box, ComposedArt
from .compose import compose_plate
from .fonts import CjkFont, find_cjk_font, tt_font
from .layout import PlateSpec
from .qr import DEFAULT_EC, EcLevel, QrMatrix, dark_rects, finder_origins, finder_rects
from .sheets import SheetGrid, SheetName, choose_grid
from .signs import SignSpec, compose_sign

PT_PER_MM = 72 / 25.4
MARK_OFFSET, MARK_LENGTH = 1.0, 2.5  # cut marks: mm away from the plate corner, mm long

ProgressCallback = Callable[[int], None]
"""Called with the number of plates (or signs) drawn so far."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one item was drawn: sheet (1-based), slot (1-based, row by row) and box in mm.

    ``x_mm``/``y_mm`` are the item's top-left corner from the sheet's top-left corner;
    ``scale`` is below 1 only for items too large for the sheet (proof prints).
    """

    sheet: int
    position: int
    row: int
    col: int
    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    scale: float


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


@dataclass(frozen=True, slots=True)
class SignManifestRow:
    """Where one street sign was printed: the plate manifest's placement columns, for a sign.

    ``sign_id`` and ``url`` are empty for a sign without an id or a QR code; ``text`` is what
    the sign says in one line (name, pinyin, and for a directional sign arrow and numbers).
    """

    sign_id: str
    name: str
    kind: str
    text: str
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


AnyManifestRow = ManifestRow | SignManifestRow


def write_manifest_csv(rows: Iterable[AnyManifestRow], out: TextIO) -> None:
    """Write manifest rows (all of one type; plate rows when empty) as CSV with a header line."""
    items = iter(rows)
    first = next(items, None)
    writer = csv.writer(out)
    writer.writerow([f.name for f in fields(ManifestRow if first is None else first)])
    for row in itertools.chain([] if first is None else [first], items):
        writer.writerow([round(v, 2) if isinstance(v, float) else v for v in astuple(row)])


def _n(v: float) -> str:
    """Format a number for a PDF stream (2 decimals, no trailing zeros)."""
    return f"{v:.2f}".rstrip("0").rstrip(".")


class _SheetWriter:
    """Draws plate or sign art onto sheets of one canvas; defines shared forms on first use."""

    def __init__(self, canvas: Canvas, font: CjkFont, sheet: SheetName) -> None:
        self.c, self.font, self.sheet = canvas, font, sheet
        self.font_name = tt_font(font).fontName
        self.forms: dict[tuple[str, Hashable], str] = {}
        self.form_counts: dict[str, int] = {}
        self.grid: SheetGrid | None = None
        self.dims: tuple[float, float] | None = None
        self.page, self.slot = 0, 0
        self._define_finder()

    def _define_finder(self) -> None:
        """Define the finder-pattern form, in module units."""
        self.c.beginForm("qrfinder", 0, 0, 7, 7)
        self.c.addLiteral("0 g " + " ".join(f"{x} {y} {w} {h} re" for x, y, w, h in
                                             finder_rects()) + " f")
        self.c.endForm()

    def _fixed_form(self, art: ComposedArt[Any]) -> str:
        """Return the name of the form of the fixed parts of this art, defining it once."""
        lay = art.layout
        key = (art.form_prefix, lay.fixed_key())
        name = self.forms.get(key)
        if name is None:
            count = self.form_counts.get(art.form_prefix, 0)
            self.form_counts[art.form_prefix] = count + 1
            name = self.forms[key] = f"{art.form_prefix}{count}"
            self.c.beginForm(name, 0, 0, lay.width, lay.height)
            self._draw_fixed(lay)
            self.c.endForm()
        return name

    def _draw_fixed(self, lay: ArtLayout) -> None:
        """Draw ground, border, panel and fixed shapes and text in art mm, y up."""
        c, H = self.c, lay.height
        c.setFillColor(HexColor(lay.background))
        c.rect(0, 0, lay.width, H, stroke=0, fill=1)
        b = lay.border
        c.setStrokeColor(HexColor(WHITE))
        c.setLineWidth(lay.border_width)
        c.rect(b.x, H - b.bottom, b.w, b.h, stroke=1, fill=0)
        c.setFillColor(HexColor(WHITE))
        p = lay.panel
        if p is not None:
            c.rect(p.x, H - p.bottom, p.w, p.h, stroke=0, fill=1)
        self._draw_shapes(lay, fixed=True)
        self._draw_texts(lay, fixed=True)

    def _draw_shapes(self, lay: ArtLayout, *, fixed: bool) -> None:
        """Draw the fixed or the variable polygons, each filled in its colour."""
        for shape in lay.shapes:
            if shape.fixed == fixed:
                pts = [(x, lay.height - y) for x, y in shape.points]
                ops = " ".join(f"{_n(x)} {_n(y)} {'m' if i == 0 else 'l'}"
                               for i, (x, y) in enumerate(pts))
                r, g, b = (int(shape.color[i : i + 2], 16) / 255 for i in (1, 3, 5))
                self.c.addLiteral(f"q {_n(r)} {_n(g)} {_n(b)} rg {ops} h f Q")

    def _draw_texts(self, lay: ArtLayout, *, fixed: bool) -> None:
        """Draw the fixed or the variable text runs (white unless a run says otherwise)."""
        for run in lay.texts:
            if run.fixed == fixed:
                if run.color != WHITE:
                    self.c.setFillColor(HexColor(run.color))
                self.c.setFont(self.font_name, run.size)
                self.c.drawString(run.x, lay.height - run.baseline, run.text)
                if run.color != WHITE:
                    self.c.setFillColor(HexColor(WHITE))

    def _next_slot(self, dims: tuple[float, float]) -> tuple[float, float]:
        """Advance to the next free slot (new sheet when full or the art's size changes)."""
        if self.grid is None or dims != self.dims or self.slot == self.grid.per_sheet:
            if self.page:
                self.c.showPage()
            self.grid, self.dims = choose_grid(dims[0], dims[1], self.sheet), dims
            self.c.setPageSize((self.grid.sheet_width * PT_PER_MM,
                                self.grid.sheet_height * PT_PER_MM))
            self.page, self.slot = self.page + 1, 0
        self.slot += 1
        return self.grid.slots[self.slot - 1]

    def draw(self, art: ComposedArt[Any]) -> Placement:
        """Draw one plate or sign in the next slot and return where it went."""
        form = self._fixed_form(art)
        lay, c = art.layout, self.c
        x, y = self._next_slot((lay.width, lay.height))
        grid = self.grid
        assert grid is not None
        k = grid.scale * PT_PER_MM
        c.addLiteral(self._cut_marks(x, y, grid.plate_width, grid.plate_height, grid.sheet_height))
        c.saveState()
        c.transform(k, 0, 0, k, x * PT_PER_MM, (grid.sheet_height - y) * PT_PER_MM - lay.height * k)
        c.doForm(form)
        c.setFillColor(HexColor(WHITE))
        self._draw_shapes(lay, fixed=False)
        self._draw_texts(lay, fixed=False)
        if art.matrix is not None and lay.code is not None:
            self._draw_qr(art.matrix, lay, lay.code)
        c.restoreState()
        r, col = divmod(self.slot - 1, grid.cols)
        return Placement(self.page, self.slot, r + 1, col + 1, x, y, grid.plate_width,
                         grid.plate_height, grid.scale)

    def _draw_qr(self, matrix: QrMatrix, lay: ArtLayout, code: Box) -> None:
        """Draw the QR code as one filled path in module units, finders as forms."""
        c = self.c
        rects = dark_rects(matrix, skip_finders=True)
        body = " ".join(f"{x} {y} {w} {h} re" for x, y, w, h in rects)
        m = lay.module_mm
        c.addLiteral(f"q {_n(m)} 0 0 -{_n(m)} {_n(code.x)} {_n(lay.height - code.y)} cm "
                     f"0 g {body} f")
        for fx, fy in finder_origins(matrix.size):
            c.addLiteral(f"q 1 0 0 1 {fx} {fy} cm")
            c.doForm("qrfinder")
            c.addLiteral("Q")
        c.addLiteral("Q")

    @staticmethod
    def _cut_marks(x: float, y: float, w: float, h: float, sheet_h: float) -> str:
        """Return PDF operators for corner cut marks around one item (page coordinates)."""
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


def render_art_pdf(
    items: Iterable[T],
    out: BinaryIO,
    compose: Callable[[T, CjkFont], ComposedArt[T]],
    sheet: SheetName = "A4",
    on_progress: ProgressCallback | None = None,
    *,
    font: CjkFont | None = None,
    title: str,
) -> list[tuple[ComposedArt[T], Placement]]:
    """Compose each item with ``font`` and draw it onto ``sheet``-sized pages written to ``out``.

    The one batch renderer of plates and signs: each art size gets the grid that fits the most
    items (see :mod:`.sheets`); a change of size starts a new sheet.  Returns each composed
    item with its placement, in input order; ``on_progress`` is called after each item.
    """
    f = font or find_cjk_font()
    placed: list[tuple[ComposedArt[T], Placement]] = []
    with _binary_streams():
        canvas = Canvas(out, pageCompression=1, invariant=1,
                        initialFontName=tt_font(f).fontName)
        canvas.setTitle(title)
        canvas.setCreator("placenames")
        writer = _SheetWriter(canvas, f, sheet)
        for item in items:
            art = compose(item, f)
            placed.append((art, writer.draw(art)))
            if on_progress is not None:
                on_progress(len(placed))
        canvas.save()
    return placed


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
    placed = render_art_pdf(specs, out, lambda spec, f: compose_plate(spec, f, ec_level), sheet,
                            on_progress, font=font, title=title)
    return [ManifestRow(plate_id=art.spec.plate_id, address=art.spec.address_text(),
                        size=str(art.spec.size), url=art.spec.url, **asdict(where))
            for art, where in placed]


def render_sign_batch_pdf(
    specs: Iterable[SignSpec],
    out: BinaryIO,
    sheet: SheetName = "A4",
    on_progress: ProgressCallback | None = None,
    *,
    font: CjkFont | None = None,
    ec_level: EcLevel = DEFAULT_EC,
    title: str = "地名标志印制批次",
) -> list[SignManifestRow]:
    """Render street signs onto ``sheet``-sized pages of one PDF written to ``out``.

    The same writer as door plates: cut marks, a new sheet when the sign size changes, and
    signs larger than the sheet (every standard size on A4 and A3) scaled down to one per
    sheet as a proof, the scale in the manifest.  Returns one :class:`SignManifestRow` per
    sign, in input order; ``on_progress`` is called after each sign with the count so far.
    """
    placed = render_art_pdf(specs, out, lambda spec, f: compose_sign(spec, f, ec_level), sheet,
                            on_progress, font=font, title=title)
    return [SignManifestRow(sign_id=art.spec.sign_id or "", name=art.spec.name,
                            kind=str(art.spec.kind), text=art.spec.text_line(),
                            size=str(art.spec.size), url=art.spec.url or "", **asdict(where))
            for art, where in placed]
