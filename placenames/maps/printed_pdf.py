"""A printed map on the PDF canvas: :class:`MapFlowable` draws a
:class:`~placenames.maps.printed.MapDrawing` as vector paths and text (no image).

Each feature style of the drawing has its :class:`Ink` (line colour, width and dash, the fill
of an area, the colour and size of its label); roads around the subjects are grey
(:data:`ROAD_INK`). Labels carry a white halo; the scale bar and the north arrow sit where the
drawing values put them, and the frame is outlined. The naming plan and the gazetteer pass
their own inks (:data:`PLAN_INKS` is the plan's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from .printed import Label, MapDrawing, MapFeature


@dataclass(frozen=True)
class Ink:
    """How one feature style is drawn: its line, an area's fill and its label."""

    line: Any  # a reportlab colour
    width: float = 2.2
    dash: tuple[float, ...] = ()
    fill: Any = None  # an area's fill (None: white)
    text: Any = None  # the label's colour (None: the line's)
    text_size: float = 9.0


ROAD_INK = Ink(colors.HexColor("#9aa3ad"), 2.4, text=colors.HexColor("#5c6670"),
               text_size=7.5)
"""The roads around the subjects (style ``road``)."""

PLANNED_COLOUR = colors.HexColor("#7048e8")
USED_COLOUR = colors.HexColor("#3b2a8c")
PLAN_INKS: Mapping[str, Ink] = {
    "road": ROAD_INK,
    "planned": Ink(PLANNED_COLOUR, 2.2, (6, 3), colors.HexColor("#efe9ff")),
    "used": Ink(USED_COLOUR, 2.2, (), colors.HexColor("#efe9ff")),
}
"""The naming plan's map: planned names violet and dashed, used ones solid dark violet."""


class MapFlowable(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """A map, drawn as vector paths and text into a frame of the drawing's size."""

    def __init__(self, drawing: MapDrawing, font: str,
                 inks: Mapping[str, Ink] = PLAN_INKS) -> None:
        super().__init__()
        self.drawing, self.font, self.inks = drawing, font, inks
        self.width, self.height = drawing.width, drawing.height

    def _ink(self, style: str) -> Ink:
        return self.inks.get(style) or ROAD_INK

    def draw(self) -> None:
        """Draw the frame, the roads, the subjects, labels, scale bar and north arrow."""
        c: Canvas = self.canv
        d = self.drawing
        c.saveState()
        clip = c.beginPath()
        clip.rect(0, 0, d.width, d.height)
        c.clipPath(clip, stroke=0, fill=0)
        for f in sorted(d.features, key=lambda f: f.style != "road"):
            _draw_feature(c, f, self._ink(f.style))
        for label in d.labels:
            _draw_label(c, label, self.font, self._ink(label.style))
        c.restoreState()
        c.setStrokeColor(colors.black)
        c.setLineWidth(0.8)
        c.rect(0, 0, d.width, d.height, stroke=1, fill=0)
        _draw_scale_bar(c, d, self.font)
        _draw_north_arrow(c, d.north_at[0], d.north_at[1], self.font)


def _path(c: Canvas, points: list[tuple[float, float]], closed: bool) -> Any:
    path = c.beginPath()
    path.moveTo(*points[0])
    for p in points[1:]:
        path.lineTo(*p)
    if closed:
        path.close()
    return path


def _draw_feature(c: Canvas, f: MapFeature, ink: Ink) -> None:
    c.setLineCap(1)
    c.setLineJoin(1)
    c.setStrokeColor(ink.line)
    c.setLineWidth(ink.width)
    if ink.dash:
        c.setDash(*ink.dash)
    else:
        c.setDash()
    for ring in f.rings:
        c.setFillColor(ink.fill or colors.white)
        c.drawPath(_path(c, ring, True), stroke=1, fill=1)
    for line in f.lines:
        c.drawPath(_path(c, line, False), stroke=1, fill=0)
    c.setDash()
    for x, y in f.points:
        c.setFillColor(colors.white)
        c.setLineWidth(1.8)
        c.circle(x, y, 3.2, stroke=1, fill=1)


def _draw_label(c: Canvas, label: Label, font: str, ink: Ink) -> None:
    size, colour = ink.text_size, ink.text or ink.line
    c.saveState()
    c.translate(label.x, label.y)
    c.rotate(label.angle)
    c.setLineWidth(2.2)
    # a white halo (text stroked), then the text filled; each in its own graphics state, as
    # the render mode (Tr) outlives the text object and reportlab omits a "0 Tr"
    for mode, fill in ((1, colors.white), (0, colour)):
        c.saveState()
        t = c.beginText()
        t.setFont(font, size)
        t.setTextRenderMode(mode)
        t.setStrokeColor(colors.white)
        t.setFillColor(fill)
        t.setTextOrigin(-c.stringWidth(label.text, font, size) / 2, -size * 0.35)
        t.textOut(label.text)
        c.drawText(t)
        c.restoreState()
    c.restoreState()


def _draw_scale_bar(c: Canvas, d: MapDrawing, font: str) -> None:
    bar = d.scale
    (x0, y0), h = d.scale_at, 2.2 * mm
    c.setFillColor(colors.white)
    c.setStrokeColor(colors.white)
    c.rect(x0 - 2 * mm, y0 - 2 * mm, bar.length_pt + 14 * mm, h + 9 * mm, stroke=0, fill=1)
    part = bar.length_pt / bar.parts
    c.setStrokeColor(colors.black)
    c.setLineWidth(0.6)
    for i in range(bar.parts):
        c.setFillColor(colors.black if i % 2 == 0 else colors.white)
        c.rect(x0 + i * part, y0, part, h, stroke=1, fill=1)
    c.setFillColor(colors.black)
    c.setFont(font, 7)
    for offset, text in bar.ticks():
        c.drawCentredString(x0 + offset, y0 + h + 1.5 * mm, text)


def _draw_north_arrow(c: Canvas, x: float, y: float, font: str) -> None:
    c.setFillColor(colors.black)
    c.setStrokeColor(colors.black)
    c.setLineWidth(0.8)
    for side, fill in ((-1, colors.black), (1, colors.white)):
        path = c.beginPath()
        path.moveTo(x, y + 12 * mm)
        path.lineTo(x + side * 3.2 * mm, y + 2 * mm)
        path.lineTo(x, y + 4.5 * mm)
        path.close()
        c.setFillColor(fill)
        c.drawPath(path, stroke=1, fill=1)
    c.setFillColor(colors.black)
    c.setFont(font, 9)
    c.drawCentredString(x, y - 2.5 * mm, "北 N")
